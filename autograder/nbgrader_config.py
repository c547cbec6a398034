"""nbgrader configuration for using nbgrader directly on this repository.

``make lab`` starts JupyterLab from this folder, so nbgrader's Formgrader,
Assignment List and command line (``nbgrader generate_assignment 01_mulaw``,
...) read this file: source notebooks come from ``solutions/``, releases go to
``notebooks/``, and the gradebook, the exchange and any submissions live
under ``build/nbgrader/`` (made here if missing; the environment variable
``COURSE_NBGRADER_DIR`` names another folder). ``python -m autograder grade
SUBMISSIONS --out build/nbgrader`` grades a class into the same gradebook, so
the Formgrader shows its submissions.

The Formgrader's "Autograde" and ``nbgrader autograde`` grade through the
course's own chain (``autograder.settings``), as ``python -m autograder
grade`` does: the notebook rebuilt from the release and scanned, the kernel
in the jail, the hidden tests left out of the feedback.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.settings import apply  # noqa: E402

BUILD = Path(os.environ.get("COURSE_NBGRADER_DIR") or REPO / "build" / "nbgrader").resolve()
EXCHANGE = BUILD / "exchange"
EXCHANGE.mkdir(parents=True, exist_ok=True)
EXCHANGE.chmod(0o777)  # nbgrader's exchange is shared by the course's users

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)
apply(
    c,
    root=REPO,
    db_url=f"sqlite:///{BUILD / 'gradebook.db'}",
    source="solutions",
    release="notebooks",
)
c.CourseDirectory.submitted_directory = str(BUILD / "submitted")
c.CourseDirectory.autograded_directory = str(BUILD / "autograded")
c.CourseDirectory.feedback_directory = str(BUILD / "feedback")
c.Exchange.root = str(EXCHANGE)
