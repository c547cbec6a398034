"""Points live in nbgrader's metadata; what a student reads repeats them and is checked here.

Every source notebook's title cell holds a table with one row per graded cell::

    | 1 | `mu_law_encode` | 2 |
    | | `mu_law_encode`'s argument checks | 1 |
    | | **Total** | **10** |

(a row that says "argument checks" is the exercise's ``test_<name>_errors``
cell), and each exercise's heading says its points:
``### Exercise 1: `mu_law_encode` (2 points)``; an errors cell's text says
``**Argument checks of `mu_law_encode` (1 point).**``. Nothing else states
points, so nothing else can drift.
"""

import re

import pytest

from answers import collection
from autograder.execute import read
from autograder.paths import SOLUTIONS, assignment_ids, notebook_names

ROW = re.compile(r"^\|\s*\d*\s*\|\s*`(\w+)`([^|]*)\|\s*(\d+(?:\.\d+)?)\s*\|\s*$")
TOTAL = re.compile(r"^\|\s*\|\s*\*\*Total\*\*\s*\|\s*\*\*(\d+(?:\.\d+)?)\*\*\s*\|\s*$")
HEADING = re.compile(r"^### Exercise \d+: `(\w+)` \((\d+) points?\)")
ERRORS = re.compile(r"\*\*Argument checks of `(\w+)` \((\d+) points?\)\.?\*\*")


def _points(assignment_id):
    (notebook_id,) = notebook_names(assignment_id)
    notebook = read(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb")
    return notebook, collection(assignment_id).full_marks


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_title_table_repeats_the_metadata_points(assignment_id):
    """The title cell's table lists every graded cell once, with its points, and the total."""
    notebook, full_marks = _points(assignment_id)
    title = next(c for c in notebook.cells if c.cell_type == "markdown").source
    rows, total = {}, None
    for line in title.splitlines():
        if match := ROW.match(line.strip()):
            name, rest, points = match.groups()
            test = f"test_{name}_errors" if "argument checks" in rest else f"test_{name}"
            assert test not in rows, f"{assignment_id}: {test} has two rows in the title table"
            rows[test] = float(points)
        elif match := TOTAL.match(line.strip()):
            total = float(match.group(1))
    assert rows == full_marks, (
        f"{assignment_id}: the title table says {rows}, the metadata {full_marks}"
    )
    assert total == sum(full_marks.values()), f"{assignment_id}: the table's total is {total}"


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_headings_repeat_the_metadata_points(assignment_id):
    """Each exercise's heading, and each errors cell's text, states the metadata's points."""
    notebook, full_marks = _points(assignment_id)
    said = {}
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if match := HEADING.match(line):
                said[f"test_{match.group(1)}"] = float(match.group(2))
        for name, points in ERRORS.findall(cell.source):
            said[f"test_{name}_errors"] = float(points)
    assert said == full_marks, (
        f"{assignment_id}: the headings say {said}, the metadata {full_marks}"
    )
