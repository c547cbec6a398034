"""``make demo``: release, grade three sample students per assignment, print their scores.

    .venv/bin/python -m answers.demo [ASSIGNMENT ...]

The students: ``solution`` (the instructor's solution, full marks),
``untouched`` (the notebook as released, zero) and ``demo_student``, who
submits the answers named in the assignment's ``DEMO_STUDENT``
(``answers/topics/<topic>.py``) and should score what the points of the
tests those answers lose leave over; the table shows both. The release is
made afresh into the demo's folder (``notebooks/`` is left alone), and
everything grading wrote stays in ``build/demo/graded/``.
"""

import argparse
import shutil
import sys

from answers import collection
from answers.submissions import solution, untouched, write_submission
from autograder.grade import grade
from autograder.log import configure_logging
from autograder.paths import BUILD, assignment_ids
from autograder.release import release

STUDENTS = ("solution", "demo_student", "untouched")


def demo_submissions(root, answers, released):
    """Write the three demo students of one collection ``answers`` under ``root``, from the
    release in ``released``."""
    assignment_id, notebook_id = answers.assignment_id, answers.notebook_id
    own = answers.cell_code(answers.demo_student, released=released)
    students = {
        "solution": solution(assignment_id, notebook_id, released_dir=released),
        "demo_student": solution(assignment_id, notebook_id, own, released_dir=released),
        "untouched": untouched(assignment_id, notebook_id, released_dir=released),
    }
    for student_id, notebook in students.items():
        write_submission(root, student_id, assignment_id, {notebook_id: notebook})


def expected_totals(answers):
    """``{student_id: expected score}`` of the three demo students of one assignment."""
    total = sum(answers.full_marks.values())
    return {"solution": total, "demo_student": answers.demo_expected_score(), "untouched": 0.0}


def score_table(totals, expected):
    """The demo's table: one line per assignment and student, with the expected score.

    ``totals`` is ``{(student_id, assignment_id): (score, max_score)}``; ``expected``
    ``{assignment_id: {student_id: score}}``.
    """
    assignments = sorted({a for _, a in totals})
    width = max(len("assignment"), *map(len, assignments))
    header = f"{'assignment':<{width}} {'student':<14} {'score':>6} {'max':>6} {'expected':>9}"
    lines = [header]
    for assignment_id in assignments:
        for student_id in STUDENTS:
            if (student_id, assignment_id) in totals:
                score, max_score = totals[(student_id, assignment_id)]
                want = expected[assignment_id][student_id]
                fields = f"{assignment_id:<{width}} {student_id:<14}"
                lines.append(f"{fields} {score:>6g} {max_score:>6g} {want:>9g}")
    return "\n".join(lines)


def demo(root=BUILD / "demo", assignments=None, progress=True):
    """Run the whole loop on sample submissions under ``root``; return the grading result and
    the expected scores ``{assignment_id: {student_id: score}}``."""
    assignments = list(assignments or assignment_ids())
    if root.exists():
        shutil.rmtree(root)
    released = root / "release"
    release(assignments, dest=released)
    submitted = root / "submitted"
    expected = {}
    for assignment_id in assignments:
        answers = collection(assignment_id)
        demo_submissions(submitted, answers, released)
        expected[assignment_id] = expected_totals(answers)
    result = grade(submitted, root / "graded", progress=progress)
    return result, expected


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m answers.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    args = parser.parse_args(argv)
    configure_logging()
    unknown = set(args.assignments) - set(assignment_ids())
    if unknown:
        print(
            f"error: unknown assignments {sorted(unknown)}; known: {assignment_ids()}",
            file=sys.stderr,
        )
        return 2
    result, expected = demo(assignments=args.assignments or None)
    print(score_table(result.totals(), expected))
    print(f"\n{result.summary()}")
    print(f"grades: {result.out / 'grades.csv'}\nfeedback: {result.out / 'feedback'}")
    print(f"report: {result.out / 'report' / 'report.md'}")
    wrong = [
        (a, s)
        for a, students in expected.items()
        for s, want in students.items()
        if result.totals().get((s, a), (None,))[0] != want
    ]
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
