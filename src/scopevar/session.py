"""A TF1 ``Session`` for eager scopevar: ``run`` evaluates what it is given, now.

TF1 code calls ``sess.run(tf.global_variables_initializer())`` and ``sess.run(tensor)``;
here variables already hold their values, ops are callables and tensors are computed, so
``run`` calls ops and turns tensors into numpy arrays, keeping the structure of ``fetches``.

>>> with Session() as sess:
...     sess.run([torch.tensor(1.0), {"a": torch.tensor([2, 3])}])
[array(1., dtype=float32), {'a': array([2, 3])}]
"""
import torch

from . import dtypes
from .errors import PlaceholderError, SessionError


class Session:
    """``Session(target='', graph=None, config=None)``; ``run(fetches, feed_dict=None)``."""

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if feed_dict:
            raise SessionError("feed_dict has no meaning in eager scopevar: there are no "
                               "placeholders. Call your model function with the input tensors.")
        return _fetch(fetches)

    def close(self):
        pass

    def as_default(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


InteractiveSession = Session


def placeholder(dtype, shape=None, name=None):
    """``tf.placeholder``: there is nothing to feed later in eager scopevar, so this raises
    ``PlaceholderError`` saying what to write instead.

    >>> tf.placeholder(tf.float32, [None, 784])
    Traceback (most recent call last):
        ...
    scopevar.errors.PlaceholderError: tf.placeholder(float32, shape=[None, 784]) has no ...
    """
    shape = None if shape is None else [None if d is None or d == -1 else int(d) for d in shape]
    raise PlaceholderError(
        "tf.placeholder(%s, shape=%s) has no meaning in eager scopevar: values are computed when "
        "an op is called, so there is nothing to feed later. Build the model inside a function "
        "of its inputs and call it with the batch (a torch tensor or numpy array), e.g. "
        "logits = model(torch.as_tensor(images)); or use a tensor of the same shape where only "
        "the variables matter (tf.zeros([1, ...]))." % (dtypes.name(dtype), shape))


def _fetch(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_fetch(i) for i in x)
    if isinstance(x, dict):
        return {k: _fetch(v) for k, v in x.items()}
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy().copy()
    if hasattr(x, "eval"):
        return x.eval()
    if callable(x):
        return x()
    return x
