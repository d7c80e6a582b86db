"""The in-notebook checker: scores, hints for known mistakes, rules, errors, time limits, display.

The buggy answers below are built only from what every task's rule allows
(slices, sums, np.pad, as_strided, and the contraction a task asks for), so
that each reaches the comparison and the hint it is meant to provoke.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided
from submissions import UNUSUAL

import convlab
from convlab.grading import RECORD_MIME, TASKS, check
from convlab.grading.checker import run_task
from convlab.grading.deciding.diagnosis import GENERIC_HINTS, equal
from convlab.grading.deciding.judge import judge, roundtrip
from convlab.grading.plain import encode_answer
from convlab.grading.tasks.base import REQUIREMENT_HINTS, fixed_rng

ROOT = Path(__file__).resolve().parents[1]

# --- buggy answers, one per (task, mistake) -----------------------------------------------------


def loops(x, k, dtype=None, stop=0):
    """conv2d with loops; ``stop=-1`` stops one row and column early."""
    (h, w), (r, s) = x.shape, k.shape
    out = np.zeros((h - r + 1 + stop, w - s + 1 + stop), dtype=dtype or np.result_type(x, k))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + r, j:j + s] * k)
    return out


def slow_conv(x, k, stride=1, padding=0, dilation=1):
    """conv2d for every shape of its table, from np.pad, slices and sums only."""
    (sh, sw), (ph, pw), (dh, dw) = ((v, v) if isinstance(v, int) else tuple(v) for v in (stride, padding, dilation))
    x4 = x[None, None] if x.ndim == 2 else x[None] if x.ndim == 3 else x
    k4 = k[None, None] if k.ndim == 2 else k[None] if k.ndim == 3 else k
    xp = np.pad(x4, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    _, _, height, width = xp.shape
    _, _, r, s = k4.shape
    ho, wo = (height - dh * (r - 1) - 1) // sh + 1, (width - dw * (s - 1) - 1) // sw + 1
    out = np.zeros((xp.shape[0], k4.shape[0], ho, wo), dtype=np.result_type(x, k))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh:i * sh + dh * (r - 1) + 1:dh, j * sw:j * sw + dw * (s - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * k4[None]).sum(axis=(2, 3, 4))
    lead = (x.shape[:1] if x.ndim == 4 else ()) + (k.shape[:1] if k.ndim == 4 else ())
    return out.reshape(lead + (ho, wo))


def signal_windows(x, taps):
    """The (C, Lo, R) windows of a signal x (C, L)."""
    return np.lib.stride_tricks.sliding_window_view(x, taps, axis=-1)


def conv1d(x, k):
    return np.einsum("ctr,cr->t", signal_windows(x, k.shape[1]), k)


def hwc(x, k, x_as=None, k_axes=(2, 0, 1)):
    """(H, W, C) with (R, S, C) as one tensordot; ``x_as`` replaces the moved input."""
    chw = np.moveaxis(x, -1, 0) if x_as is None else x_as
    return np.tensordot(convlab.sliding_windows(chw, k.shape[:2]), k, axes=([0, 3, 4], list(k_axes)))


def depthwise(x, k, subscripts="cijrs,crs->cij"):
    return np.einsum(subscripts, convlab.sliding_windows(x, k.shape[-2:]), k)


def nhwc(x, k, x_as=None, k_as=None):
    """(N, H, W, C) with (R, S, C, K) as one tensordot; ``x_as``/``k_as`` replace the NCHW/KCRS operands."""
    nchw = x.transpose(0, 3, 1, 2) if x_as is None else x_as
    windows = convlab.sliding_windows(nchw, k.shape[:2])
    if k_as is not None:
        return np.tensordot(windows, k_as, axes=([1, 4, 5], [1, 2, 3]))
    return np.tensordot(windows, k, axes=([1, 4, 5], [2, 0, 1]))


def grouped(x, k, groups, channels="gc", filters="gf"):
    """Grouped convolution with one einsum; ``channels="cg"`` or ``filters="fg"`` deal them out in turn."""
    n, c, h, w = x.shape
    kf, cg, r, s = k.shape
    windows = convlab.sliding_windows(x, (r, s))
    ho, wo = windows.shape[2:4]
    shape = (groups, cg) if channels == "gc" else (cg, groups)
    windows = windows.reshape((n,) + shape + (ho, wo, r, s))
    bank = k.reshape(((groups, kf // groups) if filters == "gf" else (kf // groups, groups)) + (cg, r, s))
    out = np.einsum(f"n{channels}ijrs,{filters}crs->n{filters}ij", windows, bank)
    return out.reshape(n, kf, ho, wo)


def strided_columns(x, window, stride, dilation, steps=None, rows="crs"):
    """im2col of x (C, H, W) from as_strided; ``steps`` replaces x.strides, ``rows="rsc"`` the row order."""
    (r, s), (sh, sw), (dh, dw) = window, stride, dilation
    c, h, w = x.shape
    ho, wo = (h - dh * (r - 1) - 1) // sh + 1, (w - dw * (s - 1) - 1) // sw + 1
    step_c, row, col = steps or x.strides
    view = as_strided(x, (c, ho, wo, r, s), (step_c, sh * row, sw * col, dh * row, dw * col), writeable=False)
    order = (0, 3, 4, 1, 2) if rows == "crs" else (3, 4, 0, 1, 2)
    return view.transpose(order).reshape(c * r * s, ho * wo)


EPS32 = float(np.finfo(np.float32).eps)


def running_error(x, rounded_after=False, relative=True, unit=EPS32):
    exact = np.cumsum(x)
    running = exact.astype(np.float32) if rounded_after else np.cumsum(x.astype(np.float32))
    error = np.abs(running - exact)
    return (error / exact if relative else error) / unit


def fft_conv(x, k, turn=True, last=True, sum_channels=True):
    """conv2d of (C, H, W) with (K, C, R, S) through the FFT, each step optional."""
    (_, h, w), (_, _, r, s) = x.shape, k.shape
    product = np.fft.rfft2(x) * np.fft.rfft2(k[..., ::-1, ::-1] if turn else k, s=(h, w))
    circular = np.fft.irfft2(product.sum(axis=1) if sum_channels else product, s=(h, w))
    return circular[..., r - 1:, s - 1:] if last else circular[..., :h - r + 1, :w - s + 1]


# Winograd's F(2, 3), typed in as a learner types them
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]])
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]])


def winograd_1d(d, g, bt=BT, gt=G, blocks=False):
    tiles = d.reshape(-1, 4) if blocks else np.lib.stride_tricks.sliding_window_view(d, 4)[::2]
    m = (tiles @ bt.T) * (gt @ g)
    return m, (m @ AT.T).reshape(-1)


def winograd_2d(x, k, bt=BT, step=2, scrambled=False):
    tiles = convlab.sliding_windows(x, (4, 4), stride=step)
    m = (bt @ tiles @ bt.T) * (G @ k @ G.T)
    y = AT @ m @ AT.T
    th, tw = y.shape[:2]
    return m, (y if scrambled else y.transpose(0, 2, 1, 3)).reshape(2 * th, 2 * tw)


def padded_max(x, window, stride, padding, fill=None):
    fill = (-np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min) if fill is None else fill
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2, constant_values=fill)
    return convlab.sliding_windows(xp, window, stride).max(axis=(-2, -1))


def layer_grad_x(x, k, g, stride, dilation, turn=True, swap=True, spread=True, dilate=True):
    """The input gradient of a layer by lesson 08's recipe, each step optional."""
    (n, _, h, w), (kf, _, r, s) = x.shape, k.shape
    if spread:
        ho, wo = g.shape[-2:]
        wide = np.zeros((n, kf, (ho - 1) * stride[0] + 1, (wo - 1) * stride[1] + 1))
        wide[..., ::stride[0], ::stride[1]] = g
        g = wide
    bank = k.transpose(1, 0, 2, 3) if swap else k
    bank = bank[..., ::-1, ::-1] if turn else bank
    d = dilation if dilate else (1, 1)
    full = convlab.conv2d(g, bank, padding=(d[0] * (r - 1), d[1] * (s - 1)), dilation=d)
    return np.pad(full, [(0, 0), (0, 0), (0, h - full.shape[2]), (0, w - full.shape[3])])


def im2col_conv(x, k):
    """(N, C, H, W) with (K, C, R, S) as one matrix product on the whole window matrix."""
    n, c = x.shape[:2]
    kf, _, r, s = k.shape
    w = convlab.sliding_windows(x, (r, s))  # (N, C, Ho, Wo, R, S)
    ho, wo = w.shape[2:4]
    columns = w.transpose(1, 4, 5, 0, 2, 3).reshape(c * r * s, n * ho * wo)
    return (k.reshape(kf, -1) @ columns).reshape(kf, n, ho, wo).transpose(1, 0, 2, 3)


def windows_with(x, window, strides=None, shape=None, writeable=False):
    r, s = window
    h, w = x.shape
    row, col = x.strides if strides is None else strides
    shape = shape or (h - r + 1, w - s + 1, r, s)
    return as_strided(x, shape=shape, strides=(row, col, row, col), writeable=writeable)


def strided_windows(x, window, stride, dilation, steps=None):
    """Windows with stride and dilation from as_strided; ``steps`` replaces x.strides."""
    (r, s), (sh, sw), (dh, dw) = window, stride, dilation
    ho, wo = (x.shape[0] - dh * (r - 1) - 1) // sh + 1, (x.shape[1] - dw * (s - 1) - 1) // sw + 1
    row, col = steps or x.strides
    return as_strided(x, (ho, wo, r, s), (sh * row, sw * col, dh * row, dw * col), writeable=False)


def strided_from_shape(x, window, stride, dilation):
    """Window strides computed as if x were C-contiguous: (W * itemsize, itemsize)."""
    return strided_windows(x, window, stride, dilation, steps=(x.shape[1] * x.itemsize, x.itemsize))


def c_steps(shape, itemsize, order="C"):
    """Byte strides of an array of ``shape``, worked out by hand."""
    steps, step = [], itemsize
    for n in (reversed(shape) if order == "C" else shape):
        steps.append(step)
        step *= n
    return tuple(reversed(steps)) if order == "C" else tuple(steps)


def size(input_hw, kernel_hw, stride, padding, dilation, two=2, span=None, plus=1, ceil=False):
    out = []
    for n, r, s, p, d in zip(input_hw, kernel_hw, stride, padding, dilation):
        covered = d * (r - 1) + 1 if span is None else span(r, d)
        room = n + two * p - covered
        out.append((-(-room // s) if ceil else room // s) + plus)
    return tuple(out)


def pad_with(x, rows, cols, lead=None):
    lead_pad = [(0, 0)] * (x.ndim - 2) if lead is None else [(lead, lead)] * (x.ndim - 2)
    return np.pad(x, lead_pad + [(rows, rows), (cols, cols)])


def chunked(x, k, max_bytes, drop_last=False):
    n, c, h, w = x.shape
    kf, _, r, s = k.shape
    ho, wo = h - r + 1, w - s + 1
    step = max(1, max_bytes // (c * r * s * ho * wo * x.itemsize))
    stop = n // step * step if drop_last else n
    return np.concatenate([im2col_conv(x[i:min(i + step, stop)], k) for i in range(0, stop, step)])


def central(f, x, eps, divide=2):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (divide * eps)
    return grad


def forward(f, x, eps):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        plus = x.copy()
        plus[index] += eps
        grad[index] = (f(plus) - f(x)) / eps
    return grad


def central_in_place(f, x, eps):
    """Perturbs x itself and "restores" it by adding and subtracting eps."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        up = f(x)
        x[index] -= 2 * eps
        down = f(x)
        x[index] += eps
        grad[index] = (up - down) / (2 * eps)
    return grad


def transpose_conv(y, k, stride, flip=False):
    """Each y[i, j] * k added into the output block at (i*stride, j*stride)."""
    k = k[::-1, ::-1] if flip else k
    (h, w), (r, s) = y.shape, k.shape
    out = np.zeros(((h - 1) * stride + r, (w - 1) * stride + s), dtype=np.result_type(y, k))
    for i in range(h):
        for j in range(w):
            out[i * stride:i * stride + r, j * stride:j * stride + s] += y[i, j] * k
    return out


class Subclass(np.ndarray):
    """An array type of the learner's own, whose behaviour the judge cannot trust."""


def weight_grad(x, g, kernel_hw, stride):
    """The weight gradient of a bank over a batch: windows with the stride, contracted with g."""
    windows = convlab.sliding_windows(x, kernel_hw, stride=stride)
    return np.tensordot(g, windows, axes=([0, 2, 3], [0, 2, 3]))


def pool_back(x, g, window, share=None, last=False):
    """Max-pool backward (stride = window): to the first maximum, the last, or ``share(is_max)``."""
    windows = convlab.sliding_windows(x, window, window)
    flat = windows.reshape(g.shape + (window * window,))
    if share is None:
        pick = flat.shape[-1] - 1 - flat[..., ::-1].argmax(axis=-1) if last else flat.argmax(axis=-1)
        parts = (np.arange(window * window) == pick[..., None]).astype(float)
    else:
        parts = share(flat == flat.max(axis=-1, keepdims=True))
    parts = parts.reshape(windows.shape) * g[..., None, None]
    out = np.zeros(x.shape)
    ho, wo = g.shape[-2:]
    out[..., :ho * window, :wo * window] = np.moveaxis(parts, -2, -3).reshape(x.shape[:-2] + (ho * window, wo * window))
    return out


def sce(logits, labels, stable=True, by=1.0, grad_by=1.0):
    """Softmax cross-entropy (mean loss, gradient); ``stable=False`` exponentiates the raw logits."""
    with np.errstate(all="ignore"):
        z = logits - logits.max(axis=1, keepdims=True) if stable else logits
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        rows = np.arange(len(labels))
        grad = p.copy()
        grad[rows, labels] -= 1
        return float(-np.log(p[rows, labels]).mean()) * by, grad / len(labels) * grad_by


def no_return(x, k):
    loops(x, k)


def mutates(x, k):
    x -= x.min()  # shifts x in place
    return loops(x, k)


MISTAKES = [
    # task, hint id, a submission with that mistake
    ("output_sizes", "off-by-one", [(3, 3), (2, 2), (6, 7)]),
    ("output_sizes", "stride-ignored", [(4, 4), (5, 5), (7, 8)]),
    ("output_sizes", "total-padding", [(4, 4), (3, 3), (5, 6)]),
    ("top_left", "kernel-flipped", lambda x, k: np.sum(x[:k.shape[0], :k.shape[1]] * k[::-1, ::-1])),
    ("conv2d_loops", "kernel-flipped", lambda x, k: loops(x, k[::-1, ::-1])),
    ("conv2d_loops", "integer-truncation", lambda x, k: loops(x, k, dtype=x.dtype)),
    ("conv2d_loops", "off-by-one", lambda x, k: loops(x, k, stop=-1)),
    ("conv2d_loops", "axes-swapped", lambda x, k: loops(x, k).T),
    ("conv2d_loops", "input-mutated", mutates),
    ("conv2d_loops", "returned-none", no_return),
    ("conv2d_loops", "not-plain-data", lambda x, k: loops(x, k).view(Subclass)),
    ("conv2d_loops", "rule", lambda x, k: convlab.conv2d(x, k)),
    ("conv2d_loops", "floats-for-integers", lambda x, k: convlab.conv2d(x * 1.0, k)),
    ("convolve2d_loops", "kernel-not-flipped", loops),
    ("convolve2d_loops", "flipped-one-axis", lambda x, k: loops(x, k[::-1])),
    ("conv2d_loops_channels", "kernel-flipped", lambda x, k: slow_conv(x, k[..., ::-1, ::-1])),
    ("conv2d_loops_channels", "first-channel-only", lambda x, k: loops(x[0], k[0])),
    ("count_multiplies", "input-positions", lambda hw, k: hw[0] * hw[1] * k[0] * k[1]),
    ("count_multiplies", "off-by-one", lambda hw, k: (hw[0] - k[0]) * (hw[1] - k[1]) * k[0] * k[1]),
    ("c_strides", "elements-not-bytes", lambda shape, itemsize: c_steps(shape, 1)),
    ("c_strides", "bits-not-bytes", lambda shape, itemsize: c_steps(shape, 8 * itemsize)),
    ("c_strides", "fortran-order", lambda shape, itemsize: c_steps(shape, itemsize, order="F")),
    ("windows", "strides-from-shape", lambda x, window: windows_with(x, window, (x.shape[1] * x.itemsize, x.itemsize))),
    ("windows_1d", "strides-from-shape", lambda x, width: as_strided(
        x, (len(x) - width + 1, width), (x.itemsize, x.itemsize), writeable=False)),
    ("windows", "copy-not-view", lambda x, window: np.array(windows_with(x, window))),
    ("windows", "writeable-view", lambda x, window: windows_with(x, window, writeable=True)),
    ("windows", "outside-memory", lambda x, window: windows_with(
        x, window, shape=(x.shape[0] - window[0] + 2, x.shape[1] - window[1] + 1) + tuple(window))),
    ("toeplitz", "hankel", lambda x, rows: as_strided(
        x, (rows, len(x) - rows + 1), (x.strides[0], x.strides[0]), writeable=False)),
    ("toeplitz", "strides-from-shape", lambda x, rows: as_strided(
        x[rows - 1:], (rows, len(x) - rows + 1), (-x.itemsize, x.itemsize), writeable=False)),
    ("toeplitz", "copy-not-view", lambda x, rows: np.array(as_strided(  # the right view, copied
        x[rows - 1:], (rows, len(x) - rows + 1), (-x.strides[0], x.strides[0]), writeable=False))),
    ("repeat_row", "rows-slide", lambda x, times: as_strided(x, (times, len(x)), (x.strides[0],) * 2, writeable=False)),
    ("repeat_row", "strides-from-shape", lambda x, times: as_strided(x, (times, len(x)), (0, x.itemsize),
                                                                     writeable=False)),
    ("repeat_row", "writeable-view", lambda x, times: as_strided(x, (times, len(x)), (0, x.strides[0]))),
    ("diagonal", "one-axis", lambda x: as_strided(x, (min(x.shape),), (x.strides[0],), writeable=False)),
    ("diagonal", "strides-from-shape", lambda x: as_strided(
        x, (min(x.shape),), ((x.shape[1] + 1) * x.itemsize,), writeable=False)),
    ("transpose", "strides-not-swapped", lambda x: as_strided(x, x.shape[::-1], x.strides, writeable=False)),
    ("transpose", "strides-from-shape", lambda x: as_strided(
        x, x.shape[::-1], (x.itemsize, x.shape[1] * x.itemsize), writeable=False)),
    ("windows_strided", "stride-ignored", lambda x, window, stride, dilation: strided_windows(
        x, window, (1, 1), dilation)),
    ("windows_strided", "dilation-ignored", lambda x, window, stride, dilation: strided_windows(
        x, window, stride, (1, 1))),
    ("windows_strided", "stride-dilation-swapped", lambda x, window, stride, dilation: strided_windows(
        x, window, dilation, stride)),
    ("windows_strided", "strides-from-shape", lambda x, window, stride, dilation: strided_from_shape(
        x, window, stride, dilation)),
    ("conv1d", "kernel-flipped", lambda x, k: conv1d(x, k[:, ::-1])),
    ("conv1d", "channels-not-summed", lambda x, k: np.einsum("ctr,cr->ct", signal_windows(x, k.shape[1]), k)),
    ("conv2d_hwc", "kernel-flipped", lambda x, k: hwc(x, k[::-1, ::-1])),
    ("conv2d_hwc", "input-reshaped", lambda x, k: hwc(x, k, x_as=x.reshape(x.shape[2], x.shape[0], x.shape[1]))),
    ("conv2d_hwc", "kernel-reshaped", lambda x, k: hwc(x, k.reshape(k.shape[2], k.shape[0], k.shape[1]),
                                                      k_axes=(0, 1, 2))),
    ("depthwise_conv", "summed-over-channels", lambda x, k: depthwise(x, k, "cijrs,crs->ij")),
    ("depthwise_conv", "every-kernel-on-every-channel", lambda x, k: depthwise(x, k, "cijrs,drs->dcij")),
    ("depthwise_conv", "kernel-flipped", lambda x, k: depthwise(x, k[..., ::-1, ::-1])),
    ("output_size", "ceil-division", lambda *a: size(*a, ceil=True)),
    ("output_size", "off-by-one", lambda *a: size(*a, plus=0)),
    ("output_size", "total-padding", lambda *a: size(*a, two=1)),
    ("output_size", "dilation-ignored", lambda *a: size(*a, span=lambda r, d: r)),
    ("output_size", "dilation-span", lambda *a: size(*a, span=lambda r, d: d * r)),
    ("pad", "total-padding", lambda x, p: pad_with(x, p[0] // 2, p[1] // 2)),
    ("pad", "rows-cols-swapped", lambda x, p: pad_with(x, p[1], p[0])),
    ("pad", "padded-every-axis", lambda x, p: pad_with(x, p[0], p[1], lead=p[0])),
    ("conv2d_general", "stride-ignored", lambda x, k, s, p, d: slow_conv(x, k, 1, p, d)),
    ("conv2d_general", "dilation-ignored", lambda x, k, s, p, d: slow_conv(x, k, s, p, 1)),
    ("conv2d_general", "total-padding", lambda x, k, s, p, d: slow_conv(x, k, s, (p[0] // 2, p[1] // 2), d)),
    ("conv2d_general", "kernel-flipped", lambda x, k, s, p, d: slow_conv(x, k[..., ::-1, ::-1], s, p, d)),
    ("conv2d_general", "padding-ignored", lambda x, k, s, p, d: slow_conv(x, k, s, 0, d)),
    ("conv2d_nhwc", "kernel-flipped", lambda x, k: nhwc(x, k[::-1, ::-1])),
    ("conv2d_nhwc", "input-reshaped", lambda x, k: nhwc(x, k, x_as=x.reshape(
        x.shape[0], x.shape[3], x.shape[1], x.shape[2]))),
    ("conv2d_nhwc", "kernel-reshaped", lambda x, k: nhwc(x, k, k_as=k.reshape(k.shape[::-1]))),
    ("conv2d_nhwc", "axes-swapped", lambda x, k: nhwc(x, k).transpose(0, 3, 1, 2)),
    ("conv1x1", "weights-transposed", lambda x, w: np.einsum("cf,nchw->nfhw", w, x)),
    ("grouped_conv", "interleaved-channels", lambda x, k, g: grouped(x, k, g, channels="cg")),
    ("grouped_conv", "interleaved-filters", lambda x, k, g: grouped(x, k, g, filters="fg")),
    ("grouped_conv", "kernel-flipped", lambda x, k, g: grouped(x, k[..., ::-1, ::-1], g)),
    ("im2col_strided", "row-order", lambda x, window, stride, dilation: strided_columns(
        x, window, stride, dilation, rows="rsc")),
    ("im2col_strided", "stride-dilation-swapped", lambda x, window, stride, dilation: strided_columns(
        x, window, dilation, stride)),
    ("im2col_strided", "strides-from-shape", lambda x, window, stride, dilation: strided_columns(
        x, window, stride, dilation, steps=c_steps(x.shape, x.itemsize))),
    ("float32_running_error", "rounded-after", lambda x: running_error(x, rounded_after=True)),
    ("float32_running_error", "absolute-error", lambda x: running_error(x, relative=False)),
    ("float32_running_error", "not-in-eps", lambda x: running_error(x, unit=1.0)),
    ("float32_running_error", "float64-eps", lambda x: running_error(x, unit=np.finfo(np.float64).eps)),
    ("conv2d_chunked", "last-chunk-dropped", lambda x, k, m: chunked(x, k, m, drop_last=True)),
    ("conv2d_chunked", "memory-bound", lambda x, k, m: im2col_conv(x, k)),
    ("conv2d_fft", "kernel-not-turned", lambda x, k: fft_conv(x, k, turn=False)),
    ("conv2d_fft", "wrapped-outputs", lambda x, k: fft_conv(x, k, last=False)),
    ("conv2d_fft", "channels-not-summed", lambda x, k: fft_conv(x, k, sum_channels=False)),
    ("winograd_1d", "bt-transposed", lambda d, g: winograd_1d(d, g, bt=BT.T)),
    ("winograd_1d", "halves-missing", lambda d, g: winograd_1d(d, g, gt=G * [[1], [2], [2], [1]])),
    ("winograd_1d", "separate-blocks", lambda d, g: winograd_1d(d, g, blocks=True)),
    ("winograd_2d", "tiles-scrambled", lambda x, k: winograd_2d(x, k, scrambled=True)),
    ("winograd_2d", "bt-transposed", lambda x, k: winograd_2d(x, k, bt=BT.T)),
    ("winograd_2d", "tiles-stride-1", lambda x, k: winograd_2d(x, k, step=1)),
    ("max_pool_padded", "zero-padding", lambda x, window, stride, padding: padded_max(x, window, stride, padding, 0)),
    ("max_pool_padded", "stride-ignored", lambda x, window, stride, padding: padded_max(x, window, 1, padding)),
    ("max_pool_padded", "padding-ignored", lambda x, window, stride, padding: padded_max(x, window, stride, 0)),
    ("max_pool_padded", "inf-in-integers", lambda x, window, stride, padding: padded_max(  # raises on integers
        x, window, stride, padding, -np.inf)),
    ("numerical_gradient", "half-difference", lambda f, x, eps: central(f, x, eps, divide=1)),
    ("numerical_gradient", "forward-difference", forward),
    ("numerical_gradient", "input-mutated", central_in_place),
    ("conv2d_grad_k", "kernel-flipped", lambda x, k, g: convlab.conv2d(x, g)[::-1, ::-1]),
    ("layer_grad_x", "kernel-not-flipped", lambda x, k, g, st, d: layer_grad_x(x, k, g, st, d, turn=False)),
    ("layer_grad_x", "bank-not-swapped", lambda x, k, g, st, d: layer_grad_x(x, k, g, st, d, swap=False)),
    ("layer_grad_x", "stride-ignored", lambda x, k, g, st, d: layer_grad_x(x, k, g, st, d, spread=False)),
    ("layer_grad_x", "dilation-ignored", lambda x, k, g, st, d: layer_grad_x(x, k, g, st, d, dilate=False)),
    ("conv_transpose", "stride-ignored", lambda y, k, stride: transpose_conv(y, k, 1)),
    ("conv_transpose", "kernel-flipped", lambda y, k, stride: transpose_conv(y, k, stride, flip=True)),
    ("max_pool_backward", "every-tie", lambda x, g, w: pool_back(x, g, w, share=lambda m: m)),
    ("max_pool_backward", "split-ties", lambda x, g, w: pool_back(
        x, g, w, share=lambda m: m / m.sum(-1, keepdims=True))),
    ("max_pool_backward", "last-tie", lambda x, g, w: pool_back(x, g, w, last=True)),
    ("max_pool_backward", "every-cell", lambda x, g, w: pool_back(x, g, w, share=lambda m: np.ones(m.shape))),
    ("softmax_cross_entropy", "softmax-overflow", lambda z, y: sce(z, y, stable=False)),
    ("softmax_cross_entropy", "not-divided-by-n", lambda z, y: sce(z, y, by=len(y), grad_by=len(y))),
    ("softmax_cross_entropy", "gradient-not-divided-by-n", lambda z, y: sce(z, y, grad_by=len(y))),
    ("softmax_cross_entropy", "loss-not-divided-by-n", lambda z, y: sce(z, y, by=len(y))),
    ("softmax_cross_entropy", "averaged-twice", lambda z, y: sce(z, y, grad_by=1 / len(y))),
    ("softmax_cross_entropy", "sign-flipped", lambda z, y: sce(z, y, grad_by=-1)),
]


@pytest.mark.parametrize("task, hint_id, answer", MISTAKES, ids=[f"{t}-{h}" for t, h, _ in MISTAKES])
def test_each_mistake_gets_its_hint(task, hint_id, answer):
    # The mistakes are made here with convlab's own routines, which most tasks' rules keep out of a
    # learner's answer: their source is not checked (the rules have tests of their own).
    result = check(task, answer) if hint_id == "rule" else run_task(TASKS[task], answer, globals(), source=None)
    assert result.points < result.max_points
    hints = [sub.hint_id for sub in result.subchecks]
    assert hint_id in hints, str(result)
    # the hint is shown, in words, with the sub-check that found it
    assert "Hint: " in str(result) and "Hint:" in result._repr_html_()


#: Every mistake the registry declares, for the tasks whose answer is a function (a view's requirements, which
#: the registry models with copies, are submitted as real views in MISTAKES above).
REGISTERED = [(name, mistake) for name, task in TASKS.items() if task.kind == "function"
              for mistake in task.mistakes if mistake.id not in REQUIREMENT_HINTS]


@pytest.mark.parametrize("task, mistake", REGISTERED, ids=[f"{t}-{m.id}" for t, m in REGISTERED])
def test_every_registered_mistake_gets_its_hint(task, mistake):
    """An answer that makes the mistake (the registry's own model of it) gets the mistake's hint."""
    declared = TASKS[task]
    built = [case.build(fixed_rng(task, i)) for i, case in enumerate(declared.cases)]
    replies = []
    for case, args in zip(declared.cases, built):  # the mistake where it can happen, the right answer elsewhere
        got = mistake.answer(*args, **case.kwargs)
        got = declared.reference(*args, **case.kwargs) if got is None else got
        facts = {"shares": [isinstance(a, np.ndarray) and np.shares_memory(got, a) for a in args],
                 "writeable": bool(got.flags.writeable), "strides": list(got.strides)} if isinstance(
                     got, np.ndarray) else None
        replies.append({"outcome": "returned", "answer": encode_answer(got), "facts": facts, "args_after": [],
                        "forbidden": [], "required_calls": 1})
    reply = roundtrip({"defined": True, "callable": True, "cases": replies})
    hints = [sub.hint_id for sub in judge(declared, built, reply)]
    assert mistake.id in hints, (task, mistake.id, hints)


def test_every_hint_has_a_test():
    covered = {(task, hint) for task, hint, _ in MISTAKES} | {(t, m.id) for t, m in REGISTERED}
    declared = {(name, known.id) for name, task in TASKS.items() for known in task.mistakes + task.errors}
    assert declared <= covered, f"mistakes without a test: {sorted(declared - covered)}"
    generic = set(GENERIC_HINTS) | set(REQUIREMENT_HINTS)
    tested = {hint for _, hint in covered} | {"time-limit"}  # time-limit: test_a_loop_that_never_ends
    assert generic <= tested, f"hints without a test: {sorted(generic - tested)}"


# --- scores and statuses -------------------------------------------------------------------------


def right_conv(x, k):
    return loops(x, k)


def test_a_right_answer_scores_full_marks():
    result = check("conv2d_loops", right_conv)
    assert result.passed and result.status == "passed"
    assert result.points == result.max_points == TASKS["conv2d_loops"].max_points
    assert all(sub.status == "passed" for sub in result.subchecks)
    assert str(result).splitlines()[0] == "conv2d_loops: 4/4 points"


def test_partial_credit_counts_each_subcheck():
    # right for square kernels only: the non-square sub-check fails, the others pass
    def square_only(x, k):
        return loops(x, k) if k.shape[0] == k.shape[1] else np.zeros((1, 1))

    result = check("conv2d_loops", square_only)
    assert [sub.status for sub in result.subchecks] == ["passed", "passed", "failed", "passed"]
    assert (result.points, result.status) == (3, "failed")


def test_a_stub_is_not_attempted_without_a_traceback():
    def conv2d_loops(x, k):
        # YOUR CODE HERE
        raise NotImplementedError()

    result = check("conv2d_loops", conv2d_loops)
    assert result.status == "not attempted" and result.points == 0
    assert {sub.status for sub in result.subchecks} == {"not attempted"}
    text = str(result)
    assert "not attempted" in text and "Traceback" not in text and "NotImplementedError()" in text


def test_an_undefined_name_is_not_attempted():
    namespace = {}
    exec("from convlab.grading import check\nresult = check('output_sizes')", namespace)
    result = namespace["result"]
    assert result.status == "not attempted"
    assert "output_sizes is not defined yet" in str(result)


def test_the_answer_is_looked_up_in_the_callers_namespace():
    namespace = {"output_sizes": [(4, 4), (3, 3), (7, 8)]}
    exec("from convlab.grading import check\nresult = check('output_sizes')", namespace)
    assert namespace["result"].passed


def test_an_error_shows_the_learners_line_not_the_checkers():
    def conv2d_loops(x, k):
        out = np.zeros((2, 2))
        out[5, 5] = 1  # the learner's bug
        return out

    result = check("conv2d_loops", conv2d_loops)
    sub = result.subchecks[0]
    assert sub.status == "error"
    assert "IndexError" in sub.message
    assert sub.where.startswith("line ") and "of conv2d_loops raised it: out[5, 5] = 1" in sub.where
    text = str(result) + result._repr_html_()
    assert "checker.py" not in text and "Traceback" not in text and "_call" not in text


def test_an_error_inside_numpy_points_at_the_learners_call():
    def conv2d_loops(x, k):
        return np.tensordot(x, k, axes=5)

    sub = check("conv2d_loops", conv2d_loops).subchecks[0]
    assert sub.status == "error" and "return np.tensordot(x, k, axes=5)" in sub.where
    assert "numpy" not in sub.where


def test_not_a_function():
    result = check("conv2d_loops", 42)
    assert result.points == 0
    assert "should be a function, but it is int 42" in result.subchecks[0].message


def test_a_loop_that_never_ends_is_stopped():
    def conv2d_loops(x, k):
        i = 0
        while i < 10:
            pass  # i never changes
        return x

    result = check("conv2d_loops", conv2d_loops, time_limit=0.2)
    first, *rest = result.subchecks
    assert first.status == "error" and first.hint_id == "time-limit"
    assert first.message == "stopped after 0.2 s"
    assert first.where and ("while i < 10" in first.where or "pass" in first.where)
    assert all("skipped" in sub.message for sub in rest)  # one stop, not one per sub-check


def test_except_exception_does_not_swallow_the_time_limit():
    def conv2d_loops(x, k):
        while True:
            try:
                sum(range(1000))
            except Exception:
                pass

    result = check("conv2d_loops", conv2d_loops, time_limit=0.2)
    assert result.subchecks[0].hint_id == "time-limit"


def test_the_time_limit_is_disarmed_afterwards():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    check("conv2d_loops", right_conv, time_limit=0.2)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before


def test_unknown_task():
    with pytest.raises(ValueError, match="no task named 'conv2d_loop'.*conv2d_loops"):
        check("conv2d_loop", right_conv)


def test_checks_are_deterministic():
    wrong = lambda x, k: loops(x, k[::-1, ::-1])  # noqa: E731
    assert check("conv2d_loops", wrong).record() == check("conv2d_loops", wrong).record()


def test_inputs_are_fresh_for_each_call():
    seen = []

    def conv2d_loops(x, k):
        seen.append(x)
        return loops(x, k)

    check("conv2d_loops", conv2d_loops)
    check("conv2d_loops", conv2d_loops)
    assert seen[0] is not seen[4] and np.array_equal(seen[0], seen[4])


# --- what the learner sees ----------------------------------------------------------------------


def test_small_values_side_by_side_large_ones_summarised():
    result = check("conv2d_loops", lambda x, k: loops(x, k[::-1, ::-1]))
    small = result.subchecks[0]  # 2×3 output
    assert small.expected is not None and small.got is not None
    assert "values differ; the largest error is" in small.summary
    big = check("conv2d_nhwc", lambda x, k: nhwc(x, k) + 1e-3).subchecks[0]  # (2, 4, 5, 4)
    assert big.expected is None and big.got is None
    assert "at [" in big.summary and big.summary.endswith("(shape (2, 4, 5, 4), float64)")


def test_text_is_readable_without_colour():
    def conv2d_loops(x, k):
        if k.shape == (2, 2):
            raise NotImplementedError
        if k.shape == (2, 3):
            raise ZeroDivisionError("oops")
        return loops(x, k) if x.dtype.kind == "f" else loops(x, k)[::-1]

    text = str(check("conv2d_loops", conv2d_loops))
    lines = text.splitlines()
    assert lines[0] == "conv2d_loops: 1/4 points"
    assert lines[1].startswith("  – 0/1  3×4 integers, 2×2 kernel: not attempted")
    assert lines[2].startswith("  ✓ 1/1  6×7 floats")
    assert any(line.startswith("  ! 0/1  5×8 floats") and "error: ZeroDivisionError: oops" in line for line in lines)
    assert any(line.startswith("  ✗ 0/1  5×5 integer image") for line in lines)
    assert "\x1b[" not in text  # no terminal colour codes


def test_html_escapes_and_marks_status():
    result = check("conv2d_loops", lambda x, k: loops(x, k[::-1, ::-1]))
    html = result._repr_html_()
    assert html.startswith('<div class="convlab-check"') and "✗" in html
    assert "expected" in html and "<pre" in html
    assert "x[i + r, j + s]" in html and "<script" not in html
    result = check("conv2d_loops", lambda x, k: (_ for _ in ()).throw(ValueError("<b>bold</b>")))
    assert "&lt;b&gt;bold&lt;/b&gt;" in result._repr_html_()


def test_the_record_is_json_with_points_per_subcheck():
    result = check("conv2d_loops", lambda x, k: loops(x, k, stop=-1))
    bundle = result._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", RECORD_MIME}
    record = json.loads(json.dumps(bundle[RECORD_MIME]))
    assert record["task"] == "conv2d_loops" and record["exercise"] == "01_loops"
    assert (record["points"], record["max_points"], record["status"]) == (0, 4, "failed")
    assert [sub["hint_id"] for sub in record["subchecks"]] == ["off-by-one"] * 4
    assert "expected" not in record["subchecks"][0]  # values stay in the notebook


def test_repeated_hints_are_shown_once():
    text = str(check("conv2d_loops", lambda x, k: loops(x, k[::-1, ::-1])))
    side_by_side = [line for line in text.splitlines() if line.split()[:2] == ["expected", "got"]]
    assert text.count("Hint: ") == 1 and len(side_by_side) == 1


def test_every_task_has_cases_and_known_difficulty():
    for name, task in TASKS.items():
        assert task.name == name and task.cases and task.max_points > 0
        assert task.difficulty in ("easy", "medium", "hard") and task.kind in ("function", "value")
        labels = [case.label for case in task.cases]
        assert len(set(labels)) == len(labels), f"{name}: sub-check labels must differ"


def test_each_mistake_differs_from_the_right_answer_somewhere():
    """A mistake that always equals the right answer could never be recognised."""
    for task in TASKS.values():
        for mistake in task.mistakes:
            differs = False
            for i, case in enumerate(task.cases):
                if not case.compare_value:
                    continue
                args = case.build(fixed_rng(task.name, i))
                try:
                    wrong = mistake.answer(*args, **case.kwargs)
                except Exception:
                    continue
                if wrong is not None and not equal(task.reference(*args, **case.kwargs), wrong):
                    differs = True
            assert differs, f"{task.name}: mistake {mistake.id} never differs from the answer"


# --- rules -------------------------------------------------------------------------------------------


def test_a_shortcut_breaks_the_rule_before_anything_else():
    result = check("conv2d_loops", lambda x, k: convlab.conv2d(x, k))
    assert result.points == 0
    assert {sub.hint_id for sub in result.subchecks} == {"rule"}
    first = result.subchecks[0]
    assert first.message == "breaks the rule of this task: it uses convlab.conv2d"
    assert first.hint == "Rule: " + TASKS["conv2d_loops"].rule.text
    assert "Rule: Write the loops yourself" in str(result)


def test_a_name_made_at_run_time_is_refused_on_the_source():
    def conv2d_loops(x, k):
        return getattr(np, "corr" + "elate")(x.ravel(), k.ravel())

    first = check("conv2d_loops", conv2d_loops).subchecks[0]
    assert first.message == "the grader does not run an answer that uses getattr"
    assert first.hint_id == "sandbox"


def test_a_routine_reached_at_run_time_only_is_refused_while_it_runs():
    def conv2d_loops(x, k):  # the source is not checked here: only the guard while it runs
        return getattr(np, "corr" + "elate")(x.ravel(), k.ravel())

    first = run_task(TASKS["conv2d_loops"], conv2d_loops, globals(), source=None).subchecks[0]
    assert first.message == "breaks the rule of this task: it calls np.correlate"
    assert first.where and "of conv2d_loops called it" in first.where
    assert np.correlate.__module__ == "numpy"  # put back afterwards


def test_catching_the_refusal_does_not_hide_it():
    def conv2d_loops(x, k):
        try:
            return getattr(np, "con" + "volve")(x.ravel(), k.ravel())
        except BaseException:
            return loops(x, k)

    result = run_task(TASKS["conv2d_loops"], conv2d_loops, globals(), source=None)
    assert {sub.hint_id for sub in result.subchecks} == {"rule"}


def test_a_required_routine_must_be_called():
    def depthwise_conv(x, k):  # right values, by broadcasting where the task asks for einsum
        return (convlab.sliding_windows(x, k.shape[-2:]) * k[:, None, None]).sum(axis=(-2, -1))

    first = check("depthwise_conv", depthwise_conv).subchecks[0]
    assert first.hint_id == "rule" and first.message == "breaks the rule of this task: it does not use np.einsum"
    assert check("depthwise_conv", depthwise).passed


def test_a_ready_made_view_breaks_the_drills_rules():
    def repeat_row(x, times):
        return np.broadcast_to(x, (times, len(x)))

    def diagonal(x):
        return np.diagonal(x)

    def transpose(x):
        return x.T

    def toeplitz(x, rows):
        return np.flip(np.lib.stride_tricks.sliding_window_view(x, len(x) - rows + 1), 0)

    for answer, used in [(repeat_row, "np.broadcast_to"), (diagonal, "np.diagonal"), (transpose, ".T"),
                         (toeplitz, "sliding_window_view")]:
        result = check(answer.__name__, answer)
        assert result.points == 0 and {sub.hint_id for sub in result.subchecks} == {"rule"}, str(result)
        assert used in result.subchecks[0].message


def test_a_python_loop_breaks_a_rule_that_forbids_loops():
    def winograd_1d(d, g):  # the right products and outputs, one tile at a time
        tiles = np.array([d[2 * t:2 * t + 4] for t in range((len(d) - 2) // 2)])
        m = (tiles @ BT.T) * (G @ g)
        return m, (m @ AT.T).reshape(-1)

    result = check("winograd_1d", winograd_1d)
    assert result.points == 0 and {sub.hint_id for sub in result.subchecks} == {"rule"}
    assert result.subchecks[0].message == (
        "breaks the rule of this task: it loops in Python (a for or while loop, or a comprehension)")
    assert run_task(TASKS["winograd_1d"], winograd_1d, globals(), source=None).passed  # the values are right


def test_honest_answers_keep_every_rule():
    def c_strides(shape, itemsize):
        return c_steps(shape, itemsize)

    def toeplitz(x, rows):  # start at x[rows - 1], each row one element earlier
        return as_strided(x[rows - 1:], (rows, len(x) - rows + 1), (-x.strides[0], x.strides[0]), writeable=False)

    def repeat_row(x, times):
        return as_strided(x, (times, len(x)), (0, x.strides[0]), writeable=False)

    def diagonal(x):
        return as_strided(x, (min(x.shape),), (x.strides[0] + x.strides[1],), writeable=False)

    def transpose(x):
        return as_strided(x, x.shape[::-1], x.strides[::-1], writeable=False)

    def windows_strided(x, window, stride, dilation):
        return strided_windows(x, window, stride, dilation)

    for task, answer in [("toeplitz", toeplitz), ("repeat_row", repeat_row), ("diagonal", diagonal),
                         ("transpose", transpose), ("conv2d_loops", loops), ("conv1d", conv1d), ("conv2d_hwc", hwc),
                         ("depthwise_conv", depthwise), ("c_strides", c_strides), ("windows_strided", windows_strided),
                         ("conv2d_nhwc", nhwc), ("grouped_conv", grouped), ("im2col_strided", strided_columns),
                         ("float32_running_error", running_error), ("conv2d_chunked", chunked),
                         ("conv2d_fft", fft_conv), ("winograd_1d", winograd_1d), ("winograd_2d", winograd_2d),
                         ("max_pool_padded", padded_max), ("layer_grad_x", layer_grad_x),
                         ("conv_transpose", transpose_conv), ("conv2d_general", slow_conv)]:
        result = check(task, answer)
        assert result.passed, str(result)


# --- the capstone's training -------------------------------------------------------------------------

CAPSTONE = ROOT / "solutions" / "09_make_it_learn.ipynb"


@pytest.fixture(scope="module")
def capstone():
    """The solution's definitions, run here: the network, its backward pass, its training loop."""
    import nbformat

    namespace = {}
    for cell in nbformat.read(CAPSTONE, as_version=4).cells:
        if cell.cell_type == "code" and cell.source.startswith(("import", "def ")):
            exec(compile(cell.source, str(CAPSTONE), "exec"), namespace)
    return namespace


def test_honest_training_with_other_choices_passes(capstone):
    """The class's unusual loop (16 filters, another initialisation, batches of 16, lr 0.03, momentum 0.8), on the
    checker's fixed inputs: the same source the grader is given in ``tests/submissions.py``."""
    namespace = dict(capstone)
    exec(UNUSUAL["09_make_it_learn"]["train"], namespace)
    assert run_task(TASKS["train"], namespace["train"], capstone, source=None).passed


def _momentum_loop(backward, lr, shuffle=True):
    """A learner's train: 8 filters, batches of 32, momentum 0.9, this learning rate; shuffled every epoch or not."""

    def train(x, y, epochs, seed):
        rng = np.random.default_rng(seed)
        params = [rng.standard_normal((8, 1, 3, 3)) * 0.47, np.zeros(8), rng.standard_normal((10, 128)) * 0.01,
                  np.zeros(10)]
        velocity = [np.zeros_like(p) for p in params]
        for _ in range(epochs):
            order = rng.permutation(len(y)) if shuffle else np.arange(len(y))  # unshuffled: sorted by label
            for start in range(0, len(y), 32):
                chosen = order[start:start + 32]
                _, *grads = backward(x[chosen], y[chosen], *params)
                for param, v, g in zip(params, velocity, grads):
                    v *= 0.9
                    v += g
                    param -= lr * v
        return tuple(params)

    return train


def test_a_slow_but_honest_loop_learns_the_small_set_by_heart(capstone):
    """Learning rate 0.01, in the range the hint gives, with batches of 32: one step per epoch on 32 digits.
    After 40 epochs such a loop missed some of them on 284 of 300 splits; the task gives it room."""
    train = _momentum_loop(capstone["network_backward"], lr=0.01)
    result = run_task(TASKS["train"], train, capstone, source=None)
    assert result.passed, str(result)


def test_weights_trained_beforehand_earn_nothing(capstone):
    """Trained on every digit with their true labels, then returned: the grader's digits are turned and relabelled."""
    digits, labels = convlab.load_digits()
    trained = capstone["train"]((digits / 16.0)[:, None], labels, 15, 0)
    result = run_task(TASKS["train"], lambda x, y, epochs, seed: trained, capstone, source=None)
    assert result.points == 0, str(result)
    assert result.subchecks[0].hint_id == "initial-loss"


def test_a_loop_that_forgets_to_shuffle_is_told_so(capstone):
    train = _momentum_loop(capstone["network_backward"], lr=0.05, shuffle=False)
    result = run_task(TASKS["train"], train, capstone, source=None)
    held_out = result.subchecks[-1]
    assert held_out.status == "failed" and "shuffle" in held_out.hint


def test_the_capstone_states_the_bar_its_grader_sets():
    """The task's text says how many held-out digits must be right: the number the check uses."""
    import nbformat

    from convlab.grading.tasks.make_it_learn import HELD_OUT_NEEDED

    for folder in ("solutions", "exercises"):
        cells = nbformat.read(ROOT / folder / "09_make_it_learn.ipynb", as_version=4).cells
        text = " ".join(" ".join(cell.source.split()) for cell in cells if cell.cell_type == "markdown")
        assert f"at least {HELD_OUT_NEEDED:.0%} of the 500 others are right" in text, folder
