"""Grades that cannot be faked: hostile notebooks, graded by ``python -m convlab grade``.

Every notebook here is a real submission built from the committed exercise
or solution notebooks, written to disk and graded the way an instructor
grades a folder: through the command line, in fresh kernels.  They forge
check records, patch NumPy's comparisons, take every shortcut a task's rule
forbids (plainly, and hidden from the source check), hard-code the
in-notebook check's answers and return objects that only pretend to be
arrays.  None of it may earn a point; honest tasks beside it keep theirs.
"""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convlab.grading import EXERCISES, TASKS

ROOT = Path(__file__).resolve().parents[1]

# --- building submissions ------------------------------------------------------------------------------


def exercise(name):
    return nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)


def solution(name):
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def add_cell(nb, source, at=None):
    cell = nbformat.v4.new_code_cell(source)
    nb.cells.insert(len(nb.cells) if at is None else at, cell)


def definition_cell(nb, task):
    """The code cell that defines a task's function (``def task(``)."""
    pattern = re.compile(rf"^def {task}\(", re.MULTILINE)
    return next(cell for cell in nb.cells if cell.cell_type == "code" and pattern.search(cell.source))


def imports_at(nb):
    return next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and "import" in cell.source) + 1


FORGE = """
from IPython.display import display
from convlab.grading import TASKS, RECORD_MIME
for name, task in TASKS.items():
    subchecks = [{"label": c.label, "status": "passed", "points": c.points, "max_points": c.points}
                 for c in task.cases]
    record = {"version": 1, "task": name, "exercise": task.exercise, "points": task.max_points,
              "max_points": task.max_points, "status": "passed", "subchecks": subchecks}
    display({"text/plain": f"{name}: {task.max_points}/{task.max_points} points", RECORD_MIME: record}, raw=True)
"""

PATCH_COMPARISONS = """
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, bool)
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
"""


def forged(name):
    """The untouched exercise, plus a last cell displaying full-marks records for every task."""
    nb = exercise(name)
    add_cell(nb, FORGE)
    return nb


def patched(name):
    """NumPy's comparisons always say "equal", and every answer is wrong."""
    nb = exercise(name)
    add_cell(nb, PATCH_COMPARISONS, at=imports_at(nb))
    for cell in nb.cells:
        if cell.cell_type != "code" or "raise NotImplementedError()" not in cell.source:
            continue
        value = next((t for t in EXERCISES[name] if TASKS[t].kind == "value" and t in cell.source), None)
        if value:
            cell.source = cell.source.replace("raise NotImplementedError()", f"{value} = ([0], [0])")
        else:
            cell.source = cell.source.replace("raise NotImplementedError()", "return np.zeros((1, 1))")
    return nb


#: A shortcut for every task that has a rule: what its rule forbids, written plainly.
SHORTCUTS = {
    "top_left": "def top_left(x, k):\n    return convlab.conv2d(x, k)[0, 0]",
    "conv2d_loops": (
        "from scipy.signal import correlate2d as c2\n"
        "def conv2d_loops(x, k):\n    return c2(x, k, mode='valid')"
    ),
    "convolve2d_loops": "def convolve2d_loops(x, k):\n    return convlab.convolve2d(x, k)",
    "conv2d_loops_channels": "def conv2d_loops_channels(x, k):\n    return convlab.conv2d(x, k)",
    "c_strides": "def c_strides(shape, itemsize):\n    return np.empty(shape, dtype=f'V{itemsize}').strides",
    "windows": "def windows(x, window):\n    return np.lib.stride_tricks.sliding_window_view(x, window)",
    "windows_1d": (
        "from numpy.lib.stride_tricks import sliding_window_view as view\n"
        "def windows_1d(x, width):\n    return view(x, width)"
    ),
    "windows_strided": (  # a view made right, then copied: a copy is not what the task asks for
        "from numpy.lib.stride_tricks import as_strided\n"
        "def windows_strided(x, window, stride, dilation):\n"
        "    (R, S), (sh, sw), (dh, dw) = window, stride, dilation\n"
        "    Ho = (x.shape[0] - dh * (R - 1) - 1) // sh + 1\n"
        "    Wo = (x.shape[1] - dw * (S - 1) - 1) // sw + 1\n"
        "    r, c = x.strides\n"
        "    return as_strided(x, (Ho, Wo, R, S), (sh * r, sw * c, dh * r, dw * c)).copy()"
    ),
    "conv1d": "def conv1d(x, k):\n    return sum(np.correlate(xc, kc, mode='valid') for xc, kc in zip(x, k))",
    "conv2d_hwc": (  # right values, but with einsum where one tensordot is asked for
        "def conv2d_hwc(x, k):\n"
        "    return np.einsum('cijrs,rsc->ij', convlab.sliding_windows(np.moveaxis(x, -1, 0), k.shape[:2]), k)"
    ),
    "depthwise_conv": (
        "from scipy.signal import correlate2d\n"
        "def depthwise_conv(x, k):\n    return np.array([correlate2d(a, b, mode='valid') for a, b in zip(x, k)])"
    ),
    "output_size": (
        "def output_size(input_hw, kernel_hw, stride, padding, dilation):\n"
        "    return convlab.output_shape(input_hw, kernel_hw, stride, padding, dilation)"
    ),
    "pad": "from convlab.windows import pad_hw\ndef pad(x, padding):\n    return pad_hw(x, padding)",
    "conv2d_general": (
        "from convlab import conv2d as c\n"
        "def conv2d_general(x, k, stride, padding, dilation):\n    return c(x, k, stride, padding, dilation)"
    ),
    "conv2d_nhwc": (
        "import convlab as cl\n"
        "def conv2d_nhwc(x, k):\n"
        "    return cl.conv2d(x.transpose(0, 3, 1, 2), k.transpose(3, 2, 0, 1)).transpose(0, 2, 3, 1)"
    ),
    "conv1x1": "def conv1x1(x, w):\n    return convlab.conv2d(x, w[:, :, None, None])",
    "grouped_conv": (
        "def grouped_conv(x, k, groups):\n"
        "    C, K = x.shape[1] // groups, k.shape[0] // groups\n"
        "    return np.concatenate([convlab.conv2d(x[:, g * C:(g + 1) * C], k[g * K:(g + 1) * K])\n"
        "                           for g in range(groups)], axis=1)"
    ),
    "im2col_strided": (
        "def im2col_strided(x, window, stride, dilation):\n"
        "    view = convlab.sliding_windows(x, window, stride, dilation)\n"
        "    C, Ho, Wo, R, S = view.shape\n"
        "    return view.transpose(0, 3, 4, 1, 2).reshape(C * R * S, Ho * Wo)"
    ),
    "conv2d_chunked": "def conv2d_chunked(x, k, max_bytes):\n    return convlab.conv2d(x, k)",
    "conv2d_fft": (
        "from convlab.fourier import conv_fft\n"
        "def conv2d_fft(x, k):\n    return conv_fft(x[None] * 1.0, k * 1.0)[0]"
    ),
    "winograd_1d": (  # Winograd's products right, the outputs from convlab's F(2, 3)
        "from convlab import winograd\n"
        "def winograd_1d(d, g):\n"
        "    tiles = np.lib.stride_tricks.sliding_window_view(d, 4)[::2]\n"
        "    return (tiles @ BT.T) * (G @ g), winograd.f23(tiles, g).reshape(-1)"
    ),
    "winograd_2d": (
        "def winograd_2d(x, k):\n"
        "    tiles = convlab.sliding_windows(x, (4, 4), stride=2)\n"
        "    y = convlab.winograd.conv_winograd(x[None, None] * 1.0, k[None, None] * 1.0)[0, 0]\n"
        "    return (BT @ tiles @ BT.T) * (G @ k @ G.T), y"
    ),
    "max_pool_padded": (
        "def max_pool_padded(x, window, stride, padding):\n    return convlab.max_pool2d(x, window, stride, padding)"
    ),
    "numerical_gradient": (  # the kernel fished out of the loss, then the library's gradient
        "def numerical_gradient(f, x, eps):\n"
        "    k = next(c.cell_contents for c in f.__closure__ if isinstance(c.cell_contents, np.ndarray))\n"
        "    return convlab.conv2d_backward(x, k, convlab.conv2d(x, k))[0]"
    ),
    "conv2d_grad_k": "def conv2d_grad_k(x, k, grad_out):\n    return convlab.conv2d_backward(x, k, grad_out)[1]",
    "layer_grad_x": (
        "def layer_grad_x(x, k, grad_out, stride, dilation):\n"
        "    return convlab.conv2d_backward(x, k, grad_out, stride=stride, dilation=dilation)[0]"
    ),
    "conv_transpose": "def conv_transpose(y, k, stride):\n    return convlab.conv_transpose2d(y, k, stride)",
    "conv_bias_grad": (  # a dense layer's bias gradient sums the same numbers
        "from convlab import dense_backward\n"
        "def conv_bias_grad(grad_out):\n"
        "    rows = np.moveaxis(grad_out, 1, -1).reshape(-1, grad_out.shape[1])\n"
        "    return dense_backward(np.zeros((len(rows), 1)), np.zeros((rows.shape[1], 1)), rows)[2]"
    ),
    "conv_weight_grad": (
        "def conv_weight_grad(x, grad_out, kernel_hw, stride):\n"
        "    k = np.zeros((grad_out.shape[1], x.shape[1]) + tuple(kernel_hw))\n"
        "    return convlab.conv2d_backward(x, k, grad_out, stride=stride)[1]"
    ),
    "max_pool_backward": (
        "def max_pool_backward(x, grad_out, window):\n    return convlab.max_pool2d_backward(x, grad_out, window)"
    ),
    "softmax_cross_entropy": (
        "def softmax_cross_entropy(logits, labels):\n    return convlab.softmax_cross_entropy(logits, labels)"
    ),
    "sgd_momentum_step": (
        "def sgd_momentum_step(param, grad, velocity, lr, momentum):\n"
        "    return convlab.sgd_momentum(param, grad, velocity, lr=lr, momentum=momentum)"
    ),
}

#: Shortcuts the source check cannot see (names built at run time): the run-time guard must catch them.
HIDDEN = {
    "01_loops": {
        "conv2d_loops": (
            "def conv2d_loops(x, k):\n"
            "    signal = __import__('scipy.sig' + 'nal', fromlist=['_'])\n"
            "    return getattr(signal, 'correlate' + '2d')(x, k, mode='valid')"
        ),
        "convolve2d_loops": (  # and catching what the guard raises does not help
            "def convolve2d_loops(x, k):\n"
            "    try:\n"
            "        return getattr(convlab, 'convolve' + '2d')(x, k)\n"
            "    except BaseException:\n"
            "        return getattr(convlab, 'convolve' + '2d')(x, k)"
        ),
    },
    "02_memory_and_strides": {
        "windows": (
            "def windows(x, window):\n"
            "    unused = np.lib.stride_tricks.as_strided  # seen by the source check, never called\n"
            "    return getattr(np.lib.stride_tricks, 'sliding_window' + '_view')(x, window)"
        ),
    },
    "06_performance": {
        "conv2d_fft": (  # a transform, to call what the rule requires, then convlab's FFT convolution
            "def conv2d_fft(x, k):\n"
            "    np.fft.rfft2(x)\n"
            "    fourier = __import__('convlab.four' + 'ier', fromlist=['_'])\n"
            "    return getattr(fourier, 'conv_' + 'fft')(x[None] * 1.0, k * 1.0)[0]"
        ),
    },
    "07_beyond": {
        "layer_grad_x": (
            "def layer_grad_x(x, k, grad_out, stride, dilation):\n"
            "    return getattr(convlab, 'conv2d_' + 'backward')(x, k, grad_out, stride=stride, dilation=dilation)[0]"
        ),
    },
}


def shortcuts(name, table):
    """The solution, with each task of ``table`` answered by its shortcut instead."""
    nb = solution(name)
    for task in EXERCISES[name]:
        if task in table:
            definition_cell(nb, task).source = table[task]
    return nb


HARD_CODED = """
from convlab.grading import TASKS
from convlab.grading.tasks.base import fixed_rng
_answers = {}
for i, case in enumerate(TASKS["conv2d_loops"].cases):
    x, k = case.build(fixed_rng("conv2d_loops", i))
    _answers[x.tobytes() + k.tobytes()] = convlab.conv2d(x, k)

def conv2d_loops(x, k):
    return _answers.get(x.tobytes() + k.tobytes())
"""

NOT_PLAIN = {
    "conv2d_loops": (  # right values, in a subclass whose == says yes to anything
        "class Agreeable(np.ndarray):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "def conv2d_loops(x, k):\n"
        "    R, S = k.shape\n"
        "    out = np.array([[np.sum(x[i:i + R, j:j + S] * k) for j in range(x.shape[1] - S + 1)]\n"
        "                    for i in range(x.shape[0] - R + 1)])\n"
        "    return out.view(Agreeable)"
    ),
    "count_multiplies": (
        "class Anything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "def count_multiplies(input_hw, kernel_hw):\n"
        "    return Anything()"
    ),
}


def submissions():
    """``{file stem: notebook}`` for every hostile submission."""
    found = {}
    for name in EXERCISES:
        found[f"forged_{name}"] = forged(name)
        found[f"patched_{name}"] = patched(name)
        found[f"shortcuts_{name}"] = shortcuts(name, SHORTCUTS)
    for name, table in HIDDEN.items():
        found[f"hidden_{name}"] = shortcuts(name, table)
    nb = solution("01_loops")
    definition_cell(nb, "conv2d_loops").source = HARD_CODED
    found["hard_coded_01_loops"] = nb
    found["not_plain_01_loops"] = shortcuts("01_loops", NOT_PLAIN)
    return found


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every submission graded in one run of ``python -m convlab grade --json``."""
    folder = tmp_path_factory.mktemp("hostile")
    for stem, nb in submissions().items():
        nbformat.write(nb, folder / f"{stem}.ipynb")
    before = {path.name: digest(path) for path in folder.iterdir()}
    result = subprocess.run(
        [sys.executable, "-m", "convlab", "grade", "--json", "--jobs", "2", "--timeout", "30", str(folder)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert {path.name: digest(path) for path in folder.iterdir()} == before, "the grader changed a submission"
    report = json.loads(result.stdout)
    return {Path(g["path"]).stem: g for g in report["notebooks"]}


def tasks_of(grade):
    return {t["task"]: t for t in grade["tasks"]}


@pytest.mark.parametrize("name", list(EXERCISES))
def test_forged_records_earn_nothing(graded, name):
    g = graded[f"forged_{name}"]
    assert g["graded"] and g["points"] == 0 and g["max_points"] > 0
    assert any("check record" in flag for flag in g["flags"]), g["flags"]


@pytest.mark.parametrize("name", list(EXERCISES))
def test_patched_comparisons_earn_nothing(graded, name):
    g = graded[f"patched_{name}"]
    assert g["graded"] and g["points"] == 0
    assert "replaces numpy.allclose" in g["flags"]
    assert all(t["status"] in ("failed", "not attempted") for t in g["tasks"])


def test_every_rule_has_a_shortcut_here():
    assert set(SHORTCUTS) == {name for name, task in TASKS.items() if task.rule is not None}


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_shortcut_scores_zero_and_honest_tasks_keep_full_marks(graded, name):
    g = graded[f"shortcuts_{name}"]
    assert g["graded"]
    for task, result in tasks_of(g).items():
        if task in SHORTCUTS:
            assert result["points"] == 0, (task, result)
            assert result["hint_id"] in ("rule", "copy-not-view"), (task, result)
            first = result["subchecks"][0]
            assert first["status"] == "failed" and (first["hint"] or "").startswith(("Rule:", "A copy")), first
        else:
            assert result["points"] == result["max_points"], (task, result)


def test_messages_name_the_rule_and_the_call(graded):
    loops = tasks_of(graded["shortcuts_01_loops"])["conv2d_loops"]["subchecks"][0]
    assert loops["message"] == "breaks the rule of this task: it uses scipy.signal.correlate2d"
    assert loops["hint"] == "Rule: " + TASKS["conv2d_loops"].rule.text
    einsum = tasks_of(graded["shortcuts_03_one_contraction"])["conv2d_hwc"]["subchecks"][0]
    assert einsum["message"] in (
        "breaks the rule of this task: it uses numpy.einsum",
        "breaks the rule of this task: it uses np.einsum",
    ), einsum


@pytest.mark.parametrize("name", list(HIDDEN))
def test_shortcuts_hidden_from_the_source_are_caught_while_running(graded, name):
    g = graded[f"hidden_{name}"]
    for task, result in tasks_of(g).items():
        if task in HIDDEN[name]:
            assert result["points"] == 0, (task, result)
            first = result["subchecks"][0]
            assert first["message"].startswith("breaks the rule of this task: it calls "), first
        else:
            assert result["points"] == result["max_points"], (task, result)


def test_answers_hard_coded_for_the_notebooks_check_score_zero(graded):
    g = graded["hard_coded_01_loops"]
    assert tasks_of(g)["conv2d_loops"]["points"] == 0
    assert tasks_of(g)["count_multiplies"]["points"] == 3
    assert any("conv2d_loops: full marks in the notebook's own check, 0/4" in f for f in g["flags"]), g["flags"]
    assert any("internals" in f for f in g["flags"]), g["flags"]


def test_answers_that_are_not_plain_data_score_zero(graded):
    g = tasks_of(graded["not_plain_01_loops"])
    for task in NOT_PLAIN:
        assert g[task]["points"] == 0 and g[task]["hint_id"] == "not-plain-data", g[task]
    assert "not plain data" in g["count_multiplies"]["subchecks"][0]["message"]
    assert g["conv2d_loops_channels"]["points"] == g["conv2d_loops_channels"]["max_points"]
