"""``grade``: autograde a class's submissions with nbgrader and write grades and feedback.

Input layout (nbgrader's "submitted" layout)::

    SUBMISSIONS/<student_id>/<assignment_id>/<notebook>.ipynb

Output::

    OUT/grades.csv     student_id,assignment_id,score,max_score
    OUT/scores.csv     student_id,assignment_id,notebook_id,grade_id,score,max_score
    OUT/feedback/<student_id>/<assignment_id>/<notebook>.html
    OUT/grading.log    what happened to each submission, and why a score is zero

A notebook that cannot be graded (missing, not valid JSON, its kernel died)
still gets its rows, with score 0, a feedback page that says why, and the
reason in the log; the run carries on with the next one.
"""

import csv
import html
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.paths import SOLUTIONS, assignment_ids, notebook_names
from autograder.workspace import Workspace, log

GRADES_HEADER = ["student_id", "assignment_id", "score", "max_score"]
SCORES_HEADER = ["student_id", "assignment_id", "notebook_id", "grade_id", "score", "max_score"]


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
    """How grading one notebook went: ``graded``, ``missing`` or ``failed`` (with why)."""

    student_id: str
    assignment_id: str
    notebook_id: str
    status: str
    reason: str = ""


@dataclass
class GradingResult:
    """Everything one run of ``grade`` produced."""

    scores: list
    outcomes: list
    out: Path

    def totals(self):
        """``{(student_id, assignment_id): (score, max_score)}`` summed over cells."""
        totals = {}
        for row in self.scores:
            key = (row.student_id, row.assignment_id)
            score, max_score = totals.get(key, (0.0, 0.0))
            totals[key] = (score + row.score, max_score + row.max_score)
        return totals


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
        raise ValueError(f"SUBMISSIONS must be a folder, got {str(submissions)!r}")
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


def _check_notebook(path):
    """Why the notebook at ``path`` cannot be graded, or ``""`` if it can be read."""
    if not path.is_file():
        return "the notebook was not submitted"
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # any unreadable file scores zero, whatever the reason
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return f"the file is not a valid notebook ({type(error).__name__}: {first_line[:200]})"
    return ""


def _failure_page(student_id, assignment_id, notebook_id, reason, cells):
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


def _autograde_one(workspace, student_id, assignment_id, folder, out):
    """Grade one student's assignment; returns (cell scores, notebook outcomes)."""
    names = notebook_names(assignment_id)
    submitted = workspace.path("submitted", student_id, assignment_id)
    shutil.copytree(folder, submitted, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))

    problems = {name: _check_notebook(submitted / f"{name}.ipynb") for name in names}
    for name, problem in problems.items():
        if problem and (submitted / f"{name}.ipynb").exists():
            (submitted / f"{name}.ipynb").unlink()  # nbgrader then scores it as missing

    if not all(problems.values()):
        result = workspace.api.autograde(assignment_id, student_id, force=True, create=True)
        autograded = workspace.path("autograded", student_id, assignment_id)
        for name in names:
            if problems[name] or (autograded / f"{name}.ipynb").is_file():
                continue
            error = (result.get("error") or "").strip().splitlines()
            problems[name] = "nbgrader could not run it" + (
                f" ({error[-1][:300]})" if error else ""
            )
        if not result["success"]:
            log.warning(
                "nbgrader reported a problem for %s/%s:\n%s",
                student_id,
                assignment_id,
                result.get("log", ""),
            )
        if any(not problems[name] for name in names):
            feedback = workspace.api.generate_feedback(assignment_id, student_id, force=True)
            if not feedback["success"]:
                log.warning(
                    "feedback for %s/%s failed:\n%s", student_id, assignment_id, feedback["log"]
                )

    scores, outcomes = [], []
    with Gradebook(workspace.db_url) as gradebook:
        for name in names:
            cells = graded_cells(assignment_id, name)
            page = out / "feedback" / student_id / assignment_id / f"{name}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            if problems[name]:
                status = "missing" if "not submitted" in problems[name] else "failed"
                outcomes.append(
                    NotebookOutcome(student_id, assignment_id, name, status, problems[name])
                )
                scores += [
                    CellScore(student_id, assignment_id, name, grade_id, 0.0, points)
                    for grade_id, points in cells
                ]
                page.write_text(
                    _failure_page(student_id, assignment_id, name, problems[name], cells),
                    encoding="utf-8",
                )
                continue
            outcomes.append(NotebookOutcome(student_id, assignment_id, name, "graded"))
            for grade_id, points in cells:
                try:
                    grade = gradebook.find_grade(grade_id, name, assignment_id, student_id)
                    score = float(grade.score or 0.0)
                except MissingEntry:
                    score = 0.0
                scores.append(CellScore(student_id, assignment_id, name, grade_id, score, points))
            generated = workspace.path("feedback", student_id, assignment_id) / f"{name}.html"
            if generated.is_file():
                shutil.copyfile(generated, page)
            else:
                page.write_text(
                    _failure_page(
                        student_id, assignment_id, name, "the feedback page failed", cells
                    ),
                    encoding="utf-8",
                )
    return scores, outcomes


def write_tables(result):
    """Write ``grades.csv`` and ``scores.csv`` of ``result`` into ``result.out``."""
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


def grade(submissions, out, assignment=None):
    """Autograde every submission under ``submissions``; write tables and feedback to ``out``."""
    found = find_submissions(submissions, assignment)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "grading.log", mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    result = GradingResult(scores=[], outcomes=[], out=out)
    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            workspace = Workspace(Path(tmp))
            for assignment_id in sorted({a for _, a, _ in found}):
                workspace.generate(assignment_id)
            for student_id, assignment_id, folder in found:
                log.info("grading %s/%s", student_id, assignment_id)
                try:
                    scores, outcomes = _autograde_one(
                        workspace, student_id, assignment_id, folder, out
                    )
                except Exception as error:  # one broken submission must not stop the class
                    log.exception("grading %s/%s crashed", student_id, assignment_id)
                    scores, outcomes = _zero_rows(student_id, assignment_id, out, error)
                result.scores += scores
                result.outcomes += outcomes
                for outcome in outcomes:
                    if outcome.status != "graded":
                        log.warning(
                            "%s/%s/%s.ipynb scored 0: %s",
                            student_id,
                            assignment_id,
                            outcome.notebook_id,
                            outcome.reason,
                        )
        write_tables(result)
    finally:
        log.removeHandler(handler)
        handler.close()
    return result


def _zero_rows(student_id, assignment_id, out, error):
    """Rows of zeros (and pages that say why) for an assignment whose grading crashed."""
    reason = f"the grader failed on this submission ({type(error).__name__}: {error})"
    scores, outcomes = [], []
    for name in notebook_names(assignment_id):
        cells = graded_cells(assignment_id, name)
        scores += [
            CellScore(student_id, assignment_id, name, grade_id, 0.0, points)
            for grade_id, points in cells
        ]
        outcomes.append(NotebookOutcome(student_id, assignment_id, name, "failed", reason))
        page = out / "feedback" / student_id / assignment_id / f"{name}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(
            _failure_page(student_id, assignment_id, name, reason, cells), encoding="utf-8"
        )
    return scores, outcomes
