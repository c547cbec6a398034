"""Feedback pages: nbgrader's HTML export, without the hidden tests, templates compiled once.

* :class:`HideHiddenTests` removes what a student must not take home: the
  hidden part of every test cell's code (``### BEGIN HIDDEN TESTS`` ... ``###
  END HIDDEN TESTS``), the traceback lines that quote a test cell's own code,
  and the cell the grader added (``autograder.kernel_hooks``). Each failing
  test still shows its message (what was called, what was expected, what came
  back, the hint) and the lines of the student's own code it went through.
  ``grade --show-hidden-tests`` keeps everything, as plain nbgrader does.
  ``autograder.settings`` puts it in nbgrader's feedback chain, so the
  Formgrader's feedback leaves the hidden tests out too.
* :func:`failure_page` is the page of a notebook that could not be graded.
* :class:`FeedbackExporter` gives nbconvert's Jinja environment a bytecode
  cache in a folder shared by the workers of one ``grade`` run: the first
  page compiles the templates, the others load them (nbgrader would compile
  the same nine templates again for every page, a quarter of its cost). The
  pages themselves are unchanged.
"""

import html
import re

from jinja2 import FileSystemBytecodeCache
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode
from traitlets.config import Config

from autograder.cells import HIDDEN_TESTS_BEGIN, HIDDEN_TESTS_END, HOOKS_CELL_ID, is_test

__all__ = ["FeedbackExporter", "HideHiddenTests", "failure_page", "feedback_config"]

HIDDEN_NOTE = "# (hidden tests: not shown in feedback; their messages are in the output below)"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _hide_hidden_region(source):
    """``source`` with each hidden-test region replaced by one comment line."""
    lines, hidden = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == HIDDEN_TESTS_BEGIN:
            hidden = True
            lines.append(HIDDEN_NOTE)
        elif marker == HIDDEN_TESTS_END:
            hidden = False
        elif not hidden:
            lines.append(line)
    return "\n".join(lines)


def _quotes_test_code(frame, execution_count):
    """True for a traceback frame in the test cell itself or in the course's test helpers."""
    plain = _ANSI.sub("", frame)
    return f"Cell In[{execution_count}]" in plain or "course/testing.py" in plain


class HideHiddenTests(NbGraderPreprocessor):
    """Keep hidden tests' code out of a feedback page; keep every test's verdict and message."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if cell.get("id") != HOOKS_CELL_ID]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and is_test(cell):
            cell.source = _hide_hidden_region(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("traceback"):
                    frames = output.traceback
                    kept = [
                        f for f in frames[1:-1] if not _quotes_test_code(f, cell.execution_count)
                    ]
                    output.traceback = [frames[0], *kept, frames[-1]]
        return cell, resources


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter with a Jinja bytecode cache in ``bytecode_cache_dir``."""

    bytecode_cache_dir = Unicode(
        "", help="Folder for compiled templates, shared between processes; '' for none."
    ).tag(config=True)

    def _create_environment(self):
        environment = super()._create_environment()
        if self.bytecode_cache_dir:
            environment.bytecode_cache = FileSystemBytecodeCache(self.bytecode_cache_dir)
        return environment


def feedback_config(cache_dir):
    """nbgrader config for the feedback pages of one ``grade`` run: ``cache_dir`` holds the
    compiled templates ('' for no cache). Which cells a page shows is ``autograder.settings``'."""
    config = Config()
    config.GenerateFeedback.exporter_class = FeedbackExporter
    config.FeedbackExporter.bytecode_cache_dir = str(cache_dir)
    return config


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
