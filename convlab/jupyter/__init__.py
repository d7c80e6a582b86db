"""The course's Jupyter tooling: authoring notebooks, not grading them.

- :mod:`~.generator`: ``python -m convlab exercises``, ``exercises/`` written from ``solutions/``.
"""
