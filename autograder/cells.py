"""The course notebooks' nbgrader markers and cell ids, and how their cells are told apart.

One place for what every part of the pipeline reads in a notebook: nbgrader's
markers, the ids of the cells the course and the grader give a role, and the
kind of a cell, read through nbgrader's own ``nbgrader.utils``.
"""

from nbgrader import utils

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
HIDDEN_TESTS_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_TESTS_END = "### END HIDDEN TESTS"
#: The grade id of each notebook's set-up cell (locked, run first, skipped by the slides).
SETUP_ID = "setup"
#: The id of the cell the grader adds after the set-up cell (``autograder.kernel_hooks``).
HOOKS_CELL_ID = "grader-hooks"
#: The id of each topic's diagram cell (drawn by a ``draw_*`` helper of the course).
DIAGRAM_ID = "diagram"
#: The slide type of the lecturer's speaker notes.
NOTES = "notes"


def grade_id(cell):
    """The cell's nbgrader grade id, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_solution(cell):
    """An exercise's solution cell (its grade id is the function's name)."""
    return bool(utils.is_solution(cell))


def is_test(cell):
    """A graded test cell (``test_<name>`` or ``test_<name>_errors``)."""
    return bool(utils.is_grade(cell)) and not is_solution(cell)


def is_setup(cell):
    return grade_id(cell) == SETUP_ID


def points(cell):
    """The points of a graded cell."""
    return float(cell.metadata["nbgrader"].get("points", 0))


def slide_type(cell):
    """The cell's ``slideshow.slide_type`` (None when it has none)."""
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def is_speaker_note(cell):
    """True for a cell the lecture shows as speaker notes, which the student kit leaves out."""
    return slide_type(cell) == NOTES


def without_solution_markers(source):
    """``source`` without its ``### BEGIN/END SOLUTION`` lines (what a student would write)."""
    markers = (SOLUTION_BEGIN, SOLUTION_END)
    return "\n".join(line for line in source.splitlines() if line.strip() not in markers)
