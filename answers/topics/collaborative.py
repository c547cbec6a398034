"""Answers to 06_collaborative: mistakes, right answers written otherwise, plain answers, the demo.

Mistakes are mutations of the solution where the slip is one expression
(``Edit``), and whole functions where a student would write something else.
Plain answers have no argument checks, as students write them.

Exercises 1 to 4 ask for whole-tensor code and their test cells time one call
("too slow: vectorize"): the loop answers below compute the right values and
lose their test for speed alone. Exercises 5 to 7 may loop, and their loop
answers are plain answers that keep full marks.

``pearson_item_similarity``'s test cell uses the answer key's user similarity
while it runs, so a wrong or slow ``pearson_user_similarity`` loses its own
test only, whether the item cell is the solution's or a student's call of it
(the cross-cell answers).
"""

import ast
import inspect

import torch

from answers import Edit, correct, cross, mistake, plain, unattempted
from course.collaborative.ratings import random_ratings
from course.reference.collaborative_fast import pearson_user_similarity_fast

ASSIGNMENT = "06_collaborative"


def _without_docstring(function):
    """``function``'s source without its docstring (which names the answer key's modules,
    a mention the grader's scan rightly refuses in a student cell)."""
    source = inspect.getsource(function)
    docstring = ast.parse(source).body[0].body[0]
    lines = source.splitlines(keepends=True)
    return "".join(lines[: docstring.lineno - 1] + lines[docstring.end_lineno :])


# The answer key's fast version, submitted as the exercise: right, and faster still.
_FAST = _without_docstring(pearson_user_similarity_fast).replace(
    "def pearson_user_similarity_fast(R):", "def pearson_user_similarity(R):"
)

# Pearson over co-rated items, pair by pair in Python floats: right values, far too slow.
_LOOP_PEARSON = """
def {name}(R):
    rows = {rows}.double().tolist()
    size = len(rows)
    W = torch.zeros(size, size, dtype=torch.float64)
    for u in range(size):
        for v in range(size):
            common = [(a, b) for a, b in zip(rows[u], rows[v])
                      if not math.isnan(a) and not math.isnan(b)]
            if len(common) < 2:
                continue
            mean_u = sum(a for a, _ in common) / len(common)
            mean_v = sum(b for _, b in common) / len(common)
            num = sum((a - mean_u) * (b - mean_v) for a, b in common)
            su = sum((a - mean_u) ** 2 for a, _ in common)
            sv = sum((b - mean_v) ** 2 for _, b in common)
            if su > 0 and sv > 0:
                W[u, v] = num / math.sqrt(su * sv)
    return W.to(R.dtype)
"""

# Each user centred on the mean of all their ratings, not of the co-rated ones.
_OVERALL_MEANS = """
def pearson_user_similarity(R):
    means = torch.nanmean(R.double(), dim=1)
    M = (~torch.isnan(R)).double()
    X = torch.where(torch.isnan(R), 0.0, R.double() - means[:, None])
    n = M @ M.T
    num = X @ X.T
    su = (X * X) @ M.T
    den = torch.sqrt(su * su.T)
    ok = (n >= 2) & (den > 0)
    W = torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(den))
    return W.to(R.dtype)
"""

_ITEM_CALLS_USER = """
def pearson_item_similarity(R):
    return pearson_user_similarity(R.T)
"""

ANSWERS = [
    # --- pearson_user_similarity -----------------------------------------------------------------
    mistake("pearson_overall_means", "pearson_user_similarity", _OVERALL_MEANS),
    mistake(
        "pearson_numpy_masked_corrcoef",
        "pearson_user_similarity",
        """
import numpy as np

def pearson_user_similarity(R):
    x = np.ma.masked_invalid(R.double().numpy())
    W = np.ma.corrcoef(x, allow_masked=True)  # centres each row on its overall mean
    return torch.from_numpy(np.ma.filled(W, 0.0)).to(R.dtype)
""",
    ),
    mistake(
        "pearson_nan_for_undefined",
        "pearson_user_similarity",
        Edit(
            "    return torch.where(defined, W, 0.0).clamp(-1.0, 1.0).to(R.dtype)",
            "    return W.clamp(-1.0, 1.0).to(R.dtype)",
        ),
    ),
    mistake(
        "pearson_variance_of_u_only",
        "pearson_user_similarity",
        Edit("(variance > 0) & (variance.T > 0)", "variance > 0"),
    ),
    mistake(
        "pearson_missing_as_zero",
        "pearson_user_similarity",
        """
def pearson_user_similarity(R):
    W = torch.corrcoef(torch.nan_to_num(R.double(), nan=0.0))
    return torch.nan_to_num(W, nan=0.0).to(R.dtype)
""",
    ),
    mistake(
        "pearson_diagonal_always_one",
        "pearson_user_similarity",
        Edit(
            "    return torch.where(defined, W, 0.0).clamp(-1.0, 1.0).to(R.dtype)",
            "    W = torch.where(defined, W, 0.0).clamp(-1.0, 1.0)\n"
            "    W.fill_diagonal_(1.0)  # scikit-surprise's diagonal, not the assignment's rule\n"
            "    return W.to(R.dtype)",
        ),
    ),
    mistake(
        "pearson_float32_cancellation",
        "pearson_user_similarity",
        [
            Edit("M = rated.to(torch.float64)", "M = rated.to(torch.float32)"),
            Edit("R, 0.0).to(torch.float64)", "R, 0.0).to(torch.float32)"),
        ],
    ),
    mistake(
        "pearson_python_loops_too_slow",
        "pearson_user_similarity",
        _LOOP_PEARSON.format(name="pearson_user_similarity", rows="R"),
    ),
    plain(
        "pearson_plain_co_rated_means",
        "pearson_user_similarity",
        """
def pearson_user_similarity(R):
    known = ~torch.isnan(R)
    M = known.double()
    X = torch.nan_to_num(R.double())
    n = M @ M.T
    mean_u = (X @ M.T) / n.clamp(min=1)  # u's mean over the items u and v both rated
    mean_v = mean_u.T
    cov = X @ X.T - n * mean_u * mean_v
    var_u = (X * X) @ M.T - n * mean_u**2
    var_v = var_u.T
    ok = (n >= 2) & (var_u > 1e-9) & (var_v > 1e-9)
    W = cov / torch.sqrt(var_u * var_v)
    return torch.where(ok, W, 0.0).to(R.dtype)
""",
    ),
    plain(
        "pearson_plain_uncentred_sums",
        "pearson_user_similarity",
        """
def pearson_user_similarity(R):
    M = (~torch.isnan(R)).double()
    X = torch.nan_to_num(R.double())
    n, s, ss, sxy = M @ M.T, X @ M.T, (X**2) @ M.T, X @ X.T
    num = n * sxy - s * s.T
    var = n * ss - s**2
    den = torch.sqrt(var * var.T)
    return torch.where(den > 0, num / den, 0.0).to(R.dtype)
""",
    ),
    correct("pearson_answer_key_fast_version", "pearson_user_similarity", _FAST),
    # --- pearson_item_similarity -----------------------------------------------------------------
    mistake(
        "item_similarity_not_transposed",
        "pearson_item_similarity",
        Edit("return pearson_user_similarity(R.T)", "return pearson_user_similarity(R)"),
    ),
    mistake(
        "item_similarity_float64_out",
        "pearson_item_similarity",
        Edit("pearson_user_similarity(R.T)", "pearson_user_similarity(R.T.double())"),
    ),
    mistake(
        "item_similarity_exam_slip_sqrt",
        "pearson_item_similarity",
        """
def pearson_item_similarity(R):
    X = torch.nan_to_num(R.T.double(), nan=0.0)
    M = (~torch.isnan(R.T)).double()
    n = M @ M.T
    sx = X @ M.T
    cov = X @ X.T - sx * sx.T / n.clamp(min=1)
    var = (X * X) @ M.T - sx**2 / n.clamp(min=1)
    ok = (n >= 2) & (var > 1e-12) & (var.T > 1e-12)
    # the exam's formula as printed: the second square root multiplies the fraction
    W = cov / torch.sqrt(var.clamp(min=1e-12)) * torch.sqrt(var.T.clamp(min=0))
    return torch.where(ok, W, torch.zeros_like(W)).to(R.dtype)
""",
    ),
    mistake(
        "item_similarity_cosine",
        "pearson_item_similarity",
        """
def pearson_item_similarity(R):
    X = torch.nan_to_num(R.T.double(), nan=0.0)
    M = (~torch.isnan(R.T)).double()
    n = M @ M.T
    sxx = (X * X) @ M.T
    den = torch.sqrt(sxx * sxx.T)
    ok = (n >= 2) & (den > 0)
    safe = torch.where(ok, den, torch.ones_like(den))
    W = torch.where(ok, (X @ X.T) / safe, torch.zeros_like(den))
    return W.to(R.dtype)
""",
    ),
    mistake(
        "item_similarity_python_loops_too_slow",
        "pearson_item_similarity",
        _LOOP_PEARSON.format(name="pearson_item_similarity", rows="R.T"),
    ),
    plain(
        "item_similarity_plain_own_matrix_code",
        "pearson_item_similarity",
        """
def pearson_item_similarity(R):
    M = (~torch.isnan(R)).double()
    X = torch.nan_to_num(R.double())
    n, s, ss, sxy = M.T @ M, X.T @ M, (X**2).T @ M, X.T @ X
    num = n * sxy - s * s.T
    var = n * ss - s**2
    den = torch.sqrt(var * var.T)
    return torch.where(den > 0, num / den, 0.0).to(R.dtype)
""",
    ),
    correct("item_similarity_calls_user_similarity", "pearson_item_similarity", _ITEM_CALLS_USER),
    cross(
        "wrong_user_similarity_item_calls_it",
        {"pearson_user_similarity": _OVERALL_MEANS, "pearson_item_similarity": _ITEM_CALLS_USER},
        loses=["test_pearson_user_similarity"],
    ),
    # --- user_based_scores -----------------------------------------------------------------------
    mistake(
        "user_scores_include_self",
        "user_based_scores",
        Edit("    similar[u] = False  # U(u) holds the other users only\n", ""),
    ),
    mistake(
        "user_scores_threshold_not_strict",
        "user_based_scores",
        Edit("W[u] > alpha", "W[u] >= alpha"),
    ),
    mistake(
        "user_scores_divided_by_all_users",
        "user_based_scores",
        Edit("rated_by_similar / n_similar", "rated_by_similar / R.shape[0]"),
    ),
    mistake(
        "user_scores_nan_when_nobody_similar",
        "user_based_scores",
        Edit("    if n_similar == 0:\n        return torch.zeros(R.shape[1], dtype=R.dtype)\n", ""),
    ),
    mistake(
        "user_scores_similarity_weighted",
        "user_based_scores",
        """
def user_based_scores(R, W, u, alpha):
    similar = W[u] > alpha
    similar[u] = False
    if not similar.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    weights = W[u][similar].to(R.dtype)
    return (weights @ (~torch.isnan(R[similar])).to(R.dtype)) / weights.sum()
""",
    ),
    mistake(
        "user_scores_python_loops_too_slow",
        "user_based_scores",
        """
def user_based_scores(R, W, u, alpha):
    similar = [v for v in range(R.shape[0]) if v != u and W[u, v].item() > alpha]
    scores = torch.zeros(R.shape[1], dtype=R.dtype)
    if not similar:
        return scores
    for i in range(R.shape[1]):
        raters = sum(1 for v in similar if not math.isnan(R[v, i].item()))
        scores[i] = raters / len(similar)
    return scores
""",
    ),
    plain(
        "user_scores_plain_matrix_product",
        "user_based_scores",
        """
def user_based_scores(R, W, u, alpha):
    similar = (W[u] > alpha).double()
    similar[u] = 0.0
    count = similar.sum()
    if count == 0:
        return torch.zeros(R.shape[1], dtype=R.dtype)
    known = (~torch.isnan(R)).double()
    return (similar @ known / count).to(R.dtype)
""",
    ),
    plain(
        "user_scores_plain_mean_of_mask",
        "user_based_scores",
        """
def user_based_scores(R, W, u, alpha):
    others = torch.arange(R.shape[0]) != u
    similar = (W[u] > alpha) & others
    if similar.sum() == 0:
        return torch.zeros(R.shape[1], dtype=R.dtype)
    return (~torch.isnan(R[similar])).to(R.dtype).mean(dim=0)
""",
    ),
    # --- item_based_scores -----------------------------------------------------------------------
    mistake(
        "item_scores_include_self",
        "item_based_scores",
        Edit(
            "    candidates[torch.arange(len(candidates)), "
            'rated.nonzero().flatten()] = float("-inf")  # j != i\n',
            "",
        ),
    ),
    mistake(
        "item_scores_threshold_not_strict",
        "item_based_scores",
        Edit("candidates > alpha", "candidates >= alpha"),
    ),
    mistake(
        "item_scores_sum_not_max",
        "item_based_scores",
        """
def item_based_scores(R, W, u, alpha):
    rated = ~torch.isnan(R[u])
    rows = W[rated].clone()
    rows[torch.arange(len(rows)), rated.nonzero().flatten()] = 0.0
    return torch.where(rows > alpha, rows, torch.zeros_like(rows)).sum(0).to(R.dtype)
""",
    ),
    mistake(
        "item_scores_over_all_items",
        "item_based_scores",
        """
def item_based_scores(R, W, u, alpha):
    rows = W.clone()
    rows.fill_diagonal_(-math.inf)
    best = torch.where(rows > alpha, rows, torch.full_like(rows, -math.inf)).max(0).values
    return torch.where(torch.isinf(best), torch.zeros_like(best), best).to(R.dtype)
""",
    ),
    mistake(
        "item_scores_python_loops_too_slow",
        "item_based_scores",
        """
def item_based_scores(R, W, u, alpha):
    rated = [j for j in range(R.shape[1]) if not math.isnan(R[u, j].item())]
    scores = torch.zeros(R.shape[1], dtype=R.dtype)
    for i in range(R.shape[1]):
        best = None
        for j in rated:
            w = W[j, i].item()
            if j != i and w > alpha and (best is None or w > best):
                best = w
        if best is not None:
            scores[i] = best
    return scores
""",
    ),
    plain(
        "item_scores_plain_masked_fill",
        "item_based_scores",
        """
def item_based_scores(R, W, u, alpha):
    rated = ~torch.isnan(R[u])
    keep = rated[:, None] & (W > alpha)
    keep.fill_diagonal_(False)
    best = W.masked_fill(~keep, -math.inf).max(dim=0).values
    return best.masked_fill(torch.isinf(best), 0.0).to(R.dtype)
""",
    ),
    # --- recommend -------------------------------------------------------------------------------
    mistake(
        "recommend_keeps_rated_items",
        "recommend",
        """
def recommend(scores, R, u, k):
    return torch.sort(scores, descending=True, stable=True).indices[:k]
""",
    ),
    mistake(
        "recommend_ties_to_higher_index",
        "recommend",
        Edit(
            "torch.sort(scores[unrated], descending=True, stable=True).indices",
            "torch.sort(scores[unrated], stable=True).indices.flip(0)",
        ),
    ),
    mistake(
        "recommend_positions_not_items",
        "recommend",
        Edit("    return unrated[order[:k]]", "    return order[:k]"),
    ),
    mistake(
        "recommend_minus_inf_padding",
        "recommend",
        """
def recommend(scores, R, u, k):
    masked = torch.where(torch.isnan(R[u]), scores, torch.full_like(scores, -math.inf))
    return torch.sort(masked, descending=True, stable=True).indices[:k]
""",
    ),
    plain(
        "recommend_plain_python_sorted",
        "recommend",
        """
def recommend(scores, R, u, k):
    unrated = [i for i in range(R.shape[1]) if math.isnan(R[u, i].item())]
    ranked = sorted(unrated, key=lambda i: (-scores[i].item(), i))
    return torch.tensor(ranked[:k], dtype=torch.int64)
""",
    ),
    correct(
        "recommend_sort_all_then_cut",
        "recommend",
        """
def recommend(scores, R, u, k):
    unrated = torch.isnan(R[u])
    masked = torch.where(unrated, scores.double(), -math.inf)
    order = torch.sort(masked, descending=True, stable=True).indices
    return order[: min(k, int(unrated.sum()))]
""",
    ),
    # --- precision_at_k --------------------------------------------------------------------------
    mistake(
        "precision_divides_by_relevant",
        "precision_at_k",
        Edit(
            "hits.to(torch.get_default_dtype()) / k",
            "hits.to(torch.get_default_dtype()) / relevant.sum(1).clamp(min=1)",
        ),
    ),
    mistake(
        "precision_divides_by_m",
        "precision_at_k",
        Edit(
            "hits.to(torch.get_default_dtype()) / k",
            "hits.to(torch.get_default_dtype()) / recommended.shape[1]",
        ),
    ),
    mistake(
        "precision_counts_whole_list",
        "precision_at_k",
        Edit(
            "torch.gather(relevant, 1, recommended[:, :k])",
            "torch.gather(relevant, 1, recommended)",
        ),
    ),
    plain(
        "precision_plain_python_sets",
        "precision_at_k",
        """
def precision_at_k(recommended, relevant, k):
    out = []
    for row, rel in zip(recommended.tolist(), relevant.tolist()):
        good = {i for i, flag in enumerate(rel) if flag}
        out.append(len(set(row[:k]) & good) / k)
    return torch.tensor(out)
""",
    ),
    # --- recall_at_k -----------------------------------------------------------------------------
    mistake(
        "recall_divides_by_k",
        "recall_at_k",
        Edit(
            "hits.to(torch.get_default_dtype()) / n_relevant",
            "hits.to(torch.get_default_dtype()) / k",
        ),
    ),
    mistake(
        "recall_nan_without_relevant",
        "recall_at_k",
        Edit("relevant.sum(1).clamp(min=1)", "relevant.sum(1)"),
    ),
    mistake(
        "recall_divides_by_min_k_relevant",
        "recall_at_k",
        Edit("relevant.sum(1).clamp(min=1)", "relevant.sum(1).clamp(min=1, max=k)"),
    ),
    plain(
        "recall_plain_python_sets",
        "recall_at_k",
        """
def recall_at_k(recommended, relevant, k):
    out = []
    for row, rel in zip(recommended.tolist(), relevant.tolist()):
        good = {i for i, flag in enumerate(rel) if flag}
        out.append(len(set(row[:k]) & good) / len(good) if good else 0.0)
    return torch.tensor(out)
""",
    ),
    correct(
        "recall_isin",
        "recall_at_k",
        """
def recall_at_k(recommended, relevant, k):
    hits = torch.stack([torch.isin(recommended[r, :k], relevant[r].nonzero().flatten()).sum()
                        for r in range(len(recommended))])
    n_relevant = relevant.sum(1)
    recall = torch.where(n_relevant > 0, hits / n_relevant.clamp(min=1), torch.zeros(()))
    return recall.to(torch.get_default_dtype())
""",
    ),
    unattempted("recall_at_k"),
]

#: Co-rated means missed, u counted among its own neighbours, recall not attempted: 6 of 12.
DEMO_STUDENT = ["pearson_overall_means", "user_scores_include_self", "recall_at_k_unattempted"]


def _ratings(seed, n_users=12, n_items=15):
    return random_ratings(
        n_users, n_items, 0.5, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)
    )


def _similarity(seed, size):
    W = torch.rand(size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    return ((W + W.T) / 2).fill_diagonal_(1.0)


def _lists(seed, n_users=8, n_items=20, m=6):
    generator = torch.Generator().manual_seed(seed)
    recommended = torch.stack(
        [torch.randperm(n_items, generator=generator)[:m] for _ in range(n_users)]
    )
    relevant = torch.rand(n_users, n_items, generator=generator) < 0.3
    return {"recommended": recommended, "relevant": relevant, "k": 4}


#: Inputs on which no helper shipped to students may reproduce an exercise's answer.
PROBES = {
    "pearson_user_similarity": lambda: {"R": _ratings(1)},
    "pearson_item_similarity": lambda: {"R": _ratings(2)},
    "user_based_scores": lambda: {"R": _ratings(3), "W": _similarity(3, 12), "u": 4, "alpha": 0.0},
    "item_based_scores": lambda: {"R": _ratings(4), "W": _similarity(4, 15), "u": 5, "alpha": 0.2},
    "recommend": lambda: {
        "scores": torch.rand(15, generator=torch.Generator().manual_seed(5)),
        "R": _ratings(5),
        "u": 2,
        "k": 4,
    },
    "precision_at_k": lambda: _lists(6),
    "recall_at_k": lambda: _lists(7),
}
