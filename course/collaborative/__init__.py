"""Helpers of 06_collaborative beyond its exercises.

``ratings``: the bundled MovieLens-shaped ratings set, loaders for the real
MovieLens-100k files, the hold-out split. ``recsys``: the pipeline's other
stages (popularity baseline, matrix factorization, ranker, re-ranking).
"""
