"""What students get: ``python -m convlab release DIR``.

The course's repository holds the solutions, because they are the source of the
exercises; a class should not.  A release is a copy of the course without
them: the lessons, the exercises (generated, outputs stripped), the package
(the in-notebook checks need its tasks), the benchmarks the lessons quote, and
the files that set the environment up (``pyproject.toml``, ``environment.yml``,
``postBuild``, the ``Makefile``), with a README that does not point at
solutions.  Not copied: ``solutions/``, the tests and CI (which need them), and
the maintainers' guide.

Before it finishes, the release is searched for every solution region of
every solution notebook (the code between ``### BEGIN SOLUTION`` and
``### END SOLUTION``, compared line by line once blank lines, comments and
indentation are set aside); a release in which one is found is refused.

Examples
--------
>>> cell = "def f(x):\\n    ### BEGIN SOLUTION\\n    y = x + 1  # one more\\n    return y\\n    ### END SOLUTION"
>>> solution_regions(cell)
[('y = x + 1', 'return y')]
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from .generator import BEGIN, END

__all__ = ["release", "solution_regions", "leaks", "COPIED"]

#: What a release holds, relative to the repository.
COPIED = ("notebooks", "exercises", "convlab", "benchmarks", "docs/sliding_window.gif", "pyproject.toml",
          "environment.yml", "postBuild", "Makefile", "LICENSE", ".gitignore", "README.md")

_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")


def _code_lines(text):
    """Lines of code without indentation, blank lines or comments."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\s+#.*$", "", line.strip())
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def solution_regions(source):
    """The code of each solution region of one cell, as tuples of its lines (see the module's example)."""
    regions, current = [], None
    for line in source.splitlines():
        if line.strip() == BEGIN:
            current = []
        elif line.strip() == END and current is not None:
            regions.append(tuple(_code_lines("\n".join(current))))
            current = None
        elif current is not None:
            current.append(line)
    return [region for region in regions if region]


def leaks(folder, solutions):
    """``[(file, solution notebook, first line of the region)]`` for each solution region found in ``folder``."""
    import nbformat

    regions = []
    for path in sorted(Path(solutions).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                regions += [(path.name, region) for region in solution_regions(cell.source)]
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".ipynb":  # the code of a notebook's cells, not its JSON
            nb = nbformat.reads(text, as_version=4)
            text = "\n".join(cell.source for cell in nb.cells)
        lines = "\n".join(_code_lines(text))
        for name, region in regions:
            if "\n".join(region) in lines and _whole_lines("\n".join(region), lines):
                found.append((str(path.relative_to(folder)), name, region[0]))
    return found


def _whole_lines(needle, haystack):
    return re.search(rf"(^|\n){re.escape(needle)}(\n|$)", haystack) is not None


def release(repository, target):
    """Write the student release of ``repository`` into ``target`` (which must not exist).

    Returns
    -------
    list of str
        What was copied, relative to ``target``.

    Raises
    ------
    FileExistsError
        If ``target`` exists.
    ValueError
        If a solution region is found in what would be released (nothing is left in ``target`` then).
    """
    repository, target = Path(repository), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} exists: give a folder that does not, so nothing is overwritten")
    target.mkdir(parents=True)
    copied = []
    try:
        for name in COPIED:
            source = repository / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=_IGNORED)
            elif source.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
            else:
                continue
            copied.append(name)
        readme = target / "README.md"
        if readme.exists():
            readme.write_text(_student_readme(readme.read_text()))
        found = leaks(target, repository / "solutions")
        if found:
            shown = "; ".join(f"{path} holds a solution of {name} ({line})" for path, name, line in found[:5])
            raise ValueError(f"the release would hold solution code: {shown}")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return copied


def _student_readme(text):
    """The README without its pointers to the solutions and its section for instructors."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            skipping = "instructor" in line.lower()
        if not skipping and "solutions/" not in line:
            kept.append(line)
    return "\n".join(kept) + "\n"


def add_arguments(parser):
    parser.add_argument("target", metavar="DIR", help="the folder to write the release into (must not exist)")
    parser.add_argument("--repository", default=None, metavar="DIR",
                        help="the course repository (default: the one convlab is installed from)")


def main(args):
    import convlab

    repository = Path(args.repository) if args.repository else Path(convlab.__file__).resolve().parents[1]
    try:
        copied = release(repository, args.target)
    except (FileExistsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote the student release to {args.target}: {', '.join(copied)} (no solutions)")
    return 0
