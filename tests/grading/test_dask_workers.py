"""Grading on a Dask cluster: the same scores, no row lost when a worker dies, no foreign release.

Each test starts its own cluster on this machine: ``--scheduler local:2``
(a ``LocalCluster`` made by the pipeline), a ``LocalCluster`` the test can
reach into, or a scheduler with a ``dask worker`` process started from
another copy of the course or another environment.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster, WorkerPlugin

from answers import collection
from answers.submissions import solution, untouched
from autograder.dask_workers import ReleaseMismatch
from autograder.paths import REPO
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


class KillWorkerOn(WorkerPlugin):
    """A submission that kills whichever worker grades it, every time (as one that makes the
    machine's out-of-memory killer take the worker would): the worker process exits as soon
    as it starts grading ``student``."""

    def __init__(self, student):
        self.student = student

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and f"grade-{self.student}-" in str(key):
            os._exit(1)


def test_a_submission_that_kills_every_worker_gets_zero_and_the_class_goes_on(tmp_path):
    """Its task dies on every worker it reaches: zero with the reason; everyone else graded."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        local = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    try:
        with Client(local) as client:
            client.register_plugin(KillWorkerOn("killer"))
        students = {f"honest_{i}": solution(ASSIGNMENT, NOTEBOOK) for i in range(3)}
        students["killer"] = solution(ASSIGNMENT, NOTEBOOK)
        _, totals, result = grade_batch(tmp_path, students, scheduler=local.scheduler_address)
    finally:
        local.close()
    full = sum(collection(ASSIGNMENT).full_marks.values())
    assert totals["killer"] == (0.0, full), totals
    assert all(totals[f"honest_{i}"] == (full, full) for i in range(3)), totals
    killer = next(o for o in result.outcomes if o.student_id == "killer")
    assert "stopped the grading machines again and again" in killer.reason, killer
    page = result.out / "feedback" / "killer" / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert "could not be graded" in page.read_text(encoding="utf-8")
    assert result.missing == 0


def _worker(scheduler, cwd, env):
    dask_cli = [sys.executable, "-m", "distributed.cli.dask_worker"]
    return subprocess.Popen(
        [*dask_cli, scheduler.scheduler_address, "--nworkers", "1", "--nthreads", "1"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_summary_reports_the_workers_sandbox_and_verbose_reaches_them(tmp_path):
    """A worker whose bubblewrap cannot build a jail grades unsandboxed, and the summary says so
    (the parent's bubblewrap works); with verbose, its nbgrader log comes back in OUT/logs."""
    broken = tmp_path / "bin"
    broken.mkdir()
    (broken / "bwrap").write_text("#!/bin/sh\nexit 1\n")  # installed, but no user namespaces
    (broken / "bwrap").chmod(0o755)
    env = dict(os.environ, PATH=f"{broken}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=str(REPO))
    scheduler = LocalCluster(n_workers=0, dashboard_address=None)
    worker = _worker(scheduler, REPO, env)
    try:
        with Client(scheduler) as client:
            client.wait_for_workers(1, timeout=120)
        _, totals, result = grade_batch(
            tmp_path / "run",
            {"solution": solution(ASSIGNMENT, NOTEBOOK)},
            scheduler=scheduler.scheduler_address,
            verbose=True,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        scheduler.close()
    assert totals["solution"][0] == totals["solution"][1] > 0
    assert "NOT sandboxed" in result.summary(), result.summary()
    log = Path(result.out / "logs" / f"solution_{ASSIGNMENT}.log").read_text(errors="replace")
    assert "Autograd" in log and "Sanitizing" in log, log[-2000:]
