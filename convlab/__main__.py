"""``python -m convlab COMMAND``: the course's command-line tools.

Each command lives in its own module, imported only when it runs, which
provides ``add_arguments(parser)`` and ``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command name -> (module, one-line help)
COMMANDS = {
    "notebooks": ("convlab.notebooks", "run notebooks in a fresh kernel and rewrite them reproducibly"),
    "exercises": ("convlab.jupyter.generator", "write exercises/ from solutions/ (--check: is it up to date?)"),
    "grade": ("convlab.grading.grader", "grade exercise notebooks, each in a sandbox of its own; report points"),
    "report": ("convlab.grading.classreport", "a page for the instructor: where the class is stuck, from a gradebook"),
    "autograder": ("convlab.grading.gradescope", "write a Gradescope autograder for one exercise"),
    "release": ("convlab.jupyter.release", "write what students get: the course without its solutions"),
    "demo": ("convlab.viz.terminal", "watch a window slide over a small array, in the terminal"),
}


def build_parser(command=None):
    """The parser of every command's name and help; the options of ``command`` only.

    A command's options come from its module, so only the module of the
    command that runs is imported: ``python -m convlab demo`` needs NumPy,
    not the grader's Jupyter libraries.
    """
    parser = argparse.ArgumentParser(prog="python -m convlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        parser_of_command = sub.add_parser(name, help=help_text, description=help_text)
        parser_of_command.set_defaults(module=module)
        if name == command:
            importlib.import_module(module).add_arguments(parser_of_command)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    # The command is the first word that is not an option (the top level has only --help).
    command = next((word for word in argv if not word.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    return importlib.import_module(args.module).main(args)


if __name__ == "__main__":
    sys.exit(main())
