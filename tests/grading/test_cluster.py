"""Grading on a Dask cluster: the same scores, no row lost when a worker dies, no foreign release.

Each test starts its own cluster on this machine: ``--scheduler local:2``
(a ``LocalCluster`` made by the pipeline), a ``LocalCluster`` the test can
reach into, or a scheduler with a ``dask worker`` process started from
another copy of the course.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from distributed import Client, LocalCluster

from autograder.answers import collection
from autograder.cluster import ReleaseMismatch
from autograder.paths import REPO
from autograder.samples import solution, untouched
from tests.grading.batch import ASSIGNMENT, NOTEBOOK, grade_batch

pytestmark = pytest.mark.slow


def _class():
    """A small class: right, blank, partly wrong, a mistake, a broken file."""
    answers = collection(ASSIGNMENT)
    return {
        "solution": solution(ASSIGNMENT, NOTEBOOK),
        "untouched": untouched(ASSIGNMENT, NOTEBOOK),
        "demo_student": solution(ASSIGNMENT, NOTEBOOK, answers.cell_code(answers.demo_student)),
        "wrong_quantize": solution(
            ASSIGNMENT, NOTEBOOK, answers.cell_code(["quantize_round_half_even"])
        ),
        "bad_json": b'{"cells": [ not json',
    }


def test_dask_grades_exactly_as_the_local_pool(tmp_path):
    """The same class through ``--scheduler local:2`` gets the local run's every cell score."""
    local, _, _ = grade_batch(tmp_path / "local", _class())
    remote, _, result = grade_batch(tmp_path / "dask", _class(), scheduler="local:2")
    assert remote == local
    assert "Dask workers" in result.summary()
    for student in local:
        page = result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert page.is_file(), f"no feedback page came back for {student}"
    graded = result.out / "autograded" / "solution" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    assert graded.is_file()


@pytest.fixture
def cluster():
    """A LocalCluster of two worker processes with Dask's defaults, and a client to it."""
    local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(local)
    yield local, client
    client.close()
    local.close()


def test_a_worker_killed_mid_batch_loses_no_row(tmp_path, cluster):
    """SIGKILL one Dask worker while it grades: its task runs elsewhere, every row is there."""
    local, client = cluster
    students = {f"honest_{i}": solution(ASSIGNMENT, NOTEBOOK) for i in range(5)}
    students["untouched"] = untouched(ASSIGNMENT, NOTEBOOK)
    outcome = {}

    def run():
        try:
            outcome["graded"] = grade_batch(tmp_path, students, scheduler=local.scheduler_address)
        except BaseException as error:  # reported by the assertion below
            outcome["error"] = error

    grading = threading.Thread(target=run)
    grading.start()
    deadline = time.monotonic() + 300
    while not any(client.processing().values()):
        assert time.monotonic() < deadline, "no grading task started"
        time.sleep(0.2)
    time.sleep(3)  # well inside a submission's grading
    busy = next(address for address, tasks in client.processing().items() if tasks)
    os.kill(client.run(os.getpid, workers=[busy])[busy], signal.SIGKILL)
    grading.join(timeout=900)
    assert "error" not in outcome, outcome.get("error")
    cells, totals, result = outcome["graded"]
    full = sum(collection(ASSIGNMENT).full_marks.values())
    assert set(totals) == set(students)
    for student in students:
        assert len(cells[student]) == len(collection(ASSIGNMENT).full_marks)
    assert all(totals[s] == (full, full) for s in students if s.startswith("honest"))
    assert totals["untouched"] == (0.0, full)
    assert result.missing == 0, result.summary()


def test_a_worker_with_another_release_refuses(tmp_path):
    """A worker whose course differs from the parent's grades nothing and says why."""
    copy = tmp_path / "other-release"
    for folder in ("autograder", "course", "solutions", "notebooks"):
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    key = copy / "course" / "reference" / "mulaw.py"
    key.write_text(key.read_text() + "\n# a later edit of the answer key\n")
    scheduler = LocalCluster(n_workers=0, dashboard_address=None)
    env = dict(os.environ, PYTHONPATH=str(copy))
    dask_cli = [sys.executable, "-m", "distributed.cli.dask_worker"]
    worker = subprocess.Popen(
        [*dask_cli, scheduler.scheduler_address, "--nworkers", "1", "--nthreads", "1"],
        cwd=copy,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with Client(scheduler) as client:
            client.wait_for_workers(1, timeout=120)
        with pytest.raises(ReleaseMismatch, match="another release of 01_mulaw"):
            grade_batch(
                tmp_path / "run",
                {"solution": solution(ASSIGNMENT, NOTEBOOK)},
                scheduler=scheduler.scheduler_address,
            )
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        scheduler.close()
    assert not (tmp_path / "run" / "out" / "results").exists(), "nothing may have been graded"
