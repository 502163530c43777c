"""TF-Slim's layers on scopevar: ``conv2d``, ``fully_connected``, ``batch_norm``, pools, ...

Every layer opens ``variable_scope(scope, default_name=<Slim name>, reuse=reuse)`` and creates
its variables through ``slim.model_variable`` (GLOBAL + MODEL (+ TRAINABLE)) with slim's names:
``Conv/weights``, ``Conv/biases``, ``fully_connected/weights``, ``BatchNorm/beta``.  Batch-norm
statistics are moved in place when ``is_training`` (eager: there are no update ops to run).

>>> import scopevar as tf
>>> from scopevar import slim
>>> y = slim.conv2d(tf.ones([1, 8, 8, 3]), 4, [3, 3], normalizer_fn=slim.batch_norm)
>>> [v.name for v in slim.get_model_variables()]
['Conv/weights:0', 'Conv/BatchNorm/beta:0', 'Conv/BatchNorm/moving_mean:0', 'Conv/BatchNorm/moving_variance:0']
"""
import torch

from .. import nn
from ..constant_op import convert_to_tensor
from ..graph import GraphKeys, add_to_collections, get_collection_ref
from ..initializers import ones_initializer, zeros_initializer
from ..layers import _bn_apply
from ..math_ops import tensordot
from ..regularizers import add_regularization_loss
from ..variable_scope import get_variable_scope, variable_scope
from ..errors import LayerArgumentError
from .arg_scope import add_arg_scope
from .initializers import xavier_initializer
from .utils import collect_named_outputs
from .variables import model_variable

__all__ = ["avg_pool2d", "batch_norm", "bias_add", "conv2d", "convolution", "convolution2d",
           "dropout", "flatten", "fully_connected", "max_pool2d", "repeat", "separable_conv2d",
           "separable_convolution2d", "softmax", "stack"]

NHWC, NCHW = "NHWC", "NCHW"
_ZEROS, _ONES = zeros_initializer(), ones_initializer()    # batch_norm's defaults (stateless)


def _pair(v):
    return [int(v), int(v)] if not isinstance(v, (list, tuple)) else [int(i) for i in v]


def _collections(variables_collections, name):
    if isinstance(variables_collections, dict):
        return variables_collections.get(name)
    return variables_collections


def _var(name, shape, dtype, initializer, regularizer, trainable, variables_collections,
         keras_name=None, on_create=None):
    """A model variable; ``keras_name``: the name TF's keras layer gives it, which names its
    regularization loss (``Conv/kernel/Regularizer/...``); ``on_create(v)`` is called when it
    is new (not reused)."""
    created = get_collection_ref(GraphKeys.GLOBAL_VARIABLES)
    count = len(created)
    v = model_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                       regularizer=None if keras_name else regularizer, trainable=trainable)
    if len(created) > count:
        if on_create is not None:
            on_create(v)
        if keras_name and regularizer is not None:
            # TF's keras layer names the loss in the layer's name scope
            add_regularization_loss(v, get_variable_scope().original_name_scope + keras_name,
                                    regularizer)
    extra = _collections(variables_collections, name)
    if extra:
        add_to_collections(extra, v)
    return v


def _cf(data_format, allowed=(None, NHWC, NCHW)):
    if data_format not in allowed:
        raise LayerArgumentError("data_format has to be either NCHW or NHWC.")
    return data_format == NCHW


def _finish(outputs, sc, normalizer_fn, normalizer_params, activation_fn, outputs_collections):
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return collect_named_outputs(outputs_collections, sc.name, outputs)


def _dtype(x):
    return x.dtype if x.is_floating_point() else torch.float32


@add_arg_scope
def convolution(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None,
                rate=1, activation_fn=nn.relu, normalizer_fn=None, normalizer_params=None,
                weights_initializer=xavier_initializer(), weights_regularizer=None,
                biases_initializer=zeros_initializer(), biases_regularizer=None, reuse=None,
                variables_collections=None, outputs_collections=None, trainable=True,
                scope=None, conv_dims=None):
    """2-D convolution (+ normalizer + activation): ``Conv/weights [kh, kw, in, out]``, and
    ``Conv/biases [out]`` unless a ``normalizer_fn`` is given or ``biases_initializer`` is None."""
    x = convert_to_tensor(inputs)
    if x.dim() != 4 or conv_dims not in (None, 2):
        raise LayerArgumentError("Convolution expects input with rank 4, got %d; scopevar's slim "
                                 "supports 2-D convolutions only." % x.dim())
    cf = _cf(data_format)
    k, s, r = _pair(kernel_size), _pair(stride), _pair(rate)
    padding = str(padding).upper()
    if padding not in ("SAME", "VALID"):
        raise LayerArgumentError("padding must be SAME or VALID, got %r" % (padding,))
    with variable_scope(scope, "Conv", [x], reuse=reuse) as sc:
        depth = x.shape[1 if cf else -1]
        w = _var("weights", k + [depth, num_outputs], _dtype(x), weights_initializer,
                 weights_regularizer, trainable, variables_collections, "kernel",
                 nn.store_filter_channels_last)
        fmt = NCHW if cf else NHWC
        y = nn.conv2d(x, w, strides=[1, 1] + s if cf else [1] + s + [1], padding=padding,
                      data_format=fmt, dilations=[1, 1] + r if cf else [1] + r + [1])
        if normalizer_fn is None and biases_initializer is not None:
            b = _var("biases", [num_outputs], _dtype(x), biases_initializer, biases_regularizer,
                     trainable, variables_collections, "bias")
            y = nn.bias_add(y, b, data_format=fmt)
        return _finish(y, sc, normalizer_fn, normalizer_params, activation_fn,
                       outputs_collections)


@add_arg_scope
def convolution2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None,
                  rate=1, activation_fn=nn.relu, normalizer_fn=None, normalizer_params=None,
                  weights_initializer=xavier_initializer(), weights_regularizer=None,
                  biases_initializer=zeros_initializer(), biases_regularizer=None, reuse=None,
                  variables_collections=None, outputs_collections=None, trainable=True,
                  scope=None):
    """``convolution`` of a rank-4 input (``slim.conv2d``)."""
    return convolution(inputs, num_outputs, kernel_size, stride, padding, data_format, rate,
                       activation_fn, normalizer_fn, normalizer_params, weights_initializer,
                       weights_regularizer, biases_initializer, biases_regularizer, reuse,
                       variables_collections, outputs_collections, trainable, scope,
                       conv_dims=2)


conv2d = convolution2d


@add_arg_scope
def separable_convolution2d(inputs, num_outputs, kernel_size, depth_multiplier=1, stride=1,
                            padding="SAME", data_format=NHWC, rate=1, activation_fn=nn.relu,
                            normalizer_fn=None, normalizer_params=None,
                            weights_initializer=xavier_initializer(),
                            pointwise_initializer=None, weights_regularizer=None,
                            biases_initializer=zeros_initializer(), biases_regularizer=None,
                            reuse=None, variables_collections=None, outputs_collections=None,
                            trainable=True, scope=None):
    """Depthwise then pointwise convolution: ``depthwise_weights [kh, kw, in, mult]``,
    ``pointwise_weights [1, 1, in * mult, out]`` (none when ``num_outputs`` is None),
    ``biases``."""
    x = convert_to_tensor(inputs)
    if x.dim() != 4:
        raise LayerArgumentError("separable_conv2d expects input with rank 4, got %d" % x.dim())
    cf = _cf(data_format, (NHWC, NCHW))
    fmt = NCHW if cf else NHWC
    k, s, r = _pair(kernel_size), _pair(stride), _pair(rate)
    strides = [1, 1] + s if cf else [1] + s + [1]
    if pointwise_initializer is None:
        pointwise_initializer = weights_initializer
    with variable_scope(scope, "SeparableConv2d", [x], reuse=reuse) as sc:
        depth = x.shape[1 if cf else -1]
        keras = num_outputs is not None
        dw = _var("depthwise_weights", k + [depth, depth_multiplier], _dtype(x),
                  weights_initializer, weights_regularizer, trainable, variables_collections,
                  "depthwise_kernel" if keras else None)
        if num_outputs is not None:
            pw = _var("pointwise_weights", [1, 1, depth * depth_multiplier, num_outputs],
                      _dtype(x), pointwise_initializer, weights_regularizer, trainable,
                      variables_collections, "pointwise_kernel")
            y = nn.separable_conv2d(x, dw, pw, strides, padding, rate=r, data_format=fmt)
            n = num_outputs
        else:
            y = nn.depthwise_conv2d(x, dw, strides, padding, rate=r, data_format=fmt)
            n = depth * depth_multiplier
        if normalizer_fn is None and biases_initializer is not None:
            b = _var("biases", [n], _dtype(x), biases_initializer, biases_regularizer, trainable,
                     variables_collections, "bias" if keras else None)
            y = nn.bias_add(y, b, data_format=fmt)
        return _finish(y, sc, normalizer_fn, normalizer_params, activation_fn,
                       outputs_collections)


separable_conv2d = separable_convolution2d


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=nn.relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=xavier_initializer(),
                    weights_regularizer=None, biases_initializer=zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """``activation(inputs @ weights + biases)`` over the last axis:
    ``fully_connected/weights [in, out]``, ``fully_connected/biases [out]``."""
    if isinstance(num_outputs, bool) or not isinstance(num_outputs, int):
        raise LayerArgumentError("num_outputs type should be one of %s, got %s." % ((int,),
                                                                           type(num_outputs)))
    x = convert_to_tensor(inputs)
    if x.dim() < 2:
        raise LayerArgumentError("Input 0 of layer fully_connected is incompatible: expected "
                                 "min_ndim=2, found ndim=%d." % x.dim())
    with variable_scope(scope, "fully_connected", [x], reuse=reuse) as sc:
        w = _var("weights", [x.shape[-1], num_outputs], _dtype(x), weights_initializer,
                 weights_regularizer, trainable, variables_collections, "kernel")
        y = torch.matmul(x, w) if x.dim() == 2 else tensordot(x, w, [[x.dim() - 1], [0]])
        if normalizer_fn is None and biases_initializer is not None:
            b = _var("biases", [num_outputs], _dtype(x), biases_initializer, biases_regularizer,
                     trainable, variables_collections, "bias")
            y = nn.bias_add(y, b)
        return _finish(y, sc, normalizer_fn, normalizer_params, activation_fn,
                       outputs_collections)


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None,
               updates_collections=GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format=NHWC, zero_debias_moving_mean=False,
               scope=None, renorm=False, renorm_clipping=None, renorm_decay=0.99,
               adjustment=None):
    """Slim's batch norm: ``BatchNorm/beta`` (center), ``gamma`` (scale; off by default),
    ``moving_mean``, ``moving_variance``.  With ``is_training`` the batch statistics are used
    and the moving ones moved in place (``updates_collections`` has nothing to collect
    eagerly).  Creation order follows TF: ``gamma, beta, ...`` on slim's keras-layer path
    (default ``updates_collections`` and no ``fused`` rank-2 input), ``beta, gamma, ...``
    otherwise."""
    if batch_weights is not None or renorm or zero_debias_moving_mean or adjustment:
        raise NotImplementedError("batch_norm: batch_weights, renorm, zero_debias_moving_mean "
                                  "and adjustment are not supported by scopevar")
    x = convert_to_tensor(inputs)
    rank = x.dim()
    if rank < 2:
        raise LayerArgumentError("Inputs %s has undefined rank." % (list(x.shape),))
    cf = _cf(data_format, (NHWC, NCHW))
    if fused is None:
        fused = True
    fusable = rank in (2, 4)
    legacy = (fused and fusable and (rank == 2 or updates_collections is not
                                     GraphKeys.UPDATE_OPS)) or \
        updates_collections is not GraphKeys.UPDATE_OPS
    axis = 1 if cf else rank - 1
    param_initializers = param_initializers or {}
    param_regularizers = param_regularizers or {}
    with variable_scope(scope, "BatchNorm", [x], reuse=reuse) as sc:
        shape = [x.shape[axis]]
        dt = _dtype(x)
        if dt in (torch.float16, torch.bfloat16):
            dt = torch.float32
        made = {}

        def make(name, on, default, train):
            if on:
                made[name] = _var(name, shape, dt, param_initializers.get(name, default),
                                  param_regularizers.get(name), trainable and train,
                                  variables_collections)
        order = ("beta", "gamma") if legacy else ("gamma", "beta")
        for name in order:
            make(name, center if name == "beta" else scale,
                 _ZEROS if name == "beta" else _ONES, True)
        make("moving_mean", True, _ZEROS, False)
        make("moving_variance", True, _ONES, False)
        y = x
        as_4d = rank == 2 and fused and fusable
        if as_4d:
            y = x.reshape(x.shape[0], x.shape[1], 1, 1) if cf else \
                x.reshape(x.shape[0], 1, 1, x.shape[1])
        ax = [1] if cf else [y.dim() - 1]
        y = _bn_apply(y, ax, made.get("gamma"), made.get("beta"), made["moving_mean"],
                      made["moving_variance"], decay, epsilon, bool(is_training),
                      fused and fusable)
        if as_4d:
            y = y.reshape(x.shape)
        if activation_fn is not None:
            y = activation_fn(y)
        return collect_named_outputs(outputs_collections, sc.name, y)


def _pool(kind, inputs, kernel_size, stride, padding, data_format, outputs_collections, scope,
          default):
    x = convert_to_tensor(inputs)
    cf = _cf(data_format, (NHWC, NCHW))
    k, s = _pair(kernel_size), _pair(stride)
    padding = str(padding).upper()
    with variable_scope(scope, default, [x]) as sc:
        op = nn.max_pool if kind == "max" else nn.avg_pool
        y = op(x, [1, 1] + k if cf else [1] + k + [1], [1, 1] + s if cf else [1] + s + [1],
               padding, data_format=NCHW if cf else NHWC)
        return collect_named_outputs(outputs_collections, sc.name, y)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format=NHWC,
               outputs_collections=None, scope=None):
    """Max pooling (slim defaults: stride 2, ``VALID``)."""
    return _pool("max", inputs, kernel_size, stride, padding, data_format, outputs_collections,
                 scope, "MaxPool2D")


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format=NHWC,
               outputs_collections=None, scope=None):
    """Average pooling (slim defaults: stride 2, ``VALID``)."""
    return _pool("avg", inputs, kernel_size, stride, padding, data_format, outputs_collections,
                 scope, "AvgPool2D")


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """``[N, ...]`` to ``[N, prod(...)]``."""
    x = convert_to_tensor(inputs)
    if x.dim() < 2:
        raise LayerArgumentError("Inputs must have a least 2 dimensions.")
    with variable_scope(scope, "Flatten", [x]) as sc:
        return collect_named_outputs(outputs_collections, sc.name, x.reshape(x.shape[0], -1))


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None,
            scope=None, seed=None):
    """Keep each element with probability ``keep_prob`` (scaled by ``1 / keep_prob``) when
    ``is_training``; identity otherwise."""
    x = convert_to_tensor(inputs)
    with variable_scope(scope, "Dropout", [x]) as sc:
        y = nn.dropout(x, rate=1 - keep_prob, noise_shape=noise_shape, seed=seed) \
            if is_training and keep_prob != 1 else x
        return collect_named_outputs(outputs_collections, sc.name, y)


@add_arg_scope
def softmax(logits, scope=None):
    """Softmax over the last axis."""
    with variable_scope(scope, "softmax", [logits]):
        return nn.softmax(logits, axis=-1)


@add_arg_scope
def bias_add(inputs, activation_fn=None, initializer=zeros_initializer(), regularizer=None,
             reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
             data_format=NHWC, scope=None):
    """``inputs + biases`` along the channel axis: ``BiasAdd/biases``."""
    x = convert_to_tensor(inputs)
    cf = _cf(data_format, (NHWC, NCHW))
    if x.dim() < 2:
        raise LayerArgumentError("Dims of shape must be known but is None")
    with variable_scope(scope, "BiasAdd", [x], reuse=reuse) as sc:
        depth = x.shape[1 if cf and x.dim() > 2 else -1]
        b = _var("biases", [depth], _dtype(x), initializer, regularizer, trainable,
                 variables_collections)
        y = nn.bias_add(x, b, data_format=NCHW if cf and x.dim() > 2 else None)
        if activation_fn is not None:
            y = activation_fn(y)
        return collect_named_outputs(outputs_collections, sc.name, y)


def repeat(inputs, repetitions, layer, *args, **kwargs):
    """Apply ``layer`` ``repetitions`` times, under ``scope/scope_1``, ``scope/scope_2``, ..."""
    scope = kwargs.pop("scope", None)
    with variable_scope(scope, "Repeat", [inputs]):
        outputs = inputs
        name = scope or getattr(layer, "__name__", "layer")
        for i in range(repetitions):
            kwargs["scope"] = "%s_%d" % (name, i + 1)
            outputs = layer(outputs, *args, **kwargs)
        return outputs


def stack(inputs, layer, stack_args, **kwargs):
    """Apply ``layer`` once per element of ``stack_args`` (a tuple is unpacked as positional
    arguments), under ``scope/scope_1``, ``scope/scope_2``, ..."""
    scope = kwargs.pop("scope", None)
    if not isinstance(stack_args, (list, tuple)):
        raise LayerArgumentError("stack_args need to be a list or tuple")
    with variable_scope(scope, "Stack", [inputs]):
        outputs = inputs
        name = scope or getattr(layer, "__name__", "layer")
        for i, a in enumerate(stack_args):
            kwargs["scope"] = "%s_%d" % (name, i + 1)
            a = a if isinstance(a, (list, tuple)) else [a]
            outputs = layer(outputs, *a, **kwargs)
        return outputs
