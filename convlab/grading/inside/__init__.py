"""What runs where a learner's code runs: never a grade, only plain data.

- :mod:`~.answers`: call an answer on given inputs and encode what it returned
  (used by the notebook's ``check()`` in the learner's kernel, and by the grader's questions);
- :mod:`~.guards`: a task's rule enforced while the answer runs, and the audit
  hook of the grader's fresh interpreter;
- :mod:`~.notebook`: ``python -m convlab.grading.inside.notebook``, the submitted
  notebook run top to bottom in a kernel, inside its sandbox;
- :mod:`~.ask`: ``python -m convlab.grading.inside.ask``, the questions asked in
  another sandbox, in an interpreter the notebook never ran in;
- :mod:`~.facts`: sent into the notebook's kernel, what could bend a grade there.

Nothing here imports the deciding side's judging or reports: whatever runs here
may have been tampered with, so it only ever sends data back.
"""
