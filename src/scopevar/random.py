"""TF's seed plumbing and the random ops, returning torch tensors.

With a graph seed (``set_random_seed``) or an op seed, values come from TF's own Philox
streams, bit for bit (``scopevar.philox``); with neither, from torch's generator (fast and
nondeterministic, as TF is: seed it with ``torch.manual_seed`` for repeatable runs).

Each random op gets its ``(seed, seed2)`` as TF 2.x graph mode does: the graph seed and the
op seed, or the graph seed and a per-graph counter of unseeded random ops in creation order.
A variable's initializer records the seeds its random ops got, so re-running the initializer
replays them with the next run index, like TF re-running the same op in a session.

>>> g = Graph()
>>> with g.as_default():
...     set_random_seed(42)
...     get_seed(None), get_seed(None), get_seed(7)
((42, 0), (42, 1), (42, 7))
"""
import threading

import numpy as np
import torch

from . import dtypes
from .graph import Graph, get_default_graph  # noqa: F401 - Graph for the doctest

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1


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


def _op_seeds(op_seed):
    """(seed, seed2, run) for a random op being created now."""
    replay = _TAPE.replay
    if replay is not None and replay[1] < len(replay[0]):
        seeds = replay[0][replay[1]]
        replay[1] += 1
        return seeds[0], seeds[1], replay[2]
    seeds = get_seed(op_seed)
    if _TAPE.recording is not None:
        _TAPE.recording.append(seeds)
    return seeds[0], seeds[1], 0


# -- kernels ----------------------------------------------------------------------------------

def _kernel(kind, shape, dtype, seed, seed2, run):
    """Raw draws: 'uniform' in [0, 1), 'normal', 'truncated' (|x| < 2)."""
    if seed is None:
        return _torch_kernel(kind, shape, dtype)
    from . import philox
    return getattr(philox, {"uniform": "uniform", "normal": "normal",
                            "truncated": "truncated_normal"}[kind])(shape, seed, seed2, dtype, run)


def _torch_kernel(kind, shape, dtype):
    if kind == "uniform":
        return torch.rand(shape, dtype=dtype)
    if kind == "normal":
        return torch.randn(shape, dtype=dtype)
    out = torch.empty(shape, dtype=dtype)
    return torch.nn.init.trunc_normal_(out, 0.0, 1.0, -2.0, 2.0)


def _shape(shape):
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    if isinstance(shape, int):
        return [shape]
    return [int(getattr(d, "value", d)) for d in shape]


def _scalar(x, dtype):
    """A Python number rounded to ``dtype`` first, as TF converts op arguments.

    Given as a Python float, torch then computes ``tensor * scalar`` exactly as TF computes
    ``tensor * constant`` (float32 math for float32, float math rounded for half/bfloat16).
    """
    if dtype is torch.float32:
        return float(np.float32(x))
    if dtype is torch.float64:
        return float(x)
    return torch.tensor(x, dtype=dtype).item()


def _difference(a, b, dtype):
    """``a - b`` computed in ``dtype`` (TF rounds both, then subtracts in that dtype)."""
    if dtype is torch.float32:
        return float(np.float32(a) - np.float32(b))
    return (torch.tensor(a, dtype=dtype) - torch.tensor(b, dtype=dtype)).item()


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats)."""
    dtype = dtypes.as_dtype(dtype)
    shape = _shape(shape)
    seed1, seed2, run = _op_seeds(seed)
    if not dtypes.is_floating(dtype):
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype %s" % dtypes.name(dtype))
        if seed1 is None:
            return torch.randint(int(minval), int(maxval), shape, dtype=dtype)
        from . import philox
        return philox.uniform_int(shape, int(minval), int(maxval), seed1, seed2, dtype, run)
    if maxval is None:
        maxval = 1
    if seed1 is None:                          # one torch op: the same distribution, faster
        return torch.empty(shape, dtype=dtype).uniform_(float(minval), float(maxval))
    r = _kernel("uniform", shape, dtype, seed1, seed2, run)
    if type(minval) is int and minval == 0:
        return r if (type(maxval) is int and maxval == 1) else r.mul_(_scalar(maxval, dtype))
    return r.mul_(_difference(maxval, minval, dtype)).add_(_scalar(minval, dtype))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values ``mean + stddev * N(0, 1)``."""
    dtype = dtypes.as_dtype(dtype)
    seed1, seed2, run = _op_seeds(seed)
    if seed1 is None:
        return torch.empty(_shape(shape), dtype=dtype).normal_(float(mean), float(stddev))
    r = _kernel("normal", _shape(shape), dtype, seed1, seed2, run)
    return r.mul_(_scalar(stddev, dtype)).add_(_scalar(mean, dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values re-drawn beyond two standard deviations: ``mean + stddev * z``, |z| < 2."""
    dtype = dtypes.as_dtype(dtype)
    seed1, seed2, run = _op_seeds(seed)
    r = _kernel("truncated", _shape(shape), dtype, seed1, seed2, run)
    return r.mul_(_scalar(stddev, dtype)).add_(_scalar(mean, dtype))
