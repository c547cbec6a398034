"""Sample submissions built from the released notebooks.

A submission is a released (student) notebook whose solution cells have been
filled in. ``solution`` fills them with the instructor's solution code,
``untouched`` leaves the notebook as released, and ``with_answers`` fills the
cells named in a mapping with any code (a student's mistake, say) and the rest
with the solution.
"""

from pathlib import Path

import nbformat

from autograder.paths import NOTEBOOKS, SOLUTIONS, notebook_names

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def solution_code(assignment_id, notebook_id):
    """``{grade_id: code}`` of the source notebook's solution cells, markers removed."""
    source = nbformat.read(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb", as_version=4)
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = [ln for ln in cell.source.splitlines() if ln.strip() not in SOLUTION_MARKERS]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def with_answers(assignment_id, notebook_id, answers, released_dir=NOTEBOOKS):
    """The released notebook with each solution cell in ``answers`` replaced by its code."""
    released = nbformat.read(Path(released_dir) / assignment_id / f"{notebook_id}.ipynb", 4)
    unknown = set(answers) - {
        cell.metadata.get("nbgrader", {}).get("grade_id") for cell in released.cells
    }
    if unknown:
        raise KeyError(f"{assignment_id}/{notebook_id} has no cells named {sorted(unknown)}")
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
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


def demo_submissions(root, assignment_id, partly_wrong):
    """Write the three demo students of one assignment under ``root``.

    ``partly_wrong`` maps notebook ids to ``{grade_id: code}`` overrides.
    """
    names = notebook_names(assignment_id)
    write_submission(
        root, "solution", assignment_id, {n: solution(assignment_id, n) for n in names}
    )
    write_submission(
        root, "untouched", assignment_id, {n: untouched(assignment_id, n) for n in names}
    )
    write_submission(
        root,
        "partly_wrong",
        assignment_id,
        {n: solution(assignment_id, n, partly_wrong.get(n, {})) for n in names},
    )
