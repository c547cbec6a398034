"""``grade --db-url`` with a PostgreSQL gradebook: every row once, also when graded again.

A throwaway PostgreSQL cluster is made in a temporary folder (``initdb``,
Unix socket only, no TCP port) and removed afterwards. Skipped where
PostgreSQL's server programs are not installed; CI installs them.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Grade, Gradebook

from answers.submissions import solution, untouched
from autograder.settings import COURSE_ID
from tests.grading.batch import ASSIGNMENT, NOTEBOOK, grade_batch

pytestmark = pytest.mark.slow

SERVER_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
if not SERVER_BIN:
    if os.environ.get("CI"):
        raise RuntimeError("PostgreSQL must be installed in CI (.ci/run installs it)")
    pytest.skip("PostgreSQL's server programs are not installed here", allow_module_level=True)
BIN = Path(SERVER_BIN[-1])


def _as_server_user(argv):
    """Run a PostgreSQL program; as root, as the ``postgres`` user (initdb refuses root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv} failed: {done.stderr.strip()}"


@pytest.fixture(scope="module")
def database():
    """The SQLAlchemy URL of an empty database on a private PostgreSQL server."""
    root = Path(tempfile.mkdtemp(prefix="grading-postgres-"))  # /tmp itself is open to all
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, socket_dir = root / "data", root
    _as_server_user([str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
    options = f"-k {socket_dir} -p 55433 -c listen_addresses=''"
    pg_ctl = [str(BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
    _as_server_user([*pg_ctl, "-o", options, "-w", "start"])
    try:
        createdb = [str(BIN / "createdb"), "-h", str(socket_dir), "-p", "55433"]
        _as_server_user([*createdb, "-U", "postgres", "gradebook"])
        yield f"postgresql+psycopg://postgres@/gradebook?host={socket_dir}&port=55433"
    finally:
        _as_server_user([*pg_ctl, "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def _rows(db_url):
    with Gradebook(db_url, COURSE_ID) as gradebook:
        submissions = gradebook.assignment_submissions(ASSIGNMENT)
        totals = {s.student.id: (s.score, s.max_score) for s in submissions}
        return totals, gradebook.db.query(Grade).count()


def test_grades_land_in_postgres_once_also_when_graded_again(database, tmp_path):
    """Two students graded twice: the gradebook holds their scores, each row once."""
    submissions = {
        "solution": solution(ASSIGNMENT, NOTEBOOK),
        "untouched": untouched(ASSIGNMENT, NOTEBOOK),
    }
    _, totals, _ = grade_batch(tmp_path / "first", submissions, db_url=database)
    assert totals == {"solution": (10.0, 10.0), "untouched": (0.0, 10.0)}
    stored, rows = _rows(database)
    assert stored == totals
    _, again, _ = grade_batch(tmp_path / "second", submissions, db_url=database)
    assert again == totals
    stored_again, rows_again = _rows(database)
    assert stored_again == totals
    assert rows_again == rows, (
        f"grading again changed the number of grade rows: {rows} -> {rows_again}"
    )
