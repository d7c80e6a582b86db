"""The course's Jupyter tooling: authoring notebooks, not grading them.

- :mod:`~.generator`: ``python -m convlab exercises``, ``exercises/`` written from ``solutions/``;
- :mod:`~.release`: ``python -m convlab release``, the course without its solutions;
- :mod:`~.notebooks`: ``python -m convlab notebooks``, notebooks run and stored reproducibly;
- :mod:`~.prose`: sentences a lesson shows from its cells' results (``say``), and comparisons of
  two times worded as the numbers choose (``versus``).
"""
