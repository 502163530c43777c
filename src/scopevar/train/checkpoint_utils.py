"""Reading checkpoints: ``load_checkpoint``, ``list_variables``, ``latest_checkpoint`` ...,
and TF-Slim's ``assign_from_checkpoint`` (``tf.train`` / ``slim``).

>>> tf.train.list_variables("ckpt")                       # the latest checkpoint in ckpt/
[('emb', [10, 4]), ('global_step', []), ('w', [2, 3])]
>>> tf.train.load_variable("ckpt", "w")                  # a numpy array, as TF returns
array([[0., 1., 2.],
       [3., 4., 5.]], dtype=float32)
>>> reader = tf.train.load_checkpoint("ckpt/model.ckpt-7")
>>> reader.get_variable_to_dtype_map()["w"]               # scopevar (torch) dtypes
torch.float32
"""
import glob
import math
import os

import numpy as np
import torch
from google.protobuf.message import DecodeError

from .. import dtypes
from ..bundle import BundleReader, index_path, read_checkpoint_state
from ..bundle.protos import TrackableObjectGraph
from ..errors import (CheckpointShapeError, CorruptCheckpointError, MissingCheckpointKeyError,
                      NoCheckpointError, SaverArgumentError, SaverTypeError)
from ..graph import GraphKeys, get_default_graph
from ..variables import PartitionedVariable, Variable, _Op

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"     # TF's trackable.OBJECT_GRAPH_PROTO_KEY

__all__ = ["load_checkpoint", "load_variable", "list_variables", "latest_checkpoint",
           "get_checkpoint_state", "checkpoint_exists", "get_checkpoint_mtimes",
           "NewCheckpointReader", "CheckpointReader", "init_from_checkpoint"]


# --- finding checkpoints ---------------------------------------------------------------------

def checkpoint_exists(checkpoint_prefix):
    """Whether ``prefix.index`` (or anything matching ``checkpoint_prefix``) exists, as TF's."""
    prefix = os.fspath(checkpoint_prefix)
    return bool(glob.glob(index_path(prefix)) or glob.glob(prefix))


def get_checkpoint_mtimes(checkpoint_prefixes):
    """The modification times of the checkpoints' ``.index`` files (missing ones skipped)."""
    return [os.path.getmtime(path) for prefix in checkpoint_prefixes
            for path in glob.glob(index_path(os.fspath(prefix)))]


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The ``CheckpointState`` in ``checkpoint_dir/checkpoint`` (paths usable as they are), or
    None when there is no such file.

    >>> tf.train.get_checkpoint_state("ckpt").all_model_checkpoint_paths
    ['ckpt/model.ckpt-7']
    """
    return read_checkpoint_state(checkpoint_dir, latest_filename or "checkpoint")


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint in ``checkpoint_dir``, or None when the state file
    is absent or names a checkpoint whose files are gone.

    >>> tf.train.latest_checkpoint("ckpt")
    'ckpt/model.ckpt-7'
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is not None and glob.glob(index_path(state.model_checkpoint_path)):
        return state.model_checkpoint_path
    return None


# --- reading -----------------------------------------------------------------------------------

class CheckpointReader:
    """TF's ``CheckpointReader``: tensors by name, as numpy arrays.

    >>> reader = tf.train.NewCheckpointReader("ckpt/model.ckpt-7")
    >>> reader.has_tensor("w"), reader.get_variable_to_shape_map()["w"]
    (True, [2, 3])
    """

    def __init__(self, filepattern):
        self._reader = BundleReader(filepattern)

    def has_tensor(self, name):
        return self._reader.has(name)

    def get_tensor(self, name):
        """The value of ``name`` as a numpy array (bfloat16 via ``ml_dtypes``); a scalar as a
        numpy scalar (``np.int64(7)``), as TF returns it."""
        value = to_numpy(self._reader.get(name))
        return value[()] if value.ndim == 0 else value

    def get_variable_to_shape_map(self):
        return {name: list(self._reader.shape(name)) for name in self._reader.keys()}

    def get_variable_to_dtype_map(self):
        return {name: self._reader.dtype(name) for name in self._reader.keys()}

    def debug_string(self):
        return "".join("%s (%s) %s\n" % (name, dtypes.name(self._reader.dtype(name)),
                                         list(self._reader.shape(name)))
                       for name in self._reader.keys()).encode("utf-8")

    @property
    def bundle(self):
        """The underlying ``scopevar.bundle.BundleReader`` (torch tensors, slices)."""
        return self._reader


def NewCheckpointReader(filepattern):  # noqa: N802 - TF's name
    return CheckpointReader(filepattern)


def load_checkpoint(ckpt_dir_or_file):
    """A ``CheckpointReader`` of a checkpoint prefix, or of the latest checkpoint in a directory."""
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise NoCheckpointError("Couldn't find 'checkpoint' file or checkpoints in given "
                                    "directory %s; pass a checkpoint prefix such as "
                                    "'%s/model.ckpt-7', or save one there first"
                                    % (path, path.rstrip("/")), path)
        path = latest
    return CheckpointReader(path)


def load_variable(ckpt_dir_or_file, name):
    """The value of tensor ``name`` (a trailing ``:0`` is dropped) as a numpy array."""
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name[:-2] if name.endswith(":0") else name)


def list_variables(ckpt_dir_or_file):
    """``[(name, shape)]`` of every tensor in the checkpoint, sorted by name."""
    return sorted(load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map().items())


def to_numpy(tensor):
    """A numpy array of a tensor read from a checkpoint (strings are already numpy)."""
    if isinstance(tensor, np.ndarray):
        return tensor
    if tensor.dtype == torch.bfloat16:
        import ml_dtypes
        return tensor.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return tensor.numpy()


# --- restoring into variables ------------------------------------------------------------------

def group_by_name(var_list):
    """``{checkpoint name: [variables]}`` of a Saver's ``var_list`` (TF's ``op_list_to_dict``):
    a variable is saved under its op name, a part of a partitioned variable as a slice of its
    full name; a dict maps names to a variable, a ``PartitionedVariable`` or a list of parts."""
    if isinstance(var_list, dict):
        groups = {name: _parts(name, value) for name, value in var_list.items()}
    elif isinstance(var_list, (list, tuple, set)):
        groups = {}
        for var in _flatten(var_list):
            if isinstance(var, PartitionedVariable):
                _add(groups, var.name, list(var))
            elif isinstance(var, Variable):
                _add(groups, var._save_slice_info.full_name if var._save_slice_info else
                     var.op.name, [var])
            else:
                raise SaverTypeError("Variable to save is not a Variable: %r. Pass scopevar "
                                     "variables (tf.global_variables() lists them)." % (var,))
    else:
        raise SaverTypeError("Variables to save should be passed in a dict or a list. Got %r"
                             % (var_list,))
    seen = {}
    for name, group in sorted(groups.items()):
        for var in group:
            if id(var) in seen:
                raise SaverArgumentError("The same saveable will be restored with two names: %s "
                                         "(also %s); list it once" % (name, seen[id(var)]))
            seen[id(var)] = name
    return groups


def _flatten(items):
    for item in items:
        if isinstance(item, (list, tuple, set)):
            yield from _flatten(item)
        else:
            yield item


def _add(groups, name, parts):
    if name not in groups:
        groups[name] = parts
    elif any(not p._save_slice_info for p in groups[name] + parts):
        raise SaverArgumentError(
            "At least two variables have the same name: %s. Give one of them another name, or "
            "pass var_list as a dict {checkpoint_name: variable}." % name)
    else:
        groups[name] = groups[name] + parts


def _parts(name, value):
    if isinstance(value, Variable):
        return [value]
    parts = list(value) if isinstance(value, (PartitionedVariable, list, tuple)) else [value]
    if not all(isinstance(p, Variable) for p in parts):
        raise SaverTypeError("Variable to save is not a Variable: %r (under the name %r)"
                             % (value, name))
    if len(parts) > 1 and not all(p._save_slice_info for p in parts):
        raise SaverArgumentError("Slices must all be slices: %s (under the name %r)" % (parts, name))
    return parts


def check_restorable(reader, name, var, reshape=False):
    """Check that ``var`` can take its value from tensor ``name`` of the checkpoint read by
    the ``BundleReader`` ``reader``, without reading it; raises TF's errors on a dtype or
    shape mismatch (``reshape`` accepts another shape with as many elements).  Returns the
    box ``(offset, shape)`` of a part of a partitioned variable in the full tensor, else None."""
    info = var._save_slice_info
    stored, dtype = reader.shape(name), reader.dtype(name)
    if dtype != var.dtype:
        raise CheckpointShapeError(
            "tensor_name = %s; expected dtype %s does not equal original dtype %s (the checkpoint "
            "holds %s %s; create %s with dtype=%s)" % (name, _type_string(var.dtype),
                                                       _type_string(dtype), dtypes.name(dtype),
                                                       list(stored), var.op.name,
                                                       dtypes.name(dtype)), reader.path)
    if info is not None:
        if tuple(info.full_shape) != stored:
            raise CheckpointShapeError(
                "tensor_name = %s; shape in shape_and_slice spec %s does not match the shape "
                "stored in checkpoint: %s (create the partitioned variable with shape %s)"
                % (name, list(info.full_shape), list(stored), list(stored)), reader.path)
        return list(info.var_offset), list(info.var_shape)
    if stored != tuple(var.shape):
        same_size = math.prod(stored) == var.numel()
        if not (reshape and same_size):
            raise CheckpointShapeError(
                "Assign requires shapes of both tensors to match. lhs shape= %s rhs shape= %s "
                "(variable %s has shape %s, the checkpoint's %s has %s%s)"
                % (list(var.shape), list(stored), var.op.name, list(var.shape), name, list(stored),
                   "; Saver(reshape=True) restores it into a variable with as many elements"
                   if same_size else ""), reader.path)
    return None


def read_value(reader, name, var, reshape=False):
    """The value of ``var`` in the checkpoint under ``name`` (its box of the full tensor for a
    part), read now, after ``check_restorable``."""
    box = check_restorable(reader, name, var, reshape)
    value = reader.get(name) if box is None else reader.get_slice(name, *box)
    return value.reshape(var.shape)


def restore_variables(reader, plan):
    """Read each ``(variable, name, box)`` of ``plan`` (``box`` as ``check_restorable``
    returned it) straight into the variable's memory.  Every CRC is verified first, so
    corrupt bytes raise before any variable changes."""
    items = []
    for var, name, box in plan:
        stored = reader.shape(name)     # Saver(reshape=True): a view of the variable in that shape
        items.append((name, var if box is not None or var.shape == stored else
                      var.detach().view(stored), box))
    with torch.no_grad():
        reader.read_into(items)


def _type_string(dtype):
    """TF's C++ name of a dtype (``DataTypeString``): ``float``, ``double``, ``half``, ``int32``."""
    name = dtypes.name(dtype)
    return {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)


def assign_values(pairs):
    """Copy each ``(variable, value)`` in place, all checks done beforehand."""
    with torch.no_grad():
        for var, value in pairs:
            var.copy_(value)


def object_graph_key_mapping(reader):
    """``{variable name: checkpoint key}`` of an object-based (TF2) checkpoint, from the
    ``full_name`` of each tensor in its ``TrackableObjectGraph``; None for a name-based one."""
    if not reader.has(OBJECT_GRAPH_KEY):
        return None
    raw = reader.get(OBJECT_GRAPH_KEY)
    try:
        if not (isinstance(raw, np.ndarray) and raw.shape == ()):
            raise DecodeError
        graph = TrackableObjectGraph.FromString(raw[()])
    except DecodeError:
        raise CorruptCheckpointError("%s: the %s of an object-based checkpoint is not a "
                                     "serialized TrackableObjectGraph (the checkpoint is corrupt)"
                                     % (reader.path, OBJECT_GRAPH_KEY), reader.path) from None
    return {attribute.full_name: attribute.checkpoint_key
            for node in graph.nodes for attribute in node.attributes}


def missing_key(reader, name):
    """TF's error for a tensor ``name`` the checkpoint lacks, naming its nearest keys."""
    base = name.rsplit("/", 1)[-1]
    similar = [k for k in reader.keys() if k.rsplit("/", 1)[-1] == base][:5]
    hint = ("keys with the same base name: %s; pass var_list={checkpoint_name: variable} to "
            "restore under another name" % ", ".join(similar) if similar else
            "it has %d keys (tf.train.list_variables lists them)" % len(reader.keys()))
    if reader.has(OBJECT_GRAPH_KEY):
        hint += ("; this is an object-based (TF2) checkpoint whose keys look like "
                 "'net/w/.ATTRIBUTES/VARIABLE_VALUE': map them with var_list={key: variable}")
    return MissingCheckpointKeyError("Key %s not found in checkpoint %s: %s"
                                     % (name, reader.prefix, hint), reader.path)


# --- TF-Slim --------------------------------------------------------------------------------

def _slim_groups(var_list):
    if isinstance(var_list, dict):
        return {name: list(v) if isinstance(v, (list, tuple)) else [v] for name, v in var_list.items()}
    groups = {}
    for var in var_list:
        name = var._save_slice_info.full_name if var._save_slice_info else var.op.name
        groups.setdefault(name, []).append(var)
    return groups


def _plan_groups(reader, groups, ignore_missing_vars, reshape=False):
    """The ``restore_variables`` plan of slim's ``{name: [variables]}``, all checked."""
    plan = []
    for name, group in groups.items():
        if not reader.has(name):
            if ignore_missing_vars:
                continue
            raise MissingCheckpointKeyError(
                "Checkpoint is missing variable [%s]: %s" % (name, missing_key(reader, name)),
                reader.path)
        plan += [(var, name, check_restorable(reader, name, var, reshape)) for var in group]
    return plan


def assign_from_checkpoint(model_path, var_list, ignore_missing_vars=False):
    """``(op, feed_dict)``: ``op()`` assigns the variables of ``var_list`` (a list, or a dict
    ``{checkpoint name: variable or list of parts}``) the values read now from ``model_path``;
    ``feed_dict`` is empty (``sess.run(op, feed_dict)`` works as in TF-Slim).

    >>> w = slim.model_variable("w", [2, 3])
    >>> op, feed = slim.assign_from_checkpoint("ckpt/model.ckpt-7", slim.get_model_variables())
    >>> with tf.Session() as sess:
    ...     _ = sess.run(op, feed)
    >>> w.tolist()
    [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    """
    with BundleReader(model_path) as reader:
        pairs = [(var, read_value(reader, name, var)) for var, name, _ in
                 _plan_groups(reader, _slim_groups(var_list), ignore_missing_vars)]
    return _Op("group_deps", lambda: assign_values(pairs)), {}


def assign_from_checkpoint_fn(model_path, var_list, ignore_missing_vars=False,
                              reshape_variables=False):
    """``callback(session)`` restoring ``var_list`` from ``model_path`` when called; None (and
    nothing to do) when ``ignore_missing_vars`` leaves no variable to restore.

    >>> w = slim.model_variable("w", [2, 3])
    >>> init_fn = slim.assign_from_checkpoint_fn("ckpt/model.ckpt-7", slim.get_model_variables())
    >>> init_fn(tf.Session())
    >>> w.tolist()
    [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    """
    if not var_list:
        raise SaverArgumentError("var_list cannot be empty")
    groups = _slim_groups(var_list)
    if ignore_missing_vars:
        with BundleReader(model_path) as reader:
            groups = {name: group for name, group in groups.items() if reader.has(name)}
        if not groups:
            return None

    def callback(session=None):
        with BundleReader(model_path) as reader:
            restore_variables(reader, _plan_groups(reader, groups, False, reshape_variables))
    return callback


# --- init_from_checkpoint ----------------------------------------------------------------------

def init_from_checkpoint(ckpt_dir_or_file, assignment_map, skip_mismatched_shapes=False):
    """Assign variables now from a checkpoint, as TF's ``init_from_checkpoint`` makes their
    initializers do; returns a report ``{"restored", "missing", "unexpected", "mismatched"}``.

    ``assignment_map`` maps checkpoint names to current names or variables: ``{'/': '/'}``
    (everything by name), ``{'old_scope/': 'new_scope/'}``, ``{'old/w': 'new/w'}``,
    ``{'old/w': variable}``.  Variables under a mapped scope that the checkpoint lacks are
    ``missing``; checkpoint tensors under a mapped checkpoint scope that no variable takes are
    ``unexpected``; with ``skip_mismatched_shapes`` shape-mismatched ones are left as they are
    and listed in ``mismatched`` instead of raising.

    >>> with tf.variable_scope("finetune"):
    ...     w = tf.get_variable("w", [2, 3])
    ...     head = tf.get_variable("head/weights", [3, 10])
    >>> report = tf.train.init_from_checkpoint("ckpt", {"/": "finetune/"})
    >>> report["missing"]
    ['finetune/head/weights']
    """
    reader = load_checkpoint(ckpt_dir_or_file).bundle
    current = _current_variables()
    plan, missing, unexpected = {}, [], []
    for ckpt_name, target in assignment_map.items():
        if not isinstance(target, str):
            plan[ckpt_name] = _parts(ckpt_name, target)
        elif "/" != ckpt_name[-1:] and "/" != target[-1:]:
            if target not in current:
                raise SaverArgumentError("Variable %s is not found in the current variables "
                                         "(assignment_map entry %r: %r)" % (target, ckpt_name, target))
            plan[ckpt_name] = current[target]
        elif ckpt_name[-1:] == "/" and target[-1:] == "/":
            ckpt_scope, scope = ckpt_name.lstrip("/"), target.lstrip("/")
            for name, parts in current.items():
                if name.startswith(scope):
                    key = ckpt_scope + name[len(scope):]
                    if reader.has(key):
                        plan[key] = parts
                    else:
                        missing.append(name)
            taken = set(plan)
            unexpected += [k for k in reader.keys() if k.startswith(ckpt_scope) and k not in taken]
        else:
            raise SaverArgumentError("Assignment map with scope only name %s should map to scope "
                                     "only %s. Should be 'scope/': 'other_scope/'." % (ckpt_name, target))
    steps, mismatched = [], []
    for key, parts in sorted(plan.items()):
        if not reader.has(key):
            raise MissingCheckpointKeyError("Tensor %s is not found in %s checkpoint %s"
                                            % (key, ckpt_dir_or_file, reader.prefix), reader.path)
        try:
            steps += [(var, key, check_restorable(reader, key, var)) for var in parts]
        except CheckpointShapeError:
            if not skip_mismatched_shapes:
                raise
            mismatched.append(key)
    restore_variables(reader, steps)
    return {"restored": sorted({var.op.name for var, _, _ in steps}), "missing": sorted(missing),
            "unexpected": sorted(set(unexpected) - {OBJECT_GRAPH_KEY}),
            "mismatched": mismatched}


def _current_variables():
    """``{name: [parts]}`` of the global variables, parts grouped under their full name."""
    graph = get_default_graph()
    groups = {}
    for var in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
        info = var._save_slice_info
        groups.setdefault(info.full_name if info else var.op.name, []).append(var)
    return groups
