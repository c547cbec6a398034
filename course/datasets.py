"""Small datasets that ship inside installed packages: nothing is downloaded."""

import torch
from sklearn.datasets import load_digits, make_moons

from course.checks import require_int_at_least

__all__ = ["digits", "two_moons"]


def digits():
    """scikit-learn's 1,797 handwritten digits (8x8 pixels) as tensors.

    Returns:
        ``(images, labels)``: float32 ``(1797, 64)`` pixel intensities scaled
        from 0..16 to [0, 1], and int64 ``(1797,)`` digit labels 0..9.
    """
    bunch = load_digits()
    images = torch.tensor(bunch.data, dtype=torch.float32) / 16.0
    return images, torch.tensor(bunch.target, dtype=torch.int64)


def two_moons(n_samples, noise=0.05, seed=0):
    """scikit-learn's two interleaving half-circles, a 2-D density to learn.

    Returns:
        ``(points, labels)``: float32 ``(n_samples, 2)`` and int64 ``(n_samples,)``
        (which moon each point came from).
    """
    require_int_at_least("n_samples", n_samples, 2)
    points, labels = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return torch.tensor(points, dtype=torch.float32), torch.tensor(labels, dtype=torch.int64)
