"""``Variable`` (a ``torch.nn.Parameter`` with TF's name and state) and ``PartitionedVariable``.

A variable has its value as soon as it exists; ``initializer`` re-runs its initial value.
``assign*`` update in place, so optimizers and modules holding it keep seeing it.

>>> v = Variable([1.0, 2.0], name="v")
>>> v.name, v.get_shape().as_list(), v.trainable
('v:0', [2], True)
>>> v.assign_add([1.0, 1.0]).eval().tolist()
[2.0, 3.0]
"""
import enum

import numpy as np
import torch

from . import device as _device
from . import dtypes
from .constant_op import convert_to_tensor
from .errors import PartitionError, ShapeMismatchError, VariableArgumentError, VariablePicklingError
from .graph import GraphKeys, _validate_scope_name, get_default_graph
from .random import recording_seeds, replaying_seeds, rerun_of
from .tensor_shape import TensorShape


class VariableSynchronization(enum.Enum):
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregationV2(enum.Enum):
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class VariableAggregation(enum.Enum):
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3
    ONLY_FIRST_TOWER = 3


def _validate_sync_aggregation(synchronization, aggregation, trainable, name):
    """TF's defaults and checks: (synchronization, aggregation, trainable)."""
    if synchronization is VariableSynchronization.AUTO and aggregation is VariableAggregation.NONE:
        return synchronization, aggregation, True if trainable is None else trainable
    if aggregation is None:
        aggregation = VariableAggregation.NONE
    elif not isinstance(aggregation, (VariableAggregation, VariableAggregationV2)):
        try:
            aggregation = VariableAggregationV2(aggregation)
        except ValueError:
            raise VariableArgumentError("Invalid variable aggregation mode: %s for variable: %s"
                                        % (aggregation, name)) from None
    if synchronization is None:
        synchronization = VariableSynchronization.AUTO
    else:
        try:
            synchronization = VariableSynchronization(synchronization)
        except ValueError:
            raise VariableArgumentError("Invalid variable synchronization mode: %s for variable: %s"
                                        % (synchronization, name)) from None
    if trainable is None:
        trainable = synchronization != VariableSynchronization.ON_READ
    return synchronization, aggregation, trainable


class SaveSliceInfo:
    """Where a part of a partitioned variable lies in the full tensor (for checkpoints)."""

    __slots__ = ("full_name", "full_shape", "var_offset", "var_shape")

    def __init__(self, full_name=None, full_shape=None, var_offset=None, var_shape=None,
                 save_slice_info_def=None, import_scope=None):
        self.full_name, self.full_shape = full_name, full_shape
        self.var_offset, self.var_shape = var_offset, var_shape

    @property
    def spec(self):
        """TF's slice spec string: ``'7 2 3,2:0,2'`` (full shape, then offset,length per dim)."""
        full = " ".join(str(d) for d in self.full_shape)
        sl = ":".join("%d,%d" % (o, s) for o, s in zip(self.var_offset, self.var_shape))
        return full + " " + sl

    def __repr__(self):
        return "SaveSliceInfo(%r, %s)" % (self.full_name, self.spec)


class _VariableOp:
    """``v.op``: the variable's op name, type, device and graph, as TF code reads them."""

    __slots__ = ("_var",)
    type = "VariableV2"

    def __init__(self, var):
        self._var = var

    name = property(lambda self: self._var._op_name)
    device = property(lambda self: self._var._tf_device)
    graph = property(lambda self: self._var._graph)
    node_def = property(lambda self: self)
    outputs = property(lambda self: [self._var])

    def __repr__(self):
        return "<op %r type=VariableV2>" % self.name


class _Op:
    """A callable that stands for a TF op with side effects (initializers, groups)."""

    def __init__(self, name, fn):
        self.name, self._fn = name, fn

    def __call__(self):
        self._fn()

    run = __call__

    def __repr__(self):
        return "<op %r>" % self.name


class Variable(torch.nn.Parameter):
    """TF1's ``tf.Variable`` as a torch ``Parameter``.

    ``Variable(initial_value, trainable=None, collections=None, validate_shape=True,
    caching_device=None, name=None, dtype=None, constraint=None, ...)`` — TF's arguments.
    Named by the current ``name_scope`` and made unique (``v``, ``v_1``); added to
    ``collections`` (default ``[GLOBAL_VARIABLES]``, plus ``TRAINABLE_VARIABLES`` when
    trainable).  Non-float variables never require grad.
    """

    # what every variable has lives in slots (no per-variable ``__dict__``: less memory, and
    # fewer objects for the garbage collector to walk); rarely set state defaults on the class
    __slots__ = ("_op_name", "_graph", "_trainable", "_initial_value")
    _save_slice_info = None
    _constraint = None
    _caching_device = None
    _tf_device = ""
    _unknown_shape = False
    _synchronization = VariableSynchronization.AUTO
    _aggregation = VariableAggregation.NONE

    def __new__(cls, initial_value=None, trainable=None, collections=None, validate_shape=True,
                caching_device=None, name=None, variable_def=None, dtype=None,
                expected_shape=None, import_scope=None, constraint=None, use_resource=None,
                synchronization=VariableSynchronization.AUTO,
                aggregation=VariableAggregation.NONE, shape=None):
        creators = get_default_graph()._thread.creator_stack
        if not creators:
            return _create(cls, initial_value, trainable, collections, validate_shape,
                           caching_device, name, variable_def, dtype, expected_shape, import_scope,
                           constraint, use_resource, synchronization, aggregation, shape)
        kwargs = dict(initial_value=initial_value, trainable=trainable, collections=collections,
                      validate_shape=validate_shape, caching_device=caching_device, name=name,
                      variable_def=variable_def, dtype=dtype, expected_shape=expected_shape,
                      import_scope=import_scope, constraint=constraint,
                      use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation, shape=shape)
        getter = lambda **kw: _create(cls, **kw)       # noqa: E731
        for creator in creators:                       # innermost creator runs first
            getter = _chain(creator, getter)
        return getter(**kwargs)

    # -- TF's read-only properties ------------------------------------------------------------

    @property
    def name(self):
        return self._op_name + ":0"

    @property
    def op(self):
        return _VariableOp(self)

    @property
    def graph(self):
        return self._graph

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def initial_value(self):
        """The initial value, computed again (TF re-runs the initial-value op when read)."""
        return self._initial_value()

    @property
    def initializer(self):
        """An op that re-initializes the variable from its initial value."""
        return _Op(self._op_name + "/Assign", self._reinitialize)

    def initialized_value(self):
        return self.read_value()

    def is_initialized(self):
        return True

    def get_shape(self):
        return TensorShape(None if self._unknown_shape else self.shape)

    def _set_save_slice_info(self, save_slice_info):
        self._save_slice_info = save_slice_info

    def _get_save_slice_info(self):
        return self._save_slice_info

    SaveSliceInfo = SaveSliceInfo

    # -- values ---------------------------------------------------------------------------------

    def value(self):
        """A snapshot of the current value (differentiable)."""
        return self.clone()

    read_value = value

    def eval(self, session=None, feed_dict=None):
        """The value as a numpy array (a copy)."""
        return self.detach().cpu().numpy().copy()

    def numpy(self, *, force=False):
        return self.eval()

    def _to_value(self, value):
        t = value if isinstance(value, torch.Tensor) else convert_to_tensor(value, self.dtype)
        if tuple(t.shape) != tuple(self.shape) and not self._unknown_shape:
            raise ShapeMismatchError(_merge_shapes_message(self.shape, t.shape) +
                                     " Assign a value of the variable's shape %s to %s."
                                     % (list(self.shape), self.name))
        return t

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Set the value in place; returns the variable."""
        t = self._to_value(value)
        with torch.no_grad():
            if self._unknown_shape and tuple(t.shape) != tuple(self.shape):
                self.data = t.detach().to(self.dtype).clone()
            else:
                self.copy_(t)
        return self if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        t = self._to_value(delta)
        with torch.no_grad():
            self.add_(t)
        return self if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        t = self._to_value(delta)
        with torch.no_grad():
            self.sub_(t)
        return self if read_value else None

    def load(self, value, session=None):
        """Set the value from a numpy array or Python value (TF's ``Variable.load``)."""
        self.assign(np.asarray(value))

    def count_up_to(self, limit):
        with torch.no_grad():
            old = int(self.item())
            if old >= limit:
                from .errors import OutOfRangeError
                raise OutOfRangeError("Reached limit of %d" % limit)
            self.add_(1)
        return old

    def _reinitialize(self):
        value = self._initial_value(advance=True)
        with torch.no_grad():
            if tuple(value.shape) != tuple(self.shape):
                self.data = value.to(self.dtype).to(self.device)
            else:
                self.copy_(value)

    # -- identity semantics of TF1 graph tensors -------------------------------------------------

    def __eq__(self, other):
        if isinstance(other, Variable):
            return self is other        # TF1: variables compare by identity (``v in list``)
        return super().__eq__(other)

    def __ne__(self, other):
        if isinstance(other, Variable):
            return self is not other
        return super().__ne__(other)

    __hash__ = torch.nn.Parameter.__hash__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        data = self.data.clone(memory_format=torch.preserve_format)
        result = torch.Tensor._make_subclass(type(self), data, self.requires_grad)
        result.__dict__.update(self.__dict__)
        for name in Variable.__slots__:
            setattr(result, name, getattr(self, name))
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        raise VariablePicklingError("scopevar variables are not pickled; save them with "
                                    "tf.train.Saver or pass variable.detach() to torch.save.")

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s>" % (self.name, self.get_shape(),
                                                         dtypes.name(self.dtype))

    __str__ = __repr__

    # -- TF1 graph-mode extras ---------------------------------------------------------------------

    def to_proto(self, export_scope=None):
        raise NotImplementedError("scopevar has no graph protos; checkpoints hold the values.")

    @property
    def device_string(self):
        """The TF device string of the variable (``'/device:CPU:0'``), '' when unplaced."""
        return self._tf_device


def _merge_shapes_message(a, b):
    """TF's shape-inference message for two shapes that differ."""
    a, b = list(a), list(b)
    if len(a) != len(b):
        return "Shapes must be equal rank, but are %d and %d." % (len(a), len(b))
    i = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
    return ("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and %s."
            % (i, a[i], b[i], str(a).replace(" ", ""), str(b).replace(" ", "")))


def _chain(creator, next_creator):
    return lambda **kw: creator(next_creator, **kw)


_UNSEEDED = ((None, None),)         # the seeds of one random op without a seed


class _InitialValue:
    """Produces a variable's initial value again, replaying the seeds of its random ops."""

    __slots__ = ("source", "dtype", "seeds", "runs")

    def __init__(self, source, dtype, seeds):
        # few objects per variable: the garbage collector walks all of them
        seeds = tuple(seeds)
        self.source, self.dtype, self.runs = source, dtype, 0
        self.seeds = _UNSEEDED if seeds == _UNSEEDED else seeds

    def __call__(self, advance=False):
        if advance:
            self.runs += 1
        source = self.source
        with replaying_seeds(self.seeds, max(0, self.runs - 1)):
            return _convert_initial_value(source() if callable(source) else source, self.dtype)


def _convert_initial_value(value, dtype):
    if isinstance(value, torch.Tensor) and (dtype is None or value.dtype is dtype):
        return value
    t = convert_to_tensor(value, dtype=dtype)
    return t if dtype is None or t.dtype == dtype else t.to(dtype)


def _create(cls, initial_value=None, trainable=None, collections=None, validate_shape=True,
            caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
            import_scope=None, constraint=None, use_resource=None,
            synchronization=VariableSynchronization.AUTO, aggregation=VariableAggregation.NONE,
            shape=None):
    """The default variable creator: TF's ``RefVariable._init_from_args`` on torch."""
    if variable_def is not None:
        raise VariableArgumentError("variable_def is a graph proto; scopevar restores values "
                                    "with tf.train.Saver instead.")
    if initial_value is None:
        raise VariableArgumentError("initial_value must be specified.")
    if collections is not None and not isinstance(collections, (list, tuple, set)):
        raise VariableArgumentError(
            "collections argument to Variable constructor must be a list, tuple, or set. Got %s "
            "of type %s" % (collections, type(collections)))
    if constraint is not None and not callable(constraint):
        raise VariableArgumentError("The `constraint` argument must be a callable.")
    synchronization, aggregation, trainable = _validate_sync_aggregation(
        synchronization, aggregation, trainable, name)
    trainable = bool(trainable)
    if collections is None:
        collections = _GLOBAL_AND_TRAINABLE if trainable else _GLOBAL
    elif trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
        collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)

    graph = get_default_graph()
    thread = graph._thread
    name = name or "Variable"
    stack = thread.name_stack
    _validate_scope_name(name, nested=bool(stack))
    if name[-1] == "/":
        op_name = name[:-1]
        graph._reopen(op_name)      # its initializer's names go under it
    else:
        op_name = graph.unique_name(name)
    tf_device, torch_device = _device.placement(op_name) if thread.device_stack else ("", None)
    if callable(initial_value):
        seeds = []
        thread.name_stack = op_name + "/Initializer"
        try:
            with recording_seeds(seeds):
                value = _convert_initial_value(initial_value(), dtype)
        finally:
            thread.name_stack = stack
    else:
        value = _convert_initial_value(initial_value, dtype)
        if value is initial_value:
            value = value.clone()          # never alias the caller's tensor
        # a random op's output: TF re-runs the op with each run of the initializer
        initial_value, seeds = rerun_of(initial_value)
    if expected_shape is not None and not TensorShape(expected_shape).is_compatible_with(value.shape):
        raise VariableArgumentError("Shapes %s and %s are incompatible"
                                    % (TensorShape(value.shape), TensorShape(expected_shape)))
    if shape is not None and not TensorShape(shape).is_compatible_with(value.shape):
        raise VariableArgumentError("Shapes %s and %s are incompatible"
                                    % (TensorShape(value.shape), TensorShape(shape)))

    if value.requires_grad:
        value = value.detach()
    if torch_device is not None and value.device != torch_device:
        value = value.to(torch_device)
    v = _new(cls, value, trainable and (value.dtype.is_floating_point or value.dtype.is_complex),
             graph, op_name, trainable, _InitialValue(initial_value, dtype, seeds))
    if tf_device:
        v._tf_device = tf_device
    if constraint is not None:
        v._constraint = constraint
    if caching_device is not None:
        v._caching_device = caching_device
    if not validate_shape:
        v._unknown_shape = True
    if synchronization is not VariableSynchronization.AUTO:
        v._synchronization = synchronization
    if aggregation is not VariableAggregation.NONE:
        v._aggregation = aggregation
    graph.add_to_collections(collections, v)
    return v


def _new(cls, value, requires_grad, graph, op_name, trainable, initial_value):
    """The ``cls`` object on ``value``'s data, with the state every variable has."""
    v = torch.Tensor._make_subclass(cls, value, requires_grad)
    v._op_name = op_name
    v._graph = graph
    v._trainable = trainable
    v._initial_value = initial_value
    return v


def _create_trainable(graph, op_name, value, initial_value):
    """What ``_create`` makes of a float ``value`` named ``op_name`` (already unique) with
    every option at its default, in fewer steps: ``get_variable``'s common case."""
    v = _new(Variable, value, True, graph, op_name, True, initial_value)
    graph.add_to_collections(_GLOBAL_AND_TRAINABLE, v)
    return v


_GLOBAL = (GraphKeys.GLOBAL_VARIABLES,)
_GLOBAL_AND_TRAINABLE = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES)


VariableV1 = RefVariable = Variable


class PartitionedVariable:
    """A variable stored as parts along one axis (``name/part_0``, ``name/part_1`` ...).

    Iterates its parts in offset order; ``as_tensor()`` concatenates them.
    """

    def __init__(self, name, shape, dtype, variable_list, partitions):
        self._name = name
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._partitions = list(partitions)
        self._variable_list = sorted(variable_list, key=lambda v: v._save_slice_info.var_offset)

    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    graph = property(lambda self: self._variable_list[0].graph)

    def get_shape(self):
        return self._shape

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self):
        num = sum(p > 1 for p in self._partitions)
        if num > 1:
            raise PartitionError("Cannot get a length for %d > 1 partitions" % num)
        return len(self._variable_list)

    def _get_variable_list(self):
        return self._variable_list

    get_variable_list = _get_variable_list

    def _get_partitions(self):
        return self._partitions

    def _partition_axes(self):
        axes = [i for i, p in enumerate(self._partitions) if p > 1]
        return axes or [0]

    def as_tensor(self):
        """The full value: the parts concatenated along the partition axis."""
        if len(self._variable_list) == 1:
            return self._variable_list[0] * 1
        return torch.cat(list(self._variable_list), dim=self._partition_axes()[0])

    _concat = as_tensor

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Assign a full value, split over the parts."""
        t = convert_to_tensor(value)
        for v in self._variable_list:
            info = v._save_slice_info
            v.assign(t[tuple(slice(o, o + s) for o, s in zip(info.var_offset, info.var_shape))])
        return self if read_value else None

    def eval(self, session=None):
        return self.as_tensor().detach().cpu().numpy()

    def __array__(self, dtype=None, copy=None):
        return self.eval() if dtype is None else self.eval().astype(dtype)

    def __repr__(self):
        return "<PartitionedVariable %r shape=%s parts=%d>" % (self._name, self._shape,
                                                                len(self._variable_list))


def global_variables_initializer():
    """An op that re-initializes every global variable (variables are initialized at creation,
    so running it is only needed to reset them)."""
    return variables_initializer(get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES),
                                 name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES),
                                 name="init_1")


def variables_initializer(var_list, name="init"):
    """An op that re-initializes the given variables."""
    var_list = list(var_list)

    def run():
        for v in var_list:
            v._reinitialize()
    return _Op(name, run)


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """Always empty: scopevar variables have their value from creation on."""
    return np.array([], dtype=object)


def assert_variables_initialized(var_list=None):
    return _Op("assert_variables_initialized", lambda: None)
