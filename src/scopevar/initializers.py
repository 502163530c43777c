"""TF1's ``init_ops`` initializers, and the ``tf.initializers`` namespace.

An initializer is a callable ``init(shape, dtype=None, partition_info=None)`` returning a
torch tensor, with TF's maths, arguments, errors and seeds: with a graph or op seed, values
are TF's bit for bit (orthogonal ones to float rounding: their QR is LAPACK's, TF's Eigen's).
Under a partitioner, ``partition_info`` gives the full shape: the variance-scaling family
takes its fans from it, ``identity`` slices the full identity, the others fill each part.

>>> init = glorot_uniform_initializer(seed=1)
>>> init([3, 4]).shape
torch.Size([3, 4])
>>> VarianceScaling.from_config(he_normal(seed=5).get_config()).scale
2.0
"""
import itertools
import math

import numpy as np
import torch

from . import constant_op as _constant_op
from . import dtypes
from . import random as _random_ops
from .constant_op import convert_to_tensor
from .errors import InitializerError, InitializerTypeError
from .variables import global_variables_initializer as global_variables  # noqa: F401
from .variables import local_variables_initializer as local_variables  # noqa: F401
from .variables import variables_initializer as variables  # noqa: F401

_TRUNCATED_STD = 0.87962566103423978   # std of the standard normal truncated to [-2, 2]


class Initializer:
    """Base of the initializers: ``__call__(shape, dtype=None, partition_info=None)``, and
    ``get_config`` / ``from_config`` to save and rebuild one."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _float_dtype(dtype):
    """TF's constructor check of the float-only initializers."""
    if dtype is dtypes.float32:             # the default: checked without a call
        return dtype
    dtype = dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype):
        raise InitializerError("Argument `dtype` is expected to be floating point. Received: "
                               "%s." % dtypes.tf_repr(dtype))
    return dtype


def _scaled(gain, t):
    """``gain * t``, with ``gain`` converted to ``t``'s dtype as TF does."""
    return t * convert_to_tensor(gain, t.dtype)


class Zeros(Initializer):
    """All zeros, any dtype."""

    _fill = staticmethod(_constant_op.zeros)

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return self._fill(shape, self.dtype if dtype is None else dtype)

    def get_config(self):
        return {"dtype": dtypes.name(self.dtype)}


class Ones(Zeros):
    """All ones, any dtype."""

    _fill = staticmethod(_constant_op.ones)


class Constant(Initializer):
    """``value`` in the shape asked for: a scalar fills it, a list or array is reshaped and
    padded with its last value (TF1 ``constant`` rules); each part of a partitioned variable
    gets the whole ``value``.

    >>> Constant([1, 2])([2, 3]).tolist()
    [[1.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
    """

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (isinstance(value, (list, tuple, np.ndarray)) or np.isscalar(value)):
            raise InitializerTypeError(
                "Invalid type for initial value=%s of type: %s. Expected Python scalar, list or "
                "tuple of values, or numpy.ndarray. To start from a tensor, pass it as "
                "get_variable's initializer (without shape)." % (value, type(value).__name__))
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        return _constant_op.constant(
            self.value, dtype=self.dtype if dtype is None else dtype, shape=shape,
            verify_shape=self._verify_shape if verify_shape is None else verify_shape)

    def get_config(self):
        return {"value": self.value, "dtype": dtypes.name(self.dtype)}


class RandomUniform(Initializer):
    """Uniform in ``[minval, maxval)``; ``maxval=None`` is 1 for floats, and integer dtypes
    need it."""

    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval, self.maxval, self.seed = minval, maxval, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return _random_ops.random_uniform(shape, self.minval, self.maxval,
                                          self.dtype if dtype is None else dtype, seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": dtypes.name(self.dtype)}


class RandomNormal(Initializer):
    """``mean + stddev * N(0, 1)``."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return _random_ops.random_normal(shape, self.mean, self.stddev,
                                         self.dtype if dtype is None else dtype, seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": dtypes.name(self.dtype)}


class TruncatedNormal(RandomNormal):
    """``mean + stddev * z`` with ``z ~ N(0, 1)`` re-drawn while ``|z| >= 2``: values within
    two ``stddev`` of ``mean``, with standard deviation 0.88 ``stddev``."""

    def __call__(self, shape, dtype=None, partition_info=None):
        return _random_ops.truncated_normal(shape, self.mean, self.stddev,
                                            self.dtype if dtype is None else dtype,
                                            seed=self.seed)


class UniformUnitScaling(Initializer):
    """Uniform in ``±factor * sqrt(3 / input_size)``, ``input_size`` the product of all but
    the last dimension of the (full) shape.  Deprecated in TF for ``variance_scaling``."""

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor, self.seed = factor, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        full = shape if partition_info is None else partition_info.full_shape
        input_size = 1.0
        for dim in full[:-1]:
            input_size *= float(dim)
        limit = math.sqrt(3 / max(input_size, 1.0)) * self.factor
        return _random_ops.random_uniform(shape, -limit, limit,
                                          self.dtype if dtype is None else dtype, seed=self.seed)

    def get_config(self):
        return {"factor": self.factor, "seed": self.seed, "dtype": dtypes.name(self.dtype)}


def _compute_fans(shape):
    """TF's ``(fan_in, fan_out)``: rank 0 (1, 1), rank 1 (n, n), rank 2 (in, out), higher
    ranks (in, out) times the receptive field (the product of the leading dimensions).

    >>> _compute_fans([3, 3, 64, 128])
    (576, 1152)
    """
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = 1
    for dim in shape[:-2]:
        receptive_field *= dim
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class VarianceScaling(Initializer):
    """Draws with variance ``scale / n``, ``n`` the fan_in, fan_out or their mean (of the full
    shape under a partitioner): a truncated normal (``"truncated_normal"``, or its deprecated
    alias ``"normal"``; std corrected by 0.8796), an ``"untruncated_normal"``, or a
    ``"uniform"`` in ``±sqrt(3 scale / n)``."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.0:
            raise InitializerError("Argument `scale` must be a positive float. Received: %s"
                                   % (scale,))
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise InitializerError("Argument `mode` should be one of ('fan_in', 'fan_out', "
                                   "'fan_avg'). Received: %s" % (mode,))
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise InitializerError("Argument `distribution` should be one of ('normal', "
                                   "uniform', 'truncated_normal', 'untruncated_normal'). "
                                   "Received: %s" % distribution)
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = _float_dtype(dtype)

    def _variance(self, full_shape):
        """``scale / n``: the variance of the draws for a variable of ``full_shape``."""
        fan_in, fan_out = _compute_fans(full_shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return self.scale / max(1.0, n)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self.dtype if dtype is None else dtype
        scale = self._variance(shape if partition_info is None else partition_info.full_shape)
        if self.distribution in ("normal", "truncated_normal"):
            return _random_ops.truncated_normal(shape, 0.0, math.sqrt(scale) / _TRUNCATED_STD,
                                                dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return _random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return _random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": dtypes.name(self.dtype)}


class GlorotUniform(VarianceScaling):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))``: ``VarianceScaling(1, "fan_avg",
    "uniform")``.  Its ``dtype`` argument is ignored, as in TF (the call's dtype counts)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed, "dtype": dtypes.name(self.dtype)}


class GlorotNormal(VarianceScaling):
    """Truncated normal with std ``sqrt(2 / (fan_in + fan_out))``: ``VarianceScaling(1,
    "fan_avg", "truncated_normal")``.  Its ``dtype`` argument is ignored, as in TF."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed, "dtype": dtypes.name(self.dtype)}


def he_normal(seed=None):
    """Truncated normal with std ``sqrt(2 / fan_in)``."""
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    """Uniform in ``±sqrt(6 / fan_in)``."""
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    """Truncated normal with std ``sqrt(1 / fan_in)``."""
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    """Uniform in ``±sqrt(3 / fan_in)``."""
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


# -- orthogonal ---------------------------------------------------------------------------------

_QR_DTYPES = (dtypes.float64, dtypes.float32, dtypes.float16)


def _orthogonal_q(a):
    """TF's ``q`` of ``qr(a)`` times ``sign(diag(r))``: the QR with a positive diagonal of R.

    TF runs Eigen's Householder QR in ``a``'s dtype; this runs LAPACK's in float64 and rounds,
    which agrees with TF to float32 rounding (float16: computed in float32).
    """
    if a.dtype not in _QR_DTYPES:
        raise InitializerTypeError(
            "Value passed to parameter 'input' has DataType %s not in list of allowed values: "
            "float64, float32, float16, complex64, complex128. Use float32 for orthogonal "
            "initializers." % dtypes.name(a.dtype))
    q, r = torch.linalg.qr(a.double())
    return (q * torch.sign(torch.diagonal(r))).to(a.dtype)


class Orthogonal(Initializer):
    """An orthogonal matrix (times ``gain``) reshaped to ``shape``: the Q of a QR
    decomposition of a normal ``(prod(shape[:-1]), shape[-1])`` matrix, transposed when it
    is wide.  Each part of a partitioned variable is orthogonal on its own.

    >>> w = Orthogonal(gain=2.0)([6, 4])
    >>> bool(torch.allclose(w.T @ w, 4 * torch.eye(4), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain, self.seed = gain, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        if len(shape) < 2:
            raise InitializerError("The tensor to initialize, specified by argument `shape` "
                                   "must be at least two-dimensional. Received shape=%s"
                                   % (shape,))
        rows = math.prod(int(d) for d in shape[:-1])
        cols = int(shape[-1])
        a = _random_ops.random_normal((cols, rows) if rows < cols else (rows, cols),
                                      dtype=self.dtype if dtype is None else dtype,
                                      seed=self.seed)
        q = _orthogonal_q(a)
        if rows < cols:
            q = q.T
        return _scaled(self.gain, q.reshape([int(d) for d in shape]))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": dtypes.name(self.dtype)}


class Identity(Initializer):
    """``gain`` times the identity matrix (of the full shape; each part gets its slice)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        full = shape if partition_info is None else partition_info.full_shape
        if len(full) != 2:
            raise InitializerError("The tensor to initialize, specified by argument `shape` "
                                   "must be at least two-dimensional. Received shape=%s. "
                                   "Identity takes exactly two dimensions." % (shape,))
        eye = torch.eye(*[int(d) for d in full], dtype=dtypes.as_dtype(
            self.dtype if dtype is None else dtype))
        if partition_info is not None:
            eye = eye[tuple(slice(o, o + int(s))
                            for o, s in zip(partition_info.var_offset, shape))]
        return _scaled(self.gain, eye)

    def get_config(self):
        return {"gain": self.gain, "dtype": dtypes.name(self.dtype)}


def _in_out_check(shape):
    if shape[-2] > shape[-1]:
        raise InitializerError("In_filters, specified by shape[-2]=%s cannot be greater than "
                               "out_filters, specified by shape[-1]=%s." % (shape[-2], shape[-1]))


def _cast(x, dtype):
    """TF's ``cast``: a Python float becomes float32 first, then ``dtype``."""
    return convert_to_tensor(x).to(dtype)


class ConvolutionDeltaOrthogonal(Initializer):
    """A convolution kernel (rank 3-5, ``in <= out`` channels) that is zero except at its
    centre tap, which holds an orthogonal ``in x out`` matrix times ``gain`` (Xiao et al.
    2018): the convolution preserves norms.  Not exported by TF's ``tf.compat.v1``."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain, self.seed = gain, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtypes.as_dtype(self.dtype if dtype is None else dtype)
        if not 3 <= len(shape) <= 5:
            raise InitializerError("The tensor to initialize, specified by argument `shape` "
                                   "must be at least three-dimensional and at most "
                                   "five-dimensional. Received shape=%s" % (shape,))
        _in_out_check(shape)
        a = _random_ops.random_normal([shape[-1], shape[-1]], dtype=dtype, seed=self.seed)
        q = _orthogonal_q(a)[:shape[-2], :] * _cast(self.gain, dtype)
        weight = torch.zeros([int(d) for d in shape], dtype=dtype)
        weight[tuple((int(k) - 1) // 2 for k in shape[:-2])] = q
        return weight

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": dtypes.name(self.dtype)}


class ConvolutionOrthogonal(Initializer):
    """Base of the orthogonal convolution kernels of Xiao et al. (2018): products of
    symmetric projections make a kernel whose (circular) convolution is orthogonal.  As in TF,
    a set ``seed`` moves on by one after each random matrix drawn, and the random matrices
    are ``self.dtype`` (a call with another dtype fails)."""

    rank = None    # spatial dimensions

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain, self.seed = gain, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtypes.as_dtype(self.dtype if dtype is None else dtype)
        self._check_shape(shape)
        seed = self.seed
        kernel = self._orthogonal_kernel(int(shape[0]), int(shape[-2]), int(shape[-1]))
        if _random_ops.replaying():     # TF runs this Python once: a re-run leaves the seed
            self.seed = seed
        if dtype != self.dtype:
            raise InitializerTypeError(
                "Input 'y' of 'Mul' Op has type %s that does not match type %s of argument 'x'. "
                "Create the initializer with dtype=%s." % (dtypes.name(dtype),
                                                           dtypes.name(self.dtype),
                                                           dtypes.name(dtype)))
        return kernel * _cast(self.gain, dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": dtypes.name(self.dtype)}

    def _check_shape(self, shape):
        """TF's checks of the rank, the channels and the kernel sizes, in TF's order."""
        raise NotImplementedError

    def _next_seed(self):
        if self.seed:
            self.seed += 1

    def _orthogonal_matrix(self, n):
        a = _random_ops.random_normal([n, n], dtype=self.dtype, seed=self.seed)
        self._next_seed()
        return _orthogonal_q(a)

    def _symmetric_projection(self, n):
        """``c c^T``, ``c`` an orthogonal matrix with a random half of its columns zeroed."""
        q = self._orthogonal_matrix(n)
        mask = (_random_ops.random_normal([n], seed=self.seed) > 0).to(self.dtype)
        self._next_seed()
        c = q * mask
        return c @ c.T

    def _block_orth(self, n):
        """The ``2 x ... x 2`` kernel of products of ``P`` or ``1 - P`` of one symmetric
        projection ``P`` per spatial dimension (TF's 3-D kernel takes ``1 - P`` at index 0)."""
        projections = [self._symmetric_projection(n) for _ in range(self.rank)]
        eye = torch.eye(n, dtype=self.dtype)
        first = 1 if self.rank == 3 else 0
        kernel = torch.empty([2] * self.rank + [n, n], dtype=self.dtype)
        for index in itertools.product((0, 1), repeat=self.rank):
            factors = [p if i == first else eye - p for i, p in zip(index, projections)]
            product = factors[0]
            for f in factors[1:]:
                product = product @ f
            kernel[index] = product
        return kernel

    def _orthogonal_kernel(self, ksize, cin, cout):
        orth = self._orthogonal_matrix(cout)[:cin, :]
        if ksize == 1:
            return orth.reshape([1] * self.rank + [cin, cout])
        p = self._block_orth(cout)
        for _ in range(ksize - 2):
            p = _matrix_conv(p, self._block_orth(cout), self.rank)
        return torch.matmul(orth, p)


def _matrix_conv(m1, m2, rank):
    """The full convolution of two kernels of ``n x n`` matrices (products summed in TF's
    order)."""
    k, m = m1.shape[0], m2.shape[0]
    n = m1.shape[-1]
    result = torch.zeros([k + m - 1] * rank + [n, n], dtype=m1.dtype)
    for a in itertools.product(range(k), repeat=rank):
        for b in itertools.product(range(m), repeat=rank):
            result[tuple(i + j for i, j in zip(a, b))] += m1[a] @ m2[b]
    return result


class ConvolutionOrthogonal1D(ConvolutionOrthogonal):
    """An orthogonal 1-D convolution kernel ``[k, in, out]``, ``in <= out``."""

    rank = 1

    def _check_shape(self, shape):
        if len(shape) != 3:
            raise InitializerError("The tensor to initialize, specified by argument `shape` "
                                   "must be three-dimensional. Received shape=%s" % (shape,))
        _in_out_check(shape)


class ConvolutionOrthogonal2D(ConvolutionOrthogonal):
    """An orthogonal 2-D convolution kernel ``[k, k, in, out]``, ``in <= out``."""

    rank = 2

    def _check_shape(self, shape):
        if len(shape) != 4:
            raise InitializerError("The tensor to initialize, specified by argument `shape` "
                                   "must be four-dimensional. Received: %s" % (shape,))
        _in_out_check(shape)
        if shape[0] != shape[1]:
            raise InitializerError("Kernel sizes, specified by shape[0]=%s and shape[1]=%s must "
                                   "be equal." % (shape[0], shape[1]))


class ConvolutionOrthogonal3D(ConvolutionOrthogonal):
    """An orthogonal 3-D convolution kernel ``[k, k, k, in, out]``, ``in <= out``."""

    rank = 3

    def _check_shape(self, shape):
        if len(shape) != 5:
            raise InitializerError("The tensor to initialize, specified by argument `shape` "
                                   "must be five-dimensional. Received shape=%s" % (shape,))
        _in_out_check(shape)
        if not shape[0] == shape[1] == shape[2]:
            raise InitializerError("Kernel sizes, specified by shape[0]=%s,  shape[1]=%s and "
                                   "shape[2]=%s must be equal." % (shape[0], shape[1], shape[2]))


# -- TF1 names: tf.*_initializer and tf.initializers.* --------------------------------------------

zeros_initializer = zeros = Zeros
ones_initializer = ones = Ones
constant_initializer = constant = Constant
random_uniform_initializer = random_uniform = RandomUniform
random_normal_initializer = random_normal = RandomNormal
truncated_normal_initializer = truncated_normal = TruncatedNormal
uniform_unit_scaling_initializer = uniform_unit_scaling = UniformUnitScaling
variance_scaling_initializer = variance_scaling = VarianceScaling
orthogonal_initializer = orthogonal = Orthogonal
identity_initializer = identity = Identity
glorot_uniform_initializer = glorot_uniform = GlorotUniform
glorot_normal_initializer = glorot_normal = GlorotNormal
convolutional_delta_orthogonal = ConvolutionDeltaOrthogonal
convolutional_orthogonal_1d = ConvolutionOrthogonal1D
convolutional_orthogonal_2d = ConvolutionOrthogonal2D
convolutional_orthogonal_3d = ConvolutionOrthogonal3D
