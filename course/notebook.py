"""The set-up every notebook of the course runs in its first cell, and :func:`needs`."""

import ast
import contextlib
import inspect
import os
import random
import sys
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["AUTOGRADING", "ExerciseNeeded", "budget", "needs", "one_thread", "set_seed", "setup"]

#: True while nbgrader runs the notebook (``nbgrader autograde`` or ``validate``):
#: expensive cells then use their small budget so that grading stays fast.
AUTOGRADING = os.environ.get("NBGRADER_EXECUTION") is not None


def budget(full, autograding):
    """Return ``autograding`` while nbgrader runs the notebook, ``full`` otherwise."""
    return autograding if AUTOGRADING else full


def set_seed(seed=0):
    """Seed Python's, NumPy's and PyTorch's generators so that reruns agree."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed=0):
    """Seed everything, ask PyTorch for deterministic kernels, set the plot style."""
    set_seed(seed)
    # The same switch as ``torch.use_deterministic_algorithms(True, warn_only=True)``
    # for eager PyTorch, without importing the compiler stack (about 2 s per start).
    torch.set_deterministic_debug_mode("warn")
    plt.rcParams.update(
        {
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


@contextlib.contextmanager
def one_thread():
    """Run the block on one PyTorch thread, then restore the previous setting.

    The course's models and tensors are small: a second thread costs more in
    synchronisation than it saves, and on a busy laptop the threads wait for
    each other (several times slower). The setting comes back even when the
    block raises or is interrupted.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class ExerciseNeeded(Exception):
    """A cell uses an exercise that is not written yet. Notebooks show only its sentence."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return [f"ExerciseNeeded: {self}"]


def _is_stub(function):
    """True for a function whose body (after its docstring) only raises NotImplementedError."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False  # no source to read: take it as written
    body = tree.body[0].body if tree.body and hasattr(tree.body[0], "body") else []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def needs(*exercises):
    """Stop the cell, with one sentence, if one of ``exercises`` is not written or not run yet.

    An experiment cell starts with ``needs("greedy_k_step")`` when it uses that
    exercise (or what an earlier cell computed with it): run cell by cell with
    only the first exercises done, the notebook then says which exercise is
    missing instead of failing with a ``NameError`` far from the cause.
    """
    namespace = vars(sys.modules["__main__"])
    not_run = [name for name in exercises if not callable(namespace.get(name))]
    stubs = [name for name in exercises if name not in not_run and _is_stub(namespace[name])]
    missing = [*stubs, *not_run]
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        if len(missing) == 1:
            what = "which is not written yet: write it, run its cell"
        else:
            what = "which are not written yet: write them, run their cells"
        raise ExerciseNeeded(f"This cell needs your {names}, {what}, then run this cell again.")
