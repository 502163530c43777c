"""``tf.train``: the global step, checkpoints, optimizers."""
from .training_util import *  # noqa: F401,F403
