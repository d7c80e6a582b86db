"""How the test suite is shared between pytest-xdist's workers (``make test`` runs two).

Every test file runs on one worker, as ``--dist loadfile`` would do: nbval keeps a notebook's
cells in one kernel, and a module's fixtures are made once. The tests that read the class the
grader grades once (``graded_class`` in ``tests/conftest.py``) run on one worker too, together,
so the other worker never waits for that class while it has other files to run.
"""


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        group = "graded-class" if "graded_class" in getattr(item, "fixturenames", ()) else str(item.path)
        item.add_marker(pytest.mark.xdist_group(group))
