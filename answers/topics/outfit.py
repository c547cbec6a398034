"""Answers to 07_outfit: mistakes, right answers written otherwise, plain answers, the demo student.

Mistakes are mutations of the solution where the slip is one expression
(``Edit``), and whole functions where a student would write something else
(a loop that calls the score once per item, a search hard-wired to pairs).
Plain answers are what a student writes without argument checks: the whole
catalogue scored and the outfit masked out, ``itertools.combinations``,
``torch.cdist``, ``torch.optim.SGD`` with ``maximize=True``, a loop over the
nodes of the graph, ``abs().pow(p).sum().pow(1 / p)`` for the loss (which
loses only ``test_completion_loss_errors``: it checks nothing).
``relaxed_completion`` calls ``nearest_items``: its test grades it with the
answer key's ``nearest_items`` in place of the student's, so that one mistake
is not counted twice (the cross-cell cases).
"""

import torch

from answers import UNATTEMPTED, Edit, correct, cross, mistake, plain, unattempted
from course.outfit.gnn import PairMLP, ResidualUpdate
from course.outfit.toys import PairwiseScore

ASSIGNMENT = "07_outfit"

_TOPK = "return candidates[torch.topk(scores, k).indices]"
_KEEP = "    allowed[outfit] = False\n"
_RELAX_STEP = "            z += lr * grad"
_PROJECTION = """    picked = []
    for j in range(k):
        candidates = torch.nonzero(allowed).flatten()
        index, _ = nearest_items(z[j : j + 1].detach(), catalog[candidates], rho)
        picked.append(int(candidates[index[0]]))
        allowed[picked[-1]] = False
    return torch.tensor(picked, dtype=torch.int64)"""
_L2 = 'distances = torch.cdist(vectors, catalog, p=p, compute_mode="donot_use_mm_for_euclid_dist")'
_SUM = "messages = M(h_i, h_j).sum(dim=-2)"
_MEAN = "return per_slot.mean()"
_NORM = "per_slot = torch.linalg.vector_norm(pred - target, ord=p, dim=-1)"

#: A right relaxed_completion as a student writes it: SGD with maximize=True, a loop to project.
RELAX_PLAIN_SGD = """
def relaxed_completion(score_fn, outfit, catalog, k, rho, steps, lr):
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(k, catalog.shape[1], generator=g, dtype=catalog.dtype)
    z = (catalog.mean(0) + 0.1 * catalog.std(0) * noise).requires_grad_(True)
    optimizer = torch.optim.SGD([z], lr=lr, maximize=True)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.log(score_fn(torch.cat([catalog[outfit], z]).unsqueeze(0))).sum().backward()
        optimizer.step()
    taken = outfit.tolist()
    added = []
    for j in range(k):
        rest = torch.tensor([i for i in range(len(catalog)) if i not in taken])
        index, _ = nearest_items(z[j : j + 1].detach(), catalog[rest], rho)
        added.append(int(rest[index[0]]))
        taken.append(added[-1])
    return torch.tensor(added)
"""

ANSWERS = [
    # --- greedy_one_step -------------------------------------------------------------------------
    mistake(
        "one_step_same_item_twice",
        "greedy_one_step",
        Edit(_TOPK, "return candidates[scores.argmax()].repeat(k)"),
    ),
    mistake(
        "one_step_keeps_outfit_items",
        "greedy_one_step",
        Edit(_KEEP + "    candidates", "    candidates"),
    ),
    mistake(
        "one_step_lowest_scores",
        "greedy_one_step",
        Edit("torch.topk(scores, k).indices", "torch.topk(scores, k, largest=False).indices"),
    ),
    mistake(
        "one_step_positions_not_indices",
        "greedy_one_step",
        Edit(_TOPK, "return torch.topk(scores, k).indices"),
    ),
    mistake(
        "one_step_scores_items_alone",
        "greedy_one_step",
        Edit(
            "batch = torch.cat([base, catalog[candidates].unsqueeze(1)], dim=1)",
            "batch = catalog[candidates].unsqueeze(1)",
        ),
    ),
    mistake(
        "one_step_one_call_per_item",
        "greedy_one_step",
        """
def greedy_one_step(score_fn, outfit, catalog, k):
    candidates = [i for i in range(len(catalog)) if i not in outfit.tolist()]
    scores = []
    for c in candidates:
        items = torch.cat([outfit, torch.tensor([c])])
        scores.append(float(score_fn(catalog[items].unsqueeze(0))[0]))
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    return torch.tensor([candidates[i] for i in order[:k]])
""",
    ),
    plain(
        "one_step_plain_mask_the_outfit",
        "greedy_one_step",
        """
def greedy_one_step(score_fn, outfit, catalog, k):
    n = len(catalog)
    batch = torch.cat([catalog[outfit].unsqueeze(0).repeat(n, 1, 1), catalog.unsqueeze(1)], dim=1)
    scores = score_fn(batch).detach().clone()
    scores[outfit] = -float("inf")
    return scores.argsort(descending=True)[:k]
""",
    ),
    correct(
        "one_step_sort_with_checks",
        "greedy_one_step",
        """
def greedy_one_step(score_fn, outfit, catalog, k):
    require_completion_problem(score_fn, outfit, catalog, k)
    keep = ~torch.isin(torch.arange(len(catalog)), outfit)
    candidates = torch.arange(len(catalog))[keep]
    batch = torch.stack([torch.cat([catalog[outfit], catalog[c : c + 1]]) for c in candidates])
    with torch.no_grad():
        order = torch.sort(score_fn(batch), descending=True, stable=True).indices
    return candidates[order[:k]]
""",
    ),
    # --- greedy_k_step ---------------------------------------------------------------------------
    mistake(
        "k_step_not_conditioning",
        "greedy_k_step",
        Edit("base = catalog[torch.cat([outfit, picked])]", "base = catalog[outfit]"),
    ),
    mistake("k_step_repeats_picks", "greedy_k_step", Edit("        allowed[best] = False\n", "")),
    mistake("k_step_keeps_outfit_items", "greedy_k_step", Edit(_KEEP + "    picked", "    picked")),
    mistake(
        "k_step_argmin",
        "greedy_k_step",
        Edit("score_fn(batch).argmax()", "score_fn(batch).argmin()"),
    ),
    mistake(
        "k_step_one_call_per_item",
        "greedy_k_step",
        """
def greedy_k_step(score_fn, outfit, catalog, k):
    chosen = []
    for _ in range(k):
        best, best_score = None, -1.0
        for c in range(len(catalog)):
            if c in outfit.tolist() or c in chosen:
                continue
            items = torch.tensor(outfit.tolist() + chosen + [c])
            value = float(score_fn(catalog[items].unsqueeze(0))[0])
            if value > best_score:
                best, best_score = c, value
        chosen.append(best)
    return torch.tensor(chosen)
""",
    ),
    plain(
        "k_step_plain_mask_and_argmax",
        "greedy_k_step",
        """
def greedy_k_step(score_fn, outfit, catalog, k):
    chosen = []
    for _ in range(k):
        current = torch.cat([outfit, torch.tensor(chosen, dtype=torch.int64)])
        base = catalog[current].expand(len(catalog), -1, -1)
        scores = score_fn(torch.cat([base, catalog[:, None]], dim=1)).detach().clone()
        scores[current] = float("-inf")
        chosen.append(int(scores.argmax()))
    return torch.tensor(chosen)
""",
    ),
    unattempted("greedy_k_step"),
    # --- beam_search -----------------------------------------------------------------------------
    mistake(
        "beam_keeps_one_hypothesis",
        "beam_search",
        Edit(
            "torch.topk(scores, min(beam_width, len(extended))).indices",
            "torch.topk(scores, 1).indices",
        ),
    ),
    mistake(
        "beam_returns_the_last_kept",
        "beam_search",
        Edit("    return beams[0]", "    return beams[-1]"),
    ),
    mistake(
        "beam_allows_repeats",
        "beam_search",
        Edit(
            "        extended = extended[fresh]  # (E, j + 1)\n",
            "        extended = extended.flatten(0, 1)\n",
        ),
    ),
    mistake(
        "beam_keeps_outfit_items", "beam_search", Edit(_KEEP + "    candidates", "    candidates")
    ),
    mistake(
        "beam_forgets_earlier_picks",
        "beam_search",
        Edit(
            "items = torch.cat([outfit.expand(len(extended), -1), extended], dim=1)",
            "items = torch.cat([outfit.expand(len(extended), -1), extended[:, -1:]], dim=1)",
        ),
    ),
    plain(
        "beam_plain_lists",
        "beam_search",
        """
def beam_search(score_fn, outfit, catalog, k, beam_width):
    beams = [[]]
    for _ in range(k):
        found = []
        for beam in beams:
            used = outfit.tolist() + beam
            candidates = [i for i in range(len(catalog)) if i not in used]
            items = torch.tensor([used + [c] for c in candidates])
            scores = score_fn(catalog[items])
            found += [(float(s), beam + [c]) for s, c in zip(scores, candidates)]
        found.sort(key=lambda pair: -pair[0])
        beams = [sequence for _, sequence in found[:beam_width]]
    return torch.tensor(beams[0])
""",
    ),
    correct(
        "beam_of_distinct_sets",
        "beam_search",
        """
def beam_search(score_fn, outfit, catalog, k, beam_width):
    require_completion_problem(score_fn, outfit, catalog, k)
    require_int_at_least("beam_width", beam_width, 1)
    candidates = [i for i in range(len(catalog)) if i not in outfit.tolist()]
    beams = [()]
    for _ in range(k):
        grown = {tuple(sorted(b + (c,))) for b in beams for c in candidates if c not in b}
        extended = sorted(grown)
        items = torch.tensor([outfit.tolist() + list(e) for e in extended])
        with torch.no_grad():
            scores = score_fn(catalog[items])
        order = torch.sort(scores, descending=True, stable=True).indices[:beam_width]
        beams = [extended[i] for i in order.tolist()]
    return torch.tensor(beams[0])
""",
    ),
    # --- exhaustive ------------------------------------------------------------------------------
    mistake(
        "exhaustive_with_replacement",
        "exhaustive",
        Edit("flatten(), r=k)", "flatten(), r=k, with_replacement=True)"),
    ),
    mistake(
        "exhaustive_includes_outfit_items",
        "exhaustive",
        Edit(_KEEP + "    subsets", "    subsets"),
    ),
    mistake(
        "exhaustive_pairs_only",
        "exhaustive",
        """
def exhaustive(score_fn, outfit, catalog, k):
    candidates = [i for i in range(len(catalog)) if i not in outfit.tolist()]
    pairs = list(itertools.combinations(candidates, 2))
    items = torch.tensor([outfit.tolist() + list(pair) for pair in pairs])
    return torch.tensor(pairs[int(score_fn(catalog[items]).argmax())])
""",
    ),
    mistake(
        "exhaustive_one_call_per_subset",
        "exhaustive",
        """
def exhaustive(score_fn, outfit, catalog, k):
    candidates = [i for i in range(len(catalog)) if i not in outfit.tolist()]
    best, best_score = None, -1.0
    for subset in itertools.combinations(candidates, k):
        items = torch.tensor(outfit.tolist() + list(subset))
        value = float(score_fn(catalog[items].unsqueeze(0))[0])
        if value > best_score:
            best, best_score = subset, value
    return torch.tensor(best)
""",
    ),
    plain(
        "exhaustive_plain_itertools",
        "exhaustive",
        """
def exhaustive(score_fn, outfit, catalog, k):
    candidates = [i for i in range(len(catalog)) if i not in outfit.tolist()]
    subsets = list(itertools.combinations(candidates, k))
    items = torch.tensor([outfit.tolist() + list(s) for s in subsets])
    scores = score_fn(catalog[items])
    return torch.tensor(subsets[int(scores.argmax())])
""",
    ),
    # --- nearest_items ---------------------------------------------------------------------------
    mistake(
        "nearest_cos_similarity",
        "nearest_items",
        Edit("distances = 1 - F.normalize(vectors", "distances = F.normalize(vectors"),
    ),
    mistake(
        "nearest_l10_without_the_root", "nearest_items", Edit(".sum(dim=2).pow(0.1)", ".sum(dim=2)")
    ),
    mistake("nearest_l2_squared", "nearest_items", Edit(_L2, _L2 + " ** p")),
    mistake(
        "nearest_l10_as_largest_gap",
        "nearest_items",
        Edit(
            "distances = squares.square().square_().mul_(squares).sum(dim=2).pow(0.1)",
            "distances = squares.amax(dim=2).sqrt()",
        ),
    ),
    mistake(
        "nearest_returns_distance_first",
        "nearest_items",
        Edit("    return index, distance", "    return distance, index"),
    ),
    plain(
        "nearest_plain_cdist",
        "nearest_items",
        """
def nearest_items(vectors, catalog, rho):
    if rho == "cos":
        d = 1 - F.cosine_similarity(vectors[:, None, :], catalog[None, :, :], dim=-1)
    else:
        d = torch.cdist(vectors, catalog, p={"l1": 1, "l2": 2, "l10": 10}[rho])
    distance, index = d.min(dim=1)
    return index, distance
""",
    ),
    correct(
        "nearest_broadcast_pow",
        "nearest_items",
        """
def nearest_items(vectors, catalog, rho):
    require_rho(rho)
    if rho == "cos":
        a = vectors / vectors.norm(dim=1, keepdim=True)
        b = catalog / catalog.norm(dim=1, keepdim=True)
        d = 1 - a @ b.T
    else:
        p = int(rho[1:])
        d = (vectors[:, None] - catalog[None]).abs().pow(p).sum(-1).pow(1.0 / p)
    return d.argmin(dim=1), d.amin(dim=1)
""",
    ),
    # --- relaxed_completion ----------------------------------------------------------------------
    mistake(
        "relaxed_descends", "relaxed_completion", Edit(_RELAX_STEP, "            z -= lr * grad")
    ),
    mistake(
        "relaxed_never_moves",
        "relaxed_completion",
        Edit(_RELAX_STEP, "            z.add(lr * grad)"),
    ),
    mistake(
        "relaxed_rebinds_z",
        "relaxed_completion",
        Edit(_RELAX_STEP, "            z = z + lr * grad"),
    ),
    mistake(
        "relaxed_projects_all_at_once",
        "relaxed_completion",
        Edit(
            _PROJECTION,
            """    candidates = torch.nonzero(allowed).flatten()
    index, _ = nearest_items(z.detach(), catalog[candidates], rho)
    return candidates[index]""",
        ),
    ),
    mistake(
        "relaxed_ignores_rho",
        "relaxed_completion",
        Edit("catalog[candidates], rho)", 'catalog[candidates], "l2")'),
    ),
    plain("relaxed_plain_sgd", "relaxed_completion", RELAX_PLAIN_SGD),
    plain(
        "relaxed_plain_from_zero",
        "relaxed_completion",
        """
def relaxed_completion(score_fn, outfit, catalog, k, rho, steps, lr):
    z = torch.zeros(k, catalog.shape[1], dtype=catalog.dtype, requires_grad=True)
    for _ in range(steps):
        s = score_fn(torch.cat([catalog[outfit], z])[None])[0]
        g = torch.autograd.grad(s.log(), z)[0]
        z = (z + lr * g).detach().requires_grad_(True)
    free = torch.ones(len(catalog), dtype=torch.bool)
    free[outfit] = False
    result = []
    for vector in z.detach():
        rows = free.nonzero()[:, 0]
        result.append(rows[nearest_items(vector[None], catalog[rows], rho)[0][0]])
        free[result[-1]] = False
    return torch.stack(result)
""",
    ),
    # --- message_passing_layer -------------------------------------------------------------------
    mistake(
        "mp_mean_of_messages",
        "message_passing_layer",
        Edit(_SUM, "messages = M(h_i, h_j).mean(dim=-2)"),
    ),
    mistake(
        "mp_sums_over_receivers",
        "message_passing_layer",
        Edit(_SUM, "messages = M(h_i, h_j).sum(dim=-3)"),
    ),
    mistake(
        "mp_skips_the_update",
        "message_passing_layer",
        Edit("    return U(h, messages)", "    return messages"),
    ),
    mistake(
        "mp_drops_h_i_from_the_update",
        "message_passing_layer",
        Edit("    return U(h, messages)", "    return U(h_j.sum(dim=-2), messages)"),
    ),
    mistake(
        "mp_excludes_the_node_itself",
        "message_passing_layer",
        Edit(
            _SUM,
            "messages = (M(h_i, h_j) * (1 - torch.eye(n, dtype=h.dtype))[..., None]).sum(dim=-2)",
        ),
    ),
    mistake(
        "mp_message_from_the_sender_only",
        "message_passing_layer",
        Edit(_SUM, "messages = M(h_j, h_j).sum(dim=-2)"),
    ),
    plain(
        "mp_plain_loop_over_nodes",
        "message_passing_layer",
        """
def message_passing_layer(h, M, U):
    new = []
    for i in range(h.shape[-2]):
        h_i = h[..., i : i + 1, :].expand_as(h)
        new.append(U(h[..., i, :], M(h_i, h).sum(dim=-2)))
    return torch.stack(new, dim=-2)
""",
    ),
    correct(
        "mp_repeat_interleave",
        "message_passing_layer",
        """
def message_passing_layer(h, M, U):
    n = h.shape[-2]
    senders = h.repeat_interleave(n, dim=-2)  # row i * n + j holds h_i
    receivers = h.repeat(*([1] * (h.dim() - 2)), n, 1)  # row i * n + j holds h_j
    messages = M(senders, receivers)
    return U(h, messages.unflatten(-2, (n, n)).sum(dim=-2))
""",
    ),
    unattempted("message_passing_layer"),
    # --- completion_loss -------------------------------------------------------------------------
    mistake("loss_sums_the_slots", "completion_loss", Edit(_MEAN, "return per_slot.sum()")),
    mistake(
        "loss_without_the_root",
        "completion_loss",
        Edit(_NORM, "per_slot = (pred - target).abs().pow(p).sum(dim=-1)"),
    ),
    mistake(
        "loss_cosine_similarity",
        "completion_loss",
        Edit(
            "per_slot = 1 - F.cosine_similarity(pred, target, dim=-1)",
            "per_slot = F.cosine_similarity(pred, target, dim=-1)",
        ),
    ),
    mistake(
        "loss_mean_over_coordinates",
        "completion_loss",
        Edit(_NORM, "per_slot = (pred - target).abs().pow(p).mean(dim=-1).pow(1 / p)"),
    ),
    mistake(
        "loss_epsilon_under_the_root",
        "completion_loss",
        Edit(_NORM, "per_slot = (pred - target).abs().pow(p).sum(dim=-1).add(1e-12).pow(1 / p)"),
    ),
    mistake(
        "loss_not_differentiable",
        "completion_loss",
        Edit(_MEAN, "return torch.tensor(per_slot.mean().item(), dtype=pred.dtype)"),
    ),
    mistake(
        "loss_best_pairing",
        "completion_loss",
        """
def completion_loss(pred, target, rho):
    require_rho(rho)
    require_same_shape("target", target, "pred", pred)
    p = {"l1": 1, "l2": 2, "l10": 10, "cos": None}[rho]

    def distance(a, b):
        if p is None:
            return 1 - F.cosine_similarity(a, b, dim=-1)
        return torch.linalg.vector_norm(a - b, ord=p, dim=-1)

    k = pred.shape[-2]
    orders = [list(order) for order in itertools.permutations(range(k))]
    sums = torch.stack([distance(pred, target[..., order, :]).sum(-1) for order in orders])
    return sums.amin(dim=0).mean() / k
""",
    ),
    plain(
        "loss_plain_pow_sum_root",
        "completion_loss",
        """
def completion_loss(pred, target, rho):
    if rho == "cos":
        return (1 - F.cosine_similarity(pred, target, dim=-1)).mean()
    p = {"l1": 1, "l2": 2, "l10": 10}[rho]
    return ((pred - target).abs() ** p).sum(dim=-1).pow(1 / p).mean()
""",
        loses=["test_completion_loss_errors"],
    ),
    correct(
        "loss_torch_dist_loop",
        "completion_loss",
        """
def completion_loss(pred, target, rho):
    require_rho(rho)
    require_same_shape("target", target, "pred", pred)
    d = pred.shape[-1]
    distances = []
    for a, b in zip(pred.reshape(-1, d), target.reshape(-1, d)):
        if rho == "cos":
            distances.append(1 - a @ b / (a.norm() * b.norm()))
        else:
            distances.append(torch.dist(a, b, p=int(rho[1:])))
    return torch.stack(distances).mean()
""",
    ),
    unattempted("completion_loss"),
    # --- Across cells: a right relaxed_completion that calls a wrong or missing nearest_items loses
    # test_nearest_items only (test_relaxed_completion grades with the answer key's nearest_items).
    cross(
        "wrong_nearest_used_by_a_plain_relaxation",
        {
            "nearest_items": Edit("distances.min(dim=1)", "distances.max(dim=1)"),
            "relaxed_completion": RELAX_PLAIN_SGD,
        },
        loses=["test_nearest_items"],
    ),
    cross(
        "missing_nearest_used_by_a_plain_relaxation",
        {"nearest_items": UNATTEMPTED, "relaxed_completion": RELAX_PLAIN_SGD},
        loses=["test_nearest_items"],
    ),
]

#: Right one-step, beam and exhaustive; k-step without the earlier picks, cosine similarity for
#: the cosine distance, no message passing.
DEMO_STUDENT = [
    "k_step_not_conditioning",
    "nearest_cos_similarity",
    "message_passing_layer_unattempted",
]


def _problem(seed, n_items=15, dim=3):
    g = torch.Generator().manual_seed(seed)
    catalog = torch.randn(n_items, dim, generator=g, dtype=torch.float64)
    return catalog, torch.randperm(n_items, generator=g)[:2]


def _score_problem(seed, k):
    catalog, outfit = _problem(seed)
    return {"score_fn": PairwiseScore(3, seed=seed), "outfit": outfit, "catalog": catalog, "k": k}


def _graph():
    torch.manual_seed(3)
    h = torch.randn(2, 4, 3, dtype=torch.float64)
    return {"h": h, "M": PairMLP(3, 3, 6, 5).double(), "U": ResidualUpdate(3, 5, 6).double()}


#: Inputs on which no helper shipped to students may reproduce an exercise's answer.
PROBES = {
    "greedy_one_step": lambda: _score_problem(1, 3),
    "greedy_k_step": lambda: _score_problem(2, 3),
    "beam_search": lambda: _score_problem(3, 3) | {"beam_width": 3},
    "exhaustive": lambda: _score_problem(4, 2),
    "nearest_items": lambda: {
        "vectors": _problem(5)[0][:4],
        "catalog": _problem(6, n_items=30)[0],
        "rho": "l2",
    },
    "relaxed_completion": lambda: _score_problem(7, 2) | {"rho": "cos", "steps": 20, "lr": 0.5},
    "message_passing_layer": _graph,
    "completion_loss": lambda: {
        "pred": _problem(8, n_items=6)[0].reshape(3, 2, 3),
        "target": _problem(9, n_items=6)[0].reshape(3, 2, 3),
        "rho": "l2",
    },
}
