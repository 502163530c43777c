"""The ``checkpoint`` state file: a ``CheckpointState`` text proto naming the latest checkpoint.

Paths in it are relative to its directory (TF2, ``save_relative_paths``) or absolute (TF1
``Saver``); reading makes them all usable (joined with the directory), as TF does.

>>> write_checkpoint_state("ckpt", "ckpt/model.ckpt-2", ["ckpt/model.ckpt-1"])
>>> read_checkpoint_state("ckpt").model_checkpoint_path
'ckpt/model.ckpt-2'
"""
import os

from google.protobuf import text_format

from ..errors import CheckpointArgumentError, InvalidCheckpointStateError
from .files import AtomicFile
from .protos import CheckpointState


def read_checkpoint_state(directory, latest_filename="checkpoint"):
    """The ``CheckpointState`` in ``directory/latest_filename``, or None when there is none.

    Unlike TF's ``get_checkpoint_state`` (which logs and returns None), an unreadable file
    raises ``InvalidCheckpointStateError`` naming it."""
    directory = os.fspath(directory)
    path = os.path.join(directory, latest_filename)
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    state = CheckpointState()
    try:
        text_format.Merge(text, state)
    except (text_format.ParseError, UnicodeDecodeError) as e:
        raise InvalidCheckpointStateError("%s: not a CheckpointState text proto: %s"
                                          % (path, e), path) from None
    if not state.model_checkpoint_path:
        raise InvalidCheckpointStateError("Invalid checkpoint state loaded from %s: %s has no "
                                          "model_checkpoint_path" % (directory, path), path)
    state.model_checkpoint_path = os.path.join(directory, state.model_checkpoint_path)
    paths = [os.path.join(directory, p) for p in state.all_model_checkpoint_paths]
    del state.all_model_checkpoint_paths[:]
    state.all_model_checkpoint_paths.extend(paths)
    return state


def write_checkpoint_state(directory, model_checkpoint_path, all_model_checkpoint_paths=None, *,
                           all_model_checkpoint_timestamps=None, last_preserved_timestamp=None,
                           latest_filename="checkpoint", save_relative_paths=False, sync=True):
    """Write ``directory/latest_filename`` atomically, as TF's ``update_checkpoint_state``.

    ``model_checkpoint_path`` is appended to ``all_model_checkpoint_paths`` unless last there.
    With ``save_relative_paths`` absolute paths are stored relative to ``directory``; with a
    relative ``directory``, relative paths are stored relative to it (TF's rules).  ``sync``
    as for ``files.AtomicFile``."""
    directory = os.fspath(directory)
    paths = list(all_model_checkpoint_paths or [])
    if save_relative_paths:
        model_checkpoint_path = _relative(model_checkpoint_path, directory)
        paths = [_relative(p, directory) for p in paths]
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if all_model_checkpoint_timestamps and len(all_model_checkpoint_timestamps) != len(paths):
        raise CheckpointArgumentError(
            "Checkpoint timestamps, if provided, must match checkpoint paths (got paths %s and "
            "timestamps %s)" % (paths, list(all_model_checkpoint_timestamps)))
    if not os.path.isabs(directory):
        model_checkpoint_path = _relative_to(model_checkpoint_path, directory)
        paths = [_relative_to(p, directory) for p in paths]
    path = os.path.join(directory, latest_filename)
    if path == model_checkpoint_path:
        raise CheckpointArgumentError("Save path '%s' conflicts with path used for checkpoint "
                                      "state.  Please use a different save path." % path)
    state = CheckpointState(model_checkpoint_path=model_checkpoint_path,
                            all_model_checkpoint_paths=paths,
                            all_model_checkpoint_timestamps=all_model_checkpoint_timestamps,
                            last_preserved_timestamp=last_preserved_timestamp)
    with AtomicFile(path, sync) as f:
        f.write(text_format.MessageToString(state).encode("utf-8"))


def _relative(path, directory):
    """``path`` relative to ``directory`` when absolute, else as it is."""
    return os.path.relpath(path, directory) if os.path.isabs(path) else path


def _relative_to(path, directory):
    """``path`` relative to ``directory`` when relative (it is relative to the cwd), else as it is."""
    return path if os.path.isabs(path) else os.path.relpath(path, directory)
