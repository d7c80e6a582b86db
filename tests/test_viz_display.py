"""In a real notebook kernel, each picture shows exactly once, in the form a lesson commits.

A figure function's result shows as one PNG (no stray copy from the inline
backend); ``play`` shows one HTML player and no PNG; the explorer shows one
widget view and no PNG.
"""

import nbformat
from nbclient import NotebookClient

CELLS = {
    "frame": "import numpy as np\nfrom convlab import viz\n"
    "viz.conv_frame(np.arange(16).reshape(4, 4), np.ones((2, 2)), (0, 1), stride=2)",
    "memory": "x = np.arange(12).reshape(3, 4)\n"
    "viz.memory_figure(x.T.shape, x.T.strides, x.itemsize, highlight=(1, 2))",
    "play": "viz.play(np.arange(16).reshape(4, 4), np.ones((2, 2)), stride=2)",
    "animation": "anim = viz.animate_conv(np.arange(9).reshape(3, 3), np.ones((2, 2)))",
    "explorer": "from convlab.widgets import stride_explorer\nstride_explorer()",
}


def test_each_picture_shows_once(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {name: cell.outputs for name, cell in zip(CELLS, nb.cells)}

    def kinds(name):
        return [sorted(o.get("data", {})) for o in outputs[name] if o.output_type != "stream"]

    for name in ("frame", "memory"):
        assert kinds(name) == [["image/png", "text/plain"]], name
    assert kinds("play") == [["text/html", "text/plain"]]
    assert outputs["play"][0]["data"]["text/html"].count("data:image/png;base64,") == 4 + 1  # and the picture
    assert kinds("animation") == []  # no static copy of the figure
    assert kinds("explorer") == [["application/vnd.jupyter.widget-view+json", "text/plain"]]
    assert not [o for cell in nb.cells for o in cell.outputs if o.output_type == "error"]
