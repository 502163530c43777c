"""TF-Slim's (``tf.contrib.layers``) initializers: their own variance-scaling formulas.

Unlike TF core, the truncated case uses ``stddev = sqrt(1.3 * factor / n)``, fans ignore
``partition_info`` and ``n`` is not clamped to at least 1.

>>> xavier_initializer(seed=1)([3, 4]).shape
torch.Size([3, 4])
"""
import math

from .. import dtypes
from ..errors import InitializerTypeError
from ..random import random_uniform, truncated_normal

__all__ = ["xavier_initializer", "xavier_initializer_conv2d", "variance_scaling_initializer"]


def xavier_initializer(uniform=True, seed=None, dtype=dtypes.float32):
    """Glorot/Xavier: ``variance_scaling_initializer(1.0, 'FAN_AVG', uniform)``."""
    return variance_scaling_initializer(factor=1.0, mode="FAN_AVG", uniform=uniform, seed=seed,
                                        dtype=dtype)


xavier_initializer_conv2d = xavier_initializer


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                 dtype=dtypes.float32):
    """Uniform in ``±sqrt(3 factor / n)`` or truncated normal with std ``sqrt(1.3 factor / n)``."""
    if not dtypes.is_floating(dtype):
        raise InitializerTypeError("Cannot create initializer for non-floating point type.")
    if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise InitializerTypeError("Unknown mode %s [FAN_IN, FAN_OUT, FAN_AVG]" % mode)

    def _initializer(shape, dtype=dtype, partition_info=None):
        if not dtypes.is_floating(dtype):
            raise InitializerTypeError("Cannot create initializer for non-floating point type.")
        shape = list(shape)
        if shape:
            fan_in = float(shape[-2]) if len(shape) > 1 else float(shape[-1])
            fan_out = float(shape[-1])
        else:
            fan_in = fan_out = 1.0
        for dim in shape[:-2]:
            fan_in *= dim
            fan_out *= dim
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[mode]
        if uniform:
            limit = math.sqrt(3.0 * factor / n)
            return random_uniform(shape, -limit, limit, dtype, seed=seed)
        return truncated_normal(shape, 0.0, math.sqrt(1.3 * factor / n), dtype, seed=seed)
    return _initializer
