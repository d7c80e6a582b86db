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
