"""Grade one student's assignment in a private copy of the course workspace.

Run by ``grade`` in a process of its own per submission (forked from a
server that has already imported nbgrader; ``python -m autograder.worker
JOB.json`` does the same by hand), so that a submission that crashes or
exhausts its worker harms no one else. The worker

1. copies the template workspace (gradebook, source and release) into its own
   temporary folder: no two workers ever share a gradebook file;
2. puts each submitted notebook where nbgrader expects it (a readable
   notebook, under its name);
3. runs nbgrader's ``autograde`` and ``generate_feedback`` with the course's
   chain (``autograder.settings``): the notebook rebuilt from the release
   and scanned (``autograder.rebuild``), its kernel jailed
   (``autograder.sandbox``), the hidden tests left out of the feedback;
4. writes a :class:`~autograder.records.SubmissionResult` (scores, reasons,
   flags) to the result file named in the :class:`~autograder.records.Job`,
   and the feedback pages and graded notebooks under the output folder.

The parent merges the results into the class's gradebook.
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from traitlets.config import Config

from autograder.feedback import failure_page, feedback_config
from autograder.log import configure_logging
from autograder.rebuild import flags_and_notes
from autograder.records import Job, NotebookRecord, Status, SubmissionResult
from autograder.sandbox import open_to_jail, warn_once_without_sandbox
from autograder.settings import apply_grading
from autograder.workspace import Workspace


def _find_notebook(folder, name, expected):
    """The submitted file for notebook ``name``, and a note if it was misnamed.

    A student who renamed the only notebook (``mulaw (1).ipynb``, say) is
    still graded, with a note, if nothing else could have been meant.
    """
    path = folder / f"{name}.ipynb"
    if path.is_file():
        return path, ""
    others = [p for p in sorted(folder.glob("*.ipynb")) if p.stem not in expected and p.is_file()]
    if len(expected) == 1 and len(others) == 1:
        return others[0], f"graded {others[0].name} as {name}.ipynb (misnamed)"
    return path, ""


def _read_submission(path, record):
    """The submitted notebook, or None with ``record`` marked missing or failed (and why)."""
    if not path.is_file():
        record.status, record.reason = Status.MISSING, "the notebook was not submitted"
        return None
    try:
        notebook = nbformat.read(path, as_version=4)
        if not isinstance(notebook.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as error:  # any unreadable file scores zero, whatever the reason
        text = str(error).strip().splitlines()
        detail = f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__
        record.status = Status.FAILED
        record.reason = f"the file is not a valid notebook ({detail})"
        return None
    return notebook


def grading_config(job):
    """nbgrader config of one job: the course's grading chain under the job's limits."""
    config = apply_grading(Config(), job.limits, job.sandbox, job.show_hidden_tests)
    config.JailedKernelManager.font_cache = job.font_cache
    config.merge(feedback_config(job.template_cache))
    return config


def grade_one(job):
    """Grade the submission described by the :class:`Job` ``job``; return its result."""
    started = time.perf_counter()
    if not job.sandbox:
        warn_once_without_sandbox()
    private = Path(tempfile.mkdtemp(prefix="grade-one-"))
    try:
        root = private / "workspace"
        workspace = Workspace(root, template=Path(job.template), extra_config=grading_config(job))
        for folder in (private, root):
            os.chmod(folder, 0o755)
        open_to_jail(root / "course")
        result = _grade(workspace, job)
    finally:
        # AUTOGRADER_KEEP=1 keeps the private workspace, to debug one submission.
        if not os.environ.get("AUTOGRADER_KEEP"):
            shutil.rmtree(private, ignore_errors=True)
    result.seconds = round(time.perf_counter() - started, 3)
    result.sandboxed = bool(job.sandbox)
    return result


def _why_nbgrader_failed(result):
    """One line on why nbgrader produced no graded notebook."""
    error = (result.get("error") or "").strip().splitlines()
    last = error[-1][:300] if error else ""
    if "DeadKernelError" in (result.get("log") or "") + (result.get("error") or ""):
        last = "the kernel died (a crash, os._exit, or a limit was hit)"
    return "nbgrader could not run it" + (f" ({last})" if last else "")


def _grade(workspace, job):
    student_id, assignment_id = job.student_id, job.assignment_id
    submitted = workspace.path("submitted", student_id, assignment_id)
    submitted.mkdir(parents=True)
    records = {}
    for name in job.notebooks:
        record = records[name] = NotebookRecord(name)
        path, renamed = _find_notebook(Path(job.submission), name, set(job.notebooks))
        record.notes += [renamed] if renamed else []
        if _read_submission(path, record) is not None:
            shutil.copyfile(path, submitted / f"{name}.ipynb")

    def runnable():
        return [r for r in records.values() if r.status == Status.GRADED]

    if runnable():
        result = workspace.api.autograde(assignment_id, student_id, force=True, create=True)
        if not result["success"]:
            print(result.get("log", ""), result.get("error", ""), file=sys.stderr)
        autograded = workspace.path("autograded", student_id, assignment_id)
        for record in runnable():
            graded = autograded / f"{record.notebook_id}.ipynb"
            if not graded.is_file():
                record.status, record.reason = Status.FAILED, _why_nbgrader_failed(result)
                continue
            record.flags, notes = flags_and_notes(nbformat.read(graded, as_version=4))
            record.notes += notes
        if runnable():
            workspace.api.generate_feedback(assignment_id, student_id, force=True)

    out = Path(job.out)
    with Gradebook(workspace.db_url) as gradebook:
        for name, record in records.items():
            cells = job.notebooks[name]
            page = out / "feedback" / student_id / assignment_id / f"{name}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            if record.status != Status.GRADED:
                record.give_zero(record.status, record.reason, cells)
                page.write_text(
                    failure_page(student_id, assignment_id, name, record.reason, cells),
                    encoding="utf-8",
                )
                continue
            for grade_id, _ in cells:
                try:
                    grade = gradebook.find_grade(grade_id, name, assignment_id, student_id)
                    record.scores[grade_id] = float(grade.score or 0.0)
                except MissingEntry:
                    record.scores[grade_id] = 0.0
            generated = workspace.path("feedback", student_id, assignment_id) / f"{name}.html"
            if generated.is_file():
                shutil.copyfile(generated, page)
            graded_copy = out / "autograded" / student_id / assignment_id / f"{name}.ipynb"
            graded_copy.parent.mkdir(parents=True, exist_ok=True)
            source = workspace.path("autograded", student_id, assignment_id) / f"{name}.ipynb"
            shutil.copyfile(source, graded_copy)
    return SubmissionResult(student_id, assignment_id, list(records.values()))


def run_job_file(job_file, log_file=None):
    """Grade the job in ``job_file`` and write its result file; the worker's body.

    Called in a fresh process per submission: as ``python -m autograder.worker
    JOB.json``, or forked by ``grade`` from a server that has already imported
    nbgrader (which saves each submission seconds of start-up).
    """
    os.setsid()  # its own process group, so that a timeout ends everything it started
    if log_file is not None:
        handle = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(handle, 1)  # the kernel's own chatter too
        os.dup2(handle, 2)
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 (lives as long as the process)
    job = Job.from_json(Path(job_file).read_text())
    configure_logging(verbose=job.verbose)
    result = grade_one(job)
    Path(job.result).write_text(result.to_json())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    run_job_file(argv[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
