"""``demo``: release, grade the bundled sample submissions, print their scores."""

import shutil

from autograder.grade import grade
from autograder.paths import BUILD, assignment_ids
from autograder.release import release
from autograder.sample_answers import PARTLY_WRONG
from autograder.samples import demo_submissions

STUDENTS = ("solution", "partly_wrong", "untouched")


def score_table(result):
    """The demo's table: one line per assignment and sample student."""
    totals = result.totals()
    assignments = sorted({a for _, a in totals})
    width = max(len("assignment"), *map(len, assignments))
    lines = [f"{'assignment':<{width}} {'student':<14} {'score':>6} {'max':>6}"]
    for assignment_id in assignments:
        for student_id in STUDENTS:
            if (student_id, assignment_id) in totals:
                score, max_score = totals[(student_id, assignment_id)]
                fields = f"{assignment_id:<{width}} {student_id:<14}"
                lines.append(f"{fields} {score:>6g} {max_score:>6g}")
    return "\n".join(lines)


def demo(root=BUILD / "demo"):
    """Run the whole loop on sample submissions under ``root``; return the grading result."""
    if root.exists():
        shutil.rmtree(root)
    release()
    submitted = root / "submitted"
    for assignment_id in assignment_ids():
        demo_submissions(submitted, assignment_id, PARTLY_WRONG.get(assignment_id, {}))
    result = grade(submitted, root / "graded")
    print(score_table(result))
    print(f"\n{result.summary()}")
    print(f"grades: {result.out / 'grades.csv'}\nfeedback: {result.out / 'feedback'}")
    print(f"report: {result.out / 'report' / 'report.md'}")
    return result
