"""The names a release's cells bind and read, found without ``autograder.scan``'s parser.

Independent oracles for the grading tests: the names a set-up cell binds are
found by *running* it (all assignments in one subprocess), the names a test
cell reads without binding them by asking Python's own compiler
(``symtable``).
"""

import functools
import json
import subprocess
import symtable
import sys

import nbformat

from autograder.paths import NOTEBOOKS, REPO, SOLUTIONS, assignment_ids, notebook_names

_RUN_SETUPS = """
import json, os, sys
os.environ["MPLBACKEND"] = "Agg"
found = {}
for assignment_id, code in json.loads(sys.stdin.read()).items():
    namespace = {}
    exec(compile(code, assignment_id, "exec"), namespace)
    found[assignment_id] = sorted(set(namespace) - {"__builtins__"})
print(json.dumps(found))
"""


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def cells(folder, assignment_id):
    """The cells of the assignment's (first) notebook in ``folder`` (NOTEBOOKS or SOLUTIONS)."""
    notebook_id = notebook_names(assignment_id)[0]
    return nbformat.read(folder / assignment_id / f"{notebook_id}.ipynb", as_version=4).cells


def setup_code(assignment_id):
    return next(
        c.source for c in cells(NOTEBOOKS, assignment_id) if _meta(c).get("grade_id") == "setup"
    )


@functools.cache
def names_bound_by_setup():
    """``{assignment_id: names its set-up cell leaves in the namespace}``, by running them."""
    codes = {a: setup_code(a) for a in assignment_ids()}
    done = subprocess.run(
        [sys.executable, "-c", _RUN_SETUPS],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        cwd=REPO / "notebooks",
        check=True,
    )
    return {a: frozenset(names) for a, names in json.loads(done.stdout).items()}


def compiler_free_reads(code):
    """Names ``code`` reads from its module namespace without binding them, per ``symtable``."""
    free = set()

    def visit(table, top):
        for symbol in table.get_symbols():
            bound = symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()
            if (top and symbol.is_referenced() and not bound) or (
                not top
                and symbol.is_global()
                and symbol.is_referenced()
                and not symbol.is_declared_global()
            ):
                free.add(symbol.get_name())
        for child in table.get_children():
            visit(child, False)

    table = symtable.symtable(code, "<test cell>", "exec")
    visit(table, True)
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    return free - bound


def source_tests(assignment_id):
    """``{grade_id: code}`` of the test cells, hidden tests included (the source notebook)."""
    return {
        _meta(c)["grade_id"]: c.source
        for c in cells(SOLUTIONS, assignment_id)
        if _meta(c).get("grade") and not _meta(c).get("solution")
    }


def exercises(assignment_id):
    """Grade ids of the solution cells (each the name of the function it defines)."""
    return [
        _meta(c)["grade_id"] for c in cells(NOTEBOOKS, assignment_id) if _meta(c).get("solution")
    ]
