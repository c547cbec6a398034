"""The deep-learning course package.

The ``reference`` subpackage is the answer key (instructors only, never
shipped to students); everything else here (argument checks, test helpers,
notebook set-up, signal generators) ships to students with the notebooks.
"""
