"""TF1's execution-mode switches, for programs that call them first thing.

scopevar always has TF1 graph-mode meanings (names, reuse, collections, RefVariable-style
variables) and always computes eagerly on torch, so these switches have nothing to change:
they are accepted so that unmodified TF1 programs start.

>>> import scopevar as tf
>>> tf.disable_v2_behavior(); tf.disable_eager_execution()
"""

__all__ = ["disable_v2_behavior", "disable_eager_execution", "disable_resource_variables",
           "disable_v2_tensorshape", "enable_eager_execution"]


def disable_v2_behavior():
    """``tf.compat.v1.disable_v2_behavior()``: scopevar already behaves as TF1 (no-op)."""


def disable_eager_execution():
    """``tf.compat.v1.disable_eager_execution()``: TF1 meanings are kept anyway (no-op)."""


def disable_resource_variables():
    """``tf.compat.v1.disable_resource_variables()``: variables are RefVariable-like (no-op)."""


def disable_v2_tensorshape():
    """``tf.compat.v1.disable_v2_tensorshape()``: shapes hold ``Dimension``s as in TF1 (no-op)."""


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """``tf.enable_eager_execution()``: scopevar computes eagerly already (no-op)."""
