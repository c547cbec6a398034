"""Oracle tests for ``course/reference/outfit.py`` and the helpers of ``course/outfit``.

The oracles (``tests/reference/outfit_oracle.py``) never call the answer key:
the search methods are checked against plain Python loops that score one
outfit per call (greedy, beam, every subset with itertools), the distances
and the training loss against SciPy's ``cdist`` slot by slot, message passing
against a double loop over the nodes and autograd's gradcheck, GNN + re-rank
against every combination scored alone. The relaxation is checked on scores
whose maximum over R^d is known. The shipped scorer checkpoint is checked against
what ``scripts/build_outfit_scorer.py`` builds from its seed (the data's hash
and the first optimizer steps, rebuilt here), and against its metrics.
"""

import math
import re
from dataclasses import replace

import matplotlib.pyplot as plt
import pytest
import torch

from course.outfit.evaluation import (
    LastInput,
    exact_gaps,
    lipschitz_check,
    method_suite,
    neighbour_scores,
    random_completion,
    run_method,
)
from course.outfit.gnn import (
    GNNCompleter,
    PairMLP,
    ResidualUpdate,
    gnn_rerank,
    project_distinct,
    train_completer,
)
from course.outfit.plots import (
    category_plane,
    draw_completion_methods,
    plot_in_category_plane,
    plot_quality_latency,
)
from course.outfit.scorer import (
    CHECKPOINT,
    compatibility_auc,
    load_scorer,
    score_outfits,
    scorer_data,
    train_scorer,
)
from course.outfit.toys import (
    CallCounter,
    CohesionScore,
    OnePerCategoryScore,
    PairwiseScore,
    TargetScore,
)
from course.outfit.wardrobe import (
    CATEGORIES,
    fill_in_the_blank,
    make_wardrobe,
    negative_outfits,
    partial_outfits,
    sample_outfits,
    sub_outfits,
)
from course.reference.outfit import (
    beam_search,
    completion_loss,
    exhaustive,
    greedy_k_step,
    greedy_one_step,
    message_passing_layer,
    nearest_items,
    relaxed_completion,
)
from course.testing import expect_calls, expect_completion
from scripts.build_outfit_scorer import (
    FINGERPRINT_STEPS,
    data_sha256,
    embedding_moments,
    embeddings_match,
)
from tests.reference import outfit_oracle as oracle

RHOS = ("l1", "l2", "l10", "cos")


def _problem(seed, n_items=14, dim=3, n=2, dtype=torch.float64):
    """A seeded toy problem: (PairwiseScore, outfit, catalog)."""
    g = torch.Generator().manual_seed(seed)
    catalog = torch.randn(n_items, dim, generator=g, dtype=dtype)
    outfit = torch.randperm(n_items, generator=g)[:n]
    return PairwiseScore(dim, seed, dtype=dtype), outfit, catalog


def _valid(added, outfit, k, n_items):
    assert added.dtype == torch.int64 and added.shape == (k,)
    assert len(set(added.tolist())) == k, f"repeated items in {added.tolist()}"
    assert not set(added.tolist()) & set(outfit.tolist()), "an item of the outfit was added"
    assert added.min() >= 0 and added.max() < n_items


# --- the search methods against loops ------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_search_methods_match_the_loop_oracles(seed, k):
    """One-step, k-step, beam (widths 1, 2, 5) and exhaustive equal the loop versions."""
    score, outfit, catalog = _problem(seed, n=1 + seed % 3)
    cases = {
        "one-step": (greedy_one_step(score, outfit, catalog, k), oracle.one_step),
        "k-step": (greedy_k_step(score, outfit, catalog, k), oracle.k_step),
        "exhaustive": (exhaustive(score, outfit, catalog, k), oracle.exact),
    }
    for name, (got, reference) in cases.items():
        _valid(got, outfit, k, len(catalog))
        assert sorted(got.tolist()) == sorted(reference(score, outfit, catalog, k)), name
    assert greedy_k_step(score, outfit, catalog, k).tolist() == oracle.k_step(
        score, outfit, catalog, k
    ), "k-step returns its picks in the order made"
    for width in (1, 2, 5):
        got = beam_search(score, outfit, catalog, k, width)
        _valid(got, outfit, k, len(catalog))
        assert sorted(got.tolist()) == oracle.beam(score, outfit, catalog, k, width), width


def test_the_line_example_separates_the_methods():
    """Colours on a line, outfit {0}: one-step, k-step and exact all differ; beam(2) is exact."""
    line = torch.tensor([[0.0], [0.9], [-1.0], [-1.05], [3.0], [1.6]])
    outfit, score = torch.tensor([0]), CohesionScore()
    assert sorted(greedy_one_step(score, outfit, line, 2).tolist()) == [1, 2]
    assert greedy_k_step(score, outfit, line, 2).tolist() == [1, 5]
    assert sorted(exhaustive(score, outfit, line, 2).tolist()) == [2, 3]
    assert sorted(beam_search(score, outfit, line, 2, 2).tolist()) == [2, 3]
    assert beam_search(score, outfit, line, 2, 1).tolist() == [1, 5]


@pytest.mark.parametrize("seed", range(6))
def test_beam_bounds(seed):
    """Width 1 is k-step; a beam as wide as the candidates is exact for k = 2; exact is best."""
    score, outfit, catalog = _problem(seed, n_items=10)
    narrow = beam_search(score, outfit, catalog, 3, 1)
    assert torch.equal(narrow, greedy_k_step(score, outfit, catalog, 3))
    full = beam_search(score, outfit, catalog, 2, 10)
    assert sorted(full.tolist()) == sorted(exhaustive(score, outfit, catalog, 2).tolist())

    def value(added):
        return oracle._score(score, catalog, [*outfit.tolist(), *added.tolist()])

    best = value(exhaustive(score, outfit, catalog, 3))
    for added in (
        greedy_one_step(score, outfit, catalog, 3),
        greedy_k_step(score, outfit, catalog, 3),
        beam_search(score, outfit, catalog, 3, 3),
    ):
        assert value(added) <= best + 1e-12


def test_one_per_category_defeats_one_step():
    """Two great shoes: one-step adds both (S drops by the penalty), k-step adds shoes and a bag."""
    # [top, shoes, bag | colour]
    catalog = torch.tensor(
        [[1, 0, 0, 0.0], [0, 1, 0, 0.1], [0, 1, 0, -0.1], [0, 0, 1, 0.5], [0, 0, 1, 2.0]]
    )
    score, outfit = OnePerCategoryScore(3), torch.tensor([0])
    assert sorted(greedy_one_step(score, outfit, catalog, 2).tolist()) == [1, 2]
    assert sorted(greedy_k_step(score, outfit, catalog, 2).tolist()) == [1, 3]


def test_calls_are_batched():
    """One-step: 1 call; k-step and beam: k calls; exhaustive: one per 4096 subsets."""
    score, outfit, catalog = _problem(0, n_items=40)
    for function, args, calls in (
        (greedy_one_step, (3,), 1),
        (greedy_k_step, (3,), 3),
        (beam_search, (3, 4), 3),
        (exhaustive, (3,), math.ceil(math.comb(38, 3) / 4096)),
    ):
        counter = CallCounter(score)
        function(counter, outfit, catalog, *args)
        assert counter.calls == calls, function.__name__


def test_k_equal_to_the_candidates_adds_them_all():
    score, outfit, catalog = _problem(1, n_items=6, n=2)
    rest = sorted(set(range(6)) - set(outfit.tolist()))
    for function in (greedy_one_step, greedy_k_step, exhaustive):
        assert sorted(function(score, outfit, catalog, 4).tolist()) == rest
    assert sorted(beam_search(score, outfit, catalog, 4, 3).tolist()) == rest


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s, o, c: greedy_one_step(s, o, c, 0), ValueError),
        (lambda s, o, c: greedy_k_step(s, o, c, 13), ValueError),
        (lambda s, o, c: exhaustive(s, o.float(), c, 1), TypeError),
        (lambda s, o, c: greedy_one_step(s, torch.tensor([1, 1]), c, 1), ValueError),
        (lambda s, o, c: greedy_one_step(s, torch.tensor([14]), c, 1), ValueError),
        (lambda s, o, c: greedy_one_step(s, o[:0], c, 1), ValueError),
        (lambda s, o, c: beam_search(s, o, c, 2, 0), ValueError),
        (lambda s, o, c: greedy_k_step("S", o, c, 1), TypeError),
        (lambda s, o, c: greedy_k_step(s, o, c.clone().fill_(float("inf")), 1), ValueError),
        (lambda s, o, c: relaxed_completion(s, o, c, 1, "l3", 5, 0.1), ValueError),
        (lambda s, o, c: relaxed_completion(s, o, c, 1, "l2", 5, 0.0), ValueError),
        (lambda s, o, c: nearest_items(c[:2], c[:, :2], "l2"), ValueError),
    ],
)
def test_argument_checks(call, error):
    """Bad problems raise the documented errors, with a message."""
    score, outfit, catalog = _problem(2)
    with pytest.raises(error, match=r"\w"):
        call(score, outfit, catalog)


# --- nearest_items --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("rho", RHOS)
def test_nearest_items_matches_scipy(rho, dtype):
    """Indices and distances equal SciPy's cdist (minkowski p = 1, 2, 10; cosine)."""
    g = torch.Generator().manual_seed(3)
    # Drawn in float64, then rounded: the same points (and nearest items) on every CPU.
    vectors = torch.randn(7, 5, generator=g, dtype=torch.float64).to(dtype)
    catalog = (torch.randn(60, 5, generator=g, dtype=torch.float64) * 2).to(dtype)
    index, distance = nearest_items(vectors, catalog, rho)
    expected = oracle.distances(vectors, catalog, rho)
    assert index.dtype == torch.int64 and distance.dtype == dtype
    assert torch.equal(index, expected.argmin(dim=1))
    tol = 1e-5 if dtype == torch.float32 else 1e-10
    assert torch.allclose(distance.double(), expected.min(dim=1).values, atol=tol, rtol=tol)


def test_nearest_items_each_rho_picks_another_item():
    """The notebook's worked example: (2, 1) is nearest to a different item under each rho."""
    catalog = torch.tensor([[-0.5, 2.5], [0.0, -1.0], [-1.0, 1.0], [-0.5, 2.0]])
    picks = {rho: int(nearest_items(torch.tensor([[2.0, 1.0]]), catalog, rho)[0]) for rho in RHOS}
    assert picks == {"l1": 2, "l2": 3, "l10": 1, "cos": 0}
    _, distance = nearest_items(torch.tensor([[2.0, 1.0]]), catalog[1:2], "l10")
    assert torch.allclose(distance, torch.tensor([2 * 2**0.1]))


def test_nearest_items_ties_go_to_the_first_item():
    catalog = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    for rho in RHOS:
        assert nearest_items(torch.tensor([[1.0, 0.0]]), catalog, rho)[0].tolist() == [0]


# --- relaxed_completion ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rho", RHOS)
def test_relaxation_finds_the_items_nearest_the_known_optimum(seed, rho):
    """Under TargetScore the ascent ends at the target: the answer is its nearest new items."""
    g = torch.Generator().manual_seed(seed)
    catalog = torch.randn(25, 3, generator=g, dtype=torch.float64)
    target = torch.randn(3, generator=g, dtype=torch.float64) * 1.5
    outfit = torch.randperm(25, generator=g)[:2]
    got = relaxed_completion(TargetScore(target), outfit, catalog, 2, rho, 300, 1.0)
    _valid(got, outfit, 2, 25)
    order = oracle.distances(target.unsqueeze(0), catalog, rho)[0].argsort().tolist()
    expected = [i for i in order if i not in outfit.tolist()][:2]
    assert got.tolist() == expected


def test_relaxation_ascends_log_s_from_the_documented_start():
    """steps = 0 projects the start; one step moves by lr * grad log S (LastInput sees both)."""
    g = torch.Generator().manual_seed(0)
    catalog = torch.randn(30, 4, generator=g, dtype=torch.float64)
    outfit = torch.tensor([3, 4])
    noise = torch.randn(2, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    start = catalog.mean(0) + 0.1 * catalog.std(0) * noise
    score = TargetScore(torch.ones(4, dtype=torch.float64) * 3)
    got = relaxed_completion(score, outfit, catalog, 2, "l2", 0, 0.5)
    expected, taken = [], set(outfit.tolist())
    for row in oracle.distances(start, catalog, "l2"):
        expected.append(next(i for i in row.argsort().tolist() if i not in taken))
        taken.add(expected[-1])
    assert got.tolist() == expected
    recorder = LastInput(score)
    relaxed_completion(recorder, outfit, catalog, 2, "l2", 2, 0.5)
    z = start.clone().requires_grad_(True)
    value = score(torch.cat([catalog[outfit], z]).unsqueeze(0))[0]
    (grad,) = torch.autograd.grad(value.log(), z)
    assert torch.allclose(recorder.last[0, 2:], start + 0.5 * grad, atol=1e-12)


# --- message_passing_layer ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 3), (4, 3), (2, 5, 3)])
def test_message_passing_matches_a_double_loop(shape):
    """PairMLP messages (d_m = 6) and a residual update, against the loop over i and j."""
    torch.manual_seed(0)
    h = torch.randn(shape, dtype=torch.float64)
    M = PairMLP(3, 3, 8, 6).double()
    U = ResidualUpdate(3, 6, 8).double()
    got = message_passing_layer(h, M, U)
    flat = h.reshape(-1, *shape[-2:])
    expected = torch.stack([oracle.message_passing(g, M, U) for g in flat]).reshape(shape)
    assert torch.allclose(got, expected, atol=1e-12)


def test_message_passing_is_permutation_equivariant_and_differentiable():
    torch.manual_seed(1)
    h = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    M = PairMLP(4, 4, 8, 3).double()
    U = PairMLP(4, 3, 8, 2).double()
    order = torch.tensor([3, 0, 4, 1, 2])
    assert torch.allclose(
        message_passing_layer(h[order], M, U), message_passing_layer(h, M, U)[order], atol=1e-12
    )
    assert torch.autograd.gradcheck(lambda x: message_passing_layer(x, M, U), (h,))


def test_message_passing_worked_example():
    """The notebook's example: M(a, b) = a + 2b, U(h, m) = h + m / 10."""
    h = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    got = message_passing_layer(h, lambda a, b: a + 2 * b, lambda x, m: x + 0.1 * m)
    assert torch.allclose(got, torch.tensor([[1.7, 0.6], [0.4, 3.2], [1.7, 1.9]]))


# --- completion_loss ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("rho", RHOS)
@pytest.mark.parametrize("shape", [(2, 5), (3, 2, 5), (2, 3, 4, 5)])
def test_completion_loss_matches_scipy_slot_by_slot(shape, rho, dtype):
    """The mean over every slot of SciPy's distance between pred and target; pred's dtype."""
    g = torch.Generator().manual_seed(len(shape))
    pred = torch.randn(shape, generator=g, dtype=torch.float64).to(dtype)
    target = (torch.randn(shape, generator=g, dtype=torch.float64) * 1.5).to(dtype)
    got = completion_loss(pred, target, rho)
    assert got.shape == () and got.dtype == dtype
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    assert float(got) == pytest.approx(oracle.completion_loss(pred, target, rho), rel=tol, abs=tol)


def test_completion_loss_worked_example():
    """The notebook's example: slots (1, 0) and (0, 2), targets (4, 4) and (0, 1)."""
    pred = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    target = torch.tensor([[4.0, 4.0], [0.0, 1.0]])
    expected = {
        "l1": (7 + 1) / 2,
        "l2": (5 + 1) / 2,
        "l10": ((3**10 + 4**10) ** 0.1 + 1) / 2,
        "cos": (1 - 2**-0.5 + 0) / 2,
    }
    for rho, value in expected.items():
        assert float(completion_loss(pred, target, rho)) == pytest.approx(value, rel=1e-6), rho
    # Slot i goes with target i: the swapped targets give another loss, even a lower one (not
    # the best of the two pairings).
    assert float(completion_loss(pred, target.flip(0), "l2")) == pytest.approx(
        (2**0.5 + 20**0.5) / 2, rel=1e-6
    )
    assert float(completion_loss(pred, pred, "l10")) == 0.0


@pytest.mark.parametrize("rho", RHOS)
def test_completion_loss_gradient(rho):
    """Autograd's gradient of the loss is the finite differences' (gradcheck, float64)."""
    g = torch.Generator().manual_seed(5)
    pred = torch.randn(3, 2, 4, generator=g, dtype=torch.float64, requires_grad=True)
    target = torch.randn(3, 2, 4, generator=g, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: completion_loss(x, target, rho), (pred,))


@pytest.mark.parametrize("rho", ["l1", "l2", "l10"])
def test_completion_loss_gradient_is_finite_where_a_slot_is_on_its_target(rho):
    pred = torch.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    target = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    completion_loss(pred, target, rho).backward()
    assert torch.isfinite(pred.grad).all() and pred.grad[0].abs().max() == 0


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ((torch.zeros(2, 3), torch.zeros(3, 3), "l2"), ValueError),
        ((torch.zeros(4, 2, 3), torch.zeros(2, 3), "l2"), ValueError),
        ((torch.zeros(2, 3), torch.zeros(2, 3), "l3"), ValueError),
        ((torch.zeros(3), torch.zeros(3), "l1"), ValueError),
        ((torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, 3), "l1"), TypeError),
        ((torch.full((2, 3), float("nan")), torch.zeros(2, 3), "cos"), ValueError),
    ],
)
def test_completion_loss_argument_checks(arguments, error):
    """Shapes must agree exactly (no broadcasting), rho be one of the four, tensors float."""
    with pytest.raises(error, match=r"\w"):
        completion_loss(*arguments)


# --- the wardrobe ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wardrobe():
    return make_wardrobe(1200, 32, seed=0)


def test_wardrobe_is_seeded(wardrobe):
    again = make_wardrobe(1200, 32, seed=0)
    assert torch.equal(wardrobe.embeddings, again.embeddings)
    assert not torch.equal(wardrobe.embeddings, make_wardrobe(1200, 32, seed=1).embeddings)
    first = sample_outfits(wardrobe, 50, seed=3)
    again = sample_outfits(wardrobe, 50, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))


def test_outfits_hold_one_item_per_category(wardrobe):
    outfits = sample_outfits(wardrobe, 300, seed=1)
    for outfit in outfits:
        categories = wardrobe.categories[outfit].tolist()
        assert len(categories) == len(set(categories)) and 3 <= len(outfit) <= 6
    # Outfits follow their hidden style: most items share the outfit's majority style.
    purity = [
        float((wardrobe.styles[o] == torch.mode(wardrobe.styles[o]).values).float().mean())
        for o in outfits
    ]
    assert sum(purity) / len(purity) > 0.8


def test_negatives_break_the_rules_they_say(wardrobe):
    outfits = sample_outfits(wardrobe, 200, seed=2)
    for kind in ("random", "swap", "duplicate", "odd"):
        negatives = negative_outfits(wardrobe, outfits, kind, seed=4)
        for real, fake in zip(outfits, negatives, strict=True):
            real_c, fake_c = wardrobe.categories[real].tolist(), wardrobe.categories[fake].tolist()
            if kind in ("random", "swap"):
                assert real_c == fake_c
            if kind == "swap":
                assert (real != fake).sum() <= 1
            if kind == "duplicate":
                assert len(fake) == len(real) + 1 and len(set(fake_c)) == len(real_c)
                assert len(set(fake.tolist())) == len(fake)
            if kind == "odd" and len(real) < 6:
                assert len(fake) == len(real) + 1 and len(set(fake_c)) == len(fake_c)


def test_partial_outfits_subsets_and_fitb(wardrobe):
    outfits = sample_outfits(wardrobe, 100, seed=5)
    partial, removed = partial_outfits(outfits, 2, seed=1)
    for p, r in zip(partial, removed, strict=True):
        assert len(p) >= 2 and len(r) == 2 and not set(p.tolist()) & set(r.tolist())
    for outfit, sub in zip(outfits, sub_outfits(outfits, seed=2), strict=True):
        assert 2 <= len(sub) <= len(outfit) and set(sub.tolist()) <= set(outfit.tolist())
    questions, candidates, answers = fill_in_the_blank(wardrobe, outfits, seed=3)
    for outfit, question, row, answer in zip(outfits, questions, candidates, answers, strict=True):
        hidden = set(outfit.tolist()) - set(question.tolist())
        assert hidden == {int(row[answer])}
        assert len(set(wardrobe.categories[row].tolist())) == 1


# --- the shipped scorer ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return torch.load(CHECKPOINT, weights_only=True)


@pytest.fixture(scope="module")
def recipe_data(shipped):
    return scorer_data(shipped["recipe"])


def test_checkpoint_is_small_and_from_its_recipe(shipped, recipe_data):
    """The recipe's seed generates the shipped data: the outfits exactly (on every CPU:
    test_cpu_independence.py), the embeddings to float32 precision (``embeddings_match``).

    The tolerance still catches embeddings scaled by 1 + 1e-5; the embedding moments of
    another seed differ by more than 1 %.
    """
    assert CHECKPOINT.stat().st_size < 1_000_000
    assert shipped["data_sha256"] == data_sha256(recipe_data)
    stored = shipped["embedding_moments"]
    assert embeddings_match(embedding_moments(recipe_data), stored)
    wardrobe = recipe_data[0]
    scaled = replace(wardrobe, embeddings=wardrobe.embeddings * (1 + 1e-5))
    assert not embeddings_match(embedding_moments((scaled, *recipe_data[1:])), stored)
    other = embedding_moments(
        scorer_data({**shipped["recipe"], "seed": shipped["recipe"]["seed"] + 1})
    )
    assert not torch.allclose(other, stored, rtol=1e-2, atol=0)


def test_checkpoint_training_starts_as_the_script_does(shipped, recipe_data):
    """The first FINGERPRINT_STEPS steps of the build, rebuilt here, give the stored weights.

    To 3e-5, not to the last bit: the key biases of attention get gradients that are zero
    up to rounding (softmax ignores a shift shared by all keys), and Adam scales that noise
    up, so another CPU's last bits move them by ~1e-5 (8e-6 seen; every other weight within
    1e-7). One optimizer step fewer moves most weight tensors by ~1e-4 (checked too).
    """
    tolerance = 3e-5
    early, _ = train_scorer(shipped["recipe"], max_steps=FINGERPRINT_STEPS, data=recipe_data)
    for name, value in early.state_dict().items():
        stored = shipped["early_state_dict"][name]
        assert torch.allclose(value, stored, rtol=0, atol=tolerance), name
    shorter, _ = train_scorer(shipped["recipe"], max_steps=FINGERPRINT_STEPS - 1, data=recipe_data)
    gaps = sorted(
        float((value - shipped["early_state_dict"][name]).abs().max())
        for name, value in shorter.state_dict().items()
    )
    assert gaps[len(gaps) // 2] > tolerance


def _reorderable_share(scorer, wardrobe, outfits, gap=2e-5):
    """The share of (real, swapped) pairs of the AUC whose scores are within ``gap``.

    The AUC is a rank statistic: another CPU's last bits can only reorder pairs that close.
    Scores move by less than 1e-5 between CPUs (a few float32 roundings of logits up to 20,
    through the sigmoid's slope of at most 1/4), so ``gap`` is twice that.
    """
    positive = score_outfits(scorer, wardrobe.embeddings, outfits)
    swapped = negative_outfits(wardrobe, outfits, "random", seed=0)
    negative = score_outfits(scorer, wardrobe.embeddings, swapped)
    return float(((positive[:, None] - negative[None, :]).abs() <= gap).double().mean())


def test_shipped_scorer_meets_its_goals(shipped, recipe_data):
    """Held-out compatibility AUC >= 0.9 (as stored), FITB well above chance; order invariant."""
    scorer, info = load_scorer()
    assert info["metrics"]["auc_random"] >= 0.9 and info["metrics"]["fitb"] > 0.5
    wardrobe, _, _, test = recipe_data
    assert compatibility_auc(scorer, wardrobe, test, "random", seed=0) == pytest.approx(
        info["metrics"]["auc_random"], abs=_reorderable_share(scorer, wardrobe, test) + 1e-12
    )
    items = wardrobe.embeddings[torch.stack([o[:3] for o in test[:50]])]
    assert torch.allclose(scorer(items), scorer(items[:, [2, 0, 1]]), atol=1e-5)
    assert ((scorer(items) > 0) & (scorer(items) < 1)).all()


# --- GNN and evaluation helpers -------------------------------------------------------------------


def test_gnn_is_equivariant_in_the_outfit_and_trains():
    """Permuting the outfit's items does not change the k outputs; training lowers the loss."""
    torch.manual_seed(0)
    model = GNNCompleter(message_passing_layer, dim=6, hidden=16, k=2, layers=2).eval()
    items = torch.randn(4, 3, 6)
    assert torch.allclose(model(items), model(items[:, [2, 0, 1]]), atol=1e-5)
    g = torch.Generator().manual_seed(1)
    catalog = torch.randn(40, 6, generator=g, dtype=torch.float64).float()  # same on every CPU
    outfits = [torch.randperm(40, generator=g)[: 2 + i % 2] for i in range(64)]
    # A smooth rule to learn: the two items nearest the outfit's mean.
    targets = torch.stack(
        [torch.cdist(catalog[o].mean(0, keepdim=True), catalog)[0].argsort()[:2] for o in outfits]
    )
    history = train_completer(
        model,
        outfits,
        targets,
        catalog,
        lambda pred, target: completion_loss(pred, target, "l2"),
        epochs=30,
        lr=1e-2,
    )
    assert history[-1] < 0.7 * history[0]


def test_project_distinct_follows_the_relaxation_rule():
    catalog = torch.tensor([[0.0], [1.0], [1.1], [5.0]])
    vectors = torch.tensor([[1.0], [1.0]])
    got = project_distinct(vectors, torch.tensor([0]), catalog, "l2", nearest_items)
    assert got.tolist() == [1, 2]
    got = project_distinct(vectors, torch.tensor([1]), catalog, "l1", nearest_items)
    assert got.tolist() == [2, 0]


class FixedVectors(torch.nn.Module):
    """A stand-in completer: the same k vectors for every outfit."""

    def __init__(self, vectors):
        super().__init__()
        self.vectors = vectors

    def forward(self, items):
        return self.vectors.to(items.dtype).expand(len(items), -1, -1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rho", RHOS)
def test_gnn_rerank_matches_the_loop_oracle(seed, rho):
    """m nearest new items per slot (disjoint), the best combination by one call of S."""
    score, outfit, catalog = _problem(seed, n_items=30, n=2 + seed % 2)
    g = torch.Generator().manual_seed(100 + seed)
    vectors = torch.randn(2, 3, generator=g, dtype=torch.float64)
    if seed % 3 == 0:  # both slots want the same items: the clash rule decides
        vectors[1] = vectors[0] + 1e-3
    m = 1 + seed % 4
    counter = CallCounter(score)
    got = gnn_rerank(FixedVectors(vectors), counter, outfit, catalog, rho, nearest_items, m)
    _valid(got, outfit, 2, len(catalog))
    assert got.tolist() == oracle.rerank(vectors, score, outfit, catalog, rho, m)
    assert counter.calls == 1 and counter.outfits == m * m


def test_gnn_rerank_never_does_worse_than_its_first_candidates():
    """Round 1 is project_distinct's completion; the re-ranked one scores at least as high."""
    score, outfit, catalog = _problem(7, n_items=40, n=2)
    for seed in range(10):
        vectors = torch.randn(2, 3, generator=torch.Generator().manual_seed(seed)).double()
        completer = FixedVectors(vectors)
        alone = project_distinct(vectors, outfit, catalog, "l2", nearest_items)
        assert gnn_rerank(completer, score, outfit, catalog, "l2", nearest_items, 1).tolist() == (
            alone.tolist()
        )
        best = gnn_rerank(completer, score, outfit, catalog, "l2", nearest_items, 4)

        def value(added):
            return oracle._score(score, catalog, [*outfit.tolist(), *added.tolist()])

        assert value(best) >= value(alone)


def test_gnn_rerank_with_a_small_catalogue_gives_every_slot_a_candidate():
    """Two slots that want one item, and only two items left: each slot still gets one."""
    catalog = torch.tensor([[0.0], [1.0], [1.1], [5.0]])
    vectors = torch.tensor([[1.0], [1.0]])
    got = gnn_rerank(
        FixedVectors(vectors), CohesionScore(), torch.tensor([0, 3]), catalog, "l1",
        nearest_items, 4,
    )  # fmt: skip
    assert sorted(got.tolist()) == [1, 2]


def test_method_suite_adds_gnn_rerank():
    score, _, catalog = _problem(4, n_items=12)
    completer = FixedVectors(torch.zeros(2, 3, dtype=torch.float64))
    functions = {"nearest_items": nearest_items}
    methods = method_suite(functions, score, catalog, completers={"l1": completer}, rerank=3)
    assert set(methods) == {"GNN, rho = l1", "GNN + re-rank, rho = l1", "random"}
    outfit = torch.tensor([0, 1])
    assert torch.equal(
        methods["GNN + re-rank, rho = l1"](outfit),
        gnn_rerank(completer, score, outfit, catalog, "l1", nearest_items, 3),
    )
    without = method_suite(functions, score, catalog, completers={"l1": completer})
    assert set(without) == {"GNN, rho = l1", "random"}


def test_run_method_scores_and_refuses_bad_completions():
    score, _, catalog = _problem(3, n_items=12)
    outfits = [torch.tensor([0, 1]), torch.tensor([2, 3, 4])]
    functions = {"greedy_k_step": greedy_k_step, "nearest_items": nearest_items}
    methods = method_suite(functions, score, catalog, k=2)
    assert set(methods) == {"greedy k-step", "random"}
    run = run_method("k-step", methods["greedy k-step"], score, catalog, outfits, 2)
    expected = [
        oracle._score(score, catalog, [*o.tolist(), *oracle.k_step(score, o, catalog, 2)])
        for o in outfits
    ]
    assert torch.allclose(
        run.scores.double(), torch.tensor(expected, dtype=torch.float64), atol=1e-6
    )
    with pytest.raises(ValueError, match="distinct new"):
        run_method("bad", lambda o: torch.tensor([o[0], 5]), score, catalog, outfits, 2)
    exact = run_method(
        "exact", lambda o: exhaustive(score, o, catalog, 2), score, catalog, outfits, 2
    )
    gaps = exact_gaps([run, exact], exact)
    assert gaps["exact"] == (0.0, 1.0) and gaps["k-step"][0] >= 0
    g = torch.Generator().manual_seed(0)
    drawn = random_completion(torch.tensor([0, 1]), 12, 3, g)
    assert len(set(drawn.tolist())) == 3 and not {0, 1} & set(drawn.tolist())


def test_neighbour_scores_move_each_added_item_to_its_nearest_other_item():
    """Points on a line; S = the sum of the outfit's coordinates shows which items were used."""
    catalog = torch.tensor([[0.0], [1.0], [2.0], [5.0], [6.0], [9.0]])
    outfits = [torch.tensor([0]), torch.tensor([0])]
    completions = [torch.tensor([3]), torch.tensor([3, 4])]
    # 5 -> 6 (item 4). Then 5 -> 2 (items 3 and 4 excluded), 6 -> 9 (2 taken): 0 + 2 + 9.
    scores = neighbour_scores(
        lambda x: x.sum(dim=(1, 2)), catalog, outfits, completions, "l1", nearest_items
    )
    assert scores.tolist() == [6.0, 11.0]


def test_lipschitz_check_on_a_known_constant():
    """S = 1 / (1 + mean |x - t|^2) on one free item: the gap never exceeds M * eps."""
    score = TargetScore(torch.zeros(2))
    items = [torch.tensor([[1.0, 0.0]])]
    relaxed, projected = [torch.tensor([[0.0, 0.0]])], [torch.tensor([[0.6, 0.8]])]
    result = lipschitz_check(score, items, relaxed, projected, torch.tensor([1.0]), p=2)
    assert result["held"] == 1.0
    assert 0 < result["gap"][0] <= result["M"] * 1.0


# --- the test cells' checks (course.testing) and the figures --------------------------------------


def test_expect_completion_and_expect_calls_say_what_is_wrong():
    outfit = torch.tensor([0])
    expect_completion(torch.tensor([2, 1]), "f()", outfit, 2, 6, expected=[1, 2])
    for got, words in (
        (torch.tensor([1, 1]), "adds an item twice"),
        (torch.tensor([0, 1]), "already in the outfit"),
        (torch.tensor([1, 9]), "not indices of the catalogue"),
        (torch.tensor([1, 3]), "should add the items [1, 2], got [1, 3]. the hint"),
        (torch.tensor([1.0, 2.0]), "should return dtype torch.int64"),
        (torch.tensor([1, 2, 3]), "should return shape (2,)"),
    ):
        with pytest.raises(AssertionError, match=re.escape(words)):
            expect_completion(got, "f()", outfit, 2, 6, expected=[1, 2], hint="the hint")
    counter = CallCounter(CohesionScore())
    for _ in range(3):
        counter(torch.zeros(4, 2, 1))
    expect_calls(counter, 3, "f()")
    with pytest.raises(AssertionError, match=r"called score_fn 3 times to score 12 outfits.*batch"):
        expect_calls(counter, 2, "f()", hint="One call per step.")


def test_category_plane_shows_the_categories_apart(wardrobe):
    """The six category centres land apart in the plane, the items near their centre."""
    origin, basis = category_plane(wardrobe)
    assert basis.shape == (2, wardrobe.dim)
    assert torch.allclose(basis @ basis.T, torch.eye(2), atol=1e-5)
    points = (wardrobe.embeddings - origin) @ basis.T
    centres = torch.stack([points[wardrobe.categories == c].mean(0) for c in range(6)])
    spread = (points - centres[wardrobe.categories]).norm(dim=1).median()
    gaps = torch.pdist(centres)
    assert (gaps > 0.5 * spread).sum() >= 13  # of the 15 pairs; two may overlap in 2-D


def test_figures_draw(wardrobe):
    """The diagram and the figures of section 6 draw without error (Agg, nothing shown)."""
    assert len(draw_completion_methods().patches) == 2 + 7 + 1 + 2 * 7
    run = run_method(
        "greedy k-step",
        lambda o: greedy_k_step(CohesionScore(), o, wardrobe.embeddings[:40], 2),
        CohesionScore(),
        wardrobe.embeddings[:40],
        [torch.tensor([0, 1]), torch.tensor([2, 3])],
        2,
    )
    good = replace(run, scores=torch.tensor([0.9, 0.8]))
    low = replace(run, name="relaxation, rho = l2 (30 outfits)", scores=torch.tensor([0.01, 0.0]))
    top, bottom = plot_quality_latency([good, low], original=torch.tensor([0.5, 0.7]))
    assert [t.get_text() for t in top.texts] == ["greedy k-step", "original outfits"]
    assert len(bottom.collections) == 1 and not bottom.texts  # a rho's marker, no label
    vectors = [wardrobe.embeddings[[5, 6]] + 0.1]
    ax = plot_in_category_plane(wardrobe, vectors, [torch.tensor([5, 6])])
    assert len(ax.get_legend().get_texts()) == len(CATEGORIES) + 1
    plt.close("all")
