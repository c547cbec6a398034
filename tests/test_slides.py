"""Lecture slides: every solution notebook carries slide metadata and one diagram drawn by code.

The decks themselves are built and checked in ``tests/test_notebooks.py``,
from the notebook that test has just run (no second execution).
"""

import ast
import re

import nbformat
import pytest

from autograder.execute import read
from autograder.paths import COURSE_PACKAGE, SOLUTIONS, assignment_ids, notebook_names
from autograder.slides import SLIDE_TYPES, lecture_cells, slide_type

SOURCES = [SOLUTIONS / a / f"{n}.ipynb" for a in assignment_ids() for n in notebook_names(a)]

#: What a diagram drawn "by code, no external images" must not do.
LOADS_AN_IMAGE = re.compile(r"imread|Image\.open|https?://|\.png|\.jpe?g|\.svg")


def _sections(notebook):
    """``[[cells of section], ...]``: the notebook cut at each markdown ``## `` heading."""
    sections = [[]]
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## "):
            sections.append([])
        sections[-1].append(cell)
    return [s for s in sections[1:] if s]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_cell_has_a_slide_type_by_the_course_rules(path):
    """Each cell has a slide type; set-up and test cells are skipped; sections open slides."""
    notebook = read(path)
    missing = [c.get("id") for c in notebook.cells if slide_type(c) not in SLIDE_TYPES]
    assert not missing, f"{path.name}: cells without a valid slideshow.slide_type: {missing}"
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        scaffolding = meta.get("grade_id") == "setup" or (
            meta.get("grade") and not meta.get("solution")
        )
        if scaffolding:
            assert slide_type(cell) == "skip", f"{path.name}: {cell.get('id')} must be skipped"
        heading = cell.cell_type == "markdown" and cell.source.lstrip().startswith(("# ", "## "))
        if heading:
            assert slide_type(cell) == "slide", f"{path.name}: {cell.get('id')} must open a slide"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_section_has_speaker_notes(path):
    """Each ``## `` section holds a ``notes`` cell: what the lecturer says."""
    for section in _sections(read(path)):
        title = section[0].source.strip().splitlines()[0]
        assert any(slide_type(c) == "notes" for c in section), (
            f"{path.name}: {title!r} has no notes"
        )


def _drawing_functions():
    """``{name: source}`` of the ``draw_*`` functions of the course's helper modules."""
    found = {}
    for module in COURSE_PACKAGE.rglob("*.py"):
        if "reference" in module.parts:
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("draw_"):
                found[node.name] = ast.get_source_segment(module.read_text(), node)
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_the_topic_has_a_diagram_drawn_by_code(path):
    """A short code cell with id ``diagram``, shown in the lecture, calling a ``draw_*`` helper of
    the course that draws with matplotlib, without image files (the drawing code is a helper's,
    not text for the student kit)."""
    notebook = read(path)
    diagrams = [c for c in notebook.cells if c.get("id") == "diagram"]
    assert len(diagrams) == 1 and diagrams[0].cell_type == "code", f"{path.name}: no diagram cell"
    cell = diagrams[0]
    assert slide_type(cell) not in {"skip", "notes"}
    assert len(cell.source.strip().splitlines()) <= 5, f"{path.name}: move the drawing to a helper"
    called = {
        node.func.id
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    helpers = _drawing_functions()
    drawn = [helpers[name] for name in called if name in helpers]
    assert drawn, f"{path.name}: the diagram cell calls no draw_* helper of the course"
    for source in drawn:
        assert not LOADS_AN_IMAGE.search(source), "a diagram is drawn, not loaded"
        assert "plt." in source or "ax." in source or "axes." in source


def test_lecture_leaves_out_tests_markers_and_set_up():
    """The lecture cells of a notebook hold no test cell, hidden test, marker or set-up code."""
    cell = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "f"}
    test = nbformat.v4.new_code_cell("expect_close(f(1), 2, 'f')")
    test.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "test_f"}
    setup = nbformat.v4.new_code_cell("import torch")
    setup.metadata["nbgrader"] = {"solution": False, "grade": False, "grade_id": "setup"}
    skipped = nbformat.v4.new_markdown_cell("not in the lecture")
    skipped.metadata["slideshow"] = {"slide_type": "skip"}
    text = nbformat.v4.new_markdown_cell("## Idea")
    lecture = lecture_cells(nbformat.v4.new_notebook(cells=[setup, text, cell, test, skipped]))
    assert [c.source for c in lecture.cells] == ["## Idea", "x = 1"]
