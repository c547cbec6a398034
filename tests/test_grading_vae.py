"""02_vae through the grading pipeline, in one batch.

The solution scores 10, the untouched release 0, the demo's partly wrong student
its expected score; every correct variant keeps full marks; every plausible mistake
loses the points of its own test cell and nothing else. A ``negative_elbo`` that
calls a wrong ``kl_divergence`` does not lose points on ``test_negative_elbo``
(its test cell swaps in the reference ``kl_divergence`` while grading).
"""

import pytest

from autograder.grade import graded_cells
from autograder.sample_answers import EXPECTED_SCORES, PARTLY_WRONG
from autograder.samples import solution, untouched
from tests.grading_helpers import grade_batch
from tests.vae_answers import CROSS, MISTAKES, VARIANTS

pytestmark = pytest.mark.slow

ASSIGNMENT = "02_vae"
NOTEBOOK = "vae"
FULL_MARKS = dict(graded_cells(ASSIGNMENT, NOTEBOOK))
TOTAL = sum(FULL_MARKS.values())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = {
        "solution": solution(ASSIGNMENT, NOTEBOOK),
        "untouched": untouched(ASSIGNMENT, NOTEBOOK),
        "partly_wrong": solution(ASSIGNMENT, NOTEBOOK, PARTLY_WRONG[ASSIGNMENT][NOTEBOOK]),
    }
    for name, (grade_id, code) in VARIANTS.items():
        submissions[f"variant_{name}"] = solution(ASSIGNMENT, NOTEBOOK, {grade_id: code})
    for name, (grade_id, code) in MISTAKES.items():
        submissions[f"mistake_{name}"] = solution(ASSIGNMENT, NOTEBOOK, {grade_id: code})
    for name, (answers, _) in CROSS.items():
        submissions[f"cross_{name}"] = solution(ASSIGNMENT, NOTEBOOK, answers)
    cells, totals, result = grade_batch(
        tmp_path_factory.mktemp("vae"), submissions, ASSIGNMENT, NOTEBOOK
    )
    return cells, totals, result


def test_points_are_the_suggested_ones():
    """3 + 3 + 4 points on the three test cells, 10 in all."""
    assert FULL_MARKS == {
        "test_reparameterize": 3.0,
        "test_kl_divergence": 3.0,
        "test_negative_elbo": 4.0,
    }


def test_solution_gets_full_marks(graded):
    """The instructor's solution, submitted as a student would, scores 10 of 10."""
    cells, totals, _ = graded
    assert totals["solution"] == (TOTAL, TOTAL), cells["solution"]


def test_untouched_notebook_gets_zero(graded):
    """The released notebook submitted unchanged scores 0 of 10."""
    cells, totals, _ = graded
    assert totals["untouched"] == (0.0, TOTAL), cells["untouched"]


def test_partly_wrong_sample_scores_in_between(graded):
    """The demo's partly wrong student: reparameterize right, 3 of 10."""
    cells, totals, _ = graded
    assert 0 < totals["partly_wrong"][0] < TOTAL
    assert totals["partly_wrong"] == (EXPECTED_SCORES[ASSIGNMENT], TOTAL), cells["partly_wrong"]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_correct_variant_keeps_full_marks(graded, name):
    """A correct answer written differently (or noisy on stderr) loses nothing."""
    cells, totals, _ = graded
    assert totals[f"variant_{name}"] == (TOTAL, TOTAL), cells[f"variant_{name}"]


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_loses_points_on_its_own_test_only(graded, name):
    """The mistaken function's test_<name> scores 0; every other test keeps full marks."""
    cells, _, _ = graded
    grade_id, _ = MISTAKES[name]
    own_test = f"test_{grade_id}"
    scores = cells[f"mistake_{name}"]
    assert scores[own_test] == 0, f"mistake {name!r} kept {scores[own_test]} points on {own_test}"
    others = {g: s for g, s in scores.items() if g != own_test and s != FULL_MARKS[g]}
    assert not others, f"mistake {name!r} in {grade_id} also lost points on {others}"


@pytest.mark.parametrize("name", sorted(CROSS))
def test_a_mistake_is_not_counted_twice(graded, name):
    """A correct function that calls a wrong one loses nothing on its own test."""
    cells, _, _ = graded
    _, losing_test = CROSS[name]
    scores = cells[f"cross_{name}"]
    assert scores[losing_test] == 0, scores
    others = {g: s for g, s in scores.items() if g != losing_test and s != FULL_MARKS[g]}
    assert not others, f"{name!r} also lost points on {others}"


def test_every_exercise_has_mistakes_and_variants():
    """At least three plausible mistakes and one correct variant per exercise."""
    exercises = {g.removeprefix("test_") for g in FULL_MARKS}
    for exercise in exercises:
        assert sum(g == exercise for g, _ in MISTAKES.values()) >= 3, exercise
        assert any(g == exercise for g, _ in VARIANTS.values()), exercise
