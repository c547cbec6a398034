"""Small score functions with known answers, for the test cells and the first experiments.

Each is a set function S: (B, m, d) outfits -> (B,) scores in (0, 1],
differentiable, cheap, and simple enough to work out the best completion by
hand. :class:`CallCounter` wraps any score function and counts how it is
called, so that a test can tell a batched search from a loop over items.
"""

import torch

__all__ = ["CallCounter", "CohesionScore", "OnePerCategoryScore", "PairwiseScore", "TargetScore"]


class CallCounter:
    """A score function that counts its calls and the outfits it scored, then calls ``score_fn``."""

    def __init__(self, score_fn):
        self.score_fn = score_fn
        self.calls = 0
        self.outfits = 0

    def __call__(self, items):
        self.calls += 1
        self.outfits += len(items)
        return self.score_fn(items)


class CohesionScore:
    """S(O) = exp(-spread(O) / temperature): compatible items lie close together.

    spread(O) = (1/m) sum_i |x_i - mean(O)|^2, the mean squared distance of the
    items to their centroid (their variance, in one dimension). With d = 1 an
    item is a colour on a line: the best addition to an outfit is the item
    closest to its centroid, and a close pair can beat a greedy first pick.
    """

    def __init__(self, temperature=1.0):
        self.temperature = temperature

    def __call__(self, items):
        centre = items.mean(dim=1, keepdim=True)
        spread = (items - centre).pow(2).sum(dim=-1).mean(dim=-1)
        return torch.exp(-spread / self.temperature)


class OnePerCategoryScore:
    """Cohesion of the colours, times ``penalty`` for every pair of items of one category.

    An item's embedding is ``[one-hot category (n_categories), colour (rest)]``:
    S(O) = exp(-spread(colours)) * penalty ** (number of pairs i < j of one category).
    """

    def __init__(self, n_categories, penalty=0.1):
        self.n_categories = n_categories
        self.penalty = penalty

    def __call__(self, items):
        kinds, colours = items[..., : self.n_categories], items[..., self.n_categories :]
        counts = kinds.sum(dim=1)  # (B, categories): items per category
        pairs = (counts * (counts - 1) / 2).sum(dim=1)
        return CohesionScore()(colours) * self.penalty**pairs


class PairwiseScore:
    """A random quadratic compatibility: S(O) = sigmoid(b + mean_i u.x_i + mean_{i != j} x_i A x_j).

    ``A`` is a random symmetric (d, d) matrix, ``u`` a random vector, drawn
    from ``seed``: the added items interact with each other and with the
    outfit, so one-step, k-step, beam and exact search all differ.
    """

    def __init__(self, dim, seed, dtype=torch.float64):
        g = torch.Generator().manual_seed(seed)
        a = torch.randn(dim, dim, generator=g, dtype=dtype)
        self.A = (a + a.T) / 2
        self.u = torch.randn(dim, generator=g, dtype=dtype)
        self.b = float(torch.randn(1, generator=g, dtype=dtype))

    def __call__(self, items):
        m = items.shape[1]
        single = (items @ self.u.to(items.dtype)).mean(dim=1)
        total = items.sum(dim=1)
        quadratic = total @ self.A.to(items.dtype) * total  # (sum_i x_i) A (sum_j x_j), per row
        self_terms = (items @ self.A.to(items.dtype) * items).sum(dim=(1, 2))
        pairs = (quadratic.sum(dim=1) - self_terms) / max(m * (m - 1), 1)
        return torch.sigmoid(self.b + single + pairs)


class TargetScore:
    """S(O) = 1 / (1 + (1/m) sum_i |x_i - target|^2): the best outfit has every item at ``target``.

    Its maximum over free vectors is at ``target`` whatever the outfit, so
    gradient ascent from any start ends there: a test of the relaxation whose
    answer is the catalogue items nearest to ``target``.
    """

    def __init__(self, target):
        self.target = torch.as_tensor(target)

    def __call__(self, items):
        gap = (items - self.target.to(items.dtype)).pow(2).sum(dim=-1).mean(dim=-1)
        return 1 / (1 + gap)
