"""Every error scopevar raises: one class per failure.

Each class subclasses what TensorFlow raises for the same failure (``ValueError``,
``TypeError``, ``tf.errors.NotFoundError``, ...), so TF-style ``except`` clauses keep working.
Messages start with TF's own text and then say how to fix it.

TensorFlow's ``tf.errors`` classes are mirrored here (``OpError`` and its subclasses) so that
``except tf.errors.NotFoundError`` works with ``import scopevar as tf``.
"""


# --- tf.errors mirrors ------------------------------------------------------------------------

class OpError(Exception):
    """Base of TensorFlow's runtime errors (``tf.errors.OpError``)."""

    def __init__(self, node_def=None, op=None, message=None, *args):
        if message is None and op is None and isinstance(node_def, str):
            node_def, message = None, node_def      # OpError("text") as well as TF's signature
        super().__init__(message)
        self.node_def, self.op, self.message = node_def, op, message

    def __str__(self):
        return self.message or ""


class CancelledError(OpError): pass
class UnknownError(OpError): pass
class InvalidArgumentError(OpError): pass
class DeadlineExceededError(OpError): pass
class NotFoundError(OpError): pass
class AlreadyExistsError(OpError): pass
class PermissionDeniedError(OpError): pass
class ResourceExhaustedError(OpError): pass
class FailedPreconditionError(OpError): pass
class AbortedError(OpError): pass
class OutOfRangeError(OpError): pass
class UnimplementedError(OpError): pass
class InternalError(OpError): pass
class UnavailableError(OpError): pass
class DataLossError(OpError): pass
class UnauthenticatedError(OpError): pass


# --- names and scopes --------------------------------------------------------------------------

class ShapeError(ValueError):
    """A ``TensorShape`` operation that TF rejects: ``as_list()`` of an unknown shape,
    merging incompatible shapes."""


class InvalidNameError(ValueError):
    """A scope or variable name that does not match TF's name pattern.

    >>> tf.get_variable("_x", [1])
    Traceback (most recent call last):
        ...
    scopevar.errors.InvalidNameError: '_x' is not a valid root scope name. A root scope name ...
    """


class GraphNestingError(AssertionError):
    """``reset_default_graph()`` called inside ``with graph.as_default()``, or graphs exited out
    of order."""


class ScopeNestingError(RuntimeError):
    """Scopes exited in another order than they were entered."""


class VariableScopeArgumentError(ValueError):
    """``variable_scope`` called with arguments TF rejects (bad ``reuse``, no name ...)."""


class VariableScopeTypeError(TypeError):
    """``variable_scope`` called with an argument of the wrong type."""


# --- the variable store ------------------------------------------------------------------------

class VariableAlreadyExistsError(ValueError):
    """``get_variable`` would create a variable that exists and reuse is off.

    >>> with tf.variable_scope("s"):
    ...     v = tf.get_variable("v", [1])
    ...
    >>> with tf.variable_scope("s"):
    ...     v = tf.get_variable("v", [1])
    ...
    Traceback (most recent call last):
        ...
    scopevar.errors.VariableAlreadyExistsError: Variable s/v already exists, disallowed. Did ...
    """


class VariableNotFoundError(ValueError):
    """``get_variable`` under ``reuse=True`` names a variable that does not exist.

    >>> with tf.variable_scope("s", reuse=True):
    ...     v = tf.get_variable("nope", [1])
    ...
    Traceback (most recent call last):
        ...
    scopevar.errors.VariableNotFoundError: Variable s/nope does not exist, or was not created ...
    """


class ShapeMismatchError(ValueError):
    """A shared variable is asked for with another shape than it has."""


class DtypeMismatchError(ValueError):
    """A shared variable is asked for with another dtype than it has."""


class InitializerError(ValueError):
    """An initializer that cannot produce the requested variable."""


class InitializerTypeError(TypeError):
    """An initializer asked for a dtype it cannot produce (TF raises ``TypeError`` here)."""


class PartitionError(ValueError):
    """A partitioner or partitioned variable that TF rejects."""


class VariablePicklingError(TypeError):
    """Pickling a variable object (``torch.save(variable)``): its graph, scopes and
    collections do not travel; save the values (``tf.train.Saver``, ``variable.detach()``)."""


class CustomGetterError(ValueError):
    """A ``custom_getter`` that is not callable."""


class VariableArgumentError(ValueError):
    """``Variable(...)`` or ``get_variable(...)`` called with an argument TF rejects."""


class VariableTypeError(TypeError):
    """``Variable(...)`` or ``get_variable(...)`` called with an argument of the wrong type."""


class CollectionError(TypeError):
    """A collection argument of the wrong type."""


class DeviceError(ValueError):
    """A device string that cannot be parsed or placed."""


class DtypeError(TypeError):
    """A value that is not a dtype, or a dtype scopevar cannot hold in a torch tensor."""


class RegularizerError(ValueError):
    """A regularizer built with arguments TF rejects (a negative scale ...)."""


class ArgScopeError(ValueError):
    """``arg_scope`` over a function not decorated with ``@add_arg_scope``, or misused."""


class ArgScopeTypeError(TypeError):
    """``arg_scope`` given something that is neither a list of functions nor a saved scope."""


class GlobalStepError(ValueError):
    """The global step exists already, or is not a valid global step."""


class GlobalStepTypeError(TypeError):
    """A ``global_step`` collection entry that is not a scalar integer variable."""


class VariableLookupError(ValueError):
    """A slim variable lookup (``get_unique_variable``, ``assign_from_values``) that finds none
    or several."""


class SessionError(RuntimeError):
    """A TF1 ``Session`` feature that has no meaning in eager scopevar (``feed_dict``)."""


class PlaceholderError(RuntimeError):
    """``tf.placeholder``: eager scopevar computes values at once, so there is nothing to feed
    later (see ``scopevar.session.placeholder`` for what to write instead)."""


# --- checkpoints -------------------------------------------------------------------------------

class CheckpointError(DataLossError):
    """A checkpoint that cannot be read or written.  Names the file and what is wrong."""

    def __init__(self, message, path=None):
        super().__init__(None, None, message)
        self.path = path


class CheckpointNotFoundError(CheckpointError, NotFoundError):
    """No checkpoint (or a missing shard / key) at the given path."""


class CorruptCheckpointError(CheckpointError):
    """Bytes that are not a valid tensor bundle: bad magic, CRC mismatch, lying sizes ..."""


class UnsupportedDtypeError(CheckpointError, UnimplementedError):
    """A tensor dtype scopevar does not read or write (e.g. ``DT_VARIANT``)."""


class RestoreError(CheckpointError, InvalidArgumentError):
    """Restoring into variables failed: a missing key or a shape mismatch."""


class CheckpointArgumentError(CheckpointError, InvalidArgumentError, ValueError):
    """A checkpoint read or write asked for something TF rejects: a duplicate key, a slice
    outside its tensor, checkpoint-state timestamps that do not match the paths.

    >>> writer = tf.bundle.BundleWriter("ckpt/model")
    >>> writer.add("w", np.zeros(2)); writer.add("w", np.zeros(2))
    Traceback (most recent call last):
        ...
    scopevar.errors.CheckpointArgumentError: Adding duplicate key: w
    """


class InvalidCheckpointStateError(CorruptCheckpointError, ValueError):
    """A ``checkpoint`` state file that is not a valid ``CheckpointState`` text proto."""


# --- tensor ops and layers ---------------------------------------------------------------------

class OpArgumentError(ValueError):
    """A tensor op (``tf.nn``, array and math ops) given an argument TF rejects: an unknown
    ``data_format`` or ``padding``, strides or shapes that do not fit, an axis out of range.

    >>> tf.nn.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 2]), [1, 1, 1, 1], "same")
    Traceback (most recent call last):
        ...
    scopevar.errors.OpArgumentError: Attr 'padding' of 'Conv2D' Op passed string 'same' not in: ...
    """


class OpTypeError(TypeError):
    """A tensor op given a value of a dtype or type it does not take (mixed dtypes: cast one)."""


class LayerArgumentError(ValueError):
    """A layer (``tf.layers``, ``slim``) given arguments TF rejects: an input of the wrong rank,
    an unknown ``data_format``, a channel count that does not match the layer's kernel."""


class LayerTypeError(TypeError):
    """A layer or slim helper given an argument of the wrong type (``include`` not a list ...)."""


# --- constants and random ops ------------------------------------------------------------------

class ConstantValueError(ValueError):
    """A constant whose value does not fit its shape: more values than the shape holds, a
    negative dimension, a fill value that is not a scalar.

    >>> tf.constant([1, 2, 3], shape=[2])
    Traceback (most recent call last):
        ...
    scopevar.errors.ConstantValueError: Too many elements provided. Takes at most 2, but got 3.
    """


class ConstantTypeError(TypeError):
    """A value that cannot become a tensor of the requested dtype (mixed bools and numbers,
    a string where a number is expected ...)."""


class ConstantShapeError(TypeError):
    """``verify_shape=True`` and the value has another shape than asked for.

    >>> tf.constant([1, 2], shape=[2, 1], verify_shape=True)
    Traceback (most recent call last):
        ...
    scopevar.errors.ConstantShapeError: Expected Tensor's shape: (2, 1), but got (2,).
    """


class RandomArgumentError(ValueError):
    """A random op built with an argument TF rejects: a dtype it does not produce, no
    ``maxval`` for integers, logits that are not a matrix, a negative ``num_samples``.

    >>> tf.random_uniform([2], dtype=tf.int32)
    Traceback (most recent call last):
        ...
    scopevar.errors.RandomArgumentError: Must specify maxval for integer dtype tf.int32
    """


class RandomTypeError(TypeError):
    """A random op given a dtype or a shape of a type its kernel does not take.

    >>> tf.random_normal([2.5])
    Traceback (most recent call last):
        ...
    scopevar.errors.RandomTypeError: Value passed to parameter 'shape' has DataType float32 not ...
    """


class RandomRangeError(InvalidArgumentError):
    """A random op whose arguments TF rejects when it runs: ``minval >= maxval`` for integers,
    a negative dimension, a crop larger than the value.

    >>> tf.random_uniform([2], 3, 3, dtype=tf.int32)
    Traceback (most recent call last):
        ...
    scopevar.errors.RandomRangeError: Need minval < maxval, got 3 >= 3
    """


# --- Saver and checkpoint utilities -------------------------------------------------------------

class SaverArgumentError(ValueError):
    """A ``Saver`` built or called with arguments TF rejects: nothing to save, two variables
    with one name, a ``latest_filename`` with a directory in it.

    >>> tf.train.Saver([])
    Traceback (most recent call last):
        ...
    scopevar.errors.SaverArgumentError: No variables to save (create variables before the ...
    """


class SaverTypeError(TypeError):
    """A ``Saver`` given something that is not a variable, a list or a dict of them.

    >>> tf.train.Saver("w")
    Traceback (most recent call last):
        ...
    scopevar.errors.SaverTypeError: Variables to save should be passed in a dict or a list. Got ...
    """


class SaverBuildError(RuntimeError):
    """``Saver(defer_build=True)`` used before ``build()``."""


class NoCheckpointError(CheckpointNotFoundError, ValueError):
    """No checkpoint at the path given to ``Saver.restore`` or ``load_checkpoint``.

    >>> tf.train.Saver([tf.Variable(1.0, name="w")]).restore(None, "no/such/model.ckpt")
    Traceback (most recent call last):
        ...
    scopevar.errors.NoCheckpointError: The passed save_path is not a valid checkpoint: ...
    """


class MissingCheckpointKeyError(CheckpointNotFoundError, ValueError):
    """A variable to restore whose name the checkpoint lacks (``NotFoundError`` for the
    ``Saver``, ``ValueError`` for slim's ``assign_from_checkpoint``).

    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> path = tf.train.Saver([w]).save(None, "ckpt/model")
    >>> tf.train.Saver({"renamed": w}).restore(None, path)
    Traceback (most recent call last):
        ...
    scopevar.errors.MissingCheckpointKeyError: Restoring from checkpoint failed. This is most ...
    """


class CheckpointShapeError(RestoreError, ValueError):
    """A variable to restore whose shape or dtype differs from the checkpoint's tensor.

    >>> path = tf.train.Saver([tf.Variable([1.0, 2.0], name="w")]).save(None, "ckpt/model")
    >>> tf.train.Saver({"w": tf.Variable([1.0, 2.0, 3.0])}).restore(None, path)
    Traceback (most recent call last):
        ...
    scopevar.errors.CheckpointShapeError: Restoring from checkpoint failed. This is most likely ...
    """


# --- export (safetensors, state dicts) ---------------------------------------------------------

class ExportError(CheckpointError, ValueError):
    """A conversion that cannot be done: a string tensor to safetensors, a file that is not
    safetensors.

    >>> with open("junk.safetensors", "w") as f:
    ...     _ = f.write("not safetensors")
    ...
    >>> tf.train.safetensors_to_checkpoint("junk.safetensors", "ckpt/model")
    Traceback (most recent call last):
        ...
    scopevar.errors.ExportError: junk.safetensors: not a readable safetensors file (Error while ...
    """


# --- embeddings and distributed training -------------------------------------------------------

class EmbeddingArgumentError(ValueError):
    """Bad arguments to ``embedding_lookup``: no params, an unknown partition strategy, ...

    >>> tf.nn.embedding_lookup([], [1])
    Traceback (most recent call last):
        ...
    scopevar.errors.EmbeddingArgumentError: Length of params is currently 0. Need at least one ...
    """


class EmbeddingTypeError(TypeError):
    """``embedding_lookup_sparse`` given ids that are not a ``SparseTensor``, or non-integer ids."""


class EmbeddingIndexError(InvalidArgumentError):
    """An id outside the embedding table (or outside its partition).

    >>> tf.nn.embedding_lookup(tf.zeros([10, 4]), [10])
    Traceback (most recent call last):
        ...
    scopevar.errors.EmbeddingIndexError: indices[0] = 10 is not in [0, 10)
    """


class VariableMismatchError(ValueError):
    """Ranks of a distributed job whose variables differ (names, shapes or dtypes).

    >>> tf.distributed.check_same_variables()   # doctest: +SKIP
    Traceback (most recent call last):
        ...
    scopevar.errors.VariableMismatchError: Variables differ across ranks: rank 0 has ...
    """


class OptimizerArgumentError(ValueError):
    """An optimizer built or called with arguments TF rejects: no variables to optimize, no
    name, a non-positive Adagrad accumulator.

    >>> tf.train.GradientDescentOptimizer(0.1).minimize(lambda: tf.constant(1.0), var_list=[])
    Traceback (most recent call last):
        ...
    scopevar.errors.OptimizerArgumentError: No variables to optimize.
    """


class NoGradientsError(ValueError):
    """``minimize`` / ``apply_gradients`` where no variable has a gradient (the loss does not
    depend on them, or is not a tensor computed with torch ops).

    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> tf.train.GradientDescentOptimizer(0.1).minimize(lambda: w.detach().sum())
    Traceback (most recent call last):
        ...
    scopevar.errors.NoGradientsError: No gradients provided for any variable, check your graph ...
    """


class GradientShapeError(ValueError):
    """A gradient whose shape differs from its variable's.

    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> tf.train.GradientDescentOptimizer(0.1).apply_gradients([(torch.ones(3), w)])
    Traceback (most recent call last):
        ...
    scopevar.errors.GradientShapeError: Dimension 0 in both shapes must be equal, but are 2 and ...
    """


class GradientTypeError(TypeError):
    """A gradient that is not a tensor and cannot be converted to one."""


class MovingAverageArgumentError(ValueError):
    """``ExponentialMovingAverage`` with a decay outside [0, 1] (TF does not check; the
    averages would diverge).

    >>> tf.train.ExponentialMovingAverage(1.5)
    Traceback (most recent call last):
        ...
    scopevar.errors.MovingAverageArgumentError: decay must be in [0, 1], got 1.5: the shadow is ...
    """


class MovingAverageTypeError(TypeError):
    """``ExponentialMovingAverage.apply`` given a variable that is not half, float or double.

    >>> tf.train.ExponentialMovingAverage(0.9).apply([tf.Variable(1, name="step")])
    Traceback (most recent call last):
        ...
    scopevar.errors.MovingAverageTypeError: The variables must be half, float, or double: step:0
    """


class LearningRateArgumentError(ValueError):
    """A learning-rate schedule given arguments TF rejects (no ``global_step``, boundaries
    and values of mismatched lengths).

    >>> tf.train.exponential_decay(0.1, None, 100, 0.9)
    Traceback (most recent call last):
        ...
    scopevar.errors.LearningRateArgumentError: global_step is required for exponential_decay.
    """


class SummaryArgumentError(ValueError):
    """A summary op given a value of the wrong rank or type (``image`` needs a 4-D tensor)."""


class TemplateArgumentError(ValueError):
    """``make_template`` misused: a non-callable ``func_``, or a first call that creates no
    variables followed by one that does, or a later call that creates new variables.

    >>> tf.make_template("t", 3)
    Traceback (most recent call last):
        ...
    scopevar.errors.TemplateArgumentError: func_ must be callable, got 3: pass the function ...
    """


class TensorFlowAlreadyImportedError(ImportError):
    """``scopevar.compat.alias_tensorflow()`` in a process that has imported TensorFlow (or
    tf_slim) already: the names ``tensorflow`` / ``tf_slim`` are taken.

    >>> import tensorflow; tf.compat.alias_tensorflow()   # doctest: +SKIP
    Traceback (most recent call last):
        ...
    scopevar.errors.TensorFlowAlreadyImportedError: TensorFlow is already imported in this ...
    """


class ReloadMismatchError(DataLossError):
    """``scopevar demo``: the network restored from the last checkpoint into a fresh graph
    predicts differently from the trained one (the checkpoint lost or changed a variable)."""
