"""Notebook files: run them, tidy them and write them the same way every time.

The course commits lesson and solution notebooks *with* their outputs, so
readers on GitHub see them, and nbval compares a fresh run against them.
That only works when a notebook's file depends on nothing but its code:

- cells tagged ``strip-output`` (animations, widgets) are stored without
  output, because their stored HTML is untrusted in JupyterLab and would show
  broken; they are also tagged ``nbval-ignore-output``;
- widget state, execution timestamps and kernel details are dropped;
- JSON is written with sorted keys and a final newline.

``python -m convlab notebooks PATH...`` (``make notebooks``) runs this on
the given notebooks.
"""

from __future__ import annotations

from pathlib import Path

STRIP_TAG = "strip-output"


def execute(path, timeout=300):
    """Run a notebook top to bottom in a fresh kernel and return it.

    Parameters
    ----------
    path : str or Path
        The notebook; it runs with its own folder as working directory.
    timeout : int, optional
        Seconds a single cell may take.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook (the file is not written).
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


def normalise(nb):
    """Strip everything from ``nb`` that changes between identical runs.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Modified in place and returned.

    Returns
    -------
    nbformat.NotebookNode
    """
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        if STRIP_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
        for output in cell.outputs:
            # A widget's view only means something to the kernel that made it.
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
        cell.outputs = _coalesce_streams([o for o in cell.outputs if o.output_type != "display_data" or o.data])
    return nb


def _coalesce_streams(outputs):
    """Join neighbouring prints to the same stream: how the kernel splits them varies from run to run."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            joined.append(output)
    return joined


def write(nb, path):
    """Write ``nb`` as sorted, indented JSON with a final newline (stable diffs)."""
    import nbformat

    text = nbformat.writes(nb)
    Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def refresh(path, timeout=300):
    """Execute, normalise and rewrite one notebook in place."""
    write(normalise(execute(path, timeout)), path)


def add_arguments(parser):
    parser.add_argument("paths", nargs="+", metavar="NOTEBOOK", help="notebooks to run and rewrite in place")
    parser.add_argument("--timeout", type=int, default=300, help="seconds one cell may take (default 300)")


def main(args):
    for path in args.paths:
        print(f"running {path}", flush=True)
        refresh(path, args.timeout)
    return 0
