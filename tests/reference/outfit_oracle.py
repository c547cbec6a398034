"""Independent versions of 07_outfit's methods, for the oracle tests and the benchmark.

Written as plainly as possible (Python loops over candidates and subsets,
SciPy's distances, a double loop over graph nodes), never calling the answer
key, so that agreeing with them means something. Also the GNN's training
loss (the notebook's worked cell, written again here) and the problem set-up
that the benchmark and the tests share.
"""

import itertools

import numpy as np
import torch
from scipy.spatial.distance import cdist

#: scipy's name and Minkowski exponent of each rho.
SCIPY_METRIC = {"l1": ("minkowski", 1), "l2": ("minkowski", 2), "l10": ("minkowski", 10)}


def _score(score_fn, catalog, items):
    """S of one outfit given by a list of catalogue indices (a batch of one)."""
    with torch.no_grad():
        return float(score_fn(catalog[torch.tensor(items)].unsqueeze(0))[0])


def _candidates(outfit, catalog):
    return [i for i in range(len(catalog)) if i not in set(outfit.tolist())]


def one_step(score_fn, outfit, catalog, k):
    """The k best single additions, each scored alone in its own call."""
    base = outfit.tolist()
    scored = [(_score(score_fn, catalog, [*base, c]), c) for c in _candidates(outfit, catalog)]
    return sorted(c for _, c in sorted(scored, key=lambda pair: (-pair[0], pair[1]))[:k])


def k_step(score_fn, outfit, catalog, k):
    """X_1, then X_2 given X_1, ...: the best of the remaining items each time (lowest on ties)."""
    chosen = []
    for _ in range(k):
        left = [c for c in _candidates(outfit, catalog) if c not in chosen]
        scores = [_score(score_fn, catalog, [*outfit.tolist(), *chosen, c]) for c in left]
        chosen.append(left[int(np.argmax(scores))])
    return chosen


def beam(score_fn, outfit, catalog, k, width):
    """Sequences extended by every new candidate, the ``width`` best kept at every step."""
    beams = [()]
    for _ in range(k):
        extended = [(*b, c) for b in beams for c in _candidates(outfit, catalog) if c not in b]
        scored = [(_score(score_fn, catalog, [*outfit.tolist(), *e]), e) for e in extended]
        scored.sort(key=lambda pair: -pair[0])
        beams = [e for _, e in scored[:width]]
    return sorted(beams[0])


def exact(score_fn, outfit, catalog, k):
    """The best k-subset of the candidates, by scoring every one (itertools.combinations)."""
    subsets = list(itertools.combinations(_candidates(outfit, catalog), k))
    scores = [_score(score_fn, catalog, [*outfit.tolist(), *s]) for s in subsets]
    return sorted(subsets[int(np.argmax(scores))])


def distances(vectors, catalog, rho):
    """rho between every vector and every catalogue item, from SciPy: float64 (m, N)."""
    a, b = vectors.detach().double().numpy(), catalog.detach().double().numpy()
    if rho == "cos":
        return torch.from_numpy(cdist(a, b, "cosine"))
    metric, p = SCIPY_METRIC[rho]
    return torch.from_numpy(cdist(a, b, metric, p=p))


def message_passing(h, M, U):
    """h_i' = U(h_i, sum_j M(h_i, h_j)) with a double loop over the nodes of one graph (n, d)."""
    rows = []
    for i in range(len(h)):
        total = sum(M(h[i], h[j]) for j in range(len(h)))
        rows.append(U(h[i], total))
    return torch.stack(rows)


def rho_distance(a, b, rho):
    """rho(a, b) along the last dimension (differentiable): the GNN's loss per slot."""
    if rho == "cos":
        return 1 - torch.nn.functional.cosine_similarity(a, b, dim=-1)
    p = {"l1": 1, "l2": 2, "l10": 10}[rho]
    return (a - b).abs().pow(p).sum(dim=-1).add(1e-12).pow(1 / p)


def matched_rho_loss(rho):
    """The GNN's loss: mean over outfits of the sum of rho over slots, best pairing of the k!.

    ``loss(generated, wanted)`` on (B, k, d) tensors; the notebook's worked cell.
    """

    def loss(generated, wanted):
        k = generated.shape[1]
        sums = [
            rho_distance(generated, wanted[:, list(order)], rho).sum(dim=1)
            for order in itertools.permutations(range(k))
        ]
        return torch.stack(sums).amin(dim=0).mean()

    return loss
