"""The package's structure: what imports what, what stays private, how large a module grows.

docs/architecture.md describes the layers; these tests hold the code to it.  They read
the source with :mod:`ast` (what a module *says* it imports) and run fresh interpreters
(what importing it *does*).
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "convlab"

#: The numeric core, bottom to top (docs/architecture.md).  None of it may import the
#: layers above: pictures, widgets, exercises, notebook tools, the command line.
CORE = ["timing", "params", "windows", "methods", "fast", "fourier", "winograd", "choose", "conv", "pooling",
        "backward", "layers", "datasets"]
ABOVE_CORE = ("convlab.viz", "convlab.widgets", "convlab.grading", "convlab.jupyter", "convlab.__main__")

#: Longest module, in lines, that one reader can hold (the issue says "about 600").
MAX_LINES = 650


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(current, node):
    """The absolute module a ``from ... import`` names, for a module named ``current``."""
    if not node.level:
        return node.module or ""
    package = current.split(".")
    is_package = modules()[current].name == "__init__.py"
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name, path):
    """(module, imported name or None, line) for every import statement of one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = resolve(name, node)
            found += [(source, alias.name, node.lineno) for alias in node.names]
    return found


def convlab_imports(name, path):
    """The convlab modules one module imports (a submodule imported by name counts as itself)."""
    mods = modules()
    out = set()
    for source, imported, _ in imports_of(name, path):
        if not source.startswith("convlab"):
            continue
        candidate = f"{source}.{imported}" if imported else source
        out.add(candidate if candidate in mods else source)
    return out - {name}


def test_import_convlab_loads_no_plotting_or_widgets():
    code = (
        "import sys, convlab\n"
        "heavy = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'scipy', 'nbformat', 'nbclient')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"import convlab also imported: {result.stdout.strip()}"


def test_public_api():
    import convlab

    for name in ("output_shape", "sliding_windows", "conv2d", "convolve2d", "METHODS", "choose_method",
                 "conv2d_backward", "conv_transpose2d", "max_pool2d", "avg_pool2d", "byte_extent"):
        assert name in convlab.__all__ and hasattr(convlab, name), name
    assert sorted(convlab.__all__) == sorted(set(convlab.__all__))


def test_every_name_in_all_exists():
    """``__all__`` promises names; each must be there (a renamed function breaks this, not a user)."""
    names = sorted(n for n in modules() if n != "convlab.__main__")
    # viz/__init__.py provides most of its names lazily, on first use (PEP 562): hasattr imports them
    code = (
        "import importlib\n"
        f"mods = [importlib.import_module(n) for n in {names!r}]\n"
        "print(sorted(m.__name__ for m in mods if hasattr(m, '__all__')))\n"
        "print(sorted(f'{m.__name__}.{a}' for m in mods for a in getattr(m, '__all__', ()) if not hasattr(m, a)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    with_all, missing = result.stdout.strip().splitlines()
    assert {f"convlab.{m}" for m in CORE} <= set(ast.literal_eval(with_all))
    assert missing == "[]", f"__all__ lists missing names: {missing}"


def test_no_private_name_leaves_its_module():
    """``from .conv import _canonical`` or ``fast._helper(...)`` from another module: each needs a public home."""
    mods = modules()
    leaks = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        module_aliases = {}
        for source, imported, line in imports_of(name, path):
            if not source.startswith("convlab"):
                continue
            if imported is not None and imported.startswith("_") and not imported.startswith("__"):
                leaks.append(f"{name}:{line} imports {imported} from {source}")
        # attribute access on an imported convlab module: module._private
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = resolve(name, node)
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in mods:
                        module_aliases[alias.asname or alias.name] = full
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("convlab"):
                        module_aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in module_aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                leaks.append(f"{name}:{node.lineno} uses {module_aliases[node.value.id]}.{node.attr}")
    assert not leaks, "private names used outside their module:\n" + "\n".join(leaks)


@pytest.mark.parametrize("name", CORE)
def test_core_imports_nothing_from_the_layers_above(name):
    path = PACKAGE / f"{name}.py"
    upward = sorted(m for m in convlab_imports(f"convlab.{name}", path) if m.startswith(ABOVE_CORE))
    assert not upward, f"convlab.{name} imports {upward}"
    # and importing it really loads none of them, nor anything but NumPy
    code = (
        f"import sys, convlab.{name}\n"
        f"print(sorted(m for m in sys.modules if m.startswith({ABOVE_CORE!r})"
        " or m.split('.')[0] in ('matplotlib', 'scipy', 'ipywidgets', 'IPython', 'torch', 'threadpoolctl')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", f"import convlab.{name} loaded {result.stdout.strip()}"


def test_what_runs_inside_a_sandbox_imports_no_judging():
    """``grading/inside/`` may be tampered with by the code it runs: it sends data back, it never decides."""
    mods = modules()
    deciding = ("convlab.grading.deciding.judge", "convlab.grading.deciding.diagnosis",
                "convlab.grading.deciding.results", "convlab.grading.deciding.flags",
                "convlab.grading.deciding.reports", "convlab.grading.grader", "convlab.grading.checker")
    for name, path in mods.items():
        if name.startswith("convlab.grading.inside"):
            found = sorted(m for m in convlab_imports(name, path) if m.startswith(deciding))
            assert not found, f"{name} imports {found}"


def test_pictures_and_grading_never_import_each_other():
    mods = modules()
    for name, path in mods.items():
        imported = convlab_imports(name, path)
        if name.startswith("convlab.viz"):
            assert not [m for m in imported if m.startswith("convlab.grading")], name
        if name.startswith("convlab.grading"):
            assert not [m for m in imported if m.startswith(("convlab.viz", "convlab.widgets"))], name


def test_core_layers_import_only_downward():
    """Each core module imports only modules listed before it in CORE: no circle, no shortcut upward."""
    for position, name in enumerate(CORE):
        below = {f"convlab.{m}" for m in CORE[:position]}
        core_imports = {m for m in convlab_imports(f"convlab.{name}", PACKAGE / f"{name}.py")
                        if m.removeprefix("convlab.") in CORE}
        assert core_imports <= below, f"convlab.{name} imports {sorted(core_imports - below)}, listed above it"


def test_no_import_cycles():
    graph = {name: convlab_imports(name, path) for name, path in modules().items()}
    # a package's __init__ importing its own submodules is how packages work, not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        if state.get(node) == "open":
            cycle = trail[trail.index(node):] + [node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt in graph:
                visit(nxt, trail + [node])
        state[node] = "done"

    for node in sorted(graph):
        visit(node, [])


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_readable_in_one_sitting(path):
    relative = str(path.relative_to(ROOT))
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{relative} has {lines} lines; split it by idea"


def test_command_line_imports_only_the_command_that_runs():
    """``python -m convlab demo`` needs NumPy only: not the grader, not Jupyter's libraries."""
    code = (
        "import contextlib, io, sys\n"
        "from convlab.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = main(['demo', '--delay', '0', '--shape', '1', '3', '3'])\n"
        "print(status, sorted(m for m in sys.modules if m.startswith(('convlab.grading', 'convlab.jupyter.notebooks',"
        " 'nbclient', 'nbformat', 'matplotlib'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0 []", result.stdout + result.stderr


def test_command_line_help_imports_no_command():
    code = (
        "import contextlib, io, sys\n"
        "from convlab.__main__ import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "assert 'grade' in out.getvalue() and 'demo' in out.getvalue(), out.getvalue()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('convlab.grading', 'convlab.jupyter.notebooks',"
        " 'convlab.viz'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
