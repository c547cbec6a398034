"""Helpers of 07_outfit beyond its exercises.

``wardrobe``: the synthetic catalogue, outfits drawn from hidden styles, and
their negatives. ``scorer``: the compatibility scorer S (a small set
transformer with an outfit token), its training, metrics and shipped
checkpoint (``scorer.pt``). ``toys``: small score functions with known
answers for the tests. ``gnn``: the GNN completer, its training loop and the
projection of generated vectors. ``evaluation``: running completion methods
over many outfits (scores, latencies, gaps, the Lipschitz check).
``plots``: outfits as swatches, score distributions. ``checks`` and
``expect``: the exercises' argument checks and the test cells' checks.
Nothing here computes an exercise: the notebook passes its functions in.
"""
