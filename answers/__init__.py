"""Student answers, one collection per topic: what the grading tests and the demo submit.

The answers are a room of their own, beside the course (``course/``, shipped
to students, with its answer key) and the grading pipeline (``autograder/``):
they use both (sample submissions are released notebooks filled in, and are
graded by the pipeline), and neither uses them. This package holds the
collections' framework (below), ``submissions`` (submissions built from the
release), ``demo`` (``make demo``) and ``helper_leaks`` (no kit helper may
compute an exercise).

Each topic has a module ``answers/topics/<topic>.py`` (``<topic>`` is the
assignment's notebook name) that defines

* ``ASSIGNMENT``: the assignment id, ``"01_mulaw"``;
* ``ANSWERS``: a list of :class:`Answer` made with the constructors below;
* ``DEMO_STUDENT``: the names of the answers that the demo's "partly wrong"
  student submits together; its expected score is computed from the points;
* ``PROBES`` (optional): ``{exercise: function returning keyword arguments}``,
  inputs on which ``answers.helper_leaks`` checks that no helper
  shipped to students computes the exercise's answer.

An answer changes one or more solution cells and says which test cells it
must lose (score 0); every other test cell must keep full marks:

* :func:`mistake`: a plausible wrong answer to one exercise; it loses
  ``test_<name>`` (or the tests given in ``loses``);
* :func:`correct`: a right answer written differently; it loses nothing;
* :func:`plain`: a right answer as a student writes it, in a few lines, with
  no argument checks and another formula or library call than the key's; it
  keeps full marks on ``test_<name>`` and may lose only that exercise's
  ``test_<name>_errors`` (the grading rule of the course contract);
* :func:`cross`: several cells changed at once (a correct function calling a
  wrong one), with the tests it may lose;
* :func:`unattempted`: the exercise left as released; it loses all its tests.

A change is either a whole cell's code (a real rewrite) or one or more
:class:`Edit` of the solution's code: a one-expression slip written as a
mutation, which fails loudly when the text it replaces is not found exactly
once (so a reworded solution cannot silently turn a mistake into the solution).
"""

import functools
import importlib
from dataclasses import dataclass

import nbformat

from answers.submissions import solution_code
from autograder import cells
from autograder.paths import NOTEBOOKS, assignment_ids, notebook_names

__all__ = [
    "Answer",
    "Collection",
    "Edit",
    "collection",
    "correct",
    "cross",
    "mistake",
    "plain",
    "unattempted",
]


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` in a solution cell's code; ``old`` must occur exactly once."""

    old: str
    new: str

    def apply(self, code, where):
        count = code.count(self.old)
        if count != 1:
            raise ValueError(
                f"{where}: the edit's text {self.old!r} occurs {count} times in the solution "
                "(it must occur exactly once); update the answer collection"
            )
        return code.replace(self.old, self.new)


#: The change of an unattempted exercise: the cell as released.
UNATTEMPTED = "<the released stub>"

#: ``loses`` of an answer that loses every test of the exercises it changes.
EVERY_TEST = ("<every test of the exercise>",)


@dataclass(frozen=True)
class Answer:
    """One student answer: changed solution cells and the test cells that must score 0.

    ``changes`` is ``((grade_id, change), ...)`` where a change is code, a
    tuple of :class:`Edit`, or :data:`UNATTEMPTED`; ``loses`` names test cells
    (or is :data:`EVERY_TEST`); ``is_correct`` tells a right answer (which may
    lose only ``test_<name>_errors`` cells) from a mistake; ``plain`` marks a
    plain answer.
    """

    name: str
    changes: tuple
    loses: tuple
    is_correct: bool = False
    plain: bool = False

    @property
    def cells(self):
        """The grade ids of the solution cells this answer changes."""
        return tuple(grade_id for grade_id, _ in self.changes)

    @property
    def unattempted(self):
        """True for an exercise left as released."""
        return any(change == UNATTEMPTED for _, change in self.changes)


def _changes(grade_id, change):
    if isinstance(change, Edit):
        change = (change,)
    if isinstance(change, list):
        change = tuple(change)
    if not isinstance(change, (str, tuple)) or (
        isinstance(change, tuple) and not all(isinstance(e, Edit) for e in change)
    ):
        raise TypeError(f"{grade_id}: a change is code (a str) or Edit(s), got {change!r}")
    return ((grade_id, change),)


def mistake(name, grade_id, change, *, loses=None):
    """A wrong answer in the cell ``grade_id``: it loses ``test_<grade_id>`` (or ``loses``)."""
    loses = (f"test_{grade_id}",) if loses is None else tuple(loses)
    return Answer(name, _changes(grade_id, change), loses)


def correct(name, grade_id, change, *, loses=()):
    """A right answer to ``grade_id`` written differently: it keeps full marks.

    ``loses`` may name the exercise's ``test_<grade_id>_errors`` cell, for a
    right answer without the argument checks.
    """
    return Answer(name, _changes(grade_id, change), tuple(loses), is_correct=True)


def plain(name, grade_id, code, *, loses=()):
    """A right answer as students write it: no checks, another formula; keeps ``test_<name>``.

    ``loses`` may name the exercise's ``test_<grade_id>_errors`` cell only.
    """
    return Answer(name, _changes(grade_id, code), tuple(loses), is_correct=True, plain=True)


def cross(name, changes, *, loses):
    """Several cells changed at once (``{grade_id: change}``), losing exactly ``loses``."""
    pairs = tuple(
        pair for grade_id, change in changes.items() for pair in _changes(grade_id, change)
    )
    return Answer(name, pairs, tuple(loses))


def unattempted(grade_id):
    """The exercise ``grade_id`` left as released: it loses every one of its tests."""
    return Answer(f"{grade_id}_unattempted", ((grade_id, UNATTEMPTED),), EVERY_TEST)


def exercise_of(test_id, exercises):
    """The exercise a test cell grades (``test_<name>`` or ``test_<name>_<suffix>``)."""
    owners = [e for e in exercises if test_id == f"test_{e}" or test_id.startswith(f"test_{e}_")]
    return max(owners, key=len, default=None)


@dataclass(frozen=True)
class Collection:
    """The answers of one assignment, checked against its notebook."""

    assignment_id: str
    notebook_id: str
    answers: dict
    demo_student: tuple
    full_marks: dict  # {test grade_id: points}, from the notebook's metadata
    solutions: dict  # {grade_id: the solution cell's code}
    probes: dict  # {exercise: function returning keyword arguments}

    def tests_of(self, exercise):
        """The test cells of one exercise."""
        return tuple(t for t in self.full_marks if exercise_of(t, self.solutions) == exercise)

    def zeros(self, answer):
        """The test cells ``answer`` must lose."""
        if answer.loses == EVERY_TEST:
            return tuple(t for grade_id in answer.cells for t in self.tests_of(grade_id))
        return answer.loses

    def expected_scores(self, names):
        """``{test: points}`` that a submission of the answers ``names`` together must get."""
        zeros = {t for name in names for t in self.zeros(self.answers[name])}
        return {test: 0.0 if test in zeros else points for test, points in self.full_marks.items()}

    def cell_code(self, names, released=None):
        """``{grade_id: code}`` of the solution cells the answers ``names`` change."""
        code = {}
        for name in names:
            for grade_id, change in self.answers[name].changes:
                if grade_id in code:
                    raise ValueError(f"{name}: cell {grade_id!r} is changed by two answers")
                where = f"{self.assignment_id} answer {name!r} ({grade_id})"
                if change == UNATTEMPTED:
                    code[grade_id] = _released_cell(released, self.assignment_id, self.notebook_id)[
                        grade_id
                    ]
                elif isinstance(change, str):
                    code[grade_id] = change
                else:
                    text = self.solutions[grade_id]
                    for edit in change:
                        text = edit.apply(text, where)
                    code[grade_id] = text
        return code

    def demo_expected_score(self):
        """The demo student's expected total, from the points of the tests it must lose."""
        return sum(self.expected_scores(self.demo_student).values())


def _released_cell(released_dir, assignment_id, notebook_id):
    folder = released_dir or NOTEBOOKS
    notebook = nbformat.read(folder / assignment_id / f"{notebook_id}.ipynb", as_version=4)
    return {cells.grade_id(c): c.source for c in notebook.cells if cells.is_solution(c)}


def _full_marks(assignment_id, notebook_id):
    from autograder.grade import graded_cells

    return dict(graded_cells(assignment_id, notebook_id))


@functools.cache
def collection(assignment_id):
    """The checked answer collection of ``assignment_id``.

    Raises ValueError, naming the file, when the assignment has no collection or
    an answer names a cell or test the notebook does not have.
    """
    (notebook_id,) = notebook_names(assignment_id)
    try:
        module = importlib.import_module(f"answers.topics.{notebook_id}")
    except ModuleNotFoundError as error:
        if error.name != f"answers.topics.{notebook_id}":
            raise
        raise ValueError(
            f"{assignment_id} has no answer collection: write answers/topics/{notebook_id}.py "
            "(see answers/__init__.py)"
        ) from None
    if assignment_id != module.ASSIGNMENT:
        raise ValueError(
            f"answers/topics/{notebook_id}.py says ASSIGNMENT = {module.ASSIGNMENT!r}, "
            f"expected {assignment_id!r}"
        )
    full_marks = _full_marks(assignment_id, notebook_id)
    solutions = solution_code(assignment_id, notebook_id)
    exercises = set(solutions)
    answers = {}
    for answer in module.ANSWERS:
        where = f"answers/topics/{notebook_id}.py: {answer.name!r}"
        if answer.name in answers:
            raise ValueError(f"{where} appears twice")
        unknown_cells = set(answer.cells) - exercises
        unknown_tests = set(answer.loses) - set(full_marks) - set(EVERY_TEST)
        if unknown_cells or unknown_tests:
            raise ValueError(
                f"{where} names cells or tests the notebook does not have: "
                f"{sorted(unknown_cells | unknown_tests)}"
            )
        allowed = {f"test_{g}_errors" for g in answer.cells}
        if answer.is_correct and not set(answer.loses) <= allowed:
            raise ValueError(f"{where}: a right answer may lose only its test_<name>_errors cell")
        answers[answer.name] = answer
    unknown = set(module.DEMO_STUDENT) - set(answers)
    if unknown:
        raise ValueError(f"answers/topics/{notebook_id}.py: DEMO_STUDENT names {unknown}")
    probes = dict(getattr(module, "PROBES", {}))
    if set(probes) - exercises:
        raise ValueError(f"answers/topics/{notebook_id}.py: PROBES names {set(probes) - exercises}")
    demo = tuple(module.DEMO_STUDENT)
    return Collection(assignment_id, notebook_id, answers, demo, full_marks, solutions, probes)


def collections():
    """Every assignment's collection, in assignment order."""
    return [collection(assignment_id) for assignment_id in assignment_ids()]
