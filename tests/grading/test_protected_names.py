"""What student code may not rebind is read from the release, and every way of rebinding is seen.

The names are checked against oracles independent of ``autograder.scan``'s
own parsing (``tests/grading/release_names.py``): each set-up cell is run,
each test cell is read by Python's compiler. Every binding form Python has is
then tried on every protected name of every assignment.
"""

import nbformat
import pytest

from autograder.paths import NOTEBOOKS, assignment_ids, notebook_names
from autograder.rebuild import protected_in
from autograder.scan import scan
from tests.grading.release_names import (
    compiler_free_reads,
    exercises,
    names_bound_by_setup,
    source_tests,
)

ASSIGNMENTS = assignment_ids()

#: Every statement that binds a name in the notebook's namespace; NAME is replaced.
BINDING_FORMS = {
    "assignment": "NAME = lambda *args, **kwargs: None",
    "annotated": "NAME: object = None",
    "augmented": "NAME += 1",
    "unpacking": "_unused, NAME = 1, 2",
    "starred": "*NAME, _unused = [1, 2]",
    "for loop": "for NAME in [None]:\n    pass",
    "with": "import contextlib\nwith contextlib.nullcontext() as NAME:\n    pass",
    "walrus": "(NAME := None)",
    "walrus in a comprehension": "[(NAME := i) for i in range(2)]",
    "def": "def NAME(*args, **kwargs):\n    return None",
    "class": "class NAME:\n    pass",
    "import": "import json as NAME",
    "from import": "from json import dumps as NAME",
    "except": "try:\n    pass\nexcept Exception as NAME:\n    pass",
    "match": "match 1:\n    case NAME:\n        pass",
    "global in a function": "def _cheat():\n    global NAME\n    NAME = None",
    "del": "del NAME",
    "patched attribute": "NAME.anything = None",
    "patched item": "NAME[0] = None",
}
#: What the import forms bind NAME to, as ``Protected.imports`` writes it.
IMPORT_TARGETS = {"import": "json", "from import": "json:dumps"}


def _protected(assignment_id):
    released = nbformat.read(
        NOTEBOOKS / assignment_id / f"{notebook_names(assignment_id)[0]}.ipynb", as_version=4
    )
    return protected_in(released, source_tests(assignment_id))


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_name_the_setup_binds_is_protected(assignment_id):
    """Run the set-up cell: each name it leaves in the namespace is protected."""
    missing = names_bound_by_setup()[assignment_id] - _protected(assignment_id).names
    assert not missing, f"{assignment_id}: the set-up binds {sorted(missing)}, not protected"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_name_a_test_reads_is_protected_unless_an_exercise(assignment_id):
    """Python's compiler lists what each test cell reads; all but the exercises are protected."""
    protected = _protected(assignment_id).names
    own = set(exercises(assignment_id))
    every_read = set()
    for grade_id, code in source_tests(assignment_id).items():
        reads = compiler_free_reads(code)
        every_read |= reads
        missing = reads - own - protected
        assert not missing, f"{assignment_id}/{grade_id} reads {sorted(missing)}, not protected"
    assert own <= every_read, "the oracle must at least see the tests call the exercises"
    assert not own & protected, "an exercise's own name must stay the student's to define"


def test_the_helpers_that_slipped_through_are_protected():
    """The names a hand-written list missed: 05's and 07's checks and call counter, built-ins."""
    assert "expect_vectorized" in _protected("05_triplet").names
    assert {"expect_calls", "expect_completion", "CallCounter"} <= _protected("07_outfit").names
    assert {"isinstance", "AssertionError", "print"} <= _protected("01_mulaw").names


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
@pytest.mark.parametrize("form", sorted(BINDING_FORMS))
def test_every_binding_form_of_every_protected_name_is_flagged(assignment_id, form):
    """Each protected name, rebound or patched in each way Python allows, is flagged by name."""
    protected = _protected(assignment_id)
    names = sorted(names_bound_by_setup()[assignment_id] | protected.names)
    unflagged = []
    for name in names:
        if form in IMPORT_TARGETS and protected.imports.get(name) == IMPORT_TARGETS[form]:
            continue  # the set-up's own import, repeated
        code = BINDING_FORMS[form].replace("NAME", name)
        if not any(name in reason for reason in scan(code, protected)):
            unflagged.append(name)
    assert not unflagged, f"{assignment_id}: {form} of {unflagged} is not flagged"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_only_the_setups_own_import_may_be_repeated(assignment_id):
    """``import torch`` again rebinds nothing; any other import under a protected name does.

    (Some modules the set-up uses, pathlib for one, are forbidden to students anyway.)
    """
    protected = _protected(assignment_id)
    for name, target in protected.imports.items():
        module, _, attribute = target.partition(":")
        if attribute:
            same = f"from {module} import {attribute} as {name}"
        else:
            same = f"import {module} as {name}" if module != name else f"import {name}"
        assert not [r for r in scan(same, protected) if "rebinds" in r], same
        other = f"import json as {name}" if module != "json" else f"import math as {name}"
        assert any(name in reason for reason in scan(other, protected)), other
