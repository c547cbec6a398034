"""Answers to 04_perceptual: mistakes, right answers written otherwise, plain ones, the demo.

Mistakes are mutations of the solution where the slip is one expression
(``Edit``), and whole functions where a student would write something else.
Plain answers are what a student writes in a few lines with ``F.mse_loss``,
``torch.einsum`` or ``torch.diff`` and no argument checks. ``style_loss``
calls ``gram_matrix``, ``perceptual_loss`` calls ``content_loss`` and
``style_loss``, ``stylize`` calls ``perceptual_loss`` and
``total_variation_loss``: their test cells grade with the answer key's callees
in place of the student's, and the ``cross`` answers check that a wrong
callee costs points on its own test only.
"""

import torch

from answers import UNATTEMPTED, Edit, correct, cross, mistake, plain, unattempted

ASSIGNMENT = "04_perceptual"

_GRAM = "return flat @ flat.transpose(1, 2) / (channels * height * width)"
_TERM = "terms.append(weight * (gram_x - gram_s).pow(2).mean())"
_CONTENT_SUM = (
    "content = sum(content_loss(feats_x[layer], feats_c[layer]) for layer in content_layers)"
)
_PAIRS = "dict(zip(style_layers, style_weights, strict=True))"
_VERTICAL = "vertical = (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean()"
_HORIZONTAL = "horizontal = (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean()"
_TARGETS = "target_c = extractor(content)\n        target_s = extractor(style)"

#: A right style_loss as a student writes it: a loop, F.mse_loss, calls gram_matrix.
STYLE_PLAIN = """
def style_loss(feats_x, feats_s, weights):
    total = 0
    for layer, weight in weights.items():
        target = gram_matrix(feats_s[layer]).detach()
        total = total + weight * F.mse_loss(gram_matrix(feats_x[layer]), target)
    return total
"""

#: A right perceptual_loss as a student writes it: calls content_loss and style_loss.
PERCEPTUAL_PLAIN = """
def perceptual_loss(
    feats_x, feats_c, feats_s, alpha, beta, content_layers, style_layers, style_weights
):
    content = 0
    for layer in content_layers:
        content = content + content_loss(feats_x[layer], feats_c[layer])
    weights = {layer: w for layer, w in zip(style_layers, style_weights)}
    return alpha * content + beta * style_loss(feats_x, feats_s, weights)
"""

#: A right stylize as a student writes it: no checks, x.data.clamp_.
STYLIZE_PLAIN = """
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
    with torch.no_grad():
        fc, fs = extractor(content), extractor(style)
    if init == "noise":
        x = torch.rand(content.shape, generator=torch.Generator().manual_seed(seed))
    else:
        x = content.clone()
    x.requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = perceptual_loss(
            extractor(x), fc, fs, alpha, beta, content_layers, style_layers, style_weights
        )
        loss = loss + tv_weight * total_variation_loss(x)
        loss.backward()
        opt.step()
        x.data.clamp_(0, 1)
        losses.append(loss.item())
    return x.detach(), losses
"""

ANSWERS = [
    # --- content_loss ----------------------------------------------------------------------------
    mistake("content_sums", "content_loss", Edit(".pow(2).mean()", ".pow(2).sum()")),
    mistake("content_target_not_detached", "content_loss", Edit("feat_c.detach()", "feat_c")),
    mistake("content_half_mse", "content_loss", Edit("return (feat_x", "return 0.5 * (feat_x")),
    mistake("content_absolute_values", "content_loss", Edit(".pow(2).mean()", ".abs().mean()")),
    mistake(
        "content_root_mean_square", "content_loss", Edit(".pow(2).mean()", ".pow(2).mean().sqrt()")
    ),
    mistake(
        "content_mean_over_images_only",
        "content_loss",
        """
def content_loss(feat_x, feat_c):
    return ((feat_x - feat_c.detach()) ** 2).sum(dim=(1, 2, 3)).mean()
""",
    ),
    mistake(
        "content_mse_loss_without_detach",
        "content_loss",
        """
def content_loss(feat_x, feat_c):
    return F.mse_loss(feat_x, feat_c)
""",
    ),
    mistake("content_in_float32", "content_loss", Edit(".pow(2).mean()", ".pow(2).mean().float()")),
    plain(
        "content_plain_mse_loss",
        "content_loss",
        """
def content_loss(feat_x, feat_c):
    return F.mse_loss(feat_x, feat_c.detach())
""",
    ),
    plain(
        "content_plain_sum_over_numel",
        "content_loss",
        """
def content_loss(feat_x, feat_c):
    diff = feat_x - feat_c.detach()
    return (diff * diff).sum() / diff.numel()
""",
    ),
    correct(
        "content_without_checks",
        "content_loss",
        [
            Edit('    require_feature_maps("feat_x", feat_x)\n', ""),
            Edit('    require_feature_maps("feat_c", feat_c)\n', ""),
            Edit('    require_same_shape("feat_c", feat_c, "feat_x", feat_x)\n', ""),
        ],
    ),
    # --- gram_matrix -----------------------------------------------------------------------------
    mistake("gram_not_normalised", "gram_matrix", Edit(" / (channels * height * width)", "")),
    mistake(
        "gram_divides_by_positions_only",
        "gram_matrix",
        Edit("/ (channels * height * width)", "/ (height * width)"),
    ),
    mistake(
        "gram_divides_by_channels_only",
        "gram_matrix",
        Edit("/ (channels * height * width)", "/ channels"),
    ),
    mistake(
        "gram_wrong_transpose",
        "gram_matrix",
        Edit("flat @ flat.transpose(1, 2)", "flat.transpose(1, 2) @ flat"),
    ),
    mistake(
        "gram_divides_by_the_batch_too",
        "gram_matrix",
        Edit("/ (channels * height * width)", "/ (batch * channels * height * width)"),
    ),
    mistake(
        "gram_folds_the_batch_into_channels",
        "gram_matrix",
        """
def gram_matrix(features):
    b, c, h, w = features.size()
    f = features.view(b * c, h * w)
    return torch.mm(f, f.t()).div(b * c * h * w)
""",
    ),
    mistake(
        "gram_in_float32",
        "gram_matrix",
        Edit("flat = features.reshape", "flat = features.float().reshape"),
    ),
    plain(
        "gram_plain_einsum",
        "gram_matrix",
        """
def gram_matrix(features):
    b, c, h, w = features.shape
    return torch.einsum("bchw,bdhw->bcd", features, features) / (c * h * w)
""",
    ),
    plain(
        "gram_plain_loop_over_images",
        "gram_matrix",
        """
def gram_matrix(features):
    grams = []
    for image in features:
        f = image.flatten(1)
        grams.append(f @ f.T / image.numel())
    return torch.stack(grams)
""",
    ),
    correct(
        "gram_bmm_and_div",
        "gram_matrix",
        """
def gram_matrix(features):
    require_feature_maps("features", features)
    b, ch, h, w = features.size()
    f = features.view(b, ch, w * h)
    return f.bmm(f.transpose(1, 2)).div(ch * h * w)
""",
    ),
    # --- style_loss ------------------------------------------------------------------------------
    mistake(
        "style_ignores_weights",
        "style_loss",
        Edit(_TERM, "terms.append((gram_x - gram_s).pow(2).mean())"),
    ),
    mistake(
        "style_sums_squared_differences",
        "style_loss",
        Edit(_TERM, "terms.append(weight * (gram_x - gram_s).pow(2).sum())"),
    ),
    mistake(
        "style_compares_features",
        "style_loss",
        """
def style_loss(feats_x, feats_s, weights):
    return sum(w * F.mse_loss(feats_x[layer], feats_s[layer]) for layer, w in weights.items())
""",
    ),
    mistake(
        "style_target_not_detached",
        "style_loss",
        Edit("gram_matrix(feats_s[layer]).detach()", "gram_matrix(feats_s[layer])"),
    ),
    mistake(
        "style_every_layer_of_feats_x",
        "style_loss",
        """
def style_loss(feats_x, feats_s, weights):
    total = 0
    for layer in feats_x:
        target = gram_matrix(feats_s[layer]).detach()
        total = total + weights.get(layer, 1.0) * F.mse_loss(gram_matrix(feats_x[layer]), target)
    return total
""",
    ),
    mistake(
        "style_averages_the_layers",
        "style_loss",
        Edit("return torch.stack(terms).sum()", "return torch.stack(terms).mean()"),
    ),
    mistake(
        "style_root_mean_square",
        "style_loss",
        Edit(_TERM, "terms.append(weight * (gram_x - gram_s).pow(2).mean().sqrt())"),
    ),
    plain("style_plain_loop", "style_loss", STYLE_PLAIN),
    plain(
        "style_plain_einsum_inline",
        "style_loss",
        """
def style_loss(feats_x, feats_s, weights):
    def gram(f):
        return torch.einsum("bchw,bdhw->bcd", f, f) / f[0].numel()

    return sum(
        w * ((gram(feats_x[k]) - gram(feats_s[k]).detach()) ** 2).mean() for k, w in weights.items()
    )
""",
    ),
    # --- perceptual_loss -------------------------------------------------------------------------
    mistake(
        "perceptual_alpha_and_beta_swapped",
        "perceptual_loss",
        Edit("return alpha * content + beta * style", "return beta * content + alpha * style"),
    ),
    mistake(
        "perceptual_ignores_style_weights",
        "perceptual_loss",
        Edit(_PAIRS, "dict.fromkeys(style_layers, 1.0)"),
    ),
    mistake(
        "perceptual_weights_reversed",
        "perceptual_loss",
        Edit(_PAIRS, "dict(zip(style_layers, reversed(style_weights)))"),
    ),
    mistake(
        "perceptual_averages_content_layers",
        "perceptual_loss",
        Edit(_CONTENT_SUM, _CONTENT_SUM + " / len(content_layers)"),
    ),
    mistake(
        "perceptual_first_content_layer_only",
        "perceptual_loss",
        Edit(
            _CONTENT_SUM,
            "content = content_loss(feats_x[content_layers[0]], feats_c[content_layers[0]])",
        ),
    ),
    mistake(
        "perceptual_content_against_the_style",
        "perceptual_loss",
        Edit(
            "content_loss(feats_x[layer], feats_c[layer])",
            "content_loss(feats_x[layer], feats_s[layer])",
        ),
    ),
    mistake(
        "perceptual_forgets_beta",
        "perceptual_loss",
        Edit("return alpha * content + beta * style", "return alpha * content + style"),
    ),
    plain("perceptual_plain_calls", "perceptual_loss", PERCEPTUAL_PLAIN),
    plain(
        "perceptual_plain_inline",
        "perceptual_loss",
        """
def perceptual_loss(
    feats_x, feats_c, feats_s, alpha, beta, content_layers, style_layers, style_weights
):
    loss = 0
    for layer in content_layers:
        loss = loss + alpha * F.mse_loss(feats_x[layer], feats_c[layer].detach())
    for layer, w in zip(style_layers, style_weights):
        g_x, g_s = gram_matrix(feats_x[layer]), gram_matrix(feats_s[layer]).detach()
        loss = loss + beta * w * F.mse_loss(g_x, g_s)
    return loss
""",
    ),
    # --- total_variation_loss --------------------------------------------------------------------
    mistake(
        "tv_squared_differences",
        "total_variation_loss",
        [
            Edit(_VERTICAL, _VERTICAL.replace(".abs()", ".pow(2)")),
            Edit(_HORIZONTAL, _HORIZONTAL.replace(".abs()", ".pow(2)")),
        ],
    ),
    mistake(
        "tv_sums_differences",
        "total_variation_loss",
        [
            Edit(_VERTICAL, _VERTICAL.replace(".mean()", ".sum()")),
            Edit(_HORIZONTAL, _HORIZONTAL.replace(".mean()", ".sum()")),
        ],
    ),
    mistake(
        "tv_forgets_the_half",
        "total_variation_loss",
        Edit("return 0.5 * (vertical + horizontal)", "return vertical + horizontal"),
    ),
    mistake(
        "tv_one_direction",
        "total_variation_loss",
        Edit("return 0.5 * (vertical + horizontal)", "return vertical"),
    ),
    mistake(
        "tv_one_mean_for_both_directions",
        "total_variation_loss",
        """
def total_variation_loss(img):
    dv = (img[:, :, 1:, :] - img[:, :, :-1, :]).abs()
    dh = (img[:, :, :, 1:] - img[:, :, :, :-1]).abs()
    return (dv.sum() + dh.sum()) / (dv.numel() + dh.numel())
""",
    ),
    mistake(
        "tv_differences_across_channels",
        "total_variation_loss",
        Edit(_HORIZONTAL, "horizontal = (img[:, 1:] - img[:, :-1]).abs().mean()"),
    ),
    mistake(
        "tv_cs231n_formula",
        "total_variation_loss",
        """
def total_variation_loss(img):
    vertical = torch.sum((img[:, :, 1:, :] - img[:, :, :-1, :]) ** 2)
    horizontal = torch.sum((img[:, :, :, 1:] - img[:, :, :, :-1]) ** 2)
    return vertical + horizontal
""",
    ),
    plain(
        "tv_plain_diff",
        "total_variation_loss",
        """
def total_variation_loss(img):
    return 0.5 * (img.diff(dim=2).abs().mean() + img.diff(dim=3).abs().mean())
""",
    ),
    plain(
        "tv_plain_l1_loss",
        "total_variation_loss",
        """
def total_variation_loss(img):
    down = F.l1_loss(img[:, :, 1:], img[:, :, :-1])
    right = F.l1_loss(img[..., 1:], img[..., :-1])
    return (down + right) / 2
""",
    ),
    # --- stylize ---------------------------------------------------------------------------------
    mistake(
        "stylize_optimises_the_content_in_place",
        "stylize",
        Edit("image = content.detach().clone()", "image = content"),
    ),
    mistake(
        "stylize_no_clamp",
        "stylize",
        Edit("        with torch.no_grad():\n            image.clamp_(0, 1)\n", ""),
    ),
    mistake(
        "stylize_fixed_number_of_steps",
        "stylize",
        Edit("for _ in tqdm(range(steps),", "for _ in tqdm(range(50),"),
    ),
    mistake(
        "stylize_always_from_noise",
        "stylize",
        Edit('if init == "content":', 'if init == "photo":'),
    ),
    mistake(
        "stylize_unseeded_noise",
        "stylize",
        Edit(
            "torch.rand(content.shape, generator=generator, dtype=content.dtype)",
            "torch.rand(content.shape, dtype=content.dtype)",
        ),
    ),
    mistake(
        "stylize_gradient_ascent",
        "stylize",
        Edit("        loss.backward()\n", "        (-loss).backward()\n"),
    ),
    mistake(
        "stylize_content_and_style_swapped",
        "stylize",
        Edit(_TARGETS, "target_c = extractor(style)\n        target_s = extractor(content)"),
    ),
    # Argument checks: the optimisation is right, only the errors cell is lost.
    mistake(
        "stylize_checks_the_content_only",
        "stylize",
        Edit(
            'for name, image in (("content", content), ("style", style)):',
            'for name, image in (("content", content),):',
        ),
        loses=["test_stylize_errors"],
    ),
    correct(
        "stylize_without_checks",
        "stylize",
        Edit("        require_probabilities(name, image)\n", ""),
        loses=["test_stylize_errors"],
    ),
    plain("stylize_plain", "stylize", STYLIZE_PLAIN, loses=["test_stylize_errors"]),
    unattempted("stylize"),
    # --- Across cells: a right function that calls a wrong or missing one loses the callee's
    # test only (the caller's test grades with the answer key's callee in its place).
    cross(
        "wrong_gram_used_by_a_plain_style_loss",
        {"gram_matrix": Edit(" / (channels * height * width)", ""), "style_loss": STYLE_PLAIN},
        loses=["test_gram_matrix"],
    ),
    cross(
        "missing_gram_used_by_a_plain_style_loss",
        {"gram_matrix": UNATTEMPTED, "style_loss": STYLE_PLAIN},
        loses=["test_gram_matrix"],
    ),
    cross(
        "wrong_content_loss_used_by_a_plain_perceptual_loss",
        {
            "content_loss": Edit(".pow(2).mean()", ".pow(2).sum()"),
            "perceptual_loss": PERCEPTUAL_PLAIN,
        },
        loses=["test_content_loss"],
    ),
    cross(
        "wrong_style_loss_used_by_a_plain_perceptual_loss",
        {
            "style_loss": Edit(_TERM, "terms.append((gram_x - gram_s).pow(2).mean())"),
            "perceptual_loss": PERCEPTUAL_PLAIN,
        },
        loses=["test_style_loss"],
    ),
    cross(
        "wrong_perceptual_loss_used_by_a_plain_stylize",
        {
            "perceptual_loss": Edit(
                "return alpha * content + beta * style", "return beta * content + alpha * style"
            ),
            "stylize": STYLIZE_PLAIN,
        },
        loses=["test_perceptual_loss", "test_stylize_errors"],
    ),
    cross(
        "wrong_tv_used_by_a_checked_stylize",
        {"total_variation_loss": Edit("return 0.5 * (vertical + horizontal)", "return vertical")},
        loses=["test_total_variation_loss"],
    ),
]

#: Right content loss, style loss and TV; the Gram matrix divided by H*W only; no stylize.
DEMO_STUDENT = [
    "gram_divides_by_positions_only",
    "perceptual_weights_reversed",
    "stylize_unattempted",
]


def _maps(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator, dtype=torch.float64).relu()


#: Inputs on which no helper shipped to students may reproduce an exercise's answer.
PROBES = {
    "gram_matrix": lambda: {"features": _maps((2, 4, 5, 6), 1)},
    "content_loss": lambda: {"feat_x": _maps((2, 4, 5, 6), 2), "feat_c": _maps((2, 4, 5, 6), 3)},
    "style_loss": lambda: {
        "feats_x": {"relu1_1": _maps((1, 4, 6, 6), 4), "relu2_1": _maps((1, 8, 3, 3), 5)},
        "feats_s": {"relu1_1": _maps((1, 4, 5, 7), 6), "relu2_1": _maps((1, 8, 4, 2), 7)},
        "weights": {"relu1_1": 1.0, "relu2_1": 4.0},
    },
    "total_variation_loss": lambda: {"img": _maps((2, 3, 7, 9), 8)},
}
