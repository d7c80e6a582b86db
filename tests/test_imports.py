"""The numeric core imports NumPy only, and the layers import downward."""

import subprocess
import sys


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

    for name in ("output_shape", "sliding_windows", "conv2d", "convolve2d", "METHODS"):
        assert name in convlab.__all__ and hasattr(convlab, name)
