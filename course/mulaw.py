"""Synthetic audio for the mu-law notebook (no recordings need downloading), and its diagram."""

import math

import matplotlib.pyplot as plt
import torch
from IPython.display import Audio
from matplotlib.patches import Rectangle

from course.checks import require_number, require_positive_number

__all__ = ["SAMPLE_RATE", "draw_code_book", "player", "synthetic_voice"]

#: Sample rate of the generated signals, in Hz (WaveNet's speech experiments use 16 kHz).
SAMPLE_RATE = 16_000


def synthetic_voice(peak=0.5, seconds=2.0, sample_rate=SAMPLE_RATE, seed=0):
    """A voice-like test signal: a sung vowel in syllables, with breath noise.

    A 140 Hz fundamental with vibrato and 30 harmonics, shaped by two vowel
    formants (700 Hz and 1200 Hz), is cut into syllables by a smooth envelope
    whose loudness varies from syllable to syllable. Like speech it spends most
    of its time far below its peak, which is where mu-law helps.

    Args:
        peak: largest absolute sample value, in (0, 1].
        seconds: duration.
        sample_rate: samples per second.
        seed: seed of the breath noise and of the syllable loudness.

    Returns:
        float32 tensor of shape (round(seconds * sample_rate),).
    """
    require_number("peak", peak, low=0, high=1, strict_low=True)
    require_positive_number("seconds", seconds)
    require_positive_number("sample_rate", sample_rate)
    generator = torch.Generator().manual_seed(seed)
    t = torch.arange(round(seconds * sample_rate), dtype=torch.float64) / sample_rate
    f0 = 140.0 * (1 + 0.02 * torch.sin(2 * math.pi * 5.0 * t))  # 5 Hz vibrato
    phase = 2 * math.pi * torch.cumsum(f0, dim=0) / sample_rate
    voice = torch.zeros_like(t)
    for k in range(1, 31):
        frequency = 140.0 * k
        formants = math.exp(-(((frequency - 700) / 150) ** 2))
        formants += 0.6 * math.exp(-(((frequency - 1200) / 200) ** 2))
        voice += (0.05 / k + formants) * torch.sin(k * phase)
    syllables = torch.sin(math.pi * 3.0 * t).abs() ** 2  # three syllables a second
    loudness = 0.15 + 0.85 * torch.rand(math.ceil(seconds * 3) + 1, generator=generator)
    envelope = syllables * loudness[(t * 3).long()].to(t.dtype)
    breath = 0.02 * torch.randn(t.shape, generator=generator, dtype=t.dtype)
    signal = envelope * voice + breath * (0.2 + envelope)
    return (signal * (peak / signal.abs().max())).to(torch.float32)


def player(signal, sample_rate=SAMPLE_RATE):
    """An audio player that plays ``signal`` at its true loudness (no normalising)."""
    samples = signal.detach().to(torch.float64).clamp(-1, 1).numpy()
    return Audio(samples, rate=sample_rate, normalize=False)


def draw_code_book(decode, n_codes=16, mu=255):
    """The cells of amplitude that each code covers: linear (top) against mu-law (bottom).

    Code ``k`` covers every amplitude that rounds to it; its cell is coloured by ``k``.
    ``decode`` is the notebook's ``mu_law_decode``: it maps the boundaries between
    evenly spaced levels back to amplitudes.

    Returns:
        The matplotlib figure.
    """
    half_steps = (torch.arange(n_codes + 1, dtype=torch.float64) - 0.5) / (n_codes - 1) * 2 - 1
    half_steps = half_steps.clamp(-1, 1)  # code k covers [half_steps[k], half_steps[k + 1]]
    books = {"linear": half_steps, f"μ-law, μ = {mu}": decode(half_steps, mu=mu)}
    fig, ax = plt.subplots(figsize=(11, 2.8))
    for row, (label, edges) in enumerate(books.items()):
        for k in range(n_codes):
            width = (edges[k + 1] - edges[k]).item()
            colour = plt.cm.viridis(k / (n_codes - 1))
            ax.add_patch(
                Rectangle((edges[k].item(), -row - 0.4), width, 0.8, color=colour, ec="white")
            )
        ax.text(-1.02, -row, label, ha="right", va="center")
    ax.set(xlim=(-1, 1), ylim=(-1.6, 0.6), yticks=[], xlabel="amplitude x")
    widths = books[f"μ-law, μ = {mu}"].diff()
    ax.set_title(
        f"{n_codes} codes: linear cells are all {2 / (n_codes - 1):.3f} wide; "
        f"μ-law cells from {widths.min().item():.4f} to {widths.max().item():.3f}"
    )
    ax.grid(False)
    fig.tight_layout()
    return fig
