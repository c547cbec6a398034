"""The course in a real browser: JupyterLab as a student uses it, the Formgrader, a slide deck.

JupyterLab is started as ``make lab`` starts it (from ``autograder/``, with the
course's nbgrader configuration, the repository as its root) on a free
localhost port with a token; Debian's Chromium is driven through
Playwright's Python package, with the system browser as its executable. The
student works in a fresh student kit (``python -m autograder bundle``) under
``build/browser/``, so that autosaving never touches the repository's
notebooks. Screenshots land in ``build/browser/``.

Where Chromium or Playwright is missing the module is skipped, except in CI
(``CI`` set), where that is an error: ``.ci/run`` installs the browser.
"""

import functools
import http.server
import os
import secrets
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request

import nbformat
import pytest

from answers.submissions import solution_code
from autograder.bundle import bundle
from autograder.paths import BUILD, REPO
from autograder.slides import SLIDES, build_slides

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None
if CHROMIUM is None or sync_playwright is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Chromium and Playwright (.ci/run installs them)")
    pytest.skip("Chromium or Playwright is not installed here", allow_module_level=True)

HERE = BUILD / "browser"
#: The student's notebook and the exercise they answer: 01's first by default; another with
#: ``BROWSER_EXERCISE=07_outfit/outfit/greedy_one_step`` (to walk through any assignment).
ASSIGNMENT, NOTEBOOK, EXERCISE = os.environ.get(
    "BROWSER_EXERCISE", "01_mulaw/mulaw/mu_law_encode"
).split("/")
#: Chromium on a machine with no network: no background traffic, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
APP = "window.jupyterapp"
NOTEBOOK_JS = f"{APP}.shell.currentWidget"
KERNEL_IDLE = f"{NOTEBOOK_JS}.sessionContext.session?.kernel?.status === 'idle'"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    """``(base URL, token)`` of a JupyterLab started like ``make lab``, with a student kit in it."""
    if HERE.exists():
        shutil.rmtree(HERE)
    HERE.mkdir(parents=True)
    bundle(HERE / "kit")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"
    )
    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={REPO}",
            "--LabApp.expose_app_in_browser=True",
            # A workspace of its own: tabs left open by an earlier run would be restored,
            # and the commands below act on whichever notebook is current.
            f"--LabApp.workspaces_dir={HERE / 'workspaces'}",
        ],
        cwd=REPO / "autograder",
        env=env,
        stdout=(HERE / "lab.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
            break
        except OSError:
            assert server.poll() is None, (HERE / "lab.log").read_text()
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(1)
    yield base, token
    server.terminate()
    server.wait(timeout=60)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _outputs(page):
    """``{cell id: the text of its outputs}`` of the notebook open in JupyterLab."""
    cells = page.evaluate(
        f"{NOTEBOOK_JS}.content.widgets.map(c => [c.model.id, c.model.type === 'code' ? "
        "JSON.stringify(c.model.outputs.toJSON()) : ''])"
    )
    return dict(cells)


def _run_everything(page):
    """Run all cells; JupyterLab stops at an error, so go on below it until every cell ran."""
    page.evaluate(f"{APP}.commands.execute('notebook:run-all-cells')")
    for _ in range(60):
        page.wait_for_function(KERNEL_IDLE, timeout=180_000)
        page.wait_for_timeout(500)
        pending = page.evaluate(
            f"{NOTEBOOK_JS}.content.widgets.findIndex("
            "c => c.model.type === 'code' && c.model.executionCount === null)"
        )
        if pending < 0:
            return
        page.evaluate(
            f"(() => {{ {NOTEBOOK_JS}.content.activeCellIndex = {pending}; "
            f"return {APP}.commands.execute('notebook:run-all-below'); }})()"
        )
    raise AssertionError("the notebook never finished running")


def test_a_student_fills_an_exercise_and_runs_all_cells(lab, browser):
    """Typed into the kit's notebook, a correct answer passes its visible tests; the others
    stop at their NotImplementedError, and a cell that needs another exercise says which one
    (no NameError anywhere)."""
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    path = f"build/browser/kit/notebooks/{ASSIGNMENT}/{NOTEBOOK}.ipynb"
    page.goto(f"{base}/lab/tree/{path}?token={token}")
    page.wait_for_function(f"{APP} && {NOTEBOOK_JS}?.content?.widgets?.length > 5", timeout=180_000)
    page.wait_for_function(KERNEL_IDLE, timeout=180_000)
    index = page.evaluate(
        f"{NOTEBOOK_JS}.content.widgets.findIndex("
        f"c => c.model.sharedModel.getSource().startsWith('def {EXERCISE}'))"
    )
    assert index >= 0, f"no cell defines {EXERCISE}"
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(solution_code(ASSIGNMENT, NOTEBOOK)[EXERCISE])
    page.keyboard.press("Escape")
    _run_everything(page)
    page.screenshot(path=str(HERE / "notebook.png"), full_page=True)
    outputs = _outputs(page)
    assert f"{EXERCISE}: visible tests passed." in outputs[f"test_{EXERCISE}"]
    untouched = [cell for cell in outputs if cell.startswith("test_") and EXERCISE not in cell]
    assert untouched
    for cell in untouched:
        assert "NotImplementedError" in outputs[cell], f"{cell}: {outputs[cell][:300]}"
    shown = "".join(outputs.values())
    assert "This cell needs your" in shown and "NameError" not in shown
    page.close()


def test_the_formgrader_lists_the_assignments(lab, browser):
    """The Formgrader of `make lab`'s configuration loads and shows every assignment."""
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{base}/formgrader?token={token}")
    for assignment_id in sorted(p.name for p in (REPO / "solutions").iterdir()):
        page.wait_for_selector(f"text={assignment_id}", timeout=120_000)
    page.screenshot(path=str(HERE / "formgrader.png"))
    page.close()


@pytest.fixture(scope="module")
def slides_server():
    """The decks' folder, with a fresh deck of the assignment walked through, on localhost."""
    HERE.mkdir(parents=True, exist_ok=True)
    build_slides([ASSIGNMENT])
    handler = functools.partial(_QuietHandler, directory=str(SLIDES))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


def _title(assignment_id, notebook_id):
    """The lecture's title: the first heading of its source notebook, without the #."""
    notebook = nbformat.read(REPO / "solutions" / assignment_id / f"{notebook_id}.ipynb", 4)
    lines = (
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
    )
    return next(line.lstrip("#").strip() for line in lines if line.startswith("#"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_):
        pass


def test_a_slide_deck_opens_offline(browser, slides_server):
    """A lecture deck renders with its local reveal.js: the title slide shows, nothing missing."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{slides_server}/{ASSIGNMENT}.slides.html")
    page.wait_for_selector(".reveal .slides section.present", timeout=120_000)
    assert _title(ASSIGNMENT, NOTEBOOK) in page.inner_text(".reveal .slides section.present")
    page.screenshot(path=str(HERE / "slides.png"))
    assert not missing, f"the deck could not load {missing}"
    page.close()
