"""Data-parallel training on ``torch.distributed``: same variables everywhere, sharded saves.

Every rank (``torchrun --nproc_per_node=N train.py``; here a group of one process) builds
the same TF1-style model, then:

>>> import os, torch.distributed as dist    # under torchrun: dist.init_process_group("gloo")
>>> dist.init_process_group("gloo", init_method="file://" + os.path.abspath("rendezvous"),
...                         rank=0, world_size=1)
>>> with tf.variable_scope("model"):
...     w = tf.get_variable("dense/kernel", [4, 2])
>>> tf.distributed.check_same_variables()   # names, shapes, dtypes agree on every rank
>>> tf.distributed.broadcast_variables()    # rank 0's initial values everywhere
>>> # ... train, e.g. under torch.nn.parallel.DistributedDataParallel
>>> tf.distributed.save_sharded("ckpt/model.ckpt", global_step=100, max_to_keep=3)
'ckpt/model.ckpt-100'
>>> dist.destroy_process_group()

The checkpoint is TF's V2 bundle with one data file per rank; ``tf.train.Saver().restore``
(and TensorFlow itself) reads it with any number of processes.  Waits are bounded by the
process group's ``timeout`` (``init_process_group(..., timeout=timedelta(seconds=60))``).
"""
import numbers
import os

import torch
import torch.distributed as dist

from .bundle import BundleWriter, index_path, read_checkpoint_state, write_checkpoint_state
from .bundle import write_index
from .errors import VariableMismatchError
from .graph import global_variables
from .train.checkpoint_utils import group_by_name
from .train.saver import Saver
from .variables import PartitionedVariable

__all__ = ["broadcast_variables", "check_same_variables", "save_sharded"]


def broadcast_variables(var_list=None, src=0):
    """Overwrite the variables (default: all global variables) with rank ``src``'s values,
    in place, so that every rank starts from the same point whatever its seed."""
    with torch.no_grad():
        for var in _variables(var_list):
            dist.broadcast(var.data, src)


def check_same_variables(var_list=None):
    """Raise ``VariableMismatchError`` on every rank unless all ranks hold variables of the same
    names, shapes and dtypes; the message names the first variable that differs, as in
    ``Variables differ across ranks: rank 0 has dense/kernel:0 [4, 2] float32, rank 1 has
    dense/kernel:0 [4, 3] float32 ...``."""
    mine = sorted((var.name, list(var.shape), str(var.dtype).replace("torch.", ""))
                  for var in _variables(var_list))
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    reference = everyone[0]
    for rank, theirs in enumerate(everyone[1:], 1):
        if theirs == reference:
            continue
        i = next((i for i, (a, b) in enumerate(zip(reference, theirs)) if a != b),
                 min(len(reference), len(theirs)))
        raise VariableMismatchError(
            "Variables differ across ranks: rank 0 has %s, rank %d has %s (%d variables on rank "
            "0, %d on rank %d). Every rank must build the same model, in the same scopes."
            % (_describe(reference, i), rank, _describe(theirs, i), len(reference), len(theirs),
               rank))


def save_sharded(prefix, var_list=None, global_step=None, latest_filename="checkpoint",
                 max_to_keep=5, *, sync=True):
    """Save a checkpoint at ``prefix`` (``prefix-<global_step>``), each rank writing one data
    shard; returns the prefix on every rank, once the checkpoint is complete.

    Each piece of a variable (a variable, or one part of a partitioned variable) is written
    once, by one of the ranks that hold it, in turn; so replicated variables spread over all
    ranks, and the parts of a partitioned variable held by different ranks become slices of
    one tensor.  Rank 0 gathers the entries and writes the merged index last, then the
    ``checkpoint`` state file: until then readers see the previous checkpoint, never a partial
    one (an old index at the same prefix is removed first).  Then, as ``train.Saver``, it
    deletes the checkpoints beyond the last ``max_to_keep`` (None or 0: none; the state file
    then lists only the newest); the ones to keep are those the state file lists.  ``sync``:
    fsync every file (``False``: do not, as TF), as ``train.Saver``.  See the module's
    example."""
    rank, world = dist.get_rank(), dist.get_world_size()
    if global_step is not None:
        step = int(global_step) if isinstance(global_step, numbers.Integral) else \
            int(global_step.detach().item())
        prefix = "%s-%d" % (prefix, step)
    prefix = os.fspath(prefix)
    pieces = {}
    for name, parts in group_by_name(_variables(var_list, keep_partitioned=True)).items():
        for var in parts:
            info = var._save_slice_info
            pieces[(name, tuple(info.var_offset) if info else ())] = var
    if rank == 0 and os.path.exists(index_path(prefix)):
        os.remove(index_path(prefix))
    held = [None] * world
    dist.all_gather_object(held, sorted(pieces))
    held = [set(keys) for keys in held]
    owners = {}
    for key in sorted(set().union(*held)):
        holders = [r for r in range(world) if key in held[r]]
        owners[key] = holders[len(owners) % len(holders)]
    with BundleWriter(prefix, rank, world, sync=sync) as writer:
        for (name, offset), var in sorted(pieces.items()):
            if owners[(name, offset)] != rank:
                continue
            info, value = var._save_slice_info, var.detach().cpu()
            if info is None:
                writer.add(name, value)
            else:
                writer.add_slice(name, info.full_shape, info.var_offset, value)
        entries = writer.finish()
    gathered = [None] * world if rank == 0 else None
    dist.gather_object(entries, gathered, dst=0)
    if rank == 0:
        write_index(prefix, gathered, num_shards=world, sync=sync)
        _record(prefix, max_to_keep, latest_filename, sync)
    dist.barrier()
    return prefix


def _record(prefix, max_to_keep, latest_filename, sync):
    """Add ``prefix`` to the state file and delete the checkpoints beyond ``max_to_keep``,
    by ``train.Saver``'s rules, with the checkpoints the state file lists as its memory."""
    directory = os.path.dirname(prefix) or "."
    state = read_checkpoint_state(directory, latest_filename)
    saver = Saver([], max_to_keep=max_to_keep, allow_empty=True, sync=sync)
    if state and max_to_keep:
        saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
    saver._record(prefix)
    write_checkpoint_state(directory, prefix, saver.last_checkpoints,
                           latest_filename=latest_filename, sync=sync)
    saver._delete_old_checkpoints("meta")


def _variables(var_list, keep_partitioned=False):
    """The variables of ``var_list`` (default: all global ones), partitioned ones as parts."""
    var_list = global_variables() if var_list is None else var_list
    if keep_partitioned:
        return list(var_list)
    return [part for var in var_list
            for part in (list(var) if isinstance(var, PartitionedVariable) else [var])]


def _describe(listing, i):
    if i >= len(listing):
        return "no variable there (its list ends after %d)" % len(listing)
    name, shape, dtype = listing[i]
    return "%s %s %s" % (name, shape, dtype)
