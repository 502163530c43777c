"""TF1's learning-rate schedules (``tf.train.exponential_decay`` etc.), eagerly.

As in TF's own eager mode, each returns a zero-argument *callable* that computes the rate
(a float32 scalar tensor) from the current value of ``global_step`` when called; optimizers
call it at every step, and ``sess.run(lr)`` / ``lr()`` read it.

>>> step = tf.train.get_or_create_global_step()
>>> lr = tf.train.exponential_decay(0.1, step, decay_steps=100, decay_rate=0.96)
>>> opt = tf.train.GradientDescentOptimizer(lr)           # lr() is read at every step
"""
import math

import torch

from ..errors import LearningRateArgumentError

__all__ = ["exponential_decay", "piecewise_constant", "polynomial_decay", "cosine_decay",
           "natural_exp_decay", "inverse_time_decay"]


def _num(x):
    if callable(x) and not isinstance(x, torch.Tensor):
        x = x()
    return x.detach().item() if isinstance(x, torch.Tensor) else x


class DecayedLearningRate:
    """A schedule bound to a global step: call it for the current rate."""

    def __init__(self, name, fn):
        self.name, self._fn = name, fn

    def __call__(self):
        return torch.tensor(self._fn(), dtype=torch.float32)

    eval = __call__

    def __float__(self):
        return float(self._fn())

    def __repr__(self):
        return "<learning rate %s = %g>" % (self.name, float(self))


def _need_step(global_step, what):
    if global_step is None:
        raise LearningRateArgumentError("global_step is required for %s." % what)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """``lr * decay_rate ** (step / decay_steps)`` (``floor`` of the exponent with
    ``staircase``)."""
    _need_step(global_step, "exponential_decay")

    def fn():
        p = _num(global_step) / _num(decay_steps)
        if staircase:
            p = math.floor(p)
        return _num(learning_rate) * _num(decay_rate) ** p
    return DecayedLearningRate(name or "ExponentialDecay", fn)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """``lr * exp(-decay_rate * step / decay_steps)``."""
    _need_step(global_step, "natural_exp_decay")

    def fn():
        p = _num(global_step) / _num(decay_steps)
        if staircase:
            p = math.floor(p)
        return _num(learning_rate) * math.exp(-_num(decay_rate) * p)
    return DecayedLearningRate(name or "NaturalExpDecay", fn)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """``lr / (1 + decay_rate * step / decay_steps)``."""
    _need_step(global_step, "inverse_time_decay")

    def fn():
        p = _num(global_step) / _num(decay_steps)
        if staircase:
            p = math.floor(p)
        return _num(learning_rate) / (1 + _num(decay_rate) * p)
    return DecayedLearningRate(name or "InverseTimeDecay", fn)


def piecewise_constant(x, boundaries, values, name=None):
    """``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < x <= boundaries[i]``, ``values[-1]`` after the last boundary."""
    if len(boundaries) != len(values) - 1:
        raise LearningRateArgumentError(
            "The length of boundaries should be 1 less than the length of values")

    def fn():
        step = _num(x)
        for b, v in zip(boundaries, values):
            if step <= _num(b):
                return _num(v)
        return _num(values[-1])
    return DecayedLearningRate(name or "PiecewiseConstant", fn)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """``(lr - end) * (1 - step / decay_steps) ** power + end``; the step is capped at
    ``decay_steps``, or with ``cycle`` ``decay_steps`` grows to the next multiple."""
    _need_step(global_step, "polynomial_decay")

    def fn():
        step, steps = float(_num(global_step)), float(_num(decay_steps))
        if cycle:
            mult = 1.0 if step == 0 else math.ceil(step / steps)
            steps = steps * mult
        else:
            step = min(step, steps)
        lr, end = _num(learning_rate), _num(end_learning_rate)
        return (lr - end) * (1 - step / steps) ** _num(power) + end
    return DecayedLearningRate(name or "PolynomialDecay", fn)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """``lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))
    + alpha)``."""
    _need_step(global_step, "cosine_decay")

    def fn():
        steps = float(_num(decay_steps))
        step = min(float(_num(global_step)), steps)
        cosine = 0.5 * (1 + math.cos(math.pi * step / steps))
        return _num(learning_rate) * ((1 - _num(alpha)) * cosine + _num(alpha))
    return DecayedLearningRate(name or "CosineDecay", fn)
