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
products and equation (3) of the notebook. ``pearson_user_similarity_fast``
(not an exercise, so not in ``__all__``) computes the same matrix two to
four times faster on MovieLens-sized data, with sparse products for the long
tail of rarely rated items and exact float32 products for star ratings;
``tests/reference/test_collaborative.py`` checks that the two agree, and
``python -m tests.benchmarks.bench_pearson`` times it against scikit-surprise.
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
from course.collaborative.checks import require_top_k_inputs

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


def pearson_user_similarity_fast(R):
    """``pearson_user_similarity`` computed faster: the same matrix, not an exercise.

    Same arguments, result and errors as :func:`pearson_user_similarity`,
    equal to it bit for bit for whole and half stars and to 1e-12 for other
    ratings (where a variance that is 0 in exact arithmetic may round to a
    tiny number, this version treats it as 0; the plain one may not). On
    MovieLens-100k's shape, on one thread, it takes about 0.1 s where the plain
    version takes 0.2 to 0.4 s and scikit-surprise's Cython ``pearson`` 0.6 to
    0.8 s (``python -m tests.benchmarks.bench_pearson``), with three ideas:

    * each user's ratings are shifted by their rounded mean (Pearson ignores
      the shift), so that the sums stay small;
    * whole and half stars then make every sum a multiple of 1/4 below 2**22,
      which float32 holds exactly, in any order of summation: float32
      products, faster than float64 ones, give the exact sums;
    * the sums over items are split by items: popular items through dense
      products (BLAS), the long tail of rarely rated items through sparse
      ones, whose cost follows the number of ratings, not users x items.
    """
    require_float_tensor("R", R)
    require_rank("R", R, 2, "(users, items)")
    n_users, n_items = R.shape
    # The known ratings as a list, row by row: user[k] rated item[k] with r[k].
    known = (~torch.isnan(R)).reshape(-1).nonzero().squeeze(1)
    user, item = known // n_items, known % n_items
    r = R.reshape(-1)[known].to(torch.float64)
    if torch.isinf(r).any():
        raise ValueError("R must hold ratings or nan (not rated), got an infinity")
    # Pearson ignores a constant added to all of a user's ratings. Shifting each
    # user by their mean rating, rounded to an integer, keeps the sums below
    # small, so that "sum of squares minus square of sum" does not lose digits
    # to cancellation; and whole or half stars stay multiples of 1/2.
    count = torch.bincount(user, minlength=n_users)
    shift = torch.round(torch.bincount(user, weights=r, minlength=n_users) / count.clamp(min=1))
    x = r - shift[user]
    # Products of multiples of 1/2 are multiples of 1/4, and float32 holds every
    # multiple of 1/4 below 2**22 exactly, in any order of summation. When all
    # sums below stay under that bound, float32 products, which run faster than
    # float64 ones, give the same exact sums.
    largest = float(x.abs().max()) if len(x) else 0.0
    exact = torch.equal(2 * x, torch.round(2 * x)) and n_items * max(largest, 1.0) ** 2 < 2**22
    dtype = torch.float32 if exact else torch.float64
    x = x.to(dtype)

    # With M the 0/1 mask of known ratings and X the shifted ratings (0 where
    # unknown), the sums over co-rated items I_uv are matrix products:
    #   n[u, v]     = |I_uv|                        = (M M^T)[u, v]
    #   s[u, v]     = sum over I_uv of x_ui         = (X M^T)[u, v]
    #   ss[u, v]    = sum over I_uv of x_ui^2       = (X^2 M^T)[u, v]
    #   cross[u, v] = sum over I_uv of x_ui * x_vi  = (X X^T)[u, v]
    # Each product is a sum over items, so it can be split by items. Items
    # rated by at least a tenth of the users go through dense products, where
    # BLAS does the most work per second; the long tail of rarely rated items
    # through sparse ones, whose cost grows with the number of ratings rather
    # than with users x items.
    popular = torch.bincount(item, minlength=n_items) >= n_users / 10

    def products(columns, sparse):
        """The four products' left and right factors over the items where ``columns`` is True."""
        keep = columns[item].nonzero().squeeze(1)
        u, xs = user[keep], x[keep]
        j = (torch.cumsum(columns, 0) - 1)[item[keep]]  # the item's column in this part
        shape = (n_users, int(columns.sum()))

        def by_user(values):  # (users, items of this part), 0 where not rated
            if sparse:
                return torch.sparse_coo_tensor(
                    torch.stack([u, j]), values, shape, is_coalesced=True, check_invariants=False
                )
            return torch.zeros(shape, dtype=dtype).index_put_((u, j), values)

        def by_item(values):  # (items of this part, users): the transposed layout
            return torch.zeros(shape[::-1], dtype=dtype).index_put_((j, u), values)

        M, X, MT = by_user(torch.ones_like(xs)), by_user(xs), by_item(torch.ones_like(xs))
        return [(M, MT), (X, MT), (by_user(xs * xs), MT), (X, by_item(xs))]

    sums = [left @ right for left, right in products(popular, sparse=False)]
    for total, (left, right) in zip(sums, products(~popular, sparse=True), strict=True):
        total.addmm_(left, right)
    n, s, ss, cross = sums
    # n times the centred sums of (1), with the means over I_uv:
    #   n sum (x_ui - m_u)(x_vi - m_v) = n cross - s s^T,   n sum (x_ui - m_u)^2 = n ss - s^2.
    # Both are exact when the sums are (they hold no division), so that an
    # exactly zero covariance or variance comes out as 0. They are formed in
    # float64, in place where possible (each new (users, users) tensor costs a
    # fresh allocation); n and s are promoted inside each operation.
    covariance = cross.to(torch.float64).mul_(n).addcmul_(s, s.T, value=-1)
    n_ss = ss.to(torch.float64).mul_(n)
    tolerance = 1e-12 * n_ss
    variance = n_ss.addcmul_(s, s, value=-1)
    # A variance within rounding error of 0 is 0: u's ratings over I_uv are
    # constant, or there are fewer than 2 of them. Such pairs get 0.
    defined = variance > tolerance
    defined = defined & defined.T
    denominator = torch.where(defined, variance * variance.T, 1.0).sqrt_()
    W = covariance.div_(denominator).masked_fill_(~defined, 0.0)
    return W.clamp_(-1.0, 1.0).to(R.dtype)


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
