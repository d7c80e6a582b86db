"""``python -m convlab COMMAND``: the course's command-line tools.

Each command lives in its own module, imported only when it runs, which
provides ``add_arguments(parser)`` and ``main(args) -> int``.

A command run by a Python that is not the course's (a system ``python``
instead of the course's ``.venv``: convlab is not installed in it, or a
package the command needs is missing) stops with a message that says which
Python ran it and how to run it with the course's environment, instead of a
traceback or an error about what that Python lacks.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

DESCRIPTION = "The convlab course's command-line tools."

EPILOG = (
    "Run them with the course's Python: make grade, make exercises, make notebooks or make demo from the "
    "repository's folder, or python -m convlab COMMAND in JupyterLab's Terminal (started by make lab, or on "
    "Binder), where python is the course's. Exit status 2: this Python is not the course's."
)

# command name -> (module, one-line help)
COMMANDS = {
    "notebooks": ("convlab.jupyter.notebooks", "run notebooks in a fresh kernel and rewrite them reproducibly"),
    "exercises": ("convlab.jupyter.generator", "write exercises/ from solutions/ (--check: is it up to date?)"),
    "grade": ("convlab.grading.grader", "grade exercise notebooks, each in a sandbox of its own; report points"),
    "report": ("convlab.grading.classreport", "a page for the instructor: where the class is stuck, from a gradebook"),
    "autograder": ("convlab.grading.gradescope", "write a Gradescope autograder for one exercise"),
    "release": ("convlab.jupyter.release", "write what students get: the course without its solutions"),
    "demo": ("convlab.viz.terminal", "watch a window slide over a small array, in the terminal"),
}

# What `make` runs for each command (the Makefile's targets), for the message below.
MAKE_TARGETS = {"notebooks": "make notebooks", "exercises": "make exercises", "grade": "make grade",
                "demo": "make demo"}

#: The exit status of a command this Python cannot run.
WRONG_ENVIRONMENT = 2


def build_parser(command=None):
    """The parser of every command's name and help; the options of ``command`` only.

    A command's options come from its module, so only the module of the
    command that runs is imported: ``python -m convlab demo`` needs NumPy,
    not the grader's Jupyter libraries.
    """
    parser = argparse.ArgumentParser(prog="python -m convlab", description=DESCRIPTION, epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        parser_of_command = sub.add_parser(name, help=help_text, description=help_text)
        parser_of_command.set_defaults(module=module)
        if name == command:
            importlib.import_module(module).add_arguments(parser_of_command)
    return parser


def wrong_environment(command, why, executable=None, root=None):
    """What to tell someone who ran ``command`` with a Python that is not the course's.

    Parameters
    ----------
    command : str or None
        The command that was run (``"grade"``), or None.
    why : str
        How this Python falls short, e.g. ``"convlab is not installed in it"``.
    executable : str, optional
        The Python that ran the command (default: this one).
    root : Path, optional
        The repository, whose ``.venv`` holds the course's environment
        (default: the folder above this package).

    Returns
    -------
    str

    Examples
    --------
    >>> print(wrong_environment("grade", "convlab is not installed in it", "/usr/bin/python3", Path("/nowhere")))
    python -m convlab grade ran with a Python that is not the course's (convlab is not installed in it):
      /usr/bin/python3
    Run the command with the course's Python:
      make grade                  from the repository's folder (make creates .venv on first use)
      python -m convlab grade ... in JupyterLab's Terminal (File > New > Terminal), after make lab or on Binder
    """
    executable = executable or sys.executable
    root = Path(__file__).resolve().parent.parent if root is None else Path(root)
    name = f"python -m convlab {command}" if command else "python -m convlab"
    target = MAKE_TARGETS.get(command, "make help")
    spelled = f"python -m convlab {command} ..." if command else "python -m convlab COMMAND ..."
    venv_python = root / ".venv" / "bin" / "python"
    lines = [
        f"{name} ran with a Python that is not the course's ({why}):",
        f"  {executable}",
        "Run the command with the course's Python:",
        f"  {target:<27} from the repository's folder (make creates .venv on first use)",
        f"  {spelled:<27} in JupyterLab's Terminal (File > New > Terminal), after make lab or on Binder",
    ]
    if venv_python.exists():
        lines.append(f"  {venv_python} -m convlab {command or 'COMMAND'} ...   from anywhere")
    return "\n".join(lines)


def installed():
    """Whether convlab is installed in this Python's environment (not only found in the current folder).

    The course's environment has it (``make venv`` installs it; Binder's
    ``postBuild`` too).  A Python that imports it only because it runs in the
    repository's folder, where ``convlab/`` and pip's ``convlab.egg-info``
    are, has none of the packages the commands need.
    """
    import site
    import sysconfig
    from importlib.metadata import distributions

    places = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    places |= set(site.getsitepackages()) | {site.getusersitepackages()}
    return any(True for _ in distributions(name="convlab", path=sorted(places)))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    # The command is the first word that is not an option (the top level has only --help).
    command = next((word for word in argv if not word.startswith("-")), None)
    known = command if command in COMMANDS else None
    if known and not installed():
        print(wrong_environment(known, "convlab is not installed in it"), file=sys.stderr)
        return WRONG_ENVIRONMENT
    try:
        args = build_parser(command).parse_args(argv)
        return importlib.import_module(args.module).main(args)
    except ModuleNotFoundError as err:
        if not err.name or err.name.split(".")[0] == "convlab":
            raise  # a bug in convlab itself, not a missing package
        print(wrong_environment(known, f"it has no module named {err.name.split('.')[0]}"), file=sys.stderr)
        return WRONG_ENVIRONMENT


if __name__ == "__main__":
    sys.exit(main())
