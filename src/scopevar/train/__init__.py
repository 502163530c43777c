"""``tf.train``: the global step, checkpoints, optimizers."""
from .checkpoint_utils import (NewCheckpointReader, checkpoint_exists,  # noqa: F401
                               get_checkpoint_mtimes, get_checkpoint_state, init_from_checkpoint,
                               latest_checkpoint, list_variables, load_checkpoint, load_variable)
from .saver import Saver  # noqa: F401
from .training_util import *  # noqa: F401,F403
from .export import (assign_from_state_dict, checkpoint_to_safetensors,  # noqa: F401
                     checkpoint_to_state_dict, safetensors_to_checkpoint,
                     state_dict_to_checkpoint, variables_to_state_dict)
from .learning_rate_decay import (cosine_decay, exponential_decay,  # noqa: F401
                                  inverse_time_decay, natural_exp_decay, piecewise_constant,
                                  polynomial_decay)
from .moving_averages import ExponentialMovingAverage, assign_moving_average  # noqa: F401
from .optimizers import (AdagradOptimizer, AdamOptimizer,  # noqa: F401
                         GradientDescentOptimizer, MomentumOptimizer, Optimizer,
                         RMSPropOptimizer, clip_by_global_norm, global_norm)
