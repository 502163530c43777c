"""TF-Slim's variables API: creating model and non-model variables, and finding them again.

Model variables (``model_variable``, every slim layer weight) are in ``MODEL_VARIABLES`` as
well as ``GLOBAL_VARIABLES``; ``get_variables*`` filter collections with TF's anchored
regular expressions (``get_variables('A')`` also finds ``AB/x``).

>>> w = model_variable("weights", shape=[2, 2])
>>> [v.name for v in get_model_variables()]
['weights:0']
"""
import contextlib
import functools
import re
import warnings

from .. import device as _device
from .. import dtypes
from ..errors import LayerTypeError, VariableLookupError
from ..graph import GraphKeys, get_collection, add_to_collection
from ..train.training_util import (create_global_step, get_global_step,  # noqa: F401
                                   get_or_create_global_step, assert_global_step)
from ..variable_scope import VariableScope, get_variable, get_variable_scope
from ..variables import Variable, VariableAggregation, VariableSynchronization
from .arg_scope import add_arg_scope

__all__ = ["add_model_variable", "assert_global_step", "assert_or_get_global_step",
           "assign_from_checkpoint", "assign_from_checkpoint_fn", "assign_from_values",
           "assign_from_values_fn", "create_global_step", "filter_variables", "get_global_step",
           "get_or_create_global_step", "get_local_variables", "get_model_variables",
           "get_trainable_variables", "get_unique_variable", "get_variables_by_name",
           "get_variables_by_suffix", "get_variable_full_name", "get_variables_to_restore",
           "get_variables", "global_variable", "local_variable", "model_variable", "variable",
           "VariableDeviceChooser", "zero_initializer"]


def assert_or_get_global_step(graph=None, global_step_tensor=None):
    if global_step_tensor is None:
        return get_global_step(graph)
    assert_global_step(global_step_tensor)
    return global_step_tensor


def local_variable(initial_value, validate_shape=True, name=None, use_resource=None):
    """A non-trainable ``tf.Variable`` in ``LOCAL_VARIABLES`` (named by name scope)."""
    return Variable(initial_value, trainable=False, collections=[GraphKeys.LOCAL_VARIABLES],
                    validate_shape=validate_shape, use_resource=use_resource, name=name)


def global_variable(initial_value, validate_shape=True, name=None, use_resource=None):
    """A non-trainable ``tf.Variable`` in ``GLOBAL_VARIABLES`` (named by name scope)."""
    return Variable(initial_value, trainable=False, collections=[GraphKeys.GLOBAL_VARIABLES],
                    validate_shape=validate_shape, use_resource=use_resource, name=name)


@add_arg_scope
def variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
             collections=None, caching_device=None, device=None, partitioner=None,
             custom_getter=None, use_resource=None,
             synchronization=VariableSynchronization.AUTO,
             aggregation=VariableAggregation.NONE):
    """``get_variable`` on ``device``; ``custom_getter`` here *replaces* ``get_variable``."""
    collections = list(set(collections if collections is not None
                           else [GraphKeys.GLOBAL_VARIABLES]))
    getter = get_variable
    if custom_getter is not None:
        getter = functools.partial(custom_getter, reuse=get_variable_scope().reuse)
    # TF's device(device or ""): the empty device changes no placement, so it is not entered
    with _device.device(device) if device else contextlib.nullcontext():
        return getter(name, shape=shape, dtype=dtype, initializer=initializer,
                      regularizer=regularizer, trainable=trainable, collections=collections,
                      caching_device=caching_device, partitioner=partitioner,
                      use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation)


@add_arg_scope
def model_variable(name, shape=None, dtype=dtypes.float32, initializer=None, regularizer=None,
                   trainable=True, collections=None, caching_device=None, device=None,
                   partitioner=None, custom_getter=None, use_resource=None,
                   synchronization=VariableSynchronization.AUTO,
                   aggregation=VariableAggregation.NONE):
    """``variable`` also added to ``MODEL_VARIABLES``."""
    collections = list(collections or [])
    collections += [GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES]
    return variable(name, shape=shape, dtype=dtype, initializer=initializer,
                    regularizer=regularizer, trainable=trainable, collections=collections,
                    caching_device=caching_device, device=device, partitioner=partitioner,
                    custom_getter=custom_getter, use_resource=use_resource,
                    synchronization=synchronization, aggregation=aggregation)


def add_model_variable(var):
    """Add ``var`` to ``MODEL_VARIABLES`` unless it is there already."""
    if not any(v is var for v in get_collection(GraphKeys.MODEL_VARIABLES)):
        add_to_collection(GraphKeys.MODEL_VARIABLES, var)


def get_variables(scope=None, suffix=None, collection=GraphKeys.GLOBAL_VARIABLES):
    """Variables of ``collection`` whose name matches ``scope`` (a prefix regex) and ends with
    ``suffix``."""
    if scope and isinstance(scope, VariableScope):
        scope = scope.name
    if suffix is not None:
        if ":" not in suffix:
            suffix += ":"
        scope = (scope or "") + ".*" + suffix
    return get_collection(collection, scope)


def get_model_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_local_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_trainable_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_variables_to_restore(include=None, exclude=None):
    """Global variables under the ``include`` scopes minus those under ``exclude``.

    Better than TF: an ``exclude`` pattern that matches no variable is warned about (it is
    usually a typo, and the fine-tuning restore then fails on a shape mismatch).
    """
    if include is None:
        included = get_variables()
    else:
        if not isinstance(include, (list, tuple)):
            raise LayerTypeError("include is provided but is not a list or a tuple.")
        included = []
        for scope in include:
            included += get_variables(scope)
    excluded = set()
    if exclude is not None:
        if not isinstance(exclude, (list, tuple)):
            raise LayerTypeError("exclude is provided but is not a list or a tuple.")
        for scope in exclude:
            found = get_variables(scope)
            if not found:
                warnings.warn("get_variables_to_restore: exclude pattern %r matches no variable."
                              % (scope,), stacklevel=2)
            excluded |= set(id(v) for v in found)
    return [v for v in included if id(v) not in excluded]


def get_variables_by_suffix(suffix, scope=None):
    return get_variables(scope=scope, suffix=suffix)


def get_variables_by_name(given_name, scope=None):
    """Variables named ``given_name`` (last path component), e.g. every ``weights``."""
    suffix = "/" + given_name + ":|^" + given_name + ":"
    return get_variables(scope=scope, suffix=suffix)


def get_unique_variable(var_op_name):
    """The variable whose op name is exactly ``var_op_name``."""
    candidates = get_variables(scope=var_op_name)
    if not candidates:
        raise VariableLookupError("Couldn't find variable %s" % var_op_name)
    for candidate in candidates:
        if candidate.op.name == var_op_name:
            return candidate
    raise VariableLookupError("Variable %s does not uniquely identify a variable. Candidates: %s"
                              % (var_op_name, [v.op.name for v in candidates[:5]]))


def _lookup_global(var_name):
    found = get_collection(GraphKeys.GLOBAL_VARIABLES, var_name)
    if not found:
        raise VariableLookupError("Variable %s wasn't found" % var_name)
    if len(found) > 1:
        exact = [v for v in found if v.op.name == var_name]
        if not exact:
            raise VariableLookupError("Variable %s doesn't uniquely identify a variable" % var_name)
        return exact[0]
    return found[0]


def assign_from_values(var_names_to_values):
    """(assign op, feed dict): the op sets each named variable to its value now it runs.

    The feed dict is empty: there are no placeholders in eager scopevar.
    """
    import numpy as np
    pairs = []
    for name, value in var_names_to_values.items():
        var = _lookup_global(name)
        pairs.append((var, np.asarray(value).reshape(tuple(var.shape))))

    def run():
        for var, value in pairs:
            var.assign(value)
    from ..variables import _Op
    return _Op("group_deps", run), {}


def assign_from_values_fn(var_names_to_values):
    op, _ = assign_from_values(var_names_to_values)
    return lambda session: op()


def get_variable_full_name(var):
    """The checkpoint name of ``var``: the full name of a partitioned variable's part."""
    if var._save_slice_info:
        return var._save_slice_info.full_name
    return var.op.name


def assign_from_checkpoint(model_path, var_list, ignore_missing_vars=False):
    """(assign op, feed dict) restoring ``var_list`` from the checkpoint ``model_path``."""
    from ..train import checkpoint_utils
    return checkpoint_utils.assign_from_checkpoint(model_path, var_list, ignore_missing_vars)


def assign_from_checkpoint_fn(model_path, var_list, ignore_missing_vars=False,
                              reshape_variables=False):
    """A ``callback(session)`` restoring ``var_list`` from ``model_path`` (None if nothing is
    left to restore)."""
    from ..train import checkpoint_utils
    return checkpoint_utils.assign_from_checkpoint_fn(model_path, var_list, ignore_missing_vars,
                                                      reshape_variables)


class VariableDeviceChooser:
    """A device function placing variables on ``job/task`` round robin, or on one device."""

    def __init__(self, num_tasks=0, job_name="ps", device_type="CPU", device_index=0,
                 replica=None):
        self._job_name, self._device_type = job_name, device_type
        self._device_index, self._replica = device_index, replica
        self._num_tasks, self._next_task_id = num_tasks, 0

    def __call__(self, op):
        spec = _device.DeviceSpec(replica=self._replica, device_type=self._device_type,
                                  device_index=self._device_index)
        if self._num_tasks > 0:
            spec.job, spec.task = self._job_name, self._next_task_id
            self._next_task_id = (self._next_task_id + 1) % self._num_tasks
        return spec.to_string()


def filter_variables(var_list, include_patterns=None, exclude_patterns=None, reg_search=True):
    """``var_list`` filtered by regexes on names (``re.search``, or ``re.match``)."""
    find = re.search if reg_search else re.match
    kept = list(var_list) if include_patterns is None else [
        v for v in var_list if any(find(p, v.name) for p in include_patterns)]
    if exclude_patterns is None:
        return kept
    return [v for v in kept if not any(find(p, v.name) for p in exclude_patterns)]


def zero_initializer(ref, use_locking=True, name="zero_initializer"):
    """Set ``ref`` to zeros (TF1 contrib's op for not-yet-initialized variables)."""
    ref.assign(ref.detach() * 0)
    return ref
