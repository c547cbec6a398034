"""``grade``: autograde a whole class with nbgrader, in parallel and in a sandbox.

Input: a folder in nbgrader's submitted layout,
``SUBMISSIONS/<student_id>/<assignment_id>/<notebook>.ipynb``, or a zip of
one (see ``autograder.intake``; an LMS download works too).

Output::

    OUT/grades.csv     student_id,assignment_id,score,max_score
    OUT/scores.csv     student_id,assignment_id,notebook_id,grade_id,score,max_score
    OUT/flags.csv      student code that was refused (answer-key access, tampering)
    OUT/feedback/<student_id>/<assignment_id>/<notebook>.html
    OUT/autograded/<student_id>/<assignment_id>/<notebook>.ipynb
    OUT/gradebook.db   nbgrader's gradebook of the class (or --db-url)
    OUT/report/        score histograms and per-exercise pass rates
    OUT/grading.log    what happened to each submission, and why a score is zero
    OUT/logs/          nbgrader's own log for each submission that failed

How: the assignments are generated once into a template workspace; each
submission is then graded by its own worker process (``autograder.worker``,
forked from a server that has imported nbgrader once) in a private copy of
that template, so gradebooks are never written concurrently; the parent
merges every result into the class gradebook, one at a time. A submission
that cannot be graded (missing, not valid JSON, its kernel died, it ran out
of time) still gets all its rows, with score 0, a
feedback page that says why and a line in the log; the others carry on.
"""

import contextlib
import csv
import dataclasses
import hashlib
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from tqdm.auto import tqdm
from traitlets.config import Config

from autograder.cluster import DaskPool, ReleaseMismatch, SchedulerLost
from autograder.intake import unpack
from autograder.log import log
from autograder.paths import SOLUTIONS, assignment_ids, notebook_names
from autograder.pool import LocalPool
from autograder.records import Job, Status, SubmissionResult
from autograder.release import release_fingerprint
from autograder.report import write_report
from autograder.sandbox import bwrap_works, warn_once_without_sandbox, write_font_cache
from autograder.settings import Limits
from autograder.workspace import Workspace

GRADES_HEADER = ["student_id", "assignment_id", "score", "max_score"]
SCORES_HEADER = ["student_id", "assignment_id", "notebook_id", "grade_id", "score", "max_score"]
FLAGS_HEADER = ["student_id", "assignment_id", "notebook_id", "cell", "reason"]


@dataclass(frozen=True)
class CellScore:
    """The score of one graded cell of one student's notebook."""

    student_id: str
    assignment_id: str
    notebook_id: str
    grade_id: str
    score: float
    max_score: float


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
    """Everything one run of ``grade`` produced."""

    scores: list
    outcomes: list
    out: Path
    seconds: float = 0.0
    sandboxed: bool = False
    workers: int = 1
    db_url: str = ""
    runner: str = ""  # who graded: "2 workers", "4 Dask workers at tcp://...", or why it stopped
    missing: int = 0  # submissions left ungraded by an interrupted run

    def totals(self):
        """``{(student_id, assignment_id): (score, max_score)}`` summed over cells."""
        totals = {}
        for row in self.scores:
            key = (row.student_id, row.assignment_id)
            score, max_score = totals.get(key, (0.0, 0.0))
            totals[key] = (score + row.score, max_score + row.max_score)
        return totals

    def flagged(self):
        """Outcomes with refused student code."""
        return [o for o in self.outcomes if o.flags]

    def summary(self):
        """One paragraph for the instructor."""
        failed = [o for o in self.outcomes if o.status != Status.GRADED]
        isolation = "sandboxed (bubblewrap)" if self.sandboxed else "NOT sandboxed"
        runner = self.runner or f"{self.workers} workers"
        summary = (
            f"graded {len(self.totals())} submissions ({len(self.outcomes)} notebooks) "
            f"in {self.seconds:.1f} s with {runner}, {isolation}: "
            f"{len(self.outcomes) - len(failed)} notebooks graded, {len(failed)} failed or "
            f"missing, {len(self.flagged())} flagged for the instructor"
        )
        if self.missing:
            summary += f"; {self.missing} submissions NOT graded yet: run the command again"
        return summary


def graded_cells(assignment_id, notebook_id):
    """``[(grade_id, points), ...]`` of the source notebook's graded cells, in order."""
    notebook = nbformat.read(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb", as_version=4)
    cells = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cells.append((meta["grade_id"], float(meta.get("points", 0))))
    return cells


def find_submissions(submissions, assignment=None):
    """Sorted ``[(student_id, assignment_id, folder), ...]`` found under ``submissions``."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise ValueError(f"SUBMISSIONS must be a folder or a .zip, got {str(submissions)!r}")
    known = set(assignment_ids())
    if assignment is not None and assignment not in known:
        raise ValueError(f"--assignment must be one of {sorted(known)}, got {assignment!r}")
    found = []
    for student in sorted(p for p in submissions.iterdir() if p.is_dir()):
        if student.name.startswith("."):
            continue
        for folder in sorted(p for p in student.iterdir() if p.is_dir()):
            if assignment is not None and folder.name != assignment:
                continue
            if folder.name not in known:
                log.warning(
                    "skipping %s: %r is not an assignment of this course", folder, folder.name
                )
                continue
            found.append((student.name, folder.name, folder))
    if not found:
        raise ValueError(
            f"no submissions under {str(submissions)!r}: expected "
            "<student_id>/<assignment_id>/<notebook>.ipynb"
        )
    return found


def _master_gradebook(out, db_url, assignments, template, tmp):
    """Create the class gradebook (backing up an older file) with the assignments in it.

    A SQLite gradebook starts as a copy of the template's, which holds the same
    assignments; a database at ``db_url`` gets them from nbgrader.
    """
    if db_url is None:
        path = out / "gradebook.db"
        if path.exists():
            backup = out / f"gradebook-{time.strftime('%Y%m%d-%H%M%S')}.db"
            path.rename(backup)
            log.info("kept the previous gradebook as %s", backup)
        shutil.copyfile(template.root / "gradebook.db", path)
        return f"sqlite:///{path}"
    config = Config()
    config.CourseDirectory.db_url = db_url
    master = Workspace(tmp / "master", extra_config=config)
    for assignment_id in assignments:
        master.generate(assignment_id)
    return db_url


def _merge(db_url, result):
    """Write one worker's scores into the class gradebook (the only writer)."""
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


def write_tables(result):
    """Write ``grades.csv``, ``scores.csv`` and ``flags.csv`` of ``result`` into ``result.out``."""
    with open(result.out / "scores.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SCORES_HEADER)
        for row in result.scores:
            fields = [row.student_id, row.assignment_id, row.notebook_id, row.grade_id]
            writer.writerow([*fields, f"{row.score:g}", f"{row.max_score:g}"])
    with open(result.out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADES_HEADER)
        for (student_id, assignment_id), (score, max_score) in sorted(result.totals().items()):
            writer.writerow([student_id, assignment_id, f"{score:g}", f"{max_score:g}"])
    with open(result.out / "flags.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FLAGS_HEADER)
        for outcome in result.outcomes:
            for flag in outcome.flags:
                where = [outcome.student_id, outcome.assignment_id, outcome.notebook_id]
                writer.writerow([*where, flag.cell, flag.reason])


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
):
    """Autograde every submission under ``submissions``; write everything to ``out``.

    ``workers`` defaults to the number of cores; ``sandbox`` to whether
    bubblewrap works here; ``limits`` to ``Limits()``. Feedback pages show
    each failing test's message but not the hidden tests' code, unless
    ``show_hidden_tests``. With ``scheduler`` (a Dask scheduler's address,
    or ``local:N``) the submissions are graded on that cluster's workers.

    Each result is merged into the gradebook and kept in ``OUT/results/`` as
    soon as it arrives: an interrupted run (Ctrl-C, a lost scheduler) leaves
    every submission graded so far in the gradebook, and running the same
    command again grades only what is new or changed.
    """
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    limits = limits or Limits()
    workers = max(1, int(workers or os.cpu_count() or 1))
    local_sandbox = bwrap_works() if sandbox is None else sandbox
    handler = logging.FileHandler(out / "grading.log", mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    pool = None
    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            tmp = Path(tmp)
            if Path(submissions).is_file():
                submissions = unpack(submissions, tmp / "unzipped", assignment)
            found = find_submissions(submissions, assignment)
            if scheduler is None and not local_sandbox:
                warn_once_without_sandbox()
            assignments = sorted({a for _, a, _ in found})
            pool = DaskPool(scheduler, sandbox) if scheduler else LocalPool(workers)
            template = Workspace(tmp / "template")
            for assignment_id in assignments:
                template.generate(assignment_id)
            db_url = _master_gradebook(out, db_url, assignments, template, tmp)
            font_cache = write_font_cache(tmp / "matplotlib")
            template_cache = tmp / "feedback-templates"
            template_cache.mkdir()
            cells = {a: {n: graded_cells(a, n) for n in notebook_names(a)} for a in assignments}
            fingerprints = {a: release_fingerprint(a) for a in assignments}
            jobs = []
            for number, (student_id, assignment_id, folder) in enumerate(found):
                job_dir = tmp / "jobs" / f"{number:05d}"
                job_dir.mkdir(parents=True)
                job = Job(
                    student_id=student_id,
                    assignment_id=assignment_id,
                    submission=str(Path(folder).resolve()),
                    out=str(out.resolve()),
                    notebooks=cells[assignment_id],
                    template=str(template.root),
                    result=str(job_dir / "result.json"),
                    dir=str(job_dir),
                    limits=limits,
                    sandbox=local_sandbox,
                    font_cache=str(font_cache),
                    template_cache=str(template_cache),
                    show_hidden_tests=show_hidden_tests,
                )
                jobs.append(job)
            keys = {job.result: _result_key(job, fingerprints[job.assignment_id]) for job in jobs}
            results = {}
            for job in jobs:
                kept = _kept_result(job, keys[job.result])
                if kept is not None:
                    results[job.result] = kept
                    _merge(db_url, kept)
            if results:
                log.info("kept %d results of an earlier run (unchanged submissions)", len(results))
            todo = [job for job in jobs if job.result not in results]
            bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not progress)
            interrupted = None
            try:
                for job, item in pool.run(todo):
                    with _interrupt_after():  # all three or none: no half-recorded result
                        _merge(db_url, item)
                        _keep_result(job, keys[job.result], item)
                        results[job.result] = item
                    bar.set_postfix_str(f"{job.student_id}/{job.assignment_id}", refresh=False)
                    bar.update()
            except (KeyboardInterrupt, SchedulerLost, ReleaseMismatch) as error:
                interrupted = error
            finally:
                bar.close()
            result = GradingResult(
                [], [], out, sandboxed=local_sandbox, workers=workers, db_url=db_url
            )
            result.runner = pool.describe() if interrupted is None else str(interrupted)
            for job in jobs:  # in the order found: the same tables on every run
                if job.result in results:
                    _collect(result, results[job.result], cells[job.assignment_id])
            result.missing = len(jobs) - len(results)
        result.seconds = time.perf_counter() - started
        write_tables(result)
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
    finally:
        if pool is not None:
            pool.close()
        log.removeHandler(handler)
        handler.close()
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


def _result_key(job, fingerprint):
    """What a kept result depends on: the release, the submission's files, the settings."""
    digest = hashlib.sha256()
    digest.update(fingerprint.encode())
    folder = Path(job.submission)
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    settings = [dataclasses.asdict(job.limits), job.sandbox, job.show_hidden_tests]
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def _result_file(job):
    return Path(job.out) / "results" / job.student_id / f"{job.assignment_id}.json"


def _keep_result(job, key, item):
    """Store a submission's result in OUT/results, for a later run to reuse."""
    path = _result_file(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": key, "result": json.loads(item.to_json())}, indent=1))


def _kept_result(job, key):
    """An earlier run's result of this very submission under these settings, or None."""
    path = _result_file(job)
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if kept.get("key") != key:
        return None
    item = SubmissionResult.from_json(json.dumps(kept["result"]))
    pages = Path(job.out) / "feedback" / job.student_id / job.assignment_id
    if not all((pages / f"{name}.html").is_file() for name in job.notebooks):
        return None
    return item


def _collect(result, item, notebook_cells):
    """Add one SubmissionResult's outcomes and cell scores to ``result``; log what matters."""
    student_id, assignment_id = item.student_id, item.assignment_id
    for record in item.notebooks:
        name = record.notebook_id
        outcome = NotebookOutcome(
            student_id,
            assignment_id,
            name,
            record.status,
            record.reason,
            tuple(record.flags),
            tuple(record.notes),
        )
        result.outcomes.append(outcome)
        for grade_id, points in notebook_cells[name]:
            score = float(record.scores.get(grade_id, 0.0))
            result.scores.append(
                CellScore(student_id, assignment_id, name, grade_id, score, points)
            )
        where = f"{student_id}/{assignment_id}/{name}.ipynb"
        if outcome.status != Status.GRADED:
            log.warning("%s scored 0: %s", where, outcome.reason)
        for flag in outcome.flags:
            log.warning("%s flagged: %s: %s", where, flag.cell, flag.reason)
        for note in outcome.notes:
            log.info("%s: %s", where, note)
