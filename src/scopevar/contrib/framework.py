"""``tf.contrib.framework``: arg scopes and the variables API (TF-Slim's)."""
from ..slim.arg_scope import *  # noqa: F401,F403
from ..slim.variables import *  # noqa: F401,F403
