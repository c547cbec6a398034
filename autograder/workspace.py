"""A throwaway nbgrader course folder in which releases and grading happen.

The repository keeps nbgrader's inputs (``solutions/``) and outputs
(``notebooks/``, grades, feedback) in the course's own layout; nbgrader wants
its own (``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/`` and a gradebook). A workspace is that layout in a temporary
folder, with a copy of the ``course`` package at its root so that notebooks
running inside it find ``course`` (and, for hidden tests, ``course.reference``).
"""

import os
import shutil
import sys
from pathlib import Path

import nbgrader.api
from alembic.script import ScriptDirectory
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.dbutil import ALEMBIC_DIR

from autograder.paths import COURSE_PACKAGE, SOLUTIONS
from autograder.settings import make_config

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".hypothesis")


def alembic_head():
    """The schema version nbgrader stamps on a new gradebook, read in this process.

    nbgrader asks a separate ``alembic heads`` process for it each time it creates
    a gradebook (seconds on a loaded machine); the answer comes from the same
    migration scripts. ``tests/grading/test_setup.py`` checks both agree.
    """
    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


def prepare_nbgrader():
    """Make this process ready to drive nbgrader; every Workspace calls it (it is idempotent).

    * nbgrader runs ``alembic`` from PATH to create a gradebook: put this
      Python's ``bin`` folder on PATH;
    * it asks that process for the schema version each time: read it here instead.
    """
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    nbgrader.api.get_alembic_version = alembic_head


class PipelineError(RuntimeError):
    """nbgrader could not do a step that the whole run depends on."""


class Workspace:
    """An nbgrader course folder at ``root`` (which should be empty)."""

    def __init__(self, root, template=None, extra_config=None):
        """Make a new workspace at ``root``, or a copy of the workspace ``template``."""
        prepare_nbgrader()
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
