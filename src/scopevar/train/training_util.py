"""The global step: ``get_or_create_global_step`` and friends (``tf.train``)."""
import torch

from .. import dtypes
from ..errors import GlobalStepError, GlobalStepTypeError
from ..graph import GraphKeys, get_default_graph
from ..initializers import Zeros
from ..variables import VariableAggregation

__all__ = ["global_step", "get_global_step", "create_global_step", "get_or_create_global_step",
           "assert_global_step"]


def global_step(sess, global_step_tensor):
    """The global step's value as a Python int."""
    return int(global_step_tensor.detach().item())


def get_global_step(graph=None):
    """The global step of ``graph``: the one variable in ``GLOBAL_STEP``, else the variable
    named ``global_step:0``; None when there is none."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) > 1:
        return None
    if not found:
        found = [v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
                 if v.name == "global_step:0"]
        if not found:
            return None
    assert_global_step(found[0])
    return found[0]


def create_global_step(graph=None):
    """Create the int64 scalar ``global_step`` (in the current variable scope, as TF does)."""
    from ..variable_scope import get_variable
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise GlobalStepError('"global_step" already exists. Use '
                              'tf.train.get_or_create_global_step() to get it.')
    with graph.as_default(), graph.name_scope(None):
        return get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64,
                            initializer=Zeros(), trainable=False,
                            aggregation=VariableAggregation.ONLY_FIRST_REPLICA,
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def assert_global_step(global_step_tensor):
    if not isinstance(global_step_tensor, torch.Tensor):
        raise GlobalStepTypeError('Existing "global_step" must be a Variable or Tensor: %s.'
                                  % (global_step_tensor,))
    if not dtypes.is_integer(global_step_tensor.dtype):
        raise GlobalStepTypeError('Existing "global_step" does not have integer type: %s'
                                  % (global_step_tensor.dtype,))
    if global_step_tensor.dim() != 0:
        raise GlobalStepTypeError('Existing "global_step" is not scalar: %s'
                                  % (global_step_tensor.get_shape(),))
