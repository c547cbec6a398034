"""Oracle tests for ``course/reference/realnvp.py``.

Independent oracles:
- ``torch.distributions.MultivariateNormal`` and ``Normal`` for the base density;
- ``torch.autograd.functional.jacobian`` in float64 and ``torch.linalg.slogdet`` for
  ``log|det dz/dx|`` of one layer and of a whole flow, and the block-triangular shape of one
  layer's Jacobian once the copied coordinates come first;
- the explicit index form of the coupling (Dinh et al., 2017, equation (6) of the paper:
  copy ``x_{1:d}``, scale and shift ``x_{d+1:D}``), written with slices instead of a mask;
- a flow of affine layers (constant ``s``, linear ``t``) is a linear map ``z = M x + v``, so
  ``X = M^{-1}(Z - v)`` is Gaussian with a covariance computed here in NumPy;
- round trips ``inverse(forward(x)) == x`` and ``forward(inverse(z)) == z``;
- the density integrates to 1: a Riemann sum over a fine grid in 2-D.
Plus the argument checks that the docstrings promise.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course.realnvp import CouplingNet, RealNVP, alternating_masks, grid, sample
from course.reference.realnvp import (
    affine_coupling_forward,
    affine_coupling_inverse,
    flow_log_prob,
    standard_normal_log_prob,
)

FLOAT_DTYPES = (torch.float32, torch.float64)
HYPOTHESIS = settings(deadline=None, max_examples=40, derandomize=True)
EPS64 = torch.finfo(torch.float64).eps  # 2.2e-16: one rounding of float64, relative


# --- Helpers -------------------------------------------------------------------------------------


def _nets(dim, seed, dtype=torch.float64, hidden=16, bound=2.0):
    """A seeded random (s_net, t_net) pair: PyTorch's default init, far from the identity."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return CouplingNet(dim, hidden, bound=bound).to(dtype), CouplingNet(dim, hidden).to(dtype)


def _randn(shape, seed, dtype=torch.float64, scale=1.5):
    generator = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(shape, generator=generator, dtype=torch.float64)).to(dtype)


def _masks(dim):
    """Alternating masks, a block mask, and the all-ones and all-zeros extremes."""
    masks = [alternating_masks(dim, 2)[0], alternating_masks(dim, 2)[1]]
    block = torch.zeros(dim)
    block[: dim // 2] = 1
    return [*masks, block, torch.ones(dim), torch.zeros(dim)]


def _flow_forward(x, flow):
    z = x
    for mask, s_net, t_net in flow:
        z, _ = affine_coupling_forward(z, mask, s_net, t_net)
    return z


# --- Base density --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("dim", [1, 2, 5, 16])
def test_standard_normal_matches_torch_distributions(dim, dtype):
    """Equation (4) equals MultivariateNormal(0, I).log_prob and the sum of Normal(0, 1)."""
    z = _randn((50, dim), seed=dim, dtype=dtype)
    got = standard_normal_log_prob(z)
    mvn = torch.distributions.MultivariateNormal(
        torch.zeros(dim, dtype=torch.float64), torch.eye(dim, dtype=torch.float64)
    ).log_prob(z.double())
    normal = torch.distributions.Normal(0.0, 1.0).log_prob(z.double()).sum(dim=-1)
    # A rounding per square and per addition, and two for the constant, at the values' size
    # (1 at least); a missing 1/2 or log(2 pi) moves them by O(1).
    rtol = 2 * (dim + 2) * torch.finfo(dtype).eps
    tolerance = dict(atol=rtol, rtol=rtol)
    assert got.shape == (50,) and got.dtype == dtype
    torch.testing.assert_close(got.double(), mvn, **tolerance)
    torch.testing.assert_close(got.double(), normal, **tolerance)


def test_standard_normal_known_value_at_the_origin():
    """log N(0; 0, I_D) = -D/2 log(2 pi), computed with math."""
    got = standard_normal_log_prob(torch.zeros(1, 3, dtype=torch.float64)).item()
    assert got == pytest.approx(-1.5 * math.log(2 * math.pi), abs=1e-15)


# --- One coupling layer --------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 3, 6])
def test_log_det_equals_autograd_log_abs_det_jacobian(dim):
    """log_det equals slogdet of the float64 Jacobian of x -> z, for every mask."""
    s_net, t_net = _nets(dim, seed=10 + dim)
    x = _randn((5, dim), seed=20 + dim)
    for mask in _masks(dim):
        mask = mask.double()
        _, log_det = affine_coupling_forward(x, mask, s_net, t_net)
        for i in range(len(x)):
            jacobian = torch.autograd.functional.jacobian(
                lambda row, mask=mask: affine_coupling_forward(row[None], mask, s_net, t_net)[0][0],
                x[i],
            )
            sign, log_abs_det = torch.linalg.slogdet(jacobian)
            assert sign.item() == 1.0, f"mask {mask.tolist()}, row {i}: det should be positive"
            assert log_det[i].item() == pytest.approx(log_abs_det.item(), abs=1e-12), (
                f"mask {mask.tolist()}, input {x[i].tolist()}: log_det {log_det[i].item()}, "
                f"autograd {log_abs_det.item()}"
            )


@pytest.mark.parametrize("dim", [2, 3, 6])
def test_jacobian_is_triangular_with_the_copied_coordinates_first(dim):
    """Equation (6), as the notebook's heat map shows it: with rows and columns reordered,
    copied coordinates first, autograd's Jacobian is [[I, 0], [*, diag(exp(s))]]."""
    s_net, t_net = _nets(dim, seed=500 + dim)
    x = _randn((3, dim), seed=510 + dim)
    for mask in _masks(dim):
        mask = mask.double()
        kept, free = (mask == 1).nonzero()[:, 0], (mask == 0).nonzero()[:, 0]
        order, d = torch.cat([kept, free]), len(kept)
        s = s_net(mask * x).detach()
        for i in range(len(x)):
            jacobian = torch.autograd.functional.jacobian(
                lambda row, mask=mask: affine_coupling_forward(row[None], mask, s_net, t_net)[0][0],
                x[i],
            )[order][:, order]
            assert torch.equal(jacobian[:d, :d], torch.eye(d, dtype=torch.float64))
            assert not jacobian[:d, d:].any(), f"mask {mask.tolist()}: top-right block not 0"
            # exp(s): s from a width-16 MLP, here on one row and on three (other matrix-product
            # paths): a few float64 roundings apart (0.8 seen), relative to exp(s) in [0.13, 7.4].
            torch.testing.assert_close(
                jacobian[d:, d:],
                torch.diag(torch.exp(s[i, free])),
                atol=16 * EPS64,
                rtol=16 * EPS64,
            )


@pytest.mark.parametrize("dim, d", [(2, 1), (3, 1), (5, 2), (6, 3)])
def test_forward_matches_the_index_form_of_the_paper(dim, d):
    """With mask (1,..,1,0,..,0): z_{1:d} = x_{1:d}, z_{d+1:D} = x_{d+1:D} e^s + t (slices)."""
    s_net, t_net = _nets(dim, seed=30 + dim)
    x = _randn((8, dim), seed=40 + dim)
    mask = torch.cat([torch.ones(d), torch.zeros(dim - d)]).double()
    z, log_det = affine_coupling_forward(x, mask, s_net, t_net)
    conditioner = torch.cat([x[:, :d], torch.zeros(8, dim - d, dtype=torch.float64)], dim=1)
    s, t = s_net(conditioner)[:, d:], t_net(conditioner)[:, d:]
    assert torch.equal(z[:, :d], x[:, :d])
    # The same products and sums in another arrangement (masks against slices): a few float64
    # roundings at the values' size (z up to 40, log_det up to 8) at most.
    close = dict(atol=16 * EPS64, rtol=16 * EPS64)
    torch.testing.assert_close(z[:, d:], x[:, d:] * torch.exp(s) + t, **close)
    torch.testing.assert_close(log_det, s.sum(dim=1), **close)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("dim", [1, 2, 3, 7])
def test_masked_coordinates_pass_through_unchanged(dim, dtype):
    """Where mask == 1, z equals x bit for bit (forward) and x equals z (inverse)."""
    s_net, t_net = _nets(dim, seed=50 + dim, dtype=dtype)
    x = _randn((16, dim), seed=60 + dim, dtype=dtype)
    for mask in _masks(dim):
        mask = mask.to(dtype)
        kept = mask == 1
        z, _ = affine_coupling_forward(x, mask, s_net, t_net)
        assert torch.equal(z[:, kept], x[:, kept]), f"mask {mask.tolist()}"
        back = affine_coupling_inverse(x, mask, s_net, t_net)
        assert torch.equal(back[:, kept], x[:, kept]), f"mask {mask.tolist()}"


@pytest.mark.parametrize("dtype, atol", [(torch.float32, 1e-5), (torch.float64, 1e-13)])
@pytest.mark.parametrize("dim", [1, 2, 3, 8])
def test_round_trips(dim, dtype, atol):
    """inverse(forward(x)) == x and forward(inverse(z)) == z for random nets and every mask."""
    s_net, t_net = _nets(dim, seed=70 + dim, dtype=dtype)
    x = _randn((32, dim), seed=80 + dim, dtype=dtype)
    for mask in _masks(dim):
        mask = mask.to(dtype)
        z, _ = affine_coupling_forward(x, mask, s_net, t_net)
        torch.testing.assert_close(
            affine_coupling_inverse(z, mask, s_net, t_net), x, atol=atol, rtol=atol
        )
        x_back = affine_coupling_inverse(x, mask, s_net, t_net)
        torch.testing.assert_close(
            affine_coupling_forward(x_back, mask, s_net, t_net)[0], x, atol=atol, rtol=atol
        )


@HYPOTHESIS
@given(
    dim=st.integers(1, 6),
    n=st.integers(1, 20),
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.01, 5.0),
)
def test_round_trip_property(dim, n, seed, scale):
    """For any seed, size and input scale: the inverse undoes the forward (float64)."""
    s_net, t_net = _nets(dim, seed=seed % 10_000)
    generator = torch.Generator().manual_seed(seed)
    x = scale * torch.randn(n, dim, generator=generator, dtype=torch.float64)
    mask = (torch.rand(dim, generator=generator) < 0.5).double()
    z, log_det = affine_coupling_forward(x, mask, s_net, t_net)
    assert z.shape == (n, dim) and log_det.shape == (n,)
    back = affine_coupling_inverse(z, mask, s_net, t_net)
    torch.testing.assert_close(back, x, atol=1e-12 * (1 + scale), rtol=1e-12)


def test_mask_of_another_dtype_is_converted():
    """A bool or int mask gives the same result as the float mask (converted to x's dtype)."""
    s_net, t_net = _nets(3, seed=90)
    x = _randn((4, 3), seed=91)
    float_mask = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    expected = affine_coupling_forward(x, float_mask, s_net, t_net)
    for mask in (float_mask.bool(), float_mask.long(), float_mask.float()):
        got = affine_coupling_forward(x, mask, s_net, t_net)
        torch.testing.assert_close(got, expected, atol=0, rtol=0)


def test_outputs_are_differentiable_in_the_parameters():
    """Gradients reach the parameters of both networks through z and log_det."""
    s_net, t_net = _nets(2, seed=92, dtype=torch.float32)
    x = _randn((8, 2), seed=93, dtype=torch.float32)
    z, log_det = affine_coupling_forward(x, torch.tensor([1.0, 0.0]), s_net, t_net)
    (z.sum() + log_det.sum()).backward()
    for net in (s_net, t_net):
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


# --- The flow ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim, n_couplings", [(2, 1), (2, 4), (3, 3), (5, 6)])
def test_flow_log_prob_is_change_of_variables_with_autograd(dim, n_couplings):
    """flow_log_prob = log N(f(x); 0, I) + slogdet of autograd's Jacobian of the whole flow."""
    flow = RealNVP(dim, n_couplings, hidden=16, seed=100 + dim).double()
    x = _randn((6, dim), seed=110 + dim)
    got = flow_log_prob(x, flow)
    base = torch.distributions.MultivariateNormal(
        torch.zeros(dim, dtype=torch.float64), torch.eye(dim, dtype=torch.float64)
    )
    for i in range(len(x)):
        jacobian = torch.autograd.functional.jacobian(
            lambda row: _flow_forward(row[None], flow)[0], x[i]
        )
        expected = (
            base.log_prob(_flow_forward(x[i][None], flow)[0])
            + torch.linalg.slogdet(jacobian).logabsdet
        )
        assert got[i].item() == pytest.approx(expected.item(), abs=1e-11)


def _affine_flow(dim, n_couplings, seed):
    """Layers with constant s and linear t: the flow is z = M x + v with M built in NumPy."""
    generator = torch.Generator().manual_seed(seed)
    masks = alternating_masks(dim, n_couplings).double()
    layers, matrix, offset = [], np.eye(dim), np.zeros(dim)
    for mask in masks:
        c = 0.8 * torch.randn(dim, generator=generator, dtype=torch.float64)
        w = torch.randn(dim, dim, generator=generator, dtype=torch.float64)
        b = torch.randn(dim, generator=generator, dtype=torch.float64)
        layers.append(
            (
                mask,
                lambda h, c=c: c.expand_as(h).clone(),
                lambda h, w=w, b=b: h @ w + b,
            )
        )
        # One layer: z = diag(m) x + diag(1 - m) (diag(e^c) x + W^T diag(m) x + b).
        m, keep = mask.numpy(), 1 - mask.numpy()
        layer = np.diag(m) + np.diag(keep) @ (np.diag(np.exp(c.numpy())) + w.numpy().T @ np.diag(m))
        matrix, offset = layer @ matrix, layer @ offset + keep * b.numpy()
    return layers, matrix, offset


@pytest.mark.parametrize("dim, n_couplings", [(1, 2), (2, 3), (3, 4), (4, 5)])
def test_affine_flow_gives_the_gaussian_it_should(dim, n_couplings):
    """A flow z = M x + v of N(0, I) is N(-M^{-1} v, M^{-1} M^{-T}); compare with torch's MVN."""
    layers, matrix, offset = _affine_flow(dim, n_couplings, seed=200 + dim)
    inverse = np.linalg.inv(matrix)
    gaussian = torch.distributions.MultivariateNormal(
        torch.from_numpy(-inverse @ offset), torch.from_numpy(inverse @ inverse.T)
    )
    x = _randn((20, dim), seed=210 + dim)
    # The oracle inverts M and factors M^-1 M^-T, whose condition number is cond(M)^2 (up to
    # 1e5 here): it loses up to that many float64 roundings, relative (1.7 cond^2 seen at
    # most, over several BLAS kernels); a log-density off by 1e-6 of itself fails (checked).
    rtol = 8 * EPS64 * np.linalg.cond(matrix) ** 2
    got, expected = flow_log_prob(x, layers), gaussian.log_prob(x)
    torch.testing.assert_close(got, expected, atol=rtol, rtol=rtol)
    with pytest.raises(AssertionError):
        torch.testing.assert_close(got * (1 + 1e-6), expected, atol=rtol, rtol=rtol)


def test_density_integrates_to_one_on_a_2d_grid():
    """A seeded random flow of mild scale: the Riemann sum of exp(log p) over a box is ~1."""
    flow = RealNVP(2, n_couplings=4, hidden=16, s_bound=0.5, seed=7).double()
    points, _, _, cell = grid((-10.0, 10.0), (-10.0, 10.0), steps=400)
    with torch.no_grad():
        mass = flow_log_prob(points.double(), flow).exp().sum().item() * cell
    assert mass == pytest.approx(1.0, abs=2e-3)


def test_samples_have_the_flow_density():
    """Samples pushed through the inverse land where the flow's density says: the average of
    log p over samples is the negative entropy, estimated two ways that agree."""
    flow = RealNVP(2, n_couplings=4, hidden=16, seed=8).double()
    path = sample(flow, 4000, affine_coupling_inverse, seed=9, return_path=True)
    noise, x = path[0], path[-1]
    torch.testing.assert_close(_flow_forward(x, flow), noise, atol=1e-10, rtol=1e-10)
    # log p_X(x) = log N(z) + log|det| and log|det| of the inverse is -log|det| of f.
    z, log_det = noise, torch.zeros(len(x), dtype=torch.float64)
    for mask, s_net, t_net in reversed(flow.layers):
        z_prev = affine_coupling_inverse(z, mask, s_net, t_net)
        log_det = log_det + affine_coupling_forward(z_prev, mask, s_net, t_net)[1]
        z = z_prev
    torch.testing.assert_close(
        flow_log_prob(x, flow), standard_normal_log_prob(noise) + log_det, atol=1e-10, rtol=0
    )


def test_empty_flow_is_the_base_density():
    """No layers: log p(x) = log N(x; 0, I), for a list and for a RealNVP with 0 couplings."""
    x = _randn((5, 3), seed=300)
    expected = standard_normal_log_prob(x)
    torch.testing.assert_close(flow_log_prob(x, []), expected, atol=0, rtol=0)
    torch.testing.assert_close(
        flow_log_prob(x, RealNVP(3, n_couplings=0).double()), expected, atol=0, rtol=0
    )


def test_list_of_layers_and_realnvp_agree():
    """A RealNVP and the list of its triples give the same log-density."""
    flow = RealNVP(2, n_couplings=3, hidden=8, seed=11)
    x = _randn((10, 2), seed=12, dtype=torch.float32)
    torch.testing.assert_close(flow_log_prob(x, flow), flow_log_prob(x, flow.layers))
    torch.testing.assert_close(flow_log_prob(x, flow), flow_log_prob(x, tuple(flow)))


# --- Bad input -----------------------------------------------------------------------------------


def _good():
    s_net, t_net = _nets(2, seed=400, dtype=torch.float32)
    return torch.zeros(3, 2), torch.tensor([1.0, 0.0]), s_net, t_net


LAYER_FUNCTIONS = [affine_coupling_forward, affine_coupling_inverse]


@pytest.mark.parametrize("function", LAYER_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "mask, error, pattern",
    [
        (torch.tensor([1.0, 0.5]), ValueError, "mask must hold only 0s and 1s"),
        (torch.tensor([1.0, float("nan")]), ValueError, "mask must hold only 0s and 1s"),
        (torch.tensor([-1.0, 0.0]), ValueError, "mask must hold only 0s and 1s"),
        (torch.tensor([1.0, 0.0, 1.0]), ValueError, r"mask must have shape \(2,\)"),
        (torch.tensor([[1.0, 0.0]]), ValueError, r"mask must have shape \(2,\)"),
        ([1.0, 0.0], TypeError, "mask must be a torch.Tensor"),
    ],
)
def test_bad_mask_raises_naming_mask(function, mask, error, pattern):
    """A mask that is not (D,) of 0s and 1s raises, and the message names the mask."""
    x, _, s_net, t_net = _good()
    with pytest.raises(error, match=pattern):
        function(x, mask, s_net, t_net)


@pytest.mark.parametrize("function", LAYER_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "x, error, pattern",
    [
        (torch.tensor([[0.0, float("nan")]]), ValueError, "must hold finite values"),
        (torch.tensor([[0.0, float("inf")]]), ValueError, "must hold finite values"),
        (torch.zeros(2), ValueError, r"must have 2 dimensions \(N, D\)"),
        (torch.zeros(1, 3, 2), ValueError, r"must have 2 dimensions \(N, D\)"),
        (torch.zeros(3, 2, dtype=torch.int64), TypeError, "must be a floating-point"),
        ([[0.0, 0.0]], TypeError, "must be a floating-point"),
    ],
)
def test_bad_input_raises_naming_it(function, x, error, pattern):
    """Non-finite values, wrong ranks and non-float inputs raise with the argument's name."""
    _, mask, s_net, t_net = _good()
    name = "x" if function is affine_coupling_forward else "z"
    with pytest.raises(error, match=f"^{name} {pattern}"):
        function(x, mask, s_net, t_net)


@pytest.mark.parametrize("function", LAYER_FUNCTIONS, ids=lambda f: f.__name__)
def test_bad_networks_raise_naming_them(function):
    """A network that is not callable, or returns the wrong shape, is named in the error."""
    x, mask, s_net, t_net = _good()
    with pytest.raises(TypeError, match="s_net must be callable"):
        function(x, mask, "not a network", t_net)
    with pytest.raises(TypeError, match="t_net must be callable"):
        function(x, mask, s_net, None)
    with pytest.raises(ValueError, match=r"s_net\(mask \* [xz]\) must have shape \(3, 2\)"):
        function(x, mask, lambda h: h[:, :1], t_net)
    with pytest.raises(ValueError, match=r"t_net\(mask \* [xz]\) must have shape \(3, 2\)"):
        function(x, mask, s_net, lambda h: h.sum(dim=1))
    with pytest.raises(TypeError, match=r"t_net\(mask \* [xz]\) must be a torch.Tensor"):
        function(x, mask, s_net, lambda h: 0.0)


@pytest.mark.parametrize(
    "function, name",
    [(standard_normal_log_prob, "z"), (lambda x: flow_log_prob(x, []), "x")],
    ids=["standard_normal_log_prob", "flow_log_prob"],
)
@pytest.mark.parametrize(
    "value, error, pattern",
    [
        (torch.tensor([[0.0, float("nan")]]), ValueError, "must hold finite values"),
        (torch.zeros(4), ValueError, r"must have 2 dimensions \(N, D\), got shape \(4,\)"),
        (torch.zeros(2, 2, 2), ValueError, "must have 2 dimensions"),
        (torch.zeros(2, 2, dtype=torch.int32), TypeError, "must be a floating-point"),
        (np.zeros((2, 2)), TypeError, "must be a floating-point"),
    ],
)
def test_bad_input_of_densities_raises_naming_it(function, name, value, error, pattern):
    """standard_normal_log_prob and flow_log_prob reject bad input, naming the argument."""
    with pytest.raises(error, match=f"^{name} {pattern}"):
        function(value)


def test_bad_layer_inside_a_flow_is_reported():
    """A layer whose mask does not fit x fails with the mask named, not a shape error later."""
    _, _, s_net, t_net = _good()
    with pytest.raises(ValueError, match="mask must have shape"):
        flow_log_prob(torch.zeros(3, 2), [(torch.ones(3), s_net, t_net)])
