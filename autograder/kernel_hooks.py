"""Hooks the grader installs in a student's kernel, right after the set-up cell.

This module is not imported by the kernel (the jail does not show the
``autograder`` package): :func:`hooks_cell_source` puts its source text into
the notebook, as a code cell that runs it and calls :func:`install`. It is a
real module so that it is linted and tested like the rest of the pipeline.

* **Leftover processes.** After each cell, the processes that cell left
  behind (a fork bomb's children, say) are killed and reaped, so they cannot
  use up the submission's process quota for the cells that follow.
* **Output floods.** Each cell may print at most :data:`MAX_CHARS` characters
  per stream; the rest is cut with a note.
"""

import contextlib
import sys
from pathlib import Path

import psutil

#: Characters one cell may print on stdout, and on stderr.
MAX_CHARS = 20_000


class CappedStream:
    """A text stream that passes on at most :data:`MAX_CHARS` characters per cell."""

    def __init__(self, stream, limit=MAX_CHARS):
        self._stream, self._limit, self.used = stream, limit, 0

    def write(self, text):
        room = self._limit - self.used
        self.used += len(text)
        if room > 0:
            self._stream.write(text[:room])
        if self.used > self._limit and self.used - len(text) <= self._limit:
            self._stream.write("\n[... the rest of this output was cut by the grader]\n")
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def new_cell(*_):
    """Before each cell: give both streams their full allowance again."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, CappedStream):
            stream.used = 0


def reap(*_):
    """After each cell: kill and reap every process the kernel has started (zombies count too)."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.Error):  # it may have ended on its own
            child.kill()
    psutil.wait_procs(children, timeout=5)


def install(shell):
    """Cap the kernel's output streams and register the hooks with IPython ``shell``."""
    sys.stdout = CappedStream(sys.stdout)
    sys.stderr = CappedStream(sys.stderr)
    shell.events.register("pre_run_cell", new_cell)
    shell.events.register("post_run_cell", reap)


def hooks_cell_source():
    """The code of the cell the grader adds after the set-up cell.

    It runs this module's source in a namespace of its own (nothing is added to
    the student's names) and calls :func:`install`.
    """
    source = Path(__file__).read_text(encoding="utf-8")
    return (
        "# Added by the grader (autograder/kernel_hooks.py): after each cell, end the\n"
        "# processes it left behind, and cut any cell's output beyond a limit.\n"
        '_grader_hooks = {"__name__": "autograder_kernel_hooks"}\n'
        f'exec(compile({source!r}, "autograder/kernel_hooks.py", "exec"), _grader_hooks)\n'
        '_grader_hooks["install"](get_ipython())\n'
        "del _grader_hooks\n"
    )
