"""Answer key of assignment 06_collaborative: user- and item-based collaborative filtering.

Ratings are a dense ``(users, items)`` float tensor with ``nan`` where a user
has not rated an item. The similarity of two users is the Pearson correlation
of their ratings over the items both rated, with each user's mean taken over
those co-rated items only (Resnick et al., 1994, GroupLens; the ``pearson``
similarity of scikit-surprise). Item-item similarity is the same on the
transposed matrix (Sarwar et al., 2001). The recommendation rules are those
of the course's exam answers: the share of similar users who rated an item
(user-based), and the largest similarity to an item the user rated
(item-based).

Conventions, where libraries differ:

* a pair with fewer than 2 co-rated entries, or with a constant rating over
  them (zero variance), gets similarity 0. This is what scikit-surprise
  computes off the diagonal; on the diagonal surprise always puts 1, while
  here the diagonal follows the same rule (1 for a user whose ratings vary,
  0 otherwise). No recommendation rule below uses the diagonal.
* ``U(u)`` holds the *other* users whose similarity to ``u`` exceeds
  ``alpha``; likewise an item's item-based score ignores its own row.
* ties in ``recommend`` go to the lower item index.

Each function of ``__all__`` is also the body of the solution cell of the
same name in ``solutions/06_collaborative/collaborative.ipynb``;
``tests/test_reference_sync.py`` fails when the two drift apart.

``pearson_user_similarity`` is written to be read: four masked matrix
products and equation (3) of the notebook. A faster computation of the same
matrix, not an exercise, lives beside this module in
``course/reference/collaborative_fast.py``.
"""

import torch

from course.checks import (
    require_finite,
    require_float_tensor,
    require_index,
    require_int_at_least,
    require_rank,
    require_shape,
)
from course.checks.collaborative import require_top_k_inputs

__all__ = [
    "item_based_scores",
    "pearson_item_similarity",
    "pearson_user_similarity",
    "precision_at_k",
    "recall_at_k",
    "recommend",
    "user_based_scores",
]


def pearson_user_similarity(R):
    """Pearson correlation between every two users over the items both rated.

    w_uv = sum_{i in I_uv} (r_ui - m_u)(r_vi - m_v)
           / ( sqrt(sum_{i in I_uv} (r_ui - m_u)^2) * sqrt(sum_{i in I_uv} (r_vi - m_v)^2) )

    where I_uv is the set of items rated by both u and v, and m_u, m_v are the
    means of u's and v's ratings over I_uv only (scikit-surprise's ``pearson``).

    Args:
        R: floating-point tensor (users, items) of ratings, ``nan`` where not
            rated; no infinities.

    Returns:
        Tensor (users, users) of R's dtype, symmetric, values in [-1, 1]:
        0 where two users have fewer than 2 co-rated items or where either
        one's ratings over them are all equal (zero variance). The diagonal
        follows the same rule: 1 for a user with 2 or more ratings that are
        not all equal, 0 otherwise.

    Raises:
        TypeError: ``R`` is not a floating-point tensor.
        ValueError: ``R`` is not 2-D or holds an infinity.
    """
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
    if torch.isinf(R).any():
        raise ValueError("R must hold ratings or nan (not rated), got an infinity")
    rated = ~torch.isnan(R)
    M = rated.to(torch.float64)  # 1 where rated, 0 elsewhere
    X = torch.where(rated, R, 0.0).to(torch.float64)  # the ratings, 0 where not rated
    # Sums over the items I_uv that both u and v rated, all pairs at once:
    n = M @ M.T  # n[u, v] = |I_uv|
    s = X @ M.T  # s[u, v] = sum of r_ui over I_uv (and s.T[u, v] that of r_vi)
    ss = (X * X) @ M.T  # ss[u, v] = sum of r_ui^2 over I_uv
    cross = X @ X.T  # cross[u, v] = sum of r_ui * r_vi over I_uv
    # The sums of (1) centred on the co-rated means, times n (equation (3)):
    # no division, so whole or half stars give exact sums and an exact 0.
    covariance = n * cross - s * s.T
    variance = n * ss - s * s  # u's over I_uv; variance.T[u, v] is v's
    defined = (variance > 0) & (variance.T > 0)  # 2+ co-rated items, neither constant
    W = covariance / torch.sqrt(variance * variance.T)
    return torch.where(defined, W, 0.0).clamp(-1.0, 1.0).to(R.dtype)


def pearson_item_similarity(R):
    """Pearson correlation between every two items over the users who rated both.

    w_ij = sum_{u in U_ij} (r_ui - m_i)(r_uj - m_j)
           / ( sqrt(sum_{u in U_ij} (r_ui - m_i)^2) * sqrt(sum_{u in U_ij} (r_uj - m_j)^2) )

    where U_ij is the set of users who rated both i and j, and m_i, m_j are the
    means over U_ij only. Both square roots are in the denominator. This is
    the user-user similarity of the transposed matrix.

    Args:
        R: floating-point tensor (users, items), ``nan`` where not rated.

    Returns:
        Tensor (items, items) of R's dtype, with the conventions of
        ``pearson_user_similarity`` (0 below 2 co-raters or for zero variance).

    Raises:
        TypeError: ``R`` is not a floating-point tensor.
        ValueError: ``R`` is not 2-D or holds an infinity.
    """
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
    return pearson_user_similarity(R.T)


def user_based_scores(R, W, u, alpha):
    """User-based collaborative filtering: the share of u's similar users who rated each item.

    U(u) = { v != u : W[u, v] > alpha }
    p_i  = |{ v in U(u) : v rated i }| / |U(u)|     (all 0 when U(u) is empty)

    Args:
        R: floating-point tensor (users, items), ``nan`` where not rated.
        W: floating-point tensor (users, users), user-user similarities.
        u: the user, an int in 0..users-1.
        alpha: the similarity threshold, a number (usually in [0, 1)).

    Returns:
        Tensor (items,) of R's dtype, values in [0, 1]. Items that u rated get
        their score too (``recommend`` leaves them out).

    Raises:
        TypeError: ``R`` or ``W`` is not a floating-point tensor.
        ValueError: ``R`` is not 2-D, ``W`` is not (users, users), or ``u`` is
            not an int in 0..users-1.
    """
    require_float_tensor("R", R)
    require_float_tensor("W", W)
    require_rank("R", R, 2, "(users, items)")
    n_users = R.shape[0]
    require_shape("W", W, (n_users, n_users))
    require_index("u", u, n_users)
    similar = W[u] > alpha
    similar[u] = False  # U(u) holds the other users only
    n_similar = int(similar.sum())
    if n_similar == 0:
        return torch.zeros(R.shape[1], dtype=R.dtype)
    rated_by_similar = (~torch.isnan(R[similar])).sum(0)
    return (rated_by_similar / n_similar).to(R.dtype)


def item_based_scores(R, W, u, alpha):
    """Item-based collaborative filtering: each item's best similarity to what u rated.

    I(u) = { i : W[j, i] > alpha for some item j != i that u rated }
    p_i  = max { W[j, i] : u rated j, j != i, W[j, i] > alpha }  for i in I(u), 0 otherwise

    Args:
        R: floating-point tensor (users, items), ``nan`` where not rated.
        W: floating-point tensor (items, items), item-item similarities.
        u: the user, an int in 0..users-1.
        alpha: the similarity threshold, a number (usually in [0, 1)).

    Returns:
        Tensor (items,) of R's dtype. Items that u rated get a score too, from
        the other items u rated.

    Raises:
        TypeError: ``R`` or ``W`` is not a floating-point tensor.
        ValueError: ``R`` is not 2-D, ``W`` is not (items, items), or ``u`` is
            not an int in 0..users-1.
    """
    require_float_tensor("R", R)
    require_float_tensor("W", W)
    require_rank("R", R, 2, "(users, items)")
    n_users, n_items = R.shape
    require_shape("W", W, (n_items, n_items))
    require_index("u", u, n_users)
    rated = ~torch.isnan(R[u])
    if not rated.any():
        return torch.zeros(n_items, dtype=R.dtype)
    candidates = W[rated]  # row j: the similarities of item j, which u rated (a copy)
    candidates[torch.arange(len(candidates)), rated.nonzero().flatten()] = float("-inf")  # j != i
    best = torch.where(candidates > alpha, candidates, float("-inf")).max(0).values
    return torch.where(torch.isinf(best), 0.0, best).to(R.dtype)


def recommend(scores, R, u, k):
    """The k items with the highest scores among those u has not rated, best first.

    Args:
        scores: floating-point tensor (items,), finite, higher is better.
        R: floating-point tensor (users, items), ``nan`` where not rated.
        u: the user, an int in 0..users-1.
        k: how many items, an int >= 1.

    Returns:
        int64 tensor (min(k, number of items u has not rated),): item indices
        in decreasing order of score; equal scores go to the lower index first.

    Raises:
        TypeError: ``scores`` or ``R`` is not a floating-point tensor.
        ValueError: ``R`` is not 2-D, ``scores`` is not (items,) or not finite,
            ``u`` is not an int in 0..users-1, or ``k`` is not an int >= 1.
    """
    require_float_tensor("scores", scores)
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
    n_users, n_items = R.shape
    require_shape("scores", scores, (n_items,))
    require_finite("scores", scores)
    require_index("u", u, n_users)
    require_int_at_least("k", k, 1)
    unrated = torch.isnan(R[u]).nonzero().flatten()
    order = torch.sort(scores[unrated], descending=True, stable=True).indices
    return unrated[order[:k]]


def precision_at_k(recommended, relevant, k):
    """Precision at k for every user: the share of the first k recommendations that are relevant.

    precision@k(u) = |{ the first k items of recommended[u] } ∩ relevant(u)| / k

    Args:
        recommended: int64 tensor (users, m), m >= k: each row the items
            recommended to that user, best first, no item twice.
        relevant: bool tensor (users, items): True where the item is relevant
            to the user (for example, a held-out rating).
        k: an int in 1..m.

    Returns:
        Tensor (users,) of PyTorch's default float dtype, values in [0, 1].

    Raises:
        TypeError: ``recommended`` is not an integer tensor or ``relevant`` not a bool tensor.
        ValueError: a tensor is not 2-D, the two have different numbers of
            rows, or ``k`` is not an int in 1..m.
    """
    require_top_k_inputs(recommended, relevant, k)
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    return hits.to(torch.get_default_dtype()) / k


def recall_at_k(recommended, relevant, k):
    """Recall at k for every user: the share of the relevant items found in the first k.

    recall@k(u) = |{ the first k items of recommended[u] } ∩ relevant(u)| / |relevant(u)|

    and 0 for a user with no relevant item.

    Args:
        recommended: int64 tensor (users, m), m >= k: each row the items
            recommended to that user, best first, no item twice.
        relevant: bool tensor (users, items): True where the item is relevant.
        k: an int in 1..m.

    Returns:
        Tensor (users,) of PyTorch's default float dtype, values in [0, 1].

    Raises:
        TypeError: ``recommended`` is not an integer tensor or ``relevant`` not a bool tensor.
        ValueError: a tensor is not 2-D, the two have different numbers of
            rows, or ``k`` is not an int in 1..m.
    """
    require_top_k_inputs(recommended, relevant, k)
    hits = torch.gather(relevant, 1, recommended[:, :k]).sum(1)
    n_relevant = relevant.sum(1).clamp(min=1)  # no relevant item: 0 hits / 1 = 0
    return hits.to(torch.get_default_dtype()) / n_relevant
