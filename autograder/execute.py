"""Reading and running notebooks top to bottom in a fresh kernel (tests, slides, benchmarks)."""

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run_notebook(notebook, cwd, allow_errors=False, extra_env=None, timeout=300):
    """Execute ``notebook`` (a NotebookNode) with ``cwd`` as working folder; return it.

    The kernel gets this Python's environment minus ``PYTHONPATH``, so it finds
    ``course`` only the way a student's kernel would: by the set-up cell's
    search upwards from ``cwd``.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(extra_env or {})
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env)
    return notebook


def errors(notebook):
    """``[(cell id, error name, message)]`` of every error output in ``notebook``."""
    return [
        (cell.get("id"), out.ename, out.evalue)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


def read(path):
    return nbformat.read(path, as_version=4)
