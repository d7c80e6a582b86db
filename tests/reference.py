"""Independent references for convolution, built on SciPy and PyTorch.

Nothing here uses convlab: shapes are handled separately, padding with
np.pad, dilation by inserting zeros into the kernel, stride by slicing the
dense ("valid") SciPy result.
"""

import numpy as np
from scipy import signal


def pairs(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def dilate(kernel2d, dilation):
    """Insert dilation-1 zeros between kernel taps."""
    dh, dw = dilation
    r, s = kernel2d.shape
    out = np.zeros(((r - 1) * dh + 1, (s - 1) * dw + 1), dtype=kernel2d.dtype)
    out[::dh, ::dw] = kernel2d
    return out


def scipy_conv2d(x, k, stride=1, padding=0, dilation=1, flip=False):
    """conv2d (flip=False) or convolve2d (flip=True) from SciPy's 2-D routines.

    Accepts every shape combination of the table in docs/architecture.md.
    """
    x, k = np.asarray(x), np.asarray(k)
    (sh, sw), (ph, pw), dil = pairs(stride), pairs(padding), pairs(dilation)
    if x.ndim == 2:
        return scipy_conv2d(x[None], k[None], stride, padding, dilation, flip)
    if x.ndim == 4:
        return np.stack([scipy_conv2d(xi, k, stride, padding, dilation, flip) for xi in x])
    if k.ndim == 4:
        return np.stack([scipy_conv2d(x, ki, stride, padding, dilation, flip) for ki in k])
    # x (C, H, W), k (C, R, S)
    dtype = np.result_type(x, k)
    total = None
    for xc, kc in zip(x, k):
        xp = np.pad(xc.astype(dtype), ((ph, ph), (pw, pw)))
        kd = dilate(kc.astype(dtype), dil)
        if flip:
            full = signal.convolve2d(xp, kd, mode="valid")
        elif dtype.kind == "c":  # correlate2d conjugates its second argument
            full = signal.convolve2d(xp, kd[::-1, ::-1], mode="valid")
        else:
            full = signal.correlate2d(xp, kd, mode="valid")
        part = full[::sh, ::sw]
        total = part if total is None else total + part
    return total.astype(dtype)


def torch_conv2d(x, k, stride=1, padding=0, dilation=1):
    """PyTorch's conv2d (cross-correlation) on NumPy arrays, for any table shape."""
    import torch
    import torch.nn.functional as F

    x, k = np.asarray(x), np.asarray(k)
    x4 = x.reshape((1,) * (4 - x.ndim) + x.shape)
    k4 = k.reshape((1,) * (4 - k.ndim) + k.shape)
    out = F.conv2d(
        torch.from_numpy(np.ascontiguousarray(x4)),
        torch.from_numpy(np.ascontiguousarray(k4)),
        stride=pairs(stride),
        padding=pairs(padding),
        dilation=pairs(dilation),
    ).numpy()
    lead = (x.shape[:1] if x.ndim == 4 else ()) + (k.shape[:1] if k.ndim == 4 else ())
    return out.reshape(lead + out.shape[-2:])
