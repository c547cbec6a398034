"""Oracle tests for ``course/reference/triplet.py`` and the experiment of the notebook.

The oracles are independent of the reference code: ``torch.nn.TripletMarginLoss``
(with ``eps=0``: it adds ``eps`` to the difference before the norm), ``torch.cdist``
by the definition (``compute_mode="donot_use_mm_for_euclid_dist"``: the difference
first, where the answer key expands |a|^2 + |b|^2 - 2 a.b), pytorch-metric-learning's
``TripletMarginMiner`` (one per kind) and ``BatchHardMiner`` + ``TripletMarginLoss``
(configured in ``tests/reference/pml_oracle.py``), scikit-learn's
``KNeighborsClassifier``, brute-force loops over triplets and pairs in plain Python,
and the lecture's closed form of the four-point example, plus the argument checks
promised by the docstrings. The last test trains the notebook's best network once and
checks that on the unseen digits it beats raw pixels and the untrained network by 10
points or more.

Tolerances come from the dtype's precision and the size of the values:
``course.triplet.distance_tolerance`` bounds how far two correct computations of a
distance may differ by rounding (the expansion loses digits where two rows are close
compared with their length). Every input is drawn in float64, so that it is the same
on every CPU; run this file under ``ATEN_CPU_CAPABILITY=default`` and ``=avx2`` (and
``MKL_CBWR=COMPATIBLE``) to check that no verdict depends on the CPU's kernels.
"""

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.neighbors import KNeighborsClassifier

from course.datasets import digits
from course.reference.triplet import (
    batch_hard_triplet_loss,
    collection_embedding,
    knn_identify,
    max_cloud_diameter,
    mine_triplets,
    pairwise_distances,
    same_identity,
    toy_triplet_loss,
    triplet_loss,
)
from course.triplet import (
    EmbeddingNet,
    collection_bound_rows,
    distance_tolerance,
    embed,
    photographs,
    random_triplets,
    split_gallery_query,
    train_embedding,
    verification_rates,
)
from tests.reference.pml_oracle import (
    KINDS,
    face_like_batch,
    pml_batch_hard_loss,
    pml_miner,
    triplet_set,
)

HYPOTHESIS = settings(deadline=None, max_examples=60, derandomize=True)


# ------------------------------------------- agreement with pml, to within rounding
# (shared with tests/benchmarks/bench_triplet_mining.py)


def boundary_slack(emb, triplets):
    """For triplets ``[(a, p, n), ...]``: how far rounding may move each delta = d(a, n) - d(a, p).

    Two correct computations of a distance d between rows of ``emb`` differ by at most
    ``distance_tolerance(emb, at_least=d)`` (``course/triplet.py``); a delta by the sum of
    its two distances' allowances. Returns ``(delta, slack)``, float64 tensors, delta
    computed by the definition in float64.
    """
    if not triplets:
        empty = torch.zeros(0, dtype=torch.float64)
        return empty, empty
    a, p, n = torch.tensor(triplets).T
    rows = emb.detach().double()
    d_ap = torch.linalg.vector_norm(rows[a] - rows[p], dim=1)
    d_an = torch.linalg.vector_norm(rows[a] - rows[n], dim=1)
    allowed = distance_tolerance(emb, squared=True)  # T: on squared distances
    root = allowed**0.5
    slack = torch.minimum(torch.full_like(d_ap, root), allowed / d_ap)
    slack = slack + torch.minimum(torch.full_like(d_an, root), allowed / d_an)
    return d_an - d_ap, slack


def same_to_rounding(ours, theirs, emb, margin):
    """Compare two mined triplet lists: ``(identical, boundary)``.

    ``identical`` is True when the lists agree except for triplets whose delta lies within
    rounding (``boundary_slack``) of 0 or of ``margin``, the boundaries of the kinds;
    ``boundary`` counts those triplets.
    """
    differ = sorted(set(ours) ^ set(theirs))
    delta, slack = boundary_slack(emb, differ)
    near = torch.minimum(delta.abs(), (delta - margin).abs()) <= slack
    return bool(near.all()), len(differ)


def agreement(emb, labels, margin):
    """The answer key against pml on one batch, to within rounding.

    Returns ``{"identical": every kind gives pml's triplets but for boundary ones,
    "boundary": {kind: triplets on a boundary that differ}, "counts": {kind: number of
    triplets}, "batch_hard_close": the batch-hard losses agree to within rounding}``.
    """
    identical, boundary, counts = True, {}, {}
    for kind in KINDS:
        ours = triplet_set(mine_triplets(emb, labels, margin, kind))
        theirs = triplet_set(pml_miner(margin, kind)(emb, labels))
        same, boundary[kind] = same_to_rounding(ours, theirs, emb, margin)
        identical &= same
        counts[kind] = len(ours)
    # The loss moves by at most its two distances' allowances (all distances >= the smallest).
    off_diagonal = ~torch.eye(len(emb), dtype=torch.bool)
    nearest = torch.cdist(emb.double(), emb.double())[off_diagonal].min().item()
    tolerance = 2 * distance_tolerance(emb, at_least=nearest)
    ours_loss = batch_hard_triplet_loss(emb, labels, margin)
    theirs_loss = pml_batch_hard_loss(margin)(emb, labels)
    close = abs(ours_loss.item() - theirs_loss.item()) <= tolerance
    return {
        "identical": bool(identical),
        "boundary": boundary,
        "counts": counts,
        "batch_hard_close": bool(close),
    }


def _batch(n, d, classes, seed, dtype=torch.float64):
    """Seeded ``(emb, labels)``; the embeddings drawn in float64, the same on every CPU."""
    generator = torch.Generator().manual_seed(seed)
    emb = torch.randn(n, d, generator=generator, dtype=torch.float64).to(dtype)
    labels = torch.randint(0, classes, (n,), generator=generator)
    return emb, labels


# ---------------------------------------------------------------- pairwise_distances


def _by_definition(emb):
    """The oracle: every difference first (torch's cdist without the matrix product)."""
    return torch.cdist(emb, emb, compute_mode="donot_use_mm_for_euclid_dist")


def _assert_within(got, expected, tolerance):
    gap = (got.double() - expected.double()).abs().max().item()
    assert gap <= tolerance, f"off by {gap:.3g}, allowed {tolerance:.3g}"


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pairwise_distances_match_cdist(seed, dtype):
    emb, _ = _batch(30, 7, 3, seed, dtype)
    expected = _by_definition(emb)
    assert pairwise_distances(emb).dtype == dtype
    _assert_within(pairwise_distances(emb), expected, distance_tolerance(emb))
    _assert_within(
        pairwise_distances(emb, squared=True), expected**2, distance_tolerance(emb, squared=True)
    )


@pytest.mark.parametrize("seed", range(3))
def test_pairwise_distances_in_batches_match_cdist(seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 3, 9, 5, generator=generator, dtype=torch.float64)
    expected = _by_definition(x)
    _assert_within(pairwise_distances(x), expected, distance_tolerance(x))
    _assert_within(pairwise_distances(x, squared=True), expected**2, distance_tolerance(x, True))
    assert torch.equal(pairwise_distances(x[1, 2]), pairwise_distances(x)[1, 2])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("n", "d", "offset"), [(64, 64, 0.0), (300, 16, 0.0), (200, 8, 100.0)])
def test_pairwise_distances_are_exact_where_the_docstring_says(dtype, n, d, offset):
    """Symmetric bit for bit, >= 0, exactly 0 on the diagonal and between equal rows.

    A matrix product rounds a_i . a_j and a_j . a_i apart and leaves the expansion of two
    equal rows at a few rounding errors instead of 0; the answer key symmetrises the Gram
    matrix and recomputes the pairs within rounding of 0 as differences. Far from the origin
    (offset 100) every nearby pair is such a pair.
    """
    generator = torch.Generator().manual_seed(n + d)
    emb = torch.randn(n, d, generator=generator, dtype=torch.float64) + offset
    twins = torch.randperm(n, generator=generator)[: 2 * (n // 8)].view(2, -1)
    emb[twins[1]] = emb[twins[0]]
    emb = emb.to(dtype)
    distances = pairwise_distances(emb)
    assert torch.equal(distances, distances.T)
    assert (distances >= 0).all()
    assert (distances.diagonal() == 0).all()
    assert (distances[twins[0], twins[1]] == 0).all()
    _assert_within(distances, _by_definition(emb), distance_tolerance(emb))


def test_pairwise_distances_recompute_what_the_expansion_cancels():
    """Near-duplicates far from the origin in float32: the expansion alone returns noise.

    Rows at distance 1e-3 moved 100 away from the origin: |a|^2 is about 1e4 and float32's
    expansion is off by about 1e-3 on a squared distance of 1e-6. Those pairs lie within the
    rounding bound, so the answer key recomputes them as differences: right to float32's
    precision, not to the bound.
    """
    generator = torch.Generator().manual_seed(0)
    centre = torch.randn(8, 16, generator=generator, dtype=torch.float64) + 100
    step = torch.nn.functional.normalize(
        torch.randn(8, 16, generator=generator, dtype=torch.float64)
    )
    emb = torch.cat([centre, centre + 1e-3 * step]).float()
    truth = _by_definition(emb.double())
    got = pairwise_distances(emb)
    pairs = torch.arange(8)
    near_truth, near_got = truth[pairs, pairs + 8], got[pairs, pairs + 8]
    assert ((near_got.double() - near_truth).abs() <= 1e-5 * near_truth).all()
    gram = emb @ emb.T  # the plain expansion, for contrast: most of its digits are gone
    norms = gram.diagonal()
    plain = (norms[:, None] + norms[None, :] - 2 * gram).clamp(min=0).sqrt()[pairs, pairs + 8]
    assert ((plain.double() - near_truth).abs() > 0.1 * near_truth).any()


def test_pairwise_distances_gradients_are_finite_and_zero_at_coincidences():
    emb = torch.tensor([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0], [6.0, 8.0]], dtype=torch.float64)
    emb.requires_grad_(True)
    distances = pairwise_distances(emb)
    assert torch.equal(distances.diagonal(), torch.zeros(4, dtype=torch.float64))
    assert distances[1, 2] == 0
    (grad,) = torch.autograd.grad(distances.sum(), emb)
    # By hand: row i gets 2 * sum over rows j != x_i of (x_i - x_j) / |x_i - x_j|.
    expected = torch.tensor([[-3.6, -4.8], [0.0, 0.0], [0.0, 0.0], [3.6, 4.8]], dtype=torch.float64)
    torch.testing.assert_close(grad, expected)


@pytest.mark.parametrize("seed", range(3))
def test_pairwise_distances_gradient_matches_cdist_away_from_coincidences(seed):
    emb, _ = _batch(12, 4, 2, seed)
    weights = torch.randn(12, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(9))
    off = ~torch.eye(12, dtype=torch.bool)
    x = emb.clone().requires_grad_(True)
    (ours,) = torch.autograd.grad((pairwise_distances(x) * weights)[off].sum(), x)
    y = emb.clone().requires_grad_(True)
    (theirs,) = torch.autograd.grad((_by_definition(y) * weights)[off].sum(), y)
    # Row i's gradient adds a unit vector per pair, times its weights: each right to within
    # sqrt(eps) of its length.
    size = (weights.abs() + weights.abs().T)[off.view(12, 12)].view(12, 11).sum(dim=1).max()
    _assert_within(ours, theirs, torch.finfo(torch.float64).eps ** 0.5 * size.item())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pairwise_distances_gradient_is_exactly_zero_between_equal_rows(dtype):
    """Equal rows are recomputed as a difference of 0: their pair adds nothing to the gradient."""
    generator = torch.Generator().manual_seed(4)
    emb = torch.randn(6, 5, generator=generator, dtype=torch.float64).to(dtype)
    emb[3] = emb[1]
    weights = torch.zeros(6, 6, dtype=dtype)
    weights[1, 3] = weights[3, 1] = 1.0  # only the pair of equal rows
    for squared in (False, True):
        x = emb.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad((pairwise_distances(x, squared=squared) * weights).sum(), x)
        assert torch.equal(grad, torch.zeros_like(grad))


def test_pairwise_distances_gradcheck_and_duplicates():
    emb, _ = _batch(6, 3, 2, 0)
    torch.autograd.gradcheck(pairwise_distances, (emb.clone().requires_grad_(True),))
    twins = torch.cat([emb, emb]).requires_grad_(True)
    (grad,) = torch.autograd.grad(pairwise_distances(twins).sum(), twins)
    assert torch.isfinite(grad).all()


def test_pairwise_distances_errors():
    with pytest.raises(ValueError):
        pairwise_distances(torch.zeros(3))

    with pytest.raises(ValueError):
        pairwise_distances(torch.tensor([[0.0, float("nan")]]))
    with pytest.raises(TypeError):
        pairwise_distances(torch.zeros(2, 2, dtype=torch.int64))


# ---------------------------------------------------------------------- triplet_loss


@pytest.mark.parametrize("margin", [0.1, 0.3, 1.0, 2.5])
@pytest.mark.parametrize("seed", range(3))
def test_triplet_loss_matches_torch(margin, seed):
    generator = torch.Generator().manual_seed(seed)
    a, p, n = (torch.randn(40, 6, generator=generator, dtype=torch.float64) for _ in range(3))
    oracle = torch.nn.TripletMarginLoss(margin=margin, p=2, eps=0.0)
    torch.testing.assert_close(triplet_loss(a, p, n, margin=margin), oracle(a, p, n))
    # With torch's default eps = 1e-6 the two differ by at most about eps * sqrt(D).
    default = torch.nn.TripletMarginLoss(margin=margin)(a, p, n)
    assert abs(triplet_loss(a, p, n, margin=margin) - default) < 1e-5


def test_triplet_loss_squared_by_hand():
    a = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    p = torch.tensor([[3.0, 4.0], [1.0, 0.0], [1.0, 1.0]])
    n = torch.tensor([[0.0, 2.0], [0.0, 1.5], [4.0, 5.0]])
    assert triplet_loss(a, p, n).item() == pytest.approx(1.5)
    assert triplet_loss(a, p, n, squared=True).item() == pytest.approx(22 / 3)
    empty = torch.zeros(0, 2)
    assert triplet_loss(empty, empty, empty).item() == 0.0


def test_triplet_loss_gradient_is_finite_when_anchor_equals_positive():
    a = torch.tensor([[1.0, 2.0]], requires_grad=True)
    loss = triplet_loss(a, a.detach().clone(), torch.tensor([[1.5, 2.0]]), margin=1.0)
    (grad,) = torch.autograd.grad(loss, a)
    assert torch.isfinite(grad).all()


def test_triplet_loss_errors():
    x = torch.zeros(3, 2)
    with pytest.raises(ValueError):
        triplet_loss(x, x[:2], x)
    with pytest.raises(ValueError):
        triplet_loss(x, x, x, margin=-0.1)
    with pytest.raises(ValueError):
        triplet_loss(torch.zeros(3), torch.zeros(3), torch.zeros(3))


# ------------------------------------------------------------------ toy_triplet_loss


def _closed_form(w, margin=5.0):
    w = abs(w)
    return 4 * max(margin - 2 * w, 0) + 2 * max(margin - 3 * w, 0) + 2 * max(margin - w, 0)


@given(
    w=st.floats(-20, 20, allow_nan=False),
    b=st.floats(-50, 50, allow_nan=False),
    margin=st.floats(0, 10, allow_nan=False),
)
@HYPOTHESIS
def test_toy_triplet_loss_equals_the_closed_form(w, b, margin):
    got = toy_triplet_loss(torch.tensor(w, dtype=torch.float64), b, margin=margin)
    assert got.item() == pytest.approx(_closed_form(w, margin), abs=1e-9 * (1 + abs(b)))


def test_toy_triplet_loss_table_and_gradient():
    assert toy_triplet_loss(0.0).item() == 40.0  # collapsed: 8 * alpha
    assert toy_triplet_loss(5.0).item() == 0.0
    grid = torch.linspace(0.01, 6, 50, dtype=torch.float64)
    expected = torch.tensor([_closed_form(w) for w in grid.tolist()], dtype=torch.float64)
    torch.testing.assert_close(toy_triplet_loss(grid), expected)
    assert toy_triplet_loss(grid, torch.zeros(3, 1)).shape == (3, 50)
    for w0, slope in ((0.5, -16.0), (2.0, -10.0), (3.0, -2.0), (6.0, 0.0)):
        w = torch.tensor(w0, requires_grad=True)
        (grad,) = torch.autograd.grad(toy_triplet_loss(w), w)
        assert grad.item() == pytest.approx(slope)
    with pytest.raises(ValueError):
        toy_triplet_loss(1.0, margin=-1.0)


# --------------------------------------------------------------------- mine_triplets


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("n", "d", "classes", "margin"),
    [(10, 2, 2, 0.5), (24, 4, 3, 0.2), (40, 8, 10, 1.0), (33, 3, 5, 0.0), (16, 1, 4, 3.0)],
)
def test_mine_triplets_matches_pytorch_metric_learning(kind, n, d, classes, margin):
    for seed in range(3):
        emb, labels = _batch(n, d, classes, seed)
        ours = mine_triplets(emb, labels, margin, kind)
        theirs = pml_miner(margin, kind)(emb, labels)
        # float64: no triplet of these batches lies within rounding of a boundary.
        assert same_to_rounding(triplet_set(ours), triplet_set(theirs), emb, margin) == (True, 0)
        assert all(t.dtype == torch.int64 for t in ours)


@pytest.mark.parametrize("kind", KINDS)
def test_mine_triplets_are_in_lexicographic_order(kind):
    emb, labels = _batch(30, 3, 4, 7)
    a, p, n = mine_triplets(emb, labels, 0.5, kind)
    listed = list(zip(a.tolist(), p.tolist(), n.tolist(), strict=True))
    assert listed == sorted(listed)
    assert len(set(listed)) == len(listed)


def test_mine_triplets_brute_force_with_exact_ties():
    xs, ys, margin = [0, 2, 5, 1, 3, 7], [0, 0, 0, 1, 1, 1], 2.0
    emb = torch.tensor(xs, dtype=torch.float32).unsqueeze(1)
    valid = [
        (a, p, n)
        for a, p, n in itertools.product(range(6), repeat=3)
        if a != p and ys[a] == ys[p] and ys[n] != ys[a]
    ]
    delta = {t: abs(xs[t[0]] - xs[t[2]]) - abs(xs[t[0]] - xs[t[1]]) for t in valid}
    rules = {
        "all": lambda d: d <= margin,
        "hard": lambda d: d <= 0,
        "semihard": lambda d: 0 < d <= margin,
        "easy": lambda d: d > margin,
    }
    for kind, rule in rules.items():
        got = mine_triplets(emb, torch.tensor(ys), margin, kind)
        assert list(zip(*(t.tolist() for t in got), strict=True)) == [
            t for t in valid if rule(delta[t])
        ]
    # the kinds partition the valid triplets: all = hard + semihard, all + easy = every triplet
    counts = {k: len(mine_triplets(emb, torch.tensor(ys), margin, k)[0]) for k in KINDS}
    assert counts["all"] == counts["hard"] + counts["semihard"]
    assert counts["all"] + counts["easy"] == len(valid) == 36


def test_mine_triplets_edge_cases_and_errors():
    emb, labels = _batch(8, 2, 3, 0)
    for kind in KINDS:
        assert len(mine_triplets(emb, torch.zeros(8, dtype=torch.int64), 1.0, kind)[0]) == 0
        assert len(mine_triplets(emb[:1], labels[:1], 1.0, kind)[0]) == 0
    with pytest.raises(ValueError):
        mine_triplets(emb, labels, 1.0, "hardest")
    with pytest.raises(ValueError):
        mine_triplets(emb, labels[:3], 1.0, "all")
    with pytest.raises(TypeError):
        mine_triplets(emb, labels.float(), 1.0, "all")
    with pytest.raises(ValueError):
        mine_triplets(emb, labels, -1.0, "all")


def test_benchmark_agreement_check_on_a_face_like_batch():
    """The benchmark's correctness check (imported from it), on a small face-like batch.

    float32, so a triplet within rounding of a boundary may fall on either side, and may
    differ from pml's on another CPU; every other triplet must be pml's.
    """
    emb, labels = face_like_batch(64, per_class=4, dim=32, seed=0)
    result = agreement(emb, labels, margin=0.2)
    assert result["identical"]
    assert result["batch_hard_close"]
    assert result["counts"]["all"] == result["counts"]["hard"] + result["counts"]["semihard"]


def test_the_agreement_check_excuses_boundary_triplets_only():
    """A triplet off by rounding at a boundary is excused; one far from every boundary is not."""
    emb = torch.tensor([[0.0], [1.0], [1.2 + 1e-7], [5.0]])  # delta(0, 1, 2) = 0.2 + 1e-7
    assert same_to_rounding([(0, 1, 2)], [], emb, margin=0.2) == (True, 1)
    assert same_to_rounding([(0, 1, 3)], [], emb, margin=0.2) == (False, 1)
    assert same_to_rounding([(0, 1, 3)], [(0, 1, 3)], emb, margin=0.2) == (True, 0)


# ----------------------------------------------------------- batch_hard_triplet_loss


@pytest.mark.parametrize("margin", [0.0, 0.2, 1.0])
@pytest.mark.parametrize(("n", "classes"), [(12, 3), (40, 10), (25, 2), (9, 9)])
def test_batch_hard_matches_pytorch_metric_learning(margin, n, classes):
    loss_fn = pml_batch_hard_loss(margin)
    for seed in range(3):
        emb, labels = _batch(n, 5, classes, seed)
        theirs = loss_fn(emb, labels)
        nearest = _by_definition(emb)[~torch.eye(n, dtype=torch.bool)].min().item()
        tolerance = 2 * distance_tolerance(emb, at_least=nearest)  # two distances per anchor
        _assert_within(batch_hard_triplet_loss(emb, labels, margin), theirs, tolerance)


def test_batch_hard_by_brute_force_and_gradients():
    emb, labels = _batch(15, 3, 4, 1)
    labels[0] = 99  # a class with one member: skipped as an anchor
    margin = 0.7
    losses = []
    for a in range(15):
        pos = [math.dist(emb[a], emb[p]) for p in range(15) if p != a and labels[p] == labels[a]]
        neg = [math.dist(emb[a], emb[n]) for n in range(15) if labels[n] != labels[a]]
        if pos and neg:
            losses.append(max(max(pos) - min(neg) + margin, 0.0))
    assert batch_hard_triplet_loss(emb, labels, margin).item() == pytest.approx(
        sum(losses) / len(losses)
    )
    twins = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    loss = batch_hard_triplet_loss(twins, torch.tensor([0, 0, 1]), 2.0)
    assert loss.item() == pytest.approx(2 - math.sqrt(2), abs=2 * distance_tolerance(twins))
    (grad,) = torch.autograd.grad(loss, twins)
    assert torch.isfinite(grad).all()
    assert batch_hard_triplet_loss(emb, torch.zeros(15, dtype=torch.int64), 1.0).item() == 0.0


def _batch_hard_by_the_matrix(emb, labels, margin):
    """Equation (7) by the definition: the whole distance matrix, its masked max and min."""
    d = _by_definition(emb)
    same = labels[:, None] == labels[None, :]
    positive = same & ~torch.eye(len(labels), dtype=torch.bool)
    hardest_positive = torch.where(positive, d, -torch.inf).max(dim=1).values
    hardest_negative = torch.where(~same, d, torch.inf).min(dim=1).values
    valid = positive.any(dim=1) & (~same).any(dim=1)
    return torch.relu(hardest_positive[valid] - hardest_negative[valid] + margin).mean()


@pytest.mark.parametrize("seed", range(4))
def test_batch_hard_gradient_is_that_of_the_whole_matrix(seed):
    """The key differentiates only the chosen pairs: the same gradient as the max and min of
    the whole distance matrix (autograd sends theirs to the entries they pick)."""
    emb, labels = _batch(20, 6, 4, seed)
    x, y = emb.clone().requires_grad_(True), emb.clone().requires_grad_(True)
    (ours,) = torch.autograd.grad(batch_hard_triplet_loss(x, labels, 0.5), x)
    (theirs,) = torch.autograd.grad(_batch_hard_by_the_matrix(y, labels, 0.5), y)
    # Each row's unit vectors add up to a length of at most 2, each right to sqrt(eps).
    _assert_within(ours, theirs, 2 * torch.finfo(torch.float64).eps ** 0.5)


# -------------------------------------------------------------------- knn_identify


@pytest.mark.parametrize("k", [1, 3, 5, 8])
@pytest.mark.parametrize("seed", range(4))
def test_knn_identify_matches_sklearn(k, seed):
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(4, 5, generator=generator, dtype=torch.float64) * 2
    gallery_labels = torch.randint(0, 4, (50,), generator=generator)
    gallery = centres[gallery_labels] + torch.randn(50, 5, generator=generator, dtype=torch.float64)
    query = torch.randn(40, 5, generator=generator, dtype=torch.float64) * 2
    oracle = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(gallery, gallery_labels)
    expected = torch.as_tensor(oracle.predict(query))
    assert torch.equal(knn_identify(query, gallery, gallery_labels * 1, k), expected)


def test_knn_identify_ties_and_rejection():
    got = knn_identify(
        torch.tensor([[0.5, 0.0]]),
        torch.tensor([[0.0, 0.0], [2.0, 0.0], [-3.0, 0.0]]),
        torch.tensor([5, 2, 9]),
        2,
    )
    assert got.tolist() == [2]  # one vote each: the smallest label
    gallery = torch.tensor([[0.0, 0.0], [-1.0, 0.0], [10.0, 0.0]])
    query = torch.tensor([[3.0, 4.0], [3.0, 4.1], [9.0, 0.0]])
    labels = torch.tensor([0, 0, 1])
    assert knn_identify(query, gallery, labels, 1, reject_distance=5.0).tolist() == [0, -1, 1]
    assert knn_identify(query, gallery, labels, 2, reject_distance=5.0).tolist() == [0, -1, 0]
    assert knn_identify(query, gallery, labels, 2).dtype == torch.int64
    for bad in (0, 4):
        with pytest.raises(ValueError):
            knn_identify(query, gallery, labels, bad)
    with pytest.raises(ValueError):
        knn_identify(query, gallery, torch.tensor([0, -1, 1]), 1)
    with pytest.raises(ValueError):
        knn_identify(query, gallery, labels, 1, reject_distance=-1.0)


# ---------------------------------------------- max_cloud_diameter, same_identity


@pytest.mark.parametrize("seed", range(4))
def test_max_cloud_diameter_brute_force(seed):
    emb, labels = _batch(25, 3, 4, seed)
    expected = max(
        (math.dist(emb[i], emb[j]) for i in range(25) for j in range(25) if labels[i] == labels[j]),
        default=0.0,
    )
    tolerance = distance_tolerance(emb, at_least=expected)
    assert max_cloud_diameter(emb, labels).item() == pytest.approx(expected, abs=tolerance)
    assert max_cloud_diameter(emb[:4], torch.arange(4)).item() == 0.0
    with pytest.raises(ValueError):
        max_cloud_diameter(torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64))


def test_same_identity_rule():
    e1 = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    e2 = torch.tensor([[3.0, 4.0], [3.0, 3.9], [1.0, 1.0]])
    assert same_identity(e1, e2, 5.0).tolist() == [False, True, True]
    one = same_identity(torch.zeros(2), torch.tensor([0.6, 0.8]), 1.5)
    assert one.shape == () and one.dtype == torch.bool and bool(one)
    with pytest.raises(ValueError):
        same_identity(e1, e2[:2], 1.0)
    with pytest.raises(ValueError):
        same_identity(e1, e2, -1.0)


# ---------------------------------------------------------------- collections


def test_collection_embedding_is_the_mean():
    emb, _ = _batch(7, 4, 1, 0)
    torch.testing.assert_close(collection_embedding(emb), emb.sum(0) / 7)
    batched = torch.randn(3, 5, 7, 4, dtype=torch.float64)
    torch.testing.assert_close(collection_embedding(batched), batched.mean(dim=2))
    for bad in (torch.zeros(3), torch.zeros(0, 3)):
        with pytest.raises(ValueError):
            collection_embedding(bad)


@pytest.mark.parametrize("seed", range(3))
def test_collection_bound_rows_follow_the_talk(seed):
    """m comes from the margin; right = 2 max(m, cross) and step = m + cross."""
    emb, labels = _batch(90, 6, 3, seed)
    rows = collection_bound_rows(emb, labels, collection_embedding, size=8, margin=0.3, seed=seed)
    assert len(rows) == 6
    for row in rows:
        assert row["m"] == -0.3
        assert row["right"] == pytest.approx(2 * max(row["m"], row["cross"]))
        assert row["step"] == pytest.approx(row["m"] + row["cross"])
        assert row["holds"] == (row["left"] <= row["right"])
        assert 0.0 <= row["premise"] <= 1.0


def test_collection_bound_holds_when_its_premise_does():
    """Well-separated clusters satisfy d(a, p) - d(a, n) <= -margin: the proof's step must hold."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(3).repeat_interleave(40)
    emb = torch.eye(3, 4, dtype=torch.float64)[labels] * 10
    emb = emb + 0.1 * torch.randn(120, 4, generator=generator, dtype=torch.float64)
    rows = collection_bound_rows(emb, labels, collection_embedding, size=10, margin=1.0)
    assert all(row["premise"] == 1.0 for row in rows)
    assert all(row["step_holds"] and row["holds"] for row in rows)


def test_collection_bound_premise_by_brute_force():
    emb, labels = _batch(40, 3, 2, 5)
    (row, *_) = collection_bound_rows(emb, labels, collection_embedding, size=6, margin=0.2)
    members = {c: (labels == c).nonzero(as_tuple=True)[0] for c in (0, 1)}
    order = torch.Generator().manual_seed(0)
    for c in (0, 1):  # the same shuffles as collection_bound_rows(seed=0)
        members[c] = members[c][torch.randperm(len(members[c]), generator=order)]
    g1, g2, g3 = members[0][:6], members[0][6:12], members[1][:6]
    kept = [
        math.dist(emb[a], emb[p]) - math.dist(emb[a], emb[n]) <= -0.2
        for a in g1
        for p in g2
        for n in g3
    ]
    assert row["premise"] == pytest.approx(sum(kept) / len(kept))
    left = math.dist(emb[g1].mean(0), emb[g2].mean(0))
    assert row["left"] == pytest.approx(left)


# ------------------------------------------ the notebook's exact checks, on any CPU


def _decided_by_the_tests(monkeypatch):
    """Run the solution notebook's test cells; record the inputs of the exact-verdict calls.

    The answer key stands in for the student: ``{exercise: [(args, kwargs), ...]}`` for
    ``mine_triplets``, ``knn_identify`` and ``same_identity``, whose results the tests
    compare exactly, and ``batch_hard_triplet_loss``, whose gradient depends on which
    pairs are hardest.
    """
    import nbformat

    from autograder.paths import SOLUTIONS
    from course.reference import triplet as key

    monkeypatch.chdir(SOLUTIONS / "05_triplet")
    cells = nbformat.read(SOLUTIONS / "05_triplet" / "triplet.ipynb", as_version=4).cells
    recorded = {name: [] for name in _EXACT}

    def recording(name):
        def call(*args, **kwargs):
            recorded[name].append((args, kwargs))
            return getattr(key, name)(*args, **kwargs)

        return call

    mode = torch.get_deterministic_debug_mode()
    namespace = {"__name__": "__main__"}
    try:
        for cell in cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id:
                exec(compile(cell.source, grade_id, "exec"), namespace)
                if grade_id in recorded:
                    namespace[grade_id] = recording(grade_id)
    finally:
        torch.set_deterministic_debug_mode(mode)
    return recorded


_EXACT = ("mine_triplets", "knn_identify", "same_identity", "batch_hard_triplet_loss")


def _allowance(rows, distances):
    """How far rounding may move these distances between ``rows`` (distance_tolerance)."""
    allowed = distance_tolerance(rows, squared=True)
    return torch.minimum(torch.full_like(distances, allowed**0.5), allowed / distances)


def test_the_notebooks_exact_checks_are_far_from_rounding(monkeypatch):
    """Every exact verdict of the notebook's tests is decided the same on every CPU.

    Mined triplets, kNN labels, verification answers and the hardest pairs of the batch-hard
    gradients are compared exactly with the answer key's. For each recorded input, the margin
    of the decision (delta against 0 and the margin, the k-th against the (k+1)-th distance,
    the nearest distance against reject_distance, a distance against the threshold, the
    hardest against the runner-up) must exceed 50 times what rounding may move it by, so that
    neither another CPU's kernels nor a correct answer computed another way can flip it. Exact
    ties of integer data (the tie tests) are exact in every dtype and method, and skipped.
    """
    recorded = _decided_by_the_tests(monkeypatch)
    assert all(recorded.values()), {name: len(calls) for name, calls in recorded.items()}
    ratios = []

    def decide(gap, slack):
        keep = gap > 0
        if keep.any():
            ratios.append((gap[keep] / slack[keep]).min().item())

    for (emb, labels, margin, _), _ in recorded["mine_triplets"]:
        if len(emb) == 160:  # the line-counting test compares no triplets
            continue
        d = _by_definition(emb.detach().double())
        positive = (labels[:, None] == labels[None, :]) & ~torch.eye(len(emb), dtype=torch.bool)
        a, p = positive.nonzero(as_tuple=True)
        negative = labels[None, :] != labels[a][:, None]
        delta = (d[a] - d[a, p][:, None])[negative]
        slack = (_allowance(emb, d[a, p][:, None]) + _allowance(emb, d[a]))[negative]
        decide(torch.minimum(delta.abs(), (delta - margin).abs()), slack)
    for args, kwargs in recorded["knn_identify"]:
        query, gallery, _, k = args[:4]
        reject = kwargs.get("reject_distance", args[4] if len(args) > 4 else None)
        d = torch.cdist(query.double(), gallery.double()).sort(dim=1).values
        rows = torch.cat([query, gallery])
        if d.shape[1] > k:
            decide(d[:, k] - d[:, k - 1], 2 * _allowance(rows, d[:, k - 1]))
        if reject is not None:
            decide((d[:, 0] - reject).abs(), _allowance(rows, d[:, 0]))
    for (e1, e2, threshold), _ in recorded["same_identity"]:
        d = torch.linalg.vector_norm(e1.double() - e2.double(), dim=-1)
        decide((d - threshold).abs(), _allowance(torch.stack([e1, e2], dim=-2), d))
    for (emb, labels, _), _ in recorded["batch_hard_triplet_loss"]:
        d = _by_definition(emb.detach().double())
        same = labels[:, None] == labels[None, :]
        for candidates, hardest_first in (
            (same & ~torch.eye(len(emb), dtype=torch.bool), True),
            (~same, False),
        ):
            fill = -torch.inf if hardest_first else torch.inf
            ranked = torch.where(candidates, d, fill).sort(dim=1, descending=hardest_first)
            two = ranked.values[:, :2]
            fine = candidates.sum(dim=1) >= 2
            gap = (two[fine, 0] - two[fine, 1]).abs()
            decide(gap, 2 * _allowance(emb, two[fine, 1]))
    assert min(ratios) > 50, min(ratios)


def test_random_triplets_are_valid():
    labels = torch.tensor([0, 0, 1, 1, 1, 2])
    a, p, n = random_triplets(labels, torch.Generator().manual_seed(0))
    assert a.tolist() == [0, 1, 2, 3, 4]  # the anchor of class 2 has no positive
    assert (labels[a] == labels[p]).all() and (a != p).all() and (labels[a] != labels[n]).all()


def test_photographs_are_seeded_and_shaped():
    images, _ = digits()
    first = photographs(images[:5], torch.Generator().manual_seed(3))
    again = photographs(images[:5], torch.Generator().manual_seed(3))
    other = photographs(images[:5], torch.Generator().manual_seed(4))
    assert first.shape == (5, 256) and first.dtype == torch.float32
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.isfinite(first).all()


def test_verification_rates_in_chunks_equal_one_pass():
    emb, labels = _batch(40, 3, 4, 2)
    whole = verification_rates(emb, labels, 1.5, same_identity, chunk=10_000)
    chunked = verification_rates(emb, labels, 1.5, same_identity, chunk=7)
    assert whole == chunked
    same = labels[:, None] == labels[None, :]
    upper = torch.ones(40, 40, dtype=torch.bool).triu(1)
    accepted = torch.cdist(emb, emb) < 1.5
    assert whole[0] == pytest.approx(accepted[same & upper].double().mean().item())
    assert whole[1] == pytest.approx(accepted[~same & upper].double().mean().item())


def _knn_accuracy(emb, labels, gallery, query, k):
    predicted = knn_identify(emb[query], emb[gallery], labels[gallery], k)
    return (predicted == labels[query]).double().mean().item()


def test_metric_learning_beats_pixels_on_unseen_digits():
    """The notebook's experiment (cells data, train, evaluate), batch hard only, full budget.

    Photographs of the digits 7-9 (seed 1), a gallery of 10 per digit, k = 3; the network of
    the three strategies' common start (seed 0) trained 400 steps with the batch-hard loss,
    margin 0.2. It must identify at least 10 points more queries than raw pixels and than the
    untrained network (the notebook's run: 63.2% against 51.3% and 48.9%).
    """
    images, labels = digits()
    seen = labels < 7
    new_labels = labels[~seen]
    new_photos = photographs(images[~seen], torch.Generator().manual_seed(1))
    gallery, query = split_gallery_query(new_labels, per_class=10, seed=0)
    torch.manual_seed(0)
    untrained = EmbeddingNet(dim=64)
    torch.manual_seed(0)
    model = EmbeddingNet(dim=64)
    train_embedding(
        model,
        images[seen],
        labels[seen],
        lambda emb, batch_labels, _: batch_hard_triplet_loss(emb, batch_labels, 0.2),
        400,
        seed=0,
        desc="batch hard",
    )
    pixels = _knn_accuracy(new_photos, new_labels, gallery, query, 3)
    fresh = _knn_accuracy(embed(untrained, new_photos), new_labels, gallery, query, 3)
    trained = _knn_accuracy(embed(model, new_photos), new_labels, gallery, query, 3)
    assert trained - max(pixels, fresh) >= 0.10, (pixels, fresh, trained)
