"""Every docstring example in the package runs and prints what it shows.

Each docstring's examples run in a fresh default graph, in a temporary directory, with
``tf`` (scopevar), ``slim``, ``torch`` and ``np`` already imported, as a reader would have them;
what they put in ``sys.modules`` (the import alias) is taken back afterwards.  The directory
holds the checkpoint the checkpoint modules' examples read, ``ckpt/model.ckpt-7``: ``w``
(``[[0, 1, 2], [3, 4, 5]]``, float32), ``emb`` (10x4, ``arange(40)``, saved as two
partitions of 5 rows) and ``global_step`` (int64, 7), with the ``ckpt/checkpoint`` state file.
"""
import doctest
import importlib
import pkgutil
import sys

import numpy as np
import pytest
import torch

import scopevar

MODULES = sorted(m.name for m in pkgutil.walk_packages(scopevar.__path__, "scopevar.")
                 if m.name != "scopevar.__main__")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _write_example_checkpoint():
    from scopevar.bundle import BundleWriter, write_checkpoint_state
    emb = torch.arange(40, dtype=torch.float32).reshape(10, 4)
    with BundleWriter("ckpt/model.ckpt-7") as writer:
        writer.add("w", torch.arange(6, dtype=torch.float32).reshape(2, 3))
        writer.add_slice("emb", full_shape=[10, 4], offset=[0, 0], value=emb[:5])
        writer.add_slice("emb", full_shape=[10, 4], offset=[5, 0], value=emb[5:])
        writer.add("global_step", torch.tensor(7))
    write_checkpoint_state("ckpt", "ckpt/model.ckpt-7")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write_example_checkpoint()
    module = importlib.import_module(name)
    globs = {"tf": scopevar, "slim": scopevar.slim, "torch": torch, "np": np}
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    modules, meta_path = dict(sys.modules), list(sys.meta_path)
    try:
        for test in doctest.DocTestFinder().find(module, extraglobs=globs):
            with scopevar.Graph().as_default():
                runner.run(test)
    finally:    # scopevar.compat's examples install the import alias: take it back
        sys.meta_path[:] = meta_path
        for extra in set(sys.modules) - set(modules):
            del sys.modules[extra]
        sys.modules.update(modules)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "%d of %d examples failed in %s (see the output above)" % (
        result.failed, result.attempted, name)
