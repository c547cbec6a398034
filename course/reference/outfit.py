"""Answer key of assignment 07_outfit: completing an outfit with k catalogue items.

The problem (Okhotnikov, 2024, the outfit-completion thesis of the course's
source material): given an outfit O_n (a set of n related items) and a
catalogue X, find the k items whose addition maximizes a learned
compatibility score S (OutfitTransformer, Sarkar et al., 2023, in the thesis):

    argmax over {X_1, ..., X_k} subset of X of S(O_n + {X_1, ..., X_k}).

Exact search costs |X|^k calls of S (C(|X|, k) subsets, here); the methods
below trade quality for calls: greedy one-step (|X| outfits scored), greedy
k-step (k |X|), beam search (about k w |X| for a beam of width w), and a
continuous relaxation (gradient ascent in R^d, then the nearest catalogue
items under a distance rho). ``message_passing_layer`` is the building block
of the GNN (Gilmer et al., 2017, message passing neural networks) that
generates the k missing embeddings in one call, and ``completion_loss`` the
loss it is trained with: how far its k vectors are from the items greedy
k-step added.

Conventions shared by every method:

* ``catalog``: float tensor (N, d), one item embedding per row.
* ``outfit``: int64 tensor (n,), n >= 1, of distinct catalogue indices.
* ``score_fn``: a callable that takes a float tensor (B, m, d) (B outfits of m
  items each, by their embeddings) and returns (B,) scores in [0, 1]. It is a
  set function (the order of the m items does not matter) and differentiable.
* ``k``: how many items to add, 1 <= k <= N - n.
* Each method returns an int64 tensor (k,) of catalogue indices, distinct and
  none of them in the outfit, in the order they were picked. It scores its
  candidates in batched calls of ``score_fn``, never one item per call.

Each function is also the body of the solution cell of the same name in
``solutions/07_outfit/outfit.ipynb``; ``tests/test_reference_sync.py`` fails
when the two drift apart.
"""

import torch
import torch.nn.functional as F

from course.checks import (
    require_callable,
    require_finite_tensors,
    require_int_at_least,
    require_positive_number,
    require_same_shape,
)
from course.checks.outfit import (
    require_completion_problem,
    require_rho,
    require_vectors_and_catalog,
)

__all__ = [
    "beam_search",
    "completion_loss",
    "exhaustive",
    "greedy_k_step",
    "greedy_one_step",
    "message_passing_layer",
    "nearest_items",
    "relaxed_completion",
]


def greedy_one_step(score_fn, outfit, catalog, k):
    """Add the k items that are best one at a time: one batched call of ``score_fn``.

    Every candidate X (a catalogue item not in the outfit) is scored as the
    single addition S(O_n + {X}), all in one call on a (C, n + 1, d) batch;
    the k best, in decreasing order of that score, are returned. The added
    items never see each other: two great shoes may both be picked.

    Args:
        score_fn: callable, (B, m, d) outfits -> (B,) scores in [0, 1].
        outfit: int64 tensor (n,), n >= 1: distinct catalogue indices.
        catalog: float tensor (N, d): the items' embeddings.
        k: int in 1..N - n: how many items to add.

    Returns:
        int64 tensor (k,): distinct catalogue indices, none in ``outfit``.

    Raises:
        TypeError, ValueError: see ``course.checks.outfit.require_completion_problem``.
    """
    require_completion_problem(score_fn, outfit, catalog, k)
    allowed = torch.ones(len(catalog), dtype=torch.bool)
    allowed[outfit] = False
    candidates = torch.nonzero(allowed).flatten()  # (C,) items not in the outfit
    base = catalog[outfit].expand(len(candidates), -1, -1)  # (C, n, d)
    batch = torch.cat([base, catalog[candidates].unsqueeze(1)], dim=1)  # (C, n + 1, d)
    with torch.no_grad():
        scores = score_fn(batch)
    return candidates[torch.topk(scores, k).indices]


def greedy_k_step(score_fn, outfit, catalog, k):
    """Add k items one after the other, each the best given the outfit and the earlier picks.

    X_1 = argmax_X S(O_n + {X}), X_2 = argmax_X S(O_n + {X_1, X}), ...: k
    batched calls of ``score_fn``, the j-th on a (C_j, n + j, d) batch of every
    remaining candidate (not in the outfit, not picked before). Ties go to the
    lower index.

    Args and Raises: as ``greedy_one_step``.

    Returns:
        int64 tensor (k,): the picks in the order made (X_1 first); distinct,
        none in ``outfit``.
    """
    require_completion_problem(score_fn, outfit, catalog, k)
    allowed = torch.ones(len(catalog), dtype=torch.bool)
    allowed[outfit] = False
    picked = outfit.new_empty(0)
    for _ in range(k):
        candidates = torch.nonzero(allowed).flatten()
        base = catalog[torch.cat([outfit, picked])].expand(len(candidates), -1, -1)
        batch = torch.cat([base, catalog[candidates].unsqueeze(1)], dim=1)
        with torch.no_grad():
            best = candidates[score_fn(batch).argmax()]
        picked = torch.cat([picked, best.view(1)])
        allowed[best] = False
    return picked


def beam_search(score_fn, outfit, catalog, k, beam_width):
    """Keep the ``beam_width`` best partial completions at each of k steps (as in language models).

    Step j extends every kept sequence (X_1, ..., X_{j-1}) by every candidate
    not in the outfit and not in that sequence, scores all the extensions
    S(O_n + {X_1, ..., X_j}) in one batched call and keeps the ``beam_width``
    best sequences. A sequence is kept as it was built: the same set reached in
    two orders takes two places in the beam. ``beam_width = 1`` is greedy
    k-step; a beam as wide as the number of candidates is exact search for
    k <= 2.

    Args:
        score_fn, outfit, catalog, k: as ``greedy_one_step``.
        beam_width: int >= 1: how many partial completions to keep.

    Returns:
        int64 tensor (k,): the best sequence of the last step, in the order
        built; distinct, none in ``outfit``.

    Raises:
        TypeError, ValueError: as ``greedy_one_step``, or ``beam_width`` is
        not an int >= 1.
    """
    require_completion_problem(score_fn, outfit, catalog, k)
    require_int_at_least("beam_width", beam_width, 1)
    allowed = torch.ones(len(catalog), dtype=torch.bool)
    allowed[outfit] = False
    candidates = torch.nonzero(allowed).flatten()  # (C,)
    beams = outfit.new_empty(1, 0)  # (w, j): the kept sequences, best first
    for step in range(k):
        w, c = len(beams), len(candidates)
        extended = torch.cat(
            [beams.unsqueeze(1).expand(w, c, step), candidates.view(1, c, 1).expand(w, c, 1)],
            dim=2,
        )  # (w, C, j + 1): beam b extended by candidate i
        fresh = (beams.unsqueeze(1) != candidates.view(1, c, 1)).all(dim=2)  # not in beam b
        extended = extended[fresh]  # (E, j + 1)
        items = torch.cat([outfit.expand(len(extended), -1), extended], dim=1)
        with torch.no_grad():
            scores = score_fn(catalog[items])  # (E,)
        beams = extended[torch.topk(scores, min(beam_width, len(extended))).indices]
    return beams[0]


def exhaustive(score_fn, outfit, catalog, k):
    """The exact optimum: every k-subset of the candidates scored, in batches of 4096 subsets.

    C(N - n, k) subsets, each a set (no item twice, no order), each scored as
    S(O_n + subset). Feasible for small catalogues only: 190 subsets for
    N - n = 20 and k = 2, 12.5 million for 5,000 items.

    Args and Raises: as ``greedy_one_step``.

    Returns:
        int64 tensor (k,): the best subset, in increasing index order (the
        first best subset in ``torch.combinations`` order when scores tie).
    """
    require_completion_problem(score_fn, outfit, catalog, k)
    allowed = torch.ones(len(catalog), dtype=torch.bool)
    allowed[outfit] = False
    subsets = torch.combinations(torch.nonzero(allowed).flatten(), r=k)  # (C(C, k), k)
    best_score, best = -float("inf"), None
    for start in range(0, len(subsets), 4096):
        chunk = subsets[start : start + 4096]
        items = torch.cat([outfit.expand(len(chunk), -1), chunk], dim=1)
        with torch.no_grad():
            scores = score_fn(catalog[items])
        top = int(scores.argmax())
        if scores[top] > best_score:
            best_score, best = float(scores[top]), chunk[top]
    return best


def nearest_items(vectors, catalog, rho):
    """The catalogue item nearest to each vector under the distance ``rho``, and that distance.

    rho(a, b) for ``rho`` =
        "l1":  sum_t |a_t - b_t|
        "l2":  (sum_t |a_t - b_t|^2)^(1/2)
        "l10": (sum_t |a_t - b_t|^10)^(1/10)
        "cos": 1 - a.b / (|a| |b|)   (the cosine *distance*: 0 for the same direction)

    Args:
        vectors: float tensor (m, d).
        catalog: float tensor (N, d), N >= 1.
        rho: one of "l1", "l2", "l10", "cos".

    Returns:
        ``(index, distance)``: int64 (m,), the row of ``catalog`` nearest to
        each vector (the first one when distances tie), and (m,) the distance
        rho(vectors[i], catalog[index[i]]), in the dtype of the vectors.

    Raises:
        TypeError: ``vectors`` or ``catalog`` is not a floating-point tensor.
        ValueError: shapes are not (m, d) and (N >= 1, d), a value is not
            finite, or ``rho`` is not one of the four names.
    """
    require_vectors_and_catalog(vectors, catalog)
    require_rho(rho)
    if rho == "cos":
        distances = 1 - F.normalize(vectors, dim=1) @ F.normalize(catalog, dim=1).T
    elif rho == "l10":
        squares = (vectors.unsqueeze(1) - catalog.unsqueeze(0)).square_()  # (m, N, d): gap^2
        # gap^10 = ((gap^2)^2)^2 * gap^2, in place: four times faster than .pow(10).
        distances = squares.square().square_().mul_(squares).sum(dim=2).pow(0.1)
    else:  # torch.cdist's p-norm; "donot_use_mm" computes the L2 gaps exactly, not via dot products
        p = 1 if rho == "l1" else 2
        distances = torch.cdist(vectors, catalog, p=p, compute_mode="donot_use_mm_for_euclid_dist")
    distance, index = distances.min(dim=1)
    return index, distance


def relaxed_completion(score_fn, outfit, catalog, k, rho, steps, lr):
    """Gradient ascent on k free vectors in R^d, then the nearest catalogue items under rho.

    1. Start: every free vector at the catalogue's mean, moved by a small
       seeded normal step (``0.1 * catalog.std(0) * N(0, I)``, generator seed 0)
       so that the k vectors differ.
    2. ``steps`` steps of plain gradient ascent on log S(O_n + {Z_1, ..., Z_k}):
       Z <- Z + lr * d log S / dZ (one call of ``score_fn`` on a (1, n + k, d)
       batch and one gradient per step). log S has the maximizers of S, and
       its gradient dS/dZ / S does not vanish where S is nearly 0, as it is
       for most points of R^d under a sharp scorer.
    3. Projection: Z_1 goes to its nearest catalogue item under ``rho`` among
       the items not in the outfit, then Z_2 to its nearest among the items
       left, and so on (``nearest_items`` on the remaining catalogue), so the
       k items are distinct.

    Args:
        score_fn, outfit, catalog, k: as ``greedy_one_step``; ``score_fn``
            must be differentiable with respect to its input.
        rho: one of "l1", "l2", "l10", "cos" (see ``nearest_items``).
        steps: int >= 0: gradient steps.
        lr: number > 0: the step size.

    Returns:
        int64 tensor (k,): the projections of Z_1, ..., Z_k in that order;
        distinct, none in ``outfit``.

    Raises:
        TypeError, ValueError: as ``greedy_one_step``, or ``rho``, ``steps``
        or ``lr`` is not as above.
    """
    require_completion_problem(score_fn, outfit, catalog, k)
    require_rho(rho)
    require_int_at_least("steps", steps, 0)
    require_positive_number("lr", lr)
    noise = torch.randn(
        k, catalog.shape[1], generator=torch.Generator().manual_seed(0), dtype=catalog.dtype
    )
    z = catalog.mean(dim=0) + 0.1 * catalog.std(dim=0) * noise  # (k, d)
    z.requires_grad_(True)
    base = catalog[outfit]
    for _ in range(steps):
        score = score_fn(torch.cat([base, z]).unsqueeze(0))[0]
        (grad,) = torch.autograd.grad(torch.log(score), z)
        with torch.no_grad():
            z += lr * grad
    allowed = torch.ones(len(catalog), dtype=torch.bool)
    allowed[outfit] = False
    picked = []
    for j in range(k):
        candidates = torch.nonzero(allowed).flatten()
        index, _ = nearest_items(z[j : j + 1].detach(), catalog[candidates], rho)
        picked.append(int(candidates[index[0]]))
        allowed[picked[-1]] = False
    return torch.tensor(picked, dtype=torch.int64)


def message_passing_layer(h, M, U):
    """One message-passing step on a complete graph, with sum aggregation.

    h_i' = U(h_i, sum_{j=1..V} M(h_i, h_j)) for each of the V nodes i

    The sum runs over every node j, i itself included (the thesis's formula,
    after Gilmer et al., 2017). Summing makes the layer permutation
    equivariant: reordering the nodes reorders the outputs the same way. (In
    the GNN completer the graph has V = n + k nodes: the n items of the
    outfit and k blank nodes.)

    Args:
        h: float tensor (..., V, d): the states of V nodes (any leading batch dims).
        M: callable, the message function: M(a, b) on tensors (..., d) and
            (..., d) of one shape returns messages (..., d_m), acting on the
            last dimension (``course.outfit.gnn.PairMLP``, say).
        U: callable, the update function: U(h, m) on (..., d) and (..., d_m)
            returns new states (..., d').

    Returns:
        Tensor (..., V, d'): the new states h'.

    Raises:
        TypeError: ``h`` is not a floating-point tensor or M, U are not callable.
        ValueError: ``h`` has fewer than 2 dimensions or a non-finite value.
    """
    require_finite_tensors(h=h)
    require_callable("M", M)
    require_callable("U", U)
    if h.dim() < 2:
        raise ValueError(f"h must be (..., V, d), got shape {tuple(h.shape)}")
    n, d = h.shape[-2:]
    h_i = h.unsqueeze(-2).expand(*h.shape[:-2], n, n, d)  # [..., i, j, :] = h_i
    h_j = h.unsqueeze(-3).expand(*h.shape[:-2], n, n, d)  # [..., i, j, :] = h_j
    messages = M(h_i, h_j).sum(dim=-2)  # (..., n, d_m): the sum over j
    return U(h, messages)


def completion_loss(pred, target, rho):
    """The GNN's training loss: the mean over slots of rho(pred_i, target_i).

    Slot i of the generated completion is compared with item i of the target
    (greedy k-step's i-th pick, say), under the distance ``rho`` of
    ``nearest_items``; the mean runs over the k slots and over every outfit
    of the batch:

        loss = (1 / (B k)) sum_b sum_i rho(pred[b, i], target[b, i])

    rho(a, b) for ``rho`` = "l1": sum_t |a_t - b_t|; "l2": (sum_t |a_t - b_t|^2)^(1/2);
    "l10": (sum_t |a_t - b_t|^10)^(1/10); "cos": 1 - a.b / (|a| |b|).
    Differentiable in ``pred``: its gradient trains the GNN.

    Args:
        pred: float tensor (..., k, d): the generated vectors (any leading
            batch dims: (k, d) for one outfit, (B, k, d) for a batch).
        target: float tensor of the same shape: the target items' embeddings.
        rho: one of "l1", "l2", "l10", "cos".

    Returns:
        0-d tensor in the dtype of ``pred``: the mean of rho over all slots.

    Raises:
        TypeError: ``pred`` or ``target`` is not a floating-point tensor.
        ValueError: ``rho`` is not one of the four names, the shapes differ
            (no broadcasting: it would compare every vector with every
            target), a tensor has fewer than 2 dimensions (..., k, d) or a
            non-finite value.
    """
    require_rho(rho)
    require_finite_tensors(pred=pred, target=target)
    require_same_shape("target", target, "pred", pred)
    if pred.dim() < 2:
        raise ValueError(f"pred and target must be (..., k, d), got shape {tuple(pred.shape)}")
    if rho == "cos":
        per_slot = 1 - F.cosine_similarity(pred, target, dim=-1)  # (..., k)
    else:  # the p-norm of the gap; its gradient at a zero gap is 0, not NaN
        p = {"l1": 1, "l2": 2, "l10": 10}[rho]
        per_slot = torch.linalg.vector_norm(pred - target, ord=p, dim=-1)  # (..., k)
    return per_slot.mean()
