"""Feedback pages: nbgrader's HTML export, its templates compiled once per class.

nbgrader renders each feedback page with a fresh nbconvert exporter, whose
Jinja environment compiles the same nine templates again every time (a
quarter of a page's cost). :class:`FeedbackExporter` gives that environment a
bytecode cache in a folder shared by the workers of one ``grade`` run: the
first page compiles and stores the templates, the others load them. The pages
themselves are unchanged.
"""

from jinja2 import FileSystemBytecodeCache
from nbconvert.exporters import HTMLExporter
from traitlets import Unicode
from traitlets.config import Config

__all__ = ["FeedbackExporter", "feedback_config"]


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
    """nbgrader config that renders feedback with :class:`FeedbackExporter`."""
    config = Config()
    config.GenerateFeedback.exporter_class = FeedbackExporter
    config.FeedbackExporter.bytecode_cache_dir = str(cache_dir)
    return config
