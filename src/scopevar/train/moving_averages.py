"""``tf.train.ExponentialMovingAverage``, eagerly.

``apply(var_list)`` creates the shadow variables on its first call for a variable
(``var/ExponentialMovingAverage``, non-trainable, in ``GLOBAL_VARIABLES``, initialised to
the variable's value; the variable itself joins ``MOVING_AVERAGE_VARIABLES``, as in TF) and
updates every shadow *now*: ``shadow -= (shadow - var) * (1 - decay)`` with
``decay = min(decay, (1 + n) / (10 + n))`` when ``num_updates`` is given.  It returns an op
that, when run, updates them again — so both ``ema.apply(vars)`` per step and
``op = ema.apply(vars); sess.run(op)`` per step work.  (The first ``apply`` also updates,
like running TF's op once; with the shadow equal to the variable that changes nothing.)

>>> w = tf.Variable([1.0, 2.0], name="w")
>>> ema = tf.train.ExponentialMovingAverage(0.99)
>>> update = ema.apply([w])
>>> ema.average(w).op.name
'w/ExponentialMovingAverage'
"""
import torch

from ..errors import MovingAverageArgumentError, MovingAverageTypeError
from ..graph import GraphKeys, get_default_graph
from ..variables import Variable, _Op
from .optimizers import _create_slot_variable, _value

__all__ = ["ExponentialMovingAverage", "assign_moving_average"]

_FLOATS = (torch.bfloat16, torch.float16, torch.float32, torch.float64)


def assign_moving_average(variable, value, decay, zero_debias=True, name=None):
    """``variable -= (variable - value) * (1 - decay)`` in place; returns ``variable``.
    (``zero_debias`` is accepted for TF's signature; scopevar applies no debiasing here.
    ``ExponentialMovingAverage`` averages variables only, which TF never zero-debiases.)"""
    with torch.no_grad():
        variable.sub_((variable - value.to(variable.dtype)) * (1 - _value(decay)))
    return variable


class ExponentialMovingAverage:
    """``ExponentialMovingAverage(decay, num_updates=None, zero_debias=False,
    name='ExponentialMovingAverage')``."""

    def __init__(self, decay, num_updates=None, zero_debias=False,
                 name="ExponentialMovingAverage"):
        if not callable(decay) and not isinstance(decay, torch.Tensor):
            if not 0.0 <= float(decay) <= 1.0:
                raise MovingAverageArgumentError(
                    "decay must be in [0, 1], got %r: the shadow is updated by "
                    "shadow -= (shadow - value) * (1 - decay); use e.g. 0.999." % (decay,))
        self._decay, self._num_updates = decay, num_updates
        self._zero_debias, self._name = zero_debias, name
        self._averages = {}

    name = property(lambda self: self._name)

    def _current_decay(self):
        decay = _value(self._decay)
        if self._num_updates is not None:
            n = _value(self._num_updates)
            decay = min(decay, (1.0 + n) / (10.0 + n))
        return decay

    def apply(self, var_list=None):
        """Create missing shadows, update all of ``var_list`` now; returns the update op."""
        if var_list is None:
            var_list = get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES)
        var_list = list(var_list)
        for var in var_list:
            if not isinstance(var, Variable):
                raise MovingAverageTypeError(
                    "tf.train.ExponentialMovingAverage does not support non-Variable tensors "
                    "when eager execution is enabled. Average a tf.Variable, or keep a "
                    "non-trainable variable and assign the tensor to it each step.")
            if var.dtype not in _FLOATS:
                raise MovingAverageTypeError("The variables must be half, float, or double: %s"
                                             % var.name)
        for var in var_list:
            if var not in self._averages:
                self._averages[var] = _create_slot_variable(var, var.detach(), self._name)
                if isinstance(var, Variable):
                    var.graph.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)

        def update():
            decay = self._current_decay()
            with torch.no_grad():
                shadows = [self._averages[v] for v in var_list]
                if shadows:
                    torch._foreach_lerp_(shadows, [v.detach() for v in var_list], 1 - decay)
        update()
        return _Op(self._name, update)

    def average(self, var):
        """The shadow variable of ``var``, or None."""
        return self._averages.get(var)

    def average_name(self, var):
        """The name of ``var``'s shadow (or the name it would get), for ``Saver`` dicts."""
        if var in self._averages:
            return self._averages[var].op.name
        return get_default_graph().unique_name(var.op.name + "/" + self._name,
                                               mark_as_used=False)

    def variables_to_restore(self, moving_avg_variables=None):
        """``{restore name: variable}``: the shadow's name for averaged variables, the
        variable's own name for the other global variables."""
        graph = get_default_graph()
        if moving_avg_variables is None:
            moving_avg_variables = (graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
                                    + graph.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES))
        name_map = {}
        for v in moving_avg_variables:
            name_map[self.average_name(v)] = v
        avg_names = {v.name for v in moving_avg_variables}
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
            if v.name not in avg_names and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map
