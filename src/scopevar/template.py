"""``tf.make_template``: a function whose variables are created on the first call and
shared by every later call — and a ``torch.nn.Module`` whose parameters are those variables.

>>> def dense(x):
...     w = tf.get_variable("w", [x.shape[-1], 4])
...     return x @ w
>>> layer = tf.make_template("dense", dense)
>>> x = torch.ones(2, 3)
>>> y1 = layer(x); y2 = layer(x)                 # one variable, dense/w
>>> list(layer.state_dict())
['dense/w']

The first call opens ``variable_scope(unique_name_ or a unique scope named name_)`` and
remembers the scope object; later calls re-enter that object with ``reuse=True`` (the name
scope is uniquified each time, ``dense_1/``, as TF does).  A later call that creates a
trainable variable is an error, as in TF.  The names recorded under such a call's own name
scope are forgotten when it returns and put back if a name under it is ever asked again
(``Graph._forget_names``): a training loop's calls cost no memory per step.

As a module: ``parameters()`` / ``state_dict()`` hold the template's global variables keyed
by their TF names (``dense/w``), ``load_state_dict`` takes the same keys, ``.to(device)``
moves the variables in place (the same ``Variable`` objects), and
``torch.func.functional_call(template, {name: tensor}, args)`` runs the function with the
given tensors in place of the variables (``variables_dict()`` is the flat
``{name: variable}`` view).  Parameters are registered after the first call.
"""
import functools
import operator

import torch

from .errors import TemplateArgumentError
from .graph import GraphKeys, get_default_graph
from .variable_scope import _get_unique_variable_scope, _pure_variable_scope, variable_scope

__all__ = ["make_template", "Template"]


def make_template(name_, func_, create_scope_now_=False, unique_name_=None, custom_getter_=None,
                  **kwargs):
    """Wrap ``func_`` so that its ``get_variable`` variables are shared across calls."""
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(name_, func_, create_scope_now=create_scope_now_, unique_name=unique_name_,
                    custom_getter=custom_getter_)


class Template(torch.nn.Module):
    """The result of ``make_template``: call it like the function."""

    def __init__(self, name, func, create_scope_now=False, unique_name=None,
                 custom_getter=None):
        super().__init__()
        if not callable(func):
            raise TemplateArgumentError("func_ must be callable, got %r: pass the function "
                                        "that builds the model." % (func,))
        if name is None:
            raise TemplateArgumentError("name cannot be None.")
        self._func = func
        self._name = name
        self._unique_name = unique_name
        self._custom_getter = custom_getter
        self._graph = get_default_graph()
        self._variable_scope = None
        self._variables_created = False
        if create_scope_now:
            with _pure_variable_scope(unique_name or _get_unique_variable_scope(name),
                                      custom_getter=custom_getter) as vs:
                self._variable_scope = vs

    # -- TF's Template ------------------------------------------------------------------------

    def _swap_getter(self, getter, *args, **kwargs):
        var = getter(*args, **kwargs)
        sub = self._parameters.get(getattr(getattr(var, "op", None), "name", None))
        return var if sub is None else sub

    def _call_func(self, args, kwargs):
        graph = get_default_graph()
        trainable_at_start = len(graph.get_collection_ref(GraphKeys.TRAINABLE_VARIABLES))
        result = self._func(*args, **kwargs)
        if self._variables_created:
            trainable = graph.get_collection_ref(GraphKeys.TRAINABLE_VARIABLES)
            if trainable_at_start != len(trainable):
                raise TemplateArgumentError(
                    "Trainable variable created when calling a template after the first time, "
                    "perhaps you used tf.Variable when you meant tf.get_variable: %s"
                    % (trainable[trainable_at_start:],))
        else:
            self._variables_created = True
            self._sync_parameters()
        return result

    def forward(self, *args, **kwargs):
        vs = self._variable_scope
        if vs is None:
            with variable_scope(self._unique_name, self._name,
                                custom_getter=self._custom_getter) as vs:
                self._variable_scope = vs
                return self._call_func(args, kwargs)
        graph = get_default_graph()
        mark, scope = graph._names_mark(), None
        getter = self._swap_getter if self._swapped() else None
        try:
            with variable_scope(vs, reuse=self._variables_created or None, custom_getter=getter):
                if vs.name.rpartition("/")[2]:      # then the name scope is a fresh one
                    scope = graph.get_name_scope()
                return self._call_func(args, kwargs)
        finally:
            if scope is not None:
                graph._forget_names(scope, mark)

    def _sync_parameters(self):
        self._own = {}
        for v in self.global_variables:
            self._parameters.setdefault(v.op.name, v)
            self._own[v.op.name] = v

    def _swapped(self):
        """Whether ``functional_call`` (or anyone) put other tensors in ``_parameters``: only
        then is a getter installed that hands them to ``get_variable`` callers."""
        own = getattr(self, "_own", None)
        if not own:
            return False
        return not all(map(operator.is_, map(self._parameters.get, own), own.values()))

    name = property(lambda self: self._name)
    func = property(lambda self: self._func)
    variable_scope = property(lambda self: self._variable_scope)
    variable_scope_name = property(
        lambda self: self._variable_scope.name if self._variable_scope is not None else None)

    def _collection(self, key):
        if not self._variables_created:
            return []
        return self._graph.get_collection(key, self.variable_scope_name + "/")

    @property
    def variables(self):
        return self.global_variables + self.local_variables

    global_variables = property(lambda self: self._collection(GraphKeys.GLOBAL_VARIABLES))
    trainable_variables = property(lambda self: self._collection(GraphKeys.TRAINABLE_VARIABLES))
    non_trainable_variables = property(
        lambda self: [v for v in self.global_variables if v not in set(self.trainable_variables)])
    local_variables = property(lambda self: self._collection(GraphKeys.LOCAL_VARIABLES))

    # -- torch views ---------------------------------------------------------------------------

    def variables_dict(self):
        """The flat ``{TF name: variable}`` view (for ``torch.func.functional_call``)."""
        return {v.op.name: v for v in self.global_variables}

    def extra_repr(self):
        return "name=%r, scope=%r" % (self._name, self.variable_scope_name)
