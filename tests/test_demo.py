"""``make demo``: three sample students per assignment get the scores the table promises."""

import pytest

from answers.demo import demo, main, score_table
from autograder.paths import NOTEBOOKS


def test_score_table_lines_up_each_student_with_its_expected_score():
    """One line per assignment and student, in the demo's order, scores next to expectations."""
    totals = {
        ("untouched", "01_mulaw"): (0.0, 10.0),
        ("solution", "01_mulaw"): (10.0, 10.0),
        ("demo_student", "01_mulaw"): (4.0, 10.0),
    }
    expected = {"01_mulaw": {"solution": 10.0, "demo_student": 4.0, "untouched": 0.0}}
    lines = score_table(totals, expected).splitlines()
    assert lines[0].split() == ["assignment", "student", "score", "max", "expected"]
    assert [line.split() for line in lines[1:]] == [
        ["01_mulaw", "solution", "10", "10", "10"],
        ["01_mulaw", "demo_student", "4", "10", "4"],
        ["01_mulaw", "untouched", "0", "10", "0"],
    ]


def test_demo_cli_refuses_an_unknown_assignment(capsys):
    assert main(["99_nothing"]) == 2
    assert "unknown assignments ['99_nothing']" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_grades_its_students_as_expected_and_leaves_notebooks_alone(tmp_path):
    """The demo of 01_mulaw: solution full marks, demo student its computed score, untouched 0;
    it releases into its own folder, not into notebooks/."""
    before = {p: p.stat().st_mtime_ns for p in NOTEBOOKS.rglob("*.ipynb")}
    result, expected = demo(tmp_path / "demo", ["01_mulaw"], progress=False)
    got = {student: score for (student, _), (score, _) in result.totals().items()}
    assert got == expected["01_mulaw"]
    assert 0 < got["demo_student"] < got["solution"]
    assert {p: p.stat().st_mtime_ns for p in NOTEBOOKS.rglob("*.ipynb")} == before
    assert (tmp_path / "demo" / "graded" / "grades.csv").is_file()
