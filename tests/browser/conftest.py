"""Fixtures for the browser tests: one JupyterLab server and one Chromium for the whole run.

Without Chromium or Playwright the browser tests are skipped with the reason,
except when the ``CI`` environment variable is set: CI must prove the course
works in a browser, so there a missing browser is a failure.
"""

import os

import pytest

from .labdriver import SCREENSHOTS, LabServer, NotebookPage, launch_chromium, missing_browser

_used = []  # set once Chromium has started in this run


def pytest_terminal_summary(terminalreporter):
    if _used:
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A Playwright browser context on Debian's Chromium with a fresh profile."""
    missing = missing_browser()
    if missing and os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {missing}", pytrace=False)
    if missing:
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = launch_chromium(playwright, tmp_path_factory.mktemp("chromium-profile"))
        context.set_default_timeout(60_000)
        _used.append(True)
        yield context
        context.close()


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory):
    """JupyterLab on 127.0.0.1 serving a scratch copy of the course; stopped by PID afterwards."""
    server = LabServer(tmp_path_factory.mktemp("lab"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def open_notebook(lab, chromium):
    """Open a notebook (path relative to the course; at ``url`` if given) in a new tab; closed with its
    kernel afterwards."""
    opened = []

    def open_(path, url=None):
        nb = NotebookPage(lab, chromium.new_page(), path).open(url=url)
        opened.append(nb)
        return nb

    yield open_
    for nb in opened:
        nb.close()
