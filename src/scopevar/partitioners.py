"""TF1's partitioners: ``partitioner(shape, dtype) -> partitions per axis``.

>>> fixed_size_partitioner(3)(shape=TensorShape([7, 2]), dtype=torch.float32)
[3, 1]
"""
import math

import torch  # noqa: F401 - for the doctest

from . import dtypes
from .errors import PartitionError
from .tensor_shape import TensorShape


def _element_size(dtype, bytes_per_string_element):
    dtype = dtypes.as_dtype(dtype)
    if dtype is dtypes.string:
        return bytes_per_string_element
    return dtype.itemsize


def fixed_size_partitioner(num_shards, axis=0):
    """``num_shards`` parts along ``axis`` (fewer when the axis is shorter)."""
    def _partitioner(shape, **unused_args):
        partitions = [1] * len(shape)
        partitions[axis] = min(num_shards, shape.dims[axis].value)
        return partitions
    return _partitioner


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16,
                                   max_shards=None):
    """As many parts along ``axis`` as keep each below ``max_shard_bytes`` (capped)."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise PartitionError(
            "Both max_shard_bytes and bytes_per_string_element must be positive. Currently, "
            "max_shard_bytes is %s andbytes_per_string_element is %s"
            % (max_shard_bytes, bytes_per_string_element))
    if max_shards and max_shards < 1:
        raise PartitionError("max_shards must be positive.")

    def _partitioner(shape, dtype):
        if not isinstance(shape, TensorShape):
            raise PartitionError("shape is not a TensorShape: %s" % (shape,))
        if not shape.is_fully_defined():
            raise PartitionError("shape is not fully defined: %s" % (shape,))
        partitions = [1] * shape.ndims
        bytes_per_slice = (1.0 * shape.num_elements() / shape.dims[axis].value
                           * _element_size(dtype, bytes_per_string_element))
        slices_per_shard = max(1, math.floor(max_shard_bytes / bytes_per_slice))
        shards = int(math.ceil(1.0 * shape.dims[axis].value / slices_per_shard))
        if max_shards:
            shards = min(max_shards, shards)
        partitions[axis] = shards
        return partitions
    return _partitioner


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10,
                                 bytes_per_string_element=16):
    """Parts of at least ``min_slice_size`` bytes, at most ``max_partitions`` of them."""
    def _partitioner(shape, dtype):
        if axis >= len(shape):
            raise PartitionError("Cannot partition variable along axis %d when shape is only %s"
                                 % (axis, shape))
        total = shape.num_elements() * _element_size(dtype, bytes_per_string_element)
        partitions = [1] * len(shape)
        partitions[axis] = max(1, min(shape.dims[axis].value, max_partitions,
                                      int(math.ceil(total / min_slice_size))))
        return partitions
    return _partitioner


def create_partitioned_variables(shape, slicing, initializer, dtype=dtypes.float32,
                                 trainable=True, collections=None, name=None, reuse=None):
    """Deprecated TF1 helper: the list of parts of a new partitioned variable."""
    from .variable_scope import _get_partitioned_variable, variable_scope
    if len(shape) != len(slicing):
        raise PartitionError("The 'shape' and 'slicing' of a partitioned Variable must have the "
                             "length: shape: %s, slicing: %s" % (shape, slicing))
    if len(shape) < 1:
        raise PartitionError("A partitioned Variable must have rank at least 1: shape: %s" % (shape,))
    with variable_scope(name, "PartitionedVariable", reuse=reuse):
        pv = _get_partitioned_variable(name=None, shape=shape, dtype=dtype,
                                       initializer=initializer, trainable=trainable,
                                       partitioner=lambda **unused: slicing,
                                       collections=collections)
        return list(pv)
