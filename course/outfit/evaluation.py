"""Running completion methods over many outfits: scores, latencies, gaps, the Lipschitz check.

A *method* here is any function ``complete(outfit) -> int64 (k,)`` of catalogue
indices; the notebook and the benchmark build them from the exercise
functions (yours, or the answer key's) with :func:`method_suite`. Nothing here
computes an exercise itself.
"""

import statistics
import time
from dataclasses import dataclass

import torch

from course.notebook import one_thread
from course.outfit.gnn import gnn_rerank, project_distinct
from course.outfit.scorer import score_outfits
from course.outfit.wardrobe import partial_outfits, sample_outfits

__all__ = [
    "LastInput",
    "MethodRun",
    "comparison_rows",
    "completion_outfits",
    "exact_gaps",
    "lipschitz_check",
    "method_suite",
    "neighbour_scores",
    "random_completion",
    "run_method",
]


@dataclass
class MethodRun:
    """One method run over a list of outfits."""

    name: str
    completions: list  # int64 (k,) per outfit
    scores: torch.Tensor  # (n_outfits,): S of each completed outfit
    latencies: torch.Tensor  # (n_outfits,): seconds per outfit (nan when not timed)

    @property
    def median_score(self):
        return float(self.scores.median())

    @property
    def median_latency(self):
        return float(self.latencies.median())


def completion_outfits(wardrobe, n_outfits, k, seed):
    """``n_outfits`` completion problems: real outfits with k random items taken out.

    Returns ``(partial, removed)``: a list of int64 tensors (each at least 2
    items) and int64 (n_outfits, k), the items taken out (in category order).
    """
    outfits = sample_outfits(wardrobe, 2 * n_outfits + 20, seed=seed)
    partial, removed = partial_outfits(outfits, k, seed=seed + 1)
    if len(partial) < n_outfits:
        raise ValueError(f"only {len(partial)} outfits have more than {k + 1} items")
    return partial[:n_outfits], torch.stack(removed[:n_outfits])


def random_completion(outfit, n_items, k, generator):
    """k distinct random items not in ``outfit``, from a catalogue of ``n_items`` (the baseline)."""
    allowed = torch.ones(n_items, dtype=torch.bool)
    allowed[outfit] = False
    candidates = torch.nonzero(allowed).flatten()
    return candidates[torch.randperm(len(candidates), generator=generator)[:k]]


def run_method(name, complete, score_fn, catalog, outfits, k):
    """Complete every outfit with ``complete``, time each call, score the completed outfits.

    Each call runs on one thread and is timed alone (the latency of one
    request). The completion must be k distinct catalogue items not in the
    outfit, or a ValueError names the method and the outfit.
    """
    completions, latencies = [], []
    with one_thread():
        for number, outfit in enumerate(outfits):
            start = time.perf_counter()
            added = complete(outfit)
            latencies.append(time.perf_counter() - start)
            added = torch.as_tensor(added, dtype=torch.int64).flatten()
            if (
                len(added) != k
                or len(torch.unique(added)) != k
                or torch.isin(added, outfit).any()
                or added.min() < 0
                or added.max() >= len(catalog)
            ):
                raise ValueError(
                    f"{name} completed outfit {number} ({outfit.tolist()}) with "
                    f"{added.tolist()}: not {k} distinct new catalogue items"
                )
            completions.append(added)
        filled = [torch.cat([o, a]) for o, a in zip(outfits, completions, strict=True)]
        scores = score_outfits(score_fn, catalog, filled)
    return MethodRun(name, completions, scores, torch.tensor(latencies, dtype=torch.float64))


def method_suite(
    functions,
    score_fn,
    catalog,
    k=2,
    beam_widths=(2, 4),
    rhos=("l1", "l2", "l10", "cos"),
    steps=40,
    lr=2.0,
    completers=None,
    rerank=None,
    seed=0,
):
    """``{name: complete(outfit)}``: the table's methods, built from the functions passed in.

    ``functions`` maps exercise names (``greedy_one_step``, ``greedy_k_step``,
    ``beam_search``, ``relaxed_completion``, ``nearest_items``) to functions:
    the notebook passes its own, the benchmark the answer key's. Methods whose
    function is missing are left out. ``completers`` maps rho to a trained
    ``GNNCompleter`` for that rho: "GNN, rho = ..." projects its vectors with
    ``nearest_items``; with ``rerank = m``, "GNN + re-rank, rho = ..." also
    keeps the best of m candidates per slot by the scorer (:func:`gnn_rerank`).
    The random baseline draws from a generator seeded with ``seed``.
    """
    methods = {}
    if "greedy_one_step" in functions:
        methods["greedy one-step"] = lambda o: functions["greedy_one_step"](score_fn, o, catalog, k)
    if "greedy_k_step" in functions:
        methods["greedy k-step"] = lambda o: functions["greedy_k_step"](score_fn, o, catalog, k)
    for width in beam_widths if "beam_search" in functions else ():
        methods[f"beam search (w = {width})"] = lambda o, w=width: functions["beam_search"](
            score_fn, o, catalog, k, w
        )
    for rho in rhos if "relaxed_completion" in functions else ():
        methods[f"relaxation, rho = {rho}"] = lambda o, r=rho: functions["relaxed_completion"](
            score_fn, o, catalog, k, r, steps, lr
        )
    for rho, completer in (completers or {}).items():

        def gnn(o, rho=rho, completer=completer):
            with torch.inference_mode():
                vectors = completer(catalog[o].unsqueeze(0))[0]
            return project_distinct(vectors, o, catalog, rho, functions["nearest_items"])

        methods[f"GNN, rho = {rho}"] = gnn
    for rho, completer in (completers or {}).items() if rerank else ():
        methods[f"GNN + re-rank, rho = {rho}"] = lambda o, r=rho, c=completer: gnn_rerank(
            c, score_fn, o, catalog, r, functions["nearest_items"], rerank
        )
    generator = torch.Generator().manual_seed(seed)
    methods["random"] = lambda o: random_completion(o, len(catalog), k, generator)
    return methods


def comparison_rows(runs, original=None):
    """Rows ``(method, median score, median latency in ms)``, the original outfits first."""
    rows = []
    if original is not None:
        rows.append(("original outfits", float(original.median()), float("nan")))
    rows += [(r.name, r.median_score, 1000 * r.median_latency) for r in runs]
    return rows


def exact_gaps(runs, exact):
    """``{method: (median gap to the optimum, share of outfits at the optimum)}``.

    ``exact`` is the :class:`MethodRun` of exhaustive search on the same outfits.
    """
    gaps = {}
    for run in runs:
        gap = exact.scores - run.scores
        gaps[run.name] = (float(gap.median()), float((gap <= 1e-6).double().mean()))
    return gaps


def neighbour_scores(score_fn, catalog, outfits, completions, rho, nearest_items):
    """S of each outfit completed one step off: every added item moved to its nearest other item.

    Each item of ``completions[i]`` is replaced by its nearest catalogue item
    under ``rho`` (``nearest_items``) that is not in the outfit, not one of the
    items replaced and not taken already (the rule of ``project_distinct``).
    A completer that never calls the scorer, such as the GNN, lands next to
    the items it was trained on rather than on them: applied to greedy
    k-step's completions, this shows what landing one item off costs.
    Returns a float tensor (len(outfits),).
    """
    filled = []
    for outfit, added in zip(outfits, completions, strict=True):
        taken = torch.cat([outfit, added])
        moved = project_distinct(catalog[added], taken, catalog, rho, nearest_items)
        filled.append(torch.cat([outfit, moved]))
    return score_outfits(score_fn, catalog, filled)


class LastInput:
    """A score function that keeps the last batch it was called with (``.last``), then scores it.

    Wrapped around the scorer given to ``relaxed_completion``, it shows the
    free vectors of the last gradient step: the (approximate) relaxed
    optimum, which the function itself does not return.
    """

    def __init__(self, score_fn):
        self.score_fn = score_fn
        self.last = None

    def __call__(self, items):
        self.last = items.detach().clone()
        return self.score_fn(items)


def lipschitz_check(score_fn, outfit_items, relaxed, projected, distances, p, n_points=9):
    """The thesis's bound |S(O + Z) - S(O + X)| <= M * sum_i rho(Z_i, X_i), checked numerically.

    Args:
        score_fn: the scorer.
        outfit_items: list of (n, d) tensors, the partial outfits' embeddings.
        relaxed: list of (k, d) tensors Z, the relaxed optima.
        projected: list of (k, d) tensors X, the catalogue items chosen.
        distances: (len,) tensor: eps = sum_i rho(Z_i, X_i) for each outfit.
        p: the L_p of rho (1, 2 or 10).
        n_points: points sampled on each segment from (O + Z) to (O + X).

    Returns a dict of tensors and numbers: ``gap`` (|S(O + Z) - S(O + X)| per
    outfit), ``relaxed_scores`` and ``projected_scores`` (the two S), ``eps``,
    ``M`` (the largest max_i |dS/dz_i|_q seen on the segments, q = p / (p - 1)
    the dual exponent: an estimate of the Lipschitz constant for this rho),
    ``held`` (share of outfits where gap <= M * eps) and medians.
    """
    q = float("inf") if p == 1 else p / (p - 1)
    gaps, constants, pairs = [], [], []
    with one_thread():
        for items, z, x in zip(outfit_items, relaxed, projected, strict=True):
            with torch.no_grad():
                pair = score_fn(torch.stack([torch.cat([items, z]), torch.cat([items, x])]))
            gaps.append(float((pair[0] - pair[1]).abs()))
            pairs.append(pair.float())
            t = torch.linspace(0, 1, n_points, dtype=z.dtype).view(-1, 1, 1)
            free = (z + t * (x - z)).requires_grad_(True)  # (points, k, d) along the segment
            batch = torch.cat([items.expand(n_points, -1, -1), free], dim=1)
            (grad,) = torch.autograd.grad(score_fn(batch).sum(), free)
            constants.append(float(torch.linalg.vector_norm(grad, ord=q, dim=2).max()))
    gap = torch.tensor(gaps)
    eps = torch.as_tensor(distances, dtype=torch.float64).float()
    M = max(constants)
    pairs = torch.stack(pairs)
    return {
        "gap": gap,
        "eps": eps,
        "relaxed_scores": pairs[:, 0],
        "projected_scores": pairs[:, 1],
        "M": M,
        "held": float((gap <= M * eps + 1e-6).float().mean()),
        "median_gap": float(gap.median()),
        "median_eps": float(eps.median()),
        "median_bound": float((M * eps).median()),
        "median_local_M": statistics.median(constants),
    }
