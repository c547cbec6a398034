"""The grading tests every assignment shares, made for one assignment at a time.

A per-assignment test module calls :func:`grading_tests` and puts the result
in its namespace (``globals().update(...)``), where pytest collects it: the
solution scores full marks, the untouched release 0, the demo's partly wrong
student its expected score, every correct variant full marks, and every
plausible mistake 0 on its own test and full marks elsewhere.
"""

import pytest

from autograder.grade import graded_cells
from autograder.sample_answers import EXPECTED_SCORES
from tests.grading_helpers import grade_batch, points_lost_elsewhere, standard_batch


def grading_tests(
    assignment_id, notebook_id, mistakes, variants, extra_submissions=None, cross=None
):
    """``{name: fixture or test}`` for one assignment; ``graded`` grades one batch.

    ``cross`` maps names to ``({grade_id: code, ...}, losing_test)``: submissions
    with several cells changed (a correct function calling a wrong one) that
    may lose points on ``losing_test`` only.
    """
    full_marks = dict(graded_cells(assignment_id, notebook_id))
    total = sum(full_marks.values())
    cross = cross or {}

    @pytest.fixture(scope="module")
    def graded(tmp_path_factory):
        from autograder.samples import solution

        submissions = standard_batch(assignment_id, notebook_id, mistakes, variants)
        submissions.update(extra_submissions or {})
        for name, (answers, _) in cross.items():
            submissions[f"cross_{name}"] = solution(assignment_id, notebook_id, answers)
        root = tmp_path_factory.mktemp(assignment_id)
        return grade_batch(root, submissions, assignment_id, notebook_id)

    def test_solution_gets_full_marks(graded):
        """The instructor's solution, submitted as a student would, gets full marks."""
        cells, totals, _ = graded
        assert totals["solution"] == (total, total), cells["solution"]

    def test_untouched_notebook_gets_zero(graded):
        """The released notebook submitted unchanged scores 0."""
        cells, totals, _ = graded
        assert totals["untouched"] == (0.0, total), cells["untouched"]

    def test_partly_wrong_sample_scores_in_between(graded):
        """The demo's partly wrong student gets its expected score, strictly in between."""
        cells, totals, _ = graded
        assert 0 < totals["partly_wrong"][0] < total
        expected = (EXPECTED_SCORES[assignment_id], total)
        assert totals["partly_wrong"] == expected, cells["partly_wrong"]

    @pytest.mark.parametrize("name", sorted(variants))
    def test_correct_variant_keeps_full_marks(graded, name):
        """A correct answer written differently loses nothing."""
        cells, totals, _ = graded
        assert totals[f"variant_{name}"] == (total, total), cells[f"variant_{name}"]

    @pytest.mark.parametrize("name", sorted(mistakes))
    def test_mistake_loses_points_on_its_own_test_only(graded, name):
        """The mistaken function's test_<name> scores 0; every other test keeps full marks."""
        cells, _, _ = graded
        grade_id, _ = mistakes[name]
        own_test = f"test_{grade_id}"
        scores = cells[f"mistake_{name}"]
        assert scores[own_test] == 0, f"mistake {name!r} kept {scores[own_test]} on {own_test}"
        others = points_lost_elsewhere(scores, own_test, full_marks)
        assert not others, f"mistake {name!r} in {grade_id} also lost points on {others}"

    @pytest.mark.parametrize("name", sorted(cross))
    def test_a_mistake_is_not_counted_twice(graded, name):
        """A correct function that calls a wrong one loses nothing on its own test."""
        cells, _, _ = graded
        _, losing_test = cross[name]
        scores = cells[f"cross_{name}"]
        assert scores[losing_test] == 0, scores
        others = points_lost_elsewhere(scores, losing_test, full_marks)
        assert not others, f"{name!r} also lost points on {others}"

    def test_every_exercise_has_mistakes_and_variants():
        """At least three plausible mistakes and one correct variant per exercise."""
        for exercise in {g.removeprefix("test_") for g in full_marks}:
            assert sum(g == exercise for g, _ in mistakes.values()) >= 3, exercise
            assert any(g == exercise for g, _ in variants.values()), exercise

    tests = {
        "FULL_MARKS": full_marks,
        "graded": graded,
        "test_solution_gets_full_marks": test_solution_gets_full_marks,
        "test_untouched_notebook_gets_zero": test_untouched_notebook_gets_zero,
        "test_partly_wrong_sample_scores_in_between": test_partly_wrong_sample_scores_in_between,
        "test_correct_variant_keeps_full_marks": test_correct_variant_keeps_full_marks,
        "test_mistake_loses_points_on_its_own_test_only": (
            test_mistake_loses_points_on_its_own_test_only
        ),
        "test_every_exercise_has_mistakes_and_variants": (
            test_every_exercise_has_mistakes_and_variants
        ),
    }
    if cross:
        tests["test_a_mistake_is_not_counted_twice"] = test_a_mistake_is_not_counted_twice
    return tests
