"""An LMS download through the whole pipeline: no student merged, no file lost without a word.

A Blackboard download with ``jane_doe`` and ``john_doe`` (whom a greedy
pattern read as one student ``doe``), an older attempt, a browser's copy
``mulaw (1).ipynb`` and a student who uploaded only a pdf: every student
gets a row, every file not graded is named in flags.csv, the summary and the
log, and the pdf-only student gets a zero row.
"""

import csv
import zipfile

import nbformat
import pytest

from answers.submissions import solution, untouched
from autograder.grade import grade
from autograder.tables import UPLOAD

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "01_mulaw", "mulaw"
TITLE = "HW 1_mu law"


def _name(username, when, file):
    return f"{TITLE}_{username}_attempt_{when}_{file}"


def _rows(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_an_lms_download_loses_no_student_and_no_file(tmp_path):
    right = nbformat.writes(solution(ASSIGNMENT, NOTEBOOK))
    blank = nbformat.writes(untouched(ASSIGNMENT, NOTEBOOK))
    files = {
        _name("jane_doe", "2026-10-01-09-00-00", f"{NOTEBOOK}.ipynb"): blank,  # older attempt
        _name("jane_doe", "2026-10-02-09-00-00", f"{NOTEBOOK} (1).ipynb"): right,  # browser copy
        _name("john_doe", "2026-10-01-10-00-00", f"{NOTEBOOK}.ipynb"): blank,
        _name("j.smith", "2026-10-01-11-00-00", "mulaw.pdf"): b"%PDF-1.4",
    }
    upload = tmp_path / "download.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)

    result = grade(upload, tmp_path / "out", assignment=ASSIGNMENT, progress=False)

    grades = {r["student_id"]: float(r["score"]) for r in _rows(tmp_path / "out" / "grades.csv")}
    assert grades == {"jane_doe": 10.0, "john_doe": 0.0, "j.smith": 0.0}, grades
    flagged = {
        (r["student_id"], r["cell"].removeprefix(UPLOAD))
        for r in _rows(tmp_path / "out" / "flags.csv")
        if r["cell"].startswith(UPLOAD)
    }
    older = _name("jane_doe", "2026-10-01-09-00-00", f"{NOTEBOOK}.ipynb")
    pdf = _name("j.smith", "2026-10-01-11-00-00", "mulaw.pdf")
    assert flagged == {("jane_doe", older), ("j.smith", pdf)}, flagged
    assert "2 files of the upload not graded as named" in result.summary(), result.summary()
    log = (tmp_path / "out" / "grading.log").read_text(encoding="utf-8")
    assert older in log and pdf in log
