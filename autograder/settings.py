"""The course's nbgrader settings and grading limits, in one place.

Both the pipeline (``python -m autograder``) and nbgrader's own command line
and Formgrader (through ``autograder/nbgrader_config.py``) use them, so both
grade through the same converter chain:

* ``nbgrader generate_assignment`` leaves the lecturer's speaker notes out of
  the student version (``autograder.release.DropSpeakerNotes``);
* ``nbgrader autograde`` sanitizes a submission with
  ``autograder.rebuild.RebuildFromRelease`` first (the release's cells with
  the student's code put in, student code scanned, the kernel hooks added),
  then nbgrader's own steps;
* its ``Execute`` step (``autograder.sandbox.JailedExecute``) starts each
  kernel with ``autograder.sandbox.JailedKernelManager`` (bubblewrap, limits);
* ``nbgrader generate_feedback`` leaves the hidden tests' code out
  (``autograder.feedback.HideHiddenTests``).

The command line's defaults for ``--cell-timeout`` and friends are :class:`Limits`'.
"""

from dataclasses import dataclass

from traitlets.config import Config

COURSE_ID = "dl-course"

#: nbgrader's steps that make the student version, after dropping the speaker notes.
GENERATE_PREPROCESSORS = [
    "autograder.release.DropSpeakerNotes",
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]
#: nbgrader's sanitizing steps for this course: the rebuild comes first (before
#: DeduplicateIds turns a student's duplicated solution cell into a plain one),
#: nbgrader's OverwriteCells then puts the hidden tests back from the gradebook.
SANITIZE_PREPROCESSORS = [
    "nbgrader.preprocessors.ClearOutput",
    "autograder.rebuild.RebuildFromRelease",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
#: nbgrader's feedback steps, with the hidden tests' code left out ...
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
#: ... or kept (``grade --show-hidden-tests``): nbgrader's own steps.
FEEDBACK_PREPROCESSORS_ALL = [FEEDBACK_PREPROCESSORS[0], FEEDBACK_PREPROCESSORS[2]]
#: nbgrader's autograding steps, with the kernel started in the jail.
AUTOGRADE_PREPROCESSORS = [
    "autograder.sandbox.JailedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


@dataclass(frozen=True)
class Limits:
    """What one submission may use while it is graded."""

    cell_timeout_s: int = 120  # one cell's wall time, then it is interrupted
    notebook_timeout_s: int = 600  # one notebook's wall time, then its worker is killed
    memory_mb: int = 4096  # the kernel's data segment
    processes: int = 512  # processes and threads of the jail's user
    file_mb: int = 64  # largest file the kernel may write
    output_lines: int = 1000  # lines of output kept per cell


def apply_grading(c, limits=Limits(), sandbox=None, show_hidden_tests=False):
    """Write the grading chain (rebuild, jail, limits, feedback) into the traitlets config ``c``.

    ``sandbox`` None jails kernels wherever bubblewrap works; False never.
    """
    c.Autograde.sanitize_preprocessors = list(SANITIZE_PREPROCESSORS)
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    c.JailedKernelManager.sandbox = sandbox
    c.JailedKernelManager.memory_mb = limits.memory_mb
    c.JailedKernelManager.processes = limits.processes
    c.JailedKernelManager.file_mb = limits.file_mb
    c.Execute.timeout = limits.cell_timeout_s
    # A cell over its time limit is interrupted (its test fails) and grading
    # goes on with the next cell, instead of the whole notebook failing.
    c.Execute.interrupt_on_timeout = True
    # nbgrader fails the whole notebook when a cell's output is still arriving
    # a few seconds after the cell ended (a flood of prints, a busy machine):
    # wait a little longer, then go on with the output received so far.
    c.Execute.raise_on_iopub_timeout = False
    c.Execute.iopub_timeout = 15
    # A kernel starting on a machine busy grading a class may be slow to answer.
    c.Execute.startup_timeout = 180
    c.LimitOutput.max_lines = limits.output_lines
    c.LimitOutput.max_traceback = 100
    # nbgrader gives zero to a test cell that wrote anything to stderr. PyTorch
    # writes its warnings there, and a test's verdict is its exception, so
    # stderr output is dropped before the cells are scored.
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = r"[\s\S]*"
    shown = FEEDBACK_PREPROCESSORS_ALL if show_hidden_tests else FEEDBACK_PREPROCESSORS
    c.GenerateFeedback.preprocessors = list(shown)
    return c


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
    c.GenerateAssignment.preprocessors = list(GENERATE_PREPROCESSORS)
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    return apply_grading(c, limits)


def make_config(root, db_url=None):
    """A fresh nbgrader config for a course folder at ``root``."""
    return apply(Config(), root, db_url=db_url)
