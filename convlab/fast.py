"""Fast convolution with bounded memory: the methods ``method="auto"`` picks from.

:func:`convlab.methods.conv_im2col` shows the idea that makes convolution
fast: turn it into one matrix product, which BLAS runs near the machine's
peak.  It pays for that with the window matrix, ``C*R*S`` rows by one column
per output position, ``R*S`` times larger than the input.  The two methods
here keep the matrix product and bound the copy:

- :func:`conv_blocked` builds the window matrix a block at a time (a few
  images, or a band of output rows of one image), multiplies it, and writes
  the product straight into its place in the output.  One buffer of at most
  :data:`BLOCK_BYTES` is reused for every block: small enough to stay in the
  processor's cache while the product reads it.  Every row of a block is
  copied in contiguous runs, from the input's column phases when the column
  stride is larger than 1 (:func:`column_phases`).
- :func:`conv_mec` copies less: each input row is expanded only along the
  columns (``S`` shifted copies instead of ``R*S``).  The ``R`` rows a window
  needs then sit next to each other in memory, so every output row is one
  matrix product with a slice of that strip, without further copies.  This
  is MEC, "memory-efficient convolution" (Cho and Brand, ICML 2017).  Its
  buffer is at most :data:`STRIP_BYTES`.

Both take the canonical arguments of :mod:`convlab.methods` (``x`` padded,
``(N, C, H, W)``; ``k`` ``(K, C, R, S)``; ``stride`` and ``dilation`` pairs)
and return a new C-contiguous ``(N, K, Ho, Wo)`` array in ``x.dtype``.
Integer inputs stay exact: NumPy's integer matrix product does not use BLAS
and wraps around on overflow like every NumPy integer operation.  Each output
element is a sum of the same products as in the other methods, so NaN and inf
reach exactly the outputs whose windows hold them.
"""

from __future__ import annotations

import math

import numpy as np

from .params import output_hw
from .windows import checked_as_strided, window_view

__all__ = ["BLOCK_BYTES", "SHARED_POSITIONS", "STRIP_BYTES", "column_phases", "conv_blocked", "conv_mec"]

#: Largest buffer, in bytes, that :func:`conv_blocked` allocates for a block of
#: the window matrix (unless one output row alone needs more: a block is never
#: smaller than one row of one image).  ``benchmarks/blocks.py`` measures block
#: sizes from 256 KiB to 16 MiB on the benchmark's large problems
#: (``benchmarks/results/blocks.md``).  With one thread (2 cores, load about
#: 1) blocks of 2 and 4 MiB had the highest GEMM efficiency (geometric mean
#: 0.86), 256 KiB the lowest (0.67: thin products), 16 MiB 0.77; with two
#: threads 4 and 8 MiB (0.64), 256 KiB 0.40.  The blocks are copied on one
#: thread: shared out to two threads, each multiplying on one BLAS thread,
#: they measured 0.57.
BLOCK_BYTES = 4 * 2**20

#: Images with fewer output positions than this share one matrix product in
#: :func:`conv_blocked` (a product per image would be too thin to be fast);
#: the default of its ``shared_positions``.
SHARED_POSITIONS = 1024

#: The same as ``BLOCK_BYTES`` for :func:`conv_mec`'s strips.  Its matrix products are small (one
#: output row each), so what matters is that the strip they read stays in the
#: processor's cache: strips of 1 to 4 MB measure fastest.
STRIP_BYTES = 2 * 2**20


def conv_blocked(x, k, stride, dilation, block_bytes=BLOCK_BYTES, shared_positions=SHARED_POSITIONS):
    """im2col one block at a time: the window matrix never exists whole.

    The window matrix of one image is ``(C*R*S, Ho*Wo)``: one row per kernel
    tap, one column per output position.  This builds it for a block of
    whole images (or for a band of output rows of one image, when one image
    is too large for a block), multiplies the ``(K, C*R*S)`` kernel matrix by
    it in one ``np.matmul``, and writes the product directly into the
    output, which is laid out ``(N, K, Ho, Wo)``.  Small images (fewer than
    ``shared_positions`` output positions) would make thin products, which
    BLAS runs slowly: when two images' windows and products fit in a block,
    the images of a block then share one product, as in im2col, whose
    result is moved into place.

    Each row of a block is copied in runs of ``Wo`` neighbouring numbers,
    which NumPy copies fastest.  With a column stride ``sw > 1`` the
    numbers of one run are ``sw`` apart in the input; the block's input
    rows are then first split into their ``sw`` column *phases* (columns
    ``b, b + sw, b + 2*sw, ...``), one copy of the input, after which every
    run is contiguous again (see :func:`column_phases`).

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Padded input.
    k : numpy.ndarray, shape (K, C, R, S)
        Kernels, in the dtype of ``x``.
    stride, dilation : pair of int
    block_bytes : int, optional
        Size limit of the buffer that holds a block of the window matrix.
        With ``sw > 1`` a second buffer holds the phases of the block's
        input rows: at most ``sh*sw/(R*S)`` times as large, about.
    shared_positions : int, optional
        Images with fewer output positions than this share one product
        (default :data:`SHARED_POSITIONS`; 0: never).

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)

    Examples
    --------
    Blocks of any size give the same result as the whole window matrix:

    >>> from convlab.methods import conv_im2col
    >>> rng = np.random.default_rng(0)
    >>> x, k = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 2))
    >>> whole = conv_im2col(x, k, (1, 2), (2, 1))
    >>> tiny = conv_blocked(x, k, (1, 2), (2, 1), block_bytes=1)  # one output row per block
    >>> tiny.shape, np.allclose(tiny, whole)
    ((2, 4, 5, 4), True)
    """
    n_images, channels = x.shape[:2]
    n_kernels, _, rows, cols = k.shape
    windows = window_view(x, (rows, cols), stride, dilation)  # (N, C, Ho, Wo, R, S), a view
    ho, wo = windows.shape[2:4]
    taps = channels * rows * cols
    kernels = np.ascontiguousarray(k).reshape(n_kernels, taps)
    # Each image's window matrix as (C, R, S, Ho, Wo): still a view, nothing copied yet.
    columns = windows.transpose(0, 1, 4, 5, 2, 3)
    try:
        # A 1x1 kernel with stride 1 has windows that do not overlap: the
        # input itself is the window matrix, and no block needs copying.
        matrices = columns.reshape(n_images, taps, ho * wo, copy=False)
    except ValueError:  # the usual case: a matrix of overlapping windows needs a copy
        pass
    else:
        return np.matmul(kernels, matrices).reshape(n_images, n_kernels, ho, wo)
    gather = _Gather(x, columns, (rows, cols), stride, dilation)
    out = np.empty((n_images, n_kernels, ho, wo), dtype=x.dtype)
    shared_bytes = (taps + n_kernels) * ho * wo * x.itemsize  # an image's windows and product
    if ho * wo < shared_positions and n_images > 1 and 2 * shared_bytes <= block_bytes:
        block_images = min(n_images, block_bytes // shared_bytes)
        return _blocked_small_images(gather, kernels, out, block_images)

    row_bytes = taps * wo * x.itemsize  # the window matrix of one output row
    block_rows = max(1, min(ho, block_bytes // row_bytes))
    block_images = max(1, min(n_images, block_bytes // (row_bytes * ho))) if block_rows == ho else 1
    buffer = np.empty(block_images * taps * block_rows * wo, dtype=x.dtype)
    for n0 in range(0, n_images, block_images):
        n1 = min(n0 + block_images, n_images)
        for i0 in range(0, ho, block_rows):
            i1 = min(i0 + block_rows, ho)
            m, positions = n1 - n0, (i1 - i0) * wo
            # The front of the buffer, shaped for this block, so reshapes below stay views.
            block = buffer[: m * taps * positions].reshape(m, channels, rows, cols, i1 - i0, wo)
            gather(block, n0, n1, i0, i1)
            target = out[n0:n1, :, i0:i1].reshape(m, n_kernels, positions, copy=False)
            np.matmul(kernels, block.reshape(m, taps, positions), out=target)
    return out


def _blocked_small_images(gather, kernels, out, block_images):
    """:func:`conv_blocked` for images with few output positions, ``block_images`` at a time.

    One product per image would be a thin ``(C*R*S, Ho*Wo)`` matrix, which
    BLAS multiplies slowly.  Here the images of a block share one product, one
    column per position of every image, as in im2col, and its ``(K, images,
    Ho*Wo)`` result is then moved into place in the output.
    """
    n_images, n_kernels, ho, wo = out.shape
    taps = kernels.shape[1]
    channels, rows, cols = gather.shape
    buffer = np.empty(block_images * taps * ho * wo, dtype=out.dtype)
    product = np.empty(n_kernels * block_images * ho * wo, dtype=out.dtype)
    for n0 in range(0, n_images, block_images):
        n1 = min(n0 + block_images, n_images)
        m = n1 - n0
        block = buffer[: m * taps * ho * wo].reshape(channels, rows, cols, m, ho, wo)
        gather(block.transpose(3, 0, 1, 2, 4, 5), n0, n1, 0, ho)
        result = product[: n_kernels * m * ho * wo].reshape(n_kernels, m * ho * wo)
        np.matmul(kernels, block.reshape(taps, m * ho * wo), out=result)
        np.copyto(out[n0:n1], result.reshape(n_kernels, m, ho, wo).transpose(1, 0, 2, 3))
    return out


class _Gather:
    """Copies the windows of output rows ``i0:i1`` of images ``n0:n1`` into a block ``(m, C, R, S, i1-i0, Wo)``.

    With column stride 1 each row of the block is a slice of the window view:
    runs of ``Wo`` neighbouring input numbers.  With column stride ``sw > 1``
    it first copies the block's input rows into their column phases, in a
    buffer it keeps, and copies the runs from there.
    """

    def __init__(self, x, columns, kernel_hw, stride, dilation):
        self.x, self.columns, self.stride, self.dilation = x, columns, stride, dilation
        self.shape = (x.shape[1],) + tuple(kernel_hw)
        self.groups, self.tap_step, self.q_step, q_max = column_phases(kernel_hw[1], stride[1], dilation[1])
        self.width = columns.shape[-1] + q_max  # a phase row: an output row and the reach of its last window
        self.buffer = None

    def __call__(self, block, n0, n1, i0, i1):
        (sh, sw), (dh, _) = self.stride, self.dilation
        if sw == 1:
            np.copyto(block, self.columns[n0:n1, :, :, :, i0:i1])
            return
        m, channels, rows, cols, band, wo = block.shape
        first, height = i0 * sh, (band - 1) * sh + (rows - 1) * dh + 1  # the input rows the block reads
        shape = (m, len(self.groups), channels, height, self.width)
        if self.buffer is None or self.buffer.size < math.prod(shape):
            self.buffer = np.empty(math.prod(shape), self.x.dtype)
        phases = self.buffer[: math.prod(shape)].reshape(shape)
        for g, (phase, _, _) in enumerate(self.groups):
            part = self.x[n0:n1, :, first : first + height, phase::sw][..., : self.width]
            phases[:, g, :, :, : part.shape[-1]] = part  # the rest of a phase row is never read
        item = self.x.itemsize
        sn, sg, sc, srow = (s // item for s in phases.strides[:4])
        for g, (_, s0, q0) in enumerate(self.groups):
            # tap s0 + t*tap_step of window (i, j) reads phase row i*sh + r*dh, column q0 + t*q_step + j
            target = block[:, :, :, s0 :: self.tap_step]
            view = checked_as_strided(
                self.buffer[g * sg + q0 :],
                target.shape,
                tuple(item * s for s in (sn, sc, dh * srow, self.q_step, sh * srow, 1)),
            )
            np.copyto(target, view)


def column_phases(cols, sw, dw):
    """How the ``cols`` taps of a kernel row fall on the input's column phases, for stride ``sw``.

    Window ``j`` reads input column ``j*sw + s*dw`` with tap ``s``.  Written
    as ``(j + q)*sw + b``, with ``b = s*dw % sw`` and ``q = s*dw // sw``, that
    is column ``j + q`` of *phase* ``b``, the columns ``b, b + sw, b + 2*sw,
    ...``: in a phase, the windows of one output row read a contiguous run.
    The taps of one phase are every ``sw // g``-th tap, ``g = gcd(sw, dw)``,
    and from one to the next ``q`` grows by ``dw // g``.

    Returns
    -------
    groups : list of (b, s0, q0)
        One per phase that some tap reads: the phase, its first tap and that
        tap's ``q``, in order of phase.
    tap_step, q_step : int
        The step between the taps of one phase, and between their ``q``.
    q_max : int
        The largest ``q``: a phase row needs ``Wo + q_max`` columns.

    Examples
    --------
    Stride 2, a 3-tap kernel: taps 0 and 2 read the even columns, tap 1 the odd ones.

    >>> column_phases(3, 2, 1)
    ([(0, 0, 0), (1, 1, 0)], 2, 1, 1)

    With dilation 2 every tap reads an even column:

    >>> column_phases(5, 2, 2)
    ([(0, 0, 0)], 1, 1, 4)
    """
    g = math.gcd(sw, dw)
    first = {}
    for s in range(cols):
        first.setdefault(s * dw % sw, s)
    groups = sorted((b, s, s * dw // sw) for b, s in first.items())
    return groups, sw // g, dw // g, (cols - 1) * dw // sw


def conv_mec(x, k, stride, dilation, block_bytes=STRIP_BYTES):
    """MEC: expand the input along columns only, then one product per output row.

    ``strip[n, h, c, s, j] = x[n, c, h, j*sw + s*dw]`` holds, for each input
    row ``h``, the ``S`` column-shifted copies of that row that the windows
    need: ``S`` times the input, instead of im2col's ``R*S`` times.  The
    window of output row ``i`` is then input rows ``i*sh, i*sh + dh, ...``;
    with ``dh = 1`` those are ``R`` neighbouring rows of the strip, one
    contiguous ``(R*C*S, Wo)`` matrix, so output row ``i`` is the kernel
    matrix (taps in ``(R, C, S)`` order) times a slice of the strip.  One
    ``np.matmul`` over a strided view of the strip computes every output row
    of a block, each product landing in its row of the output.

    With row dilation ``dh > 1`` the rows a window needs are ``dh`` apart;
    splitting the input rows into ``dh`` phases (rows ``p, p + dh, ...``)
    makes them neighbours again, and output rows are handled phase by phase.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Padded input.
    k : numpy.ndarray, shape (K, C, R, S)
        Kernels, in the dtype of ``x``.
    stride, dilation : pair of int
    block_bytes : int, optional
        Size limit of the strip buffer: a block is a few whole images or a
        band of output rows of one image.

    Returns
    -------
    numpy.ndarray, shape (N, K, Ho, Wo)

    Examples
    --------
    >>> from convlab.methods import conv_im2col
    >>> rng = np.random.default_rng(0)
    >>> x, k = rng.standard_normal((2, 3, 11, 8)), rng.standard_normal((4, 3, 3, 2))
    >>> mec = conv_mec(x, k, (2, 1), (2, 1))
    >>> mec.shape, np.allclose(mec, conv_im2col(x, k, (2, 1), (2, 1)))
    ((2, 4, 4, 7), True)
    """
    n_images, channels, height, width = x.shape
    n_kernels, _, rows, cols = k.shape
    sh, dh = stride[0], dilation[0]
    ho, wo = output_hw((height, width), (rows, cols), stride, (0, 0), dilation)
    # Taps in (R, C, S) order, the order of the rows of a strip slice.
    kernels = np.ascontiguousarray(k.transpose(0, 2, 1, 3)).reshape(n_kernels, rows * channels * cols)
    out = np.empty((n_images, n_kernels, ho, wo), dtype=x.dtype)

    strip_row = channels * cols * wo  # elements of one input row, expanded

    def span(band):  # input rows that a band of output rows reads
        return (band - 1) * sh + (rows - 1) * dh + 1

    band = max(1, min(ho, (block_bytes // (strip_row * x.itemsize) - span(1)) // sh + 1))
    image_bytes = span(ho) * strip_row * x.itemsize
    block_images = max(1, min(n_images, block_bytes // image_bytes)) if band == ho else 1
    buffer = np.empty(block_images * span(band) * strip_row, dtype=x.dtype)
    for n0 in range(0, n_images, block_images):
        n1 = min(n0 + block_images, n_images)
        for i0 in range(0, ho, band):
            i1 = min(i0 + band, ho)
            first, last = i0 * sh, (i1 - 1) * sh + (rows - 1) * dh  # input rows of this band
            band_x, band_out = x[n0:n1, :, first : last + 1], out[n0:n1, :, i0:i1]
            _mec_band(band_x, kernels, rows, cols, band_out, stride, dilation, buffer)
    return out


def _mec_band(x, kernels, rows, cols, out, stride, dilation, buffer):
    """Fill ``out`` (n, K, ho, Wo) from exactly the input rows ``x`` (n, C, H, W) it needs."""
    n_images, channels = x.shape[:2]
    ho, wo = out.shape[2:]
    (sh, sw), (dh, dw) = stride, dilation
    # Output rows i, i + period, i + 2*period, ... read the same phase of input
    # rows, and each reads q_step rows of that phase further on than the last.
    period = dh // math.gcd(sh, dh)
    q_step = sh // math.gcd(sh, dh)
    strips, used = {}, 0
    for i0 in range(min(period, ho)):
        q0, phase = divmod(i0 * sh, dh)  # output row i0 starts at input row q0*dh + phase
        if phase not in strips:
            xp = x[:, :, phase::dh]
            shape = (n_images, xp.shape[2], channels, cols, wo)
            strip = buffer[used : used + math.prod(shape)].reshape(shape)
            used += strip.size
            sn, sc, sr, sq = xp.strides
            # strip[n, h, c, s, j] = xp[n, c, h, j*sw + s*dw]
            np.copyto(strip, checked_as_strided(xp, shape, (sn, sr, sc, dw * sq, sw * sq)))
            strips[phase] = strip
        strip = strips[phase]
        count = len(range(i0, ho, period))
        row_step = strip.strides[1]  # one input row of the strip: C*S*Wo elements
        # Output row i0 + m*period reads R strip rows from q0 + m*q_step on; the guard
        # refuses a view past the strip's last row (of the last image).
        windows = checked_as_strided(
            strip[:, q0:],
            (n_images, count, rows * channels * cols, wo),
            (strip.strides[0], q_step * row_step, wo * strip.itemsize, strip.itemsize),
        )
        np.matmul(kernels, windows, out=out[:, :, i0::period].transpose(0, 2, 1, 3))
