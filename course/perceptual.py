"""Images, feature extractors, the fast style network and plots of the 04_perceptual notebook.

Nothing here computes a loss of the assignment: ``train_fast_style`` takes the
student's ``perceptual_loss`` and ``total_variation_loss`` as arguments, so the
network trains with the code the student wrote. Nothing is downloaded:

* the photographs are the two that ship with scikit-learn
  (``sklearn.datasets.load_sample_images``: a temple in China and a flower);
* the style image is painted here, from a seed (``brushstrokes``);
* the default feature extractor, ``RandomVGG``, is a VGG-style network whose
  weights are drawn from a seed. Random convolutional features carry texture
  statistics (Ustyuzhaninov et al. 2016; He, Wang and Hopcroft 2016).
  ``imagenet_vgg19()`` uses torchvision's ImageNet VGG-19 instead, only when
  torchvision is installed and the weights are already in the torch cache.

Shipped to students with the notebooks.
"""

import math
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from course.checks import (
    require_finite_tensors,
    require_int_at_least,
    require_positive_number,
    require_rank,
)
from course.notebook import one_thread

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "RECIPE",
    "VGG19_LAYERS",
    "RandomVGG",
    "TorchvisionVGG",
    "TransformNet",
    "brushstrokes",
    "gaussian_blur",
    "imagenet_vgg19",
    "imagenet_vgg19_file",
    "plot_losses",
    "random_views",
    "require_feature_maps",
    "require_layers",
    "sample_photo",
    "seconds_per_call",
    "show_images",
    "train_fast_style",
]

#: The per-channel mean and standard deviation of ImageNet's pixels, which VGG expects.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: The settings of the notebook and of its quality test, tuned for ``RandomVGG(seed=0)``:
#: 64-pixel photographs; the content term at relu3_1, the style term at the four layers with
#: weights growing like C**2; alpha and beta set so that the content term of a 50/50 blend
#: is ``content_share`` and the style term of the photograph ``style_share``.
RECIPE = {
    "height": 64,
    "content_layers": ("relu3_1",),
    "style_layers": ("relu1_1", "relu2_1", "relu3_1", "relu4_1"),
    "style_weights": (1.0, 4.0, 16.0, 64.0),
    "content_share": 5.0,
    "style_share": 30.0,
    "tv_weight": 10.0,
    "lr": 0.02,
    "steps": 200,
    "fast_steps": 500,
    "fast_lr": 3e-3,
    "batch_size": 2,
    "crop": None,
}

#: scikit-learn's sample photographs by the names the notebook uses.
PHOTOS = {"temple": "china.jpg", "flower": "flower.jpg"}


# --- argument checks of feature maps ------------------------------------------------------------


def require_feature_maps(name, features):
    """Raise unless ``features`` is a finite float tensor (B, C, H, W) with C, H, W > 0."""
    require_finite_tensors(**{name: features})
    require_rank(name, features, 4, "(B, C, H, W)")
    if features.shape[1] == 0 or features.shape[2] * features.shape[3] == 0:
        raise ValueError(
            f"{name} needs a channel and a position, got shape {tuple(features.shape)}"
        )


def require_layers(name, feats, layers):
    """Raise unless ``feats`` is a dict ``{layer name: tensor}`` with every layer of ``layers``."""
    if not isinstance(feats, dict):
        raise TypeError(f"{name} must be a dict {{layer name: tensor}}, got {type(feats).__name__}")
    missing = [layer for layer in layers if layer not in feats]
    if missing:
        raise ValueError(f"{name} has no layer {missing}; it holds {sorted(feats)}")


# --- images ---------------------------------------------------------------------------------------


def sample_photo(name, height=64):
    """One of scikit-learn's two sample photographs as a (1, 3, height, W) tensor in [0, 1].

    ``name`` is ``"temple"`` (china.jpg) or ``"flower"`` (flower.jpg), both
    427 x 640 pixels; the photograph is shrunk (with antialiasing) to
    ``height`` rows, keeping its aspect ratio.
    """
    from sklearn.datasets import load_sample_images

    if name not in PHOTOS:
        raise ValueError(f"name must be one of {sorted(PHOTOS)}, got {name!r}")
    require_int_at_least("height", height, 8)
    bunch = load_sample_images()
    index = [Path(f).name for f in bunch.filenames].index(PHOTOS[name])
    pixels = torch.tensor(bunch.images[index], dtype=torch.float32).permute(2, 0, 1)[None] / 255
    width = round(pixels.shape[-1] * height / pixels.shape[-2])
    small = F.interpolate(pixels, size=(height, width), mode="bilinear", antialias=True)
    return small.clamp(0, 1)


#: The palette of ``brushstrokes``: night blues, a deep navy, a pale and a warm yellow.
PALETTE = ((0.98, 0.80, 0.20), (0.12, 0.25, 0.60), (0.05, 0.10, 0.30), (0.40, 0.60, 0.90))
PALETTE += ((0.90, 0.90, 0.70),)


def brushstrokes(height, width, seed=0, stroke_width=2.5, stroke_length=(8.0, 16.0)):
    """A procedural painting: short strokes swirling around the centre, in night-sky colours.

    Each stroke is an ellipse of half-length drawn from ``stroke_length`` and
    half-width ``stroke_width`` pixels, turned along circles around the centre
    (with a ripple), painted in one colour of ``PALETTE`` over the previous
    ones: a seeded stand-in for an expressionist night sky. Returns a
    (1, 3, height, width) tensor in [0, 1].
    """
    require_int_at_least("height", height, 8)
    require_int_at_least("width", width, 8)
    generator = torch.Generator().manual_seed(seed)
    count = height * width // 50
    centres = torch.rand(count, 2, generator=generator) * torch.tensor([height, width])
    low, high = stroke_length
    lengths = low + (high - low) * torch.rand(count, generator=generator)
    palette = torch.tensor(PALETTE)
    colours = palette[torch.randint(0, len(palette), (count,), generator=generator)]
    rows, cols = torch.meshgrid(
        torch.arange(height, dtype=torch.float32),
        torch.arange(width, dtype=torch.float32),
        indexing="ij",
    )
    canvas = torch.full((3, height, width), 0.1)
    for (y, x), length, colour in zip(centres.tolist(), lengths.tolist(), colours, strict=True):
        angle = math.atan2(y - height / 2, x - width / 2) + math.pi / 2 + 0.4 * math.sin(x / 9)
        dy, dx = rows - y, cols - x
        along = dx * math.cos(angle) + dy * math.sin(angle)
        across = -dx * math.sin(angle) + dy * math.cos(angle)
        inside = (along / length) ** 2 + (across / stroke_width) ** 2 < 1
        canvas[:, inside] = colour[:, None]
    return canvas[None]


def gaussian_blur(image, sigma):
    """``image`` (B, C, H, W) blurred by a Gaussian of standard deviation ``sigma`` pixels.

    A separable convolution with a kernel of radius ``ceil(3 sigma)``; the
    borders are reflected, so a constant image stays constant.
    """
    require_positive_number("sigma", sigma)
    radius = math.ceil(3 * sigma)
    offsets = torch.arange(-radius, radius + 1, dtype=image.dtype)
    kernel = torch.exp(-(offsets**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    channels = image.shape[1]
    out = F.pad(image, (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(out, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(out, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def random_views(photo, count, generator, size=None):
    """``count`` augmented views of ``photo`` (1, 3, H, W): the fast network's training data.

    Each view is a random window of the photograph, mirrored left-right half
    of the time. With ``size=None`` the window covers 75% to 100% of the
    photograph's height and width and is resized back to (H, W); with
    ``size`` it is a square of ``size`` pixels cut from the photograph
    rescaled by a factor in [0.8, 1.25]. Returns (count, 3, H, W) or
    (count, 3, size, size), pixels in [0, 1].
    """
    height, width = photo.shape[-2:]
    views = []
    for _ in range(count):
        draw = torch.rand(4, generator=generator).tolist()
        if size is None:
            rows, cols = (
                round(height * (0.75 + 0.25 * draw[0])),
                round(width * (0.75 + 0.25 * draw[0])),
            )
            top, left = round((height - rows) * draw[1]), round((width - cols) * draw[2])
            window = photo[..., top : top + rows, left : left + cols]
            view = F.interpolate(window, size=(height, width), mode="bilinear", antialias=True)
        else:
            scale = 0.8 + 0.45 * draw[0]
            rows = max(size, round(height * scale))
            cols = max(size, round(width * rows / height))
            scaled = F.interpolate(photo, size=(rows, cols), mode="bilinear", antialias=True)
            top, left = round((rows - size) * draw[1]), round((cols - size) * draw[2])
            view = scaled[..., top : top + size, left : left + size]
        views.append(view.flip(-1) if draw[3] < 0.5 else view)
    return torch.cat(views).clamp(0, 1)


# --- feature extractors ---------------------------------------------------------------------------


class RandomVGG(nn.Module):
    """A VGG-style feature extractor with fixed, seeded random weights (no training, no download).

    ``len(widths)`` blocks; block k is a 3x3 convolution (zero padding, as in
    VGG) with ``widths[k-1]`` output channels followed by a ReLU, whose output
    is the layer ``relu{k}_1``; a 2x2 pooling (``"avg"`` or ``"max"``) sits
    between blocks. Weights are Gaussian with He's standard deviation
    ``gain * sqrt(2 / fan_in)``, biases are 0, everything drawn from a
    generator seeded with ``seed``. Input pixels in [0, 1] are normalised with
    ImageNet's mean and standard deviation, like VGG's.

    The image is padded by ``margin`` pixels (reflected, or repeated when the
    image is too small to reflect) before the first layer, and each layer's
    maps are cropped back to the image's own area: the zero padding of the
    convolutions then happens outside the picture, where an optimiser could
    otherwise paint a frame along the edges.

    ``forward(image)`` returns ``{layer name: features (B, C, H_k, W_k)}`` for
    every layer, ``H_k = H // 2**(k-1)``; ``layers`` lists the names,
    ``channels`` maps them to C. The parameters never require gradients.
    """

    def __init__(self, widths=(32, 64, 128, 256), seed=0, pool="avg", gain=1.0, margin=8):
        super().__init__()
        if pool not in ("avg", "max"):
            raise ValueError(f'pool must be "avg" or "max", got {pool!r}')
        if margin % 2 ** (len(widths) - 1):
            raise ValueError(f"margin must be a multiple of {2 ** (len(widths) - 1)}, got {margin}")
        generator = torch.Generator().manual_seed(seed)
        self.pool = pool
        self.margin = margin
        self.convs = nn.ModuleList()
        self.layers = []
        self.channels = {}
        before = 3
        for block, width in enumerate(widths, start=1):
            conv = nn.Conv2d(before, width, kernel_size=3, padding=1)
            std = gain * math.sqrt(2.0 / (before * 9))
            with torch.no_grad():
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * std)
                conv.bias.zero_()
            self.convs.append(conv)
            name = f"relu{block}_1"
            self.layers.append(name)
            self.channels[name] = width
            before = width
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    def forward(self, image):
        x = (image - self.mean.to(image.dtype)) / self.std.to(image.dtype)
        margin = self.margin
        if margin:
            mode = "reflect" if margin < min(image.shape[-2:]) else "replicate"
            x = F.pad(x, (margin, margin, margin, margin), mode=mode)
        features = {}
        for index, (name, conv) in enumerate(zip(self.layers, self.convs, strict=True)):
            if index:
                x = F.avg_pool2d(x, 2) if self.pool == "avg" else F.max_pool2d(x, 2)
            x = F.relu(F.conv2d(x, conv.weight.to(x.dtype), conv.bias.to(x.dtype), padding=1))
            crop = margin >> index
            features[name] = x[..., crop : x.shape[-2] - crop, crop : x.shape[-1] - crop]
        return features


#: Where torchvision's VGG-19 keeps each layer the notebook uses (indices into ``features``).
VGG19_LAYERS = {"relu1_1": 1, "relu2_1": 6, "relu3_1": 11, "relu4_1": 20, "relu4_2": 22}

#: The file name of torchvision's ImageNet weights of VGG-19 (``VGG19_Weights.IMAGENET1K_V1``).
VGG19_FILE = "vgg19-dcbb9e9d.pth"


class TorchvisionVGG(nn.Module):
    """torchvision's VGG-19 (convolutional part) as an extractor with ``RandomVGG``'s interface.

    ``state_dict`` (optional) holds VGG-19's weights, ImageNet's for style
    transfer; without it the weights are torchvision's random initialisation
    (for tests). Needs torchvision; never downloads anything.
    """

    def __init__(self, state_dict=None, layers=VGG19_LAYERS):
        super().__init__()
        import torchvision

        model = torchvision.models.vgg19(weights=None)
        if state_dict is not None:
            model.load_state_dict(state_dict)
        last = max(layers.values())
        self.body = model.features[: last + 1]
        for module in self.body:
            if isinstance(module, nn.ReLU):
                module.inplace = False  # the maps we hand out must not change afterwards
        self.index = dict(layers)
        self.layers = list(layers)
        self.channels = {
            name: next(
                m.out_channels for m in reversed(self.body[: i + 1]) if isinstance(m, nn.Conv2d)
            )
            for name, i in layers.items()
        }
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    def forward(self, image):
        x = (image - self.mean) / self.std
        wanted = {i: name for name, i in self.index.items()}
        features = {}
        for i, module in enumerate(self.body):
            x = module(x)
            if i in wanted:
                features[wanted[i]] = x
        return features


def imagenet_vgg19_file():
    """The path of VGG-19's ImageNet weights in the torch cache; None without them or torchvision.

    Looks in ``torch.hub.get_dir()/checkpoints``, where torchvision saves
    them; nothing is downloaded.
    """
    import importlib.util

    if importlib.util.find_spec("torchvision") is None:
        return None
    path = Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE
    return path if path.is_file() else None


def imagenet_vgg19():
    """VGG-19 with ImageNet weights from the torch cache, as an extractor (``TorchvisionVGG``).

    Raises:
        FileNotFoundError: torchvision is not installed or the weights are not
            in the cache (this function never downloads them).
    """
    path = imagenet_vgg19_file()
    if path is None:
        raise FileNotFoundError(
            f"VGG-19's ImageNet weights ({VGG19_FILE}) are not in the torch cache "
            f"({Path(torch.hub.get_dir()) / 'checkpoints'}), or torchvision is not installed; "
            "the course never downloads them: use RandomVGG()"
        )
    return TorchvisionVGG(torch.load(path, map_location="cpu", weights_only=True))


# --- the fast style network (Johnson, Alahi and Fei-Fei 2016) -----------------------------------


class _ConvLayer(nn.Sequential):
    """[2x nearest upsampling], reflection padding, a convolution, instance norm, [ReLU]."""

    def __init__(self, before, after, kernel, stride=1, relu=True, upsample=False):
        layers = [nn.Upsample(scale_factor=2, mode="nearest")] if upsample else []
        layers += [
            nn.ReflectionPad2d(kernel // 2),
            nn.Conv2d(before, after, kernel, stride),
            nn.InstanceNorm2d(after, affine=True),
        ]
        if relu:
            layers.append(nn.ReLU())
        super().__init__(*layers)


class _ResidualBlock(nn.Module):
    """x + (conv, instance norm, ReLU, conv, instance norm)(x), widths kept."""

    def __init__(self, width):
        super().__init__()
        self.body = nn.Sequential(
            _ConvLayer(width, width, 3), _ConvLayer(width, width, 3, relu=False)
        )

    def forward(self, x):
        return x + self.body(x)


class TransformNet(nn.Module):
    """The image transformation network of Johnson et al. (2016), scaled down.

    A 9x9 convolution; two stride-2 3x3 convolutions (down to a quarter of
    the resolution); ``blocks`` residual blocks; two upsampling layers
    (nearest neighbour then a 3x3 convolution, as in PyTorch's
    fast-neural-style example, which avoids the checkerboard artefacts of
    transposed convolutions); instance normalisation (Ulyanov et al. 2016)
    after every one of those convolutions. The output layer differs from
    Johnson's single 9x9 convolution: a 3x3 convolution sees the upsampled
    features *and the input pixels*, then a 1x1 convolution and a sigmoid
    give RGB in (0, 1). The input skip lets a network trained for a few
    hundred steps keep the outline of the photograph. Height and width of the
    input should be multiples of 4.
    """

    def __init__(self, widths=(16, 32, 32), blocks=2):
        super().__init__()
        small, middle, large = widths
        self.body = nn.Sequential(
            _ConvLayer(3, small, 9),
            _ConvLayer(small, middle, 3, stride=2),
            _ConvLayer(middle, large, 3, stride=2),
            *[_ResidualBlock(large) for _ in range(blocks)],
            _ConvLayer(large, middle, 3, upsample=True),
            _ConvLayer(middle, small, 3, upsample=True),
        )
        self.head = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(small + 3, small, 3),
            nn.ReLU(),
            nn.Conv2d(small, 3, 1),
        )

    def forward(self, image):
        return torch.sigmoid(self.head(torch.cat([self.body(image), image], dim=1)))


def train_fast_style(
    net,
    photo,
    style,
    extractor,
    perceptual_loss,
    total_variation_loss,
    steps,
    *,
    alpha,
    beta,
    tv_weight,
    content_layers,
    style_layers,
    style_weights,
    crop=None,
    batch_size=2,
    lr=2e-3,
    seed=0,
    progress=True,
):
    """Train ``net`` for one style on augmented views of one photograph (Johnson et al. 2016).

    Each step draws ``batch_size`` views of ``photo`` (``random_views``, whole
    photographs when ``crop`` is None, else squares of ``crop`` pixels),
    passes them through ``net`` and takes a step of Adam on

        perceptual_loss(extractor(out), extractor(views), style features,
                        alpha, beta, content_layers, style_layers, style_weights)
        + tv_weight * total_variation_loss(out)

    where the views are their own content targets and the style image's
    features (computed once, expanded to the batch) are the style target.

    Args:
        net: a ``TransformNet`` (trained in place, left in eval mode).
        photo: (1, 3, H, W) in [0, 1]; style: (1, 3, H', W') in [0, 1].
        extractor: the feature extractor (its parameters stay fixed).
        perceptual_loss, total_variation_loss: the loss functions to train with.
        steps: number of Adam steps; the other arguments as named.

    Returns:
        List of ``steps`` floats: the objective at each step.
    """
    require_int_at_least("steps", steps, 0)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        style_features = {
            name: value.expand(batch_size, *value.shape[1:])
            for name, value in extractor(style).items()
        }
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    history = []
    with one_thread():
        for _ in (bar := tqdm(range(steps), desc="training", unit="step", disable=not progress)):
            views = random_views(photo, batch_size, generator, size=crop)
            with torch.no_grad():
                targets = extractor(views)
            out = net(views)
            loss = perceptual_loss(
                extractor(out),
                targets,
                style_features,
                alpha,
                beta,
                content_layers,
                style_layers,
                style_weights,
            ) + tv_weight * total_variation_loss(out)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss.item())
            bar.set_postfix(loss=f"{history[-1]:.3g}")
    net.eval()
    return history


# --- timing and plots -----------------------------------------------------------------------------


def seconds_per_call(function, repeats=5):
    """The shortest wall time of ``repeats`` calls of ``function()``, in seconds."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _pixels(image):
    image = image.detach().cpu().float()
    if image.dim() == 4:
        image = image[0]
    return image.clamp(0, 1).permute(1, 2, 0).numpy()


def show_images(images, titles=None, size=2.8, suptitle=None):
    """Show RGB images ((1, 3, H, W) or (3, H, W) tensors in [0, 1]) side by side."""
    images = list(images)
    titles = list(titles) if titles is not None else [""] * len(images)
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images) * 1.35, size + 0.4))
    axes = [axes] if len(images) == 1 else list(axes)
    for axis, image, title in zip(axes, images, titles, strict=True):
        axis.imshow(_pixels(image), interpolation="nearest")
        axis.set_title(title, fontsize=9)
        axis.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_losses(curves, title="", ylabel="objective", log=True):
    """Plot ``{label: list of losses}`` against the step, on a log scale by default."""
    fig, axis = plt.subplots(figsize=(6.5, 3.2))
    for label, values in curves.items():
        axis.plot(range(1, len(values) + 1), values, label=label)
    if log:
        axis.set_yscale("log")
    axis.set(xlabel="step", ylabel=ylabel, title=title)
    axis.legend()
    fig.tight_layout()
    return fig
