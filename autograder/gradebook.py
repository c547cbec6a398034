"""The class gradebook: one per course and semester, updated in place, never replaced.

``grade`` writes every submission's scores into nbgrader's gradebook: by
default ``OUT/gradebook.db`` (SQLite), or any database nbgrader supports
(``--db-url``, PostgreSQL for a class graded from several places). Grading
01 and then 02 into the same OUT leaves both in the gradebook, and so in the
Formgrader; what an instructor entered there (manual scores, comments) is
never touched: a run writes only the autograder's scores. Before a run
changes a SQLite gradebook, a copy of it is kept in ``OUT/backups/``.
"""

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from traitlets.config import Config

from autograder.log import log
from autograder.workspace import Workspace


@dataclass(frozen=True)
class CellScore:
    """The score of one graded cell of one student's notebook."""

    student_id: str
    assignment_id: str
    notebook_id: str
    grade_id: str
    score: float
    max_score: float


def sqlite_url(path):
    return f"sqlite:///{Path(path).resolve()}"


def backup_sqlite(path, folder):
    """Copy the SQLite database at ``path`` into ``folder`` (consistently, even while the
    Formgrader has it open); return the copy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-{stamp}.db"
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{path.stem}-{stamp}-{number}.db"
    source, copy = sqlite3.connect(path), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return target


def open_class_gradebook(out, db_url, assignments, template, scratch):
    """The class gradebook's URL, ready to take the scores of ``assignments``.

    ``db_url`` None means ``OUT/gradebook.db``: a new one starts as a copy of
    the ``template`` workspace's gradebook (which holds the assignments); an
    existing one is backed up, then the assignments are added or updated in it
    by nbgrader (``generate_assignment``), as in a database at ``db_url``.
    Submissions, scores, manual grades and comments already there stay.
    """
    if db_url is None:
        path = Path(out) / "gradebook.db"
        if not path.exists():
            shutil.copyfile(Path(template.root) / "gradebook.db", path)
            return sqlite_url(path)
        backup = backup_sqlite(path, Path(out) / "backups")
        log.info("kept a copy of the gradebook as it was in %s", backup)
        db_url = sqlite_url(path)
    config = Config()
    config.CourseDirectory.db_url = db_url
    master = Workspace(Path(scratch) / "class-gradebook", extra_config=config)
    for assignment_id in assignments:
        master.generate(assignment_id)
    return db_url


def merge(db_url, result):
    """Write one submission's autograded scores into the class gradebook (the only writer).

    Only the autograder's part of each grade changes: a manual score or a
    comment entered in the Formgrader stays.
    """
    student_id, assignment_id = result.student_id, result.assignment_id
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_student(student_id)
        gradebook.update_or_create_submission(assignment_id, student_id)
        for record in result.notebooks:
            for grade_id, score in record.scores.items():
                grade = gradebook.find_grade(
                    grade_id, record.notebook_id, assignment_id, student_id
                )
                grade.auto_score = score
                grade.needs_manual_grade = False
        gradebook.db.commit()


def export(db_url, cell_order):
    """Every grade in the gradebook, as :class:`CellScore` rows.

    A grade's score is nbgrader's: the manual score where an instructor
    entered one, else the autograder's. Rows are sorted by student,
    assignment and notebook; ``cell_order(assignment_id, notebook_id)`` gives
    the grade ids of a notebook in the order they are shown (others follow,
    sorted).
    """
    rows = []
    with Gradebook(db_url) as gradebook:
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            for submission in gradebook.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    shown = cell_order(assignment.name, notebook.name)
                    order = {grade_id: i for i, grade_id in enumerate(shown)}
                    grades = sorted(
                        notebook.grades, key=lambda g: (order.get(g.name, len(order)), g.name)
                    )
                    rows += [
                        CellScore(
                            submission.student.id,
                            assignment.name,
                            notebook.name,
                            grade.name,
                            float(grade.score or 0.0),
                            float(grade.max_score or 0.0),
                        )
                        for grade in grades
                    ]
    return sorted(rows, key=lambda r: (r.student_id, r.assignment_id, r.notebook_id))
