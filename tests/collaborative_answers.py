"""Student answers for 06_collaborative used by the grading tests.

``MISTAKES``: plausible wrong answers, each in one solution cell; each must lose
the points of that cell's ``test_<name>`` and nothing else. Apart from the
mistakes about argument checks, each keeps the checks the exercise asks for,
so that it fails for its own slip.
``VARIANTS``: correct answers written differently (Python loops over pairs
among them, which must finish within the cell time limit on the test sizes);
each must keep full marks.

The solution's ``pearson_item_similarity`` calls ``pearson_user_similarity``;
its test cell swaps in the answer key's user similarity while it runs, so the
mistake ``pearson_overall_means`` (graded with the solution's item cell) also
checks that a wrong user similarity is not counted twice.
"""

_PEARSON_CHECKS = """
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
    if torch.isinf(R).any():
        raise ValueError("R must not hold an infinity")
"""

_SCORE_CHECKS = """
    require_float_tensor("R", R)
    require_float_tensor("W", W)
    require_rank("R", R, 2, "(users, items)")
    if W.shape != ({size}, {size}):
        raise ValueError(f"W has the wrong shape {{tuple(W.shape)}}")
    require_int_at_least("u", u, 0)
    if u >= R.shape[0]:
        raise ValueError(f"u must be below {{R.shape[0]}}, got {{u}}")
"""

_RECOMMEND_CHECKS = """
    require_float_tensor("scores", scores)
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
    if scores.shape != (R.shape[1],) or not torch.isfinite(scores).all():
        raise ValueError("scores must be finite, of shape (items,)")
    require_int_at_least("u", u, 0)
    if u >= R.shape[0]:
        raise ValueError("u out of range")
    require_int_at_least("k", k, 1)
"""

_AT_K_CHECKS = """
    require_int_tensor("recommended", recommended)
    if not isinstance(relevant, torch.Tensor) or relevant.dtype != torch.bool:
        raise TypeError("relevant must be a bool tensor")
    require_rank("recommended", recommended, 2, "(users, m)")
    require_rank("relevant", relevant, 2, "(users, items)")
    if len(recommended) != len(relevant):
        raise ValueError("one row per user in both")
    require_int_at_least("k", k, 1)
    if k > recommended.shape[1]:
        raise ValueError("k must be at most m")
"""


def _pearson_user(body, checks=_PEARSON_CHECKS):
    return f"def pearson_user_similarity(R):{checks}{body}"


def _pearson_item(body, checks=_PEARSON_CHECKS):
    return f"def pearson_item_similarity(R):{checks}{body}"


_USER_SCORE_CHECKS = _SCORE_CHECKS.format(size="R.shape[0]")
_ITEM_SCORE_CHECKS = _SCORE_CHECKS.format(size="R.shape[1]")


def _user_scores(body, checks=_USER_SCORE_CHECKS):
    return f"def user_based_scores(R, W, u, alpha):{checks}{body}"


def _item_scores(body, checks=_ITEM_SCORE_CHECKS):
    return f"def item_based_scores(R, W, u, alpha):{checks}{body}"


def _recommend(body, checks=_RECOMMEND_CHECKS):
    return f"def recommend(scores, R, u, k):{checks}{body}"


def _precision(body, checks=_AT_K_CHECKS):
    return f"def precision_at_k(recommended, relevant, k):{checks}{body}"


def _recall(body, checks=_AT_K_CHECKS):
    return f"def recall_at_k(recommended, relevant, k):{checks}{body}"


# Pearson from uncentred sums (scikit-surprise's form): exact for whole and half stars.
_UNCENTRED = """
    X = torch.nan_to_num(R.double(), nan=0.0)
    M = (~torch.isnan(R)).double()
    n = M @ M.T
    sx = X @ M.T
    sxx = (X * X) @ M.T
    sxy = X @ X.T
    num = n * sxy - sx * sx.T
    vx = n * sxx - sx**2
    den = torch.sqrt(vx * vx.T)
    ok = (n >= 2) & (vx > 0) & (vx.T > 0)
    W = torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(den))
"""

_LOOP_PEARSON = """
    rows = R.double().tolist()
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

MISTAKES = {
    # --- pearson_user_similarity ---
    "pearson_overall_means": (
        "pearson_user_similarity",
        _pearson_user("""
    means = torch.nanmean(R.double(), dim=1)  # each user's mean over ALL their ratings
    M = (~torch.isnan(R)).double()
    X = torch.where(torch.isnan(R), 0.0, R.double() - means[:, None])
    n = M @ M.T
    num = X @ X.T
    su = (X * X) @ M.T
    den = torch.sqrt(su * su.T)
    ok = (n >= 2) & (den > 0)
    W = torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(den))
    return W.to(R.dtype)
"""),
    ),
    "pearson_nan_for_undefined": (
        "pearson_user_similarity",
        _pearson_user("""
    X = torch.nan_to_num(R.double(), nan=0.0)
    M = (~torch.isnan(R)).double()
    n = M @ M.T
    sx = X @ M.T
    sxx = (X * X) @ M.T
    num = n * (X @ X.T) - sx * sx.T
    vx = n * sxx - sx**2
    return (num / torch.sqrt(vx * vx.T)).to(R.dtype)
"""),
    ),
    "pearson_missing_as_zero": (
        "pearson_user_similarity",
        _pearson_user("""
    W = torch.corrcoef(torch.nan_to_num(R.double(), nan=0.0))
    return torch.nan_to_num(W, nan=0.0).to(R.dtype)
"""),
    ),
    "pearson_diagonal_always_one": (
        "pearson_user_similarity",
        _pearson_user(
            _UNCENTRED
            + """
    W.fill_diagonal_(1.0)  # scikit-surprise's diagonal, not the assignment's rule
    return W.to(R.dtype)
"""
        ),
    ),
    "pearson_float32_cancellation": (
        "pearson_user_similarity",
        _pearson_user(
            _UNCENTRED.replace("R.double()", "R.float()").replace(".double()", ".float()")
            + """
    return W.to(R.dtype)
"""
        ),
    ),
    "pearson_no_infinity_check": (
        "pearson_user_similarity",
        _pearson_user(
            _UNCENTRED + "    return W.to(R.dtype)\n",
            checks="""
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
""",
        ),
    ),
    # --- pearson_item_similarity ---
    "item_similarity_not_transposed": (
        "pearson_item_similarity",
        _pearson_item("""
    return pearson_user_similarity(R)
"""),
    ),
    "item_similarity_exam_slip_sqrt": (
        "pearson_item_similarity",
        _pearson_item("""
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
"""),
    ),
    "item_similarity_cosine": (
        "pearson_item_similarity",
        _pearson_item("""
    X = torch.nan_to_num(R.T.double(), nan=0.0)
    M = (~torch.isnan(R.T)).double()
    n = M @ M.T
    sxx = (X * X) @ M.T
    den = torch.sqrt(sxx * sxx.T)
    ok = (n >= 2) & (den > 0)
    safe = torch.where(ok, den, torch.ones_like(den))
    W = torch.where(ok, (X @ X.T) / safe, torch.zeros_like(den))
    return W.to(R.dtype)
"""),
    ),
    "item_similarity_float64_out": (
        "pearson_item_similarity",
        _pearson_item("""
    return pearson_user_similarity(R.T.double())
"""),
    ),
    # --- user_based_scores ---
    "user_scores_include_self": (
        "user_based_scores",
        _user_scores("""
    similar = W[u] > alpha
    if not similar.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    return ((~torch.isnan(R[similar])).sum(0) / similar.sum()).to(R.dtype)
"""),
    ),
    "user_scores_threshold_not_strict": (
        "user_based_scores",
        _user_scores("""
    similar = W[u] >= alpha
    similar[u] = False
    if not similar.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    return ((~torch.isnan(R[similar])).sum(0) / similar.sum()).to(R.dtype)
"""),
    ),
    "user_scores_divided_by_all_users": (
        "user_based_scores",
        _user_scores("""
    similar = W[u] > alpha
    similar[u] = False
    return ((~torch.isnan(R[similar])).sum(0) / R.shape[0]).to(R.dtype)
"""),
    ),
    "user_scores_nan_when_nobody_similar": (
        "user_based_scores",
        _user_scores("""
    similar = W[u] > alpha
    similar[u] = False
    return ((~torch.isnan(R[similar])).sum(0) / similar.sum()).to(R.dtype)
"""),
    ),
    "user_scores_similarity_weighted": (
        "user_based_scores",
        _user_scores("""
    similar = W[u] > alpha
    similar[u] = False
    if not similar.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    weights = W[u][similar].to(R.dtype)
    return (weights @ (~torch.isnan(R[similar])).to(R.dtype)) / weights.sum()
"""),
    ),
    "user_scores_negative_u_accepted": (
        "user_based_scores",
        _user_scores(
            """
    similar = W[u] > alpha
    similar[u] = False
    if not similar.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    return ((~torch.isnan(R[similar])).sum(0) / similar.sum()).to(R.dtype)
""",
            checks="""
    require_float_tensor("R", R)
    require_float_tensor("W", W)
    require_rank("R", R, 2, "(users, items)")
    if W.shape != (R.shape[0], R.shape[0]):
        raise ValueError("W has the wrong shape")
""",
        ),
    ),
    # --- item_based_scores ---
    "item_scores_include_self": (
        "item_based_scores",
        _item_scores("""
    rated = ~torch.isnan(R[u])
    if not rated.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    rows = W[rated]
    best = torch.where(rows > alpha, rows, torch.full_like(rows, -math.inf)).max(0).values
    return torch.where(torch.isinf(best), torch.zeros_like(best), best).to(R.dtype)
"""),
    ),
    "item_scores_threshold_not_strict": (
        "item_based_scores",
        _item_scores("""
    rated = ~torch.isnan(R[u])
    if not rated.any():
        return torch.zeros(R.shape[1], dtype=R.dtype)
    rows = W[rated].clone()
    rows[torch.arange(len(rows)), rated.nonzero().flatten()] = -math.inf
    best = torch.where(rows >= alpha, rows, torch.full_like(rows, -math.inf)).max(0).values
    return torch.where(torch.isinf(best), torch.zeros_like(best), best).to(R.dtype)
"""),
    ),
    "item_scores_sum_not_max": (
        "item_based_scores",
        _item_scores("""
    rated = ~torch.isnan(R[u])
    rows = W[rated].clone()
    rows[torch.arange(len(rows)), rated.nonzero().flatten()] = 0.0
    return torch.where(rows > alpha, rows, torch.zeros_like(rows)).sum(0).to(R.dtype)
"""),
    ),
    "item_scores_over_all_items": (
        "item_based_scores",
        _item_scores("""
    rows = W.clone()
    rows.fill_diagonal_(-math.inf)
    best = torch.where(rows > alpha, rows, torch.full_like(rows, -math.inf)).max(0).values
    return torch.where(torch.isinf(best), torch.zeros_like(best), best).to(R.dtype)
"""),
    ),
    # --- recommend ---
    "recommend_keeps_rated_items": (
        "recommend",
        _recommend("""
    return torch.sort(scores, descending=True, stable=True).indices[:k]
"""),
    ),
    "recommend_ties_to_higher_index": (
        "recommend",
        _recommend("""
    unrated = torch.isnan(R[u]).nonzero().flatten()
    order = torch.sort(scores[unrated], stable=True).indices.flip(0)  # ascending, reversed
    return unrated[order[:k]]
"""),
    ),
    "recommend_positions_not_items": (
        "recommend",
        _recommend("""
    unrated = torch.isnan(R[u]).nonzero().flatten()
    return torch.sort(scores[unrated], descending=True, stable=True).indices[:k]
"""),
    ),
    "recommend_minus_inf_padding": (
        "recommend",
        _recommend("""
    masked = torch.where(torch.isnan(R[u]), scores, torch.full_like(scores, -math.inf))
    return torch.sort(masked, descending=True, stable=True).indices[:k]
"""),
    ),
    # --- precision_at_k ---
    "precision_divides_by_relevant": (
        "precision_at_k",
        _precision("""
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    return hits.float() / relevant.sum(1).clamp(min=1)
"""),
    ),
    "precision_divides_by_m": (
        "precision_at_k",
        _precision("""
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    return hits.float() / recommended.shape[1]
"""),
    ),
    "precision_counts_whole_list": (
        "precision_at_k",
        _precision("""
    hits = torch.gather(relevant, 1, recommended).sum(1)
    return hits.float() / k
"""),
    ),
    "precision_no_k_check": (
        "precision_at_k",
        _precision(
            """
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    return hits.float() / k
""",
            checks="""
    require_int_tensor("recommended", recommended)
    if relevant.dtype != torch.bool:
        raise TypeError("relevant must be a bool tensor")
""",
        ),
    ),
    # --- recall_at_k ---
    "recall_divides_by_k": (
        "recall_at_k",
        _recall("""
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    return hits.float() / k
"""),
    ),
    "recall_nan_without_relevant": (
        "recall_at_k",
        _recall("""
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    return hits.float() / relevant.sum(1)
"""),
    ),
    "recall_divides_by_min_k_relevant": (
        "recall_at_k",
        _recall("""
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    return hits.float() / relevant.sum(1).clamp(min=1, max=k)
"""),
    ),
}

VARIANTS = {
    "pearson_user_uncentred_sums": (
        "pearson_user_similarity",
        _pearson_user(_UNCENTRED + "    return W.to(R.dtype)\n"),
    ),
    "pearson_user_python_loops": ("pearson_user_similarity", _pearson_user(_LOOP_PEARSON)),
    "pearson_item_python_loops": (
        "pearson_item_similarity",
        _pearson_item(_LOOP_PEARSON.replace("R.double().tolist()", "R.T.double().tolist()")),
    ),
    "pearson_item_own_matrix_code": (
        "pearson_item_similarity",
        _pearson_item(
            _UNCENTRED.replace("R.double()", "R.T.double()").replace("isnan(R)", "isnan(R.T)")
            + "    return W.to(R.dtype)\n"
        ),
    ),
    "user_scores_python_loops": (
        "user_based_scores",
        _user_scores("""
    similar = [v for v in range(R.shape[0]) if v != u and W[u, v].item() > alpha]
    scores = torch.zeros(R.shape[1], dtype=R.dtype)
    if not similar:
        return scores
    for i in range(R.shape[1]):
        raters = sum(1 for v in similar if not math.isnan(R[v, i].item()))
        scores[i] = raters / len(similar)
    return scores
"""),
    ),
    "user_scores_matrix_product": (
        "user_based_scores",
        _user_scores("""
    similar = (W[u] > alpha).double()
    similar[u] = 0.0
    count = similar.sum()
    known = (~torch.isnan(R)).double()
    scores = similar @ known / count if count > 0 else torch.zeros(R.shape[1], dtype=torch.float64)
    return scores.to(R.dtype)
"""),
    ),
    "item_scores_python_loops": (
        "item_based_scores",
        _item_scores("""
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
"""),
    ),
    "item_scores_masked_fill": (
        "item_based_scores",
        _item_scores("""
    rated = ~torch.isnan(R[u])
    keep = rated[:, None] & (W > alpha)
    keep.fill_diagonal_(False)
    best = W.masked_fill(~keep, -math.inf).max(0).values if len(W) else W.sum(0)
    return best.masked_fill(torch.isinf(best), 0.0).to(R.dtype)
"""),
    ),
    "recommend_python_sorted": (
        "recommend",
        _recommend("""
    unrated = [i for i in range(R.shape[1]) if math.isnan(R[u, i].item())]
    ranked = sorted(unrated, key=lambda i: (-scores[i].item(), i))
    return torch.tensor(ranked[:k], dtype=torch.int64)
"""),
    ),
    "recommend_lexsort_by_index": (
        "recommend",
        _recommend("""
    unrated = torch.isnan(R[u]).nonzero().flatten()
    masked = torch.where(torch.isnan(R[u]), scores, torch.full_like(scores, -math.inf))
    order = torch.sort(masked, descending=True, stable=True).indices
    return order[: min(k, len(unrated))]
"""),
    ),
    "precision_python_sets": (
        "precision_at_k",
        _precision("""
    out = []
    for row, rel in zip(recommended.tolist(), relevant.tolist()):
        good = {i for i, flag in enumerate(rel) if flag}
        out.append(len(set(row[:k]) & good) / k)
    return torch.tensor(out, dtype=torch.get_default_dtype())
"""),
    ),
    "recall_python_sets": (
        "recall_at_k",
        _recall("""
    out = []
    for row, rel in zip(recommended.tolist(), relevant.tolist()):
        good = {i for i, flag in enumerate(rel) if flag}
        out.append(len(set(row[:k]) & good) / len(good) if good else 0.0)
    return torch.tensor(out, dtype=torch.get_default_dtype())
"""),
    ),
    "recall_isin": (
        "recall_at_k",
        _recall("""
    hits = torch.stack([torch.isin(recommended[r, :k], relevant[r].nonzero().flatten()).sum()
                        for r in range(len(recommended))]) if len(recommended) else torch.zeros(0)
    n_relevant = relevant.sum(1)
    recall = torch.where(n_relevant > 0, hits / n_relevant.clamp(min=1), torch.zeros(()))
    return recall.to(torch.get_default_dtype())
"""),
    ),
}
