"""Submissions built from the released notebooks.

A submission is a released (student) notebook whose solution cells have been
filled in. ``solution`` fills them with the instructor's solution code (except
the cells given in ``overrides``), ``untouched`` leaves the notebook as
released, and ``with_answers`` fills the cells named in a mapping with any
code. The answers themselves live in ``answers/topics/``.
"""

from pathlib import Path

import nbformat

from autograder.cells import grade_id, is_solution, without_solution_markers
from autograder.paths import NOTEBOOKS, SOLUTIONS


def solution_code(assignment_id, notebook_id):
    """``{grade_id: code}`` of the source notebook's solution cells, markers removed."""
    source = nbformat.read(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb", as_version=4)
    answers = {}
    for cell in source.cells:
        if is_solution(cell) and cell.cell_type == "code":
            answers[grade_id(cell)] = without_solution_markers(cell.source)
    return answers


def with_answers(assignment_id, notebook_id, answers, released_dir=NOTEBOOKS):
    """The released notebook with each solution cell in ``answers`` replaced by its code."""
    released = nbformat.read(Path(released_dir) / assignment_id / f"{notebook_id}.ipynb", 4)
    unknown = set(answers) - {grade_id(cell) for cell in released.cells}
    if unknown:
        raise KeyError(f"{assignment_id}/{notebook_id} has no cells named {sorted(unknown)}")
    for cell in released.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return released


def solution(assignment_id, notebook_id, overrides=None, released_dir=NOTEBOOKS):
    """The released notebook filled with the solution, except the cells in ``overrides``."""
    answers = solution_code(assignment_id, notebook_id) | dict(overrides or {})
    return with_answers(assignment_id, notebook_id, answers, released_dir)


def untouched(assignment_id, notebook_id, released_dir=NOTEBOOKS):
    """The released notebook exactly as a student receives it."""
    return nbformat.read(Path(released_dir) / assignment_id / f"{notebook_id}.ipynb", 4)


def write_submission(root, student_id, assignment_id, notebooks):
    """Write ``{notebook_id: NotebookNode}`` as ``root/<student>/<assignment>/<id>.ipynb``."""
    folder = Path(root) / student_id / assignment_id
    folder.mkdir(parents=True, exist_ok=True)
    for notebook_id, notebook in notebooks.items():
        nbformat.write(notebook, folder / f"{notebook_id}.ipynb")
    return folder
