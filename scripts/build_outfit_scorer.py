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
* ``data_sha256``: a hash of the training data the recipe generates;
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


def data_sha256(recipe=SCORER_RECIPE):
    """SHA-256 of the embeddings, training table, labels and test outfits the recipe generates."""
    wardrobe, table, labels, test = scorer_data(recipe)
    digest = hashlib.sha256()
    for tensor in (wardrobe.embeddings, table, labels, torch.cat(test)):
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def build(recipe=SCORER_RECIPE, log=print):
    """Train from the recipe; return the checkpoint as a dict (see the module docstring)."""
    start = time.perf_counter()
    early, _ = train_scorer(recipe, max_steps=FINGERPRINT_STEPS)
    scorer, metrics = train_scorer(
        recipe,
        progress=lambda epoch, loss: log(
            f"epoch {epoch + 1}: loss {loss:.4f} ({time.perf_counter() - start:.0f} s)"
        ),
    )
    return {
        "state_dict": scorer.state_dict(),
        "config": scorer.config,
        "recipe": recipe,
        "metrics": metrics,
        "data_sha256": data_sha256(recipe),
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
    same = all(
        torch.equal(shipped["state_dict"][name], value)
        for name, value in built["state_dict"].items()
    )
    print("the rebuild equals the shipped checkpoint" if same else "the rebuild DIFFERS")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
