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


def top_unrated(scores, R, k):
    """For every user, the ``k`` best-scored items they have not rated, best first.

    Args:
        scores: ``(items,)`` (the same for everyone) or ``(users, items)``.
        R: ``(users, items)`` ratings, ``nan`` where not rated.
        k: how many items per user.

    Returns:
        int64 ``(users, k)``; ties go to the lower item index, as in ``recommend``.
    """
    scores = scores.expand(R.shape).to(torch.float64)
    masked = torch.where(torch.isnan(R), scores, float("-inf"))
    return torch.sort(masked, dim=1, descending=True, stable=True).indices[:, :k]


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


def rerank_by_genre(ranked, genres, n_top=5):
    """Business rule: no two items of one genre among the first ``n_top``.

    Walks down each user's ranked list and takes an item for the top only if
    its genre is not there yet (the greedy re-ranking of Carbonell and
    Goldstein's maximal marginal relevance, with a hard rule); the items it
    skipped follow in their original order.

    Args:
        ranked: int64 ``(users, m)`` item indices, best first.
        genres: int64 ``(items,)`` each item's genre.
        n_top: the length of the top that must not repeat a genre.

    Returns:
        int64 ``(users, m)``, each row a permutation of the input row. When a
        row has fewer than ``n_top`` genres, the top is filled in order.
    """
    out = torch.empty_like(ranked)
    item_genres = genres[ranked].tolist()
    for row, (items, row_genres) in enumerate(zip(ranked.tolist(), item_genres, strict=True)):
        top, rest, seen = [], [], set()
        for item, genre in zip(items, row_genres, strict=True):
            if len(top) < n_top and genre not in seen:
                top.append(item)
                seen.add(genre)
            else:
                rest.append(item)
        while len(top) < n_top and rest:  # not enough genres: fill up in order
            top.append(rest.pop(0))
        out[row] = torch.tensor(top + rest)
    return out
