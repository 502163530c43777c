"""``variable_scope``, ``get_variable`` and the variable store, with TF1's exact semantics.

A scope carries defaults (reuse, initializer, regularizer, dtype, partitioner, custom
getter ...) for the ``get_variable`` calls made inside it; ``get_variable`` names the
variable ``scope/name`` (ignoring name scopes) and gets it from the per-graph store or
creates it, by TF's decision table: reuse False creates (an existing name is an error),
True gets (a missing name is an error), ``AUTO_REUSE`` gets or creates.

>>> with variable_scope("conv1"):
...     w = get_variable("weights", [3, 3, 1, 8])
>>> with variable_scope("conv1", reuse=True):
...     get_variable("weights") is w
True
"""
import enum
import functools
import inspect
import math
import operator
import threading
from collections.abc import Sequence

import torch

from . import dtypes
from .errors import (CustomGetterError, DtypeMismatchError, InitializerError, PartitionError,
                     ScopeNestingError, ShapeMismatchError, VariableAlreadyExistsError,
                     VariableNotFoundError, VariableScopeArgumentError, VariableScopeTypeError)
from .constant_op import convert_to_tensor
from .graph import _VALID_OP_NAME, GraphKeys, get_default_graph
from .initializers import GlorotUniform, Initializer, Zeros
from .random import _param
from .regularizers import add_regularization_loss
from .tensor_shape import TensorShape, as_shape
from .variables import (_UNSEEDED, PartitionedVariable, SaveSliceInfo, Variable,
                        VariableAggregation, VariableSynchronization, _create_trainable,
                        _InitialValue, _validate_sync_aggregation)


class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


# -- VariableScope ------------------------------------------------------------------------------

class VariableScope:
    """The defaults ``get_variable`` uses inside a ``variable_scope``.

    ``name`` is the full scope path (the ``get_variable`` prefix); ``original_name_scope``
    the name scope opened with it (with a trailing ``/``), to re-enter with ``name_scope``.
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None, caching_device=None,
                 partitioner=None, custom_getter=None, name_scope="", dtype=dtypes.float32,
                 use_resource=None, constraint=None):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """Reuse variables in this scope (and its children, and later re-entries of it)."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def get_collection(self, name):
        """This scope's items of a collection (names under ``self.name + '/'``)."""
        return get_default_graph().get_collection(name, self._name + "/" if self._name else "")

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=VariableSynchronization.AUTO,
                     aggregation=VariableAggregation.NONE):
        """Get or create ``self.name/name`` in ``var_store`` with this scope's defaults."""
        if regularizer is None:
            regularizer = self._regularizer
        if caching_device is None:
            caching_device = self._caching_device
        if partitioner is None:
            partitioner = self._partitioner
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        if use_resource is None:
            use_resource = self._use_resource
        full_name = self._name + "/" + name if self._name else name
        if dtype is not None and initializer is not None and not callable(initializer):
            init_dtype = convert_to_tensor(initializer).dtype
            if init_dtype != dtypes.as_dtype(dtype):
                raise DtypeMismatchError(
                    "Initializer type '%s' and explicit dtype '%s' don't match. Pass "
                    "dtype=%s or an initializer value of that dtype."
                    % (dtypes.tf_repr(init_dtype), dtypes.tf_repr(dtype), dtypes.name(init_dtype)))
        if initializer is None:
            initializer = self._initializer
        if constraint is None:
            constraint = self._constraint
        if dtype is None:
            dtype = self._dtype
        thread = get_default_graph()._thread
        name_stack, thread.name_stack = thread.name_stack, ""   # get_variable ignores name scopes
        try:
            return var_store.get_variable(
                full_name, shape, dtype, initializer, regularizer, reuse, trainable, collections,
                caching_device, partitioner, validate_shape, use_resource, custom_getter,
                constraint, synchronization, aggregation)
        finally:
            thread.name_stack = name_stack

    def __repr__(self):
        return "<VariableScope %r reuse=%s>" % (self._name, self._reuse)


class _ScopeStore:
    """Per graph and thread: the current variable scope and how often each scope was entered.

    The counts are TF's flat ``{scope name: count}`` kept as a tree of path components, so
    that resetting sub-scope counts (on exit of a string scope) and snapshotting them (on
    entry of a scope object) cost O(depth), not O(number of scopes): a snapshot is a journal
    of the changes made since, undone on exit.
    """

    def __init__(self):
        self.current_scope = VariableScope(False)
        self._root = [0, {}]           # node: [count, {component: node}]
        self._journals = []

    def _node(self, name, create):
        node = self._root
        for part in name.split("/"):
            child = node[1].get(part)
            if child is None:
                if not create:
                    return None
                child = node[1][part] = [0, {}]
            node = child
        return node

    def open_variable_scope(self, scope_name):
        self._open(self._node(scope_name, True))

    def close_variable_subscopes(self, scope_name):
        node = self._node(scope_name, False)
        if node is not None:
            self._close(node)

    def _open_and_close(self, node):
        """Open a scope and close its sub-scopes: what entering and leaving it leaves."""
        self._open(node)
        if node[1]:
            self._close(node)

    def _open(self, node):
        if self._journals:
            self._journals[-1].append((node, 0, node[0]))
        node[0] += 1

    def _set(self, table, key, value):
        """``table[key] = value``, undone with the innermost snapshot."""
        if self._journals:
            self._journals[-1].append((table, key, table.get(key, 1)))
        table[key] = value

    def _close(self, node):
        if node[1]:
            if self._journals:
                self._journals[-1].append((node, 1, node[1]))
            node[1] = {}

    def variable_scope_count(self, scope_name):
        node = self._node(scope_name, False)
        return 0 if node is None else node[0]

    def snapshot(self):
        self._journals.append([])

    def restore(self):
        for node, field, old in reversed(self._journals.pop()):
            node[field] = old


def _scope_store(graph=None):
    thread = (graph or get_default_graph())._thread
    store = thread.scope_store
    if store is None:
        store = thread.scope_store = _ScopeStore()
    return store


def get_variable_scope():
    """The current ``VariableScope`` (the root scope has name '' and reuse False)."""
    return _scope_store().current_scope


def get_variable_scope_store():
    return _scope_store()


# -- the variable store ----------------------------------------------------------------------

class _VariableStore:
    """The variables ``get_variable`` created in one graph, by full name."""

    def __init__(self):
        self._vars = {}
        self._partitioned_vars = {}
        self._lock = threading.RLock()

    def get_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=VariableSynchronization.AUTO,
                     aggregation=VariableAggregation.NONE):
        if custom_getter is not None and not callable(custom_getter):
            raise CustomGetterError("Passed a custom_getter which is not callable: %s. A custom "
                                    "getter is a function getter(next_getter, name, *args, **kwargs)."
                                    % custom_getter)
        synchronization, aggregation, trainable = _validate_sync_aggregation(
            synchronization, aggregation, trainable, name)
        if custom_getter is None:
            return self._true_getter(
                name, shape, dtype, initializer, regularizer, reuse, trainable, collections,
                caching_device, partitioner, validate_shape, use_resource, constraint,
                synchronization, aggregation)
        kwargs = dict(getter=self._true_getter, name=name, shape=shape, dtype=dtype,
                      initializer=initializer, regularizer=regularizer, reuse=reuse,
                      trainable=trainable, collections=collections, caching_device=caching_device,
                      partitioner=partitioner, validate_shape=validate_shape,
                      use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation)
        if _accepts(custom_getter, "constraint"):
            kwargs["constraint"] = constraint
        return custom_getter(**kwargs)

    def _true_getter(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, constraint=None,
                     synchronization=VariableSynchronization.AUTO,
                     aggregation=VariableAggregation.NONE):
        dtype = dtypes.as_dtype(dtype)
        with self._lock:
            if partitioner is not None and not (isinstance(shape, Sequence) and not shape):
                if not callable(partitioner):
                    raise PartitionError("Partitioner must be callable, but received: %s"
                                         % partitioner)
                return self._get_partitioned_variable(
                    name, partitioner, shape, dtype, initializer, regularizer, reuse, trainable,
                    collections, caching_device, validate_shape, use_resource, constraint,
                    synchronization, aggregation)
            if reuse is True and partitioner is None and name in self._partitioned_vars:
                return self._get_partitioned_variable(
                    name, None, shape, dtype, initializer, regularizer, reuse, trainable,
                    collections, caching_device, validate_shape, use_resource, constraint,
                    synchronization, aggregation)
            if name + "/part_0" in self._vars:
                raise PartitionError(
                    "No partitioner was provided, but a partitioned version of the variable was "
                    "found: %s/part_0. Perhaps a variable of the same name was already created "
                    "with partitioning? Pass the same partitioner, or reuse it with reuse=True."
                    % name)
            return self._get_single_variable(
                name, shape, dtype, initializer, regularizer, None, reuse, trainable,
                collections, caching_device, validate_shape, use_resource, constraint,
                synchronization, aggregation)

    def _get_single_variable(self, name, shape, dtype, initializer, regularizer, partition_info,
                             reuse, trainable, collections, caching_device, validate_shape,
                             use_resource, constraint, synchronization, aggregation):
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise InitializerError("If initializer is a constant, do not specify shape. The "
                                   "variable takes the value's shape.")
        if shape is not None:
            shape = as_shape(shape)
        found = self._vars.get(name)
        if found is not None:
            if reuse is False:
                raise VariableAlreadyExistsError(_already_exists_message(name))
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ShapeMismatchError(
                    "Trying to share variable %s, but specified shape %s and found shape %s. "
                    "Ask for the existing shape, or use another name for a new variable."
                    % (name, shape, found.get_shape()))
            if dtype != found.dtype:
                raise DtypeMismatchError(
                    "Trying to share variable %s, but specified dtype %s and found dtype %s_ref. "
                    "Pass dtype=%s to get_variable."
                    % (name, dtypes.name(dtype), dtypes.name(found.dtype), _dtype_arg(found.dtype)))
            return found
        if reuse is True:
            raise VariableNotFoundError(_does_not_exist_message(self, name))
        if initializer is None:
            if shape is None:
                raise InitializerError(
                    "Variable %s did not get an initializer, so its `shape` argument must be "
                    "specified. Pass shape=[...], or an initializer value." % name)
            initializer, from_value = _default_initializer(name, dtype)
        if from_value:
            init_val, var_dtype = initializer, None
        else:
            if isinstance(initializer, type):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                init_val = _InitializerCall(
                    initializer, tuple(shape.as_list()), dtype,
                    partition_info if _takes_partition_info(initializer) else _NOT_PASSED)
                var_dtype = dtype
            elif _needs_no_arguments(initializer):
                init_val, var_dtype = initializer, None
            else:
                raise InitializerError(
                    "The initializer passed is not valid. It should be a callable with no "
                    "arguments and the shape should not be provided or an instance of "
                    "`tf.keras.initializers.*' and `shape` should be fully defined.")
        v = Variable(initial_value=init_val, name=name, trainable=trainable,
                     collections=collections, caching_device=caching_device, dtype=var_dtype,
                     validate_shape=validate_shape, constraint=constraint,
                     use_resource=use_resource, synchronization=synchronization,
                     aggregation=aggregation)
        self._vars[name] = v
        if regularizer:
            add_regularization_loss(v, name, regularizer)
        return v

    def _create_default(self, name, shape, graph):
        """The new variable ``name`` as the general path makes it when every option is at its
        default, in a float32 scope without a seed, device or creator: unseeded
        ``glorot_uniform`` values drawn in place, without calling the initializer; None where
        that case does not hold (the general path then decides)."""
        thread = graph._thread
        if (thread.creator_stack or thread.device_stack or graph.seed is not None
                or type(shape) not in (list, tuple) or type(name) is not str
                or not _VALID_OP_NAME.match(name) or name[-1] == "/"):
            return None
        try:
            shape = tuple(map(operator.index, shape))    # ints, as as_shape takes them
        except TypeError:
            return None
        default = _DEFAULT_VALUES.get(shape) or _default_value(shape)
        if default is None:
            return None
        low, high, initial_value = default
        with self._lock:
            if name in self._vars or name + "/part_0" in self._vars:
                return None                             # made meanwhile: the general path
            value = torch.empty(shape, dtype=torch.float32).uniform_(low, high)
            v = self._vars[name] = _create_trainable(graph, graph._unique_name(name), value,
                                                     initial_value)
        return v

    def _get_partitioned_variable(self, name, partitioner, shape, dtype, initializer, regularizer,
                                  reuse, trainable, collections, caching_device, validate_shape,
                                  use_resource, constraint, synchronization, aggregation):
        from_tensor = isinstance(initializer, torch.Tensor)
        if name in self._vars:
            raise PartitionError(
                "A partitioner was provided, but an unpartitioned version of the variable was "
                "found: %s.  Perhaps a variable of the same name was already created without "
                "partitioning? Drop the partitioner, or use another name." % name)
        shape = as_shape(shape)
        if from_tensor:
            shape = TensorShape(initializer.shape) if shape.ndims is None else shape
        partitions = None
        if not reuse or partitioner:
            partitions = _call_partitioner(partitioner, shape, dtype)
        existing = self._partitioned_vars.get(name)
        if existing is not None:
            if reuse is False:
                raise VariableAlreadyExistsError(
                    "Partitioned variable with name %s already exists. Did you mean to set "
                    "reuse=True or reuse=tf.AUTO_REUSE in VarScope?" % name)
            if not shape.is_compatible_with(existing.get_shape()):
                raise ShapeMismatchError(
                    "Trying to reuse partitioned variable %s, but specified shape %s and found "
                    "shape %s." % (name, shape, existing.get_shape()))
            if dtype != existing.dtype:
                raise DtypeMismatchError(
                    "Trying to reuse partitioned variable %s, but specified dtype %s and found "
                    "dtype %s." % (name, dtypes.name(dtype), dtypes.name(existing.dtype)))
            if partitions is not None and existing._get_partitions() != partitions:
                raise PartitionError(
                    "Trying to reuse partitioned variable %s, but specified partitions %s and "
                    "found partitions %s." % (name, partitions, existing._get_partitions()))
            return existing
        if reuse is True:
            raise VariableNotFoundError(
                "PartitionedVariable %s does not exist, or was not created with "
                "tf.get_variable(). Did you mean to set reuse=False or reuse=tf.AUTO_REUSE in "
                "VarScope?" % name)
        slice_dim, num_slices = _slice_dim_and_num_slices(partitions)
        if "%s/part_0" % name in self._vars:
            if "%s/part_%d" % (name, num_slices - 1) not in self._vars:
                raise PartitionError(
                    "Partitioner returned a different partitioning than what was already found.  "
                    "Partitioner returned %d shards, and shard %s/part_0 was found, but "
                    "%s/part_%d was not." % (num_slices, name, name, num_slices - 1))
            if "%s/part_%d" % (name, num_slices) in self._vars:
                raise PartitionError(
                    "Partitioner returned a different partitioning than what was already found.  "
                    "Partitioner returned %d shards, and shard %s/part_0 was found, but so was "
                    "the extra shard %s/part_%d." % (num_slices, name, name, num_slices))
        parts = []
        full = shape.as_list()
        for i, (offset, part_shape) in enumerate(_iter_slices(full, num_slices, slice_dim)):
            info = _PartitionInfo(full_shape=full, var_offset=offset)
            part_name = "%s/part_%d" % (name, i)
            if initializer is None:
                init, from_value = _default_initializer(name, dtype)
                init_shape = None if from_value else part_shape
            elif callable(initializer):
                init, init_shape = initializer, part_shape
            else:
                value = initializer if from_tensor else convert_to_tensor(initializer, dtype=dtype)
                init = value[tuple(slice(o, o + s) for o, s in zip(offset, part_shape))]
                if from_tensor:
                    dtype = value.dtype
                init_shape = None
            var = self._get_single_variable(
                part_name, init_shape, dtype, init, regularizer, info, reuse, trainable,
                collections, caching_device, validate_shape, use_resource, constraint,
                synchronization, aggregation)
            var._set_save_slice_info(SaveSliceInfo(name, full, offset, part_shape))
            parts.append(var)
        pv = PartitionedVariable(name, shape, dtype, parts, partitions)
        self._partitioned_vars[name] = pv
        return pv


def _store(graph=None):
    graph = graph or get_default_graph()
    store = graph._store
    if store is None:
        with graph._lock:                   # threads of one graph share one store
            store = graph._store
            if store is None:
                store = graph._store = _VariableStore()
    return store


def _dtype_arg(dtype):
    return "tf." + dtypes.name(dtype)


def _already_exists_message(name):
    return ("Variable %s already exists, disallowed. Did you mean to set reuse=True or "
            "reuse=tf.AUTO_REUSE in VarScope? To share it, re-enter its scope with reuse=True "
            "or reuse=tf.AUTO_REUSE; to make a new one, use another name. If you re-ran code "
            "that builds the model (e.g. a notebook cell), call tf.reset_default_graph() first."
            % name)


def _does_not_exist_message(store, name):
    msg = ("Variable %s does not exist, or was not created with tf.get_variable(). Did you mean "
           "to set reuse=tf.AUTO_REUSE in VarScope?" % name)
    base = name.rsplit("/", 1)[-1]
    similar = [k for k in store._vars if k.rsplit("/", 1)[-1] == base][:3]
    if similar:
        scopes = [k.rsplit("/", 1)[0] if "/" in k else "" for k in similar]
        msg += (" Variables with the same base name exist: %s; to share one, re-enter its "
                "scope (variable_scope(%r, reuse=True))."
                % (", ".join(repr(s) for s in similar), scopes[0]))
    elif store._vars:
        msg += " Create it first in a scope with reuse=False (the default)."
    return msg


_GLOROT_UNIFORM, _ZEROS = GlorotUniform(), Zeros()     # stateless (no seed): shared


def _default_initializer(name, dtype):
    """TF's default: glorot_uniform for floats, zeros for ints, bool and string."""
    if dtypes.is_floating(dtype):
        return _GLOROT_UNIFORM, False
    if dtypes.is_integer(dtype) or dtype is dtypes.bool or dtype is dtypes.string:
        return _ZEROS, False
    raise InitializerError("An initializer for variable %s of %s is required. Pass "
                           "initializer=tf.zeros_initializer() or another." % (name, dtypes.tf_repr(dtype)))


_NOT_PASSED = object()
_DEFAULT_VALUES = {}       # shape -> (low, high, initial value) of the default case


def _default_value(shape):
    """``_DEFAULT_VALUES[shape]``, computed: the bounds ``glorot_uniform`` draws float32 values
    in (as ``random_uniform`` rounds them) and the initial value re-run by ``.initializer``,
    shared by the variables of that shape (unseeded, its run count does not matter); None for
    a negative dimension (the general path raises TF's error)."""
    if any(d < 0 for d in shape):
        return None
    limit = math.sqrt(3.0 * _GLOROT_UNIFORM._variance(shape))     # VarianceScaling "uniform"
    initial_value = _InitialValue(_InitializerCall(_GLOROT_UNIFORM, shape, dtypes.float32, None),
                                  dtypes.float32, _UNSEEDED)
    if len(_DEFAULT_VALUES) >= 4096:        # bounded, whatever the number of distinct shapes
        _DEFAULT_VALUES.clear()
    default = _DEFAULT_VALUES[shape] = (_param(-limit, dtypes.float32),
                                        _param(limit, dtypes.float32), initial_value)
    return default


class _InitializerCall:
    """``initializer(shape, dtype=dtype[, partition_info=...])``, the initial value of a new
    variable (TF's ``functools.partial``: one object, as the variable keeps it to re-run)."""

    __slots__ = ("initializer", "shape", "dtype", "partition_info")

    def __init__(self, initializer, shape, dtype, partition_info):
        self.initializer, self.shape = initializer, shape
        self.dtype, self.partition_info = dtype, partition_info

    def __call__(self):
        if self.partition_info is _NOT_PASSED:
            return self.initializer(list(self.shape), dtype=self.dtype)
        return self.initializer(list(self.shape), dtype=self.dtype,
                                partition_info=self.partition_info)


_SIGNATURES = {}


def _signature(fn):
    """``(positional names, keyword-only names, takes **kwargs)`` of a callable, or None where
    Python cannot tell; cached per code object (per class for initializer objects), as
    ``inspect.signature`` costs ~50 µs and runs on every variable."""
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    key = code if code is not None else (type(fn) if isinstance(fn, Initializer) else None)
    sig = _SIGNATURES.get(key)
    if sig is None:
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            return None
        sig = (frozenset(p.name for p in params
                         if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
               frozenset(p.name for p in params if p.kind is p.KEYWORD_ONLY),
               any(p.kind is p.VAR_KEYWORD for p in params))
        if key is not None:
            _SIGNATURES[key] = sig
    return sig


def _takes_partition_info(fn):
    """Whether ``partition_info`` is a named (positional-or-keyword) argument of the initializer:
    TF 2.x passes it only then."""
    sig = _signature(fn)
    return sig is not None and "partition_info" in sig[0]


def _needs_no_arguments(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in sig.parameters.values())


def _accepts(fn, arg):
    """Whether ``fn`` can be called with the keyword argument ``arg``."""
    sig = _signature(fn)
    return sig is not None and (arg in sig[0] or arg in sig[1] or sig[2])


# -- partitions -------------------------------------------------------------------------------

class _PartitionInfo:
    """What an initializer learns about the part it fills: the full shape and its offset."""

    def __init__(self, full_shape, var_offset):
        self.full_shape, self.var_offset = list(full_shape), list(var_offset)

    def single_offset(self, shape):
        dim = self.single_slice_dim(shape)
        return 0 if dim is None else self.var_offset[dim]

    def single_slice_dim(self, shape):
        for i, (full, part) in enumerate(zip(self.full_shape, shape)):
            if full != part:
                return i
        return None


def _call_partitioner(partitioner, shape, dtype):
    if not shape.is_fully_defined():
        raise PartitionError("Shape of a new partitioned variable must be fully defined, but "
                             "instead was %s." % (shape,))
    if shape.ndims < 1:
        raise PartitionError("A partitioned Variable must have rank at least 1, shape: %s" % shape)
    slicing = partitioner(shape=shape, dtype=dtype)
    if not isinstance(slicing, Sequence):
        raise PartitionError("Partitioner must return a sequence, but saw: %s" % slicing)
    if len(slicing) != shape.ndims:
        raise PartitionError("Partitioner returned a partition list that does not match the "
                             "Variable's rank: %s vs. %s" % (slicing, shape))
    if any(p < 1 for p in slicing):
        raise PartitionError("Partitioner returned zero partitions for some axes: %s" % slicing)
    if sum(p > 1 for p in slicing) > 1:
        raise PartitionError("Can only slice a variable along one dimension: shape: %s, "
                             "partitioning: %s" % (shape, slicing))
    return list(slicing)


def _slice_dim_and_num_slices(slicing):
    for dim, num in enumerate(slicing):
        if num > 1:
            return dim, num
    return 0, 1


def _iter_slices(full_shape, num_slices, slice_dim):
    """(offset, shape) of each part: the first ``d % n`` parts get one row more."""
    extra = full_shape[slice_dim] % num_slices
    offset = [0] * len(full_shape)
    base = full_shape[slice_dim] // num_slices
    for i in range(num_slices):
        shape = list(full_shape)
        shape[slice_dim] = base + (1 if i < extra else 0)
        yield list(offset), shape
        offset[slice_dim] += shape[slice_dim]


# -- get_variable -------------------------------------------------------------------------------

def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE):
    """Get the variable ``<scope>/name`` or create it (TF1's ``tf.get_variable``).

    The initializer is the argument, else the scope's, else ``glorot_uniform`` for floats
    and zeros for integers and bools; a tensor, array or Python value is used as the value
    (then ``shape`` must be None).  Name scopes are ignored.
    """
    graph = get_default_graph()
    scope = _scope_store(graph).current_scope
    store = graph._store or _store(graph)
    if (custom_getter is None and partitioner is None and scope._custom_getter is None
            and scope._partitioner is None):
        full_name = scope._name + "/" + name if scope._name else name
        v = store._vars.get(full_name)
        if v is not None:
            if scope._reuse is not False and (initializer is None or callable(initializer)) \
                    and (dtype is None or dtype is v.dtype) \
                    and (shape is None or tuple(shape) == v.shape) \
                    and scope._dtype is v.dtype:
                return v                      # the hot path: a plain reuse
        elif (scope._reuse is not True and initializer is None and regularizer is None
              and (trainable is None or trainable is True) and collections is None
              and caching_device is None and validate_shape is True and constraint is None
              and synchronization is VariableSynchronization.AUTO
              and aggregation is VariableAggregation.NONE and scope._initializer is None
              and scope._regularizer is None and scope._caching_device is None
              and scope._constraint is None
              and (scope._dtype if dtype is None else dtype) is dtypes.float32):
            v = store._create_default(full_name, shape, graph)
            if v is not None:
                return v                      # the common creation, in few steps
    return scope.get_variable(
        store, name, shape, dtype, initializer, regularizer, None, trainable, collections,
        caching_device, partitioner, validate_shape, use_resource, custom_getter, constraint,
        synchronization, aggregation)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None, partitioner=None,
                       validate_shape=True, use_resource=None, custom_getter=None,
                       constraint=None, synchronization=VariableSynchronization.AUTO,
                       aggregation=VariableAggregation.NONE):
    """``get_variable`` for a non-trainable variable in ``LOCAL_VARIABLES``."""
    if collections:
        collections += [GraphKeys.LOCAL_VARIABLES]
    else:
        collections = [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=False, collections=collections,
                        caching_device=caching_device, partitioner=partitioner,
                        validate_shape=validate_shape, use_resource=use_resource,
                        synchronization=synchronization, aggregation=aggregation,
                        custom_getter=custom_getter, constraint=constraint)


def _get_partitioned_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                              trainable=True, collections=None, caching_device=None,
                              partitioner=None, validate_shape=True, use_resource=None,
                              constraint=None, synchronization=VariableSynchronization.AUTO,
                              aggregation=VariableAggregation.NONE):
    """Always partitioned (``create_partitioned_variables`` uses it)."""
    scope = get_variable_scope()
    if scope.custom_getter is not None:
        raise PartitionError(
            "Private access to _get_partitioned_variable is not allowed when a custom getter is "
            "set.  Current custom getter: %s.  It is likely that you're using "
            "create_partitioned_variables.  If so, consider instead using get_variable with a "
            "non-empty partitioner parameter instead." % scope.custom_getter)
    initializer = scope.initializer if initializer is None else initializer
    regularizer = scope.regularizer if regularizer is None else regularizer
    constraint = scope.constraint if constraint is None else constraint
    partitioner = scope.partitioner if partitioner is None else partitioner
    dtype = scope.dtype if dtype is None else dtype
    if partitioner is None:
        raise PartitionError("No partitioner was specified")
    full_name = "/".join(n for n in (scope.name, name) if n)
    synchronization, aggregation, trainable = _validate_sync_aggregation(
        synchronization, aggregation, trainable, full_name)
    store = _store()
    with store._lock, get_default_graph().name_scope(None):
        return store._get_partitioned_variable(
            full_name, partitioner, shape, dtypes.as_dtype(dtype), initializer, regularizer,
            scope.reuse, trainable, collections, caching_device, validate_shape, use_resource,
            constraint, synchronization, aggregation)


# -- variable_scope ----------------------------------------------------------------------------

def _maybe_wrap_custom_getter(custom_getter, old_getter):
    """Compose scope getters: the new one runs first and calls the old one as its getter."""
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)
    return wrapped_custom_getter


def _get_unique_variable_scope(prefix):
    store = _scope_store()
    current = store.current_scope
    name = current.name + "/" + prefix if current.name else prefix
    parent, sep, last = name.rpartition("/")
    node = store._node(parent, False) if sep else store._root     # counts of name's siblings
    i = _free_suffix(store, {} if node is None else node[1], last)
    return "%s_%d" % (prefix, i) if i else prefix


def _free_suffix(store, siblings, last):
    """0 when no sibling scope ``last`` was opened, else the first ``i`` such that no
    ``last_i`` was.  The search starts where the last one ended, kept in ``siblings`` under
    ``(last,)`` (no scope name is a tuple): ``last_1`` to ``last_{i-1}`` stay opened, as counts
    only grow but for a snapshot's undoing, which undoes the kept start too."""
    if siblings.get(last, _UNOPENED)[0] == 0:
        return 0
    start = i = siblings.get((last,), 1)
    while siblings.get("%s_%d" % (last, i), _UNOPENED)[0] > 0:
        i += 1
    if i != start:
        store._set(siblings, (last,), i)
    return i


_UNOPENED = (0, None)


def _next_reusing_scope(graph, default_name):
    """Where ``variable_scope(None, default_name)`` opens now (``default_name`` without
    ``/``: a layer's base name), when ``get_variable`` in it returns the stored variables as
    they are (reuse on, no custom getter, no partitioner) and the current scope was opened:
    ``(full name, the counts of its siblings, its last component)`` for
    ``_mark_unique_scope``; else None."""
    store = graph._thread.scope_store
    scope = store.current_scope if store is not None else None
    if scope is None or not ((scope._reuse is True or scope._reuse is AUTO_REUSE)
                             and scope._custom_getter is None and scope._partitioner is None):
        return None
    parent = scope._name
    node = store._node(parent, False) if parent else store._root
    if node is None:
        return None
    siblings = node[1]
    i = _free_suffix(store, siblings, default_name)
    last = "%s_%d" % (default_name, i) if i else default_name
    return (parent + "/" + last if parent else last), siblings, last


def _mark_unique_scope(graph, default_name, place):
    """Leave what entering and leaving ``variable_scope(None, default_name)`` leaves behind,
    without entering it: its name scope and its variable scope at ``place`` (from
    ``_next_reusing_scope``, nothing opened since) marked used.  ``default_name`` is a valid
    scope name.  Returns the name scope (without ``/``)."""
    thread = graph._thread
    stack = thread.name_stack
    name_scope = graph._uniquify(stack + "/" + default_name if stack else default_name)
    _, siblings, last = place
    node = siblings.get(last)
    if node is None:
        node = siblings[last] = [0, {}]
    thread.scope_store._open_and_close(node)
    return name_scope


class _pure_variable_scope:  # noqa: N801 - TF's name
    """Enter a variable scope without opening a name scope."""

    def __init__(self, name_or_scope, reuse=None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None,
                 old_name_scope=None, dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._old_name_scope = old_name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint
        self._store = _scope_store()
        self._last = None
        if isinstance(name_or_scope, VariableScope):
            self._new_name = name_or_scope.name
            obj = name_or_scope
            scope = VariableScope(
                obj.reuse if not reuse else reuse, name=self._new_name,
                initializer=obj.initializer, regularizer=obj.regularizer,
                caching_device=obj.caching_device, partitioner=obj.partitioner, dtype=obj.dtype,
                custom_getter=obj.custom_getter, name_scope=obj._name_scope,
                use_resource=obj.use_resource, constraint=constraint)
            self._apply_args(scope, obj.custom_getter)
            self._cached_scope = scope

    def _apply_args(self, scope, parent_getter):
        if self._initializer is not None:
            scope.set_initializer(self._initializer)
        if self._regularizer is not None:
            scope.set_regularizer(self._regularizer)
        if self._caching_device is not None:
            scope.set_caching_device(self._caching_device)
        if self._partitioner is not None:
            scope.set_partitioner(self._partitioner)
        if self._custom_getter is not None:
            scope.set_custom_getter(_maybe_wrap_custom_getter(self._custom_getter, parent_getter))
        if self._dtype is not None:
            scope.set_dtype(dtypes.as_dtype(self._dtype))
        if self._use_resource is not None:
            scope.set_use_resource(self._use_resource)

    def __enter__(self):
        store = self._store
        self._old = store.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            store.open_variable_scope(self._new_name)
            store.snapshot()
            scope = self._cached_scope
        else:
            old = self._old
            name = self._name_or_scope
            self._new_name = old._name + "/" + name if old._name else name
            self._reuse = self._reuse or old._reuse
            name_scope = name if self._old_name_scope is None else self._old_name_scope
            scope = VariableScope(
                self._reuse, self._new_name, old._initializer, old._regularizer,
                old._caching_device, old._partitioner, old._custom_getter, name_scope, old._dtype,
                old._use_resource, self._constraint)
            self._apply_args(scope, old._custom_getter)
            store.open_variable_scope(self._new_name)
        store.current_scope = scope
        self._last = scope
        return scope

    def __exit__(self, *exc):
        store = self._store
        if store.current_scope is not self._last:
            raise ScopeNestingError("Improper nesting of variable_scope. Exit scopes in the "
                                    "reverse order of entering them.")
        if isinstance(self._name_or_scope, VariableScope):
            store.restore()
        else:
            store.close_variable_subscopes(self._new_name)
        store.current_scope = self._old


class variable_scope:  # noqa: N801 - TF's name
    """TF1's ``tf.variable_scope``: a variable scope and a name scope.

    ``variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
    regularizer=None, caching_device=None, partitioner=None, custom_getter=None, reuse=None,
    dtype=None, use_resource=None, constraint=None, auxiliary_name_scope=True)``.
    ``reuse`` is None (inherit), True (get only) or ``AUTO_REUSE``; False means None.
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                 reuse=None, dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope=True):
        if default_name is None and name_or_scope is None:
            raise VariableScopeTypeError("If default_name is None then name_or_scope is required")
        if reuse is False:
            reuse = None
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise VariableScopeArgumentError("The reuse parameter must be True or False or None. "
                                             "Got %r; use True, False, None or tf.AUTO_REUSE." % (reuse,))
        if not isinstance(auxiliary_name_scope, bool):
            raise VariableScopeTypeError(
                "The auxiliary_name_scope must be `True` or `False`, while get {}".format(
                    auxiliary_name_scope))
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._reuse = reuse
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint
        self._auxiliary_name_scope = auxiliary_name_scope
        self._pure = None
        self._name_scope = None

    def _pure_scope(self, name_or_scope, old_name_scope, reuse):
        return _pure_variable_scope(
            name_or_scope, reuse=reuse, initializer=self._initializer,
            regularizer=self._regularizer, caching_device=self._caching_device,
            partitioner=self._partitioner, custom_getter=self._custom_getter,
            old_name_scope=old_name_scope, dtype=self._dtype, use_resource=self._use_resource,
            constraint=self._constraint)

    def __enter__(self):
        if self._pure is not None:                 # the same object entered again
            if self._name_scope is not None:
                self._name_scope.__enter__()
            return self._pure.__enter__()
        graph = get_default_graph()
        ns = None
        if not self._auxiliary_name_scope:
            current = graph.get_name_scope()
            ns = graph.name_scope(current + "/" if current else "")
        name_or_scope = self._name_or_scope
        if name_or_scope is not None:
            if not isinstance(name_or_scope, (VariableScope, str)):
                raise VariableScopeTypeError("VariableScope: name_or_scope must be a string or "
                                             "VariableScope.")
            ns_name = (name_or_scope if isinstance(name_or_scope, str)
                       else name_or_scope.name.split("/")[-1])
            if ns_name or ns is not None:
                ns = ns or graph.name_scope(ns_name)
                entered = ns.__enter__()
                self._name_scope = ns
                old_ns = entered if isinstance(name_or_scope, str) else name_or_scope.original_name_scope
                pure = self._pure_scope(name_or_scope, old_ns, self._reuse)
            else:
                pure = self._pure_scope(name_or_scope, None, self._reuse)
        else:
            if self._reuse:
                raise VariableScopeArgumentError(
                    "reuse=True cannot be used without a name_or_scope. Name the scope to reuse.")
            ns = ns or graph.name_scope(self._default_name)
            entered = ns.__enter__()
            self._name_scope = ns
            pure = self._pure_scope(_get_unique_variable_scope(self._default_name), entered, None)
        try:
            scope = pure.__enter__()
        except BaseException:
            if self._name_scope is not None:
                self._name_scope.__exit__(None, None, None)
            raise
        self._pure = pure
        return scope

    def __exit__(self, *exc):
        try:
            self._pure.__exit__(*exc)
        finally:
            if self._name_scope is not None:
                self._name_scope.__exit__(*exc)


def variable_op_scope(values, name_or_scope, default_name=None, **kwargs):
    """Deprecated TF1 spelling of ``variable_scope(name_or_scope, default_name, values)``."""
    return variable_scope(name_or_scope, default_name=default_name, values=values, **kwargs)


class variable_creator_scope:  # noqa: N801 - TF's name
    """Route ``Variable(...)`` creation through ``creator(next_creator, **kwargs)``."""

    def __init__(self, variable_creator):
        self._creator = variable_creator

    def __enter__(self):
        self._stack = get_default_graph()._thread.creator_stack
        self._stack.append(self._creator)

    def __exit__(self, *exc):
        if not self._stack or self._stack[-1] is not self._creator:
            raise ScopeNestingError("Exiting variable_creator_scope without proper nesting.")
        self._stack.pop()

