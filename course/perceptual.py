"""Images, feature extractors, the fast style network and plots of the 04_perceptual notebook.

Nothing here computes a loss of the assignment: ``train_fast_style`` takes the
student's ``perceptual_loss`` and ``total_variation_loss`` as arguments, so the
network trains with the code the student wrote. Nothing is downloaded:

* the photographs are the two that ship with scikit-learn
  (``sklearn.datasets.load_sample_images``: a temple in China and a flower);
  the fast style network also trains on two pictures that ship with
  matplotlib (``MATPLOTLIB_PICTURES``);
* the style image is painted here, from a seed (``brushstrokes``);
* the default feature extractor, ``RandomVGG``, is a VGG-style network whose
  weights are drawn from a seed. Random convolutional features carry texture
  statistics (Ustyuzhaninov et al. 2016; He, Wang and Hopcroft 2016).
  ``imagenet_vgg19()`` uses torchvision's ImageNet VGG-19 instead, only when
  torchvision is installed and the weights are already in the torch cache;
* the fast style network's weights ship as ``fast_style.pt``
  (``load_fast_style``), built from its seed by the course's build script.

Pictures, seeded weights and training views are the same bytes on every CPU
(8-bit pictures resampled in float64, weights drawn through float64): float32
resampling and sampling differ in their last bits between CPUs' kernels.

Shipped to students with the notebooks.
"""

import math
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from torch import nn
from tqdm.auto import tqdm

from course.checks import (
    require_int_at_least,
    require_positive_number,
)
from course.notebook import one_thread

__all__ = [
    "FAST_STYLE_CHECKPOINT",
    "FAST_STYLE_RECIPE",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "MATPLOTLIB_PICTURES",
    "RECIPE",
    "VGG19_LAYERS",
    "RandomVGG",
    "TorchvisionVGG",
    "TransformNet",
    "brushstrokes",
    "draw_perceptual_loss",
    "gaussian_blur",
    "imagenet_vgg19",
    "imagenet_vgg19_file",
    "load_fast_style",
    "plot_losses",
    "random_views",
    "sample_photo",
    "seconds_per_call",
    "show_images",
    "train_fast_style",
    "view_windows",
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
}

#: scikit-learn's sample photographs by the names the notebook uses.
PHOTOS = {"temple": "china.jpg", "flower": "flower.jpg"}
#: Pictures that ship with matplotlib (``matplotlib.cbook.get_sample_data``), by the names the
#: fast style network's recipe uses: Grace Hopper's portrait (512 x 600) and a clip-art
#: present (128 x 128).
MATPLOTLIB_PICTURES = {"portrait": "grace_hopper.jpg", "present": "Minduka_Present_Blue_Pack.png"}


# --- images ---------------------------------------------------------------------------------------


def sample_photo(name, height=64):
    """A picture that ships with scikit-learn or matplotlib as a (1, 3, height, W) tensor in [0, 1].

    ``name`` is ``"temple"`` (china.jpg) or ``"flower"`` (flower.jpg), scikit-learn's
    two sample photographs (427 x 640 pixels), or ``"portrait"`` or ``"present"``
    (``MATPLOTLIB_PICTURES``: the fast style network trains on them too). The picture
    is shrunk (with antialiasing) to ``height`` rows, keeping its aspect ratio, and
    stored with 8 bits per colour like an image file (multiples of 1/255). The
    shrinking runs in float64 before that rounding, so the pixels are the same on
    every CPU (float32 resampling differs in its last bits between CPUs' kernels).
    """
    if name not in PHOTOS and name not in MATPLOTLIB_PICTURES:
        known = sorted([*PHOTOS, *MATPLOTLIB_PICTURES])
        raise ValueError(f"name must be one of {known}, got {name!r}")
    require_int_at_least("height", height, 8)
    if name in PHOTOS:
        from sklearn.datasets import load_sample_images

        bunch = load_sample_images()
        index = [Path(f).name for f in bunch.filenames].index(PHOTOS[name])
        array = bunch.images[index]
    else:
        import numpy as np
        from matplotlib.cbook import get_sample_data
        from PIL import Image

        with get_sample_data(MATPLOTLIB_PICTURES[name]) as file:
            array = np.asarray(Image.open(file).convert("RGB"))
    pixels = torch.tensor(array, dtype=torch.float64).permute(2, 0, 1)[None] / 255
    width = round(pixels.shape[-1] * height / pixels.shape[-2])
    return _eight_bits(F.interpolate(pixels, size=(height, width), mode="bilinear", antialias=True))


def _eight_bits(image):
    """``image`` (float64, about [0, 1]) rounded to multiples of 1/255, as float32 in [0, 1].

    The float64 result of a resampling differs between CPUs by about 1e-16,
    far less than the distance to a rounding boundary, so the 8-bit values
    agree on every CPU (a disagreement needs a pixel within 1e-14 of a
    boundary: about one in 1e11 pixels).
    """
    return ((image.clamp(0, 1) * 255).round() / 255).float()


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


def view_windows(shape, count, generator, size=None):
    """The windows of ``count`` augmented views of an image of ``shape`` (..., H, W): int64.

    Each row is ``(top, left, rows, cols, flip)``: a window of ``rows x cols``
    pixels at ``(top, left)``, mirrored left-right when ``flip`` is 1. With
    ``size=None`` the window covers 75% to 100% (in whole percents) of the
    height and width; with ``size``, ``rows`` and ``cols`` give the shape of
    the photograph rescaled by 80% to 125% and the window is the ``size x
    size`` square at ``(top, left)`` in it. Integer draws only
    (``torch.randint``): the same on every CPU.
    """
    height, width = shape[-2:]
    windows = []
    for _ in range(count):
        percent, top_draw, left_draw, flip = torch.randint(
            0, 1 << 30, (4,), generator=generator
        ).tolist()
        if size is None:
            percent = 75 + percent % 26
            rows, cols = round(height * percent / 100), round(width * percent / 100)
            top, left = top_draw % (height - rows + 1), left_draw % (width - cols + 1)
        else:
            percent = 80 + percent % 46
            rows = max(size, round(height * percent / 100))
            cols = max(size, round(width * rows / height))
            top, left = top_draw % (rows - size + 1), left_draw % (cols - size + 1)
        windows.append((top, left, rows, cols, flip % 2))
    return torch.tensor(windows, dtype=torch.int64).reshape(count, 5)


def random_views(photo, count, generator, size=None):
    """``count`` augmented views of ``photo`` (1, 3, H, W): the fast network's training data.

    The windows come from ``view_windows(photo.shape, count, generator,
    size)``: with ``size=None`` each window is resized back to (H, W); with
    ``size`` the photograph is rescaled and a ``size x size`` square is cut.
    Resampled in float64 and rounded to 8 bits like ``sample_photo``: the
    views of an 8-bit photograph are the same on every CPU. Returns
    (count, 3, H, W) or (count, 3, size, size), pixels in [0, 1].
    """
    height, width = photo.shape[-2:]
    source = photo.double()
    views = []
    for top, left, rows, cols, flip in view_windows(photo.shape, count, generator, size).tolist():
        if size is None:
            window = source[..., top : top + rows, left : left + cols]
            view = F.interpolate(window, size=(height, width), mode="bilinear", antialias=True)
        else:
            scaled = F.interpolate(source, size=(rows, cols), mode="bilinear", antialias=True)
            view = scaled[..., top : top + size, left : left + size]
        views.append(view.flip(-1) if flip else view)
    return _eight_bits(torch.cat(views))


# --- feature extractors ---------------------------------------------------------------------------


def _seeded_normal(shape, generator):
    """``torch.randn(shape, generator=generator)``'s values, the same on every CPU: float32.

    PyTorch's CPU sampler turns blocks of 16 uniform draws into normal ones by
    the Box-Muller transform (for tensors of 16 values or more; the last 16 are
    drawn again when the size is not a multiple of 16), with vectorized
    logarithms and cosines that round differently from one CPU's kernels to
    another's. Here the same uniform draws (``torch.rand`` consumes the
    generator as that sampler does) go through the same transform in float64,
    rounded to float32 at the end: within 2e-6 of ``torch.randn``'s values,
    and identical under the portable, AVX2 and AVX-512 kernels.
    """
    count = math.prod(shape)
    if count < 16:  # PyTorch samples small tensors one by one; not needed here
        return torch.randn(shape, generator=generator, dtype=torch.float64).float()

    def box_muller(uniform):  # (blocks, 16) uniform -> (blocks, 16) normal, as PyTorch pairs them
        radius = torch.sqrt(-2 * torch.log(1 - uniform[:, :8]))
        angle = 2 * math.pi * uniform[:, 8:]
        return torch.cat([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)

    uniform = torch.rand(count, generator=generator).double()
    whole = count // 16 * 16
    values = torch.empty(count, dtype=torch.float64)
    values[:whole] = box_muller(uniform[:whole].reshape(-1, 16)).reshape(-1)
    if count % 16:
        tail = torch.rand(16, generator=generator).double()
        values[count - 16 :] = box_muller(tail.reshape(1, 16)).reshape(-1)
    return values.float().reshape(shape)


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
                conv.weight.copy_(_seeded_normal(conv.weight.shape, generator) * std)
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
    """[2x nearest upsampling], reflection padding, a convolution, instance norm, [ReLU].

    ``shift=False`` drops the instance norm's bias (keeps its scale): for the
    last layer of a residual block, whose per-channel constant every later
    instance norm removes again (its gradient would be zero up to rounding).
    """

    def __init__(self, before, after, kernel, stride=1, relu=True, upsample=False, shift=True):
        layers = [nn.Upsample(scale_factor=2, mode="nearest")] if upsample else []
        layers += [
            nn.ReflectionPad2d(kernel // 2),
            # No bias: the instance norm subtracts each channel's mean, so a bias would get a
            # gradient that is zero up to rounding, which Adam would turn into steps of size lr.
            nn.Conv2d(before, after, kernel, stride, bias=False),
            nn.InstanceNorm2d(after, affine=True),
        ]
        if not shift:
            layers[-1].register_parameter("bias", None)
        if relu:
            layers.append(nn.ReLU())
        super().__init__(*layers)


class _ResidualBlock(nn.Module):
    """x + (conv, instance norm, ReLU, conv, instance norm)(x), widths kept."""

    def __init__(self, width):
        super().__init__()
        self.body = nn.Sequential(
            _ConvLayer(width, width, 3), _ConvLayer(width, width, 3, relu=False, shift=False)
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
        # PyTorch's default initialisation of convolutions (uniform in +-1/sqrt(fan_in)), drawn
        # in float64 from the global generator: its float32 version scales the draws with
        # fused multiply-adds on some CPUs and not on others, so the last bits would differ.
        with torch.no_grad():
            for conv in self.modules():
                if isinstance(conv, nn.Conv2d):
                    bound = 1 / math.sqrt(conv.weight[0].numel())
                    for value in (conv.weight, conv.bias):
                        if value is not None:
                            draw = torch.rand(value.shape, dtype=torch.float64) * 2 - 1
                            value.copy_(draw * bound)

    def forward(self, image):
        return torch.sigmoid(self.head(torch.cat([self.body(image), image], dim=1)))


#: The shipped fast style network, built by ``scripts/build_fast_style.py`` from its recipe.
FAST_STYLE_CHECKPOINT = Path(__file__).resolve().parent / "fast_style.pt"

#: How the shipped network is trained: ``RECIPE``'s extractor and losses, alpha and beta
#: calibrated as the notebook does and the content weight then multiplied by
#: ``content_boost``; square windows of ``crop`` pixels from ``photos`` (name and height of
#: each, used in turn, one per step), ``steps`` steps of Adam from ``lr`` with a cosine decay,
#: the network's weights and the views seeded by ``seed``. ``test_photo`` is never seen in
#: training; ``judge_seeds`` are the ``RandomVGG`` seeds of the two held-out extractors that
#: measure the result.
FAST_STYLE_RECIPE = {
    "photos": (("temple", 64), ("portrait", 80), ("present", 80)),
    "test_photo": "flower",
    "style_seed": 0,
    "extractor_seed": 0,
    "judge_seeds": (1, 2),
    "content_boost": 2.0,
    "widths": (16, 32, 32),
    "blocks": 2,
    "seed": 0,
    "steps": 3000,
    "lr": 3e-3,
    "schedule": "cosine",
    "batch_size": 2,
    "crop": 64,
}


def load_fast_style(path=FAST_STYLE_CHECKPOINT):
    """The shipped fast style network and what the checkpoint says about it.

    Returns ``(net, info)``: a ``TransformNet`` in eval mode with the
    checkpoint's weights (stored in float16 to keep the file small, loaded as
    float32), and a dict with the ``recipe`` it was trained by, the
    ``settings`` (alpha, beta, ...) and its ``metrics`` (style and content
    loss ratios on the unseen photograph, measured by the build script).
    """
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    recipe = checkpoint["recipe"]
    net = TransformNet(widths=tuple(recipe["widths"]), blocks=recipe["blocks"])
    net.load_state_dict({name: value.float() for name, value in checkpoint["state_dict"].items()})
    net.eval()
    info = {key: checkpoint[key] for key in ("recipe", "settings", "metrics")}
    return net, info


def train_fast_style(
    net,
    photos,
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
    schedule="constant",
    seed=0,
    stop_after=None,
    progress=True,
):
    """Train ``net`` for one style on augmented views of photographs (Johnson et al. 2016).

    Step ``i`` draws ``batch_size`` views of ``photos[i % len(photos)]``
    (``random_views``: whole photographs when ``crop`` is None, else squares of
    ``crop`` pixels),
    passes them through ``net`` and takes a step of Adam on

        perceptual_loss(extractor(out), extractor(views), style features,
                        alpha, beta, content_layers, style_layers, style_weights)
        + tv_weight * total_variation_loss(out)

    where the views are their own content targets and the style image's
    features (computed once, expanded to the batch) are the style target.

    Args:
        net: a ``TransformNet`` (trained in place, left in eval mode).
        photos: a (1, 3, H, W) photograph in [0, 1], or a list of them (with
            ``crop=None`` all of one size); style: (1, 3, H', W') in [0, 1].
        extractor: the feature extractor (its parameters stay fixed).
        perceptual_loss, total_variation_loss: the loss functions to train with.
        steps: number of Adam steps; the other arguments as named.
        schedule: ``"constant"`` (Adam's learning rate ``lr`` throughout) or
            ``"cosine"`` (``lr * (1 + cos(pi * step / steps)) / 2``, from ``lr`` to 0).
        seed: seeds the views (the network's initial weights are the caller's).
        stop_after: stop after this many of the ``steps`` (the schedule stays
            that of ``steps``): the first steps of a longer training.

    Returns:
        List of floats: the objective at each step taken.
    """
    require_int_at_least("steps", steps, 0)
    if schedule not in ("constant", "cosine"):
        raise ValueError(f'schedule must be "constant" or "cosine", got {schedule!r}')
    taken = steps if stop_after is None else min(steps, stop_after)
    photos = [photos] if isinstance(photos, torch.Tensor) else list(photos)
    dtype = next(net.parameters()).dtype  # the views and the style in the network's dtype
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        style_features = {
            name: value.expand(batch_size, *value.shape[1:])
            for name, value in extractor(style.to(dtype)).items()
        }
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    history = []
    with one_thread():
        for step in (bar := tqdm(range(taken), desc="training", unit="step", disable=not progress)):
            if schedule == "cosine":
                optimizer.param_groups[0]["lr"] = lr * (1 + math.cos(math.pi * step / steps)) / 2
            views = random_views(photos[step % len(photos)], batch_size, generator, size=crop)
            views = views.to(dtype)
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


def draw_perceptual_loss():
    """The diagram of section 1: images, the shared extractor, the content and Gram branches.

    Drawn with matplotlib patches (no image file); returns the figure.
    """
    fig = plt.figure(figsize=(11, 5.2))
    ax = fig.add_axes((0, 0, 1, 1), xlim=(0, 11), ylim=(0, 5.2))
    ax.axis("off")
    fill = {"image": "#e6e6e6", "net": "#cfe2f3", "value": "#d9ead3", "loss": "#fce5cd"}

    def box(x, y, text, kind, width, height=0.62, size=12.5):
        corner = (x - width / 2, y - height / 2)
        ax.add_patch(
            FancyBboxPatch(corner, width, height, boxstyle="round,pad=0.03", fc=fill[kind])
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=size)
        return x, y, width / 2, height / 2

    def arrow(start, end, dashed=False, bend=0.0):
        (x0, y0, w0, _), (x1, y1, w1, _) = start, end
        style = {"lw": 1.8, "ls": (0, (3, 2)) if dashed else "-"}
        ax.add_patch(
            FancyArrowPatch(
                (x0 + w0 + 0.05, y0),
                (x1 - w1 - 0.05, y1),
                arrowstyle="-|>",
                mutation_scale=16,
                color="k",
                connectionstyle=f"arc3,rad={bend}",
                **style,
            )
        )

    image = box(0.75, 2.6, "x\n(the pixels\nwe optimise)", "image", 1.3, 1.0)
    content = box(0.75, 4.3, "content c", "image", 1.3)
    style_image = box(0.75, 0.9, "style s", "image", 1.3)
    net = box(2.9, 2.6, "extractor\n(fixed weights)\nrelu1_1 ... relu4_1", "net", 1.9, 1.3)
    for source, bend in ((content, -0.15), (image, 0.0), (style_image, 0.15)):
        arrow(source, net, dashed=source is not image, bend=bend)
    maps_c = box(5.3, 4.1, "maps F(x), F(c)\nat relu3_1", "value", 1.9, 0.8)
    maps_s = box(5.3, 1.1, "maps F(x), F(s)\nat every style layer", "value", 2.1, 0.8)
    arrow(net, maps_c, bend=-0.1)
    arrow(net, maps_s, bend=0.1)
    gram = box(7.55, 1.1, "Gram matrices\nG = F Fᵀ / (C·H·W)", "value", 2.0, 0.8)
    arrow(maps_s, gram)
    l_content = box(7.55, 4.1, "L_content =\nmean (F(x) − F(c))²", "loss", 2.0, 0.8)
    arrow(maps_c, l_content)
    l_style = box(7.55, 2.45, "L_style = Σ_l w_l ·\nmean (G(x) − G(s))²", "loss", 2.0, 0.8)
    ax.add_patch(
        FancyArrowPatch((7.55, 1.55), (7.55, 2.0), arrowstyle="-|>", mutation_scale=16, lw=1.8)
    )
    total = box(9.85, 3.25, "L = α·L_content\n+ β·L_style\n+ λ·TV(x)", "loss", 1.9, 1.1)
    arrow(l_content, total, bend=-0.1)
    arrow(l_style, total, bend=0.1)
    ax.add_patch(
        FancyArrowPatch(
            (9.85, 2.65),
            (0.75, 1.98),
            arrowstyle="-|>",
            mutation_scale=16,
            lw=1.8,
            color="#c00000",
            connectionstyle="angle3,angleA=-90,angleB=0",
        )
    )
    ax.text(
        9.7,
        0.35,
        "∂L/∂x: a step of Adam on the pixels of x",
        color="#c00000",
        fontsize=12,
        ha="right",
    )
    ax.plot([2.6, 3.2], [4.95, 4.95], color="k", lw=1.8, ls=(0, (3, 2)))
    ax.text(3.3, 4.95, "targets: computed once, no gradient", fontsize=11, va="center")
    return fig
