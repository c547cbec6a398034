"""Adversarial 01_mulaw submissions, each with the score its honest content deserves.

``CASES[name] = (notebook or bytes, {test: 0, ...} or "all", expectations)``:
the tests that must score 0 (every other test keeps full marks; "all" for the
untouched notebook; an ungradable submission scores 0 everywhere), and
expectations that may hold
``"flagged": True``, ``"status"`` and words the outcome's reason or notes
must contain.
"""

import copy

import nbformat

from answers.submissions import solution, untouched

ASSIGNMENT, NOTEBOOK = "01_mulaw", "mulaw"

#: A wrong mu_law_encode loses its formula test and its argument-check test.
ENCODE = {"test_mu_law_encode": 0, "test_mu_law_encode_errors": 0}

WRONG_ENCODE = """
def mu_law_encode(x, mu=255):
    return x
"""


def _with(overrides=None):
    return solution(ASSIGNMENT, NOTEBOOK, overrides or {})


def _insert_after(notebook, grade_id, code):
    """Add a student's own code cell right after the cell ``grade_id``."""
    position = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    notebook.cells.insert(position + 1, nbformat.v4.new_code_cell(code))
    return notebook


def _cell(notebook, grade_id):
    return next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def build():
    cases = {}
    cases["solution"] = (_with(), {}, {})
    cases["untouched"] = (untouched(ASSIGNMENT, NOTEBOOK), "all", {})

    cases["infinite_loop"] = (
        _with({"mu_law_decode": "def mu_law_decode(y, mu=255):\n    while True:\n        pass\n"}),
        {"test_mu_law_decode": 0},
        {},
    )
    cases["memory_bomb"] = (
        _with(
            {
                "mu_law_decode": "def mu_law_decode(y, mu=255):\n    hog = []\n"
                "    while True:\n        hog.append(bytearray(10 ** 8))\n"
            }
        ),
        {"test_mu_law_decode": 0},
        {},
    )
    cases["fork_bomb"] = (
        _with(
            {
                "mu_law_decode": "def mu_law_decode(y, mu=255):\n"
                "    import time\n    import torch.multiprocessing as mp\n"
                "    children = []\n    while True:\n"
                "        child = mp.Process(target=time.sleep, args=(60,))\n"
                "        child.start()\n        children.append(child)\n"
            }
        ),
        {"test_mu_law_decode": 0},
        {},
    )
    cases["sys_exit"] = (
        _with({"mu_law_decode": "def mu_law_decode(y, mu=255):\n    sys.exit(0)\n"}),
        {"test_mu_law_decode": 0},
        {},
    )
    cases["os_exit"] = (
        _with({"mu_law_decode": "import os\n\ndef mu_law_decode(y, mu=255):\n    os._exit(1)\n"}),
        {"test_mu_law_decode": 0},
        {"flagged": True},
    )
    cases["kernel_crash"] = (
        _insert_after(_with(), "mu_law_encode", "import faulthandler\nfaulthandler._sigsegv()"),
        {},
        {"status": "failed", "reason": "kernel died"},
    )

    no_tests = _with()
    no_tests.cells = [c for c in no_tests.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    cases["deleted_tests"] = (no_tests, {}, {})

    edited = _with({"quantize": "def quantize(y, n_levels=256):\n    return y.round().long()\n"})
    _cell(edited, "test_quantize").source = "pass"
    cases["edited_test"] = (edited, {"test_quantize": 0}, {})

    duplicated = _with()
    twin = copy.deepcopy(_cell(duplicated, "mu_law_encode"))
    twin.source = WRONG_ENCODE
    twin.id = "twin"
    duplicated.cells.insert(duplicated.cells.index(_cell(duplicated, "mu_law_encode")) + 1, twin)
    cases["duplicated_solution"] = (duplicated, {}, {"note": "appears twice"})

    retagged = _with()
    meta = _cell(retagged, "test_dequantize").metadata["nbgrader"]
    meta.update(grade_id="test_bonus", points=100)
    bonus = nbformat.v4.new_code_cell("print('free points')")
    bonus.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": "test_extra",
        "points": 50,
        "schema_version": 3,
    }
    retagged.cells.append(bonus)
    cases["retagged_cells"] = (retagged, {}, {})

    changed = _with()
    _cell(changed, "snr_db").metadata["nbgrader"].update(grade=True, points=50, locked=True)
    changed.metadata["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "sh"}
    cases["changed_metadata"] = (changed, {}, {})

    cases["showtraceback"] = (
        _insert_after(
            _with({"mu_law_encode": WRONG_ENCODE}),
            "mu_law_encode",
            "get_ipython().showtraceback = lambda *args, **kwargs: None",
        ),
        ENCODE,
        {"flagged": True},
    )
    cases["always_equal"] = (
        _with(
            {
                "mu_law_encode": "class Anything:\n"
                "    def __eq__(self, other):\n        return True\n"
                "    def __ne__(self, other):\n        return False\n\n"
                "def mu_law_encode(x, mu=255):\n    return Anything()\n"
            }
        ),
        ENCODE,
        {},
    )
    cases["stderr_noise"] = (
        _insert_after(
            _with(),
            "mu_law_decode",
            "import warnings\nprint('noise on stderr', file=sys.stderr)\n"
            "warnings.warn('a warning', UserWarning)",
        ),
        {},
        {},
    )
    cases["huge_output"] = (
        _insert_after(_with(), "quantize", "for i in range(200_000):\n    print('spam', i)"),
        {},
        {},
    )
    cases["writes_outside"] = (
        _insert_after(_with(), "dequantize", "open('/tmp/../etc/owned.txt', 'w').write('x')"),
        {},
        {"flagged": True},
    )
    cases["reads_gradebook"] = (
        _with(
            {
                "mu_law_encode": "def mu_law_encode(x, mu=255):\n"
                "    secret = open('../../../gradebook.db', 'rb').read()\n    return x\n"
            }
        ),
        ENCODE,
        {"flagged": True},
    )
    # The scan cannot see this one (the path is built, numpy reads it): only the jail, where
    # the gradebook is not there to read, keeps the wrong answer wrong.
    cases["reads_gradebook_past_the_scan"] = (
        _insert_after(
            _with({"mu_law_encode": WRONG_ENCODE}),
            "mu_law_encode",
            "import numpy\n"
            "try:\n"
            "    numpy.fromfile('../../../grade' + 'book.db', dtype=numpy.uint8)\n"
            "    def mu_law_encode(x, mu=255):\n"
            "        return torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)\n"
            "except OSError:\n"
            "    pass\n",
        ),
        ENCODE,
        {},
    )
    cases["uses_answer_key"] = (
        _with(
            {
                "mu_law_encode": "from course.reference.mulaw import mu_law_encode as _key\n\n"
                "def mu_law_encode(x, mu=255):\n    return _key(x, mu)\n"
            }
        ),
        ENCODE,
        {"flagged": True},
    )
    cases["peeks_at_hidden_tests"] = (
        _with(
            {
                "mu_law_decode": "def mu_law_decode(y, mu=255):\n"
                "    caller = sys._getframe(1).f_locals\n"
                "    return caller.get('_want', caller.get('expected'))\n"
            }
        ),
        {"test_mu_law_decode": 0},
        {"flagged": True},
    )
    cases["patches_torch"] = (
        _insert_after(
            _with({"quantize": "def quantize(y, n_levels=256):\n    return y\n"}),
            "quantize",
            "torch.equal = lambda *args: True\ntorch.allclose = lambda *args, **kw: True",
        ),
        {"test_quantize": 0},
        {"flagged": True},
    )
    cases["rebinds_test_helper"] = (
        _insert_after(
            _with({"mu_law_encode": WRONG_ENCODE}),
            "mu_law_encode",
            "expect_close = expect_tensor = lambda *args, **kwargs: None",
        ),
        ENCODE,
        {"flagged": True},
    )
    cases["bad_json"] = (b'{"cells": [ not json', {}, {"status": "failed"})
    return cases
