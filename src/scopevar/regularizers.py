"""Regularizers (``tf.contrib.layers`` / TF-Slim) and the regularization-loss collection.

A regularization loss is stored lazily: reading ``REGULARIZATION_LOSSES`` (through
``get_collection`` or ``losses.get_regularization_losses``) recomputes each penalty from the
variable's current value, so it is never a stale tensor.  The stored items (seen through
``get_collection_ref``) keep TF's names: ``<variable>/Regularizer/l2_regularizer:0``.

>>> reg = l2_regularizer(0.5)
>>> float(reg(torch.tensor([1.0, -2.0, 3.0])))
3.5
"""
import numbers

import torch

from .errors import RegularizerError
from .graph import GraphKeys, get_default_graph
from .nn import l2_loss


class _Regularizer:
    """A penalty function with TF's op name (``l2_regularizer`` ...) for the loss's name."""

    def __init__(self, fn, op_name):
        self._fn, self.op_name = fn, op_name

    def __call__(self, weights, name=None):
        return self._fn(weights)

    def __repr__(self):
        return "<regularizer %s>" % self.op_name


def _check_scale(scale, what="scale"):
    if isinstance(scale, numbers.Integral) and not isinstance(scale, bool):
        raise RegularizerError("%s cannot be an integer: %s. Pass a float such as %s.0."
                               % (what, scale, scale))


def _scaled(scale, penalty, op_name, negative_message):
    """``scale * penalty(w)`` as a regularizer; a scale of 0 gives a function returning None."""
    _check_scale(scale)
    if isinstance(scale, numbers.Real):
        if scale < 0.0:
            raise RegularizerError(negative_message % scale)
        if scale == 0.0:
            return lambda _: None
    return _Regularizer(lambda w: torch.as_tensor(scale, dtype=w.dtype) * penalty(w), op_name)


def l1_regularizer(scale, scope=None):
    """``scale * sum(|w|)``; a scale of 0 disables it (returns a function giving None)."""
    return _scaled(scale, lambda w: w.abs().sum(), scope or "l1_regularizer",
                   "Setting a scale less than 0 on a regularizer: %g")


def l2_regularizer(scale, scope=None):
    """``scale * sum(w**2) / 2``; a scale of 0 disables it."""
    return _scaled(scale, l2_loss, scope or "l2_regularizer",
                   "Setting a scale less than 0 on a regularizer: %g.")


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """``scale_l1 * sum(|w|) + scale_l2 * sum(w**2) / 2``."""
    _check_scale(scale_l1, "scale_l1")
    _check_scale(scale_l2, "scale_l2")
    scope = scope or "l1_l2_regularizer"
    if scale_l1 == 0.0:
        return l2_regularizer(scale_l2, scope)
    if scale_l2 == 0.0:
        return l1_regularizer(scale_l1, scope)
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope)


def sum_regularizer(regularizer_list, scope=None):
    """The sum of several regularizers (None entries and None results are skipped)."""
    regs = [r for r in regularizer_list if r is not None]
    if not regs:
        return None

    def total(w):
        parts = [p for p in (r(w) for r in regs) if p is not None]
        return torch.stack(parts).sum() if parts else None
    return _Regularizer(total, scope or "sum_regularizer")


class _LazyLoss:
    """A regularization loss in a collection: named like TF's tensor, computed when read."""

    _lazy_collection_item = True
    __slots__ = ("name", "_thunk")

    def __init__(self, name, thunk):
        self.name, self._thunk = name, thunk

    def __call__(self):
        return self._thunk()

    def __repr__(self):
        return "<regularization loss %r>" % self.name


class _ActivityLoss(_LazyLoss):
    """A layer call's activity regularization loss (a value, not recomputed): spent by the
    optimizer step after it (:func:`spend_activity_losses`)."""

    __slots__ = ("spent",)

    def __init__(self, name, value):
        super().__init__(name, lambda: value)
        self.spent = False


def spend_activity_losses(graph):
    """Drop the activity losses from ``graph``'s ``REGULARIZATION_LOSSES``: an optimizer step
    has backpropagated the forward passes that made them.  (TF1 builds a graph once and its
    collection keeps one loss per layer call; an eager loop calls the layers every step, and
    keeping the spent losses would grow the collection and backpropagate them again.)"""
    with graph._lock:
        items = graph._collections.get(GraphKeys.REGULARIZATION_LOSSES)
        if items and any(isinstance(item, _ActivityLoss) for item in items):
            for item in items:
                if isinstance(item, _ActivityLoss):
                    item.spent = True
            items[:] = [item for item in items if not isinstance(item, _ActivityLoss)]


def _op_name(regularizer):
    name = getattr(regularizer, "op_name", None) or getattr(regularizer, "__name__", "")
    return name if name and name.isidentifier() and name != "<lambda>" else "Regularizer"


def no_regularizer(_):
    """Use it as a regularizer to switch off a scope's regularizer for a variable."""
    return None


def add_regularization_loss(var, name, regularizer):
    """Add ``regularizer(var)`` to ``REGULARIZATION_LOSSES`` unless it gives None (TF's check,
    made once at creation).  The loss is named ``<name>/Regularizer/<op>:0``."""
    graph = get_default_graph()
    op_name = _op_name(regularizer)
    if isinstance(regularizer, _Regularizer):
        graph.unique_name(op_name)      # TF's None-check call leaves an op of that name at the root
    if regularizer(var) is None:
        return None
    with graph.name_scope(name + "/Regularizer/"):
        loss_name = graph.unique_name(op_name)
    loss = _LazyLoss(loss_name + ":0", lambda: regularizer(var))
    graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return loss


def apply_regularization(regularizer, weights_list=None):
    """The summed penalty of ``regularizer`` over ``weights_list`` (default: the ``WEIGHTS``
    collection), also added to ``REGULARIZATION_LOSSES``."""
    graph = get_default_graph()
    if not weights_list:
        weights_list = graph.get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise RegularizerError("No weights to regularize. Pass weights_list or add variables "
                               "to the WEIGHTS collection.")
    weights_list = list(weights_list)

    def penalty():
        parts = []
        for w in weights_list:
            p = regularizer(w)
            p = torch.tensor(0.0) if p is None else p
            if p.dim() != 0:
                raise RegularizerError("regularizer must return a scalar Tensor instead of a "
                                       "Tensor with rank %d." % p.dim())
            parts.append(p)
        return torch.stack(parts).sum()

    value = penalty()
    loss = _LazyLoss(graph.unique_name("get_regularization_penalty") + ":0", penalty)
    graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return value


def get_regularization_losses(scope=None):
    """The regularization losses (optionally those whose name matches ``scope``), computed
    now from the variables' current values."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of ``get_regularization_losses(scope)`` (0.0 when there are none)."""
    losses = get_regularization_losses(scope)
    if not losses:
        return torch.tensor(0.0)
    return torch.stack([torch.as_tensor(x, dtype=torch.float32) if not isinstance(x, torch.Tensor)
                        else x for x in losses]).sum()
