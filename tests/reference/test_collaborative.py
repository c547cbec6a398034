"""Oracle tests of course.reference.collaborative and the helpers in course.collaborative.

Oracles: scikit-surprise 1.1.5 (its ``pearson`` similarity and ``KNNWithMeans``
on the same ratings, built through surprise's own reader; see
``tests.reference.surprise_oracle``), plain-Python loops written from the
formulas, and MovieLens's file format read back by surprise.

The exercise ``pearson_user_similarity`` (written to be read) and the answer
``course.reference.collaborative_fast`` (not an exercise) go through the same
oracle tests with the same tolerances, and are checked equal to each other.
"""

import math
import random
import statistics

import pytest
import torch
from surprise import Dataset, KNNWithMeans, Reader
from surprise.similarities import pearson

from course.checks.collaborative import require_top_k_inputs
from course.collaborative import ratings as data
from course.collaborative import recsys
from course.reference import collaborative as cf
from course.reference.collaborative_fast import pearson_user_similarity_fast
from course.testing import expect_vectorized
from tests.reference.surprise_oracle import surprise_matrix, surprise_pearson, surprise_trainset

NAN = float("nan")

#: Both versions of the user similarity, with the item similarity built on each.
VERSIONS = {
    "plain": (cf.pearson_user_similarity, cf.pearson_item_similarity),
    "fast": (pearson_user_similarity_fast, lambda R: pearson_user_similarity_fast(R.T)),
}


@pytest.fixture(params=sorted(VERSIONS))
def version(request):
    """``(user_similarity, item_similarity)``: the exercise's, then the fast one."""
    return VERSIONS[request.param]


# --- helpers -------------------------------------------------------------------------------------


def random_ratings(n_users, n_items, density, seed, half_stars=False, dtype=torch.float64):
    """Stars 1..5 (or 0.5..5 in halves) with nan where not rated; exact in binary."""
    g = torch.Generator().manual_seed(seed)
    return data.random_ratings(n_users, n_items, density, half_stars, dtype, generator=g)


def loop_pearson(R):
    """The formula with co-rated means, pair by pair, in Python floats."""
    rows = [[None if math.isnan(v) else v for v in row] for row in R.tolist()]
    n = len(rows)
    W = [[0.0] * n for _ in range(n)]
    for u in range(n):
        for v in range(n):
            common = [
                (a, b)
                for a, b in zip(rows[u], rows[v], strict=True)
                if a is not None and b is not None
            ]
            if len(common) < 2:
                continue
            mu = sum(a for a, _ in common) / len(common)
            mv = sum(b for _, b in common) / len(common)
            num = sum((a - mu) * (b - mv) for a, b in common)
            su = sum((a - mu) ** 2 for a, _ in common)
            sv = sum((b - mv) ** 2 for _, b in common)
            if su > 0 and sv > 0:
                W[u][v] = num / math.sqrt(su * sv)
    return torch.tensor(W, dtype=torch.float64)


@pytest.fixture(scope="module")
def medium():
    """A 300 x 400 synthetic set (12,000 ratings) with its surprise trainset."""
    R = data.synthetic_movielens(n_users=300, n_items=400, n_ratings=12_000, seed=3).ratings
    return R, *surprise_trainset(R.double())


# --- Pearson against scikit-surprise -------------------------------------------------------------


def test_user_similarity_equals_surprise_pearson(medium, version):
    """Off the diagonal, every user-user value equals surprise's pearson (min_support 1)."""
    user_similarity, _ = version
    R, trainset, user_rows, _ = medium
    S = surprise_pearson(trainset, user_rows, R.shape[0])
    W = user_similarity(R.double())
    off = ~torch.eye(len(W), dtype=torch.bool)
    assert (W - S)[off].abs().max() <= 1e-12
    # surprise puts 1 on the whole diagonal; here it is 1 where the user's ratings vary
    varies = torch.tensor([torch.unique(row[~torch.isnan(row)]).numel() > 1 for row in R])
    assert torch.allclose(
        W.diag()[varies], torch.ones(int(varies.sum()), dtype=torch.float64), rtol=0, atol=1e-12
    )
    assert (S.diag() == 1).all()


def test_item_similarity_equals_surprise_pearson(medium, version):
    """Item-item values equal surprise's item-based pearson (its ur table) off the diagonal."""
    _, item_similarity = version
    R, trainset, _, item_cols = medium
    S = surprise_matrix(pearson(trainset.n_items, trainset.ur, 1), item_cols, R.shape[1])
    W = item_similarity(R.double())
    rated = (~torch.isnan(R)).any(0)  # items nobody rated are unknown to surprise
    off = ~torch.eye(len(W), dtype=torch.bool) & rated[:, None] & rated[None, :]
    assert (W - S)[off].abs().max() <= 1e-12
    assert (W[~rated] == 0).all()


def test_min_support_and_zero_variance_conventions(version):
    """Below 2 co-rated items, and for constant ratings, surprise and the reference give 0."""
    user_similarity, _ = version
    R = torch.tensor(
        [
            [5.0, 3.0, NAN, NAN, 1.0],  # varies
            [4.0, NAN, NAN, NAN, NAN],  # one rating
            [2.0, 2.0, 2.0, NAN, 2.0],  # constant
            [1.0, 4.0, 4.0, 2.0, NAN],  # shares 2 items (0, 1) with user 0
            [NAN, NAN, 3.0, 5.0, NAN],  # shares items 2 and 3 with user 3
        ],
        dtype=torch.float64,
    )
    W = user_similarity(R)
    trainset, user_rows, _ = surprise_trainset(R)
    S = surprise_pearson(trainset, user_rows, 5)
    off = ~torch.eye(5, dtype=torch.bool)
    assert torch.allclose(W[off], S[off], rtol=0, atol=1e-12)
    assert (W[1] == 0).all() and (W[:, 1] == 0).all()  # one rating: no pair has 2 co-rated
    assert (W[2] == 0).all() and (W[:, 2] == 0).all()  # constant: zero variance everywhere
    assert W[0, 3] == pytest.approx(-1.0)  # (5, 3) against (1, 4) on items 0 and 1
    assert W[3, 4] == pytest.approx(-1.0)  # (4, 2) against (3, 5) on items 2 and 3
    assert W.diag().tolist() == pytest.approx([1.0, 0.0, 0.0, 1.0, 1.0])
    assert torch.equal(W, W.T)


@pytest.mark.parametrize("seed", range(6))
def test_similarity_equals_the_loop_formula(seed, version):
    """Random sparse matrices with half stars, empty rows and columns: the loop oracle."""
    user_similarity, item_similarity = version
    R = random_ratings(12, 9, density=0.35 + 0.1 * (seed % 3), seed=seed, half_stars=seed % 2 == 1)
    R[seed % 12] = NAN  # a user with no rating
    R[:, seed % 9] = NAN  # an item nobody rated
    assert torch.allclose(user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)
    assert torch.allclose(item_similarity(R), loop_pearson(R.T), rtol=0, atol=1e-12)


def test_similarity_of_real_valued_ratings_equals_the_loop_formula(version):
    """Ratings that are not whole or half stars (float64 products in the fast version)."""
    user_similarity, item_similarity = version
    g = torch.Generator().manual_seed(11)
    R = 1 + 4 * torch.rand(14, 10, generator=g, dtype=torch.float64)
    R[torch.rand(14, 10, generator=g) < 0.4] = NAN
    assert torch.allclose(user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)
    assert torch.allclose(item_similarity(R), loop_pearson(R.T), rtol=0, atol=1e-12)


def test_similarity_of_large_whole_numbers_beyond_float32_equals_the_loop_formula(version):
    """Whole numbers whose sums of squares pass 2**24 (the fast version's float32 bound)."""
    user_similarity, _ = version
    g = torch.Generator().manual_seed(12)
    R = torch.randint(-3000, 3000, (10, 12), generator=g).to(torch.float64) * 2 + 1  # odd
    R[torch.rand(10, 12, generator=g) < 0.2] = NAN
    assert torch.allclose(user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)


@pytest.mark.parametrize("half_stars", [False, True])
def test_similarity_with_popular_and_rare_items_equals_the_loop_formula(half_stars, version):
    """A long tail: popular items and rare ones (apart inside the fast version) add up right."""
    user_similarity, _ = version
    g = torch.Generator().manual_seed(13)
    popularity = torch.linspace(0.95, 0.02, 40, dtype=torch.float64)  # per item
    keep = torch.rand(36, 40, generator=g, dtype=torch.float64) < popularity
    R = torch.where(keep, random_ratings(36, 40, 1.0, seed=13, half_stars=half_stars), NAN)
    assert torch.allclose(user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)
    assert torch.allclose(user_similarity(R.float()).double(), loop_pearson(R), rtol=0, atol=1e-6)


def test_similarity_survives_large_offsets(version):
    """Half stars near 1e6: the same similarities to 1e-9 as the stars alone."""
    user_similarity, _ = version
    R = random_ratings(15, 20, density=0.6, seed=7, half_stars=True)
    shifted = user_similarity(R + 1e6)
    assert torch.allclose(shifted, user_similarity(R), rtol=0, atol=1e-9)


def test_similarity_dtype_and_shape(version):
    """float32 in, float32 out, same values to float32 precision; empty input works."""
    user_similarity, item_similarity = version
    R = random_ratings(10, 14, density=0.5, seed=1)
    W32 = user_similarity(R.float())
    assert W32.dtype == torch.float32 and W32.shape == (10, 10)
    assert torch.allclose(W32.double(), user_similarity(R), rtol=0, atol=1e-6)
    assert item_similarity(R.float()).shape == (14, 14)
    assert user_similarity(torch.empty(0, 3)).shape == (0, 0)


@pytest.mark.parametrize(
    "user_similarity", [cf.pearson_user_similarity, pearson_user_similarity_fast]
)
def test_similarity_errors(user_similarity):
    """Integer, 1-D and infinite input raise, naming R."""
    with pytest.raises(TypeError, match="R"):
        user_similarity(torch.ones(3, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match="R"):
        user_similarity(torch.ones(3))
    with pytest.raises(ValueError, match="infinity"):
        user_similarity(torch.tensor([[1.0, float("inf")], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="infinity"):
        cf.pearson_item_similarity(torch.tensor([[1.0, float("inf")], [2.0, 3.0]]))


# --- the fast version against the plain one ------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fast_similarity_equals_the_plain_one_bit_for_bit_on_stars(dtype):
    """Whole and half stars, MovieLens-sized and small, users and items: bit for bit."""
    R = data.synthetic_movielens().ratings.to(dtype)
    for matrix in (R, R.T, R[:50] / 2 + 1000, random_ratings(30, 40, 0.3, 5, True, dtype)):
        assert torch.equal(pearson_user_similarity_fast(matrix), cf.pearson_user_similarity(matrix))


@pytest.mark.parametrize("seed", range(4))
def test_fast_similarity_equals_the_plain_one_on_real_valued_ratings(seed):
    """Ratings that are not stars round differently in the two: equal to 1e-12."""
    g = torch.Generator().manual_seed(100 + seed)
    R = 10 * torch.randn(40, 30, generator=g, dtype=torch.float64)
    R[torch.rand(40, 30, generator=g) < 0.5] = NAN
    fast, plain = pearson_user_similarity_fast(R), cf.pearson_user_similarity(R)
    assert torch.allclose(fast, plain, rtol=0, atol=1e-12)
    assert torch.equal(fast == 0, plain == 0)  # the same pairs are undefined


# --- KNNWithMeans from the reference similarity --------------------------------------------------


def knn_with_means(R, W, means, u, i, k, min_k):
    """surprise's KNNWithMeans estimate from a similarity matrix (ties: lower user first).

    Similarities that are equal in exact arithmetic (many are exactly 1 or -1)
    may differ in the last bit between two implementations, so the k nearest
    are chosen on values rounded to 1e-9.
    """
    raters = torch.nonzero(~torch.isnan(R[:, i])).flatten()
    rounded = torch.round(W[u, raters] * 1e9)
    order = torch.sort(rounded, descending=True, stable=True).indices[:k]
    total_sim = total = 0.0
    used = 0
    for v in raters[order].tolist():
        if W[u, v] > 0:
            total_sim += float(W[u, v])
            total += float(W[u, v]) * (float(R[v, i]) - float(means[v]))
            used += 1
    if used < min_k or total_sim == 0:
        return float(means[u])
    return float(means[u]) + total / total_sim


@pytest.mark.parametrize(("k", "min_k"), [(40, 1), (5, 3), (1000, 1)])
def test_knn_with_means_prediction_matches_surprise(medium, k, min_k):
    """Predictions from the reference similarity equal surprise's on 300 unrated pairs."""
    R, trainset, _, _ = medium
    R = R.double()
    algo = KNNWithMeans(
        k=k, min_k=min_k, sim_options={"name": "pearson", "user_based": True}, verbose=False
    )
    algo.fit(trainset)
    W = cf.pearson_user_similarity(R)
    means = torch.nanmean(R, dim=1)  # over all of a user's ratings, as surprise does
    rng = random.Random(k)
    unrated = torch.nonzero(torch.isnan(R)).tolist()
    for u, i in rng.sample(unrated, 300):
        if not (~torch.isnan(R[:, i])).any():
            continue  # an item nobody rated: surprise cannot predict
        ours = knn_with_means(R, W, means, u, i, k, min_k)
        theirs = algo.predict(str(u), str(i), clip=False).est
        assert ours == pytest.approx(theirs, abs=1e-9), (u, i)


# --- the recommendation rules --------------------------------------------------------------------


def loop_user_scores(R, W, u, alpha):
    similar = [v for v in range(len(R)) if v != u and W[u, v] > alpha]
    if not similar:
        return torch.zeros(R.shape[1], dtype=R.dtype)
    counts = [sum(not math.isnan(R[v, i]) for v in similar) for i in range(R.shape[1])]
    return torch.tensor([c / len(similar) for c in counts], dtype=R.dtype)


def loop_item_scores(R, W, u, alpha):
    rated = [j for j in range(R.shape[1]) if not math.isnan(R[u, j])]
    out = []
    for i in range(R.shape[1]):
        values = [float(W[j, i]) for j in rated if j != i and W[j, i] > alpha]
        out.append(max(values) if values else 0.0)
    return torch.tensor(out, dtype=R.dtype)


@pytest.mark.parametrize("seed", range(5))
def test_user_and_item_scores_equal_the_loops(seed):
    """Scores from reference similarities, several thresholds, against the exam's formulas."""
    R = random_ratings(14, 11, density=0.4, seed=seed)
    R[3] = NAN  # a user who rated nothing
    Wu, Wi = cf.pearson_user_similarity(R), cf.pearson_item_similarity(R)
    for u in range(14):
        for alpha in (0.0, 0.3, 0.8):
            assert torch.allclose(
                cf.user_based_scores(R, Wu, u, alpha), loop_user_scores(R, Wu, u, alpha)
            )
            assert torch.allclose(
                cf.item_based_scores(R, Wi, u, alpha), loop_item_scores(R, Wi, u, alpha)
            )


def test_scores_exclude_self_and_handle_empty_sets():
    """U(u) leaves u out even with W[u, u] = 1; nobody similar gives all zeros."""
    R = torch.tensor([[5.0, NAN, 1.0], [4.0, 2.0, NAN], [NAN, 3.0, 3.0]])
    W = torch.eye(3)
    assert torch.equal(cf.user_based_scores(R, W, 0, 0.5), torch.zeros(3))
    W[0, 2] = W[2, 0] = 0.9
    assert torch.equal(cf.user_based_scores(R, W, 0, 0.5), torch.tensor([0.0, 1.0, 1.0]))
    Wi = torch.eye(3)
    Wi[0, 1] = Wi[1, 0] = 0.7
    assert torch.equal(cf.item_based_scores(R, Wi, 0, 0.5), torch.tensor([0.0, 0.7, 0.0]))


def test_recommend_filters_rated_items_and_breaks_ties_by_index():
    """Top-k of the unrated items, stable order, fewer when few are left."""
    R = torch.tensor([[5.0, NAN, NAN, 1.0, NAN, NAN]])
    scores = torch.tensor([9.0, 0.5, 0.5, 8.0, 0.7, 0.5])
    assert cf.recommend(scores, R, 0, 3).tolist() == [4, 1, 2]
    assert cf.recommend(scores, R, 0, 10).tolist() == [4, 1, 2, 5]
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        R = random_ratings(3, 30, 0.3, seed)
        scores = torch.randint(0, 4, (30,), generator=g).float()
        unrated = [i for i in range(30) if math.isnan(R[1, i])]
        expected = sorted(unrated, key=lambda i: -scores[i])[:7]
        assert cf.recommend(scores, R, 1, 7).tolist() == expected


def test_precision_and_recall_against_sets():
    """Per-user set arithmetic: hits / k and hits / |relevant| (0 without relevant items)."""
    g = torch.Generator().manual_seed(0)
    recommended = torch.stack([torch.randperm(25, generator=g)[:10] for _ in range(40)])
    relevant = torch.rand(40, 25, generator=g) < 0.2
    relevant[5] = False
    for k in (1, 3, 10):
        p, r = cf.precision_at_k(recommended, relevant, k), cf.recall_at_k(recommended, relevant, k)
        for u in range(40):
            hits = len(
                set(recommended[u, :k].tolist()) & set(relevant[u].nonzero().flatten().tolist())
            )
            assert p[u].item() == pytest.approx(hits / k)
            n_relevant = int(relevant[u].sum())
            assert r[u].item() == pytest.approx(hits / n_relevant if n_relevant else 0.0)


def test_rule_errors():
    """Bad shapes, users, k and dtypes raise the documented errors."""
    R = torch.full((3, 4), 3.0)
    with pytest.raises(ValueError, match="W"):
        cf.user_based_scores(R, torch.zeros(4, 4), 0, 0.1)
    with pytest.raises(ValueError, match="W"):
        cf.item_based_scores(R, torch.zeros(3, 3), 0, 0.1)
    for bad_u in (-1, 3, 1.0):
        with pytest.raises(ValueError, match="u"):
            cf.user_based_scores(R, torch.zeros(3, 3), bad_u, 0.1)
        with pytest.raises(ValueError, match="u"):
            cf.recommend(torch.zeros(4), R, bad_u, 2)
    with pytest.raises(ValueError, match="k"):
        cf.recommend(torch.zeros(4), R, 0, 0)
    with pytest.raises(ValueError, match="scores"):
        cf.recommend(torch.tensor([0.0, NAN, 0.0, 0.0]), R, 0, 1)
    with pytest.raises(TypeError):
        cf.precision_at_k(torch.zeros(2, 3), torch.zeros(2, 5, dtype=torch.bool), 1)
    with pytest.raises(TypeError):
        cf.recall_at_k(torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, 5), 1)
    with pytest.raises(ValueError, match="k"):
        cf.recall_at_k(torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, 5, dtype=bool), 4)


def test_precision_and_recall_share_their_checks():
    """require_top_k_inputs: types, ranks, rows and k in 1..m, with the argument named."""
    recommended = torch.zeros(2, 3, dtype=torch.int64)
    relevant = torch.zeros(2, 5, dtype=torch.bool)
    require_top_k_inputs(recommended, relevant, 3)
    for bad, error, name in [
        ((recommended.float(), relevant, 1), TypeError, "recommended"),
        ((recommended.bool(), relevant, 1), TypeError, "recommended"),
        ((recommended, relevant.long(), 1), TypeError, "relevant"),
        ((recommended, [[True]], 1), TypeError, "relevant"),
        ((recommended[0], relevant, 1), ValueError, "recommended"),
        ((recommended, relevant[0], 1), ValueError, "relevant"),
        ((recommended[:1], relevant, 1), ValueError, "one row per user"),
        ((recommended, relevant, 0), ValueError, "k"),
        ((recommended, relevant, 4), ValueError, "k"),
        ((recommended, relevant, 1.0), ValueError, "k"),
    ]:
        with pytest.raises(error, match=name):
            require_top_k_inputs(*bad)


# --- the data ------------------------------------------------------------------------------------


def test_synthetic_set_has_movielens_shape():
    """943 x 1682, exactly 100,000 stars 1..5 in MovieLens's shares, >= 20 per user, long tail."""
    bundle = data.synthetic_movielens()
    R = bundle.ratings
    rated = ~torch.isnan(R)
    assert R.shape == (943, 1682) and R.dtype == torch.float32 and int(rated.sum()) == 100_000
    stars = R[rated]
    shares = [(stars == s).float().mean().item() for s in range(1, 6)]
    assert shares == pytest.approx(list(data.MOVIELENS_STAR_SHARES), abs=1e-3)
    assert int(rated.sum(1).min()) >= 20
    per_item = rated.sum(0).sort(descending=True).values
    assert per_item[:100].sum() > 0.3 * 100_000  # the top 6 % of items: over 30 % of ratings
    assert int(per_item[-1]) >= 1 and (per_item <= 5).sum() > 50  # a long tail, none empty
    assert torch.equal(bundle.ratings.nan_to_num(), data.synthetic_movielens().ratings.nan_to_num())
    assert not torch.equal(R.nan_to_num(), data.synthetic_movielens(seed=1).ratings.nan_to_num())


def test_synthetic_items_have_one_or_more_genres():
    """A bool (items, 18) matrix: every item has 1 to 4 genres, 1.7 on average, Drama first."""
    genres = data.synthetic_movielens().genres
    assert genres.shape == (1682, len(data.GENRES)) and genres.dtype == torch.bool
    per_item = genres.sum(1)
    assert int(per_item.min()) == 1 and int(per_item.max()) <= 4
    assert 1.6 < per_item.float().mean().item() < 1.85  # MovieLens-100k: 2,893 flags / 1,682
    assert (per_item > 1).float().mean().item() > 0.4  # many films are of several genres
    counts = genres.sum(0)
    assert data.GENRES[int(counts.argmax())] == "Drama"
    assert torch.equal(genres, data.synthetic_movielens().genres)


def test_items_that_share_genres_are_rated_alike():
    """The genres carry taste: films sharing a genre are more similar than films sharing none."""
    bundle = data.synthetic_movielens()
    W = cf.pearson_item_similarity(bundle.ratings.double())
    rated = ~torch.isnan(bundle.ratings)
    support = rated.float().T @ rated.float()
    share = (bundle.genres.float() @ bundle.genres.float().T) > 0
    reliable = (support >= 30) & ~torch.eye(len(W), dtype=torch.bool)
    assert W[reliable & share].mean() > W[reliable & ~share].mean() + 0.05


def test_random_ratings():
    """Whole or half stars at the given density, nan elsewhere, seeded, in the asked dtype."""
    g = torch.Generator().manual_seed(0)
    R = data.random_ratings(200, 300, 0.25, generator=g)
    known = R[~torch.isnan(R)]
    assert R.dtype == torch.float32 and R.shape == (200, 300)
    assert abs((~torch.isnan(R)).float().mean().item() - 0.25) < 0.01
    assert set(known.unique().tolist()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    half = data.random_ratings(50, 60, 1.0, half_stars=True, dtype=torch.float64, generator=g)
    assert half.dtype == torch.float64 and not torch.isnan(half).any()
    assert set(half.unique().tolist()) == {k / 2 for k in range(1, 11)}
    again = data.random_ratings(200, 300, 0.25, generator=torch.Generator().manual_seed(0))
    assert torch.equal(R.nan_to_num(), again.nan_to_num())


def test_load_u_data_reads_the_format_as_surprise_does(tmp_path):
    """A small file in u.data's format: our matrix holds what surprise's ml-100k reader reads."""
    rng = random.Random(0)
    pairs = rng.sample([(u, i) for u in range(1, 8) for i in range(1, 12)], 30)
    lines = [f"{u}\t{i}\t{rng.randint(1, 5)}\t{880000000 + n}" for n, (u, i) in enumerate(pairs)]
    path = tmp_path / "u.data"
    path.write_text("\n".join(lines) + "\n")
    R = data.load_u_data(path)
    assert R.shape == (max(u for u, _ in pairs), max(i for _, i in pairs))
    assert int((~torch.isnan(R)).sum()) == 30
    raw = Dataset.load_from_file(str(path), reader=Reader("ml-100k")).raw_ratings
    for user, item, rating, _ in raw:
        assert R[int(user) - 1, int(item) - 1].item() == rating
    assert data.load_u_data(path, n_users=10, n_items=20).shape == (10, 20)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("1\t2\t3\n", "4 tab-separated"),
        ("1 2 3 881250949\n", "4 tab-separated"),
        ("0\t2\t3\t881250949\n", "count from 1"),
        ("1\t2\t3\t881250949\n1\t2\t4\t881250950\n", "twice"),
    ],
)
def test_load_u_data_errors(tmp_path, content, message):
    path = tmp_path / "u.data"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        data.load_u_data(path)


def test_load_u_item_genres(tmp_path):
    """Every genre flag after "unknown", several per item; "unknown" alone gives no genre."""
    flags = [[0] * 19 for _ in range(4)]
    flags[0][1] = 1  # Action
    flags[1][3], flags[1][4], flags[1][5] = 1, 1, 1  # Toy Story: Animation, Children's, Comedy
    flags[2][0] = 1  # unknown only
    flags[3][8], flags[3][14] = 1, 1  # Drama and Romance
    lines = [
        f"{n + 1}|Title {n}|01-Jan-1995||http://x|" + "|".join(map(str, f))
        for n, f in enumerate(flags)
    ]
    path = tmp_path / "u.item"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    genres = data.load_u_item_genres(path)
    assert genres.shape == (4, 18) and genres.dtype == torch.bool
    names = [[data.GENRES[g] for g in torch.nonzero(row).flatten().tolist()] for row in genres]
    assert names == [["Action"], ["Animation", "Children's", "Comedy"], [], ["Drama", "Romance"]]


@pytest.mark.parametrize(
    "line",
    ["1|Title|01-Jan-1995||http://x|" + "|".join("0" * 18), "1|T|d||u|" + "|".join("0" * 18 + "2")],
)
def test_load_u_item_genres_errors(tmp_path, line):
    """A line without 19 flags, or a flag other than 0 and 1, is refused with its number."""
    path = tmp_path / "u.item"
    path.write_text(line + "\n", encoding="latin-1")
    with pytest.raises(ValueError, match="line 1"):
        data.load_u_item_genres(path)


def test_holdout_split_hides_n_per_user():
    """Disjoint, complete, n_held_out per user, seeded."""
    R = data.synthetic_movielens(n_users=50, n_items=80, n_ratings=1500, seed=2).ratings
    train, test = data.holdout_split(R, n_held_out=5, seed=1)
    in_train, in_test = ~torch.isnan(train), ~torch.isnan(test)
    assert not (in_train & in_test).any()
    assert torch.equal(in_train | in_test, ~torch.isnan(R))
    assert (in_test.sum(1) == 5).all()
    assert torch.equal(torch.where(in_test, test, train).nan_to_num(), R.nan_to_num())
    again = data.holdout_split(R, n_held_out=5, seed=1)[1]
    assert torch.equal(again.nan_to_num(), test.nan_to_num())
    with pytest.raises(ValueError, match="more than"):
        data.holdout_split(R, n_held_out=100)


# --- the pipeline's models -----------------------------------------------------------------------


def one_genre_each(labels, n_genres=6):
    """A bool (items, genres) matrix where item i has the single genre labels[i]."""
    return torch.nn.functional.one_hot(torch.tensor(labels), n_genres).bool()


def test_rerank_by_genre_rule():
    """No repeated genre in the top 5 when possible; rows stay permutations."""
    genres = one_genre_each([0, 0, 1, 1, 2, 3, 4, 5, 0, 1])
    ranked = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 3, 2, 1, 0, 4, 5, 6, 7]])
    out = recsys.rerank_by_genre(ranked, genres, n_top=5)
    assert out[0].tolist() == [0, 2, 4, 5, 6, 1, 3, 7, 8, 9]
    for row_in, row_out in zip(ranked, out, strict=True):
        assert sorted(row_in.tolist()) == sorted(row_out.tolist())
        assert (genres[row_out[:5]].sum(0) <= 1).all()
    few = recsys.rerank_by_genre(torch.tensor([[0, 1, 2, 3, 8]]), genres, n_top=5)
    assert few.tolist() == [[0, 2, 1, 3, 8]]


def test_rerank_by_genre_counts_every_genre_of_an_item():
    """An item of several genres clashes on any of them; per_genre=2 allows two of each."""
    genres = torch.tensor(
        [
            [1, 1, 0, 0],  # item 0: genres 0 and 1
            [0, 1, 1, 0],  # item 1: shares genre 1 with item 0
            [0, 0, 1, 0],  # item 2
            [1, 0, 0, 0],  # item 3: shares genre 0 with item 0
            [0, 0, 0, 0],  # item 4: no genre, never clashes
            [0, 0, 0, 1],  # item 5
        ],
        dtype=torch.bool,
    )
    ranked = torch.tensor([[0, 1, 2, 3, 4, 5]])
    assert recsys.rerank_by_genre(ranked, genres, n_top=3).tolist() == [[0, 2, 4, 1, 3, 5]]
    twice = recsys.rerank_by_genre(ranked, genres, n_top=4, per_genre=2)
    assert twice.tolist() == [[0, 1, 2, 3, 4, 5]]  # each genre at most twice in the top 4
    thrice = genres[twice[0, :5]].sum(0)
    assert int(thrice.max()) <= 2


def test_top_unrated_stacks_the_given_recommend():
    """Row u is recommend(scores[u], R, u, k), for a shared or a per-user score; calls counted."""
    R = torch.tensor([[1.0, NAN, NAN, NAN], [NAN, 2.0, NAN, NAN], [NAN, NAN, NAN, 3.0]])
    calls = []

    def recommend(scores, R, u, k):
        calls.append(u)
        return cf.recommend(scores, R, u, k)

    shared = torch.tensor([0.1, 0.4, 0.3, 0.2])
    assert recsys.top_unrated(recommend, shared, R, 2).tolist() == [[1, 2], [2, 3], [1, 2]]
    assert calls == [0, 1, 2]
    per_user = torch.arange(12.0).reshape(3, 4)
    assert recsys.top_unrated(recommend, per_user, R, 3).tolist() == [
        [3, 2, 1],
        [3, 2, 0],
        [2, 1, 0],
    ]
    with pytest.raises(ValueError, match="fewer than k"):
        recsys.top_unrated(recommend, shared, R, 4)
    assert recsys.top_unrated(recommend, shared, R[:0], 2).shape == (0, 2)


def test_expect_vectorized_counts_the_students_lines_only():
    """Whole-tensor code passes; a loop fails with "too slow: vectorize", stopped at the limit;
    lines run inside libraries do not count; ``except Exception`` cannot hide the stop."""
    R = torch.rand(50, 40, generator=torch.Generator().manual_seed(0))
    expect_vectorized(lambda: (R @ R.T).clamp(-1, 1), "R @ R.T", max_lines=20)
    expect_vectorized(lambda: statistics.mean(range(5000)), "statistics.mean", max_lines=20)
    rows = []

    def loop():
        for row in R:
            rows.append(row.sum())

    with pytest.raises(
        AssertionError, match=r"loop\(\) ran more than 20 lines .* too slow: vectorize\. Hint"
    ):
        expect_vectorized(loop, "loop()", max_lines=20, hint="Hint.")
    assert len(rows) <= 20, "the loop was not stopped at the limit"

    def hides_errors():
        for row in R:
            try:
                rows.append(row.sum())
            except Exception:  # the student's way of hiding errors
                rows.clear()

    with pytest.raises(AssertionError, match="too slow: vectorize"):
        expect_vectorized(hides_errors, "hides_errors()", max_lines=20)


def test_implicit_als_beats_popularity_and_is_seeded():
    """A few ALS sweeps on a small set rank held-out items above the popularity baseline."""
    R = data.synthetic_movielens(n_users=200, n_items=300, n_ratings=8000, seed=4).ratings
    train, test = data.holdout_split(R, n_held_out=5, seed=0)
    relevant = ~torch.isnan(test)
    model = recsys.train_implicit_als(train, n_factors=8, n_iterations=5, progress=False)
    again = recsys.train_implicit_als(train, n_factors=8, n_iterations=5, progress=False)
    assert torch.equal(model.scores(), again.scores())
    top = recsys.top_unrated(cf.recommend, model.scores(), train, 10)
    mf = cf.recall_at_k(top, relevant, 10).mean()
    pop = recsys.top_unrated(cf.recommend, recsys.popularity_scores(train), train, 10)
    assert mf > cf.recall_at_k(pop, relevant, 10).mean()
