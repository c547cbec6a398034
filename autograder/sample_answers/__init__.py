"""Mistaken answers that the demo's ``partly_wrong`` student submits.

One module per notebook, each defining ``ASSIGNMENT`` (the assignment id),
``NOTEBOOK`` (the notebook name), ``PARTLY_WRONG`` (``{grade_id: code}``: what
that student wrote in those solution cells; the other cells get the correct
solution) and ``EXPECTED_SCORE`` (the points that student should get).
``PARTLY_WRONG[assignment_id][notebook_id]`` collects them.
"""

import importlib
import pkgutil

PARTLY_WRONG = {}
EXPECTED_SCORES = {}

for _info in pkgutil.iter_modules(__path__):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    PARTLY_WRONG.setdefault(_module.ASSIGNMENT, {})[_module.NOTEBOOK] = _module.PARTLY_WRONG
    EXPECTED_SCORES[_module.ASSIGNMENT] = (
        EXPECTED_SCORES.get(_module.ASSIGNMENT, 0) + _module.EXPECTED_SCORE
    )
