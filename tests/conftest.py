"""Shared test settings: Hypothesis profiles, and the course website for the tests that read it."""

import os

import pytest
from hypothesis import HealthCheck, settings

# Property tests draw new random cases on every run; "ci" draws more of them.
# No deadline: the first call of a method pays NumPy's and BLAS's warm-up.
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The course website's html folder: built by `make site` (CONVLAB_SITE) or now."""
    from sitebuild import site_folder

    return site_folder(tmp_path_factory)


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, worker_id):
    """A class of honest, broken and hostile submissions graded in one ``python -m convlab grade`` run.

    Shared by every grading test: the first test worker to ask grades the class, the others
    wait for it and read the same result (pytest-xdist's way of running a session fixture once).
    """
    import fcntl

    from classrun import grade_class

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    with open(shared / "graded-class.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return grade_class(shared / "graded-class")
