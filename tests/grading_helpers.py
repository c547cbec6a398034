"""Grading a batch of submissions through the pipeline, for the grading tests."""

import csv
from pathlib import Path

import nbformat

from autograder.grade import grade
from autograder.workspace import quiet_nbgrader

ASSIGNMENT = "01_mulaw"
NOTEBOOK = "mulaw"


def write_batch(root, submissions, assignment_id=ASSIGNMENT, notebook_id=NOTEBOOK):
    """Write ``{student_id: content}`` in the submitted layout under ``root``.

    ``content`` is a notebook (written as ``<notebook_id>.ipynb``), bytes
    (written as they are: a broken file), a ``(file name, notebook)`` pair (a
    misnamed file) or ``None`` (an empty folder).
    """
    for student_id, content in submissions.items():
        folder = Path(root) / student_id / assignment_id
        folder.mkdir(parents=True)
        name = f"{notebook_id}.ipynb"
        if isinstance(content, tuple):
            name, content = content
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        elif content is not None:
            nbformat.write(content, folder / name)
    return Path(root)


def read_tables(out):
    """``(per-cell scores {student: {grade_id: score}}, totals {student: (score, max)})``."""
    cells, totals = {}, {}
    with open(Path(out) / "scores.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cells.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"])
    with open(Path(out) / "grades.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            totals[row["student_id"]] = (float(row["score"]), float(row["max_score"]))
    return cells, totals


def grade_batch(root, submissions, assignment_id=ASSIGNMENT, notebook_id=NOTEBOOK, **options):
    """Grade ``{student_id: content}`` (see ``write_batch``) in one run of the pipeline.

    Returns ``(per-cell scores, totals, the GradingResult)``, the first two read
    back from the CSV files. ``options`` go to ``autograder.grade.grade``.
    """
    quiet_nbgrader()
    submitted = write_batch(Path(root) / "submitted", submissions, assignment_id, notebook_id)
    result = grade(submitted, Path(root) / "out", progress=False, **options)
    cells, totals = read_tables(result.out)
    return cells, totals, result


def standard_batch(assignment_id, notebook_id, mistakes, variants):
    """The submissions each assignment's grading test puts through one run.

    The solution, the untouched release, the demo's partly wrong student, and
    one student per correct variant (``variant_<name>``) and per plausible
    mistake (``mistake_<name>``); ``mistakes`` and ``variants`` map names to
    ``(grade_id, code)``.
    """
    from autograder.sample_answers import PARTLY_WRONG
    from autograder.samples import solution, untouched

    partly_wrong = PARTLY_WRONG[assignment_id][notebook_id]
    submissions = {
        "solution": solution(assignment_id, notebook_id),
        "untouched": untouched(assignment_id, notebook_id),
        "partly_wrong": solution(assignment_id, notebook_id, partly_wrong),
    }
    for prefix, answers in (("variant", variants), ("mistake", mistakes)):
        for name, (grade_id, code) in answers.items():
            submissions[f"{prefix}_{name}"] = solution(assignment_id, notebook_id, {grade_id: code})
    return submissions


def points_lost_elsewhere(scores, own_test, full_marks):
    """``{test: score}`` of the tests other than ``own_test`` that lost points."""
    return {g: s for g, s in scores.items() if g != own_test and s != full_marks[g]}
