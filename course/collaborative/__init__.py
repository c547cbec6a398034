"""Helpers of 06_collaborative beyond its exercises.

``ratings``: the bundled MovieLens-shaped ratings set, loaders for the real
MovieLens-100k files, the hold-out split. ``recsys``: the pipeline's other
stages (popularity baseline, matrix factorization, ranker, re-ranking), which
call the student's ``recommend`` where they need a recommendation list.
``plots``: the diagram of the recommender funnel (``draw_funnel``). (The test
cells' "too slow: vectorize" check is ``course.testing.expect_vectorized``; the
argument checks that precision@k and recall@k share are in
``course.checks.collaborative``.)
"""
