"""The ungraded models of 06_collaborative: a popularity baseline, matrix factorization,
a ranking model and genre re-ranking, the stages of the recommender pipeline.

Matrix factorization is trained here with PyTorch; the ranking model is
scikit-learn's logistic regression (one fast call, no training loop to watch).

Ratings follow the assignment's convention: a dense ``(users, items)`` float
tensor with ``nan`` where not rated. Everything here is seeded.
"""

import torch
from tqdm.auto import tqdm

__all__ = [
    "ImplicitALS",
    "fit_ranker",
    "popularity_scores",
    "rerank_by_genre",
    "top_unrated",
    "train_implicit_als",
]


def popularity_scores(R):
    """How many users rated each item: the non-personal baseline. float32 ``(items,)``."""
    return (~torch.isnan(R)).sum(0).to(torch.float32)


def top_unrated(recommend, scores, R, k):
    """Every user's list from ``recommend`` (your exercise 5), stacked into one tensor.

    Args:
        recommend: a function ``recommend(scores, R, u, k)`` returning the
            ``k`` best-scored items that user ``u`` of ``R`` has not rated.
        scores: ``(items,)`` (the same for everyone) or ``(users, items)``.
        R: ``(users, items)`` ratings, ``nan`` where not rated.
        k: how many items per user; every user needs ``k`` unrated items.

    Returns:
        int64 ``(users, k)``: row ``u`` is ``recommend(scores[u], R, u, k)``.

    Raises:
        ValueError: a user has fewer than ``k`` unrated items, so that the
            lists would not have one length.
    """
    rows = []
    for u in range(len(R)):
        items = recommend(scores if scores.dim() == 1 else scores[u], R, u, k)
        if len(items) != k:
            raise ValueError(f"user {u} has {len(items)} unrated items, fewer than k = {k}")
        rows.append(items)
    return torch.stack(rows) if rows else torch.zeros(0, k, dtype=torch.int64)


class ImplicitALS:
    """User and item vectors ``P`` (users, d) and ``Q`` (items, d); ``score = P @ Q.T``."""

    def __init__(self, P, Q):
        self.P, self.Q = P, Q

    def scores(self, users=None):
        """``(users, items)`` predicted preferences <p_u, q_i> (all users by default)."""
        P = self.P if users is None else self.P[users]
        return P @ self.Q.T


def _solve_side(fixed, preference, confidence, regularization):
    """Least-squares update of one side given the other (Hu, Koren and Volinsky, 2008, eq. 4)."""
    d = fixed.shape[1]
    gram = fixed.T @ fixed  # the 0-preference part, shared by everyone
    outer = (fixed[:, :, None] * fixed[:, None, :]).reshape(len(fixed), d * d)
    # sum over rated entries of (c - 1) * y y^T, for every row at once, as one matrix product
    A = gram + ((confidence - 1) * preference @ outer).reshape(-1, d, d)
    A = A + regularization * torch.eye(d)
    b = (confidence * preference) @ fixed
    return torch.linalg.solve(A, b.unsqueeze(-1)).squeeze(-1)


def train_implicit_als(
    R, n_factors=24, weight=5.0, regularization=50.0, n_iterations=8, seed=0, progress=True
):
    """Matrix factorization of "who rated what" by alternating least squares.

    The exam's ``r_ui ~ <p_u, q_i>`` with ``r_ui = 1`` where the user rated the
    item and 0 elsewhere, every rated cell weighted ``1 + weight`` and every
    other cell 1 (implicit feedback; Hu, Koren and Volinsky, 2008). The star
    values themselves are not used: for choosing what to show, *whether* a
    user rates an item is the signal (Cremonesi, Koren and Turrin, 2010).

    Returns:
        :class:`ImplicitALS` with float32 ``P`` (users, d) and ``Q`` (items, d).
    """
    preference = (~torch.isnan(R)).to(torch.float32)
    confidence = 1.0 + weight * preference
    g = torch.Generator().manual_seed(seed)
    n_users, n_items = R.shape
    P = 0.1 * torch.randn(n_users, n_factors, generator=g)
    Q = 0.1 * torch.randn(n_items, n_factors, generator=g)
    for _ in tqdm(range(n_iterations), desc="ALS", disable=not progress):
        P = _solve_side(Q, preference, confidence, regularization)
        Q = _solve_side(P, preference.T, confidence.T, regularization)
    return ImplicitALS(P, Q)


def fit_ranker(features, labels, seed=0):
    """The ranking stage's "simple model": logistic regression on standardised features.

    Args:
        features: float ``(n, n_features)``, one row per (user, candidate item) pair.
        labels: ``(n,)`` 1 where the pair is relevant, 0 elsewhere.

    Returns:
        A fitted scikit-learn pipeline (``StandardScaler`` then ``LogisticRegression``):
        ``model.decision_function(X)`` gives the logits, ``model[-1].coef_`` the weights.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, random_state=seed))
    return model.fit(features.double().numpy(), labels.numpy().astype(int))


def rerank_by_genre(ranked, genres, n_top=5, per_genre=1):
    """Business rule: no genre more than ``per_genre`` times among the first ``n_top`` items.

    An item may have several genres, and each of them counts. Walking down
    each user's ranked list, an item joins the top only if none of its genres
    is there ``per_genre`` times already (the greedy re-ranking of Carbonell
    and Goldstein's maximal marginal relevance, with a hard rule); the items
    it skipped follow in their original order. An item without a genre never
    breaks the rule.

    Args:
        ranked: int64 ``(users, m)`` item indices, best first.
        genres: bool ``(items, genres)``, True where the item has the genre.
        n_top: the length of the top that the rule applies to.
        per_genre: how many items of one genre the top may hold (1: no genre twice).

    Returns:
        int64 ``(users, m)``, each row a permutation of the input row. When a
        row has too few items that keep the rule, the top is filled in order.
    """
    out = torch.empty_like(ranked)
    item_genres = [torch.nonzero(row).flatten().tolist() for row in genres]
    for row, items in enumerate(ranked.tolist()):
        top, rest, count = [], [], [0] * genres.shape[1]
        for item in items:
            if len(top) < n_top and all(count[g] < per_genre for g in item_genres[item]):
                top.append(item)
                for g in item_genres[item]:
                    count[g] += 1
            else:
                rest.append(item)
        while len(top) < n_top and rest:  # too few items keep the rule: fill up in order
            top.append(rest.pop(0))
        out[row] = torch.tensor(top + rest, dtype=ranked.dtype)
    return out
