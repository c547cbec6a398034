"""The course's nbgrader settings and grading limits, in one place.

Both the pipeline (``python -m autograder``) and nbgrader's own command line
and formgrader (through ``autograder/nbgrader_config.py``) use them; the
command line's defaults for ``--cell-timeout`` and friends are :class:`Limits`'.
"""

from dataclasses import dataclass

from traitlets.config import Config

COURSE_ID = "dl-course"


@dataclass(frozen=True)
class Limits:
    """What one submission may use while it is graded."""

    cell_timeout_s: int = 120  # one cell's wall time, then it is interrupted
    notebook_timeout_s: int = 600  # one notebook's wall time, then its worker is killed
    memory_mb: int = 4096  # the kernel's data segment
    processes: int = 512  # processes and threads of the jail's user
    file_mb: int = 64  # largest file the kernel may write
    output_lines: int = 1000  # lines of output kept per cell


def apply(c, root, db_url=None, source="source", release="release", limits=Limits()):
    """Write the course's nbgrader settings into the traitlets config ``c``."""
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = source
    c.CourseDirectory.release_directory = release
    if db_url is not None:
        c.CourseDirectory.db_url = db_url
    # Build artefacts never belong in a release or a submission.
    c.CourseDirectory.ignore = [
        ".ipynb_checkpoints",
        "*.pyc",
        "__pycache__",
        "feedback",
        ".hypothesis",
    ]
    c.Execute.timeout = limits.cell_timeout_s
    # nbgrader fails the whole notebook when a cell's output is still arriving
    # a few seconds after the cell ended (a flood of prints, a busy machine):
    # wait a little longer, then go on with the output received so far.
    c.Execute.raise_on_iopub_timeout = False
    c.Execute.iopub_timeout = 15
    # A kernel starting on a machine busy grading a class may be slow to answer.
    c.Execute.startup_timeout = 180
    # nbgrader gives zero to a test cell that wrote anything to stderr. PyTorch
    # writes its warnings there, and a test's verdict is its exception, so
    # stderr output is dropped before the cells are scored.
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = r"[\s\S]*"
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    return c


def make_config(root, db_url=None):
    """A fresh nbgrader config for a course folder at ``root``."""
    return apply(Config(), root, db_url=db_url)
