"""``slides``: each solution notebook as a reveal.js lecture deck, executed, without the tests.

``make slides`` (``python -m autograder slides [ID ...]``) runs every source
notebook top to bottom (full budgets, so the figures are the real ones),
leaves out what a lecture never shows (the set-up cell, every graded test
cell, hidden tests, nbgrader's solution markers, cells marked ``skip``) and
exports the rest with nbconvert's reveal.js template to
``build/slides/<id>.slides.html``. The cells' ``slideshow`` metadata decides
the flow: ``slide`` for each section, ``subslide`` for exercises and long
derivations, ``fragment``, and ``notes`` for what the lecturer says (shown in
reveal.js's speaker view, key ``s``).

The decks load reveal.js, RequireJS, jQuery and MathJax from ``build/slides/vendor/``
when ``make slides`` has put them there (from the npm registry), so they work
without a network; otherwise from the public CDNs nbconvert uses.
"""

import copy
import re
from pathlib import Path

from nbconvert.exporters import SlidesExporter
from traitlets.config import Config

from autograder.cells import (
    HIDDEN_TESTS_BEGIN,
    HIDDEN_TESTS_END,
    SOLUTION_BEGIN,
    SOLUTION_END,
    is_setup,
    is_test,
    slide_type,
)
from autograder.execute import errors, read, run_notebook
from autograder.log import log
from autograder.paths import BUILD, SOLUTIONS, assignment_ids, notebook_names

SLIDES = BUILD / "slides"
VENDOR = SLIDES / "vendor"
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
_MARKERS = re.compile(
    rf"^\s*({re.escape(SOLUTION_BEGIN)}|{re.escape(SOLUTION_END)})\s*$\n?", flags=re.MULTILINE
)
_HIDDEN = re.compile(
    rf"^\s*{re.escape(HIDDEN_TESTS_BEGIN)}\s*$.*?^\s*{re.escape(HIDDEN_TESTS_END)}\s*$\n?",
    flags=re.S | re.M,
)


def lecture_cells(notebook):
    """A copy of ``notebook`` with only what a lecture shows.

    Left out: graded test cells, the set-up cell, cells marked ``skip``;
    solution markers and any hidden-test region are cut from what remains.
    """
    lecture = copy.deepcopy(notebook)
    kept = []
    for cell in lecture.cells:
        if is_test(cell) or is_setup(cell) or slide_type(cell) == "skip":
            continue
        cell.source = _MARKERS.sub("", _HIDDEN.sub("", cell.source)).rstrip()
        kept.append(cell)
    lecture.cells = kept
    return lecture


def _exporter():
    config = Config()
    # A cell tagged "hide-input" (the topic's diagram) shows its figure, not its drawing code.
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = ("hide-input",)
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.reveal_number = "c/t"
    if (VENDOR / "reveal.js" / "dist" / "reveal.js").is_file():
        config.SlidesExporter.reveal_url_prefix = "vendor/reveal.js"
        config.SlidesExporter.require_js_url = "vendor/require.js"
        config.SlidesExporter.jquery_url = "vendor/jquery.min.js"
        config.SlidesExporter.mathjax_url = "vendor/mathjax/MathJax.js?config=TeX-AMS_HTML"
    else:
        log.warning("no reveal.js in %s (make slides puts it there): the decks use CDNs", VENDOR)
    return SlidesExporter(config=config)


#: Headings of a lecture's size: reveal.js's theme sizes them for one-line title slides, and a
#: notebook's title slide also holds its table of exercises.
LECTURE_STYLE = """<style>
.reveal h1 { font-size: 1.7em; } .reveal h2 { font-size: 1.35em; } .reveal h3 { font-size: 1.1em; }
.reveal .jp-RenderedHTMLCommon table { font-size: 0.8em; }
</style>
"""


def deck(notebook, out):
    """Export an executed ``notebook``'s lecture cells as reveal.js slides to ``out``."""
    body, _ = _exporter().from_notebook_node(lecture_cells(notebook))
    body = body.replace("</head>", f"{LECTURE_STYLE}</head>", 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out


def build_slides(assignments=None, out=SLIDES, timeout=900):
    """Execute and export every (or the given) assignment's notebooks; return the deck paths."""
    written = []
    for assignment_id in assignments or assignment_ids():
        for name in notebook_names(assignment_id):
            source = SOLUTIONS / assignment_id / f"{name}.ipynb"
            executed = run_notebook(read(source), cwd=source.parent, timeout=timeout)
            failed = errors(executed)
            if failed:
                raise RuntimeError(f"{source} does not run top to bottom: {failed}")
            suffix = "" if len(notebook_names(assignment_id)) == 1 else f"-{name}"
            written.append(deck(executed, Path(out) / f"{assignment_id}{suffix}.slides.html"))
    return written
