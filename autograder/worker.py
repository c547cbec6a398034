"""Grade one student's assignment in a private copy of the course workspace.

Run by ``grade`` in a process of its own per submission (forked from a
server that has already imported nbgrader; ``python -m autograder.worker
JOB.json`` does the same by hand), so that a submission that crashes or
exhausts its worker harms no one else. The worker

1. copies the template workspace (gradebook, source and release) into its own
   temporary folder: no two workers ever share a gradebook file;
2. rebuilds each submitted notebook from the release (``autograder.rebuild``);
3. runs nbgrader's ``autograde`` with the kernel in the sandbox
   (``autograder.sandbox``), then ``generate_feedback``;
4. writes a :class:`~autograder.records.SubmissionResult` (scores, reasons,
   flags) to the result file named in the :class:`~autograder.records.Job`,
   and the feedback pages and graded notebooks under the output folder.

The parent merges the results into the class's gradebook.
"""

import html
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from traitlets.config import Config

from autograder.feedback import feedback_config
from autograder.log import configure_logging
from autograder.rebuild import rebuild
from autograder.records import Job, NotebookRecord, Status, SubmissionResult
from autograder.sandbox import (
    install_kernelspec,
    kernel_argv,
    open_to_jail,
    process_group_limit,
    warn_once_without_sandbox,
)
from autograder.workspace import Workspace


def failure_page(student_id, assignment_id, notebook_id, reason, cells):
    """A feedback page for a notebook that could not be graded: every test at 0."""
    rows = "".join(
        f"<tr><td>{html.escape(grade_id)}</td><td>0 / {points:g}</td></tr>"
        for grade_id, points in cells
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(notebook_id)}: not graded</title></head><body>"
        f"<h1>{html.escape(assignment_id)} / {html.escape(notebook_id)}.ipynb</h1>"
        f"<p>Student: {html.escape(student_id)}</p>"
        f"<p><strong>This notebook could not be graded:</strong> {html.escape(reason)}.</p>"
        "<p>Every test below scores zero. Fix the problem and resubmit, "
        "or ask your instructor.</p>"
        f"<table><tr><th>test</th><th>score</th></tr>{rows}</table></body></html>"
    )


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


def _sandbox_config(root, notebook_dir, limits, sandbox, private, font_cache):
    """Point Jupyter at a jailed ``python3`` kernel for this submission."""
    ipc = private / "ipc"
    ipc.mkdir()
    os.chmod(private, 0o755)
    os.chmod(ipc, 0o777)
    matplotlib_dir = None
    if font_cache is not None and Path(font_cache).is_dir():
        matplotlib_dir = private / "matplotlib"
        shutil.copytree(font_cache, matplotlib_dir)
        open_to_jail(matplotlib_dir, writable=[matplotlib_dir])
    argv = kernel_argv(notebook_dir, [root / "course"], ipc, limits, sandbox, matplotlib_dir)
    install_kernelspec(private / "jupyter", argv)
    os.environ["JUPYTER_PATH"] = str(private / "jupyter")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(ipc)
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(ipc / "kernel")
    config.Execute.timeout = limits.cell_timeout_s
    # A cell over its time limit is interrupted (its test fails) and grading
    # goes on with the next cell, instead of the whole notebook failing.
    config.Execute.interrupt_on_timeout = True
    config.LimitOutput.max_lines = limits.output_lines
    config.LimitOutput.max_traceback = 100
    return config


def grade_one(job):
    """Grade the submission described by the :class:`Job` ``job``; return its result."""
    started = time.perf_counter()
    limits = job.limits
    if not job.sandbox:
        warn_once_without_sandbox()
    private = Path(tempfile.mkdtemp(prefix="grade-one-"))
    try:
        with process_group_limit(limits.processes):
            root = private / "workspace"
            notebook_dir = root / "autograded" / job.student_id / job.assignment_id
            extra = _sandbox_config(
                root, notebook_dir, limits, job.sandbox, private, job.font_cache or None
            )
            extra.merge(feedback_config(job.template_cache, job.show_hidden_tests))
            workspace = Workspace(root, template=Path(job.template), extra_config=extra)
            os.chmod(root, 0o755)
            open_to_jail(root / "course")
            result = _grade(workspace, job)
    finally:
        # AUTOGRADER_KEEP=1 keeps the private workspace, to debug one submission.
        if not os.environ.get("AUTOGRADER_KEEP"):
            shutil.rmtree(private, ignore_errors=True)
    result.seconds = round(time.perf_counter() - started, 3)
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
    released = workspace.path("release", ".", assignment_id)
    submitted = workspace.path("submitted", student_id, assignment_id)
    submitted.mkdir(parents=True)
    records = {}
    for name in job.notebooks:
        record = records[name] = NotebookRecord(name)
        path, renamed = _find_notebook(Path(job.submission), name, set(job.notebooks))
        record.notes += [renamed] if renamed else []
        notebook = _read_submission(path, record)
        if notebook is not None:
            skeleton = nbformat.read(released / f"{name}.ipynb", as_version=4)
            graded, record.flags, notes = rebuild(skeleton, notebook)
            record.notes += notes
            nbformat.write(graded, submitted / f"{name}.ipynb")

    def runnable():
        return [r for r in records.values() if r.status == Status.GRADED]

    if runnable():
        result = workspace.api.autograde(assignment_id, student_id, force=True, create=True)
        if not result["success"]:
            print(result.get("log", ""), result.get("error", ""), file=sys.stderr)
        autograded = workspace.path("autograded", student_id, assignment_id)
        for record in runnable():
            if not (autograded / f"{record.notebook_id}.ipynb").is_file():
                record.status, record.reason = Status.FAILED, _why_nbgrader_failed(result)
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
