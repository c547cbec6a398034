"""Grading pipeline of the course, driven through nbgrader.

Run ``python -m autograder --help`` for the commands: ``release``, ``grade``,
``demo`` and ``bundle``.
"""
