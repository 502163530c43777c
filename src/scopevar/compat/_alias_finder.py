"""The import-alias finder for TF-Slim's model zoo: ``import tf_slim.nets`` loads the installed
tf-slim package's own ``nets`` source files (pure Python), so under the alias their
``import tensorflow...`` / ``from tf_slim...`` statements resolve to scopevar.

tf_slim itself is never imported: its directory is located with ``PathFinder``.  Where tf-slim
is not installed, ``tf_slim.nets`` is simply not found.  TF1's ``tensorflow.contrib.slim.nets``
(and ``from tf_slim import nets``, which looks up ``scopevar.slim.nets``) give the same modules.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util

__all__ = ["TfSlimNetsFinder"]

_NETS = "tf_slim.nets"
_OTHER_NAMES = ("tensorflow.contrib.slim.nets", "scopevar.slim.nets")


class TfSlimNetsFinder(importlib.abc.MetaPathFinder):
    """Finds ``tf_slim.nets`` in the installed tf-slim; its submodules (``tf_slim.nets.vgg``,
    ...) are then found by the ordinary path finder through the package's ``__path__``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == _NETS:
            real = importlib.machinery.PathFinder.find_spec("tf_slim")
            if real is None or not real.submodule_search_locations:
                return None
            return importlib.machinery.PathFinder.find_spec(_NETS, real.submodule_search_locations)
        for other in _OTHER_NAMES:
            if fullname == other or fullname.startswith(other + "."):
                same = _NETS + fullname[len(other):]
                if importlib.util.find_spec(same) is None:
                    return None
                return importlib.util.spec_from_loader(fullname, _SameModule(same))
        return None


class _SameModule(importlib.abc.Loader):
    """Loads a name as the module ``name`` (imported under its own name, its spec kept)."""

    def __init__(self, name):
        self.name, self.spec = name, None

    def create_module(self, spec):
        module = importlib.import_module(self.name)
        self.spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self.spec     # the import system set it to the other name's
