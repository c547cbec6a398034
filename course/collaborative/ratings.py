"""Ratings data for 06_collaborative: a synthetic MovieLens-100k, the real file's loader, a split.

The course ships no ratings file. :func:`synthetic_movielens` makes, from a
seed and in under a second, a set of the shape of MovieLens-100k (Harper and
Konstan, 2015): 943 users, 1,682 items, 100,000 ratings of 1 to 5 stars,
every user with at least 20 ratings and every item with at least one (when
there are more ratings than items), a long tail of rarely rated items,
and one or more of MovieLens's 18 genres per item (1.7 on average, as in
MovieLens, where a film is, say, Comedy and Romance at once). It comes from a
latent-factor model, so that the collaborative methods of the assignment have
real structure to find:

* each item has a main genre (Drama and Comedy most often) and, about half
  of the time, one to three more; each genre has a centre in taste space;
* each user ``u`` and item ``i`` have a taste vector ``p_u`` and ``q_i``;
  ``q_i`` lies near a mix of its genres' centres (the main one weighing
  most), so similar items tend to share genres;
* *which* items a user rates: a draw without replacement (Gumbel top-k) with
  log-weights ``log popularity_i + selection * <p_u, q_i>``: popular items
  and items that suit the user are rated more often;
* *what* the user gives: ``b_u + b_i + <p_u, q_i> + noise``, cut into 1..5 stars
  at the quantiles that give MovieLens-100k's share of each star
  (6.1 %, 11.4 %, 27.1 %, 34.2 %, 21.2 %).

:func:`load_u_data` reads the real ``u.data`` of MovieLens-100k (and
:func:`load_u_item_genres` the genres of its ``u.item``) for those who have
the files, :func:`holdout_split` hides a few ratings of every user for
evaluation, and :func:`random_ratings` makes structureless test data.

Ratings are a dense ``(users, items)`` float tensor with ``nan`` for "not
rated", the convention of the whole assignment.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from course.checks import require_int_at_least

__all__ = [
    "GENRES",
    "MOVIELENS_STAR_SHARES",
    "RatingsData",
    "holdout_split",
    "load_u_data",
    "load_u_item_genres",
    "random_ratings",
    "synthetic_movielens",
]

#: The 18 genres of MovieLens-100k's ``u.item`` (its "unknown" column left out), in its order.
GENRES = (
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)

#: Share of 1, 2, 3, 4 and 5 stars among MovieLens-100k's 100,000 ratings.
MOVIELENS_STAR_SHARES = (0.06110, 0.11370, 0.27145, 0.34174, 0.21201)

# How often each genre is an item's main genre, and how often a further one:
# a skewed split, Drama and Comedy first, as in MovieLens (relative weights).
_GENRE_WEIGHTS = (9, 4, 1, 2, 14, 3, 2, 20, 0.5, 0.5, 3, 1, 1, 5, 3, 6, 2, 1)

# Probability that an item has 0, 1, 2 or 3 genres besides its main one: 1.7
# genres per item on average (MovieLens-100k: 2,893 genre flags on 1,682 films).
_EXTRA_GENRES = (0.50, 0.33, 0.13, 0.04)


@dataclass(frozen=True)
class RatingsData:
    """A ratings matrix and what is known about its items.

    Attributes:
        ratings: float32 ``(users, items)``, stars 1..5, ``nan`` where not rated.
        genres: bool ``(items, genres)``, True where the item has the genre
            (one or more per item); column ``g`` is ``genre_names[g]``.
        genre_names: the names of the genres.
    """

    ratings: torch.Tensor
    genres: torch.Tensor
    genre_names: tuple


def _user_activity(n_users, n_ratings, minimum, n_items, generator):
    """How many ratings each user gives: at least ``minimum``, a long right tail, exact total.

    Nobody rates more than 44 % of the items (MovieLens-100k's most active user: 737 of 1,682).
    """
    cap = max(minimum, min(n_items, int(0.44 * n_items)), -(-n_ratings // n_users))
    extra = torch.exp(0.8 * torch.randn(n_users, generator=generator, dtype=torch.float64))
    extra = extra / extra.sum() * (n_ratings - minimum * n_users)
    counts = (minimum + extra.floor()).clamp(max=cap).to(torch.int64)
    # Hand the ratings lost to flooring and capping to the users with room left, one each.
    short = n_ratings - int(counts.sum())
    order = torch.argsort(extra - extra.floor(), descending=True, stable=True)
    while short > 0:
        room = order[counts[order] < cap][:short]
        counts[room] += 1
        short -= len(room)
    return counts


def synthetic_movielens(
    n_users=943,
    n_items=1682,
    n_ratings=100_000,
    n_factors=8,
    selection=1.5,
    popularity_exponent=1.6,
    min_per_user=20,
    seed=0,
):
    """A seeded synthetic ratings set shaped like MovieLens-100k (see the module docstring).

    Args:
        n_users, n_items: the matrix's shape (MovieLens-100k: 943 and 1,682).
        n_ratings: exact number of ratings (100,000).
        n_factors: length of the hidden taste vectors.
        selection: how strongly taste decides which items a user rates (0: only
            popularity does).
        popularity_exponent: item ``k`` of the popularity order gets the weight
            ``(k + 10) ** -popularity_exponent`` (a Zipf-like long tail).
        min_per_user: every user rates at least this many items (MovieLens: 20).
        seed: the same seed gives the same data, bit for bit.

    Returns:
        :class:`RatingsData`: float32 ratings with ``nan`` for missing, the
        items' genres as a bool ``(items, 18)`` matrix.
    """
    for name, value, low in (
        ("n_users", n_users, 1),
        ("n_items", n_items, 1),
        ("n_factors", n_factors, 1),
        ("min_per_user", min_per_user, 1),
    ):
        require_int_at_least(name, value, low)
    if not min_per_user * n_users <= n_ratings <= n_users * n_items:
        raise ValueError(
            f"n_ratings must lie between min_per_user * n_users = {min_per_user * n_users} "
            f"and n_users * n_items = {n_users * n_items}, got {n_ratings!r}"
        )
    g = torch.Generator().manual_seed(seed)
    f64 = torch.float64

    # Items: a main genre, maybe more (Gumbel top-k draws without replacement),
    # a taste vector near the mix of their genres' centres, a popularity.
    weights = torch.tensor(_GENRE_WEIGHTS, dtype=f64)
    main = torch.multinomial(weights / weights.sum(), n_items, replacement=True, generator=g)
    n_extra = torch.multinomial(
        torch.tensor(_EXTRA_GENRES, dtype=f64), n_items, replacement=True, generator=g
    )
    uniform = torch.rand(n_items, len(GENRES), generator=g, dtype=f64).clamp(1e-12, 1 - 1e-12)
    keys = torch.log(weights) - torch.log(-torch.log(uniform))
    keys[torch.arange(n_items), main] = -math.inf  # the main genre is not drawn again
    order = torch.argsort(keys, dim=1, descending=True, stable=True)
    first = torch.arange(len(GENRES)).expand(n_items, -1) < n_extra[:, None]
    extra = torch.zeros(n_items, len(GENRES), dtype=torch.bool).scatter_(1, order, first)
    genres = extra.clone()
    genres[torch.arange(n_items), main] = True
    mix = 0.5 * extra.to(f64)  # the main genre weighs twice as much as each other one
    mix[torch.arange(n_items), main] = 1.0
    centres = torch.randn(len(GENRES), n_factors, generator=g, dtype=f64)
    q = (mix / mix.sum(1, keepdim=True)) @ centres
    q = (q + 0.6 * torch.randn(n_items, n_factors, generator=g, dtype=f64)) / math.sqrt(n_factors)
    rank = torch.randperm(n_items, generator=g).to(f64)
    log_popularity = -popularity_exponent * torch.log(rank + 10.0)
    item_bias = 0.3 * torch.randn(n_items, generator=g, dtype=f64) + 0.15 * (
        log_popularity - log_popularity.mean()
    )

    # Users: a taste vector near one genre's centre, and a bias.
    favourite = torch.multinomial(weights / weights.sum(), n_users, replacement=True, generator=g)
    p = centres[favourite] + 0.8 * torch.randn(n_users, n_factors, generator=g, dtype=f64)
    p = p / math.sqrt(n_factors)
    user_bias = 0.4 * torch.randn(n_users, generator=g, dtype=f64)
    affinity = p @ q.T * 2.0  # (users, items)

    # Which items: Gumbel top-k draws without replacement, weights pop * exp(selection * taste).
    counts = _user_activity(n_users, n_ratings, min_per_user, n_items, g)
    uniform = torch.rand(n_users, n_items, generator=g, dtype=f64).clamp(1e-12, 1 - 1e-12)
    keys = log_popularity + selection * affinity - torch.log(-torch.log(uniform))
    order = torch.argsort(keys, dim=1, descending=True, stable=True)
    first = torch.arange(n_items).expand(n_users, n_items) < counts[:, None]
    rated = torch.zeros(n_users, n_items, dtype=torch.bool).scatter_(1, order, first)
    # Every item is rated at least once, as in MovieLens: an item nobody drew
    # takes the place of the weakest draw of the user who draws it first.
    for item in torch.nonzero(~rated.any(0)).flatten().tolist():
        user = int(keys[:, item].argmax())
        spare = rated[user] & (rated.sum(0) > 1)  # items that keep another rater
        if spare.any():
            rated[user, int(torch.where(spare, keys[user], math.inf).argmin())] = False
            rated[user, item] = True

    # What they give: an ordinal model cut at MovieLens's star shares.
    latent = user_bias[:, None] + item_bias + affinity
    latent = latent + 0.7 * torch.randn(n_users, n_items, generator=g, dtype=f64)
    shown = latent[rated]
    cumulative = torch.tensor(MOVIELENS_STAR_SHARES, dtype=f64).cumsum(0)[:-1]
    cuts = torch.quantile(shown, cumulative)
    stars = 1 + torch.bucketize(shown, cuts).to(torch.float32)
    ratings = torch.full((n_users, n_items), float("nan"))
    ratings[rated] = stars
    return RatingsData(ratings=ratings, genres=genres, genre_names=GENRES)


def random_ratings(
    n_users, n_items, density, half_stars=False, dtype=torch.float32, generator=None
):
    """Stars drawn uniformly at random with holes: test data with no structure at all.

    Each cell is rated with probability ``density``, with whole stars 1..5
    (or half stars 0.5..5 when ``half_stars``), ``nan`` elsewhere. Unlike
    :func:`synthetic_movielens`, nothing links users or items: the test cells
    use it for exact checks, edge cases and timing.

    Returns:
        ``(n_users, n_items)`` tensor of ``dtype``.
    """
    if half_stars:
        stars = torch.randint(1, 11, (n_users, n_items), generator=generator) / 2
    else:
        stars = torch.randint(1, 6, (n_users, n_items), generator=generator).to(torch.float64)
    keep = torch.rand(n_users, n_items, generator=generator) < density
    return torch.where(keep, stars.to(dtype), float("nan"))


def load_u_data(path, n_users=None, n_items=None):
    """Read MovieLens-100k's ``u.data`` (or ``u1.base``, ``ua.test``, ...) into a dense matrix.

    Each line holds ``user id<TAB>item id<TAB>rating<TAB>timestamp``, ids
    counted from 1. User ``k`` becomes row ``k - 1`` and item ``k`` column
    ``k - 1``.

    Args:
        path: the file.
        n_users, n_items: the matrix's shape; by default the largest ids in the
            file (pass 943 and 1682 to read a split file of MovieLens-100k, in
            which the largest ids may be missing).

    Returns:
        float32 ``(n_users, n_items)``: the ratings, ``nan`` where not rated.

    Raises:
        ValueError: a line does not have four tab-separated fields, an id is
            below 1 or beyond the given shape, a rating is not finite, or a
            (user, item) pair appears twice.
    """
    users, items, stars = [], [], []
    with open(Path(path), encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            try:
                if len(fields) != 4:
                    raise ValueError(f"4 tab-separated fields expected, got {len(fields)}")
                user, item, star = int(fields[0]), int(fields[1]), float(fields[2])
                int(fields[3])  # the timestamp: checked, not kept
            except ValueError as error:
                raise ValueError(f"{path}, line {number}: {error}: {line.strip()!r}") from None
            if user < 1 or item < 1 or not math.isfinite(star):
                raise ValueError(
                    f"{path}, line {number}: ids count from 1 and ratings are finite, "
                    f"got {line.strip()!r}"
                )
            users.append(user - 1)
            items.append(item - 1)
            stars.append(star)
    users, items = torch.tensor(users, dtype=torch.int64), torch.tensor(items, dtype=torch.int64)
    n_users = n_users if n_users is not None else int(users.max()) + 1 if len(users) else 0
    n_items = n_items if n_items is not None else int(items.max()) + 1 if len(items) else 0
    if len(users) and (int(users.max()) >= n_users or int(items.max()) >= n_items):
        raise ValueError(
            f"{path}: ids up to user {int(users.max()) + 1} and item {int(items.max()) + 1} "
            f"do not fit a ({n_users}, {n_items}) matrix"
        )
    flat = users * n_items + items
    if len(torch.unique(flat)) != len(flat):
        raise ValueError(f"{path}: a (user, item) pair is rated twice")
    ratings = torch.full((n_users, n_items), float("nan"))
    ratings[users, items] = torch.tensor(stars, dtype=torch.float32)
    return ratings


def load_u_item_genres(path):
    """Read the genres of every item from MovieLens-100k's ``u.item``.

    Each line is ``id|title|release date|video date|IMDb URL|`` followed by 19
    flags 0/1: the first for "unknown", then the 18 of :data:`GENRES`. A film
    may have several (Toy Story is Animation, Children's and Comedy). The file
    is in Latin-1.

    Returns:
        bool ``(items, 18)``: row ``k - 1`` for item id ``k``, column ``g`` for
        ``GENRES[g]``. An item flagged only "unknown" (or not listed) has an
        all-False row.

    Raises:
        ValueError: a line does not have 24 ``|``-separated fields, or a flag
            is not 0 or 1.
    """
    found = {}
    with open(Path(path), encoding="latin-1") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("|")
            if len(fields) != 24 or not set(fields[5:]) <= {"0", "1"}:
                raise ValueError(
                    f"{path}, line {number}: 24 '|'-separated fields expected, "
                    "the last 19 of them 0 or 1"
                )
            found[int(fields[0]) - 1] = [flag == "1" for flag in fields[6:]]  # [5] is "unknown"
    genres = torch.zeros(max(found) + 1 if found else 0, len(GENRES), dtype=torch.bool)
    for item, flags in found.items():
        genres[item] = torch.tensor(flags)
    return genres


def holdout_split(ratings, n_held_out=10, seed=0):
    """Hide ``n_held_out`` random ratings of every user: MovieLens's ``ua``/``ub`` protocol.

    Args:
        ratings: float ``(users, items)`` with ``nan`` for missing; every user
            needs more than ``n_held_out`` ratings.
        n_held_out: ratings hidden per user (MovieLens's ``ua.test`` hides 10).
        seed: which ratings are hidden.

    Returns:
        ``(train, test)``: two matrices of the shape of ``ratings``, each with
        ``nan`` where the other has a rating; together they hold every rating once.
    """
    require_int_at_least("n_held_out", n_held_out, 1)
    rated = ~torch.isnan(ratings)
    per_user = rated.sum(1)
    if len(per_user) and int(per_user.min()) <= n_held_out:
        raise ValueError(
            f"every user needs more than n_held_out = {n_held_out} ratings; "
            f"user {int(per_user.argmin())} has {int(per_user.min())}"
        )
    g = torch.Generator().manual_seed(seed)
    keys = torch.rand(ratings.shape, generator=g)
    keys[~rated] = 2.0  # unrated cells sort last
    order = torch.argsort(keys, dim=1, stable=True)
    first = torch.arange(ratings.shape[1]).expand(ratings.shape) < n_held_out
    held = torch.zeros(ratings.shape, dtype=torch.bool).scatter_(1, order, first) & rated
    nan = torch.tensor(float("nan"), dtype=ratings.dtype)
    return torch.where(held, nan, ratings), torch.where(held, ratings, nan)
