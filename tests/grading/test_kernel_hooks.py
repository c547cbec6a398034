"""The hooks the grader runs in a student's kernel (``autograder/kernel_hooks.py``)."""

import io
import subprocess
import sys

from autograder import kernel_hooks
from autograder.kernel_hooks import CappedStream, hooks_cell_source, new_cell
from autograder.paths import REPO


def test_capped_stream_passes_the_limit_then_one_note():
    """A cell's output beyond the limit is cut, once, with a note; the next cell starts afresh."""
    sink = io.StringIO()
    stream = CappedStream(sink, limit=10)
    for _ in range(5):
        assert stream.write("abcd") == 4  # a writer always hears that all was written
    assert sink.getvalue().startswith("abcdabcdab\n[... the rest of this output was cut")
    assert sink.getvalue().count("cut by the grader") == 1
    stream.used = 0
    stream.write("xy")
    assert sink.getvalue().endswith("xy")
    assert stream.getvalue() == sink.getvalue()  # everything else passes through


def test_new_cell_resets_the_capped_streams(monkeypatch):
    """Before each cell both streams get their full allowance again."""
    out, err = CappedStream(io.StringIO()), CappedStream(io.StringIO())
    out.used, err.used = 123, 456
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    new_cell()
    assert out.used == err.used == 0


_REAP_IN_A_KERNEL_LIKE_PROCESS = """
import subprocess, sys, time
from autograder.kernel_hooks import reap
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
reap()
time.sleep(0.1)
print("ended" if child.poll() is not None else "alive")
"""


def test_reap_ends_the_processes_a_cell_left_behind():
    """A child left running by a cell is killed and reaped after the cell.

    ``reap`` kills every child of the process it runs in, so it runs in a
    process of its own here: in pytest's it would end pytest's helpers too.
    """
    run = subprocess.run(
        [sys.executable, "-c", _REAP_IN_A_KERNEL_LIKE_PROCESS],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=REPO,
    )
    assert run.stdout.strip() == "ended", run.stderr


def test_hooks_cell_installs_the_hooks_without_adding_names():
    """The grader's cell runs this module in a namespace of its own and registers both hooks."""

    class Events:
        def __init__(self):
            self.registered = []

        def register(self, event, function):
            self.registered.append((event, function.__name__))

    class Shell:
        events = Events()

    namespace = {"get_ipython": lambda: Shell}
    stdout, stderr = sys.stdout, sys.stderr
    try:
        exec(compile(hooks_cell_source(), "hooks-cell", "exec"), namespace)
        assert type(sys.stdout).__name__ == "CappedStream"
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    assert Shell.events.registered == [("pre_run_cell", "new_cell"), ("post_run_cell", "reap")]
    assert set(namespace) == {"get_ipython", "__builtins__"}
    assert kernel_hooks.MAX_CHARS == 20_000
