"""Grading pipeline of the course, driven through nbgrader.

Run ``python -m autograder --help`` for the commands: ``release``, ``grade``,
``bundle`` and ``slides``. The pipeline works on the course (``course/``,
``solutions/``, ``notebooks/``); the answer collections and the demo that use it
live in ``answers/``.
"""
