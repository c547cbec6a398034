"""``grade``: autograde a whole class with nbgrader, in parallel and in a sandbox.

Input: a folder in nbgrader's submitted layout,
``SUBMISSIONS/<student_id>/<assignment_id>/<notebook>.ipynb``, a zip of
one, or an LMS download (see ``autograder.intake``).

Output::

    OUT/grades.csv     student_id,assignment_id,score,max_score
    OUT/scores.csv     student_id,assignment_id,notebook_id,grade_id,score,max_score
    OUT/flags.csv      refused student code, and files of the upload not graded
    OUT/feedback/<student_id>/<assignment_id>/<notebook>.html
    OUT/autograded/<student_id>/<assignment_id>/<notebook>.ipynb
    OUT/gradebook.db   nbgrader's gradebook of the class (or --db-url), updated in place
    OUT/backups/       a copy of the gradebook as it was before each run
    OUT/results/       each submission's result, reused by a rerun
    OUT/report/        score histograms and per-exercise pass rates
    OUT/grading.log    what happened to each submission, and why a score is zero
    OUT/logs/          the grading worker's log for each submission that failed (all with -v)

How: the assignments are generated once into a template workspace; each
submission is then graded by its own worker process (``autograder.local_workers``,
or a Dask worker with ``autograder.dask_workers``) running nbgrader's autograde
chain in a private copy of that template, so gradebooks are never written
concurrently; the parent merges every result into the class gradebook
(``autograder.gradebook``), one at a time. A submission that cannot be
graded (missing, not valid JSON, its kernel died, it ran out of time) still
gets all its rows, with score 0, a feedback page that says why and a line in
the log; the others carry on.
"""

import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils
from tqdm.auto import tqdm

from autograder.cells import grade_id, points
from autograder.dask_workers import DaskPool, ReleaseMismatch, SchedulerLost
from autograder.gradebook import export, merge, open_class_gradebook
from autograder.intake import take_in
from autograder.local_workers import LocalPool
from autograder.log import log
from autograder.paths import SOLUTIONS, assignment_ids, notebook_names
from autograder.records import Job, Status
from autograder.release import release_fingerprint
from autograder.report import write_report
from autograder.resume import keep, kept, result_key
from autograder.sandbox import bwrap_works, warn_once_without_sandbox, write_font_cache
from autograder.settings import Limits
from autograder.tables import UPLOAD, FlagRow, totals, write_flags, write_scores
from autograder.workspace import Workspace


@dataclass(frozen=True)
class NotebookOutcome:
    """How grading one student's notebook went (see ``autograder.records.NotebookRecord``)."""

    student_id: str
    assignment_id: str
    notebook_id: str
    status: Status
    reason: str = ""
    flags: tuple = ()  # (Flag, ...)
    notes: tuple = ()


@dataclass
class GradingResult:
    """Everything one run of ``grade`` produced.

    ``scores`` are the class gradebook's (every assignment graded into OUT, manual
    scores included); ``outcomes`` are this run's submissions'.
    """

    scores: list
    outcomes: list
    out: Path
    seconds: float = 0.0
    workers: int = 1
    db_url: str = ""
    runner: str = ""  # who graded: "2 workers", "4 Dask workers at tcp://...", or why it stopped
    missing: int = 0  # submissions left ungraded by an interrupted run
    sandboxed: dict = field(default_factory=dict)  # {True: n submissions jailed, False: n not}
    upload_issues: list = field(default_factory=list)  # IntakeIssue: files of the upload not graded

    def totals(self):
        """``{(student_id, assignment_id): (score, max_score)}`` summed over cells."""
        return totals(self.scores)

    def flagged(self):
        """Outcomes with refused student code."""
        return [o for o in self.outcomes if o.flags]

    def isolation(self):
        """How this run's submissions were isolated, as the graders report it."""
        jailed, free = self.sandboxed.get(True, 0), self.sandboxed.get(False, 0)
        if not jailed and not free:
            return "nothing graded"
        if not free:
            return "sandboxed (bubblewrap)"
        if not jailed:
            return "NOT sandboxed"
        return f"NOT sandboxed for {free} of {jailed + free} submissions"

    def summary(self):
        """One paragraph for the instructor."""
        failed = [o for o in self.outcomes if o.status != Status.GRADED]
        runner = self.runner or f"{self.workers} workers"
        graded = len({(o.student_id, o.assignment_id) for o in self.outcomes})
        summary = (
            f"graded {graded} submissions ({len(self.outcomes)} notebooks) "
            f"in {self.seconds:.1f} s with {runner}, {self.isolation()}: "
            f"{len(self.outcomes) - len(failed)} notebooks graded, {len(failed)} failed or "
            f"missing, {len(self.flagged())} flagged for the instructor"
        )
        if self.upload_issues:
            summary += (
                f"; {len(self.upload_issues)} files of the upload not graded as named "
                "(see flags.csv)"
            )
        if self.missing:
            summary += f"; {self.missing} submissions NOT graded yet: run the command again"
        return summary


def graded_cells(assignment_id, notebook_id):
    """``[(grade_id, points), ...]`` of the source notebook's graded cells, in order."""
    notebook = nbformat.read(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb", as_version=4)
    return [(grade_id(cell), points(cell)) for cell in notebook.cells if utils.is_grade(cell)]


def _cell_order(assignment_id, notebook_id):
    known = set(assignment_ids())
    if assignment_id not in known or notebook_id not in notebook_names(assignment_id):
        return []
    return [grade_id for grade_id, _ in graded_cells(assignment_id, notebook_id)]


@contextlib.contextmanager
def _log_file(path):
    """The pipeline's log, from INFO up, also into ``path`` while the block runs."""
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    level = log.level
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        handler.close()


@dataclass(frozen=True)
class _Setup:
    """What every job of a run shares: the template workspace and the caches."""

    template: Workspace
    font_cache: Path
    feedback_cache: Path
    cells: dict  # {assignment_id: {notebook_id: [(grade_id, points)]}}


def _prepare(assignments, tmp):
    template = Workspace(tmp / "template")
    for assignment_id in assignments:
        template.generate(assignment_id)
    feedback_cache = tmp / "feedback-templates"
    feedback_cache.mkdir()
    cells = {a: {n: graded_cells(a, n) for n in notebook_names(a)} for a in assignments}
    return _Setup(template, write_font_cache(tmp / "matplotlib"), feedback_cache, cells)


def _jobs(found, setup, tmp, **settings):
    """One :class:`Job` per submission found, in the order found."""
    jobs = []
    for number, (student_id, assignment_id, folder) in enumerate(found):
        job_dir = tmp / "jobs" / f"{number:05d}"
        job_dir.mkdir(parents=True)
        jobs.append(
            Job(
                student_id=student_id,
                assignment_id=assignment_id,
                submission=str(Path(folder).resolve()),
                out=str(job_dir / "out"),
                notebooks=setup.cells[assignment_id],
                template=str(setup.template.root),
                result=str(job_dir / "result.json"),
                dir=str(job_dir),
                font_cache=str(setup.font_cache),
                template_cache=str(setup.feedback_cache),
                **settings,
            )
        )
    return jobs


def deliver(job, out):
    """Move the files grading wrote for ``job`` (its feedback pages, graded notebooks, logs)
    into the class's ``out``: the parent is their only writer, whichever pool graded."""
    scratch = Path(job.out)
    if not scratch.is_dir():
        return
    for path in sorted(p for p in scratch.rglob("*") if p.is_file()):
        target = Path(out) / path.relative_to(scratch)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)


def _grade_jobs(pool, jobs, out, db_url, progress):
    """Merge each job's result as it arrives; ``(results {job.result: item}, interruption)``.

    Results kept by an earlier run of the same submissions are merged without
    grading them again.
    """
    fingerprints = {a: release_fingerprint(a) for a in {job.assignment_id for job in jobs}}
    keys = {job.result: result_key(job, fingerprints[job.assignment_id]) for job in jobs}
    results = {}
    for job in jobs:
        item = kept(out, job, keys[job.result])
        if item is not None:
            results[job.result] = item
            merge(db_url, item)
    if results:
        log.info("kept %d results of an earlier run (unchanged submissions)", len(results))
    todo = [job for job in jobs if job.result not in results]
    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not progress)
    try:
        for job, item in pool.run(todo):
            with _interrupt_after():  # all or nothing: no half-recorded result
                deliver(job, out)
                merge(db_url, item)
                keep(out, job, keys[job.result], item)
                results[job.result] = item
            bar.set_postfix_str(f"{job.student_id}/{job.assignment_id}", refresh=False)
            bar.update()
    except (KeyboardInterrupt, SchedulerLost, ReleaseMismatch) as error:
        return results, error
    finally:
        bar.close()
    return results, None


def _upload_rows(issues):
    """flags.csv rows for the files of the upload that were not graded as named."""
    return [
        FlagRow(i.student_id, i.assignment_id, "", f"{UPLOAD}{i.file}", i.reason) for i in issues
    ]


def _code_rows(outcomes):
    return [
        FlagRow(o.student_id, o.assignment_id, o.notebook_id, flag.cell, flag.reason)
        for o in outcomes
        for flag in o.flags
    ]


def grade(
    submissions,
    out,
    assignment=None,
    workers=None,
    limits=None,
    sandbox=None,
    db_url=None,
    progress=True,
    show_hidden_tests=False,
    scheduler=None,
    verbose=False,
):
    """Autograde every submission under ``submissions``; write everything to ``out``.

    ``workers`` defaults to the number of cores; ``sandbox`` to whether
    bubblewrap works where the grading runs; ``limits`` to ``Limits()``.
    Feedback pages show each failing test's message but not the hidden
    tests' code, unless ``show_hidden_tests``. With ``scheduler`` (a Dask
    scheduler's address, or ``local:N``) the submissions are graded on that
    cluster's workers. ``verbose`` keeps every grading worker's log (with
    nbgrader's) in ``OUT/logs/``.

    Each result is merged into the gradebook and kept in ``OUT/results/`` as
    soon as it arrives: an interrupted run (Ctrl-C, a lost scheduler) leaves
    every submission graded so far in the gradebook, and running the same
    command again grades only what is new or changed.
    """
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, int(workers or os.cpu_count() or 1))
    with _log_file(out / "grading.log"), tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        tmp = Path(tmp)
        intake = take_in(submissions, tmp / "intake", assignment)
        for note in intake.notes:
            log.info("upload: %s", note)
        for issue in intake.issues:
            log.warning("upload: %s not graded: %s", issue.file, issue.reason)
        local_sandbox = bwrap_works() if sandbox is None else sandbox
        if scheduler is None and not local_sandbox:
            warn_once_without_sandbox()
        assignments = sorted({a for _, a, _ in intake.found})
        pool = DaskPool(scheduler, sandbox) if scheduler else LocalPool(workers)
        try:
            setup = _prepare(assignments, tmp)
            db_url = open_class_gradebook(out, db_url, assignments, setup.template, tmp)
            jobs = _jobs(
                intake.found,
                setup,
                tmp,
                limits=limits or Limits(),
                sandbox=local_sandbox,
                show_hidden_tests=show_hidden_tests,
                verbose=verbose,
            )
            results, interrupted = _grade_jobs(pool, jobs, out, db_url, progress)
            runner = pool.describe() if interrupted is None else str(interrupted)
        finally:
            pool.close()
        result = GradingResult([], [], out, workers=workers, db_url=db_url, runner=runner)
        result.upload_issues = list(intake.issues)
        for job in jobs:  # in the order found: the same tables on every run
            if job.result in results:
                _collect(result, results[job.result])
        result.missing = len(jobs) - len(results)
        result.scores = export(db_url, _cell_order)
        result.seconds = time.perf_counter() - started
        write_scores(out, result.scores)
        rows = _upload_rows(intake.issues) + _code_rows(result.outcomes)
        write_flags(out, rows, assignments, assignment_ids())
        write_report(result)
        if interrupted is not None:
            log.warning(
                "stopped after %d of %d submissions (%s); every graded one is in the gradebook "
                "and in %s: run the same command again to grade the rest",
                len(results),
                len(jobs),
                type(interrupted).__name__,
                out,
            )
            raise interrupted
    return result


@contextlib.contextmanager
def _interrupt_after():
    """Hold back Ctrl-C until the block is done (in the main thread; elsewhere do nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def _collect(result, item):
    """Add one SubmissionResult's outcomes to ``result``; log what matters."""
    student_id, assignment_id = item.student_id, item.assignment_id
    result.sandboxed[item.sandboxed] = result.sandboxed.get(item.sandboxed, 0) + 1
    for record in item.notebooks:
        outcome = NotebookOutcome(
            student_id,
            assignment_id,
            record.notebook_id,
            record.status,
            record.reason,
            tuple(record.flags),
            tuple(record.notes),
        )
        result.outcomes.append(outcome)
        where = f"{student_id}/{assignment_id}/{record.notebook_id}.ipynb"
        if outcome.status != Status.GRADED:
            log.warning("%s scored 0: %s", where, outcome.reason)
        for flag in outcome.flags:
            log.warning("%s flagged: %s: %s", where, flag.cell, flag.reason)
        for note in outcome.notes:
            log.info("%s: %s", where, note)
