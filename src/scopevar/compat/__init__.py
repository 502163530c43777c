"""``tf.compat``: ``compat.v1`` is scopevar itself; ``alias_tensorflow()`` makes TF1 programs'
imports resolve to scopevar.

>>> import scopevar
>>> scopevar.compat.alias_tensorflow()
>>> import tensorflow.compat.v1 as tf      # scopevar
>>> import tf_slim as slim                  # scopevar.slim
"""
import sys

from ..errors import TensorFlowAlreadyImportedError

__all__ = ["alias_tensorflow", "v1"]

# the names a TF1 / TF-Slim program imports, and the scopevar module each one becomes
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
    "tf_slim": "scopevar.slim",
}


def __getattr__(name):
    if name == "v1":                    # scopevar itself (imported lazily: no import cycle)
        return sys.modules["scopevar"]
    raise AttributeError("module 'scopevar.compat' has no attribute %r" % name)


def alias_tensorflow():
    """Make ``import tensorflow.compat.v1 as tf``, ``import tensorflow as tf`` and
    ``import tf_slim as slim`` give scopevar in this process (idempotent).

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
        sys.modules[name] = importlib.import_module(target)
    # ``from tensorflow.contrib import slim`` looks the submodule up under its real name
    sys.modules.setdefault("scopevar.contrib.slim", sys.modules["scopevar.slim"])
