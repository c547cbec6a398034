"""Build ``course/outfit/scorer.pt``, the compatibility scorer of 07_outfit, from its seed.

    .venv/bin/python -m scripts.build_outfit_scorer           # train and write the checkpoint
    .venv/bin/python -m scripts.build_outfit_scorer --check   # train again, compare, write nothing

Trains ``course.outfit.scorer.OutfitScorer`` as ``SCORER_RECIPE`` says (one
seed: the synthetic wardrobe, the training outfits and their negatives, the
initial weights and the batches all come from it; a few minutes on one
laptop core) and writes the checkpoint (about 150 kB):

* ``state_dict``, ``config``: the weights and the model's shape;
* ``recipe``, ``metrics``: how it was built, its held-out compatibility AUC
  and fill-in-the-blank accuracy;
* ``data_sha256``, ``embedding_moments``: a hash of the training and test
  outfits the recipe generates, and moments of its item embeddings (floats
  differ in the last bits between CPUs, so they are compared with a tolerance);
* ``early_state_dict``: the weights after the first ``FINGERPRINT_STEPS``
  optimizer steps, so that ``tests/reference/test_outfit.py`` can check in
  seconds that the recipe still starts the same training (a full rebuild,
  ``--check``, takes minutes).
"""

import argparse
import hashlib
import sys
import time

import torch

from course.outfit.scorer import CHECKPOINT, SCORER_RECIPE, scorer_data, train_scorer

#: Optimizer steps of the quick rebuild that the tests repeat.
FINGERPRINT_STEPS = 30
#: How far ``--check`` lets a rebuild's held-out metrics drift from the shipped ones. On
#: the CPU that built the checkpoint a rebuild is bit-identical; on another one, last-bit
#: differences of the math kernels grow over thousands of optimizer steps (seen on an AVX2
#: machine: the same data, weights up to 0.71 apart, the AUCs within 0.001 and the
#: fill-in-the-blank accuracy 0.014 lower).
METRIC_TOLERANCE = 0.02


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

    ``data`` is what ``scorer_data(recipe)`` returns.

    Compared with a relative tolerance of 1e-6: last-bit differences between
    CPUs pass, another wardrobe (another seed or generator) does not.
    """
    embeddings = data[0].embeddings.double()
    return torch.stack([embeddings.sum(), embeddings.square().sum(), embeddings.abs().sum()])


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rebuild and compare, write nothing")
    args = parser.parse_args(argv)
    built = build()
    print("metrics:", {key: round(value, 4) for key, value in built["metrics"].items()})
    if not args.check:
        torch.save(built, CHECKPOINT)
        print(f"wrote {CHECKPOINT} ({CHECKPOINT.stat().st_size / 1024:.0f} kB)")
        return 0
    shipped = torch.load(CHECKPOINT, weights_only=True)
    same_data = built["data_sha256"] == shipped["data_sha256"] and torch.allclose(
        built["embedding_moments"], shipped["embedding_moments"], rtol=1e-6, atol=0
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
