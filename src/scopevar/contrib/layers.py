"""``tf.contrib.layers``: initializers, regularizers and variables (TF-Slim's)."""
from ..regularizers import (apply_regularization, l1_l2_regularizer, l1_regularizer,  # noqa: F401
                            l2_regularizer, sum_regularizer)
from ..slim.initializers import (variance_scaling_initializer, xavier_initializer,  # noqa: F401
                                 xavier_initializer_conv2d)
from ..slim.variables import model_variable, variable  # noqa: F401
