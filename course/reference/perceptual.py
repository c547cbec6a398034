"""Answer key of 04_perceptual: perceptual losses and optimisation-based style transfer.

Feature maps travel as dictionaries ``{layer name: tensor (B, C, H, W)}``,
which is what the course's extractors return (``course.perceptual``); a
single layer's map is one such tensor. The conventions (Gatys et al. 2016;
Johnson et al. 2016; d2l.ai chapter 14.12; PyTorch's fast-neural-style
example):

* the Gram matrix of a map F of shape (C, H*W) is F F^T / (C*H*W);
* a content or style term is a mean squared error, over every entry;
* targets (the content and the style image's features) are constants: no
  gradient flows into them;
* the smoothness term is d2l's total variation,
  0.5 * (mean |x[i+1, j] - x[i, j]| + mean |x[i, j+1] - x[i, j]|).
"""

import torch
from tqdm.auto import tqdm

from course.checks import (
    require_callable,
    require_finite_tensors,
    require_int_at_least,
    require_nonnegative_number,
    require_positive_number,
    require_probabilities,
    require_rank,
    require_same_shape,
)
from course.checks.perceptual import (
    require_feature_maps,
    require_layers,
)

__all__ = [
    "content_loss",
    "gram_matrix",
    "perceptual_loss",
    "style_loss",
    "stylize",
    "total_variation_loss",
]


def gram_matrix(features):
    """The Gram matrix of each image's feature maps, normalised by C*H*W.

    G[b, i, j] = sum_k F[b, i, k] * F[b, j, k] / (C * H * W),   F = features reshaped to (B, C, H*W)

    Args:
        features: floating-point tensor (B, C, H, W): C feature maps per image.

    Returns:
        Tensor (B, C, C) of the dtype of ``features``: one symmetric matrix per
        image, the correlations of its channels averaged over positions and
        divided by C as well (d2l's and PyTorch fast-neural-style's ``gram``).

    Raises:
        TypeError: ``features`` is not a floating-point tensor.
        ValueError: it is not 4-D, has no channel or no position, or is not finite.
    """
    require_feature_maps("features", features)
    batch, channels, height, width = features.shape
    flat = features.reshape(batch, channels, height * width)
    return flat @ flat.transpose(1, 2) / (channels * height * width)


def content_loss(feat_x, feat_c):
    """Mean squared error between the feature maps of the image and of the content target.

    L = mean over b, c, h, w of (feat_x - feat_c) ** 2,   with feat_c a constant

    Args:
        feat_x: floating-point tensor (B, C, H, W): the features of the image being made.
        feat_c: tensor of the same shape: the features of the content image, the target.

    Returns:
        0-d tensor of the dtype of ``feat_x``. Gradients reach ``feat_x``
        (2 * (feat_x - feat_c) / N for N entries) and never ``feat_c``: the
        target is detached.

    Raises:
        TypeError: an argument is not a floating-point tensor.
        ValueError: the shapes differ, a value is not finite, or a map is empty.
    """
    require_feature_maps("feat_x", feat_x)
    require_feature_maps("feat_c", feat_c)
    require_same_shape("feat_c", feat_c, "feat_x", feat_x)
    return (feat_x - feat_c.detach()).pow(2).mean()


def style_loss(feats_x, feats_s, weights):
    """Weighted sum over layers of the mean squared error between Gram matrices.

    L = sum over layers l of weights[l] * mean over (b, i, j) of (G_l(x) - G_l(s)) ** 2

    Args:
        feats_x: dict {layer name: tensor (B, C_l, H_l, W_l)}: the image's features.
        feats_s: dict {layer name: tensor (B, C_l, H'_l, W'_l)}: the style image's
            features, a constant target. Its maps may have another height and
            width than ``feats_x``'s (Gram matrices are C_l x C_l whatever the size);
            the batch sizes agree (expand one style image to B first).
        weights: dict {layer name: weight >= 0}: the layers that count, and how
            much. Other layers of ``feats_x`` and ``feats_s`` are ignored.

    Returns:
        0-d tensor of the features' dtype. Gradients reach ``feats_x`` only.

    Raises:
        TypeError: ``feats_x`` or ``feats_s`` is not a dict, or a map is not a
            floating-point tensor.
        ValueError: ``weights`` is empty, names a layer the dicts lack, holds a
            weight that is not a number >= 0, or two maps of a layer disagree
            in batch size or channels.
    """
    if not isinstance(weights, dict) or not weights:
        raise ValueError(f"weights must be a non-empty dict {{layer: weight}}, got {weights!r}")
    require_layers("feats_x", feats_x, weights)
    require_layers("feats_s", feats_s, weights)
    terms = []
    for layer, weight in weights.items():
        require_nonnegative_number(f"weights[{layer!r}]", weight)
        gram_x = gram_matrix(feats_x[layer])
        gram_s = gram_matrix(feats_s[layer]).detach()
        require_same_shape(f"the Gram matrix of feats_s[{layer!r}]", gram_s, "feats_x's", gram_x)
        terms.append(weight * (gram_x - gram_s).pow(2).mean())
    return torch.stack(terms).sum()


def perceptual_loss(
    feats_x, feats_c, feats_s, alpha, beta, content_layers, style_layers, style_weights
):
    """The style-transfer objective: alpha * content + beta * style.

    content = sum over l in content_layers of content_loss(feats_x[l], feats_c[l])
    style   = style_loss(feats_x, feats_s, {l: w for l, w in zip(style_layers, style_weights)})

    Args:
        feats_x, feats_c, feats_s: dicts {layer name: tensor (B, C, H, W)}: the
            features of the image being made, of the content image and of the
            style image (see ``content_loss`` and ``style_loss`` for the shapes).
        alpha, beta: numbers >= 0, the weights of the content and the style term.
        content_layers: sequence of layer names whose content losses are summed.
        style_layers: sequence of layer names for the style term.
        style_weights: sequence of numbers >= 0, one per name of ``style_layers``.

    Returns:
        0-d tensor. Gradients reach ``feats_x`` only.

    Raises:
        ValueError: a weight is not a number >= 0, ``style_weights`` and
            ``style_layers`` differ in length, or a layer is missing.
    """
    require_nonnegative_number("alpha", alpha)
    require_nonnegative_number("beta", beta)
    content_layers, style_layers = list(content_layers), list(style_layers)
    if not content_layers:
        raise ValueError("content_layers must name at least one layer")
    if len(style_weights) != len(style_layers):
        raise ValueError(
            f"style_weights has {len(style_weights)} weights for {len(style_layers)} style_layers"
        )
    require_layers("feats_x", feats_x, content_layers)
    require_layers("feats_c", feats_c, content_layers)
    content = sum(content_loss(feats_x[layer], feats_c[layer]) for layer in content_layers)
    style = style_loss(feats_x, feats_s, dict(zip(style_layers, style_weights, strict=True)))
    return alpha * content + beta * style


def total_variation_loss(img):
    """d2l's total variation: the mean absolute difference of neighbouring pixels.

    TV = 0.5 * (mean |img[..., i+1, j] - img[..., i, j]| + mean |img[..., i, j+1] - img[..., i, j]|)

    (d2l.ai, section 14.12.5.3.) cs231n's ``tv_loss`` sums *squared* differences
    instead, times its ``tv_weight``.

    Args:
        img: floating-point tensor (B, C, H, W) with H >= 2 and W >= 2.

    Returns:
        0-d tensor of the dtype of ``img``: 0 for a constant image.

    Raises:
        TypeError: ``img`` is not a floating-point tensor.
        ValueError: it is not 4-D, is smaller than 2 x 2, or is not finite.
    """
    require_finite_tensors(img=img)
    require_rank("img", img, 4, "(B, C, H, W)")
    if img.shape[2] < 2 or img.shape[3] < 2 or img.shape[:2].numel() == 0:
        raise ValueError(f"img must be at least 2 x 2 pixels, got shape {tuple(img.shape)}")
    vertical = (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean()
    horizontal = (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean()
    return 0.5 * (vertical + horizontal)


def stylize(
    content,
    style,
    extractor,
    steps,
    *,
    alpha=1.0,
    beta=600.0,
    tv_weight=1.0,
    content_layers=("relu3_1",),
    style_layers=("relu1_1", "relu2_1", "relu3_1", "relu4_1"),
    style_weights=(1.0, 4.0, 16.0, 64.0),
    lr=0.02,
    init="content",
    seed=0,
    progress=False,
):
    """Optimisation-based style transfer (Gatys et al. 2016) with Adam on the pixels.

    Minimises  perceptual_loss(x) + tv_weight * total_variation_loss(x)  over the
    image x, starting from the content image (``init="content"``) or from
    uniform noise (``init="noise"``, drawn from a generator seeded with
    ``seed``). After each of the ``steps`` Adam steps the pixels are clamped
    to [0, 1]. The default weights are close to what the notebook's
    calibration gives for ``RandomVGG(seed=0)`` on 64-pixel photographs.

    Args:
        content: floating-point tensor (1, 3, H, W), pixels in [0, 1].
        style: floating-point tensor (1, 3, H', W'), pixels in [0, 1].
        extractor: callable, image (1, 3, H, W) -> dict {layer name: features}.
        steps: int >= 0, the number of Adam steps.
        alpha, beta, content_layers, style_layers, style_weights: as in
            ``perceptual_loss``.
        tv_weight: number >= 0, the weight of ``total_variation_loss``.
        lr: Adam's learning rate, a number > 0 (pixels are in [0, 1]).
        init: ``"content"`` or ``"noise"``, where the optimisation starts.
        seed: int, seeds the noise of ``init="noise"``.
        progress: show a progress bar.

    Returns:
        ``(image, losses)``: the result, a tensor of the shape and dtype of
        ``content`` with pixels in [0, 1] and no gradient; and a list of
        ``steps`` floats, the objective before each step. ``content`` and
        ``style`` are left unchanged; with ``steps=0`` the image is the start.

    Raises:
        TypeError: an image is not a floating-point tensor, or ``extractor``
            is not callable.
        ValueError: an image is not (1, 3, H, W) with pixels in [0, 1] (a
            photograph still on the 0..255 scale, say), ``steps`` is not an
            int >= 0, a weight or ``lr`` is out of range, or ``init`` is unknown.
    """
    for name, image in (("content", content), ("style", style)):
        require_finite_tensors(**{name: image})
        require_rank(name, image, 4, "(1, 3, H, W)")
        if image.shape[:2] != (1, 3):
            raise ValueError(f"{name} must be one RGB image (1, 3, H, W), got {tuple(image.shape)}")
        require_probabilities(name, image)
    require_callable("extractor", extractor)
    require_int_at_least("steps", steps, 0)
    require_nonnegative_number("tv_weight", tv_weight)
    require_positive_number("lr", lr)
    if init not in ("content", "noise"):
        raise ValueError(f'init must be "content" or "noise", got {init!r}')
    with torch.no_grad():
        target_c = extractor(content)
        target_s = extractor(style)
    if init == "content":
        image = content.detach().clone()
    else:
        generator = torch.Generator().manual_seed(seed)
        image = torch.rand(content.shape, generator=generator, dtype=content.dtype)
    image.requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=lr)
    losses = []
    for _ in tqdm(range(steps), desc="stylize", unit="step", disable=not progress):
        optimizer.zero_grad()
        loss = perceptual_loss(
            extractor(image),
            target_c,
            target_s,
            alpha,
            beta,
            content_layers,
            style_layers,
            style_weights,
        ) + tv_weight * total_variation_loss(image)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            image.clamp_(0, 1)
        losses.append(loss.item())
    return image.detach(), losses
