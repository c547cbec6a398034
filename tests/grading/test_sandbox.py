"""The grading jail itself: a kernel started as the grader starts it, probed from inside."""

import asyncio
import os
import shutil
import socket
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.paths import COURSE_PACKAGE, REPO
from autograder.sandbox import (
    JAIL_UID_BASE,
    JailedKernelManager,
    bwrap_works,
    open_to_jail,
    write_font_cache,
)
from autograder.scan import scan

pytestmark = pytest.mark.slow

if not bwrap_works():
    if os.environ.get("CI"):
        raise RuntimeError("bubblewrap must be installed in CI (.ci/run installs it)")
    pytest.skip("bubblewrap is not installed here", allow_module_level=True)

PROBE = r"""
import os, socket, resource
report = {"uid": os.getuid(), "tmp": sorted(os.listdir("/tmp"))}
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=3).close()
    report["network"] = "reached the grader's port"
except OSError as error:
    report["network"] = f"blocked: {type(error).__name__}"
import matplotlib
report["matplotlib_cache"] = (matplotlib.get_cachedir(), sorted(os.listdir("/tmp/matplotlib")))
report["gradebook_visible"] = os.path.exists(GRADEBOOK)
report["repository_visible"] = os.path.exists(REPOSITORY)
for target in ("/etc/grader-was-here", NOTEBOOK_DIR + "/../escape.txt", "/usr/escape.txt"):
    try:
        open(target, "w").write("x")
        report[target] = "written"
    except OSError as error:
        report[target] = type(error).__name__
open("/tmp/scratch.txt", "w").write("private")
try:
    hog = bytearray(3 * 1024 ** 3)
    report["memory"] = "allocated 3 GiB"
except MemoryError:
    report["memory"] = "MemoryError"
children = []
try:
    for _ in range(400):
        pid = os.fork()
        if pid == 0:
            import time
            time.sleep(30)
            os._exit(0)
        children.append(pid)
    report["fork"] = f"forked {len(children)}"
except OSError as error:
    report["fork"] = f"stopped after {len(children)}: {type(error).__name__}"
for pid in children:
    os.kill(pid, 9)
print(report)
"""


@pytest.fixture()
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def _manager(memory_mb, processes, font_cache=""):
    """A kernel manager as nbgrader's Execute step gets it in this course (jailed)."""
    return JailedKernelManager(
        kernel_name="python3",
        sandbox=True,
        memory_mb=memory_mb,
        processes=processes,
        font_cache=str(font_cache),
    )


def _run_probe(tmp_path, port):
    """Run the probe in a kernel started for an autograded notebook of a workspace."""
    course = tmp_path / "ws" / "course"
    shutil.copytree(COURSE_PACKAGE, course)
    gradebook = tmp_path / "ws" / "gradebook.db"
    gradebook.write_text("secret")
    notebook_dir = tmp_path / "ws" / "autograded" / "student" / "01_mulaw"
    notebook_dir.mkdir(parents=True)
    for folder in (tmp_path, tmp_path / "ws"):
        os.chmod(folder, 0o755)
    open_to_jail(course)
    fonts = write_font_cache(tmp_path / "matplotlib")
    code = (
        PROBE.replace("PORT", str(port))
        .replace("GRADEBOOK", repr(str(gradebook)))
        .replace("REPOSITORY", repr(str(REPO / "solutions")))
        .replace("NOTEBOOK_DIR", repr(str(notebook_dir)))
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    manager = _manager(memory_mb=1024, processes=128, font_cache=fonts)
    client = NotebookClient(
        notebook, km=manager, timeout=240, resources={"metadata": {"path": str(notebook_dir)}}
    )
    client.execute()
    outputs = notebook.cells[0].outputs
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert text, f"the probe printed nothing: {outputs}"
    return eval(text.strip().splitlines()[-1]), notebook_dir, manager.uid  # the probe's dict


def test_jail_isolates_the_kernel(tmp_path, listener):
    """No network, no gradebook or repository, read-only system, private /tmp, limits hold."""
    report, notebook_dir, uid = _run_probe(tmp_path, listener)
    print(report)
    assert report["uid"] == uid >= JAIL_UID_BASE, report
    assert report["network"].startswith("blocked"), report
    assert report["gradebook_visible"] is False, report
    assert report["repository_visible"] is False, report
    for target, outcome in report.items():
        if target.startswith("/") or target.endswith("escape.txt"):
            assert outcome != "written", report
    assert not (notebook_dir.parent / "escape.txt").exists()
    scratch = Path("/tmp/scratch.txt")
    assert not scratch.exists() or scratch.read_text() != "private"
    assert report["memory"] == "MemoryError", report
    assert report["fork"].startswith("stopped after"), report
    cache_dir, cached = report["matplotlib_cache"]
    assert cache_dir == "/tmp/matplotlib", report
    assert any(name.startswith("fontlist-v") for name in cached), report


def test_scan_flags_what_the_jail_would_also_stop():
    """Belt and braces: the probe's tricks are refused before they run at all."""
    reasons = scan(PROBE)
    assert any("os" in r for r in reasons), reasons
    assert any("open" in r for r in reasons), reasons


FORK_UNTIL_REFUSED = """
import os, time
children = []
try:
    while len(children) < 1000:
        pid = os.fork()
        if pid == 0:
            time.sleep(120)
            os._exit(0)
        children.append(pid)
except OSError as error:
    print("refused after", len(children), type(error).__name__)
"""

START_THREADS = """
import threading
threads = [threading.Thread(target=lambda: None) for _ in range(20)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("started", len(threads), "threads")
"""


async def _run(client, code):
    """Run ``code`` in a started kernel; its stdout and error name (``""`` if none)."""
    msg_id = client.execute(code)
    out, error = [], ""
    while True:
        msg = await client.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            error = content["ename"]
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out), error


async def _bomb_and_honest(notebook_dir):
    """Start two jailed kernels; fork-bomb one, start threads in the other."""
    managers = {name: _manager(memory_mb=1024, processes=48) for name in ("bomb", "honest")}
    clients = {}
    try:
        for name, manager in managers.items():
            await manager.start_kernel(cwd=str(notebook_dir))
            clients[name] = manager.client()
            clients[name].start_channels()
            await clients[name].wait_for_ready(timeout=240)
        bombed, _ = await _run(clients["bomb"], FORK_UNTIL_REFUSED)
        honest = await _run(clients["honest"], START_THREADS)
        return bombed, honest, {name: m.uid for name, m in managers.items()}
    finally:
        for client in clients.values():
            client.stop_channels()
        for manager in managers.values():
            await manager.shutdown_kernel(now=True)


def test_one_jail_exhausting_its_processes_leaves_another_alone(tmp_path):
    """Two submissions at once: a fork bomb in one does not stop the other.

    Each jail runs as a user of its own (and in a pids cgroup of its own where
    the machine allows), so the process limit is per submission: with one
    shared user, the bomb used up everyone's quota.
    """
    notebook_dir = tmp_path / "work"
    notebook_dir.mkdir()
    os.chmod(notebook_dir, 0o777)
    os.chmod(tmp_path, 0o755)
    bombed, (out, error), uids = asyncio.run(_bomb_and_honest(notebook_dir))
    assert uids["bomb"] != uids["honest"], uids
    assert bombed.startswith("refused after"), bombed
    assert not error and out.strip() == "started 20 threads", (bombed, out, error)
