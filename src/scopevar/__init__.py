"""scopevar: TensorFlow 1's variable system on PyTorch tensors, without TensorFlow.

``import scopevar as tf`` runs TF1-style variable code: ``get_variable``,
``variable_scope`` / ``name_scope`` with reuse, initializers, regularizers, partitioners,
collections; ``from scopevar import slim`` is TF-Slim.  Variables are ``torch.nn.Parameter``s.
"""
from . import contrib, dtypes, errors, losses, slim, train  # noqa: F401
from . import tf_logging as logging  # noqa: F401 - tf.logging
from .behavior import *  # noqa: F401,F403 - disable_v2_behavior, ...
from .constant_op import (constant, convert_to_tensor, fill, ones, ones_like, zeros,  # noqa: F401
                          zeros_like)
from .device import DeviceSpec, device  # noqa: F401
from . import distributed  # noqa: F401
from .embedding_ops import SparseTensor, embedding_lookup, embedding_lookup_sparse  # noqa: F401
from .dtypes import *  # noqa: F401,F403 - float32, int64, ... as TF names them
from .dtypes import as_dtype  # noqa: F401
from .graph import (Graph, GraphKeys, add_to_collection, add_to_collections,  # noqa: F401
                    all_variables, get_collection, get_collection_ref, get_default_graph,
                    get_name_scope, global_variables, local_variables, model_variables,
                    moving_average_variables, name_scope, reset_default_graph,
                    trainable_variables)
from . import initializers, random  # noqa: F401 - tf.initializers.*, tf.random.*
from .initializers import (Constant, GlorotNormal, GlorotUniform, Identity,  # noqa: F401
                           Initializer, Ones, Orthogonal, RandomNormal, RandomUniform,
                           TruncatedNormal, UniformUnitScaling, VarianceScaling, Zeros,
                           constant_initializer, glorot_normal_initializer,
                           glorot_uniform_initializer, ones_initializer, orthogonal_initializer,
                           random_normal_initializer, random_uniform_initializer,
                           truncated_normal_initializer, uniform_unit_scaling_initializer,
                           variance_scaling_initializer, zeros_initializer)
from .partitioners import (create_partitioned_variables, fixed_size_partitioner,  # noqa: F401
                           min_max_variable_partitioner, variable_axis_size_partitioner)
from .random import (DEFAULT_GRAPH_SEED, get_seed, multinomial, random_crop,  # noqa: F401
                     random_gamma, random_normal, random_poisson, random_shuffle, random_uniform,
                     set_random_seed, truncated_normal)
from .regularizers import no_regularizer  # noqa: F401
from . import array_ops, compat, layers, math_ops, nn  # noqa: F401 - tf.layers.*, tf.nn.*
from .array_ops import *  # noqa: F401,F403 - concat, reshape, ... as TF names them
from .math_ops import *  # noqa: F401,F403 - add, matmul, reduce_sum, ...
from .session import InteractiveSession, Session, placeholder  # noqa: F401
from .tensor_shape import Dimension, TensorShape  # noqa: F401
from .variable_scope import (AUTO_REUSE, VariableScope, get_local_variable,  # noqa: F401
                             get_variable, get_variable_scope, variable_creator_scope,
                             variable_op_scope, variable_scope)
from .variables import (PartitionedVariable, RefVariable, Variable,  # noqa: F401
                        VariableAggregation, VariableSynchronization, VariableV1,
                        assert_variables_initialized, global_variables_initializer,
                        initialize_all_variables, local_variables_initializer,
                        report_uninitialized_variables, variables_initializer)

from . import summary  # noqa: F401 - tf.summary.*
from .template import make_template  # noqa: F401
from .train.optimizers import clip_by_global_norm, global_norm  # noqa: F401

Tensor = __import__("torch").Tensor

__version__ = "0.1.0"
