"""Helpers of 07_outfit beyond its exercises.

``wardrobe``: the synthetic catalogue, outfits drawn from hidden styles, and
their negatives. ``scorer``: the compatibility scorer S (a small set
transformer with an outfit token), its training, metrics and shipped
checkpoint (``scorer.pt``). ``toys``: small score functions with known
answers for the tests. ``gnn``: the GNN completer, its training loop, the
projection of generated vectors and GNN + re-rank. ``evaluation``: running
completion methods over many outfits (scores, latencies, gaps, the Lipschitz
check). ``plots``: the lecture's diagram, outfits as swatches, score
distributions, quality against latency, the catalogue in two dimensions.
The exercises' argument checks are in ``course.checks.outfit``, the test
cells' checks (``expect_completion``, ``expect_calls``) in ``course.testing``.
Nothing here computes an exercise: the notebook passes its functions in.
"""
