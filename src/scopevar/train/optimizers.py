"""TF1's optimizers (``tf.train.*Optimizer``) with TF's update rules and slot names, eagerly.

Eager semantics (as TF's own eager mode): ``minimize(loss)`` computes the gradients and
applies the update *now*; ``loss`` is a zero-argument callable (recomputed each call, the
usual way) or a scalar tensor already computed from the variables.  The returned train op
applies one more step each time it runs (``sess.run(train_op)``), recomputing a callable
loss: so either call ``minimize`` once per step, or run its op once per step -- TF1's
``train_op = opt.minimize(loss_fn)`` then ``n`` runs makes ``n + 1`` steps here, as
``minimize`` itself made the first (TF graph mode applies nothing until the op runs).

>>> w = tf.get_variable("w", initializer=[1.0, 2.0])
>>> opt = tf.train.AdamOptimizer(0.1)
>>> train_op = opt.minimize(lambda: (w * w).sum())       # step 1
>>> with tf.Session() as sess:
...     for _ in range(2):
...         sess.run(train_op)                           # steps 2 and 3
>>> opt.get_slot(w, "m").op.name, opt.get_slot(w, "v").op.name
('w/Adam', 'w/Adam_1')

Slot variables (``var/Adam``, ``var/Momentum``, ...) are non-trainable ``get_variable``
variables in ``GLOBAL_VARIABLES``, named in the caller's variable scope as TF names them
(``outer/w/Adam``) but created without its reuse flag, so the classic "Variable w/Adam does
not exist" under ``reuse=True`` cannot happen.  Updates run under
``torch.no_grad()`` in place, one ``torch._foreach_*`` call per pass over a run of variables
(on the CPU, runs that fit a core's cache).
"""
import math

import torch

from ..errors import (GradientShapeError, GradientTypeError, NoGradientsError, OpTypeError,
                      OptimizerArgumentError, SessionError)
from ..graph import GraphKeys, get_default_graph
from ..regularizers import spend_activity_losses
from ..variables import PartitionedVariable, Variable, _Op

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "clip_by_global_norm", "global_norm"]


def _value(x):
    """A hyperparameter's Python value (callables, as TF allows, are called)."""
    if callable(x) and not isinstance(x, torch.Tensor):
        x = x()
    if isinstance(x, torch.Tensor):
        return x.detach().item()
    return float(x)


def _flatten_vars(var_list):
    out = []
    for v in var_list:
        if isinstance(v, PartitionedVariable):
            out.extend(v._get_variable_list())
        elif isinstance(v, (list, tuple)):
            out.extend(_flatten_vars(v))
        else:
            out.append(v)
    return out


def _shape_message(vshape, gshape):
    if len(vshape) != len(gshape):
        return "Shapes must be equal rank, but are %d and %d" % (len(vshape), len(gshape))
    for i, (a, b) in enumerate(zip(vshape, gshape)):
        if a != b:
            return ("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are "
                    "%s and %s." % (i, a, b, list(vshape), list(gshape)))
    return ""


def _create_slot_variable(primary, value, op_name):
    """``primary``'s slot ``primary/op_name`` (``_1``, ``_2`` when taken), initialised to
    ``value``, at the root variable scope and root name scope."""
    from ..variable_scope import VariableScope, _scope_store, _store, get_variable
    graph = getattr(primary, "graph", None) or get_default_graph()
    store, scopes = _store(graph), _scope_store(graph)
    old_scope = scopes.current_scope
    prefix = old_scope.name + "/" if old_scope.name else ""
    base = primary.op.name + "/" + op_name
    name, i = base, 1
    while prefix + name in store._vars or scopes.variable_scope_count(prefix + name):
        name, i = "%s_%d" % (base, i), i + 1
    thread = graph._thread
    old_ns = thread.name_stack
    # TF names the slot in the caller's variable scope; reuse is dropped so that the
    # classic "Variable w/Adam does not exist" under reuse=True cannot happen
    scopes.current_scope = VariableScope(None, name=old_scope.name, name_scope=prefix)
    thread.name_stack = ""
    try:
        with graph.as_default():
            scopes.open_variable_scope(prefix + name)
            slot = get_variable(name, dtype=primary.dtype, initializer=value.detach().clone(),
                                trainable=False)
    finally:
        scopes.current_scope, thread.name_stack = old_scope, old_ns
    if slot.device != primary.device:
        slot.data = slot.data.to(primary.device)
    return slot


class Optimizer:
    """The base class: ``compute_gradients`` + ``apply_gradients`` = ``minimize``.

    Subclasses define ``_create_slots(var_list)``, ``_prepare()`` and
    ``_apply_dense(grads, vars)`` on lists (one dtype and device per call) and optionally
    ``_finish()``.
    """
    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking, name):
        if not name:
            raise OptimizerArgumentError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}               # slot name -> {var: slot variable}
        self._non_slot_dict = {}       # (name, graph) -> variable
        self._slotted = []             # the variables whose slots exist (last step's)
        self._last_grads = ()          # the last CPU backward's gradients, see _backward

    def get_name(self):
        return self._name

    # -- gradients --------------------------------------------------------------------------

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """``[(gradient or None, variable)]`` of ``loss`` (a callable or a computed tensor)
        for ``var_list`` (default: ``TRAINABLE_VARIABLES``)."""
        if callable(loss) and not isinstance(loss, torch.Tensor):
            loss = loss()
        if gate_gradients not in (self.GATE_NONE, self.GATE_OP, self.GATE_GRAPH):
            raise OptimizerArgumentError(
                "gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, "
                "Optimizer.GATE_GRAPH.  Not %s" % gate_gradients)
        if var_list is None:
            var_list = get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES)
        else:
            var_list = _flatten_vars(var_list if isinstance(var_list, (list, tuple))
                                     else [var_list])
        if not var_list:
            raise OptimizerArgumentError("No variables to optimize.")
        grads = [None] * len(var_list)
        if isinstance(loss, torch.Tensor) and loss.requires_grad:
            idx = [i for i, v in enumerate(var_list) if v.requires_grad]
            if idx:
                if grad_loss is None and loss.dim():    # a scalar needs none (and passing
                    grad_loss = torch.ones_like(loss)   # one makes torch import sympy: ~2 s)
                got = self._backward(loss, [var_list[i] for i in idx], grad_loss)
                for i, g in zip(idx, got):
                    grads[i] = g
        return list(zip(grads, var_list))

    def _backward(self, loss, variables, grad_loss):
        """``torch.autograd.grad``.  On the CPU the gradients are kept until the next backward
        starts (as torch's ``.grad`` lives between steps): freed at the end of the step,
        they would leave the top of the heap free, glibc's malloc would hand it back to the
        OS and the next forward pass page-fault it in again (resnet_v1_50: ~100k faults, 4%
        of a step); freed after that forward pass, their memory serves the backward's."""
        self._last_grads = ()
        got = torch.autograd.grad(loss, variables, grad_outputs=grad_loss, allow_unused=True)
        if loss.device.type == "cpu":
            self._last_grads = got
        return got

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Compute the gradients of ``loss`` and apply them now; increments ``global_step``.

        Returns the train op: each run (``sess.run(train_op)`` or ``train_op()``) calls a
        callable ``loss`` again and applies one more step; the op of a computed tensor loss
        cannot run (its value is spent) and raises ``SessionError``."""
        def step():
            grads_and_vars = self.compute_gradients(loss, var_list=var_list,
                                                    gate_gradients=gate_gradients,
                                                    grad_loss=grad_loss)
            if not any(g is not None for g, _ in grads_and_vars):
                raise NoGradientsError(
                    "No gradients provided for any variable, check your graph for ops that do "
                    "not support gradients, between variables %s and loss %s. The loss must be "
                    "a tensor computed from the variables with torch ops (or a callable "
                    "returning one); a detached tensor, a Python number or a numpy value has "
                    "no gradient." % ([str(v) for _, v in grads_and_vars], _short(loss)))
            self.apply_gradients(grads_and_vars, global_step=global_step)

        step()
        if callable(loss) and not isinstance(loss, torch.Tensor):
            return _Op(name or self._name, step)
        return _Op(name or self._name, _spent_loss)

    # -- applying ---------------------------------------------------------------------------

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Apply ``[(gradient, variable)]`` now (None gradients are skipped); then increment
        ``global_step``.  Everything is checked before any slot is created."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise OptimizerArgumentError("No variables provided.")
        pairs = []
        for g, v in grads_and_vars:
            if g is not None and not isinstance(g, torch.Tensor):
                try:
                    g = torch.as_tensor(g, dtype=v.dtype, device=v.device)
                except (TypeError, ValueError, RuntimeError):
                    raise GradientTypeError(
                        "Gradient must be convertible to a Tensor or IndexedSlices, or None: %s"
                        % (g,)) from None
            pairs.append((g, v))
        if not any(g is not None for g, _ in pairs):
            raise NoGradientsError("No gradients provided for any variable: %s."
                                   % ([str(v) for _, v in pairs],))
        for g, v in pairs:
            if g is not None and tuple(g.shape) != tuple(v.shape):
                raise GradientShapeError(
                    "%s Gradient for %s has shape %s but the variable has shape %s: pass a "
                    "gradient of the variable's shape."
                    % (_shape_message(tuple(v.shape), tuple(g.shape)), v.op.name,
                       list(g.shape), list(v.shape)))
        var_list = [v for g, v in pairs if g is not None]
        if len(var_list) != len(self._slotted) or any(
                a is not b for a, b in zip(var_list, self._slotted)):   # else: slots exist
            self._create_slots(var_list)
            self._slotted = var_list
        self._prepare()
        groups = {}
        for g, v in pairs:
            if g is not None:
                key = (v.dtype, v.device)
                group = groups.get(key)
                if group is None:
                    group = groups[key] = ([], [])
                if g.dtype != v.dtype or g.device != v.device:
                    g = g.to(dtype=v.dtype, device=v.device)
                group[0].append(g)
                group[1].append(v)
        with torch.no_grad():
            for gs, vs in groups.values():
                for i, j in _chunks(vs):
                    self._apply_dense(gs[i:j], vs[i:j])
            self._finish()
            for v in var_list:
                if v.constraint is not None:
                    v.copy_(v.constraint(v))
            if global_step is not None:
                global_step.add_(1)
        spend_activity_losses(get_default_graph())
        return _Op(name or self._name, lambda: None)

    # -- slots ------------------------------------------------------------------------------

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """The optimizer's variables (non-slot and slot) of the default graph, by name."""
        graph = get_default_graph()
        found = [v for (_, g), v in self._non_slot_dict.items() if g is graph]
        found += [s for d in self._slots.values() for s in d.values() if s.graph is graph]
        return sorted(found, key=lambda v: v.name)

    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _make_slot(self, var, value, slot_name, op_name):
        """``var``'s slot, created from ``value()`` the first time."""
        slots = self._slot_dict(slot_name)
        if var not in slots:
            slots[var] = _create_slot_variable(var, value(), op_name)
        return slots[var]

    def _zeros_slot(self, var, slot_name, op_name):
        return self._make_slot(var, lambda: torch.zeros_like(var), slot_name, op_name)

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        graph = colocate_with.graph
        key = (name, graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            with graph.as_default():
                v = Variable(torch.tensor(initial_value, dtype=colocate_with.dtype,
                                          device=colocate_with.device),
                             name=name, trainable=False)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph or get_default_graph()))

    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _finish(self):
        pass


def _chunks(vs, cache_elements=1 << 18):
    """``(start, end)`` runs of ``vs`` to update together: on the CPU, runs of about
    ``cache_elements`` elements (a core's cache), so that each tensor stays in the cache
    through all the passes of an update rule instead of every pass sweeping every variable
    (~20% faster); elsewhere one run (one ``_foreach`` kernel launch per pass)."""
    if vs[0].device.type != "cpu":
        return [(0, len(vs))]
    runs, start, size = [], 0, 0
    for i, v in enumerate(vs):
        if size and size + v.numel() > cache_elements:
            runs.append((start, i))
            start, size = i, 0
        size += v.numel()
    runs.append((start, len(vs)))
    return runs


def _spent_loss():
    raise SessionError(
        "This train op was made by minimize() from a loss tensor, which was computed once and "
        "cannot be recomputed eagerly. Pass minimize() a function computing the loss "
        "(opt.minimize(lambda: loss_fn(batch))) to run the op once per step, or call "
        "minimize() once per step.")


def _short(loss):
    if isinstance(loss, torch.Tensor):
        return "Tensor(shape=%s, dtype=%s, requires_grad=%s)" % (list(loss.shape), loss.dtype,
                                                                 loss.requires_grad)
    return repr(loss)


class GradientDescentOptimizer(Optimizer):
    """``var -= lr * grad``."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr = _value(self._learning_rate)

    def _apply_dense(self, grads, vs):
        torch._foreach_add_(vs, grads, alpha=-self._lr)


class MomentumOptimizer(Optimizer):
    """``accum = momentum * accum + grad; var -= lr * accum`` (Nesterov:
    ``var -= lr * grad + lr * momentum * accum``); slot ``var/Momentum``."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate, self._momentum = learning_rate, momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr, self._mom = _value(self._learning_rate), _value(self._momentum)

    def _apply_dense(self, grads, vs):
        accum = [self.get_slot(v, "momentum") for v in vs]
        torch._foreach_mul_(accum, self._mom)
        torch._foreach_add_(accum, grads)
        if self._use_nesterov:
            torch._foreach_add_(vs, grads, alpha=-self._lr)
            torch._foreach_add_(vs, accum, alpha=-self._lr * self._mom)
        else:
            torch._foreach_add_(vs, accum, alpha=-self._lr)


class AdamOptimizer(Optimizer):
    """TF's Adam: ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``,
    ``m += (g - m)(1 - beta1)``, ``v += (g² - v)(1 - beta2)``,
    ``var -= lr_t * m / (sqrt(v) + epsilon)``.  Slots ``var/Adam`` (m), ``var/Adam_1`` (v);
    non-slot ``beta1_power``, ``beta2_power``."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _get_beta_accumulators(self):
        graph = get_default_graph()
        found = [v for (n, g), v in self._non_slot_dict.items() if n == "beta1_power"]
        graph = found[0].graph if found else graph
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda x: x.name)
        self._create_non_slot_variable(_value(self._beta1), "beta1_power", first)
        self._create_non_slot_variable(_value(self._beta2), "beta2_power", first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._b1, self._b2 = _value(self._beta1), _value(self._beta2)
        self._eps = _value(self._epsilon)
        b1p, b2p = (float(p) for p in self._get_beta_accumulators())
        self._lr_t = _value(self._lr) * math.sqrt(1 - b2p) / (1 - b1p)

    def _apply_dense(self, grads, vs):
        lr_t = self._lr_t
        m = [self.get_slot(v, "m") for v in vs]
        s = [self.get_slot(v, "v") for v in vs]
        torch._foreach_lerp_(m, grads, 1 - self._b1)
        torch._foreach_lerp_(s, torch._foreach_mul(grads, grads), 1 - self._b2)
        denom = torch._foreach_sqrt(s)
        torch._foreach_add_(denom, self._eps)
        torch._foreach_addcdiv_(vs, m, denom, value=-lr_t)

    def _finish(self):
        b1p, b2p = self._get_beta_accumulators()
        b1p.mul_(self._b1)
        b2p.mul_(self._b2)


class RMSPropOptimizer(Optimizer):
    """``ms += (g² - ms)(1 - decay)``; ``mom = momentum * mom + lr * g / sqrt(ms + eps)``
    (centered: ``mg += (g - mg)(1 - decay)``, denominator ``sqrt(ms - mg² + eps)``);
    ``var -= mom``.  Slots in TF's order: ``var/RMSProp`` (ms, initialised to ones),
    then ``var/RMSProp_1`` (mg when centered, else momentum), ``var/RMSProp_2``."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay = learning_rate, decay
        self._momentum, self._epsilon, self._centered = momentum, epsilon, centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._make_slot(v, lambda: torch.ones_like(v), "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr, self._rho = _value(self._learning_rate), _value(self._decay)
        self._mom, self._eps = _value(self._momentum), _value(self._epsilon)

    def _apply_dense(self, grads, vs):
        ms = [self.get_slot(v, "rms") for v in vs]
        mom = [self.get_slot(v, "momentum") for v in vs]
        torch._foreach_lerp_(ms, torch._foreach_mul(grads, grads), 1 - self._rho)
        if self._centered:
            mg = [self.get_slot(v, "mg") for v in vs]
            torch._foreach_lerp_(mg, grads, 1 - self._rho)
            denom = torch._foreach_sub(ms, torch._foreach_mul(mg, mg))
        else:
            denom = [t.clone() for t in ms]
        torch._foreach_add_(denom, self._eps)
        torch._foreach_sqrt_(denom)
        torch._foreach_mul_(mom, self._mom)
        torch._foreach_addcdiv_(mom, grads, denom, value=self._lr)
        torch._foreach_sub_(vs, mom)


class AdagradOptimizer(Optimizer):
    """``accum += g²; var -= lr * g / sqrt(accum)``; slot ``var/Adagrad`` initialised to
    ``initial_accumulator_value``."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise OptimizerArgumentError("initial_accumulator_value must be positive: %s"
                                         % initial_accumulator_value)
        super().__init__(use_locking, name)
        self._learning_rate, self._initial = learning_rate, initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._make_slot(v, lambda: torch.full_like(v, self._initial), "accumulator",
                            self._name)

    def _prepare(self):
        self._lr = _value(self._learning_rate)

    def _apply_dense(self, grads, vs):
        acc = [self.get_slot(v, "accumulator") for v in vs]
        torch._foreach_addcmul_(acc, grads, grads)
        torch._foreach_addcdiv_(vs, grads, torch._foreach_sqrt(acc), value=-self._lr)


# -- clipping ----------------------------------------------------------------------------------

def global_norm(t_list, name=None):
    """``sqrt(sum(l2norm(t)**2))`` over the non-None tensors."""
    if not isinstance(t_list, (list, tuple)):
        raise OpTypeError("`t_list` should be a sequence of tensors. Received %s." % type(t_list))
    ts = [t for t in t_list if t is not None]
    if not ts:
        return torch.tensor(0.0)
    return torch.sqrt(sum((t.detach().double() ** 2).sum() for t in ts)).to(ts[0].dtype)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """TF's ``tf.clip_by_global_norm``: ``(t * clip_norm / max(global_norm, clip_norm),
    global_norm)``; None entries stay None; an infinite or NaN norm gives NaN tensors."""
    if not isinstance(t_list, (list, tuple)):
        raise OpTypeError("`t_list` should be a sequence of tensors. Received %s." % type(t_list))
    norm = global_norm(t_list) if use_norm is None else torch.as_tensor(use_norm)
    clip = float(clip_norm)
    scale = clip * torch.minimum(1.0 / norm, torch.tensor(1.0 / clip, dtype=norm.dtype))
    if not torch.isfinite(norm):
        scale = torch.tensor(float("nan"), dtype=norm.dtype)
    return [None if t is None else t * scale.to(t.dtype) for t in t_list], norm
