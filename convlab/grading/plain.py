"""The plain data that crosses between where answers run and where they are judged.

Inputs go one way (:func:`encode_input`, :func:`decode_input`): arrays with
their exact memory layout (the bytes they view, the offset, shape and strides,
so a transposed or sliced input arrives transposed or sliced), numbers,
tuples, lists, dicts and the tasks' special inputs.  Answers come back the
other way (:func:`encode_answer`, :func:`decode_answer`): an exact
``numpy.ndarray`` of numbers, a number, a string, None, or a tuple or list of
those — anything else is described, never sent.  Arrays travel as ``.npy``
bytes (``allow_pickle=False``), in base64, inside JSON: nothing that decodes
them runs code.

Examples
--------
>>> import numpy as np
>>> x = decode_input(encode_input(np.arange(6.0).reshape(2, 3).T))
>>> x.strides, x.flags.c_contiguous
((8, 24), False)
>>> decode_answer(encode_answer((np.int64(3), [1.5, None])))
(np.int64(3), [1.5, None])
>>> encode_answer(np.arange(3).view(np.recarray))
{'__not_plain__': 'an object of type numpy.rec.recarray'}
"""

import base64
import io

import numpy as np

from .limits import Limits

from convlab.windows import memory_owner

__all__ = ["encode_input", "decode_input", "encode_answer", "decode_answer", "npy", "reaches_outside",
           "MAX_ANSWER_BYTES", "SCALAR_TYPES", "CALLABLES"]

# NumPy's routines bound once, at import: an answer that rebinds np.save or np.ndarray in the grader's
# interpreter changes its own view of NumPy, not how its reply is encoded.
_save, _load, _asarray, _array, _ascontiguousarray = np.save, np.load, np.asarray, np.array, np.ascontiguousarray
_ndarray, _generic, _byte_bounds = np.ndarray, np.generic, np.lib.array_utils.byte_bounds

#: Largest answer, in bytes, that is sent back.
MAX_ANSWER_BYTES = Limits.reply_bytes

#: Python types an answer may be, besides arrays, NumPy numbers, tuples and lists.
SCALAR_TYPES = (bool, int, float, str, type(None))

def npy(array):
    buffer = io.BytesIO()
    _save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _fromnpy(text):
    return _load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def encode_input(value):
    """An input as plain data that :func:`decode_input` turns back into the same value.

    Arrays keep their exact layout: the memory they view is sent whole,
    with the offset, shape and strides of the view, so a transposed or
    sliced input arrives transposed or sliced.  Objects with an
    ``encode_input()`` method (the tasks' special inputs) send what it returns.
    """
    if isinstance(value, _ndarray):
        owner = memory_owner(value)
        if not (owner.flags.c_contiguous or owner.flags.f_contiguous):
            owner = value = _array(value)
        offset = value.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
        return {"__array__": {"memory": npy(owner), "offset": int(offset),
                              "shape": list(value.shape), "strides": list(value.strides)}}
    if isinstance(value, _generic):
        return {"__scalar__": npy(_asarray(value))}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_input(v) for v in value]}
    if isinstance(value, list):
        return [encode_input(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[k, encode_input(v)] for k, v in value.items()]}
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if hasattr(value, "encode_input"):
        return value.encode_input()
    return value


def decode_input(data):
    """The value :func:`encode_input` encoded, rebuilt with its layout."""
    if isinstance(data, list):
        return [decode_input(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__array__" in data:
        spec = data["__array__"]
        memory = _fromnpy(spec["memory"])
        if not memory.flags.writeable:
            memory = memory.copy()
        base = memory.ravel(order="A")  # memory order: a view for C and Fortran arrays alike
        return _ndarray(spec["shape"], memory.dtype, buffer=base, offset=spec["offset"], strides=spec["strides"])
    if "__scalar__" in data:
        return _fromnpy(data["__scalar__"])[()]
    if "__tuple__" in data:
        return tuple(decode_input(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {k: decode_input(v) for k, v in data["__dict__"]}
    if "__complex__" in data:
        return complex(*data["__complex__"])
    if "__callable__" in data:
        return CALLABLES[data["__callable__"]](*[decode_input(a) for a in data["args"]])
    raise ValueError(f"unknown input encoding: {sorted(data)}")


def encode_answer(value, depth=0):
    """An answer as plain data, or ``{"__not_plain__": why}``.

    Plain data is an exact ``numpy.ndarray`` of numbers (not a subclass), a
    NumPy or Python number, a string, None, or a tuple or list of those.
    Anything else (an ndarray subclass, an object with its own ``__eq__``, a
    lazily computed proxy) is described, never compared: its behaviour is
    whatever the learner's kernel says it is.
    """
    kind = type(value)
    if kind is _ndarray:
        if value.dtype.hasobject or value.dtype.kind not in "biufc":
            return {"__not_plain__": f"an array of dtype {value.dtype}"}
        if reaches_outside(value):
            return {"__outside__": {"shape": list(value.shape), "dtype": str(value.dtype)}}
        if value.nbytes > MAX_ANSWER_BYTES:
            return {"__not_plain__": f"an array of {value.nbytes:,} bytes, too large to send"}
        return {"__array__": npy(_ascontiguousarray(value))}
    if kind in SCALAR_TYPES:
        if kind is float and value != value:
            return {"__float__": "nan"}
        if kind is float and value in (float("inf"), float("-inf")):
            return {"__float__": repr(value)}
        return value
    if kind is complex:
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, _generic) and kind in _NUMPY_SCALARS:
        return {"__scalar__": npy(_asarray(value))}
    if kind in (tuple, list):
        if depth > 4 or len(value) > 100_000:
            return {"__not_plain__": f"a {kind.__name__} nested too deep or too long"}
        items = [encode_answer(v, depth + 1) for v in value]
        bad = next((i for i in items if isinstance(i, dict) and "__not_plain__" in i), None)
        if bad is not None:
            return bad
        return {"__tuple__": items} if kind is tuple else items
    return {"__not_plain__": f"an object of type {kind.__module__}.{kind.__qualname__}"}


_NUMPY_SCALARS = frozenset(
    t for t in set(np.sctypeDict.values()) if issubclass(t, np.number) or t is np.bool_
)


def decode_answer(data):
    """The plain value :func:`encode_answer` encoded (arrays come back contiguous and writeable).

    Raises
    ------
    ValueError
        For ``__not_plain__`` and ``__outside__`` markers: the caller checks
        them first (:func:`describe_unplain`).
    """
    if isinstance(data, list):
        return [decode_answer(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__array__" in data:
        return _fromnpy(data["__array__"])
    if "__scalar__" in data:
        return _fromnpy(data["__scalar__"])[()]
    if "__tuple__" in data:
        return tuple(decode_answer(v) for v in data["__tuple__"])
    if "__float__" in data:
        return float(data["__float__"])
    if "__complex__" in data:
        return complex(*data["__complex__"])
    raise ValueError(f"not a plain answer: {data}")




def reaches_outside(view):
    """Whether an array view addresses bytes outside the memory it belongs to."""
    if view.base is None or view.size == 0:
        return False
    low, high = _byte_bounds(view)
    own_low, own_high = _byte_bounds(memory_owner(view))
    return low < own_low or high > own_high


# --- special inputs ---------------------------------------------------------------------------------


def _half_squared_correlation(k):
    """``L(x) = sum(cross-correlation(x, k)**2) / 2``, a loss built from NumPy alone."""
    from numpy.lib.stride_tricks import sliding_window_view

    einsum = np.einsum  # bound now: a guard may replace np.einsum later

    def loss(x):
        x = _asarray(x, dtype=float)
        windows = sliding_window_view(x, k.shape[-2:], axis=(-2, -1))
        out = einsum("...ijrs,...rs->ij", windows, k, optimize=True)
        return float((out**2).sum() / 2)

    loss.__qualname__ = loss.__name__ = "L"
    return loss


#: Callable inputs the tasks may send, by name: ``{"__callable__": name, "args": [...]}``.
CALLABLES = {"half_squared_correlation": _half_squared_correlation}
