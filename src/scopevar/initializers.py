"""TF1's ``init_ops`` initializers: callables ``init(shape, dtype=None, partition_info=None)``
returning torch tensors, with TF's maths, arguments and seeds.

>>> init = glorot_uniform_initializer(seed=1)
>>> init([3, 4]).shape
torch.Size([3, 4])
"""
import math

import torch

from . import dtypes
from .constant_op import constant as _constant
from .random import random_normal, random_uniform, truncated_normal

_TRUNC_STD = 0.87962566103423978     # std of the standard normal truncated to [-2, 2]


class Initializer:
    """Base of the initializers: ``__call__(shape, dtype=None, partition_info=None)``."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None) if "dtype" not in cls.__init__.__code__.co_varnames else None
        return cls(**config)


def _float_dtype(dtype):
    dtype = dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype):
        raise ValueError("Argument `dtype` is expected to be floating point. Received: %s."
                         % dtypes.tf_repr(dtype))
    return dtype


class Zeros(Initializer):
    """All zeros, any dtype."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return torch.zeros(list(shape), dtype=dtypes.as_dtype(dtype or self.dtype))

    def get_config(self):
        return {"dtype": dtypes.name(self.dtype)}


class Ones(Initializer):
    """All ones, any dtype."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return torch.ones(list(shape), dtype=dtypes.as_dtype(dtype or self.dtype))

    def get_config(self):
        return {"dtype": dtypes.name(self.dtype)}


class Constant(Initializer):
    """A constant: a scalar fills the shape, a list pads with its last value (TF1 rules)."""

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (isinstance(value, (int, float, complex, bool, list, tuple))
                or hasattr(value, "__array__") and not isinstance(value, torch.Tensor)):
            raise TypeError("Invalid type for initial value=%s of type: %s. Expected Python "
                            "scalar, list or tuple of values, or numpy.ndarray."
                            % (value, type(value).__name__))
        self.value, self.verify_shape = value, verify_shape
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        verify = self.verify_shape if verify_shape is None else verify_shape
        return _constant(self.value, dtype=dtypes.as_dtype(dtype or self.dtype), shape=list(shape),
                         verify_shape=verify)

    def get_config(self):
        return {"value": self.value, "dtype": dtypes.name(self.dtype),
                "verify_shape": self.verify_shape}


class RandomUniform(Initializer):
    """Uniform in ``[minval, maxval)``; ``maxval=None`` is 1 for floats."""

    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval, self.maxval, self.seed = minval, maxval, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_uniform(shape, self.minval, self.maxval, dtype or self.dtype, seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": dtypes.name(self.dtype)}


class RandomNormal(Initializer):
    """``mean + stddev * N(0, 1)``."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_normal(shape, self.mean, self.stddev, _float_dtype(dtype or self.dtype),
                             seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": dtypes.name(self.dtype)}


class TruncatedNormal(RandomNormal):
    """``mean + stddev * z`` with ``z`` re-drawn while ``|z| > 2`` (actual std 0.88 stddev)."""

    def __call__(self, shape, dtype=None, partition_info=None):
        return truncated_normal(shape, self.mean, self.stddev, _float_dtype(dtype or self.dtype),
                                seed=self.seed)


def _compute_fans(shape):
    """TF's (fan_in, fan_out): receptive field times input / output channels."""
    shape = list(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return int(shape[-2] * receptive), int(shape[-1] * receptive)


class VarianceScaling(Initializer):
    """Draws with variance ``scale / n``, n the fan_in, fan_out or their mean (full shape)."""

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("normal", "uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.0:
            raise ValueError("Argument `scale` must be a positive float. Received: %s" % scale)
        if mode not in self._MODES:
            raise ValueError("Argument `mode` should be one of ('fan_in', 'fan_out', 'fan_avg')."
                             " Received: %s" % mode)
        distribution = distribution.lower()
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError("Argument `distribution` should be one of ('normal', uniform', "
                             "'truncated_normal', 'untruncated_normal'). Received: %s" % distribution)
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = _float_dtype(dtype or self.dtype)
        fan_in, fan_out = _compute_fans(shape if partition_info is None else partition_info.full_shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            return truncated_normal(shape, 0.0, math.sqrt(scale) / _TRUNC_STD, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": dtypes.name(self.dtype)}


class GlorotUniform(VarianceScaling):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))``.  Ignores ``dtype`` as TF does."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed, "dtype": dtypes.name(self.dtype)}


class GlorotNormal(VarianceScaling):
    """Truncated normal with std ``sqrt(2 / (fan_in + fan_out))``."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed, "dtype": dtypes.name(self.dtype)}


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
