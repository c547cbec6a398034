"""Grading jobs on this machine: a process per submission, a few at a time.

:func:`grade_job` is how one :class:`~autograder.records.Job` is graded,
wherever it runs: in a process of its own (forked from a server that has
imported the worker's modules once), killed with everything it started when
it runs over its time, and turned into an all-zero result with the reason
when it does not come back. :class:`LocalPool` runs a class of jobs on the
local cores; ``autograder.dask_workers`` runs the same :func:`grade_job` on Dask
workers' machines.
"""

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import signal
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder.feedback import failure_page
from autograder.log import log
from autograder.records import Status, SubmissionResult


def worker_context():
    """Processes forked from a server that has imported the worker's modules once.

    Each submission still gets a process of its own (forked, so its state is
    private and dies with it), without paying seconds of imports each time.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.worker"])
    multiprocessing.forkserver.ensure_running()  # start importing now, in the background
    return context


def job_timeout(job):
    """Seconds one job may take in all: its notebooks' limits and a margin for set-up."""
    return job.limits.notebook_timeout_s * len(job.notebooks) + 120


class _Running:
    """The worker processes alive now, so that an interrupted run can end them."""

    def __init__(self):
        self._processes, self._lock = set(), threading.Lock()

    def add(self, process):
        with self._lock:
            self._processes.add(process)

    def discard(self, process):
        with self._lock:
            self._processes.discard(process)

    def kill_all(self):
        with self._lock:
            for process in self._processes:
                with contextlib.suppress(OSError, TypeError):
                    os.killpg(process.pid, signal.SIGKILL)


def _run_worker(job, context, running=None):
    """Run one worker process; return ``(SubmissionResult, "")`` or ``(None, why it failed)``."""
    from autograder.worker import run_job_file

    job_file = job.write()
    log_file = Path(job.dir) / "worker.log"
    log_file.touch()
    process = context.Process(target=run_job_file, args=(str(job_file), str(log_file)))
    process.start()
    if running is not None:
        running.add(process)
    try:
        process.join(job_timeout(job))
        timed_out = process.is_alive()
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)  # the worker and all it started
        process.join()
    finally:
        if running is not None:
            running.discard(process)
    if timed_out:
        return None, f"grading took longer than the limit of {job_timeout(job)} s"
    result_file = Path(job.result)
    if process.exitcode == 0 and result_file.is_file():
        return SubmissionResult.from_json(result_file.read_text()), ""
    tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] or [""]
    return None, f"the grading worker failed (exit {process.exitcode}): {tail[0][:300]}"


def failed_result(job, reason):
    """The result of a submission that could not be graded: every notebook at zero, a page each."""
    result = SubmissionResult.failed(job, reason)
    for record in result.notebooks:
        page = Path(job.out) / "feedback" / job.student_id / job.assignment_id
        page = page / f"{record.notebook_id}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        cells = job.notebooks[record.notebook_id]
        page.write_text(
            failure_page(job.student_id, job.assignment_id, record.notebook_id, reason, cells),
            encoding="utf-8",
        )
    return result


def grade_job(job, context, running=None):
    """Grade ``job`` in a worker process; a failure becomes zeros with the reason, never a loss.

    The worker's log (nbgrader's, with ``job.verbose``) is kept in ``OUT/logs/`` when the
    submission failed, or always with ``job.verbose``.
    """
    item, reason = _run_worker(job, context, running)
    if item is None:
        log.warning("%s/%s: %s", job.student_id, job.assignment_id, reason)
        item = failed_result(job, reason)
    if job.verbose or any(record.status == Status.FAILED for record in item.notebooks):
        # keep nbgrader's own account of what went wrong (or of everything) next to the grades
        logs = Path(job.out) / "logs"
        logs.mkdir(exist_ok=True)
        shutil.copyfile(
            Path(job.dir) / "worker.log", logs / f"{job.student_id}_{job.assignment_id}.log"
        )
    return item


class LocalPool:
    """Grades jobs on ``workers`` local processes at once."""

    def __init__(self, workers):
        self.workers = workers
        self.context = worker_context()  # its imports run while the template is made
        self._running = _Running()

    def describe(self):
        return f"{self.workers} workers"

    def run(self, jobs):
        """Yield ``(job, SubmissionResult)`` as each job finishes; a grader bug is a zero."""
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = {
                pool.submit(grade_job, job, self.context, self._running): job for job in jobs
            }
            try:
                for future in as_completed(futures):
                    job = futures[future]
                    try:
                        item = future.result()
                    except Exception as error:  # a grader bug must not lose the class's grades
                        log.exception("grading %s/%s failed", job.student_id, job.assignment_id)
                        why = f"the grader failed ({type(error).__name__}: {error})"
                        item = failed_result(job, why)
                    yield job, item
            finally:
                for future in futures:
                    future.cancel()
                self._running.kill_all()

    def close(self):
        self._running.kill_all()
