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
    "exercises": ("convlab.grading.generator", "write exercises/ from solutions/ (--check: is it up to date?)"),
    "grade": ("convlab.grading.grader", "grade exercise notebooks: run each in a fresh kernel, report points"),
    "demo": ("convlab.viz.terminal", "watch a window slide over a small array, in the terminal"),
}


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m convlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return importlib.import_module(args.module).main(args)


if __name__ == "__main__":
    sys.exit(main())
