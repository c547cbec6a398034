"""Grading a batch of submissions through the pipeline, for the grading tests."""

import csv
from pathlib import Path

import nbformat

from autograder.grade import grade
from autograder.workspace import quiet_nbgrader

ASSIGNMENT = "01_mulaw"
NOTEBOOK = "mulaw"


def grade_batch(root, submissions, assignment_id=ASSIGNMENT, notebook_id=NOTEBOOK):
    """Grade ``{student_id: notebook | bytes | None}`` in one run of the pipeline.

    A notebook is written as ``<notebook_id>.ipynb``; bytes are written as they
    are (a broken file); ``None`` leaves the student's folder empty. Returns
    ``(per-cell scores {student: {grade_id: score}}, totals {student: score},
    the GradingResult)``, the first two read back from the CSV files.
    """
    quiet_nbgrader()
    submitted = Path(root) / "submitted"
    for student_id, content in submissions.items():
        folder = submitted / student_id / assignment_id
        folder.mkdir(parents=True)
        target = folder / f"{notebook_id}.ipynb"
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif content is not None:
            nbformat.write(content, target)
    result = grade(submitted, Path(root) / "out")
    cells, totals = {}, {}
    with open(result.out / "scores.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"])
    with open(result.out / "grades.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            totals[row["student_id"]] = (float(row["score"]), float(row["max_score"]))
    return cells, totals, result
