"""scopevar: TensorFlow 1's variable system on PyTorch tensors, without TensorFlow."""
from . import dtypes, errors
from .dtypes import *  # noqa: F401,F403 - float32, int64, ... as TF names them
from .tensor_shape import Dimension, TensorShape
