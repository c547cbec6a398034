"""The grading tests every assignment shares: a base class, one small subclass per topic.

A topic's module (``tests/grading/test_<topic>.py``) holds::

    class TestMulawGrading(GradingSuite):
        assignment_id = "01_mulaw"

and pytest collects, for that assignment's answer collection
(``answers/topics/<topic>.py``), each graded in one run of the pipeline:

* the solution scores full marks, the untouched release 0, the demo student
  exactly the score computed from the points of the tests it must lose;
* ``test_mistake_loses_its_own_tests_only[<answer>]``: a wrong answer scores 0
  on the tests it names and full marks on every other test;
* ``test_right_answer_keeps_the_exercise_marks[<answer>]``: a correct variant, the
  plain answers among them, keeps full marks (a plain answer may lose only
  its exercise's ``test_<name>_errors``);
* the collection has, per exercise, three mistakes and a plain answer;
* ``attack``: a wrong answer to every exercise, plus a cell per name the
  set-up cell binds (found by running it) or the tests rely on, rebinding it
  to a do-nothing function, scores exactly what the same wrong answers score
  without the rebinding cells (``attack_control``), and each of those cells
  is flagged: generated from the release, so a new topic is covered as is.

Answers are packed several to a submission (``tests.grading.batch.pack``),
so that a collection of sixty answers costs about fifteen kernels.
"""

from dataclasses import dataclass
from typing import ClassVar

import nbformat
import pytest

from answers import collection
from answers.submissions import solution, untouched
from autograder.rebuild import protected_in
from tests.grading.batch import grade_batch, pack
from tests.grading.release_names import exercises, names_bound_by_setup, source_tests

#: A wrong answer to any exercise: it gives back its first argument.
WRONG = "def {name}(*args, **kwargs):\n    return args[0] if args else None\n"
#: The rebinding a student would try: make a check do nothing.
REBIND = "{name} = lambda *args, **kwargs: None"


def attack_names(assignment_id):
    """What an attack rebinds: every name the set-up binds, and what the tests rely on."""
    released = untouched(assignment_id, collection(assignment_id).notebook_id)
    protected = protected_in(released, source_tests(assignment_id)).names
    return sorted(names_bound_by_setup()[assignment_id] | protected)


def attack_submissions(assignment_id, notebook_id):
    """``{"attack_control": wrong answers, "attack": the same + a rebinding cell per name}``."""
    own = exercises(assignment_id)
    wrong = {name: WRONG.format(name=name) for name in own}
    control = solution(assignment_id, notebook_id, wrong)
    attack = solution(assignment_id, notebook_id, wrong)
    first = next(
        i
        for i, cell in enumerate(attack.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == own[0]
    )
    rebinding = [
        nbformat.v4.new_code_cell(REBIND.format(name=name)) for name in attack_names(assignment_id)
    ]
    attack.cells[first + 1 : first + 1] = rebinding
    return {"attack_control": control, "attack": attack}


@dataclass
class GradedCollection:
    """One grading run of an assignment's collection, and where each answer went."""

    cells: dict  # {student_id: {test: score}}
    totals: dict  # {student_id: (score, max_score)}
    result: object  # autograder.grade.GradingResult
    packs: dict  # {answer name: (student_id, the names packed with it)}


def grade_collection(assignment_id, root, extra_submissions=None, **options):
    """Grade the solution, the untouched release, the demo student and every answer, at once."""
    answers = collection(assignment_id)
    notebook_id = answers.notebook_id

    def submit(names):
        return solution(assignment_id, notebook_id, answers.cell_code(names))

    submissions = {
        "solution": solution(assignment_id, notebook_id),
        "untouched": untouched(assignment_id, notebook_id),
        "demo_student": submit(answers.demo_student),
        **attack_submissions(assignment_id, notebook_id),
    }
    where = {}
    for number, names in enumerate(pack(answers, list(answers.answers)), start=1):
        student_id = f"pack_{number:02d}"
        submissions[student_id] = submit(names)
        where |= {name: (student_id, tuple(names)) for name in names}
    submissions |= extra_submissions or {}
    cells, totals, result = grade_batch(root, submissions, assignment_id, notebook_id, **options)
    return GradedCollection(cells, totals, result, where)


class GradingSuite:
    """The shared grading tests; a subclass sets ``assignment_id``.

    ``extra_submissions`` (``{student_id: content}``, see
    ``tests.grading.batch.write_batch``) are graded in the same run and can be
    checked by the subclass's own tests through the ``graded`` fixture.
    """

    assignment_id = None
    extra_submissions: ClassVar[dict] = {}

    @classmethod
    def pytest_generate_tests(cls, metafunc):
        """One test per answer of the collection, named after it (``-k encode_no_sign``)."""
        answers = collection(cls.assignment_id).answers
        if "mistake" in metafunc.fixturenames:
            metafunc.parametrize("mistake", [n for n, a in answers.items() if not a.is_correct])
        if "right_answer" in metafunc.fixturenames:
            metafunc.parametrize("right_answer", [n for n, a in answers.items() if a.is_correct])

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, tmp_path_factory):
        root = tmp_path_factory.mktemp(cls.assignment_id)
        return grade_collection(cls.assignment_id, root, cls.extra_submissions)

    @property
    def answers(self):
        return collection(self.assignment_id)

    def _check(self, graded, name):
        """Assert answer ``name``'s scores in its submission: its zeros, full marks elsewhere."""
        answers = self.answers
        student, together = graded.packs[name]
        scores = graded.cells[student]
        own = set(answers.zeros(answers.answers[name]))
        others = {t for n in together if n != name for t in answers.zeros(answers.answers[n])}
        kept = [t for t in own if scores[t] != 0]
        assert not kept, f"{name!r} kept points on {kept} (graded with {together}): {scores}"
        lost = {
            t: scores[t]
            for t, points in answers.full_marks.items()
            if t not in own | others and scores[t] != points
        }
        assert not lost, f"{name!r} also lost points on {lost} (graded with {together})"

    def test_solution_gets_full_marks(self, graded):
        """The instructor's solution, submitted as a student would, gets full marks."""
        total = sum(self.answers.full_marks.values())
        assert graded.totals["solution"] == (total, total), graded.cells["solution"]

    def test_untouched_notebook_gets_zero(self, graded):
        """The released notebook submitted unchanged scores 0."""
        total = sum(self.answers.full_marks.values())
        assert graded.totals["untouched"] == (0.0, total), graded.cells["untouched"]

    def test_demo_student_gets_its_computed_score(self, graded):
        """The demo student scores what the points of its answers say, strictly in between."""
        answers = self.answers
        total = sum(answers.full_marks.values())
        expected = answers.expected_scores(answers.demo_student)
        assert graded.cells["demo_student"] == expected
        assert 0 < graded.totals["demo_student"][0] == answers.demo_expected_score() < total

    def test_mistake_loses_its_own_tests_only(self, graded, mistake):
        """A wrong answer scores 0 on the tests it names and keeps every other test."""
        self._check(graded, mistake)

    def test_right_answer_keeps_the_exercise_marks(self, graded, right_answer):
        """A right answer written another way keeps its points (all but, at most, `_errors`)."""
        self._check(graded, right_answer)

    def test_rebinding_what_the_tests_use_gains_nothing(self, graded):
        """Wrong answers plus a rebound helper score what the wrong answers score, flagged."""
        total = sum(self.answers.full_marks.values())
        assert graded.cells["attack"] == graded.cells["attack_control"]
        assert graded.totals["attack_control"][0] < total
        outcome = next(o for o in graded.result.outcomes if o.student_id == "attack")
        names = attack_names(self.assignment_id)
        assert len(outcome.flags) == len(names), outcome.flags
        for name, flag in zip(names, outcome.flags, strict=True):
            assert f"rebinds {name}" in flag.reason, (name, flag)

    def test_collection_covers_every_exercise(self):
        """Per exercise: three plausible mistakes, a plain answer, and its tests reachable."""
        answers = self.answers
        for exercise in answers.solutions:
            about = [a for a in answers.answers.values() if exercise in a.cells]
            single = [a for a in about if len(a.cells) == 1 and not a.unattempted]
            mistakes = [a.name for a in single if not a.is_correct]
            plains = [a.name for a in about if a.plain]
            assert len(mistakes) >= 3, f"{exercise}: only {mistakes} as mistakes"
            assert plains, f"{exercise}: no plain answer in the collection"
            tests = answers.tests_of(exercise)
            assert f"test_{exercise}" in tests, f"{exercise} has no test_{exercise} cell"
            lost = {t for a in about for t in answers.zeros(a)}
            assert set(tests) <= lost, f"{exercise}: no answer loses {set(tests) - lost}"
