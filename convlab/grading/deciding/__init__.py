"""Where a grade is decided, outside every sandbox, from plain data only.

- :mod:`~.library`: the names graded code may use, as a fixed table;
- :mod:`~.source`: what a learner's definition uses, and the statements that define it;
- :mod:`~.rules`: what each task allows, forbids and requires;
- :mod:`~.judge` and :mod:`~.diagnosis`: references, comparisons, points and the mistake an answer looks like;
- :mod:`~.results`: the one result model; :mod:`~.flags` and :mod:`~.reports`: what an instructor reads.

Nothing here imports, evaluates or unpickles anything a submission names or sends.
"""
