"""``release``: generate every student notebook in ``notebooks/`` from ``solutions/``."""

import shutil
import tempfile
from pathlib import Path

from autograder.log import log
from autograder.paths import NOTEBOOKS, assignment_ids
from autograder.workspace import Workspace


def release(assignments=None, dest=NOTEBOOKS):
    """Run nbgrader's generate_assignment for each assignment, into ``dest/<id>/``.

    Returns the list of written folders. ``dest/<id>/`` is replaced as a whole:
    it only ever holds generated files.
    """
    assignments = list(assignments or assignment_ids())
    written = []
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        workspace = Workspace(Path(tmp))
        for assignment_id in assignments:
            released = workspace.generate(assignment_id)
            target = Path(dest) / assignment_id
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(released, target)
            written.append(target)
            log.debug("released %s -> %s", assignment_id, target)
    return written
