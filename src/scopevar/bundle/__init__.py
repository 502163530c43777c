"""TensorFlow's checkpoint format (V2 tensor bundle), read and written natively.

A checkpoint ``prefix`` is ``prefix.index`` (an SSTable of ``BundleEntryProto``) plus
``prefix.data-SSSSS-of-NNNNN`` shards of raw tensor bytes; ``dir/checkpoint`` names the latest.

>>> with BundleWriter("/tmp/ckpt/model.ckpt-1") as writer:
...     writer.add("w", torch.ones(2, 3))
>>> BundleReader("/tmp/ckpt/model.ckpt-1").get("w").shape
torch.Size([2, 3])

Below ``reader``/``writer``/``codec``/``data_file`` the modules import no torch.
"""
from .files import data_path, index_path
from .reader import BundleReader
from .state import read_checkpoint_state, write_checkpoint_state
from .writer import BundleWriter, write_index

__all__ = ["BundleReader", "BundleWriter", "write_index", "read_checkpoint_state",
           "write_checkpoint_state", "index_path", "data_path"]
