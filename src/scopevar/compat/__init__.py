"""``tf.compat``: ``compat.v1`` is scopevar itself; ``alias_tensorflow()`` makes TF1 programs'
imports resolve to scopevar.

>>> import scopevar
>>> scopevar.compat.alias_tensorflow()
>>> import tensorflow.compat.v1 as tf      # scopevar
>>> import tf_slim as slim                  # scopevar.slim

With tf-slim installed, ``from tf_slim.nets import resnet_v1`` (or TF1's
``from tensorflow.contrib.slim.nets import resnet_v1``) then runs TF-Slim's own model code (its
source files, unmodified) on scopevar.
"""
import sys
import types

from ..errors import TensorFlowAlreadyImportedError
from ._alias_finder import TfSlimNetsFinder

__all__ = ["alias_tensorflow", "v1"]

# the names a TF1 / TF-Slim program imports (TF-Slim's own modules import TF's internal
# paths), and the scopevar module each one becomes; None: a package that only holds the
# aliased modules below it
_ALIASES = {
    "tensorflow": "scopevar",
    "tensorflow.compat": "scopevar.compat",
    "tensorflow.compat.v1": "scopevar",
    "tensorflow.compat.v1.layers": "scopevar.layers",
    "tensorflow.compat.v1.nn": "scopevar.nn",
    "tensorflow.contrib": "scopevar.contrib",
    "tensorflow.contrib.layers": "scopevar.contrib.layers",
    "tensorflow.contrib.slim": "scopevar.slim",
    "tensorflow.contrib.framework": "scopevar.contrib.framework",
    "tensorflow.python": None,
    "tensorflow.python.framework": None,
    "tensorflow.python.framework.constant_op": "scopevar.constant_op",
    "tensorflow.python.framework.dtypes": "scopevar.dtypes",
    "tensorflow.python.framework.ops": "scopevar",
    "tensorflow.python.framework.random_seed": "scopevar.random",
    "tensorflow.python.ops": None,
    "tensorflow.python.ops.array_ops": "scopevar.array_ops",
    "tensorflow.python.ops.init_ops": "scopevar.initializers",
    "tensorflow.python.ops.math_ops": "scopevar.math_ops",
    "tensorflow.python.ops.nn": "scopevar.nn",
    "tensorflow.python.ops.nn_ops": "scopevar.nn",
    "tensorflow.python.ops.random_ops": "scopevar.random",
    "tensorflow.python.ops.variable_scope": "scopevar.variable_scope",
    "tensorflow.python.ops.variables": "scopevar.variables",
    "tensorflow.python.util": None,
    "tensorflow.python.util.all_util": "scopevar.compat.all_util",
    "tf_slim": "scopevar.slim",
    "tf_slim.layers": "scopevar.slim",
    "tf_slim.layers.initializers": "scopevar.slim.initializers",
    "tf_slim.layers.layers": "scopevar.slim.layers",
    "tf_slim.layers.regularizers": "scopevar.regularizers",
    "tf_slim.layers.utils": "scopevar.slim.utils",
    "tf_slim.ops": None,
    "tf_slim.ops.arg_scope": "scopevar.slim.arg_scope",
    "tf_slim.ops.variables": "scopevar.slim.variables",
}


def __getattr__(name):
    if name == "v1":                    # scopevar itself (imported lazily: no import cycle)
        return sys.modules["scopevar"]
    raise AttributeError("module 'scopevar.compat' has no attribute %r" % name)


def alias_tensorflow():
    """Make ``import tensorflow.compat.v1 as tf``, ``import tensorflow as tf``,
    ``import tf_slim as slim``, the TF-internal paths TF-Slim imports and TF-Slim's own model
    zoo (``tf_slim.nets``, from the installed tf-slim's sources) give scopevar in this process
    (idempotent).

    Refuses (``TensorFlowAlreadyImportedError``) where real TensorFlow or tf_slim is imported
    already: the two cannot share a process; run TensorFlow in a subprocess instead."""
    import importlib
    taken = [n for n in ("tensorflow", "tf_slim") if n in sys.modules
             and sys.modules[n] is not importlib.import_module(_ALIASES[n])]
    if taken:
        raise TensorFlowAlreadyImportedError(
            "TensorFlow is already imported in this process (%s): scopevar cannot take its "
            "import names. Call scopevar.compat.alias_tensorflow() before anything imports "
            "TensorFlow, or run TensorFlow in a separate process." % ", ".join(taken))
    for name, target in _ALIASES.items():
        if target is None:
            sys.modules.setdefault(name, types.ModuleType(name, "scopevar import alias"))
            sys.modules[name].__path__ = []
        else:
            sys.modules[name] = importlib.import_module(target)
        parent, _, child = name.rpartition(".")
        if _ALIASES.get(parent, "") is None:    # ``from tensorflow.python.ops import nn_ops``
            setattr(sys.modules[parent], child, sys.modules[name])
    # ``from tensorflow.contrib import slim`` looks the submodule up under its real name
    sys.modules.setdefault("scopevar.contrib.slim", sys.modules["scopevar.slim"])
    if not any(isinstance(f, TfSlimNetsFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TfSlimNetsFinder())
