"""TF-Slim on scopevar: ``from scopevar import slim``."""
from . import utils  # noqa: F401
from .. import regularizers  # noqa: F401 - slim.regularizers, as TF-Slim's star imports give
from .arg_scope import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .variables import *  # noqa: F401,F403
from ..regularizers import (apply_regularization, l1_l2_regularizer, l1_regularizer,  # noqa: F401
                            l2_regularizer, sum_regularizer)
from .initializers import variance_scaling_initializer, xavier_initializer  # noqa: F401
