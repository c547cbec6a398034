"""Independent versions of 07_outfit's methods and helpers, for the oracle tests.

Written as plainly as possible (Python loops over candidates and subsets,
SciPy's distances, a double loop over graph nodes, the training loss slot by
slot, GNN + re-rank with every combination scored alone), never calling the
answer key or the course's helpers, so that agreeing with them means
something.
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


def completion_loss(pred, target, rho):
    """The mean over slots of rho(pred_i, target_i), slot by slot with SciPy's distances.

    Every leading dimension of the (..., k, d) tensors is a batch of slots;
    each slot's distance is SciPy's ``cdist`` of the two vectors (float64).
    """
    a = pred.detach().double().reshape(-1, pred.shape[-1]).numpy()
    b = target.detach().double().reshape(-1, target.shape[-1]).numpy()
    if rho == "cos":
        per_slot = [cdist(x[None], y[None], "cosine")[0, 0] for x, y in zip(a, b, strict=True)]
    else:
        metric, p = SCIPY_METRIC[rho]
        per_slot = [cdist(x[None], y[None], metric, p=p)[0, 0] for x, y in zip(a, b, strict=True)]
    return float(np.mean(per_slot))


def rerank(vectors, score_fn, outfit, catalog, rho, m):
    """GNN + re-rank with loops: m rounds of nearest new items per slot, then every combination.

    Each round, every slot with fewer than m candidates (fewest first) takes its nearest
    catalogue item (SciPy's distances, the lowest index on ties) not in the outfit and not taken
    before; then every combination of one candidate per slot is scored alone. Returns the best
    combination as a list (the first best in ``itertools.product`` order).
    """
    taken = set(outfit.tolist())
    slots = [[] for _ in range(len(vectors))]
    while len(taken) < len(catalog) and any(len(s) < m for s in slots):
        short = sorted(
            (j for j in range(len(slots)) if len(slots[j]) < m), key=lambda j: len(slots[j])
        )
        free = [i for i in range(len(catalog)) if i not in taken]
        wanted = [
            free[int(distances(vectors[j : j + 1], catalog[free], rho)[0].argmin())] for j in short
        ]
        for j, item in zip(short, wanted, strict=True):
            if item not in taken:
                slots[j].append(item)
                taken.add(item)
    combinations = list(itertools.product(*slots))
    scores = [_score(score_fn, catalog, [*outfit.tolist(), *c]) for c in combinations]
    return list(combinations[int(np.argmax(scores))])
