"""Tests that drive JupyterLab in Chromium (a package, so its conftest does not clash with tests/conftest.py)."""
