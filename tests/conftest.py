"""Shared test settings: Hypothesis profiles, and the course website for the tests that read it."""

import os

import pytest
from hypothesis import HealthCheck, settings

# Property tests draw new random cases on every run; "ci" draws more of them (200 instead of
# 100 would cost about 20 s more of make test's time on two cores).
# No deadline: the first call of a method pays NumPy's and BLAS's warm-up.
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the optional reference every comparison with it uses.

    Where it is not installed its tests are skipped; under CI, which installs it, a missing
    PyTorch is a failure, so that no comparison quietly stops running.
    """
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("PyTorch is not installed, and CI installs it (.ci/run): the comparisons with it would not run")
        pytest.skip("PyTorch is not installed; it is an optional reference")
    return torch


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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "long(seconds): a test file that takes about this long on two cores; it starts early")


def pytest_collection_modifyitems(items):
    """The longest files first (``pytestmark = pytest.mark.long(seconds)``), the rest in collection order.

    ``make test`` gives whole files to two workers in this order: a long file started last
    would run on alone at the end while the other worker idles.
    """
    def seconds(item):
        marker = item.get_closest_marker("long")
        return marker.args[0] if marker else 0

    items.sort(key=lambda item: -seconds(item))  # stable: files and tests keep their order otherwise
