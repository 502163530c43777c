"""TF's seed plumbing and the random ops, returning torch tensors.

Seeds.  Each random op gets its ``(seed, seed2)`` as TF 2.x graph mode does (``get_seed``):
the graph seed (``set_random_seed``) and the op's ``seed``; or the graph seed and a per-graph
counter of the random ops created without one, in creation order; or ``DEFAULT_GRAPH_SEED``
and the op seed; ``(0, 0)`` becomes ``(0, 2**31 - 1)``.  Every random op calls ``get_seed``
exactly once, so every v1 initializer call draws one op seed (``get_variable`` itself none).

Streams.  With a seed (graph or op), ``random_uniform``, ``random_normal``,
``truncated_normal`` and ``random_crop`` give TF's values bit for bit (``scopevar.philox``,
TF's Philox4x32-10 CPU kernels), whatever torch's generator state.  ``random_shuffle``,
``multinomial``, ``random_gamma`` and ``random_poisson`` draw from a ``torch.Generator``
seeded from ``(seed, seed2, run)``: repeatable, with TF's distributions, but not TF's streams.
With no seed at all TF is nondeterministic, and so is scopevar: those draws come from torch's
global generator, so ``torch.manual_seed`` makes them repeatable.

Runs.  TF re-running an op continues its stream.  A variable's initializer records the seeds
its random ops got, and re-running ``variable.initializer`` replays them with the next run
index, as TF's second ``sess.run(init)``.  A variable whose initial value is the output of
``random_uniform``, ``random_normal`` or ``truncated_normal`` re-runs that op likewise (a
value computed from such an output is kept as it is).

>>> g = Graph()
>>> with g.as_default():
...     set_random_seed(42)
...     get_seed(None), get_seed(None), get_seed(7)
((42, 0), (42, 1), (42, 7))
"""
import functools
import math
import struct
import threading
import weakref

import numpy as np
import torch

from . import dtypes, philox
from .constant_op import convert_to_tensor
from .errors import RandomArgumentError, RandomRangeError, RandomTypeError
from .graph import Graph, get_default_graph  # noqa: F401 - Graph for the doctest

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1
_FLOAT32 = struct.Struct("f")


def set_random_seed(seed):
    """Set the graph-level seed of the default graph (``tf.set_random_seed``)."""
    get_default_graph().seed = seed


def get_seed(op_seed):
    """TF 2.x graph mode's ``(seed, seed2)`` for a random op with ``op_seed`` (or None)."""
    graph = get_default_graph()
    if graph.seed is not None:
        if op_seed is None:
            op_seed = graph._next_op_seed()
        seeds = (graph.seed % _MAXINT32, op_seed % _MAXINT32)
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, op_seed % _MAXINT32)
    else:
        seeds = (None, None)
    return (0, _MAXINT32) if seeds == (0, 0) else seeds


# -- recording and replaying the seeds of an initializer ------------------------------------

class _Tape(threading.local):
    def __init__(self):
        self.recording = None      # list of (seed, seed2) being recorded
        self.replay = None         # [list of (seed, seed2), position, run]
        self.last = None           # the last random op's (seed, seed2)


_TAPE = _Tape()


class _TapeMode:
    """Context manager setting the tape's mode (a class: cheaper than a generator)."""

    __slots__ = ("mode", "old")

    def __init__(self, recording, replay):
        self.mode = (recording, replay)

    def __enter__(self):
        self.old = _TAPE.recording, _TAPE.replay
        _TAPE.recording, _TAPE.replay = self.mode

    def __exit__(self, *exc):
        _TAPE.recording, _TAPE.replay = self.old


def recording_seeds(into):
    """Append the seeds of every random op created inside to the list ``into``."""
    return _TapeMode(into, None)


def replaying_seeds(seeds, run):
    """Give the random ops created inside the recorded ``seeds`` in order, at run ``run``."""
    return _TapeMode(None, [seeds, 0, run])


def replaying():
    """Whether an initializer is being re-run (TF would not run its Python code again)."""
    return _TAPE.replay is not None


def _op_seeds(op_seed):
    """(seed, seed2, run) for a random op being created now."""
    replay = _TAPE.replay
    if replay is not None and replay[1] < len(replay[0]):
        seeds = replay[0][replay[1]]
        replay[1] += 1
        _TAPE.last = seeds
        return seeds[0], seeds[1], replay[2]
    seeds = _TAPE.last = get_seed(op_seed)
    if _TAPE.recording is not None:
        _TAPE.recording.append(seeds)
    return seeds[0], seeds[1], 0


_RERUNS = {}    # id(output of a random op) -> (weak reference to it, op to re-run, its seeds)


def _rerunnable(op):
    """``op``'s outputs remember how to run it again with its seeds (off the tensors, which
    stay plain: they may be pickled), for :func:`rerun_of`."""
    @functools.wraps(op)
    def run_op(*args, **kwargs):
        value = op(*args, **kwargs)
        if _TAPE.recording is not None or _TAPE.replay is not None:
            return value    # inside an initializer, whose seeds are on the tape already
        key = id(value)

        def forget(ref):
            if _RERUNS.get(key, (None,))[0] is ref:
                del _RERUNS[key]
        _RERUNS[key] = (weakref.ref(value, forget), functools.partial(op, *args, **kwargs),
                        (_TAPE.last,))
        return value
    return run_op


def rerun_of(value):
    """``(op, seeds)`` re-running the random op that returned ``value`` with its seeds, or
    ``(value, ())``: a variable made from such an output re-runs the op with each run of its
    initializer, continuing the stream, as TF does."""
    entry = _RERUNS.get(id(value))
    if entry is None or entry[0]() is not value:
        return value, ()
    return entry[1], entry[2]


def _generator(seed, seed2, run, device):
    """A torch generator for the op seeded ``(seed, seed2)`` at ``run``; None without seeds
    (torch's global generator)."""
    if seed is None:
        return None
    g = torch.Generator(device=device)
    g.manual_seed(int(np.random.SeedSequence([seed, seed2, run]).generate_state(1, np.uint64)[0]))
    return g


# -- arguments --------------------------------------------------------------------------------

def _shape(shape):
    """A shape argument as a list of ints, with TF's errors."""
    if type(shape) in (list, tuple) and all(type(d) is int and d >= 0 for d in shape):
        return list(shape)                  # the common case, checked at once
    if isinstance(shape, (torch.Tensor, np.ndarray)):
        if shape.ndim != 1:
            raise RandomArgumentError("Shape must be rank 1 but is rank %d" % shape.ndim)
        dims = shape.tolist()
    elif hasattr(shape, "as_list"):
        dims = shape.as_list()
    elif isinstance(shape, (list, tuple)):
        dims = [getattr(d, "value", d) for d in shape]
    else:
        raise RandomArgumentError("Shape must be rank 1 but is rank 0: pass a list, e.g. [%s]."
                                  % (shape,))
    for d in dims:
        if d is None:
            raise RandomTypeError("Failed to convert elements of %s to Tensor. Consider casting "
                                  "elements to a supported type. See https://www.tensorflow.org"
                                  "/api_docs/python/tf/dtypes for supported TF dtypes. Random "
                                  "ops need a fully defined shape." % (tuple(dims),))
        if isinstance(d, (float, np.floating)):
            raise RandomTypeError("Value passed to parameter 'shape' has DataType float32 not in "
                                  "list of allowed values: int32, int64")
        if d < 0:
            raise RandomRangeError("Dimension %d must be >= 0" % d)
    return [int(d) for d in dims]


def _param(x, dtype):
    """An op argument converted as TF converts it: a Python number becomes that number rounded
    to ``dtype`` (so torch's scalar arithmetic matches TF's in ``dtype``); tensors stay."""
    if type(x) is float:                 # the common case, without a torch op
        if dtype is dtypes.float64:
            return x
        if dtype is dtypes.float32:
            try:
                return _FLOAT32.unpack(_FLOAT32.pack(x))[0]     # round to nearest, as torch
            except OverflowError:
                pass
    t = convert_to_tensor(x, dtype)
    return t.item() if t.dim() == 0 and not isinstance(x, torch.Tensor) else t


def _check_dtype(dtype, allowed):
    if dtype not in allowed:
        raise RandomTypeError("Value passed to parameter 'dtype' has DataType %s not in list of "
                              "allowed values: %s" % (dtypes.name(dtype),
                                                      ", ".join(dtypes.name(d) for d in allowed)))


_FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_UNIFORM_DTYPES = _FLOATS + (dtypes.int32, dtypes.int64)


# -- uniform, normal, truncated normal: TF's streams -------------------------------------------

_CDF_2 = math.erf(2.0 / math.sqrt(2.0))      # P(|x| < 2) of a standard normal


def _truncated_normal(out):
    """Fill ``out`` with standard normal draws in [-2, 2], by inverse CDF: one pass, where
    ``torch.nn.init.trunc_normal_``'s whole-tensor rejection loop is several times slower."""
    return out.uniform_(-_CDF_2, _CDF_2).erfinv_().mul_(math.sqrt(2.0)).clamp_(-2.0, 2.0)


def _draw(kind, shape, dtype, seed, seed2, run, scale=None, shift=None):
    """Draws of ``kind``, 'uniform' in [0, 1), 'normal', 'truncated_normal' (|x| < 2), times
    ``scale`` plus ``shift`` as TF's ops (skipped if None; a tensor may broadcast)."""
    if seed is not None:
        draw = getattr(philox, kind)
        if not isinstance(scale, torch.Tensor) and not isinstance(shift, torch.Tensor):
            return draw(shape, seed, seed2, dtype, run, scale, shift)   # scaled in cache
        r = draw(shape, seed, seed2, dtype, run)
    elif kind == "uniform":
        r = torch.rand(shape, dtype=dtype)
    elif kind == "normal":
        r = torch.randn(shape, dtype=dtype)
    else:
        work = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
        r = _truncated_normal(torch.empty(shape, dtype=work)).to(dtype)
    if scale is not None:
        r = r * scale if isinstance(scale, torch.Tensor) else r.mul_(scale)
    if shift is not None:
        r = r + shift if isinstance(shift, torch.Tensor) else r.add_(shift)
    return r


@_rerunnable
def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in ``[minval, maxval)``; ``maxval`` defaults to 1 for floats, and
    integers (int32, int64) need it.

    >>> random_uniform([2, 3], -1.0, 1.0, seed=1).shape
    torch.Size([2, 3])
    """
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES:
        raise RandomArgumentError(
            "Argument `dtype` got invalid value %s. Accepted dtypes are (tf.float16, "
            "tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)." % dtypes.tf_repr(dtype))
    integer = not dtype.is_floating_point
    if maxval is None:
        if integer:
            raise RandomArgumentError("Must specify maxval for integer dtype tf.%s"
                                      % dtypes.name(dtype))
        maxval = 1
    shape = _shape(shape)
    lo_is_0 = isinstance(minval, int) and minval == 0
    hi_is_1 = isinstance(maxval, int) and maxval == 1
    if integer or not (lo_is_0 and hi_is_1):
        minval, maxval = _param(minval, dtype), _param(maxval, dtype)
    seed1, seed2, run = _op_seeds(seed)
    if integer:
        return _uniform_int(shape, minval, maxval, dtype, seed1, seed2, run)
    if seed1 is None and not isinstance(minval, torch.Tensor) and \
            not isinstance(maxval, torch.Tensor) and minval <= maxval:
        return torch.empty(shape, dtype=dtype).uniform_(minval, maxval)   # one op: faster
    if lo_is_0:
        return _draw("uniform", shape, dtype, seed1, seed2, run, None if hi_is_1 else maxval)
    return _draw("uniform", shape, dtype, seed1, seed2, run,
                 _difference(maxval, minval, dtype), minval)


def _difference(a, b, dtype):
    """``a - b`` in ``dtype`` (TF subtracts the converted tensors)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return torch.as_tensor(a, dtype=dtype) - torch.as_tensor(b, dtype=dtype)
    return (torch.tensor(a, dtype=dtype) - torch.tensor(b, dtype=dtype)).item()


def _uniform_int(shape, minval, maxval, dtype, seed1, seed2, run):
    for name, v in (("minval", minval), ("maxval", maxval)):
        if isinstance(v, torch.Tensor) and v.dim() != 0:
            raise RandomArgumentError("%s must be a scalar; got a tensor of shape %s"
                                      % (name, list(v.shape)))
    minval, maxval = int(minval), int(maxval)
    if minval >= maxval:
        raise RandomRangeError("Need minval < maxval, got %d >= %d" % (minval, maxval))
    if seed1 is None:
        return torch.randint(minval, maxval, shape, dtype=dtype)
    return philox.uniform_int(shape, minval, maxval, seed1, seed2, dtype, run)


def _normal(kind, shape, mean, stddev, dtype, seed):
    dtype = dtypes.as_dtype(dtype)
    shape = _shape(shape)
    mean, stddev = _param(mean, dtype), _param(stddev, dtype)
    seed1, seed2, run = _op_seeds(seed)
    _check_dtype(dtype, _FLOATS)
    if kind == "normal" and seed1 is None and not isinstance(mean, torch.Tensor) and \
            not isinstance(stddev, torch.Tensor):
        return torch.empty(shape, dtype=dtype).normal_(mean, stddev)      # one op: faster
    return _draw(kind, shape, dtype, seed1, seed2, run, stddev, mean)


@_rerunnable
def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values ``mean + stddev * N(0, 1)``.

    >>> float(random_normal([10000], 3.0, 0.5).mean()) > 2.9
    True
    """
    return _normal("normal", shape, mean, stddev, dtype, seed)


@_rerunnable
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values re-drawn beyond two standard deviations: ``mean + stddev * z``, |z| < 2
    (so their standard deviation is 0.88 ``stddev``).

    >>> bool(truncated_normal([1000], stddev=0.1).abs().max() < 0.2)
    True
    """
    return _normal("truncated_normal", shape, mean, stddev, dtype, seed)


def random_crop(value, size, seed=None, name=None):
    """A slice of shape ``size`` of ``value`` at a uniformly drawn offset (TF's offsets with
    seeds: ``random_uniform`` int32 draws modulo the room in each dimension).

    >>> random_crop(np.arange(12).reshape(3, 4), [2, 2], seed=1).tolist()
    [[1, 2], [5, 6]]
    """
    value = convert_to_tensor(value)
    size = convert_to_tensor(size, dtypes.int32).reshape(-1).tolist()
    seed1, seed2, run = _op_seeds(seed)
    if len(size) != value.dim():
        raise RandomArgumentError(
            "Dimension 0 in both shapes must be equal, but are %d and %d. Shapes are [%d] and "
            "[%d]." % (value.dim(), len(size), value.dim(), len(size)))
    shape = list(value.shape)
    if any(s < c for s, c in zip(shape, size)):
        raise RandomRangeError("assertion failed: [Need value.shape >= size, got ] [%s] [%s]"
                               % (" ".join(map(str, shape)), " ".join(map(str, size))))
    room = torch.tensor([s - c + 1 for s, c in zip(shape, size)], dtype=dtypes.int32)
    offset = _uniform_int([len(shape)], 0, _MAXINT32, dtypes.int32, seed1, seed2, run) % room
    return value[tuple(slice(o, o + c) for o, c in zip(offset.tolist(), size))].clone()


# -- shuffle, multinomial, gamma, poisson: TF's distributions, torch's streams ------------------

def random_shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted.  With seeds the permutation is
    repeatable per ``(seed, seed2, run)`` but not TF's (a torch generator draws it).

    >>> sorted(random_shuffle([3, 1, 2], seed=4).tolist())
    [1, 2, 3]
    """
    value = convert_to_tensor(value)
    seed1, seed2, run = _op_seeds(seed)
    if value.dim() == 0:
        return value.clone()
    g = _generator(seed1, seed2, run, "cpu")
    return value[torch.randperm(value.shape[0], generator=g).to(value.device)]


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """``num_samples`` class indices per row of ``logits`` ``[batch, classes]``, drawn with
    probabilities ``softmax(logits)``.  Seeded draws are repeatable, not TF's stream.

    >>> multinomial([[0.0, 100.0]], 3, seed=1).tolist()
    [[1, 1, 1]]
    """
    return _categorical(logits, num_samples, output_dtype, seed)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """``tf.random.categorical``: ``multinomial`` with ``dtype`` for the indices."""
    return _categorical(logits, num_samples, dtype, seed)


def _categorical(logits, num_samples, dtype, seed):
    logits = convert_to_tensor(logits)
    dtype = dtypes.as_dtype(dtype) if dtype else dtypes.int64
    if dtype not in (dtypes.int32, dtypes.int64):
        raise RandomArgumentError("Argument `dtype` got invalid value %s. Accepted dtypes are "
                                  "(tf.int32, tf.int64)." % dtypes.tf_repr(dtype))
    seed1, seed2, run = _op_seeds(seed)
    if logits.dim() != 2:
        raise RandomArgumentError("Shape must be rank 2 but is rank %d: logits are "
                                  "[batch_size, num_classes]." % logits.dim())
    num_samples = int(num_samples)
    if num_samples < 0:
        raise RandomArgumentError("Dimension size, given by scalar input 1, must be "
                                  "non-negative but is %d" % num_samples)
    if num_samples == 0 or logits.shape[0] == 0:
        return torch.zeros(logits.shape[0], num_samples, dtype=dtype)
    probs = torch.softmax(logits.double(), -1)
    g = _generator(seed1, seed2, run, probs.device)
    return torch.multinomial(probs, num_samples, replacement=True, generator=g).to(dtype)


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Gamma draws of shape ``shape + broadcast(alpha, beta).shape``, with concentration
    ``alpha`` and rate ``beta`` (default 1).  Seeded draws are repeatable, not TF's stream.

    >>> random_gamma([5], [1.0, 2.0], seed=1).shape
    torch.Size([5, 2])
    """
    dtype = dtypes.as_dtype(dtype)
    shape = _shape(shape)
    alpha = convert_to_tensor(alpha, dtype)
    beta = convert_to_tensor(1 if beta is None else beta, dtype)
    alpha = torch.broadcast_tensors(alpha, beta)[0]
    seed1, seed2, run = _op_seeds(seed)
    if dtype not in (dtypes.float16, dtypes.float32, dtypes.float64):
        kind = "ml_dtypes.bfloat16" if dtype is dtypes.bfloat16 else "numpy." + dtypes.name(dtype)
        raise RandomArgumentError("data type <class '%s'> not inexact" % kind)
    work = dtypes.float64 if dtype is dtypes.float64 else dtypes.float32
    rates = alpha.to(work).expand(shape + list(alpha.shape)).contiguous()
    g = _generator(seed1, seed2, run, rates.device)
    samples = torch._standard_gamma(rates, generator=g).masked_fill_(rates < 0, float("nan"))
    return (samples.to(dtype) / beta).clamp_min_(torch.finfo(dtype).tiny)


def random_poisson(lam, shape, dtype=dtypes.float32, seed=None, name=None):
    """Poisson draws of shape ``shape + lam.shape`` with rates ``lam``, as ``dtype`` (floats or
    int32 / int64).  Seeded draws are repeatable, not TF's stream.

    >>> random_poisson([1.0, 5.0], [4], seed=1).shape
    torch.Size([4, 2])
    """
    shape = _shape(shape)
    dtype = dtypes.as_dtype(dtype)
    lam = convert_to_tensor(lam)
    seed1, seed2, run = _op_seeds(seed)
    _check_dtype(dtype, (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32,
                         dtypes.int64))
    rates = lam.double().clamp_min(0).expand(shape + list(lam.shape)).contiguous()
    g = _generator(seed1, seed2, run, rates.device)
    return torch.poisson(rates, generator=g).to(dtype)


# -- tf.random.* (v1) ---------------------------------------------------------------------------

uniform = random_uniform
normal = random_normal
shuffle = random_shuffle
gamma = random_gamma
poisson = random_poisson
