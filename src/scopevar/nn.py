"""TF1's ``tf.nn`` on torch tensors: convolutions, pooling, normalization, activations, losses.

Layouts.  An NHWC tensor goes to torch as ``x.permute(0, 3, 1, 2)``: a ``channels_last`` view
of the same memory, which torch's kernels take and return without copying; the result is
permuted back to NHWC, again without a copy.  Filters ``[kh, kw, in, out]`` become torch's
``[out, in, kh, kw]`` by a permute as well; the layers store their kernels in ``[out, kh, kw,
in]`` memory (``store_filter_channels_last``) so that this permute is ``channels_last`` too.

Padding is TF's.  ``SAME`` pads ``max((ceil(in / s) - 1) * s + (k - 1) * d + 1 - in, 0)`` in
total, the odd pixel at the bottom / right: convolutions give torch the symmetric part and pad
only that pixel; pools need no padding copy at all (``ceil_mode`` adds it).  ``SAME`` average
pooling divides by the number of real (unpadded) inputs, as TF does.

>>> import scopevar as tf
>>> x = tf.random_normal([2, 9, 9, 3])
>>> y = tf.nn.conv2d(x, tf.random_normal([3, 3, 3, 8]), strides=[1, 2, 2, 1], padding="SAME")
>>> tf.nn.max_pool(tf.nn.relu(y), ksize=2, strides=2, padding="SAME").shape
torch.Size([2, 3, 3, 8])
"""
import collections

import numpy as np
import torch
import torch.nn.functional as F

from . import dtypes
from . import random as random_ops
from ._convert import INTS, alias, binary, check_dtype, floats, ints, op_error
from ._convert import axes as _axes
from .constant_op import convert_to_tensor
from .errors import InvalidArgumentError, OpArgumentError
from .math_ops import matmul, sigmoid, tanh
from .tensor_shape import TensorShape

__all__ = [
    "conv2d", "depthwise_conv2d", "depthwise_conv2d_native", "separable_conv2d",
    "conv2d_transpose", "atrous_conv2d", "convolution", "bias_add", "max_pool", "avg_pool",
    "max_pool2d", "avg_pool2d", "relu", "relu6", "elu", "selu", "leaky_relu", "softplus",
    "softsign", "sigmoid", "tanh", "crelu", "swish", "silu", "moments", "batch_normalization",
    "fused_batch_norm", "dropout", "l2_loss", "l2_normalize", "softmax", "log_softmax",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits", "in_top_k",
    "top_k", "lrn", "local_response_normalization", "xw_plus_b", "zero_fraction",
]

# --- layouts, strides and padding ----------------------------------------------------------------

_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _channels_first(data_format, n, op):
    """Whether ``data_format`` puts channels first; TF's error for one ``op`` does not take."""
    if data_format is None:
        return False
    if data_format not in _FORMATS[n]:
        raise OpArgumentError("Attr 'data_format' of '%s' Op passed string '%s' not in: %s."
                              % (op, data_format, ", ".join('"%s"' % f for f in _FORMATS[n])))
    return data_format.startswith("NC")


def _nc(x, channels_first):
    """The N, C, spatial... view torch takes: NHWC memory becomes a channels_last view."""
    return x if channels_first else x.movedim(-1, 1)


def _back(y, channels_first):
    return y if channels_first else y.movedim(1, -1)


def _spatial_sizes(x, channels_first):
    return list(x.shape[2:] if channels_first else x.shape[1:-1])


def _spatial(value, n, channels_first, name):
    """The spatial entries of TF's ``strides``/``ksize``/``dilations``: 1, n or n + 2 values."""
    v = [1] if value is None else ints(value)
    if len(v) == n + 2:
        outer = (v[0], v[1]) if channels_first else (v[0], v[-1])
        if outer != (1, 1):
            raise InvalidArgumentError("Current implementation does not yet support %s in the "
                                       "batch and depth dimensions." % name)
        return v[2:] if channels_first else v[1:-1]
    if len(v) not in (1, n):
        raise OpArgumentError("%s should be of length 1, %d or %d. Received: %s=%s of length %d"
                              % (name, n, n + 2, name, v, len(v)))
    return v * n if len(v) == 1 else v


def _same(size, k, s, d):
    """TF's SAME padding of one dimension: (before, after), the odd pixel after."""
    total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def _pads(padding, sizes, ksizes, strides, dilations, channels_first, op, explicit=True):
    """(before, after) per spatial dimension for "SAME", "VALID" or TF's explicit list."""
    n = len(sizes)
    if explicit and isinstance(padding, (list, tuple)):
        if not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in padding):
            raise OpArgumentError("When `padding` is a list, each element of `padding` must be a "
                                  "list/tuple of size 2. Received: padding=%s" % (padding,))
        if len(padding) != n + 2:
            raise OpArgumentError("When padding is a list, it must be of size %d. Received: "
                                  "padding=%s of size %d" % (n + 2, padding, len(padding)))
        pairs = [ints(p) for p in padding]
        outer = pairs[:2] if channels_first else pairs[:1] + pairs[-1:]
        if any(outer[0] + outer[1]):
            raise OpArgumentError("Nonzero explicit padding in the batch or depth dimensions is "
                                  "not supported for '%s'. Pad only the spatial dimensions." % op)
        return [tuple(p) for p in (pairs[2:] if channels_first else pairs[1:-1])]
    if padding == "SAME":
        return [_same(*a) for a in zip(sizes, ksizes, strides, dilations)]
    if padding == "VALID":
        return [(0, 0)] * n
    if explicit and padding == "EXPLICIT":
        raise OpArgumentError("'EXPLICIT' is not a valid value for `padding`. To use explicit "
                              "padding, `padding` must be a list.")
    raise OpArgumentError("Attr 'padding' of '%s' Op passed string '%s' not in: %s. Use 'SAME' or "
                          "'VALID' (upper case)." % (op, padding, '"SAME", "VALID", "EXPLICIT"'
                                                     if explicit else '"SAME", "VALID"'))


def _check_fits(sizes, ksizes, dilations, pads, op, *tensors):
    for size, k, d, (lo, hi) in zip(sizes, ksizes, dilations, pads):
        if size + lo + hi < (k - 1) * d + 1:
            raise op_error("Negative dimension size caused by subtracting %d from %d"
                           % ((k - 1) * d + 1, size + lo + hi), op, *tensors,
                           fix="The input is smaller than the window: use padding='SAME'.")


def _check_rank(t, rank, op, *tensors):
    if t.dim() != rank:
        raise op_error("Shape must be rank %d but is rank %d" % (rank, t.dim()), op, *tensors)


# --- convolutions --------------------------------------------------------------------------------

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _torch_filter(w, n):
    return w.permute(n + 1, n, *range(n))        # [k..., in, out] -> [out, in, k...]


def store_filter_channels_last(kernel):
    """Re-store a filter variable ``[k..., in, out]`` in ``[out, k..., in]`` memory order, so
    the ``[out, in, k...]`` permute torch convolves with is a ``channels_last`` tensor that its
    kernels take without copying the filter on every call (and whose gradient comes back in
    the variable's own layout).  Name, shape and values are unchanged; a partitioned
    variable is left as it is."""
    if isinstance(kernel, torch.Tensor) and not _out_first(kernel):
        kernel.data = kernel.data.movedim(-1, 0).contiguous().movedim(0, -1)
    return kernel


def _out_first(kernel):
    """Whether ``kernel`` [k..., in, out] lies in [out, k..., in] memory order: what
    ``kernel.movedim(-1, 0).is_contiguous()`` says, without a torch op (layers ask on every
    call)."""
    shape, strides, expected = kernel.shape, kernel.stride(), 1
    for d in (*range(kernel.dim() - 2, -1, -1), -1):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _split_pads(pads):
    """TF's (before, after) pads as torch's symmetric padding and the extra pixels ``F.pad``
    adds before it (None when there are none)."""
    sym = [min(p) for p in pads]
    extra = [e for (lo, hi), s in zip(reversed(pads), reversed(sym)) for e in (lo - s, hi - s)]
    return sym, extra if any(extra) else None


def _conv(x, w, strides, sym, extra, dilations, channels_first, groups=1):
    """Convolve ``x`` with TF filter ``w``: ``extra`` pads only the asymmetric pixel."""
    n = w.dim() - 2
    if not channels_first:
        x = x.movedim(-1, 1)
    if extra:
        x = F.pad(x, extra)
    y = _CONV[n](x, _torch_filter(w, n), None, strides, sym, dilations, groups)
    return y if channels_first else y.movedim(1, -1)


_PLANS = {}            # a convolution's plain arguments -> its checked plan (_conv's arguments)
_NOT_PLAIN = object()


def _plain(value):
    """``value`` as part of a cache key when it hashes by value (None, a string, an int, a
    list or tuple of ints), else ``_NOT_PLAIN``."""
    kind = type(value)
    if kind is list or kind is tuple:
        return tuple(value) if all(type(v) is int for v in value) else _NOT_PLAIN
    return value if value is None or kind is str or kind is int else _NOT_PLAIN


def _convolution(x, w, strides, padding, data_format, dilations, op, n):
    x, w = binary(x, w, op, ("input", "filter"))
    key = (op, x.shape, w.shape, _plain(strides), _plain(padding), _plain(data_format),
           _plain(dilations))
    plan = None if _NOT_PLAIN in key else _PLANS.get(key)
    if plan is None:                        # checked once per plain argument set
        plan = _conv_plan(x, w, strides, padding, data_format, dilations, op, n)
        if _NOT_PLAIN not in key:
            if len(_PLANS) >= 4096:             # bounded, whatever the number of shapes
                _PLANS.clear()
            _PLANS[key] = plan
    return _conv(x, w, *plan)


def _conv_plan(x, w, strides, padding, data_format, dilations, op, n):
    """``_conv``'s arguments after ``x``, ``w``, with TF's errors for bad ones."""
    cf = _channels_first(data_format, n, op)
    for t in (x, w):
        _check_rank(t, n + 2, op, x, w)
    depth, in_depth = x.shape[1 if cf else -1], w.shape[-2]
    if depth % in_depth:
        raise op_error("Depth of input (%d) is not a multiple of input depth of filter (%d)"
                       % (depth, in_depth), op, x, w,
                       fix="The filter is [height, width, in_channels, out_channels]; check "
                           "in_channels and data_format.")
    strides = _spatial(strides, n, cf, "strides")
    dilations = _spatial(dilations, n, cf, "dilations")
    sizes = _spatial_sizes(x, cf)
    pads = _pads(padding, sizes, w.shape[:n], strides, dilations, cf, op)
    _check_fits(sizes, w.shape[:n], dilations, pads, op, x, w)
    return (strides, *_split_pads(pads), dilations, cf, depth // in_depth)


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=[1, 1, 1, 1], name=None, filters=None):  # noqa: B006
    """2-D convolution of ``input`` [N, H, W, C] with ``filter`` [kh, kw, C, out].

    ``padding`` is "SAME", "VALID" or ``[[0, 0], [top, bottom], [left, right], [0, 0]]``.

    >>> conv2d(torch.ones(1, 4, 4, 1), torch.ones(2, 2, 1, 1), 2, "SAME").flatten().tolist()
    [4.0, 4.0, 4.0, 4.0]
    """
    w = alias("filters", filters, "filter", filter)
    return _convolution(input, w, strides, padding, data_format or "NHWC", dilations, "Conv2D", 2)


def convolution(input, filter, padding, strides=None, dilation_rate=None, name=None,  # noqa: A002
                data_format=None, filters=None, dilations=None):
    """N-D convolution (N = 1, 2, 3 from the filter's rank), strided or dilated (not both)."""
    w = convert_to_tensor(alias("filters", filters, "filter", filter))
    dilation_rate = alias("dilations", dilations, "dilation_rate", dilation_rate)
    n = w.dim() - 2
    if n not in _CONV:
        raise OpArgumentError("`num_spatial_dims` must be 1, 2, or 3. Received: "
                              "num_spatial_dims=%d." % n)
    s = np.array([1] * n if strides is None else ints(strides))
    d = np.array([1] * n if dilation_rate is None else ints(dilation_rate))
    if (s > 1).any() and (d > 1).any():
        raise OpArgumentError("`strides > 1` not supported in conjunction with `dilation_rate > "
                              "1`. Received: strides=%s and dilation_rate=%s" % (s, d))
    op = "Conv3D" if n == 3 else "Conv2D"
    return _convolution(input, w, s.tolist(), padding, data_format, d.tolist(), op, n)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """2-D convolution with the filter dilated by ``rate`` (holes between its taps)."""
    if rate < 1:
        raise OpArgumentError("rate %s cannot be less than one" % rate)
    return convolution(value, filters, padding, dilation_rate=[rate, rate])


def _depthwise(x, w, strides, padding, data_format, dilations):
    op = "DepthwiseConv2dNative"
    x, w = binary(x, w, op, ("input", "filter"))
    cf = _channels_first(data_format or "NHWC", 2, op)
    for t in (x, w):
        _check_rank(t, 4, op, x, w)
    if len(ints(strides)) != 4:
        raise op_error("DepthwiseConv2D requires the stride attribute to contain 4 values, but "
                       "got: %d" % len(ints(strides)), op, x, w, fix="Pass strides=[1, s, s, 1].")
    depth = x.shape[1 if cf else -1]
    if depth != w.shape[2]:
        raise op_error("Dimensions must be equal, but are %d and %d" % (depth, w.shape[2]), op, x,
                       w, fix="The filter is [height, width, in_channels, channel_multiplier].")
    strides = _spatial(strides, 2, cf, "strides")
    dilations = _spatial(dilations, 2, cf, "dilations")
    if max(dilations) > 1 and max(strides) > 1:
        raise OpArgumentError("When dilation rate is greater than 1, then all values of strides "
                              "must be 1. Received: `dilation rate` %s and `strides` %s"
                              % (dilations, strides))
    sizes = _spatial_sizes(x, cf)
    pads = _pads(padding, sizes, w.shape[:2], strides, dilations, cf, op)
    _check_fits(sizes, w.shape[:2], dilations, pads, op, x, w)
    return _conv(x, w.reshape(w.shape[0], w.shape[1], 1, -1), strides, *_split_pads(pads),
                 dilations, cf, depth)


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",  # noqa: A002
                            dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """Depthwise convolution: filter [kh, kw, C, multiplier], output channel c * mult + m."""
    return _depthwise(input, filter, strides, padding, data_format, dilations)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """Depthwise convolution with an optional dilation ``rate`` [rh, rw] (then strides are 1).

    >>> depthwise_conv2d(torch.ones(1, 5, 5, 2), torch.ones(3, 3, 2, 4), [1, 1, 1, 1], "SAME").shape
    torch.Size([1, 5, 5, 8])
    """
    rate = alias("dilations", dilations, "rate", rate)
    return _depthwise(input, filter, strides, padding, data_format, rate)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     rate=None, name=None, data_format=None, dilations=None):
    """A depthwise convolution followed by a 1x1 ``pointwise_filter`` [1, 1, C * mult, out]."""
    pointwise = convert_to_tensor(pointwise_filter)
    for d in pointwise.shape[:2]:
        if d != 1:
            raise OpArgumentError("Dimensions %d and 1 are not compatible. pointwise_filter must "
                                  "be [1, 1, in_channels * channel_multiplier, out_channels]." % d)
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, rate, data_format=data_format,
                         dilations=dilations)
    return conv2d(y, pointwise, [1, 1, 1, 1], "VALID", data_format=data_format)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding="SAME", data_format="NHWC", name=None, input=None,  # noqa: A002
                     filters=None, dilations=None):
    """The gradient of ``conv2d`` with respect to its input ("deconvolution").

    ``filter`` is [kh, kw, out_channels, in_channels]; ``output_shape`` is the shape of the
    result, which ``conv2d`` with the same arguments would map back to ``value``'s shape.

    >>> conv2d_transpose(torch.ones(1, 2, 2, 3), torch.ones(3, 3, 5, 3), [1, 4, 4, 5], 2).shape
    torch.Size([1, 4, 4, 5])
    """
    op = "Conv2DBackpropInput"
    x = alias("input", input, "value", value)
    x, w = binary(x, alias("filters", filters, "filter", filter), op, ("out_backprop", "filter"))
    cf = _channels_first(data_format or "NHWC", 2, op)
    for t in (x, w):
        _check_rank(t, 4, op, [4], w, x)
    depth = x.shape[1 if cf else -1]
    if depth != w.shape[3]:
        raise op_error("Dimensions must be equal, but are %d and %d" % (depth, w.shape[3]), op,
                       [4], w, x, fix="The filter is [height, width, out_channels, in_channels].")
    out = ints(output_shape)
    if out[1 if cf else 3] != w.shape[2]:
        raise InvalidArgumentError("Conv2DCustomBackpropInput: input and filter must have the same "
                                   "depth: %d vs %d" % (out[1 if cf else 3], w.shape[2]))
    strides = _spatial(strides, 2, cf, "strides")
    dilations = _spatial(dilations, 2, cf, "dilations")
    sizes = out[2:] if cf else out[1:3]
    pads = _pads(padding, sizes, w.shape[:2], strides, dilations, cf, op)
    for i, (size, k, s, d, (lo, hi), got) in enumerate(
            zip(sizes, w.shape[:2], strides, dilations, pads, _spatial_sizes(x, cf))):
        want = (size + lo + hi - (k - 1) * d - 1) // s + 1
        if got != want:
            raise InvalidArgumentError(
                "Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: actual = "
                "%d, computed = %d spatial_dim: %d input: %d filter: %d output: %d stride: %d "
                "dilation: %d" % (got, want, i + (2 if cf else 1), size, k, got, s, d))
    return _conv_transpose(x, w, sizes, strides, pads, dilations, cf)


def _conv_transpose(x, w, sizes, strides, pads, dilations, channels_first):
    """torch's transposed convolution padded by the symmetric part of ``pads``; the rest is an
    ``output_padding`` (< stride) or a crop, so the result is a view, never a copy."""
    n = len(sizes)
    x = _nc(x, channels_first)
    full = [(i - 1) * s + (k - 1) * d + 1
            for i, s, k, d in zip(x.shape[2:], strides, w.shape[:n], dilations)]
    sym = [min(p) for p in pads]
    extra = [max(0, size + lo + p - f) for size, (lo, _), p, f in zip(sizes, pads, sym, full)]
    y = _CONV_TRANSPOSE[n](x, _torch_filter(w, n), None, strides, sym, extra, 1, dilations)
    crop = [slice(lo - p, lo - p + size) for size, (lo, _), p in zip(sizes, pads, sym)]
    return _back(y[(slice(None), slice(None), *crop)], channels_first)


def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` along the channel axis (last; second for ``NC...`` formats)."""
    cf = False
    if data_format is not None:
        if data_format.startswith("NC"):
            cf = True
        elif not (data_format.startswith("N") and data_format.endswith("C")):
            raise OpArgumentError("`data_format` must be of the form `N...C` or `NC...`. Received: "
                                  "data_format=%s" % data_format)
    x, b = binary(value, bias, "BiasAdd", ("value", "bias"))
    if x.dim() < 2:
        raise op_error("Shape must be at least rank 2 but is rank %d" % x.dim(), "BiasAdd", x, b)
    _check_rank(b, 1, "BiasAdd", x, b)
    depth = x.shape[1 if cf else -1]
    if depth != b.shape[0]:
        raise op_error("Dimensions must be equal, but are %d and %d" % (depth, b.shape[0]),
                       "BiasAdd", x, b, fix="bias needs one value per channel (check data_format).")
    return x + (b.reshape([-1] + [1] * (x.dim() - 2)) if cf else b)


def xw_plus_b(x, weights, biases, name=None):
    """``matmul(x, weights) + biases``."""
    return bias_add(matmul(x, weights), biases)


# --- pooling -------------------------------------------------------------------------------------

def _pool(kind, x, ksize, strides, padding, data_format, op, explicit):
    x = convert_to_tensor(x)
    return _pooled(kind, x, *_pool_plan(x, ksize, strides, padding, data_format, op, explicit))


def _pool_plan(x, ksize, strides, padding, data_format, op, explicit):
    """``_pooled``'s arguments after ``kind``, ``x``, with TF's errors for bad ones."""
    cf = _channels_first(data_format or "NHWC", 2, op)
    _check_rank(x, 4, op, x)
    k = _spatial(ksize, 2, cf, "ksize")
    s = _spatial(strides, 2, cf, "strides")
    sizes = _spatial_sizes(x, cf)
    pads = _pads(padding, sizes, k, s, [1, 1], cf, op, explicit)
    _check_fits(sizes, k, [1, 1], pads, op, x)
    pad, crop, same, fill = [0, 0], [0, 0], padding == "SAME", None
    if same:
        # ceil_mode supplies TF's odd pixel after; at stride 1 pad it before too and crop it off
        pad = [hi if st == 1 and hi > lo else lo for (lo, hi), st in zip(pads, s)]
        crop = [p - lo for p, (lo, _) in zip(pad, pads)]
    elif any(sum(pads, ())):                                       # explicit (max_pool only)
        fill = [e for p in reversed(pads) for e in p]
    return cf, k, s, pad, crop, same, fill


def _pooled(kind, x, cf, k, s, pad, crop, same, fill):
    if k == [1, 1] and not (any(pad) or fill):      # a 1x1 window (slim's subsample): a view
        return x[:, :, ::s[0], ::s[1]] if cf else x[:, ::s[0], ::s[1]]
    x = _nc(x, cf)
    if fill:
        x = F.pad(x, fill, value=-float("inf"))
    if kind == "max":
        y = F.max_pool2d(x, k, s, pad, ceil_mode=same)
    else:
        y = F.avg_pool2d(x, k, s, pad, ceil_mode=same, count_include_pad=False)
    if any(crop):
        y = y[:, :, crop[0]:, crop[1]:]
    return _back(y, cf)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """Max over ``ksize`` windows; ``SAME`` pads with -inf.

    >>> max_pool(torch.arange(16.).reshape(1, 4, 4, 1), 3, 2, "SAME")[0, ..., 0].tolist()
    [[10.0, 11.0], [14.0, 15.0]]
    """
    ksize_list = ints(ksize)
    if 0 in ksize_list:
        raise OpArgumentError("`ksize` cannot be zero. Received: ksize=%s" % ksize_list)
    return _pool("max", alias("input", input, "value", value), ksize, strides, padding,
                 data_format, "MaxPool", True)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """``max_pool`` under TF2's argument name."""
    return max_pool(input, ksize, strides, padding, data_format)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """Mean over ``ksize`` windows; ``SAME`` windows average only the real (unpadded) inputs.

    >>> avg_pool(torch.arange(9.).reshape(1, 3, 3, 1), 2, 2, "SAME")[0, ..., 0].tolist()
    [[2.0, 3.5], [6.5, 8.0]]
    """
    return _pool("avg", alias("input", input, "value", value), ksize, strides, padding,
                 data_format, "AvgPool", False)


avg_pool2d = avg_pool


# --- activations ---------------------------------------------------------------------------------

def _activation(name, fn, doc):
    def op(features, name=None):
        return fn(features if isinstance(features, torch.Tensor) else convert_to_tensor(features))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


relu = _activation("relu", torch.relu, "``max(features, 0)``.")
relu6 = _activation("relu6", F.relu6, "``min(max(features, 0), 6)``.")
elu = _activation("elu", F.elu, "``features`` if > 0, else ``exp(features) - 1``.")
selu = _activation("selu", F.selu, "Scaled ELU (Klambauer et al., 2017).")
softplus = _activation("softplus", F.softplus, "``log(exp(features) + 1)``.")
softsign = _activation("softsign", F.softsign, "``features / (abs(features) + 1)``.")


def leaky_relu(features, alpha=0.2, name=None):
    """``features`` if > 0, else ``alpha * features`` (integers become float32)."""
    x = convert_to_tensor(features)
    return F.leaky_relu(x if x.is_floating_point() else x.float(), float(alpha))


def crelu(features, name=None, axis=-1):
    """``relu(concat([features, -features], axis))``."""
    x = convert_to_tensor(features)
    return torch.relu(torch.cat([x, -x], axis))


def swish(features, beta=1.0):
    """``features * sigmoid(beta * features)`` (SiLU when beta is 1)."""
    x = convert_to_tensor(features)
    return F.silu(x) if beta == 1 else x * torch.sigmoid(beta * x)


silu = swish


# --- normalization -------------------------------------------------------------------------------

def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Mean and (biased) variance over ``axes``; float16 is reduced in float32.

    >>> [t.tolist() for t in moments([1., 2., 3., 4.], axes=[0])]
    [2.5, 1.25]
    """
    keep = bool(alias("keepdims", keepdims, "keep_dims", keep_dims))
    x = convert_to_tensor(x)
    y = x.float() if x.dtype == dtypes.float16 else x
    dims = _axes(axes, x.dim())
    mean = torch.mean(y, dims, keepdim=True)
    variance = torch.mean(torch.square(y - mean.detach()), dims, keepdim=True)
    if not keep:
        mean, variance = mean.squeeze(dims), variance.squeeze(dims)
    return mean.to(x.dtype), variance.to(x.dtype)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``(x - mean) * scale / sqrt(variance + eps) + offset``, in TF's order of operations."""
    x = convert_to_tensor(x)
    mean, variance = convert_to_tensor(mean), convert_to_tensor(variance)
    inv = torch.rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * convert_to_tensor(scale)
    shift = -mean * inv if offset is None else convert_to_tensor(offset) - mean * inv
    return x * inv.to(x.dtype) + shift.to(x.dtype)


_BN_FORMATS = {"NHWC": 4, "NCHW": 4, "NDHWC": 5, "NCDHW": 5}


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """Batch normalization over all axes but the channel axis, returning ``(y, mean, variance)``.

    Training normalizes with the batch statistics and returns the batch mean and the
    *unbiased* batch variance (blended into ``mean``/``variance`` by ``exponential_avg_factor``
    when it is not 1); inference normalizes with ``mean``/``variance`` and returns them.
    """
    op = "FusedBatchNormV3"
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
        raise OpArgumentError("Both `mean` and `variance` must be a 1D tensor when `is_training` "
                              "is False or `exponential_avg_factor` != 1.0. Received: `mean` %r "
                              "and `variance` %r" % (mean, variance))
    x, scale, offset = convert_to_tensor(x), convert_to_tensor(scale), convert_to_tensor(offset)
    mean = None if mean is None else convert_to_tensor(mean)
    variance = None if variance is None else convert_to_tensor(variance)
    if data_format not in _BN_FORMATS:
        raise OpArgumentError("Attr 'data_format' of '%s' Op passed string '%s' not in: %s."
                              % (op, data_format, ", ".join('"%s"' % f for f in _BN_FORMATS)))
    cf = data_format.startswith("NC")
    _check_rank(x, _BN_FORMATS[data_format], op, x, scale, offset)
    depth = x.shape[1 if cf else -1]
    for t in (scale, offset, mean, variance):
        if t is not None and t.shape != (depth,):
            raise op_error("Dimensions must be equal, but are %d and %s"
                           % (depth, t.shape[0] if t.dim() else "?"), op, x, scale, offset,
                           fix="scale, offset, mean and variance need one value per channel.")
    if not is_training:
        y = _batch_norm(_nc(x, cf), scale, offset, _constant(mean), _constant(variance), False,
                        0., epsilon)
        return _back(y, cf), mean, variance
    # torch writes the batch mean and unbiased variance into these, blended by the momentum
    f = exponential_avg_factor
    if f == 1:
        stats = scale.new_zeros(depth), scale.new_zeros(depth)
    else:
        stats = mean.detach().clone(), variance.detach().clone()
    y = _batch_norm(_nc(x, cf), scale, offset, stats[0], stats[1], True, f, epsilon)
    return _back(y, cf), stats[0], stats[1]


def _batch_norm(x, scale, offset, mean, variance, training, momentum, epsilon):
    """``F.batch_norm`` on an ``N, C, ...`` tensor, without its Python checks where they pass
    (more than one value per channel when training)."""
    if training and x.numel() == x.shape[1]:
        return F.batch_norm(x, mean, variance, scale, offset, True, momentum, epsilon)
    return torch.batch_norm(x, scale, offset, mean, variance, training, momentum, epsilon,
                            torch.backends.cudnn.enabled)


def _constant(t):
    """``t`` without its gradient (torch's batch norm takes no differentiable statistics)."""
    return t.detach() if t.requires_grad else t


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))``."""
    x = convert_to_tensor(x)
    dims = _axes(alias("axis", axis, "dim", dim), x.dim())
    square_sum = torch.sum(torch.square(x), dims, keepdim=True)
    return x * torch.rsqrt(torch.clamp_min(square_sum, epsilon))


def lrn(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002
    """Local response normalization across channels of an NHWC tensor:
    ``input / (bias + alpha * sum(input ** 2 over depth_radius neighbours)) ** beta``."""
    x = convert_to_tensor(input)
    _check_rank(x, 4, "LRN", x)
    r = int(depth_radius)
    window = F.pad(torch.square(x), (r, r)).unfold(-1, 2 * r + 1, 1).sum(-1)
    return x / (bias + alpha * window) ** beta


local_response_normalization = lrn


# --- losses and classification -------------------------------------------------------------------

def l2_loss(t, name=None):
    """``sum(t ** 2) / 2``, whose gradient is TF's: ``t * grad``."""
    return _L2Loss.apply(convert_to_tensor(t))


class _L2Loss(torch.autograd.Function):
    """``sum(t * t) / 2`` with TF's gradient (``L2LossGrad``): one product, where autograd of
    the expression makes two and adds them (~2.5x the backward time)."""
    generate_vmap_rule = True

    @staticmethod
    def forward(t):
        return (t * t).sum() / 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad):
        t, = ctx.saved_tensors
        return t * grad


def _softmax(fn, logits, axis, dim):
    axis = alias("axis", axis, "dim", dim)
    axis = -1 if axis is None else int(axis)
    x = floats(logits, "logits")
    if not -x.dim() <= axis < x.dim():
        raise InvalidArgumentError("`dim` must be in the range [%d, %d) where %d is the number of "
                                   "dimensions in the input. Received: dim=%d"
                                   % (-x.dim(), x.dim(), x.dim(), axis))
    return fn(x, axis)


def softmax(logits, axis=None, name=None, dim=None):
    """``exp(logits) / sum(exp(logits), axis)`` (axis -1 by default).

    >>> softmax([[0., 0.]]).tolist()
    [[0.5, 0.5]]
    """
    return _softmax(torch.softmax, logits, axis, dim)


def log_softmax(logits, axis=None, name=None, dim=None):
    """``logits - log(sum(exp(logits), axis))``."""
    return _softmax(torch.log_softmax, logits, axis, dim)


def _require_xent_args(name, labels, logits):
    if labels is None or logits is None:
        raise OpArgumentError("Both `labels` and `logits` must be provided for %s. Received: "
                              "labels=%s and logits=%s" % (name, _desc(labels), _desc(logits)))


def _desc(t):
    return "tensor of shape %s" % list(t.shape) if isinstance(t, torch.Tensor) else repr(t)


def _precise(logits):
    """Half-precision logits are computed in float32, as TF does."""
    return logits.float() if logits.dtype in (dtypes.float16, dtypes.bfloat16) else logits


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """``-sum(labels * log_softmax(logits), axis)``; gradients flow into ``labels`` too.

    >>> softmax_cross_entropy_with_logits_v2([[0., 1.]], [[0., 0.]]).tolist()
    [0.6931471824645996]
    """
    axis = alias("axis", axis, "dim", dim)
    axis = -1 if axis is None else int(axis)
    logits = floats(logits, "logits")
    precise = _precise(logits)
    labels = convert_to_tensor(labels).to(precise.dtype)
    if labels.shape != logits.shape:
        differ = [(a, b) for a, b in zip(logits.shape[::-1], labels.shape[::-1]) if a != b]
        raise op_error("Dimensions must be equal, but are %d and %d"
                       % (differ or [(logits.dim(), labels.dim())])[0],
                       "SoftmaxCrossEntropyWithLogits", logits, labels,
                       fix="labels must have the shape of logits (one-hot or probabilities); for "
                           "class indices use sparse_softmax_cross_entropy_with_logits.")
    cost = -torch.sum(labels * torch.log_softmax(precise, axis), axis)
    return cost.to(logits.dtype)


def softmax_cross_entropy_with_logits(labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF1's version of ``softmax_cross_entropy_with_logits_v2``: no gradient into ``labels``."""
    dim = alias("axis", axis, "dim", dim)
    _require_xent_args("softmax_cross_entropy_with_logits", labels, logits)
    return softmax_cross_entropy_with_logits_v2(convert_to_tensor(labels).detach(), logits, dim)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Cross entropy of ``logits`` [..., classes] against class indices ``labels`` [...].

    A label outside ``[0, classes)`` raises on the CPU and gives NaN on GPUs, as in TF.

    >>> sparse_softmax_cross_entropy_with_logits(labels=[1], logits=[[0., 0.]]).tolist()
    [0.6931471824645996]
    """
    _require_xent_args("sparse_softmax_cross_entropy_with_logits", labels, logits)
    labels = check_dtype(convert_to_tensor(labels), INTS, "int32, int64", "labels")
    logits = floats(logits, "logits")
    if logits.dim() == 0:
        raise OpArgumentError("`logits` cannot be a scalar. Received logits=%s`" % _desc(logits))
    if labels.dim() != logits.dim() - 1:
        raise OpArgumentError("`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                              "labels.shape=%s of rank %d and logits.shape=%s of rank %d"
                              % (_tf_shape(labels), labels.dim(), _tf_shape(logits), logits.dim()))
    if labels.shape != logits.shape[:-1]:
        raise OpArgumentError("`labels.shape` must equal `logits.shape` except for the last "
                              "dimension. Received: labels.shape=%s and logits.shape=%s"
                              % (_tf_shape(labels), _tf_shape(logits)))
    classes = logits.shape[-1]
    labels = labels.to(logits.device)
    valid = (labels >= 0) & (labels < classes)
    if labels.device.type == "cpu" and not bool(valid.all()):
        raise InvalidArgumentError(
            "Received a label value of %d which is outside the valid range of [0, %d).  Label "
            "values: %s" % (labels[~valid][0], classes,
                            " ".join(str(v) for v in labels.flatten().tolist())))
    cost = F.cross_entropy(_precise(logits).reshape(-1, classes),
                           labels.clamp(0, classes - 1).reshape(-1).long(), reduction="none")
    cost = torch.where(valid, cost.reshape(labels.shape), float("nan"))
    return cost.to(logits.dtype)


def _tf_shape(t):
    return str(TensorShape(t.shape))


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Binary cross entropy per element: ``max(x, 0) - x * z + log(1 + exp(-|x|))``."""
    _require_xent_args("sigmoid_cross_entropy_with_logits", labels, logits)
    x, z = binary(logits, labels, "Mul")
    if x.shape != z.shape:
        raise OpArgumentError("`logits` and `labels` must have the same shape, received (%s vs %s)."
                              % (_tf_shape(x), _tf_shape(z)))
    return x.clamp_min(0) - x * z + torch.log1p(torch.exp(-x.abs()))


def in_top_k(predictions, targets, k, name=None):
    """Whether ``targets[i]`` is among the ``k`` largest of ``predictions[i]`` (ties count in;
    a non-finite prediction or an out-of-range target is not).

    >>> in_top_k([[0.1, 0.9], [0.8, 0.2]], [1, 1], 1).tolist()
    [True, False]
    """
    p = convert_to_tensor(predictions)
    t = check_dtype(convert_to_tensor(targets), INTS, "int32, int64", "targets").to(p.device)
    if p.dim() != 2 or t.dim() != 1 or p.shape[0] != t.shape[0]:
        raise op_error("Dimensions must be equal, but are %d and %d"
                       % (p.shape[0] if p.dim() else 0, t.shape[0] if t.dim() else 0),
                       "InTopKV2", p, t, [],
                       fix="predictions is [batch, classes], targets [batch].")
    classes = p.shape[1]
    target = p.gather(1, t.clamp(0, classes - 1).long()[:, None])
    ahead = torch.sum(p > target, 1)
    return (t >= 0) & (t < classes) & torch.isfinite(target[:, 0]) & (ahead < int(k))


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002
    """The ``k`` largest entries of the last axis and their indices (lower index first on ties).

    >>> top_k([1., 3., 2., 3.], 2).indices.tolist()
    [1, 3]
    """
    x = convert_to_tensor(input)
    k = int(k)
    if x.dim() == 0 or x.shape[-1] < k:
        raise op_error("input must have last dimension >= k = %d but is %d"
                       % (k, x.shape[-1] if x.dim() else 0), "TopKV2", x, [])
    values, indices = torch.sort(x, dim=-1, descending=True, stable=True)
    return TopKV2(values[..., :k], indices[..., :k].to(dtypes.as_dtype(index_type)))


def zero_fraction(value, name=None):
    """The fraction of zeros in ``value``, as a float32 scalar."""
    x = convert_to_tensor(value)
    return (x.numel() - torch.count_nonzero(x)).float() / x.numel()


# --- dropout -------------------------------------------------------------------------------------

def _random_uniform(shape, dtype, seed, device):
    """Uniform [0, 1) draws for ``dropout``: TF's ``random_uniform(shape, seed=seed)``, so TF's
    exact stream when a graph or op seed is set."""
    return random_ops.random_uniform(shape, dtype=dtype, seed=seed).to(device)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability ``rate`` (= 1 - ``keep_prob``), scale the rest by
    ``1 / (1 - rate)``.  ``noise_shape`` broadcasts one draw over dimensions (None: x's).

    >>> y = dropout(torch.ones(4, 3), rate=0.5, noise_shape=[4, 1])   # whole rows kept or dropped
    """
    if keep_prob is not None:
        try:
            keep_rate = 1. - keep_prob
        except TypeError:
            raise OpArgumentError("`keep_prob` must be a floating point number or Tensor. "
                                  "Received: keep_prob=%s" % (keep_prob,)) from None
        rate = alias("rate", rate, "keep_prob", keep_rate)
    if rate is None:
        raise OpArgumentError("`rate` must be provided. Received: rate=None")
    is_number = not isinstance(rate, torch.Tensor)
    if is_number and not 0 <= rate < 1:
        raise OpArgumentError("`rate` must be a scalar tensor or a float in the range [0, 1). "
                         "Received: rate=%s" % rate)
    x = convert_to_tensor(x)
    if not x.is_floating_point():
        raise OpArgumentError("`x.dtype` must be a floating point tensor as `x` will be scaled. "
                              "Received: x_dtype=%s" % dtypes.tf_repr(x.dtype))
    if is_number and rate == 0:
        random_ops.get_seed(seed)           # as TF: the graph's op seed counter moves on
        return x
    keep = _random_uniform(_noise_shape(x, noise_shape), x.dtype, seed, x.device) >= \
        torch.as_tensor(rate, dtype=x.dtype)
    scaled = x * (1 / (1 - rate)) if is_number else x / (1 - rate.to(x.dtype))
    return torch.where(keep, scaled, 0.)


def _noise_shape(x, noise_shape):
    """``noise_shape`` with its unknown (None) dimensions taken from ``x``."""
    if noise_shape is None:
        return list(x.shape)
    dims = noise_shape.tolist() if isinstance(noise_shape, torch.Tensor) else \
        [getattr(d, "value", d) for d in noise_shape]
    if len(dims) == x.dim():
        dims = [d if n is None else n for d, n in zip(x.shape, dims)]
    return [int(d) for d in dims]

from .embedding_ops import embedding_lookup, embedding_lookup_sparse  # noqa: E402 - tf.nn names

__all__ += ["embedding_lookup", "embedding_lookup_sparse"]
