"""Checkpoints to and from ``safetensors`` files and torch ``state_dict``s, TF names kept.

Keys are the checkpoint's tensor names as they are (``conv1/weights``, ``/`` included); a
partitioned tensor becomes one whole tensor.

>>> w = tf.get_variable("conv1/weights", [3, 3, 1, 8])
>>> tf.train.Saver().save(None, "ckpt/model.ckpt", global_step=7)
'ckpt/model.ckpt-7'
>>> sd = checkpoint_to_state_dict("ckpt/model.ckpt-7")      # {'conv1/weights': tensor}
>>> state_dict_to_checkpoint(sd, "out/model.ckpt-7")       # a TF bundle again
'out/model.ckpt-7'
>>> checkpoint_to_safetensors("ckpt/model.ckpt-7", "model.safetensors")
'model.safetensors'
>>> safetensors_to_checkpoint("model.safetensors", "out/model.ckpt")
'out/model.ckpt'
>>> sd = variables_to_state_dict()                          # the global variables, by TF name
>>> assign_from_state_dict(sd)                              # and back: (missing, unexpected)
([], [])

``progress``, where taken, is called with the byte size of each tensor as it is done.
safetensors (``pip install scopevar[convert]``) is imported only when used.
"""
import math
import os

import numpy as np
import torch

from .. import dtypes
from ..bundle import BundleReader, BundleWriter
from ..bundle.files import AtomicFile
from ..errors import CheckpointShapeError, ExportError, MissingCheckpointKeyError
from ..graph import GraphKeys, get_default_graph
from .checkpoint_utils import assign_values, group_by_name

__all__ = ["checkpoint_to_state_dict", "state_dict_to_checkpoint", "checkpoint_to_safetensors",
           "safetensors_to_checkpoint", "variables_to_state_dict", "assign_from_state_dict"]


def checkpoint_to_state_dict(prefix, progress=None):
    """``{name: tensor}`` of every tensor in the checkpoint ``prefix`` (strings as numpy
    arrays of bytes); large tensors are copy-on-write mappings of the data file.

    >>> step = tf.train.get_or_create_global_step()
    >>> step.load(7)
    >>> path = tf.train.Saver().save(None, "ckpt/model.ckpt", global_step=step)
    >>> checkpoint_to_state_dict(path)["global_step"]
    tensor(7)
    """
    with BundleReader(prefix) as reader:
        return {name: _done(reader.get(name), progress) for name in reader.keys()}


def state_dict_to_checkpoint(state_dict, prefix, progress=None):
    """Write ``{name: tensor}`` as the TF checkpoint ``prefix`` (atomically); returns ``prefix``.

    >>> state_dict_to_checkpoint({"w": torch.ones(2, 3)}, "out/model.ckpt")
    'out/model.ckpt'
    """
    with BundleWriter(prefix) as writer:
        for name, value in sorted(state_dict.items()):
            writer.add(name, value)
            _done(value, progress)
    return os.fspath(prefix)


def checkpoint_to_safetensors(prefix, path, progress=None):
    """Write the tensors of the checkpoint ``prefix`` as the safetensors file ``path``
    (atomically); returns ``path``.  String tensors raise ``ExportError``.

    >>> path = state_dict_to_checkpoint({"w": torch.ones(2, 3)}, "ckpt/model.ckpt-7")
    >>> checkpoint_to_safetensors(path, "model.safetensors")
    'model.safetensors'
    """
    from safetensors.torch import save

    with BundleReader(prefix) as reader:
        strings = [name for name in reader.keys() if reader.dtype(name) is dtypes.string]
        if strings:
            raise ExportError("safetensors cannot hold string tensors: %s in %s; drop them "
                              "(checkpoint_to_state_dict, then save_file) or keep the TF format"
                              % (", ".join(strings[:5]), prefix), os.fspath(path))
        tensors = {name: _done(reader.get(name).contiguous(), progress) for name in reader.keys()}
        try:
            data = save(tensors, metadata={"format": "pt"})
        except KeyError as e:
            raise ExportError("safetensors cannot hold tensors of dtype %s (in %s)" % (e, prefix),
                              os.fspath(path)) from None
    with AtomicFile(path) as file:
        file.write(data)
    return os.fspath(path)


def safetensors_to_checkpoint(path, prefix, progress=None):
    """Write the tensors of the safetensors file ``path`` as the TF checkpoint ``prefix``,
    one tensor in memory at a time; returns ``prefix``.

    >>> from safetensors.torch import save_file
    >>> save_file({"w": torch.ones(2, 3)}, "model.safetensors")
    >>> safetensors_to_checkpoint("model.safetensors", "out/model.ckpt")
    'out/model.ckpt'
    """
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(os.fspath(path), "pt") as file, BundleWriter(prefix) as writer:
            for name in sorted(file.keys()):
                value = file.get_tensor(name)
                writer.add(name, value)
                _done(value, progress)
    except (SafetensorError, FileNotFoundError) as e:
        raise ExportError("%s: not a readable safetensors file (%s)" % (path, e),
                          os.fspath(path)) from None
    return os.fspath(prefix)


def variables_to_state_dict(var_list=None):
    """``{checkpoint name: tensor}`` of ``var_list`` (as for ``Saver``; default: the global
    variables), names as ``Saver`` writes them.  As ``Module.state_dict``, the values are
    detached tensors sharing the variables' memory; a partitioned variable is assembled into
    one new tensor.

    >>> w = tf.get_variable("w", [2, 3])
    >>> list(variables_to_state_dict())
    ['w']
    """
    groups = group_by_name(_variables(var_list))
    return {name: parts[0].detach() if parts[0]._save_slice_info is None else _assemble(parts)
            for name, parts in groups.items()}


def assign_from_state_dict(state_dict, var_list=None, strict=True):
    """Assign each variable of ``var_list`` (default: the global variables) its value in
    ``state_dict``, keyed by checkpoint name; everything is checked before anything changes.
    Returns ``(missing, unexpected)`` key lists, as ``torch.nn.Module.load_state_dict``; with
    ``strict`` a missing key raises ``MissingCheckpointKeyError`` (unexpected keys do not).

    >>> w = tf.get_variable("w", [2, 3])
    >>> assign_from_state_dict({"w": torch.zeros(2, 3)}, [w])
    ([], [])
    """
    groups = group_by_name(_variables(var_list))
    missing = sorted(set(groups) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(groups))
    if strict and missing:
        raise MissingCheckpointKeyError("Key %s not found in the state dict (%d keys); pass "
                                        "strict=False to skip it" % (missing[0], len(state_dict)))
    pairs = [(var, _part(name, torch.as_tensor(state_dict[name]), var))
             for name, parts in groups.items() if name in state_dict for var in parts]
    assign_values(pairs)
    return missing, unexpected


def _variables(var_list):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES) if var_list is None \
        else var_list


def _assemble(parts):
    info = parts[0]._save_slice_info
    full = torch.empty(info.full_shape, dtype=parts[0].dtype)
    with torch.no_grad():
        for var in parts:
            part = var._save_slice_info
            full[tuple(slice(s, s + n) for s, n in zip(part.var_offset, part.var_shape))] = var
    return full


def _part(name, value, var):
    """The box of ``value`` that ``var`` holds (all of it, unless ``var`` is a part)."""
    info = var._save_slice_info
    shape = tuple(info.full_shape) if info is not None else tuple(var.shape)
    if value.dtype != var.dtype or tuple(value.shape) != shape:
        raise CheckpointShapeError("%s: the state dict holds %s %s, the variable %s is %s %s"
                                   % (name, dtypes.name(value.dtype), list(value.shape),
                                      var.op.name, dtypes.name(var.dtype), list(shape)))
    if info is None:
        return value
    return value[tuple(slice(s, s + n) for s, n in zip(info.var_offset, info.var_shape))]


def _done(value, progress):
    if progress is not None:
        progress(value.nbytes if isinstance(value, np.ndarray) else
                 math.prod(value.shape) * value.element_size())
    return value
