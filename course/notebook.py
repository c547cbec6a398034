"""The set-up every notebook of the course runs in its first cell."""

import contextlib
import os
import random

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["AUTOGRADING", "budget", "one_thread", "set_seed", "setup"]

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
