"""The notebooks: clean sources, releases in sync, and every source runs top to bottom."""

import html
import json
import time

import pytest

from answers.submissions import solution_code, with_answers
from autograder.execute import errors, read, run_notebook
from autograder.paths import NOTEBOOKS, SOLUTIONS, assignment_ids, notebook_names
from autograder.release import is_speaker_note, release
from autograder.slides import deck

SOURCES = [SOLUTIONS / a / f"{n}.ipynb" for a in assignment_ids() for n in notebook_names(a)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_source_notebook_is_stored_without_outputs(path):
    """Sources are committed without outputs or execution counts (reviewable diffs)."""
    notebook = read(path)
    dirty = [
        cell.get("id")
        for cell in notebook.cells
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: clear the outputs of cells {dirty}"


def test_released_notebooks_are_in_sync(tmp_path):
    """notebooks/ is exactly what nbgrader generates from solutions/ today."""
    release(dest=tmp_path)
    for assignment_id in assignment_ids():
        for name in notebook_names(assignment_id):
            fresh = json.loads((tmp_path / assignment_id / f"{name}.ipynb").read_text())
            committed_path = NOTEBOOKS / assignment_id / f"{name}.ipynb"
            assert committed_path.is_file(), f"{committed_path} is missing: run make release"
            committed = json.loads(committed_path.read_text())
            assert fresh == committed, f"{committed_path} is out of date: run make release"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_source_notebook_runs_top_to_bottom_and_makes_its_deck(path, tmp_path):
    """The instructor's notebook, hidden tests included, runs without a single error; its
    lecture deck holds every section heading and no test, hidden test, marker or set-up code."""
    start = time.perf_counter()
    notebook = run_notebook(read(path), cwd=path.parent)
    elapsed = time.perf_counter() - start
    assert not errors(notebook), f"{path}: {errors(notebook)}"
    print(f"{path.relative_to(SOLUTIONS.parent)} ran in {elapsed:.1f} s")
    text = html.unescape(deck(notebook, tmp_path / "deck.slides.html").read_text())
    headings = [
        line.removeprefix("## ").strip()
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert headings and all(heading in text for heading in headings), headings
    for secret in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "course.reference", "expect_close("):
        assert secret not in text, f"the deck of {path.name} shows {secret!r}"
    assert "setup(seed" not in text, f"the deck of {path.name} shows the set-up cell"


RELEASED = [NOTEBOOKS / a / f"{n}.ipynb" for a in assignment_ids() for n in notebook_names(a)]


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.parent.name)
def test_student_notebook_holds_no_speaker_notes(path):
    """The kit's notebooks leave the lecturer's speaker notes out (they stay in the lecture;
    ``tests/test_repository.py`` checks that no cell points at files students lack)."""
    notebook = read(path)
    notes = [
        c.get("id")
        for c in notebook.cells
        if is_speaker_note(c) or c.get("id", "").endswith("_notes")
    ]
    assert not notes, f"{path}: speaker notes in the student notebook: {notes}"


def _allowed(output):
    """An error a student sees with only the first exercise done: a stub's NotImplementedError,
    or the one sentence of ``course.notebook.needs``."""
    _, name, message = output
    needed = name == "ExerciseNeeded" and "not written yet" in message
    return name == "NotImplementedError" or needed


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.parent.name)
def test_student_notebook_with_its_first_exercise_done_fails_only_where_it_should(path):
    """Run cell by cell with only the first exercise answered, every error is a stub's
    NotImplementedError or the sentence saying which exercise a cell needs (no NameError far
    from the cause)."""
    assignment_id, notebook_id = path.parent.name, path.stem
    answers = solution_code(assignment_id, notebook_id)
    first = next(iter(answers))
    notebook = with_answers(assignment_id, notebook_id, {first: answers[first]})
    notebook = run_notebook(notebook, cwd=path.parent, allow_errors=True, timeout=600)
    found = errors(notebook)
    assert found, "the other exercises are not written: some cell must say so"
    wrong = [e for e in found if not _allowed(e)]
    assert not wrong, f"{path.name}: errors other than 'not written yet': {wrong}"
