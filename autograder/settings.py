"""The nbgrader settings of the course, in one place.

Both the pipeline (``python -m autograder``) and nbgrader's own command line
and formgrader (through ``autograder/nbgrader_config.py``) use them.
"""

from traitlets.config import Config

COURSE_ID = "dl-course"

#: Seconds one cell may run under autograding before nbgrader stops it.
CELL_TIMEOUT_S = 120


def apply(c, root, db_url=None, source="source", release="release"):
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
    c.Execute.timeout = CELL_TIMEOUT_S
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
