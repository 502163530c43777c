"""TF1's ``tf.layers`` (``tf.compat.v1.layers``) on torch tensors, eagerly.

Each layer object opens ``variable_scope(name, default_name=<snake_case class name>)`` once, on
its first call, and creates its variables there with ``get_variable``: ``conv2d/kernel``,
``conv2d_1/bias``, ``batch_normalization/moving_mean``.  Later calls of the same object reuse
them.  Collections are GLOBAL + TRAINABLE (moving statistics: GLOBAL only).

>>> import scopevar as tf
>>> y = tf.layers.dense(tf.ones([2, 3]), 4)
>>> [v.name for v in tf.global_variables()]
['dense/kernel:0', 'dense/bias:0']
"""
import functools
import re

import torch

from . import dtypes, nn
from .constant_op import convert_to_tensor
from .errors import LayerArgumentError
from .graph import GraphKeys, get_default_graph
from .initializers import ones_initializer, zeros_initializer
from .math_ops import tensordot
from .regularizers import _ActivityLoss
from .variable_scope import (_mark_unique_scope, _next_reusing_scope, get_variable,
                             variable_scope)

__all__ = ["Layer", "Conv2D", "Dense", "BatchNormalization", "MaxPooling2D", "AveragePooling2D",
           "Flatten", "Dropout", "conv2d", "dense", "batch_normalization", "max_pooling2d",
           "average_pooling2d", "flatten", "dropout"]


@functools.lru_cache(maxsize=None)
def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _pair(v, what):
    if isinstance(v, int):
        return [v, v]
    v = [int(i) for i in v]
    if len(v) != 2:
        raise LayerArgumentError("The `%s` argument must be a tuple of 2 integers. Received: %s"
                                 % (what, v))
    return v


def _padding(padding):
    p = str(padding).lower()
    if p not in ("same", "valid"):
        raise LayerArgumentError("The `padding` argument must be a list/tuple or one of "
                                 "\"valid\", \"same\" (or \"causal\", only for `Conv1D). "
                                 "Received: %s" % padding)
    return p.upper()


def _channels_first(data_format):
    df = "channels_last" if data_format is None else str(data_format).lower()
    if df not in ("channels_last", "channels_first"):
        raise LayerArgumentError('The `data_format` argument must be one of "channels_first", '
                                 '"channels_last". Received: %s' % data_format)
    return df == "channels_first"


def _layer_name(graph, base):
    """Keras' per-graph object name (``dense``, ``dense_1``, ...), separate from the scope."""
    counts = graph.__dict__.get("_scopevar_layer_names")
    if counts is None:
        counts = graph.__dict__["_scopevar_layer_names"] = {}
    n = counts.get(base, 0)
    counts[base] = n + 1
    return base if n == 0 else "%s_%d" % (base, n)


class Layer:
    """Base of the ``tf.layers`` classes: scope on the first call, variables built once."""

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, _scope=None,
                 activity_regularizer=None, **kwargs):
        self.trainable = trainable
        self.activity_regularizer = activity_regularizer
        self._losses = []                       # activity losses, one per call
        self._weight_losses = []                # the created variables' regularization losses
        self._base_name = name or _snake(type(self).__name__)
        self._given_name = name
        self.name = name or _layer_name(get_default_graph(), self._base_name)
        self._reuse = _reuse
        if _scope:          # TF captures a given scope now, entering its name scope (fc_1/)
            with variable_scope(_scope) as sc:
                _scope = sc
        self._scope = _scope
        self.dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self.built = False
        self._variables = []

    # overridden by subclasses
    def _check(self, x):
        pass

    def build(self, input_shape):
        pass

    def call(self, inputs, **kwargs):
        raise NotImplementedError

    @property
    def scope_name(self):
        return getattr(self._scope, "name", self._scope)

    @property
    def variables(self):
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self):
        return [v for v in self._variables if v.trainable] if self.trainable else []

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        return [v for v in self._variables if not (self.trainable and v.trainable)]

    non_trainable_weights = non_trainable_variables

    @property
    def losses(self):
        """As TF's: the activity regularization losses of this layer's calls
        (``activity_regularizer``) since the last optimizer step, then the regularization
        losses of the variables it created (computed now; none for variables it reused)."""
        return ([item() for item in self._losses if not item.spent]
                + [item() for item in self._weight_losses])

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, **kwargs):
        losses = get_default_graph().get_collection_ref(GraphKeys.REGULARIZATION_LOSSES)
        created = len(losses)
        v = get_variable(name, shape=shape, dtype=dtype or self.dtype, initializer=initializer,
                         regularizer=regularizer, trainable=trainable and self.trainable)
        self._variables.append(v)
        self._weight_losses += losses[created:]     # what creating v added (reuse adds none)
        return v

    def __call__(self, inputs, *args, **kwargs):
        return self._call_in(None, inputs, *args, **kwargs)

    apply = __call__

    def _call_in(self, name_scope, inputs, *args, **kwargs):
        """``__call__`` whose ops are named in ``name_scope`` (default: the layer's own)."""
        x = inputs if isinstance(inputs, torch.Tensor) else convert_to_tensor(inputs)
        if not self.built:
            if self.dtype is None:
                self.dtype = x.dtype if x.is_floating_point() else dtypes.float32
            self._check(x)                      # errors before any variable exists
            if self._scope is None and not self._reuse:
                # TF's _set_scope captures a unique scope, then re-enters it to build: building
                # in the captured scope is the same (same name, reuse and defaults), one scope
                with variable_scope(None, default_name=self._base_name) as sc:
                    self._scope = sc
                    self.build(x.shape)
            else:
                if self._scope is None:
                    with variable_scope(self._base_name) as sc:
                        self._scope = sc
                with variable_scope(self._scope, reuse=self._reuse, auxiliary_name_scope=False):
                    self.build(x.shape)
            self.built = True
        y = self.call(x, *args, **kwargs)
        if self.activity_regularizer is not None:
            self._regularize_activity(y, name_scope)
        return y

    def _regularize_activity(self, y, name_scope):
        """TF's activity regularization: ``activity_regularizer(y) / batch size`` in
        ``<layer scope>/ActivityRegularizer/``, added to ``REGULARIZATION_LOSSES`` and
        ``losses`` on each call, as TF1's graph mode does; the next optimizer step spends
        them (they leave both), so a training loop sums each step's own losses."""
        graph = get_default_graph()
        with graph.name_scope(name_scope or self._scope.original_name_scope), \
                graph.name_scope("ActivityRegularizer") as ns:
            loss = convert_to_tensor(self.activity_regularizer(y))
        item = _ActivityLoss(ns + "truediv:0", loss / torch.tensor(
            y.shape[0], dtype=loss.dtype, device=loss.device))
        self._losses = [kept for kept in self._losses if not kept.spent] + [item]
        graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, item)


def _activate(y, activation):
    return y if activation is None else activation(y)


class Conv2D(Layer):
    """2-D convolution: kernel ``[kh, kw, in, filters]``, bias ``[filters]``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer=None, bias_initializer=zeros_initializer(),
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.channels_first = _channels_first(data_format)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self.activation, self.use_bias = activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel = self.bias = None
        cf = self.channels_first
        self._format = "NCHW" if cf else "NHWC"
        self._strides = [1, 1] + self.strides if cf else [1] + self.strides + [1]
        self._dilations = [1, 1] + self.dilation_rate if cf else [1] + self.dilation_rate + [1]
        self._plans = {}        # input and kernel shapes, dtypes -> nn's checked plan

    def _check(self, x):
        if x.dim() != 4:
            raise LayerArgumentError("Input 0 of layer \"%s\" is incompatible with the layer: "
                                     "expected min_ndim=4, found ndim=%d. Full shape received: %s"
                                     % (self.name, x.dim(), list(x.shape)))

    def build(self, input_shape):
        depth = input_shape[1 if self.channels_first else -1]
        self.kernel = self.add_weight("kernel", self.kernel_size + [depth, self.filters],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        nn.store_filter_channels_last(self.kernel)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)

    def call(self, inputs):
        kernel = self.kernel
        key = (inputs.shape, inputs.dtype, kernel.shape, kernel.dtype)
        plan = self._plans.get(key) if isinstance(kernel, torch.Tensor) else None
        if plan is not None:
            y = nn._conv(inputs, kernel, *plan)     # what nn.conv2d does once it has checked
        else:
            s, p, f, d = self._strides, self.padding, self._format, self._dilations
            y = nn.conv2d(inputs, kernel, strides=s, padding=p, data_format=f, dilations=d)
            if isinstance(kernel, torch.Tensor) and inputs.dtype is kernel.dtype:
                if len(self._plans) >= 64:          # bounded, whatever the input shapes
                    self._plans.clear()
                self._plans[key] = nn._conv_plan(inputs, kernel, s, p, f, d, "Conv2D", 2)
        if self.bias is not None:
            y = nn.bias_add(y, self.bias, data_format=self._format)
        return _activate(y, self.activation)


Convolution2D = Conv2D


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis: kernel ``[in, units]``."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self.activation, self.use_bias = activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel = self.bias = None

    def _check(self, x):
        if x.dim() < 2:
            raise LayerArgumentError("Input 0 of layer \"%s\" is incompatible with the layer: "
                                     "expected min_ndim=2, found ndim=%d. Full shape received: %s"
                                     % (self.name, x.dim(), list(x.shape)))

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", [input_shape[-1], self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.units], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)

    def call(self, inputs):
        if inputs.dim() == 2:
            kernel = self.kernel
            y = torch.matmul(inputs, kernel if kernel.dtype is inputs.dtype
                             else kernel.to(inputs.dtype))
        else:
            y = tensordot(inputs, self.kernel, [[inputs.dim() - 1], [0]])
        if self.bias is not None:
            y = nn.bias_add(y, self.bias)
        return _activate(y, self.activation)


def _bn_apply(x, axes, gamma, beta, moving_mean, moving_variance, momentum, epsilon, training,
              fused):
    """Normalize ``x`` over all axes but ``axes``; when training, move the statistics in place
    (``moving -= (moving - batch) * (1 - momentum)``).  The fused path (one channel axis of a
    rank-4/5 input) moves the variance with the unbiased batch variance, as TF's fused op does;
    the other path with the biased one, as ``tf.nn.moments``.  Where it can, the fused path lets
    torch's kernel move them (``moving * momentum + batch * (1 - momentum)`` rounded once, where
    TF's three ops round three times: within an ulp of TF's, whose batch statistics differ from
    torch's by as much)."""
    rank = x.dim()
    if fused and rank in (4, 5) and len(axes) == 1 and axes[0] in (1, rank - 1):
        cf = axes[0] == 1
        depth = x.shape[axes[0]]
        g = gamma if gamma is not None else torch.ones(depth, dtype=x.dtype, device=x.device)
        b = beta if beta is not None else torch.zeros(depth, dtype=x.dtype, device=x.device)
        if training and g.shape == b.shape == moving_mean.shape == (depth,):
            # nn.fused_batch_norm's training step, without the checks this layer has passed
            if _kernel_moves(x, moving_mean, moving_variance, momentum):
                return nn._back(nn._batch_norm(nn._nc(x, cf), g, b, moving_mean,
                                               moving_variance, True, 1 - momentum, epsilon), cf)
            mean, var = g.new_zeros(depth), g.new_zeros(depth)
            y = nn._back(nn._batch_norm(nn._nc(x, cf), g, b, mean, var, True, 1., epsilon), cf)
        else:
            fmt = {4: ("NHWC", "NCHW"), 5: ("NDHWC", "NCDHW")}[rank][cf]
            stats = (None, None) if training else (moving_mean, moving_variance)
            y, mean, var = nn.fused_batch_norm(x, g, b, *stats, epsilon=epsilon,
                                               data_format=fmt, is_training=training)
    else:
        red = [i for i in range(rank) if i not in axes]
        shape = [x.shape[i] if i in axes else 1 for i in range(rank)]

        def bc(t):
            return None if t is None else t.reshape(shape)
        if training:
            mean, var = nn.moments(x, red, keep_dims=True)
            y = nn.batch_normalization(x, mean, var, bc(beta), bc(gamma), epsilon)
            mean, var = mean.reshape(moving_mean.shape), var.reshape(moving_mean.shape)
        else:
            y = nn.batch_normalization(x, bc(moving_mean), bc(moving_variance), bc(beta),
                                       bc(gamma), epsilon)
    if training:
        if mean.dtype != moving_mean.dtype:
            mean, var = mean.to(moving_mean.dtype), var.to(moving_mean.dtype)
        moving, decay = [moving_mean, moving_variance], _decay(momentum, moving_mean)
        if mean.requires_grad or moving_mean.requires_grad or moving_variance.requires_grad:
            with torch.no_grad():
                _move(moving, [mean, var], decay)
        else:                                   # nothing autograd would record
            _move(moving, [mean, var], decay)
    return y


def _kernel_moves(x, moving_mean, moving_variance, momentum):
    """Whether torch's batch norm can move these statistics in place itself: plain tensors of
    ``x``'s dtype that need no gradient, and a Python number momentum."""
    return (type(momentum) in (float, int) and type(moving_variance) is type(moving_mean)
            and isinstance(moving_mean, torch.Tensor)
            and moving_mean.dtype is moving_variance.dtype is x.dtype
            and not (moving_mean.requires_grad or moving_variance.requires_grad))


def _move(moving, batch, decay):
    """``moving -= (moving - batch) * decay`` in place, for all pairs in three foreach ops."""
    step = torch._foreach_sub(moving, batch)
    torch._foreach_mul_(step, decay)
    torch._foreach_sub_(moving, step)


_DECAYS = {}       # (momentum, dtype, device) -> 1 - momentum as a 0-dim tensor


def _decay(momentum, like):
    """``1 - momentum`` for the moving statistics' update: a 0-dim float32 / float64 tensor
    (the product is the one a Python number gives, at half the cost of wrapping it)."""
    if type(momentum) not in (float, int) or like.dtype not in (torch.float32, torch.float64):
        return 1 - momentum
    key = (momentum, like.dtype, like.device)
    decay = _DECAYS.get(key)
    if decay is None:
        if len(_DECAYS) >= 4096:                # bounded, whatever the number of momenta
            _DECAYS.clear()
        decay = _DECAYS[key] = torch.tensor(1 - momentum, dtype=like.dtype, device=like.device)
    return decay


class BatchNormalization(Layer):
    """Batch normalization with TF's defaults (momentum 0.99, epsilon 1e-3); variables
    ``gamma``, ``beta`` (trainable) and ``moving_mean``, ``moving_variance`` (GLOBAL only),
    moved in place on each ``training=True`` call."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=zeros_initializer(), gamma_initializer=ones_initializer(),
                 moving_mean_initializer=zeros_initializer(),
                 moving_variance_initializer=ones_initializer(), beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None,
                 trainable=True, virtual_batch_size=None, adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size or adjustment:
            raise NotImplementedError("batch_normalization: renorm, virtual_batch_size and "
                                      "adjustment are not supported by scopevar")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        self.momentum, self.epsilon = momentum, epsilon
        self.center, self.scale, self.fused = center, scale, fused
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def _axes(self, rank):
        axes = sorted(a % rank if -rank <= a < rank else a for a in self.axis)
        for a in axes:
            if not 0 <= a < rank:
                raise LayerArgumentError("Invalid axis: %s" % (self.axis,))
        if len(set(axes)) != len(axes):
            raise LayerArgumentError("Duplicate axis: %s" % (self.axis,))
        return axes

    def _check(self, x):
        if x.dim() == 0:
            raise LayerArgumentError("Input has undefined rank.")
        self._axes(x.dim())

    def build(self, input_shape):
        rank = len(input_shape)
        self._ax = self._axes(rank)
        if len(self._ax) == 1:
            shape = [input_shape[self._ax[0]]]
        else:
            shape = [input_shape[i] if i in self._ax else 1 for i in range(rank)]
        pdt = dtypes.float32 if self.dtype in (dtypes.float16, dtypes.bfloat16) else self.dtype
        if self.scale:
            self.gamma = self.add_weight("gamma", shape, pdt, self.gamma_initializer,
                                         self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight("beta", shape, pdt, self.beta_initializer,
                                        self.beta_regularizer)
        self.moving_mean = self.add_weight("moving_mean", shape, pdt,
                                           self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape, pdt,
                                               self.moving_variance_initializer, trainable=False)

    def call(self, inputs, training=False):
        fused = self.fused is not False and len(self.moving_mean.shape) == 1
        return _bn_apply(inputs, self._ax, self.gamma, self.beta, self.moving_mean,
                         self.moving_variance, self.momentum, self.epsilon, bool(training),
                         fused)


class _Pooling2D(Layer):
    _kind = None

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.channels_first = _channels_first(data_format)
        self._plans = {}        # input shapes -> nn's checked plan

    def call(self, inputs):
        plan = self._plans.get(inputs.shape)
        if plan is not None:
            return nn._pooled(self._kind, inputs, *plan)   # what nn's op does once checked
        cf = self.channels_first
        k = [1, 1] + self.pool_size if cf else [1] + self.pool_size + [1]
        s = [1, 1] + self.strides if cf else [1] + self.strides + [1]
        f, is_max = "NCHW" if cf else "NHWC", self._kind == "max"
        y = (nn.max_pool if is_max else nn.avg_pool)(inputs, k, s, self.padding, f)
        if len(self._plans) >= 64:                  # bounded, whatever the input shapes
            self._plans.clear()
        self._plans[inputs.shape] = nn._pool_plan(inputs, k, s, self.padding, f,
                                                  "MaxPool" if is_max else "AvgPool", is_max)
        return y


class MaxPooling2D(_Pooling2D):
    """Max pooling; no variables."""
    _kind = "max"


class AveragePooling2D(_Pooling2D):
    """Average pooling (``same`` windows average only real inputs); no variables."""
    _kind = "avg"


MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D


class Flatten(Layer):
    """``[N, ...]`` to ``[N, prod(...)]`` (channels_first inputs are made channels-last first)."""

    def __init__(self, data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.channels_first = _channels_first(data_format)

    def call(self, inputs):
        if inputs.dim() == 0:
            raise LayerArgumentError("Input 0 of layer flatten is incompatible: expected "
                                     "min_ndim=1")
        if self.channels_first and inputs.dim() > 2:
            inputs = inputs.permute(0, *range(2, inputs.dim()), 1)
        return inputs.reshape(inputs.shape[0], -1) if inputs.dim() > 1 else \
            inputs.reshape(-1, 1)


class Dropout(Layer):
    """Dropout at ``rate`` when ``training`` is true; identity otherwise."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return nn.dropout(inputs, noise_shape=self.noise_shape, seed=self.seed, rate=self.rate)


# --- functional forms ---------------------------------------------------------------------------

def _config(cls, args, call):
    """A functional layer's arguments ``args`` (its ``locals()``, in its signature's order) as
    a key: neither the inputs nor the call's arguments ``call``; what a reusing build ignores
    (initializers, regularizers, constraints) only as given or not and callable or not; the
    sizes given as lists as tuples (any other unhashable argument makes the key unhashable)."""
    spec = _KEY_SPECS.get(cls)
    if spec is None:
        spec = _KEY_SPECS[cls] = ([i for i, k in enumerate(args) if k == "inputs" or k in call],
                                  [i for i, k in enumerate(args) if k in _IGNORED_ON_REUSE],
                                  [i for i, k in enumerate(args) if k in _SIZES])
    values = list(args.values())
    for i in spec[0]:
        values[i] = None
    for i in spec[1]:
        v = values[i]
        values[i] = (v is None, callable(v))
    for i in spec[2]:
        if type(values[i]) is list:
            values[i] = tuple(values[i])
    return tuple(values)


_KEY_SPECS = {}    # layer class -> positions: left out of its key, only as given, sizes
_SIZES = frozenset(["kernel_size", "strides", "pool_size", "dilation_rate", "axis",
                    "noise_shape"])
_IGNORED_ON_REUSE = frozenset(
    prefix + suffix for prefix in ("kernel", "bias", "beta", "gamma", "moving_mean",
                                   "moving_variance")
    for suffix in ("_initializer", "_regularizer", "_constraint"))


def _functional(cls, args, call=()):
    """``cls(**args)(inputs, **call args)``: the functional form of a layer, ``args`` its
    arguments (``inputs``, the constructor's, ``reuse`` and the call's names ``call``).

    TF builds a new layer object on each call, in a new unique scope, and a reusing scope
    gives it the existing variables.  So in a scope that reuses plainly (a template's later
    calls), the layer an earlier call built in the same scope from the same arguments and
    input shape is called again: same variables, same computation, and the same name marks
    are left (layer name, name scope, variable scope), without a new object and scope."""
    inputs, key = args["inputs"], None
    if args["name"] is None and not args.get("reuse") and isinstance(inputs, torch.Tensor):
        graph = get_default_graph()
        base = _snake(cls.__name__)
        place = _next_reusing_scope(graph, base)
        if place is not None:
            key = (cls, place[0], inputs.shape, inputs.dtype, _config(cls, args, call))
            layers = graph.__dict__.get("_scopevar_layers") or {}
            try:
                layer = layers.get(key)
            except TypeError:                   # an argument that does not hash
                layer = key = None
            if layer is not None:
                _layer_name(graph, base)
                scope = _mark_unique_scope(graph, base, place)
                return layer._call_in(scope + "/", inputs, *[args[k] for k in call])
    args = dict(args)
    del args["inputs"]
    call_args = {k: args.pop(k) for k in call}
    if "reuse" in args:
        args["_reuse"], args["_scope"] = args.pop("reuse"), args["name"]
    layer = cls(**args)
    y = layer(inputs, **call_args)
    if key is not None:
        if len(layers) >= 4096:                 # bounded, whatever the number of scopes
            layers.clear()
        layers[key] = layer
        graph.__dict__["_scopevar_layers"] = layers
    return y


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """``Conv2D(...)(inputs)``: variables ``conv2d/kernel``, ``conv2d/bias``."""
    return _functional(Conv2D, locals())


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """``Dense(...)(inputs)``: variables ``dense/kernel``, ``dense/bias``."""
    return _functional(Dense, locals())


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=zeros_initializer(),
                        gamma_initializer=ones_initializer(),
                        moving_mean_initializer=zeros_initializer(),
                        moving_variance_initializer=ones_initializer(), beta_regularizer=None,
                        gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None, reuse=None, renorm=False,
                        renorm_clipping=None, renorm_momentum=0.99, fused=None,
                        virtual_batch_size=None, adjustment=None):
    """``BatchNormalization(...)(inputs, training)``; ``training=True`` uses the batch
    statistics and moves ``moving_mean`` / ``moving_variance`` in place."""
    return _functional(BatchNormalization, locals(), ("training",))


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """Max pooling over ``pool_size`` windows."""
    return _functional(MaxPooling2D, locals())


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """Average pooling over ``pool_size`` windows."""
    return _functional(AveragePooling2D, locals())


def flatten(inputs, name=None, data_format="channels_last"):
    """``[N, ...]`` to ``[N, prod(...)]``."""
    return _functional(Flatten, locals())


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Dropout at ``rate`` when ``training``; identity otherwise."""
    return _functional(Dropout, locals(), ("training",))
