"""``tf.train``: the global step, checkpoints, optimizers."""
from .checkpoint_utils import (NewCheckpointReader, checkpoint_exists,  # noqa: F401
                               get_checkpoint_mtimes, get_checkpoint_state, init_from_checkpoint,
                               latest_checkpoint, list_variables, load_checkpoint, load_variable)
from .saver import Saver  # noqa: F401
from .training_util import *  # noqa: F401,F403
