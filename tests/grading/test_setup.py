"""The shortcuts that make grading start fast give the same results as the long way."""

import json
import subprocess
import sys
from pathlib import Path

import nbgrader.api
from nbgrader.dbutil import _temp_alembic_ini
from sqlalchemy import text

from autograder.paths import REPO
from autograder.sandbox import write_font_cache
from autograder.workspace import Workspace, alembic_head, prepare_nbgrader


def test_alembic_head_is_what_the_alembic_command_says():
    """The gradebook's schema version read in-process equals ``alembic heads``."""
    prepare_nbgrader()
    with _temp_alembic_ini("sqlite:////tmp/unused.db") as ini:
        output = subprocess.check_output(["alembic", "-c", ini, "heads"], text=True)
    assert alembic_head() == output.split()[0]
    assert nbgrader.api.get_alembic_version is alembic_head


def test_new_gradebook_is_stamped_with_the_head(tmp_path):
    """A gradebook made through the workspace carries the current schema version."""
    workspace = Workspace(tmp_path / "ws")
    with nbgrader.api.Gradebook(workspace.db_url) as gradebook:
        rows = gradebook.db.execute(text("SELECT version_num FROM alembic_version"))
        assert [row[0] for row in rows] == [alembic_head()]


def test_font_cache_is_one_matplotlib_can_load(tmp_path):
    """The font list handed to jailed kernels loads and names existing fonts."""
    import matplotlib.font_manager as font_manager

    folder = write_font_cache(tmp_path / "matplotlib")
    (cache,) = folder.glob("fontlist-v*.json")
    loaded = font_manager.json_load(cache)
    assert loaded.ttflist, "the cached font list is empty"
    assert all(Path(font.fname).is_file() for font in loaded.ttflist)
    assert json.loads(cache.read_text())["_version"] == font_manager.FontManager.__version__


def test_notebook_setup_is_deterministic_without_the_compiler_stack():
    """``setup()`` turns on deterministic algorithms (warn only) and stays cheap."""
    code = (
        "import sys, torch\n"
        "from course.notebook import setup\n"
        "setup(seed=3)\n"
        "assert torch.are_deterministic_algorithms_enabled()\n"
        "assert torch.is_deterministic_algorithms_warn_only_enabled()\n"
        "assert 'torch._inductor' not in sys.modules, 'setup imported torch._inductor'\n"
        "a = torch.rand(3)\n"
        "setup(seed=3)\n"
        "assert torch.equal(a, torch.rand(3)), 'setup(seed) does not reseed torch'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def _render(exporter_class, notebook, **config):
    import re

    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.template_name = "classic"
    for key, value in config.items():
        setattr(c.FeedbackExporter, key, value)
    html, _ = exporter_class(config=c).from_notebook_node(notebook)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", html)


def test_feedback_exporter_renders_what_nbconvert_renders(tmp_path):
    """With its compiled templates cached, the page is the one plain nbconvert makes."""
    import nbformat
    from nbconvert.exporters import HTMLExporter

    from autograder.feedback import FeedbackExporter

    cell = nbformat.v4.new_code_cell("print('hi')\n1 + 1")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Title $x^2$"), cell]
    )
    plain = _render(HTMLExporter, notebook)
    cache = tmp_path / "templates"
    cache.mkdir()
    first = _render(FeedbackExporter, notebook, bytecode_cache_dir=str(cache))
    assert any(cache.iterdir()), "no compiled template was stored"
    second = _render(FeedbackExporter, notebook, bytecode_cache_dir=str(cache))
    assert first == second == plain


def _class_names(items):
    from traitlets.utils.importstring import import_item

    return [(import_item(i) if isinstance(i, str) else i).__name__ for i in items]


def test_the_course_chains_are_nbgraders_with_the_course_steps_in_them():
    """Each chain is nbgrader's default with exactly the course's steps added or swapped in,
    so an nbgrader upgrade that changes its chains fails here instead of silently."""
    from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback

    from autograder import settings

    def default(converter):
        return _class_names(converter.class_traits()[_trait(converter)].default())

    def _trait(converter):
        return "sanitize_preprocessors" if converter is Autograde else "preprocessors"

    generate = default(GenerateAssignment)
    assert _class_names(settings.GENERATE_PREPROCESSORS) == ["DropSpeakerNotes", *generate]
    sanitize = default(Autograde)
    sanitize.insert(sanitize.index("ClearOutput") + 1, "RebuildFromRelease")
    assert _class_names(settings.SANITIZE_PREPROCESSORS) == sanitize
    autograde = _class_names(Autograde.class_traits()["autograde_preprocessors"].default())
    autograde[autograde.index("Execute")] = "JailedExecute"
    assert _class_names(settings.AUTOGRADE_PREPROCESSORS) == autograde
    feedback = default(GenerateFeedback)
    feedback.insert(feedback.index("GetGrades") + 1, "HideHiddenTests")
    assert _class_names(settings.FEEDBACK_PREPROCESSORS) == feedback
    assert _class_names(settings.FEEDBACK_PREPROCESSORS_ALL) == default(GenerateFeedback)


def test_make_labs_course_and_the_pipeline_grade_through_the_same_chain(tmp_path, monkeypatch):
    """``autograder/nbgrader_config.py`` (the Formgrader's) sets the same chain as a workspace."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder import settings

    monkeypatch.setenv("COURSE_NBGRADER_DIR", str(tmp_path))
    lab = PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "autograder")).load_config()
    workspace = Workspace(tmp_path / "ws").config
    for config in (lab, workspace):
        assert config.Autograde.sanitize_preprocessors == settings.SANITIZE_PREPROCESSORS
        assert config.Autograde.autograde_preprocessors == settings.AUTOGRADE_PREPROCESSORS
        assert config.GenerateFeedback.preprocessors == settings.FEEDBACK_PREPROCESSORS
        assert config.GenerateAssignment.preprocessors == settings.GENERATE_PREPROCESSORS
    assert lab.CourseDirectory.release_directory == "notebooks"
    assert str(tmp_path) in lab.CourseDirectory.db_url
