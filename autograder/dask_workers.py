"""Grading on a Dask cluster: the local pool's jobs, run on the workers' machines.

``grade --scheduler tcp://HOST:8786`` sends one task per submission to a
running Dask scheduler (``--scheduler local:N`` starts a ``LocalCluster`` of
N worker processes here). A task carries the submission's files and the
parent's release fingerprint; on the worker, :func:`grade_remotely` checks
the fingerprint against its own course (a worker with another release
refuses with :class:`ReleaseMismatch`), builds the assignment's template
workspace once per worker process, and grades the submission with
``autograder.local_workers.grade_job``, exactly as a local worker does (rebuild from
the release, code scan, jail, limits). It returns the result and the files
the grading wrote (feedback pages, graded notebooks); the parent alone
writes them, the gradebook and the tables.

Faults: a worker that dies in a task has the task rerun elsewhere by the
scheduler; a task that was on ``allowed-failures`` + 1 workers that died
(Dask's setting, 3 by default) is graded once more, alone, after the rest of
the class (it may only have been waiting beside the submission that killed
them); if it kills its worker again, it gets zero with that reason.
"""

import atexit
import multiprocessing
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.log import log
from autograder.records import Job, SubmissionResult
from autograder.release import release_fingerprint
from autograder.sandbox import bwrap_works, write_font_cache
from autograder.settings import Limits


class ReleaseMismatch(RuntimeError):
    """A worker's course is not the release the parent grades with."""


class SchedulerLost(RuntimeError):
    """The parent lost its connection to the Dask scheduler."""


@dataclass(frozen=True)
class RemoteTask:
    """What a Dask worker needs to grade one submission."""

    fingerprint: str
    student_id: str
    assignment_id: str
    files: dict  # {file name: bytes}: the student's submission folder
    notebooks: dict  # {notebook_id: [[grade_id, points], ...]}
    limits: Limits
    sandbox: bool | None  # None: wherever the worker's bubblewrap works
    show_hidden_tests: bool
    verbose: bool = False


@dataclass(frozen=True)
class RemoteResult:
    """What comes back: the result, the files grading wrote under OUT, who graded it."""

    result: str  # a SubmissionResult as JSON
    files: dict  # {path relative to OUT: bytes}
    worker: str


@dataclass
class _WorkerSetup:
    template: Path
    font_cache: Path
    template_cache: Path
    context: object


_SETUPS = {}


def _setup(assignment_id):
    """The template workspace and caches of one assignment, made once per worker process."""
    if assignment_id not in _SETUPS:
        from autograder.local_workers import worker_context
        from autograder.workspace import Workspace

        root = Path(tempfile.mkdtemp(prefix=f"dask-grader-{assignment_id}-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        context = worker_context()
        template = Workspace(root / "template")
        template.generate(assignment_id)
        (root / "feedback-templates").mkdir()
        _SETUPS[assignment_id] = _WorkerSetup(
            template.root,
            write_font_cache(root / "matplotlib"),
            root / "feedback-templates",
            context,
        )
    return _SETUPS[assignment_id]


def grade_remotely(task):
    """Grade one submission on this (Dask worker's) machine; runs as a Dask task."""
    from autograder.local_workers import grade_job

    here = f"{socket.gethostname()}:{os.getpid()}"
    # Dask may start its workers as daemonic processes, which multiprocessing
    # forbids to have children; each submission is graded by a child process of
    # its own (killed with all it started when its job ends), so lift the flag.
    multiprocessing.current_process().daemon = False
    local = release_fingerprint(task.assignment_id)
    if local != task.fingerprint:
        raise ReleaseMismatch(
            f"worker {here} has another release of {task.assignment_id} "
            f"(fingerprint {local[:12]}, the parent's is {task.fingerprint[:12]}): "
            "install the same version of the course on every worker, then grade again"
        )
    setup = _setup(task.assignment_id)
    with tempfile.TemporaryDirectory(prefix="dask-job-") as tmp:
        tmp = Path(tmp)
        submission, out, scratch = tmp / "submission", tmp / "out", tmp / "job"
        for folder in (submission, out, scratch):
            folder.mkdir()
        for name, data in task.files.items():
            (submission / Path(name).name).write_bytes(data)
        job = Job(
            student_id=task.student_id,
            assignment_id=task.assignment_id,
            submission=str(submission),
            out=str(out),
            notebooks=task.notebooks,
            template=str(setup.template),
            result=str(scratch / "result.json"),
            dir=str(scratch),
            limits=task.limits,
            sandbox=bwrap_works() if task.sandbox is None else task.sandbox,
            font_cache=str(setup.font_cache),
            template_cache=str(setup.template_cache),
            show_hidden_tests=task.show_hidden_tests,
            verbose=task.verbose,
        )
        item = grade_job(job, setup.context)
        files = {
            str(path.relative_to(out)): path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }
    return RemoteResult(item.to_json(), files, here)


def _local_cluster(workers):
    """A LocalCluster of ``workers`` single-threaded worker processes."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,
    )


class DaskPool:
    """Grades jobs as Dask tasks on the cluster at ``address`` (``local:N`` starts one here)."""

    def __init__(self, address, sandbox=None):
        from distributed import Client

        self.address, self.sandbox = address, sandbox
        self._cluster = None
        if address.startswith("local:"):
            count = address.removeprefix("local:")
            if not count.isdigit() or int(count) < 1:
                raise ValueError(f"--scheduler local:N needs N >= 1, got {address!r}")
            self._cluster = _local_cluster(int(count))
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(address, timeout="30s")
            except OSError as error:
                raise ValueError(f"no Dask scheduler answers at {address}: {error}") from None

    def describe(self):
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"{workers} Dask workers at {self.address}"

    def _task(self, job, fingerprint):
        folder = Path(job.submission)
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        return RemoteTask(
            fingerprint=fingerprint,
            student_id=job.student_id,
            assignment_id=job.assignment_id,
            files=files,
            notebooks=job.notebooks,
            limits=job.limits,
            sandbox=self.sandbox,
            show_hidden_tests=job.show_hidden_tests,
            verbose=job.verbose,
        )

    def run(self, jobs):
        """Yield ``(job, SubmissionResult)`` as tasks finish; the files grading wrote land in
        each job's ``out`` folder here.

        A task that died with its worker may only have been waiting on the worker that a
        killer submission took down: every such task is graded again, alone, at the end, so
        that only a submission that kills its worker again gets its zero.
        """
        fingerprints = {a: release_fingerprint(a) for a in {job.assignment_id for job in jobs}}
        suspects = []
        yield from self._gather(jobs, fingerprints, suspects)
        for job in suspects:
            log.info("%s/%s: grading it again, alone", job.student_id, job.assignment_id)
            yield from self._gather([job], fingerprints, None)

    def _gather(self, jobs, fingerprints, suspects):
        """Submit ``jobs``, yield their results; killed ones go to ``suspects`` (if a list)."""
        from distributed import as_completed
        from distributed.client import FutureCancelledError
        from distributed.comm import CommClosedError

        from autograder.local_workers import failed_result

        futures = {}
        for job in jobs:
            future = self.client.submit(
                grade_remotely,
                self._task(job, fingerprints[job.assignment_id]),
                key=f"grade-{job.student_id}-{job.assignment_id}-{os.urandom(4).hex()}",
                pure=False,
            )
            futures[future] = job
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    remote = future.result()
                except ReleaseMismatch:
                    raise
                except (CommClosedError, FutureCancelledError, OSError) as error:
                    lost = f"lost the Dask scheduler at {self.address}: {error}"
                    raise SchedulerLost(lost) from error
                except Exception as error:  # KilledWorker, or a grader bug on the worker
                    if suspects is not None and type(error).__name__ == "KilledWorker":
                        suspects.append(job)
                        continue
                    why = _remote_failure(error)
                    log.warning("%s/%s: %s", job.student_id, job.assignment_id, why)
                    yield job, failed_result(job, why)
                    continue
                out = Path(job.out)
                for relative, data in remote.files.items():
                    target = out / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                yield job, SubmissionResult.from_json(remote.result)
        finally:
            self.client.cancel(list(futures))

    def close(self):
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _remote_failure(error):
    """Why a Dask task brought back no result, in one line for the student's zero."""
    name = type(error).__name__
    if name == "KilledWorker":
        return "its grading stopped the grading machines again and again, so it was not graded"
    return f"the grader failed on its worker ({name}: {str(error)[:300]})"
