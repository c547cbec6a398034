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
code is read first (``autograder.scan``) against what the release's set-up
and tests rely on; the grader's kernel hooks (``autograder.kernel_hooks``)
run right after the set-up cell.

:class:`RebuildFromRelease` is this step as an nbgrader preprocessor, the
first of ``nbgrader autograde``'s sanitizing steps in this course (see
``autograder.settings``): the Formgrader's "Autograde" button and
``python -m autograder grade`` run the same chain. The release is read from
the course's release folder, the test cells' full code (hidden tests
included) from the gradebook (nbgrader's OverwriteCells, which follows,
then finds every test cell as the gradebook has it); what was refused and why is written into the
notebook's metadata (:data:`METADATA_KEY`) and nbgrader's log.
"""

import copy
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.cells import HOOKS_CELL_ID, SETUP_ID, grade_id, is_solution, is_test
from autograder.kernel_hooks import hooks_cell_source
from autograder.records import Flag
from autograder.scan import Protected, scan

#: Where the rebuilt notebook keeps its flags and notes: ``metadata["autograder"]``.
METADATA_KEY = "autograder"


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def protected_in(released, tests=None):
    """:class:`~autograder.scan.Protected` of a released notebook.

    ``tests`` maps test cells' grade ids to their full code (the release
    lacks the hidden parts); by default the released code is used.
    """
    setup, solutions, released_tests = "", {}, {}
    for cell in released.cells:
        if cell.cell_type != "code":
            continue
        if grade_id(cell) == SETUP_ID:
            setup = cell.source
        elif is_solution(cell):
            solutions[grade_id(cell)] = cell.source
        elif is_test(cell):
            released_tests[grade_id(cell)] = cell.source
    released_tests.update(tests or {})
    return Protected.from_release(setup, released_tests.values(), solutions)


def _refused_stub(stub, reasons):
    """The release's stub, headed by why the student's code was not run."""
    why = "; ".join(reasons)
    return (
        f"# The grader did not run your code for this exercise: it {why}.\n"
        "# (See the grading rules in the notebook's introduction.)\n" + stub
    )


def _collect(submitted, solution_ids, released_ids):
    """``(answers {grade_id: code}, extras {anchor: [code]}, notes)`` of the submission."""
    answers, extras, notes = {}, {}, []
    anchor = None
    for cell in submitted.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source, name = _source(cell), grade_id(cell)
        if name in solution_ids:
            if name in answers:
                notes.append(f"solution cell {name!r} appears twice: the first one was graded")
                continue
            answers[name] = source
            anchor = name
        elif name is not None or cell.get("id") in released_ids:
            continue  # an instructor's cell: the release's version runs instead
        else:
            extras.setdefault(anchor, []).append(source)
    missing = [g for g in solution_ids if g not in answers]
    if missing:
        notes.append(f"solution cells missing from the submission: {', '.join(missing)}")
    return answers, extras, notes


def _extra_cells(anchor, sources, protected, flags):
    """The student's own cells that followed ``anchor`` (None: the set-up), those that pass the
    scan; each refused one becomes a flag in ``flags``."""
    where = anchor or SETUP_ID
    cells = []
    for number, source in enumerate(sources, start=1):
        reasons = scan(source, protected)
        if reasons:
            flags.append(Flag(f"extra cell {number} after {where}", "; ".join(reasons)))
            continue
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"student-extra-{where}-{number}"
        cells.append(cell)
    return cells


def _hooks_cell():
    cell = nbformat.v4.new_code_cell(hooks_cell_source())
    cell.id = HOOKS_CELL_ID
    return cell


def rebuild(released, submitted, protected=None, keep_display=False):
    """The notebook to grade: the release, with the student's code put in.

    ``protected`` is what the student may not rebind (default: read from
    ``released``, see :func:`protected_in`). Unless ``keep_display``, the
    release's ungraded code cells (figures, experiments, training demos) are
    left out: no test depends on them, and leaving them out keeps grading fast
    and a student's slow or endless function from costing more than its own
    test's time limit.

    Returns ``(notebook, flags, notes)``: ``flags`` lists the student code that
    was refused (see :func:`~autograder.scan.scan`), ``notes`` what else was
    noticed (missing, duplicated or re-tagged cells).
    """
    protected = protected_in(released) if protected is None else protected
    graded = copy.deepcopy(released)
    solution_ids = [grade_id(c) for c in released.cells if is_solution(c)]
    released_ids = {c.get("id") for c in released.cells}
    answers, extras, notes = _collect(submitted, solution_ids, released_ids)
    flags, cells = [], []
    for cell in graded.cells:
        name = grade_id(cell)
        if cell.cell_type == "code" and name is None and not keep_display:
            continue
        if name in answers:
            reasons = scan(answers[name], protected)
            if reasons:
                flags.append(Flag(name, "; ".join(reasons)))
            cell.source = _refused_stub(cell.source, reasons) if reasons else answers[name]
        cells.append(cell)
        if name == SETUP_ID:
            cells += [_hooks_cell(), *_extra_cells(None, extras.get(None, []), protected, flags)]
        elif name in solution_ids:
            cells += _extra_cells(name, extras.get(name, []), protected, flags)
    graded.cells = cells
    return graded, flags, notes


def flags_and_notes(notebook):
    """``(flags, notes)`` that :class:`RebuildFromRelease` wrote into a graded notebook."""
    kept = notebook.get("metadata", {}).get(METADATA_KEY, {})
    return [Flag(**f) for f in kept.get("flags", [])], list(kept.get("notes", []))


def _test_sources(db_url, assignment_id, notebook_id):
    """``{grade_id: code}`` of the notebook's test cells as the gradebook holds them (hidden
    tests included)."""
    with Gradebook(db_url) as gradebook:
        notebook = gradebook.find_notebook(notebook_id, assignment_id)
        solutions = {cell.name for cell in notebook.solution_cells}
        tests = {cell.name for cell in notebook.grade_cells} - solutions
        return {c.name: c.source for c in notebook.source_cells if c.name in tests}


class RebuildFromRelease(NbGraderPreprocessor):
    """nbgrader's sanitizing step that grades the release with the student's code put in.

    Reads the released notebook from the course's release folder
    (``CourseDirectory.release_directory``) and the test cells' code from the
    gradebook; writes the flags and notes into ``metadata["autograder"]``.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment_id, notebook_id = info["assignment"], info["notebook"]
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(coursedir.release_directory, ".", assignment_id)
        path = Path(folder) / f"{notebook_id}.ipynb"
        if not path.is_file():
            raise FileNotFoundError(
                f"the release of {assignment_id}/{notebook_id}.ipynb is not at {path}: "
                "release the assignment (nbgrader generate_assignment) before grading it"
            )
        released = nbformat.read(path, as_version=4)
        sources = _test_sources(info["db_url"], assignment_id, notebook_id)
        graded, flags, notes = rebuild(released, nb, protected_in(released, sources))
        for cell in graded.cells:
            if grade_id(cell) in sources:
                cell.source = sources[grade_id(cell)]  # with its hidden tests
        graded.metadata[METADATA_KEY] = {
            "flags": [{"cell": f.cell, "reason": f.reason} for f in flags],
            "notes": notes,
        }
        student = info.get("student", "")
        for flag in flags:
            self.log.warning("%s/%s: not run: %s: %s", student, notebook_id, flag.cell, flag.reason)
        for note in notes:
            self.log.info("%s/%s: %s", student, notebook_id, note)
        return graded, resources
