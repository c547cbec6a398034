"""``demo``: release, grade three sample students per assignment, print their scores.

The students: ``solution`` (the instructor's solution, full marks),
``untouched`` (the notebook as released, zero) and ``demo_student``, who
submits the answers named in the assignment's ``DEMO_STUDENT``
(``autograder/answers/<topic>.py``) and should score what the points of the
tests those answers lose leave over; the table shows both.
"""

import shutil

from autograder.answers import collections
from autograder.grade import grade
from autograder.paths import BUILD
from autograder.release import release
from autograder.samples import solution, untouched, write_submission

STUDENTS = ("solution", "demo_student", "untouched")


def demo_submissions(root, answers):
    """Write the three demo students of one assignment's collection ``answers`` under ``root``."""
    assignment_id, notebook_id = answers.assignment_id, answers.notebook_id
    students = {
        "solution": solution(assignment_id, notebook_id),
        "demo_student": solution(
            assignment_id, notebook_id, answers.cell_code(answers.demo_student)
        ),
        "untouched": untouched(assignment_id, notebook_id),
    }
    for student_id, notebook in students.items():
        write_submission(root, student_id, assignment_id, {notebook_id: notebook})


def expected_totals(answers):
    """``{student_id: expected score}`` of the three demo students of one assignment."""
    total = sum(answers.full_marks.values())
    return {"solution": total, "demo_student": answers.demo_expected_score(), "untouched": 0.0}


def score_table(result, expected):
    """The demo's table: one line per assignment and student, with the expected score."""
    totals = result.totals()
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


def demo(root=BUILD / "demo"):
    """Run the whole loop on sample submissions under ``root``; return the grading result."""
    if root.exists():
        shutil.rmtree(root)
    release()
    submitted = root / "submitted"
    expected = {}
    for answers in collections():
        demo_submissions(submitted, answers)
        expected[answers.assignment_id] = expected_totals(answers)
    result = grade(submitted, root / "graded")
    print(score_table(result, expected))
    print(f"\n{result.summary()}")
    print(f"grades: {result.out / 'grades.csv'}\nfeedback: {result.out / 'feedback'}")
    print(f"report: {result.out / 'report' / 'report.md'}")
    return result
