"""``tf.train.Saver``: TF1 name-based checkpoints of variables, in TF's own V2 bundle format.

>>> w = tf.get_variable("w", [2, 3])
>>> step = tf.train.get_or_create_global_step()
>>> saver = tf.train.Saver(max_to_keep=3)
>>> sess = tf.Session()
>>> saver.save(sess, "train/model.ckpt", global_step=step)      # sess may be None
'train/model.ckpt-0'
>>> saver.restore(sess, tf.train.latest_checkpoint("train"))

A save writes ``prefix.data-*`` and ``prefix.index`` atomically (temporary files fsynced, then
renamed into place), then the ``checkpoint`` state file, so a process killed or a machine
losing power at any moment leaves the previous checkpoint loadable and nothing half-written
visible.  ``Saver(sync=False)`` skips the fsyncs, as TF's Saver does: faster, still safe
against a killed process, but an OS crash or power loss may lose the last checkpoints.  Unlike TF1 (``Parent directory of ... doesn't exist, can't save.``) missing directories
are created.  There is no graph, so no ``.meta`` file is written (``write_meta_graph`` is
accepted and ignored).

A restore checks every name, dtype, shape and CRC32C before it writes any variable, so a
failed restore leaves the variables as they were; then it reads the bytes straight into the
variables' memory.  As TF's, a name-based restore of an object-based (TF2) checkpoint maps
the variables' names to its keys through the checkpoint's object graph.
"""
import contextlib
import glob
import numbers
import os
import time

from .. import tf_logging as logging
from ..bundle import BundleReader, BundleWriter, index_path, write_checkpoint_state, write_index
from ..bundle.files import remove
from ..errors import (CheckpointShapeError, MissingCheckpointKeyError, NoCheckpointError,
                      SaverArgumentError, SaverBuildError)
from ..graph import GraphKeys, get_default_graph
from .checkpoint_utils import (check_restorable, checkpoint_exists, get_checkpoint_mtimes,
                               group_by_name, missing_key, object_graph_key_mapping,
                               restore_variables)

__all__ = ["Saver"]

_RESTORE_FAILED = ("Restoring from checkpoint failed. This is most likely due to %s from the "
                   "checkpoint. Please ensure that you have not altered the graph expected based "
                   "on the checkpoint. Original error:\n\n%s")
_OBJECT_GRAPH_MISMATCH = (
    "\n\nExisting variables not in the checkpoint: %s\n\nVariables names when this checkpoint "
    "was written which don't exist now: %s\n\n(%d variable name(s) did match)\n\nCould not find "
    "some variables in the checkpoint (see names above). Saver was attempting to load an "
    "object-based checkpoint (saved using tf.train.Checkpoint or tf.keras.Model.save_weights) "
    "using variable names. Construct the Saver with var_list={checkpoint key or old name: "
    "variable} (tf.train.list_variables lists the keys), or with only the variables that "
    "existed then.")


class Saver:
    """Saves and restores variables (TF1's ``tf.train.Saver``, with TF's arguments).

    ``var_list``: None (all global variables and saveable objects, taken when the Saver is
    built), a list of variables / ``PartitionedVariable``s, or a dict ``{checkpoint name:
    variable, PartitionedVariable or list of parts}``.  The parts of a partitioned variable
    are saved as slices of its full name and restored whatever the partitioning at save time.
    ``sharded`` writes one data file per device.  ``saver_def``, ``builder``, ``name``,
    ``restore_sequentially`` and ``write_version`` concern TF's graph ops and are ignored
    (the format is always V2); ``filename`` is the default ``save_path``.  ``sync`` (not a TF
    argument): fsync the files, so a save is durable against power loss; ``False`` as TF.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None, *, sync=True):
        self._var_list = var_list
        self._sync = sync
        self._reshape, self._sharded = reshape, sharded
        self._max_to_keep = max_to_keep
        self._keep_every_n_hours = keep_checkpoint_every_n_hours
        self._allow_empty = allow_empty
        self._pad_step_number, self._save_relative_paths = pad_step_number, save_relative_paths
        self._filename = filename
        self._groups = None
        self._last_checkpoints = []
        self._checkpoints_to_be_deleted = []
        self._next_checkpoint_time = time.time() + keep_checkpoint_every_n_hours * 3600
        if not defer_build:
            self.build()

    def build(self):
        """Resolve ``var_list`` (run by the constructor unless ``defer_build``)."""
        if self._groups is not None:
            return
        var_list = self._var_list
        if var_list is None:
            graph = get_default_graph()
            var_list = (graph.get_collection(GraphKeys.GLOBAL_VARIABLES) +
                        graph.get_collection(GraphKeys.SAVEABLE_OBJECTS))
        if not var_list and not self._allow_empty:
            raise SaverArgumentError("No variables to save (create variables before the Saver, "
                                     "or pass allow_empty=True)")
        self._groups = group_by_name(var_list) if var_list else {}

    # -- saving ---------------------------------------------------------------------------------

    def save(self, sess=None, save_path=None, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Write a checkpoint at ``save_path`` (``save_path-<global_step>`` with a step: an int
        or the global-step variable); returns its prefix, or None when there is nothing to
        save.  ``saver.save(path)`` works too.  Then, with ``write_state``, records it in
        ``dirname(save_path)/checkpoint`` and deletes checkpoints beyond ``max_to_keep``."""
        sess, save_path = _session_and_path(sess, save_path, self._filename)
        if self._groups is None:
            raise SaverBuildError("`build()` should be called before save if defer_build==True")
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise SaverArgumentError("'latest_filename' must not contain path components")
        if global_step is not None:
            step = int(global_step) if isinstance(global_step, numbers.Integral) else \
                int(global_step.detach().item())
            prefix = "%s-%s" % (save_path, "%08d" % step if self._pad_step_number else step)
        else:
            prefix = save_path
            if os.path.basename(save_path) == latest_filename and not self._sharded:
                raise SaverArgumentError("'latest_filename' collides with 'save_path': '%s' and "
                                         "'%s'" % (latest_filename, save_path))
        if not self._groups:
            return None
        self._write(prefix)
        if write_state:
            self._record(prefix)
            write_checkpoint_state(os.path.dirname(save_path) or ".", prefix, self.last_checkpoints,
                                   latest_filename=latest_filename,
                                   save_relative_paths=self._save_relative_paths, sync=self._sync)
            self._delete_old_checkpoints(meta_graph_suffix)
        return prefix

    def _write(self, prefix):
        shards = {}
        for name, parts in sorted(self._groups.items()):
            shards.setdefault(parts[0].device_string if self._sharded else "", []).append(
                (name, parts))
        writers = [BundleWriter(prefix, i, len(shards), sync=self._sync)
                   for i in range(len(shards))]
        try:
            for writer, (_, group) in zip(writers, sorted(shards.items())):
                with writer.batch():
                    for name, parts in group:
                        for var in parts:
                            info = var._save_slice_info
                            if info is None:
                                writer.add(name, var)
                            else:
                                writer.add_slice(name, info.full_shape, info.var_offset, var)
            entries = [writer.finish() for writer in writers]
        except BaseException:
            for writer in writers:
                if writer.entries is None:
                    writer.abort()
            raise
        if len(writers) > 1:
            write_index(prefix, entries, num_shards=len(writers), sync=self._sync)

    # -- restoring ------------------------------------------------------------------------------

    def restore(self, sess=None, save_path=None):
        """Assign the variables their values in the checkpoint ``save_path`` (a prefix);
        ``saver.restore(path)`` works too.  Everything is checked first, so on an error no
        variable has changed."""
        sess, save_path = _session_and_path(sess, save_path, self._filename)
        if not self._groups:
            return
        if not checkpoint_exists(save_path):
            raise NoCheckpointError(
                "The passed save_path is not a valid checkpoint: %s (there is no %s; "
                "tf.train.latest_checkpoint(directory) gives the newest prefix)"
                % (save_path, index_path(save_path)), save_path)
        with BundleReader(save_path) as reader:
            keys = self._checkpoint_keys(reader)
            try:
                plan = [(var, keys[name], check_restorable(reader, keys[name], var, self._reshape))
                        for name, parts in sorted(self._groups.items()) for var in parts]
            except CheckpointShapeError as error:
                raise CheckpointShapeError(_RESTORE_FAILED % (
                    "a mismatch between the current graph and the graph", error),
                    error.path) from None
            restore_variables(reader, plan)

    def _checkpoint_keys(self, reader):
        """``{name: checkpoint key}`` of the variables: their names, or for an object-based
        checkpoint lacking some, its object graph's keys (TF's fallback)."""
        missing = [name for name in sorted(self._groups) if not reader.has(name)]
        if not missing:
            return {name: name for name in self._groups}
        mapping = object_graph_key_mapping(reader)
        if mapping is None:
            error = missing_key(reader, missing[0])
            raise type(error)(_RESTORE_FAILED % (
                "a Variable name or other graph key that is missing", error), error.path)
        absent = sorted(set(self._groups) - set(mapping))
        if absent:
            raise MissingCheckpointKeyError(_OBJECT_GRAPH_MISMATCH % (
                ", ".join(absent), ", ".join(sorted(set(mapping) - set(self._groups))),
                len(set(mapping) & set(self._groups))), reader.path)
        logging.warning("Restoring an object-based checkpoint using a name-based saver. This may "
                        "be somewhat fragile, and will re-build the Saver. Instead, consider "
                        "loading object-based checkpoints using tf.train.Checkpoint().")
        return mapping

    # -- the list of checkpoints to keep --------------------------------------------------------

    @property
    def last_checkpoints(self):
        """The prefixes of the checkpoints not deleted yet, oldest first."""
        return [path for path, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        """Deprecated by TF: use ``set_last_checkpoints_with_time``."""
        self._last_checkpoints = [(path, None) for path in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        """Set the list of ``(prefix, timestamp)`` of the checkpoints to manage."""
        if not isinstance(last_checkpoints_with_time, list):
            raise SaverArgumentError("last_checkpoints_with_time is a list of (prefix, time), "
                                     "not %r" % (last_checkpoints_with_time,))
        self._last_checkpoints = last_checkpoints_with_time

    def recover_last_checkpoints(self, checkpoint_paths):
        """Manage ``checkpoint_paths`` (e.g. ``get_checkpoint_state(d).all_model_checkpoint_paths``
        after a crash), with their files' times; those whose files are gone are dropped."""
        self.set_last_checkpoints_with_time(
            [(path, mtimes[0]) for path in checkpoint_paths
             if (mtimes := get_checkpoint_mtimes([path]))])

    def _record(self, prefix):
        if not self._max_to_keep:
            return
        self._last_checkpoints = [p for p in self._last_checkpoints if p[0] != prefix]
        self._last_checkpoints.append((prefix, time.time()))
        if len(self._last_checkpoints) > self._max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _delete_old_checkpoints(self, meta_graph_suffix):
        if not self._checkpoints_to_be_deleted:
            return
        prefix, timestamp = self._checkpoints_to_be_deleted.pop(0)
        if timestamp is not None and timestamp > self._next_checkpoint_time:
            self._next_checkpoint_time += self._keep_every_n_hours * 3600
            return
        paths = [index_path(prefix), "%s.%s" % (prefix, meta_graph_suffix),
                 *glob.glob(glob.escape(prefix) + ".data-?????-of-?????")]
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                remove(path)


def _session_and_path(sess, save_path, default):
    """Accept ``(sess, path)``, ``(path,)`` and ``(None, path)``; the path as a str."""
    if save_path is None and isinstance(sess, (str, os.PathLike)):
        sess, save_path = None, sess
    save_path = default if save_path is None else save_path
    if save_path is None:
        raise SaverArgumentError("Can't load save_path when it is None.")
    return sess, os.fspath(save_path)
