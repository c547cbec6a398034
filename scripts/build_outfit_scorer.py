"""Build ``course/outfit/scorer.pt``, the compatibility scorer of 07_outfit, from its seed.

    .venv/bin/python -m scripts.build_outfit_scorer           # train and write the checkpoint
    .venv/bin/python -m scripts.build_outfit_scorer --check   # train again, compare, write nothing
    .venv/bin/python -m scripts.build_outfit_scorer --data    # the data's fingerprint, as JSON

Trains ``course.outfit.scorer.OutfitScorer`` as ``SCORER_RECIPE`` says (one
seed: the synthetic wardrobe, the training outfits and their negatives, the
initial weights and the batches all come from it; a few minutes on one
laptop core) and writes the checkpoint (about 150 kB):

* ``state_dict``, ``config``: the weights and the model's shape;
* ``recipe``, ``metrics``: how it was built, its held-out compatibility AUC
  and fill-in-the-blank accuracy;
* ``data_sha256``, ``embedding_moments``: a hash of the training and test
  outfits the recipe generates (the same on every CPU: the wardrobe makes its
  discrete choices from integer draws), and moments of its item embeddings
  (floats differ in the last bits between CPUs, so they are compared to
  float32 precision, :func:`embeddings_match`);
* ``early_state_dict``: the weights after the first ``FINGERPRINT_STEPS``
  optimizer steps, so that ``tests/reference/test_outfit.py`` can check in
  seconds that the recipe still starts the same training (a full rebuild,
  ``--check``, takes minutes).

``--data`` generates the recipe's data only (seconds) and prints its fingerprint:
``tests/reference/test_cpu_independence.py`` runs it under other CPUs' kernels.
"""

import hashlib
import sys
import time

import torch

from course.outfit.scorer import CHECKPOINT, SCORER_RECIPE, scorer_data, train_scorer
from scripts.checkpoint_cli import rebuild

#: Optimizer steps of the quick rebuild that the tests repeat.
FINGERPRINT_STEPS = 30
#: How far ``--check`` lets a rebuild's held-out metrics drift from the shipped ones. On
#: the CPU that built the checkpoint a rebuild is bit-identical; on another one, last-bit
#: differences of the math kernels grow over thousands of optimizer steps (seen on an AVX2
#: machine: the same data, weights up to 0.71 apart, the AUCs within 0.001 and the
#: fill-in-the-blank accuracy 0.014 lower).
METRIC_TOLERANCE = 0.02
#: Float32 roundings per embedding that :func:`embeddings_match` allows, all of one sign: an
#: embedding is a 37-term dot product plus noise, a few roundings of its size. (Seen between
#: CPUs: the sum of the embeddings 0.4 of a rounding apart, in units of float32's eps times
#: the sum of their magnitudes.)
ROUNDINGS = 8


def data_sha256(data):
    """SHA-256 of the integer part of a recipe's data: training table, labels, test outfits.

    ``data`` is what ``scorer_data(recipe)`` returns.

    Exact on any CPU. The item embeddings are not in it: torch's vectorized
    math differs in the last bits from one CPU to another (AVX2 against
    AVX-512, say), so they are checked by :func:`embedding_moments` instead.
    """
    _, table, labels, test = data
    digest = hashlib.sha256()
    for tensor in (table, labels, torch.cat(test)):
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def embedding_moments(data):
    """Float64 (3,): the sum, the sum of squares and the sum of magnitudes of the embeddings.

    ``data`` is what ``scorer_data(recipe)`` returns. Compare them with
    :func:`embeddings_match`.
    """
    embeddings = data[0].embeddings.double()
    return torch.stack([embeddings.sum(), embeddings.square().sum(), embeddings.abs().sum()])


def embeddings_match(moments, stored):
    """Whether ``embedding_moments`` agree to float32 precision: bool.

    Each float32 embedding may move by ``ROUNDINGS`` roundings of its size on
    another CPU: the sum and the sum of magnitudes by that times eps and the
    sum of magnitudes, the sum of squares by twice that times itself (about
    1e-6 of each). Last-bit differences between CPUs pass; embeddings scaled
    by 1 + 1e-5, or another wardrobe (another seed or generator), do not.
    """
    eps = torch.finfo(torch.float32).eps
    _, squares, magnitudes = stored.unbind()
    tolerance = ROUNDINGS * eps * torch.stack([magnitudes, 2 * squares, magnitudes])
    return bool(((moments - stored).abs() <= tolerance).all())


def data_fingerprint(recipe=SCORER_RECIPE):
    """The recipe's data, generated here: its hash, embedding moments, and the embeddings' bits.

    A dict: ``data_sha256``, ``embedding_moments`` (a list), ``embeddings_sha256``
    (of the float32 bytes: it changes with the CPU's kernels) and
    ``cpu_capability``, the kernels PyTorch used (``ATEN_CPU_CAPABILITY`` sets them).
    """
    data = scorer_data(recipe)
    embeddings = data[0].embeddings.contiguous().numpy().tobytes()
    return {
        "data_sha256": data_sha256(data),
        "embedding_moments": embedding_moments(data).tolist(),
        "embeddings_sha256": hashlib.sha256(embeddings).hexdigest(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def build(recipe=SCORER_RECIPE, log=print):
    """Train from the recipe; return the checkpoint as a dict (see the module docstring)."""
    start = time.perf_counter()
    data = scorer_data(recipe)
    early, _ = train_scorer(recipe, max_steps=FINGERPRINT_STEPS, data=data)
    scorer, metrics = train_scorer(
        recipe,
        data=data,
        progress=lambda epoch, loss: log(
            f"epoch {epoch + 1}: loss {loss:.4f} ({time.perf_counter() - start:.0f} s)"
        ),
    )
    return {
        "state_dict": scorer.state_dict(),
        "config": scorer.config,
        "recipe": recipe,
        "metrics": metrics,
        "data_sha256": data_sha256(data),
        "embedding_moments": embedding_moments(data),
        "early_state_dict": early.state_dict(),
    }


def main(argv=None):
    args, built = rebuild(argv, __doc__, data_fingerprint, build)
    if built is None:
        return 0
    if not args.check:
        torch.save(built, CHECKPOINT)
        print(f"wrote {CHECKPOINT} ({CHECKPOINT.stat().st_size / 1024:.0f} kB)")
        return 0
    shipped = torch.load(CHECKPOINT, weights_only=True)
    same_data = built["data_sha256"] == shipped["data_sha256"] and embeddings_match(
        built["embedding_moments"], shipped["embedding_moments"]
    )
    weight_gap = max(
        (shipped["state_dict"][name] - value).abs().max().item()
        for name, value in built["state_dict"].items()
    )
    metrics = built["metrics"].items()
    metric_gap = max(abs(shipped["metrics"][name] - value) for name, value in metrics)
    print(
        f"data: {'the same' if same_data else 'DIFFERENT'}; largest weight difference "
        f"{weight_gap:.2g}; largest metric difference {metric_gap:.2g} "
        f"(allowed: {METRIC_TOLERANCE})"
    )
    return 0 if same_data and metric_gap <= METRIC_TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
