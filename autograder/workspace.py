"""A throwaway nbgrader course folder in which releases and grading happen.

The repository keeps nbgrader's inputs (``solutions/``) and outputs
(``notebooks/``, grades, feedback) in the course's own layout; nbgrader wants
its own (``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/`` and a gradebook). A workspace is that layout in a temporary
folder, with a copy of the ``course`` package at its root so that notebooks
running inside it find ``course`` (and, for hidden tests, ``course.reference``).
"""

import logging
import os
import shutil
import sys
import warnings
from pathlib import Path

import nbgrader.api
from alembic.script import ScriptDirectory
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.dbutil import ALEMBIC_DIR

from autograder.paths import COURSE_PACKAGE, SOLUTIONS
from autograder.settings import make_config

log = logging.getLogger("autograder")

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".hypothesis")


def quiet_nbgrader(verbose=False):
    """Show the pipeline's own progress; nbgrader's chatter only when ``verbose``."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.INFO)
    logging.basicConfig(format="%(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.DEBUG if verbose else logging.ERROR)
    if not verbose:
        # The gradebook's SQLAlchemy session warns about its own autoflush.
        warnings.filterwarnings("ignore", message=".*not in session.*")


def alembic_head():
    """The schema version nbgrader stamps on a new gradebook, read in this process.

    nbgrader asks a separate ``alembic heads`` process for it each time it creates
    a gradebook (seconds on a loaded machine); the answer comes from the same
    migration scripts. ``tests/test_intake_and_rebuild.py`` checks both agree.
    """
    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


nbgrader.api.get_alembic_version = alembic_head


class PipelineError(RuntimeError):
    """nbgrader could not do a step that the whole run depends on."""


def put_venv_on_path():
    """nbgrader runs ``alembic`` from PATH to create a gradebook: use this Python's."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


class Workspace:
    """An nbgrader course folder at ``root`` (which should be empty)."""

    def __init__(self, root, template=None, extra_config=None):
        """Make a new workspace at ``root``, or a copy of the workspace ``template``."""
        put_venv_on_path()
        self.root = Path(root)
        if template is None:
            self.root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(COURSE_PACKAGE, self.root / "course", ignore=_IGNORE)
            (self.root / "exchange").mkdir()
        else:
            shutil.copytree(template, self.root)
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.config = make_config(self.root, db_url=self.db_url)
        self.config.Exchange.root = str(self.root / "exchange")
        if extra_config is not None:
            self.config.merge(extra_config)
        self.coursedir = CourseDirectory(config=self.config)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=self.config)

    def path(self, kind, student_id=".", assignment_id=""):
        """The folder of one step: ``kind`` is source, release, submitted, autograded, feedback."""
        folder = getattr(self.coursedir, f"{kind}_directory")
        return Path(self.coursedir.format_path(folder, student_id, assignment_id))

    def generate(self, assignment_id):
        """Copy the assignment's source folder in and run ``nbgrader generate_assignment``."""
        source = self.path("source", ".", assignment_id)
        shutil.copytree(SOLUTIONS / assignment_id, source, ignore=_IGNORE)
        result = self.api.generate_assignment(assignment_id, force=True, create=True)
        if not result["success"]:
            raise PipelineError(
                f"nbgrader could not generate {assignment_id}: {result.get('error') or ''}\n"
                f"{result.get('log', '')}"
            )
        return self.path("release", ".", assignment_id)
