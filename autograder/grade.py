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
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from tqdm.auto import tqdm
from traitlets.config import Config

from autograder.intake import unpack
from autograder.log import log
from autograder.paths import SOLUTIONS, assignment_ids, notebook_names
from autograder.records import Job, Status, SubmissionResult
from autograder.report import write_report
from autograder.sandbox import bwrap_works, warn_once_without_sandbox, write_font_cache
from autograder.settings import Limits
from autograder.worker import failure_page
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
        return (
            f"graded {len(self.totals())} submissions ({len(self.outcomes)} notebooks) "
            f"in {self.seconds:.1f} s with {self.workers} workers, {isolation}: "
            f"{len(self.outcomes) - len(failed)} notebooks graded, {len(failed)} failed or "
            f"missing, {len(self.flagged())} flagged for the instructor"
        )


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


def _worker_context():
    """Processes forked from a server that has imported the worker's modules once.

    Each submission still gets a process of its own (forked, so its state is
    private and dies with it), without paying seconds of imports each time.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.worker"])
    multiprocessing.forkserver.ensure_running()  # start importing now, in the background
    return context


def _run_worker(job, timeout_s, context):
    """Run one worker process; return ``(SubmissionResult, "")`` or ``(None, why it failed)``."""
    from autograder.worker import run_job_file

    job_file = job.write()
    log_file = Path(job.dir) / "worker.log"
    log_file.touch()
    process = context.Process(target=run_job_file, args=(str(job_file), str(log_file)))
    process.start()
    process.join(timeout_s)
    timed_out = process.is_alive()
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)  # the worker and all it started
    process.join()
    if timed_out:
        return None, f"grading took longer than the limit of {timeout_s} s"
    result_file = Path(job.result)
    if process.exitcode == 0 and result_file.is_file():
        return SubmissionResult.from_json(result_file.read_text()), ""
    tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] or [""]
    return None, f"the grading worker failed (exit {process.exitcode}): {tail[0][:300]}"


def _failed_result(job, reason):
    """The result of a submission whose worker failed: every notebook at zero, a page each."""
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
):
    """Autograde every submission under ``submissions``; write everything to ``out``.

    ``workers`` defaults to the number of cores; ``sandbox`` to whether
    bubblewrap works here; ``limits`` to ``Limits()``. Feedback pages show
    each failing test's message but not the hidden tests' code, unless
    ``show_hidden_tests``.
    """
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    limits = limits or Limits()
    workers = max(1, int(workers or os.cpu_count() or 1))
    sandbox = bwrap_works() if sandbox is None else sandbox
    handler = logging.FileHandler(out / "grading.log", mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            tmp = Path(tmp)
            if Path(submissions).is_file():
                submissions = unpack(submissions, tmp / "unzipped", assignment)
            found = find_submissions(submissions, assignment)
            if not sandbox:
                warn_once_without_sandbox()
            assignments = sorted({a for _, a, _ in found})
            context = _worker_context()  # its imports run while the template is made
            template = Workspace(tmp / "template")
            for assignment_id in assignments:
                template.generate(assignment_id)
            db_url = _master_gradebook(out, db_url, assignments, template, tmp)
            font_cache = write_font_cache(tmp / "matplotlib")
            template_cache = tmp / "feedback-templates"
            template_cache.mkdir()
            cells = {a: {n: graded_cells(a, n) for n in notebook_names(a)} for a in assignments}
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
                    sandbox=sandbox,
                    font_cache=str(font_cache),
                    template_cache=str(template_cache),
                    show_hidden_tests=show_hidden_tests,
                )
                jobs.append(job)
            results = _run_all(jobs, workers, limits, progress, context)
            result = GradingResult([], [], out, sandboxed=sandbox, workers=workers, db_url=db_url)
            for job in jobs:  # in the order found: the same tables on every run
                item = results[job.result]
                _merge(db_url, item)
                _collect(result, item, cells[job.assignment_id])
        result.seconds = time.perf_counter() - started
        write_tables(result)
        write_report(result)
    finally:
        log.removeHandler(handler)
        handler.close()
    return result


def _run_all(jobs, workers, limits, progress, context):
    """Run every job on ``workers`` processes at once; ``{result path: SubmissionResult}``."""
    results = {}

    def run(job):
        timeout = limits.notebook_timeout_s * len(job.notebooks) + 120
        item, reason = _run_worker(job, timeout, context)
        if item is None:
            log.warning("%s/%s: %s", job.student_id, job.assignment_id, reason)
            item = _failed_result(job, reason)
        if any(record.status == Status.FAILED for record in item.notebooks):
            # keep nbgrader's own account of what went wrong next to the grades
            logs = Path(job.out) / "logs"
            logs.mkdir(exist_ok=True)
            name = f"{job.student_id}_{job.assignment_id}.log"
            shutil.copyfile(Path(job.dir) / "worker.log", logs / name)
        return job, item

    bar = tqdm(total=len(jobs), desc="grading", unit="submission", disable=not progress)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(run, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                job, item = future.result()
            except Exception as error:  # a grader bug must not lose the class's grades
                log.exception("grading %s/%s failed", job.student_id, job.assignment_id)
                item = _failed_result(job, f"the grader failed ({type(error).__name__}: {error})")
            results[job.result] = item
            bar.set_postfix_str(f"{job.student_id}/{job.assignment_id}", refresh=False)
            bar.update()
    bar.close()
    return results


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
