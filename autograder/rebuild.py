"""What gets executed when a submission is graded: the release, with the student's code put in.

A student's notebook is never run as submitted. It is rebuilt from the
released notebook: every cell the instructor wrote (set-up, tests, text,
figures) comes from the release, with its metadata; from the submission the
grader takes only

* the code of each *solution* cell, found by its ``grade_id`` (the first cell
  with that id wins; a cell re-tagged as something else is ignored), and
* the student's own extra code cells (cells that are not in the release),
  each placed after the solution cell it followed.

So deleted, edited, duplicated or re-tagged test cells and changed metadata
change nothing: the tests that run are always the instructor's. All student
code is read first (``autograder.scan``); the grader's kernel hooks
(``autograder.kernel_hooks``) run right after the set-up cell.
"""

import copy

import nbformat

from autograder.kernel_hooks import hooks_cell_source
from autograder.records import Flag
from autograder.scan import imported_modules, scan


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def rebuild(released, submitted, keep_display=False):
    """The notebook to grade: the release, with the student's code put in.

    Unless ``keep_display``, the release's ungraded code cells (figures,
    experiments, training demos) are left out: no test depends on them, and
    leaving them out keeps grading fast and a student's slow or endless
    function from costing more than its own test's time limit.

    Returns ``(notebook, flags, notes)``: ``flags`` lists the student code that
    was refused (see :func:`scan`), ``notes`` what else was noticed (missing,
    duplicated or re-tagged cells).
    """
    graded = copy.deepcopy(released)
    solution_ids = [
        _grade_id(c) for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")
    ]
    released_ids = {c.get("id") for c in released.cells}
    module_names = set()
    for cell in released.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution"):
            module_names |= imported_modules(cell.source)

    answers, extras, notes, flags = {}, {}, [], []
    anchor = None
    for cell in submitted.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        grade_id = _grade_id(cell)
        if grade_id in solution_ids:
            if grade_id in answers:
                notes.append(f"solution cell {grade_id!r} appears twice: the first one was graded")
                continue
            answers[grade_id] = source
            anchor = grade_id
        elif grade_id is not None or cell.get("id") in released_ids:
            continue  # an instructor's cell: the release's version runs instead
        else:
            extras.setdefault(anchor, []).append(source)

    missing = [g for g in solution_ids if g not in answers]
    if missing:
        notes.append(f"solution cells missing from the submission: {', '.join(missing)}")

    cells = []
    for cell in graded.cells:
        grade_id = _grade_id(cell)
        if cell.cell_type == "code" and grade_id is None and not keep_display:
            continue
        if grade_id in answers:
            reasons = scan(answers[grade_id], module_names)
            if reasons:
                flags.append(Flag(grade_id, "; ".join(reasons)))
            else:
                cell.source = answers[grade_id]
        cells.append(cell)
        if grade_id == "setup":
            hooks = nbformat.v4.new_code_cell(hooks_cell_source())
            hooks.id = "grader-hooks"
            cells.append(hooks)
        if grade_id in solution_ids or (grade_id == "setup" and None in extras):
            key = None if grade_id == "setup" else grade_id
            for number, source in enumerate(extras.get(key, []), start=1):
                reasons = scan(source, module_names)
                name = f"extra cell {number} after {key or 'setup'}"
                if reasons:
                    flags.append(Flag(name, "; ".join(reasons)))
                    continue
                extra = nbformat.v4.new_code_cell(source)
                extra.id = f"student-extra-{key or 'setup'}-{number}"
                cells.append(extra)
    graded.cells = cells
    return graded, flags, notes
