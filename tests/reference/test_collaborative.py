"""Oracle tests of course.reference.collaborative, course.collaborative.ratings and course.collaborative.recsys.

Oracles: scikit-surprise 1.1.5 (its ``pearson`` similarity and ``KNNWithMeans``
on the same ratings, built through surprise's own reader), plain-Python loops
written from the formulas, and MovieLens's file format read back by surprise.
"""

import math
import random

import pytest
import torch
from surprise import Dataset, KNNWithMeans, Reader
from surprise.similarities import pearson

from course.collaborative import ratings as data
from course.collaborative import recsys
from course.reference import collaborative as cf
from tests.benchmarks.bench_pearson import compare_with_surprise

NAN = float("nan")


# --- helpers -------------------------------------------------------------------------------------


def random_ratings(n_users, n_items, density, seed, half_stars=False, dtype=torch.float64):
    """Stars 1..5 (or 0.5..5 in halves) with nan where not rated; exact in binary."""
    g = torch.Generator().manual_seed(seed)
    if half_stars:
        stars = torch.randint(1, 11, (n_users, n_items), generator=g) / 2
    else:
        stars = torch.randint(1, 6, (n_users, n_items), generator=g).to(torch.float64)
    keep = torch.rand(n_users, n_items, generator=g) < density
    return torch.where(keep, stars, NAN).to(dtype)


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


def surprise_trainset(R):
    """A surprise Trainset of the nan-matrix ``R``, rows fed in user order.

    Raw ids are the 0-based row and column numbers as strings. Returns the
    trainset and the permutations from surprise's inner ids to rows and columns.
    """
    users, items = torch.nonzero(~torch.isnan(R), as_tuple=True)
    stars = R[users, items].tolist()
    raw = [
        (str(u), str(i), r, None)
        for u, i, r in zip(users.tolist(), items.tolist(), stars, strict=True)
    ]
    trainset = Dataset(Reader(rating_scale=(0.5, 5))).construct_trainset(raw)
    user_rows = [int(trainset.to_raw_uid(k)) for k in range(trainset.n_users)]
    item_cols = [int(trainset.to_raw_iid(k)) for k in range(trainset.n_items)]
    return trainset, user_rows, item_cols


def surprise_matrix(S, order, size):
    """Surprise's similarity (inner ids) as a (size, size) matrix in our order, 0 elsewhere."""
    out = torch.zeros(size, size, dtype=torch.float64)
    index = torch.tensor(order)
    out[index[:, None], index[None, :]] = torch.tensor(S)
    return out


@pytest.fixture(scope="module")
def medium():
    """A 300 x 400 synthetic set (12,000 ratings) with its surprise trainset."""
    R = data.synthetic_movielens(n_users=300, n_items=400, n_ratings=12_000, seed=3).ratings
    return R, *surprise_trainset(R.double())


# --- Pearson against scikit-surprise -------------------------------------------------------------


def test_user_similarity_equals_surprise_pearson(medium):
    """Off the diagonal, every user-user value equals surprise's pearson (min_support 1)."""
    R, trainset, user_rows, _ = medium
    S = surprise_matrix(pearson(trainset.n_users, trainset.ir, 1), user_rows, R.shape[0])
    W = cf.pearson_user_similarity(R.double())
    off = ~torch.eye(len(W), dtype=torch.bool)
    assert (W - S)[off].abs().max() <= 1e-12
    # surprise puts 1 on the whole diagonal; here it is 1 where the user's ratings vary
    varies = torch.tensor([torch.unique(row[~torch.isnan(row)]).numel() > 1 for row in R])
    assert torch.allclose(
        W.diag()[varies], torch.ones(int(varies.sum()), dtype=torch.float64), rtol=0, atol=1e-12
    )
    assert (S.diag() == 1).all()


def test_item_similarity_equals_surprise_pearson(medium):
    """Item-item values equal surprise's item-based pearson (its ur table) off the diagonal."""
    R, trainset, _, item_cols = medium
    S = surprise_matrix(pearson(trainset.n_items, trainset.ur, 1), item_cols, R.shape[1])
    W = cf.pearson_item_similarity(R.double())
    rated = (~torch.isnan(R)).any(0)  # items nobody rated are unknown to surprise
    off = ~torch.eye(len(W), dtype=torch.bool) & rated[:, None] & rated[None, :]
    assert (W - S)[off].abs().max() <= 1e-12
    assert (W[~rated] == 0).all()


def test_min_support_and_zero_variance_conventions():
    """Below 2 co-rated items, and for constant ratings, surprise and the reference give 0."""
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
    W = cf.pearson_user_similarity(R)
    trainset, user_rows, _ = surprise_trainset(R)
    S = surprise_matrix(pearson(trainset.n_users, trainset.ir, 1), user_rows, 5)
    off = ~torch.eye(5, dtype=torch.bool)
    assert torch.allclose(W[off], S[off], rtol=0, atol=1e-12)
    assert (W[1] == 0).all() and (W[:, 1] == 0).all()  # one rating: no pair has 2 co-rated
    assert (W[2] == 0).all() and (W[:, 2] == 0).all()  # constant: zero variance everywhere
    assert W[0, 3] == pytest.approx(-1.0)  # (5, 3) against (1, 4) on items 0 and 1
    assert W[3, 4] == pytest.approx(-1.0)  # (4, 2) against (3, 5) on items 2 and 3
    assert W.diag().tolist() == pytest.approx([1.0, 0.0, 0.0, 1.0, 1.0])
    assert torch.equal(W, W.T)


@pytest.mark.parametrize("seed", range(6))
def test_similarity_equals_the_loop_formula(seed):
    """Random sparse matrices with half stars, empty rows and columns: the loop oracle."""
    R = random_ratings(12, 9, density=0.35 + 0.1 * (seed % 3), seed=seed, half_stars=seed % 2 == 1)
    R[seed % 12] = NAN  # a user with no rating
    R[:, seed % 9] = NAN  # an item nobody rated
    assert torch.allclose(cf.pearson_user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)
    assert torch.allclose(cf.pearson_item_similarity(R), loop_pearson(R.T), rtol=0, atol=1e-12)


def test_similarity_of_real_valued_ratings_equals_the_loop_formula():
    """Ratings that are not whole or half stars take the float64 products: the loop oracle."""
    g = torch.Generator().manual_seed(11)
    R = 1 + 4 * torch.rand(14, 10, generator=g, dtype=torch.float64)
    R[torch.rand(14, 10, generator=g) < 0.4] = NAN
    assert torch.allclose(cf.pearson_user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)
    assert torch.allclose(cf.pearson_item_similarity(R), loop_pearson(R.T), rtol=0, atol=1e-12)


def test_similarity_of_large_whole_numbers_beyond_float32_equals_the_loop_formula():
    """Whole numbers whose sums of squares pass 2**24 must not take the float32 products."""
    g = torch.Generator().manual_seed(12)
    R = torch.randint(-3000, 3000, (10, 12), generator=g).to(torch.float64) * 2 + 1  # odd
    R[torch.rand(10, 12, generator=g) < 0.2] = NAN
    assert torch.allclose(cf.pearson_user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)


@pytest.mark.parametrize("half_stars", [False, True])
def test_similarity_with_popular_and_rare_items_equals_the_loop_formula(half_stars):
    """A long tail: popular items and rare ones (computed apart inside) add up right."""
    g = torch.Generator().manual_seed(13)
    popularity = torch.linspace(0.95, 0.02, 40, dtype=torch.float64)  # per item
    keep = torch.rand(36, 40, generator=g, dtype=torch.float64) < popularity
    R = torch.where(keep, random_ratings(36, 40, 1.0, seed=13, half_stars=half_stars), NAN)
    assert torch.allclose(cf.pearson_user_similarity(R), loop_pearson(R), rtol=0, atol=1e-12)
    assert torch.allclose(
        cf.pearson_user_similarity(R.float()).double(), loop_pearson(R), rtol=0, atol=1e-6
    )


def test_similarity_survives_large_offsets():
    """Ratings near 1e6 (constant plus small spread): shifting keeps 1e-9 accuracy."""
    R = random_ratings(15, 20, density=0.6, seed=7, half_stars=True)
    shifted = cf.pearson_user_similarity(R + 1e6)
    assert torch.allclose(shifted, cf.pearson_user_similarity(R), rtol=0, atol=1e-9)


def test_similarity_dtype_and_shape():
    """float32 in, float32 out, same values to float32 precision; empty input works."""
    R = random_ratings(10, 14, density=0.5, seed=1)
    W32 = cf.pearson_user_similarity(R.float())
    assert W32.dtype == torch.float32 and W32.shape == (10, 10)
    assert torch.allclose(W32.double(), cf.pearson_user_similarity(R), rtol=0, atol=1e-6)
    assert cf.pearson_item_similarity(R.float()).shape == (14, 14)
    assert cf.pearson_user_similarity(torch.empty(0, 3)).shape == (0, 0)


def test_similarity_errors():
    """Integer, 1-D and infinite input raise, naming R."""
    with pytest.raises(TypeError, match="R"):
        cf.pearson_user_similarity(torch.ones(3, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match="R"):
        cf.pearson_user_similarity(torch.ones(3))
    with pytest.raises(ValueError, match="infinity"):
        cf.pearson_item_similarity(torch.tensor([[1.0, float("inf")], [2.0, 3.0]]))


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
    assert bundle.genres.shape == (1682,) and int(bundle.genres.max()) < len(data.GENRES)
    assert torch.equal(bundle.ratings.nan_to_num(), data.synthetic_movielens().ratings.nan_to_num())
    assert not torch.equal(R.nan_to_num(), data.synthetic_movielens(seed=1).ratings.nan_to_num())


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
    """The first genre flag after "unknown"; only "unknown" falls back to Drama."""
    flags = [[0] * 19 for _ in range(3)]
    flags[0][1] = 1  # Action
    flags[1][5], flags[1][8] = 1, 1  # Comedy and Drama: Comedy comes first
    flags[2][0] = 1  # unknown only
    lines = [
        f"{n + 1}|Title {n}|01-Jan-1995||http://x|" + "|".join(map(str, f))
        for n, f in enumerate(flags)
    ]
    path = tmp_path / "u.item"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    genres = data.load_u_item_genres(path).tolist()
    names = [data.GENRES[g] for g in genres]
    assert names == ["Action", "Comedy", "Drama"]


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


def test_rerank_by_genre_rule():
    """No repeated genre in the top 5 when possible; rows stay permutations."""
    genres = torch.tensor([0, 0, 1, 1, 2, 3, 4, 5, 0, 1])
    ranked = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 3, 2, 1, 0, 4, 5, 6, 7]])
    out = recsys.rerank_by_genre(ranked, genres, n_top=5)
    assert out[0].tolist() == [0, 2, 4, 5, 6, 1, 3, 7, 8, 9]
    for row_in, row_out in zip(ranked, out, strict=True):
        assert sorted(row_in.tolist()) == sorted(row_out.tolist())
        assert len(set(genres[row_out[:5]].tolist())) == 5
    few = recsys.rerank_by_genre(torch.tensor([[0, 1, 2, 3, 8]]), genres, n_top=5)
    assert few.tolist() == [[0, 2, 1, 3, 8]]


def test_implicit_als_beats_popularity_and_is_seeded():
    """A few ALS sweeps on a small set rank held-out items above the popularity baseline."""
    R = data.synthetic_movielens(n_users=200, n_items=300, n_ratings=8000, seed=4).ratings
    train, test = data.holdout_split(R, n_held_out=5, seed=0)
    relevant = ~torch.isnan(test)
    model = recsys.train_implicit_als(train, n_factors=8, n_iterations=5, progress=False)
    again = recsys.train_implicit_als(train, n_factors=8, n_iterations=5, progress=False)
    assert torch.equal(model.scores(), again.scores())
    mf = cf.recall_at_k(recsys.top_unrated(model.scores(), train, 10), relevant, 10).mean()
    pop = recsys.top_unrated(recsys.popularity_scores(train), train, 10)
    assert mf > cf.recall_at_k(pop, relevant, 10).mean()


def test_benchmark_comparison_on_a_small_set():
    """The benchmark's comparison function agrees with surprise to 1e-6 on a small set."""
    result = compare_with_surprise(n_users=120, n_items=200, n_ratings=3000)
    assert result["max_abs_diff"] <= 1e-6
    assert result["ours_s"] > 0 and result["surprise_s"] > 0
