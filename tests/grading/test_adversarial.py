"""Adversarial submissions: each gets what its honest content deserves, the class is unharmed.

They are graded twice: by ``python -m autograder grade``, and by plain
``nbgrader autograde`` in the course that ``make lab`` serves (what the
Formgrader's "Autograde" button runs): the protections are part of nbgrader's
own chain, so both give the same scores.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.paths import REPO
from autograder.settings import Limits
from tests.grading.adversarial_submissions import build
from tests.grading.batch import ASSIGNMENT, grade_batch

pytestmark = pytest.mark.slow

CASES = build()
LIMITS = Limits(cell_timeout_s=20, notebook_timeout_s=300, memory_mb=2048, processes=256)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = {name: case[0] for name, case in CASES.items()}
    submissions["misnamed"] = ("mulaw (1).ipynb", CASES["solution"][0])
    return grade_batch(tmp_path_factory.mktemp("adversarial"), submissions, limits=LIMITS)


def _outcome(result, student):
    return next(o for o in result.outcomes if o.student_id == student)


@pytest.mark.parametrize("name", sorted(CASES))
def test_adversarial_submission_gets_its_honest_score(graded, full_marks, name):
    """The expected zeros, full marks on every other test, flags and reasons."""
    cells, totals, result = graded
    _, zeros, expect = CASES[name]
    outcome = _outcome(result, name)
    ungradable = zeros == "all" or expect.get("status", "graded") != "graded"
    expected = {g: 0.0 if ungradable or g in zeros else p for g, p in full_marks.items()}
    assert cells[name] == expected, (cells[name], outcome)
    assert totals[name] == (sum(expected.values()), sum(full_marks.values())), outcome
    assert bool(outcome.flags) == expect.get("flagged", False), outcome
    assert outcome.status == expect.get("status", "graded"), outcome
    if "reason" in expect:
        assert expect["reason"] in outcome.reason, outcome
    if "note" in expect:
        assert any(expect["note"] in note for note in outcome.notes), outcome


def test_misnamed_notebook_is_graded_with_a_note(graded):
    """The only notebook of a submission, under another name, is graded and the rename noted."""
    _, totals, result = graded
    assert totals["misnamed"][0] == totals["misnamed"][1] > 0
    assert any("misnamed" in note for note in _outcome(result, "misnamed").notes)


def test_flags_reach_the_instructor(graded):
    """flags.csv and the report list every flagged submission with its reason."""
    _, _, result = graded
    flagged = {o.student_id for o in result.flagged()}
    expected = {name for name, case in CASES.items() if case[2].get("flagged")}
    assert flagged == expected
    flags_csv = (result.out / "flags.csv").read_text()
    report = (result.out / "report" / "report.md").read_text()
    for student in expected:
        assert student in flags_csv and student in report
    assert "course.reference" in flags_csv


def test_gradebook_holds_every_row_once(graded, full_marks):
    """The class gradebook has one grade per student and test, equal to scores.csv."""
    cells, _, result = graded
    rows = []
    with Gradebook(result.db_url) as gradebook:
        for student in gradebook.students:
            for submission in student.submissions:
                for notebook in submission.notebooks:
                    rows += [(student.id, grade.name, grade.score) for grade in notebook.grades]
    assert len(rows) == len(set((s, g) for s, g, _ in rows)) == len(cells) * len(full_marks)
    for student, grade_id, score in rows:
        assert cells[student][grade_id] == score, (student, grade_id)


def test_report_has_histogram_and_pass_rates(graded, full_marks):
    """A score histogram PNG and a pass rate for every test of the assignment."""
    _, _, result = graded
    png = result.out / "report" / f"{ASSIGNMENT}_scores.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rates = (result.out / "report" / "pass_rates.csv").read_text().splitlines()
    assert len(rates) == 1 + len(full_marks)
    assert all(line.startswith(f"{ASSIGNMENT},") for line in rates[1:])


def _nbgrader(*argv, lab):
    """Run nbgrader's own command line in the course ``make lab`` serves, its files in ``lab``."""
    env = dict(os.environ, COURSE_NBGRADER_DIR=str(lab))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *argv],
        cwd=REPO / "autograder",
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def test_formgraders_autograde_gives_the_same_scores(graded, tmp_path):
    """``nbgrader autograde`` in make lab's course scores every attack as the CLI does."""
    cells, _, result = graded
    lab = tmp_path / "lab"
    folders = [
        f"--CourseDirectory.release_directory={lab / 'release'}",
        f"--CourseDirectory.submitted_directory={result.out.parent / 'submitted'}",
    ]
    made = _nbgrader("generate_assignment", ASSIGNMENT, "--force", *folders, lab=lab)
    assert made.returncode == 0, made.stderr[-3000:]
    limits = [
        f"--Execute.timeout={LIMITS.cell_timeout_s}",
        f"--JailedKernelManager.memory_mb={LIMITS.memory_mb}",
        f"--JailedKernelManager.processes={LIMITS.processes}",
    ]
    graded_there = _nbgrader("autograde", ASSIGNMENT, "--force", *folders, *limits, lab=lab)
    log = graded_there.stderr
    there = {}
    with Gradebook(f"sqlite:///{lab / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                scores = {grade.name: float(grade.score or 0.0) for grade in notebook.grades}
                there[submission.student.id] = scores
    # "misnamed" is an upload question (its only notebook under another name), not a protection
    compared = sorted(set(cells) - {"misnamed"})
    for student in compared:
        assert there.get(student, {}) == cells[student] or (
            not there.get(student) and not any(cells[student].values())
        ), (student, there.get(student), cells[student])
    assert "not run: mu_law_encode: imports course.reference" in log, log[-3000:]
