"""How long each assignment takes: the solution notebook run top to bottom, and
the solution graded by the pipeline (nbgrader autograde with hidden tests).

    .venv/bin/python -m tests.benchmarks.bench_notebooks

Prints a table and writes build/bench/notebooks.json. Targets (this course's
promise, on a 2-core machine): under 60 s to run, under 20 s to autograde;
07_outfit, which trains a graph network, has its issue's wider budget
(``TARGETS``); 04_perceptual's fast style network ships as a checkpoint, so 04
keeps the common 60 s.
"""

import tempfile
import time
from pathlib import Path

from answers.submissions import solution, write_submission
from autograder.execute import errors, read, run_notebook
from autograder.grade import grade
from autograder.log import configure_logging
from autograder.paths import SOLUTIONS, assignment_ids, notebook_names
from autograder.workspace import Workspace
from tests.benchmarks.results import write_result

#: Seconds (to run top to bottom, to autograde) each assignment is promised to take.
DEFAULT_TARGET = (60, 20)
TARGETS = {"07_outfit": (120, 30)}


def time_run(path):
    start = time.perf_counter()
    notebook = run_notebook(read(path), cwd=path.parent)
    elapsed = time.perf_counter() - start
    if errors(notebook):
        raise SystemExit(f"{path} failed: {errors(notebook)}")
    return elapsed


def time_autograde(assignment_id):
    """Seconds nbgrader's autograde takes on the solution (release and feedback excluded)."""
    with tempfile.TemporaryDirectory() as tmp:
        names = notebook_names(assignment_id)
        workspace = Workspace(Path(tmp) / "ws")
        workspace.generate(assignment_id)
        # the workspace's submitted folder is in the layout `grade` takes as well
        submitted = workspace.path("submitted", "s", assignment_id).parents[1]
        write_submission(
            submitted, "s", assignment_id, {n: solution(assignment_id, n) for n in names}
        )
        start = time.perf_counter()
        result = workspace.api.autograde(assignment_id, "s", force=True, create=True)
        elapsed = time.perf_counter() - start
        if not result["success"]:
            raise SystemExit(f"autograde failed: {result['log']}")
        # and the whole pipeline (release + autograde + feedback) for one student
        start = time.perf_counter()
        grade(submitted, Path(tmp) / "out")
        return elapsed, time.perf_counter() - start


def main():
    configure_logging()
    rows = []
    for assignment_id in assignment_ids():
        for name in notebook_names(assignment_id):
            run_s = time_run(SOLUTIONS / assignment_id / f"{name}.ipynb")
            autograde_s, pipeline_s = time_autograde(assignment_id)
            rows.append(
                {
                    "assignment": assignment_id,
                    "notebook": name,
                    "run_s": round(run_s, 2),
                    "autograde_s": round(autograde_s, 2),
                    "pipeline_one_student_s": round(pipeline_s, 2),
                    "target_run_s": TARGETS.get(assignment_id, DEFAULT_TARGET)[0],
                    "target_autograde_s": TARGETS.get(assignment_id, DEFAULT_TARGET)[1],
                }
            )
    width = max(len("assignment"), *(len(row["assignment"]) for row in rows))
    print(
        f"{'assignment':<{width}} {'run (s)':>8} {'autograde (s)':>14}"
        f" {'grade cmd, 1 student (s)':>25} {'targets (s)':>12}"
    )
    for row in rows:
        print(
            f"{row['assignment']:<{width}} {row['run_s']:>8.1f} {row['autograde_s']:>14.1f}"
            f" {row['pipeline_one_student_s']:>25.1f}"
            f" {row['target_run_s']:>6} / {row['target_autograde_s']:<3}"
        )
    write_result("notebooks", rows)


if __name__ == "__main__":
    main()
