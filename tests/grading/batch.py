"""Grading batches of submissions through the pipeline, for the grading tests.

:func:`grade_batch` writes ``{student_id: content}`` in nbgrader's submitted
layout, grades it with one run of ``autograder.grade`` and reads the tables
back. :func:`pack` puts many answers of an assignment's collection into few
submissions, so that a whole collection is graded in one short run.
"""

import ast
import csv
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from answers import exercise_of
from autograder.grade import grade
from autograder.log import configure_logging
from autograder.paths import SOLUTIONS

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
    configure_logging()
    submitted = write_batch(Path(root) / "submitted", submissions, assignment_id, notebook_id)
    result = grade(submitted, Path(root) / "out", progress=False, **options)
    cells, totals = read_tables(result.out)
    return cells, totals, result


def dependencies_of_tests(assignment_id, notebook_id, exercises):
    """``{test grade_id: exercises its score can depend on}``, read from the source notebook.

    A test depends on its own exercise, on every exercise its code names (the
    hidden part included), and on every exercise that those call in the
    solution, transitively: a correct ``pearson_item_similarity`` that calls a
    wrong ``pearson_user_similarity`` may fail ``test_pearson_item_similarity``.
    """

    def names(code):
        return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)} & exercises

    notebook = nbformat.read(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb", as_version=4)
    calls, tests = {}, {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            calls[meta["grade_id"]] = names(cell.source)
        elif meta.get("grade"):
            tests[meta["grade_id"]] = names(cell.source) | {
                exercise_of(meta["grade_id"], exercises)
            }
    dependencies = {}
    for test, found in tests.items():
        closure, todo = set(), set(found)
        while todo:
            exercise = todo.pop()
            closure.add(exercise)
            todo |= calls.get(exercise, set()) - closure
        dependencies[test] = closure
    return dependencies


@dataclass
class Pack:
    """Answers graded together in one submission."""

    names: list = field(default_factory=list)
    cells: set = field(default_factory=set)
    zeros: set = field(default_factory=set)


def pack(collection, names):
    """Group the answers ``names`` into as few submissions as can be graded without ambiguity.

    Two answers share a submission only if they change different cells, lose
    different tests, and neither changes a cell that a test lost by the other
    depends on (see :func:`dependencies_of_tests`). Every test an answer must keep
    is then one that no other answer of its submission touches or zeroes, so a
    mistake that also cost points elsewhere is still seen; and every test it
    must lose is lost for its own reason.
    """
    dependencies = dependencies_of_tests(
        collection.assignment_id, collection.notebook_id, set(collection.solutions)
    )
    packs = []
    for name in names:
        answer = collection.answers[name]
        cells, zeros = set(answer.cells), set(collection.zeros(answer))

        def fits(p, cells=cells, zeros=zeros):
            return not (
                cells & p.cells
                or zeros & p.zeros
                or any(dependencies[t] & p.cells for t in zeros)
                or any(dependencies[t] & cells for t in p.zeros)
            )

        target = next((p for p in packs if fits(p)), None)
        if target is None:
            target = Pack()
            packs.append(target)
        target.names.append(name)
        target.cells |= cells
        target.zeros |= zeros
    return [p.names for p in packs]
