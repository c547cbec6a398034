"""One gradebook per semester: grading assignment after assignment into one OUT keeps them all.

01, then 02, then 01 again into the same OUT: both assignments stay in the
gradebook (so in the Formgrader) and in the tables, and a manual score and a
comment entered in between (as the Formgrader stores them) are kept; each
run keeps a copy of the gradebook as it was.
"""

import csv

import pytest
from nbgrader.api import Gradebook

from answers.submissions import solution, untouched
from autograder.grade import grade
from autograder.gradebook import sqlite_url
from tests.grading.batch import write_batch

pytestmark = pytest.mark.slow

FIRST, SECOND = ("01_mulaw", "mulaw"), ("02_vae", "vae")


def _class(tmp_path, assignment):
    assignment_id, notebook_id = assignment
    students = {
        "alice": solution(assignment_id, notebook_id),
        "bob": untouched(assignment_id, notebook_id),
    }
    return write_batch(tmp_path / assignment_id, students, assignment_id, notebook_id)


def _grades(out):
    with open(out / "grades.csv", encoding="utf-8") as handle:
        return {
            (r["student_id"], r["assignment_id"]): float(r["score"]) for r in csv.DictReader(handle)
        }


def test_a_semester_in_one_gradebook_keeps_every_assignment_and_manual_grade(tmp_path):
    out = tmp_path / "out"
    first = _class(tmp_path, FIRST)
    grade(first, out, progress=False)
    url = sqlite_url(out / "gradebook.db")
    with Gradebook(url) as gradebook:  # what the Formgrader does on "manual grading"
        manual = gradebook.find_grade("test_quantize", "mulaw", "01_mulaw", "bob")
        manual.manual_score = 1.5
        comment = gradebook.find_comment("quantize", "mulaw", "01_mulaw", "bob")
        comment.manual_comment = "Close: floor, not round."
        gradebook.db.commit()

    grade(_class(tmp_path, SECOND), out, progress=False)
    grade(first, out, progress=False)

    with Gradebook(url) as gradebook:
        assert sorted(a.name for a in gradebook.assignments) == ["01_mulaw", "02_vae"]
        for assignment_id, _ in (FIRST, SECOND):
            students = {s.student.id for s in gradebook.assignment_submissions(assignment_id)}
            assert students == {"alice", "bob"}, assignment_id
        kept = gradebook.find_grade("test_quantize", "mulaw", "01_mulaw", "bob")
        assert kept.manual_score == 1.5 and kept.auto_score == 0
        comment = gradebook.find_comment("quantize", "mulaw", "01_mulaw", "bob")
        assert comment.manual_comment == "Close: floor, not round."
        totals = {
            (s.student.id, "01_mulaw"): s.score
            for s in gradebook.assignment_submissions("01_mulaw")
        }
    grades = _grades(out)
    assert set(grades) == {(s, a) for s in ("alice", "bob") for a in ("01_mulaw", "02_vae")}
    assert grades[("bob", "01_mulaw")] == totals[("bob", "01_mulaw")] == 1.5
    assert grades[("alice", "01_mulaw")] == 10 and grades[("alice", "02_vae")] > 0
    assert len(list((out / "backups").glob("gradebook-*.db"))) == 2
    log = (out / "grading.log").read_text(encoding="utf-8")
    assert "kept 2 results of an earlier run" in log, "01 unchanged: not graded a third time"
