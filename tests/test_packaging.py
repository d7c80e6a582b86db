"""The Binder environment, the pip environment and the setup files agree."""

import os
import re
import stat
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pinned(requirements):
    pins = {}
    for req in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([0-9][A-Za-z0-9.]*)", req)
        assert match, f"pyproject.toml: {req!r} is not pinned as name==version"
        pins[match[1].lower()] = match[2]
    return pins


def conda_pins():
    """environment.yml's packages under their PyPI names -> versions, and its Python version.

    tests/test_binder.py installs exactly these with pip to prove the file is complete.
    """
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"], "environment.yml must use conda-forge only"
    pins, python = {}, None
    for dep in env["dependencies"]:
        assert isinstance(dep, str), f"environment.yml: unexpected entry {dep!r} (no pip section is needed)"
        name, _, version = dep.partition("=")
        if name == "python":
            python = version
        elif name != "pip":
            assert version, f"environment.yml: {name} has no version"
            pins[CONDA_TO_PYPI.get(name, name).lower()] = version
    return pins, python


def test_environment_yml_matches_pyproject():
    pip_pins = _pinned(_pyproject()["project"]["dependencies"])
    env_pins, python = conda_pins()
    assert python == "3.11"
    only_pip = sorted(set(pip_pins) - set(env_pins))
    only_conda = sorted(set(env_pins) - set(pip_pins))
    assert not only_pip, f"in pyproject.toml but not environment.yml: {only_pip}"
    assert not only_conda, f"in environment.yml but not pyproject.toml: {only_conda}"
    differ = {n: (pip_pins[n], env_pins[n]) for n in pip_pins if pip_pins[n] != env_pins[n]}
    assert not differ, f"versions differ (pyproject, environment.yml): {differ}"


def test_extras_are_pinned():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert {"test", "site", "grade"} <= set(extras)
    for requirements in extras.values():
        _pinned(requirements)


def test_binder_needs_no_site_tools():
    """The website's tools (the `site` extra) build pages; Binder runs notebooks and needs none."""
    env_pins, _ = conda_pins()
    site = _pinned(_pyproject()["project"]["optional-dependencies"]["site"])
    assert not set(site) & set(env_pins), "environment.yml lists a website tool"


def test_pyproject_never_requires_torch():
    project = _pyproject()["project"]
    everything = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    assert not [r for r in everything if r.lower().startswith("torch")]


def test_postbuild_installs_convlab_without_dependencies():
    post = ROOT / "postBuild"
    assert os.stat(post).st_mode & stat.S_IXUSR, "postBuild must be executable"
    lines = [ln.strip() for ln in post.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert "set -e" in lines
    assert "pip install --no-deps ." in lines


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]  # the README leads with its two commands
    assert "make lab" in first_block and "make test" in first_block
    ci = ROOT / ".ci" / "run"
    assert os.stat(ci).st_mode & stat.S_IXUSR
    assert re.search(r"^make test$", ci.read_text(), re.M)


def test_binder_badge_opens_the_first_lesson():
    readme = (ROOT / "README.md").read_text()
    assert "urlpath=lab/tree/notebooks/00_start_here.ipynb" in readme
    assert (ROOT / "notebooks" / "00_start_here.ipynb").exists()


def test_readme_course_map_links_exist():
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\(((?:notebooks|solutions|exercises)/[^)#]+)\)", readme):
        assert (ROOT / link).exists(), f"README links to missing {link}"


def test_documents_that_code_and_tests_cite_exist():
    """A comment that says "see docs/architecture.md" must point at a file that is there."""
    cited = set()
    for path in [*ROOT.glob("convlab/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("benchmarks/*.py"),
                 ROOT / "README.md", ROOT / "CONTRIBUTING.md"]:
        for name in re.findall(r"\b((?:docs/)?[A-Z][A-Za-z_]*\.md|docs/[\w/-]+\.md)\b", path.read_text()):
            cited.add((name, path.relative_to(ROOT)))
    assert ("docs/architecture.md", Path("tests/strategies.py")) in cited  # the search finds citations
    missing = sorted(f"{where} cites {name}" for name, where in cited if not (ROOT / name).exists())
    assert not missing, "\n".join(missing)


def test_pages_workflow_publishes_what_make_site_builds():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text())
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML reads the key `on` as True
    steps = workflow["jobs"]["build"]["steps"]
    assert {"run": "make site"} in steps
    makefile = (ROOT / "Makefile").read_text()
    site_dir = re.search(r"^SITE_DIR := (.+)$", makefile, re.M)[1]
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == f"{site_dir}/html"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in workflow["jobs"]["deploy"]["steps"])


def test_readme_links_to_the_website():
    readme = (ROOT / "README.md").read_text()
    assert "https://convlab.github.io/convlab/" in readme
    assert "make site" in readme.split("```")[1]
