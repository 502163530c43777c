"""tf.layers and slim layers: names, shapes, collections, reuse, errors, batch-norm updates."""
import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar import slim


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def names(coll=None):
    return [v.name for v in (tf.get_collection(coll) if coll else tf.global_variables())]


def test_tf_layers_names_and_uniquification():
    x = tf.ones([2, 8, 8, 3])
    y = tf.layers.conv2d(x, 4, 3, padding="same")
    y = tf.layers.conv2d(y, 4, 3)
    y = tf.layers.batch_normalization(y)
    y = tf.layers.dense(tf.layers.flatten(y), 5)
    assert y.shape == (2, 5)
    assert names() == ["conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0", "conv2d_1/bias:0",
                       "batch_normalization/gamma:0", "batch_normalization/beta:0",
                       "batch_normalization/moving_mean:0",
                       "batch_normalization/moving_variance:0", "dense/kernel:0", "dense/bias:0"]
    trainable = names(tf.GraphKeys.TRAINABLE_VARIABLES)
    assert "batch_normalization/moving_mean:0" not in trainable
    assert "batch_normalization/gamma:0" in trainable
    assert tf.model_variables() == []
    assert tf.global_variables()[0].shape == (3, 3, 3, 4)


def test_tf_layers_reuse_and_errors():
    x = tf.ones([1, 5, 5, 2])
    a = tf.layers.conv2d(x, 3, 3, name="c")
    b = tf.layers.conv2d(x, 3, 3, name="c", reuse=True)
    assert torch.equal(a, b) and len(tf.global_variables()) == 2
    with pytest.raises(ValueError, match="already exists"):
        tf.layers.conv2d(x, 3, 3, name="c")
    with pytest.raises(ValueError):
        tf.layers.conv2d(tf.ones([2, 3]), 4, 3)          # rank 2 into conv2d
    with pytest.raises(ValueError):
        tf.layers.conv2d(x, 4, 3, padding="full")
    assert len(tf.global_variables()) == 2               # errors made no variable


def test_layer_object_shares_variables():
    layer = tf.layers.Dense(3, kernel_initializer=tf.ones_initializer())
    y1, y2 = layer(tf.ones([2, 4])), layer(tf.ones([2, 4]))
    assert names() == ["dense/kernel:0", "dense/bias:0"]
    assert torch.equal(y1, y2) and torch.equal(y1, torch.full((2, 3), 4.))
    assert [v.name for v in layer.trainable_variables] == names()


def test_dense_regularizer_loss_name():
    tf.layers.dense(tf.ones([2, 4]), 3, kernel_regularizer=tf.contrib.layers.l2_regularizer(0.1))
    assert [x.name for x in tf.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)] == \
        ["dense/kernel/Regularizer/l2_regularizer:0"]


def test_batch_normalization_updates_in_place():
    x = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    layer = tf.layers.BatchNormalization(momentum=0.5)
    mean = x.reshape(-1, 4).mean(0)
    y = layer(x, training=True)
    mm = layer.moving_mean
    assert torch.allclose(mm, 0.5 * mean)                # rank 3: not fused, biased variance
    assert torch.allclose(y.reshape(-1, 4).mean(0), torch.zeros(4), atol=1e-5)
    y_inf = layer(x, training=False)
    assert mm is layer.moving_mean and torch.allclose(mm, 0.5 * mean)
    assert y_inf.shape == x.shape


def test_batch_normalization_moving_statistics_follow_tf_rule():
    x = tf.constant(np.random.RandomState(0).standard_normal([4, 3, 3, 5]).astype(np.float32))
    layer = tf.layers.BatchNormalization(momentum=0.9)
    layer(x, training=True)                              # fused: unbiased batch variance
    mm = layer.moving_mean.detach().clone()
    mv = layer.moving_variance.detach().clone()
    layer(x, training=True)
    mean = x.reshape(-1, 5).mean(0)
    var = x.reshape(-1, 5).var(0)
    for moving, before, batch in ((layer.moving_mean, mm, mean), (layer.moving_variance, mv, var)):
        # TF's assign_moving_average: moving -= (moving - batch) * (1 - momentum)
        torch.testing.assert_close(moving.detach(), before - (before - batch) * (1 - 0.9))


def test_tf_layers_shapes_and_formats():
    x = tf.ones([2, 3, 8, 8])
    y = tf.layers.conv2d(x, 5, [3, 1], strides=2, padding="same", data_format="channels_first")
    assert y.shape == (2, 5, 4, 4)
    assert tf.layers.max_pooling2d(x, 2, 2, data_format="channels_first").shape == (2, 3, 4, 4)
    assert tf.layers.average_pooling2d(tf.ones([1, 7, 7, 2]), 3, 2, padding="same").shape == \
        (1, 4, 4, 2)
    assert tf.layers.dense(tf.ones([2, 3, 4]), 6).shape == (2, 3, 6)
    assert torch.equal(tf.layers.dropout(x, 0.5), x)
    assert tf.layers.dropout(x, 0.5, training=True).shape == x.shape
    assert tf.layers.flatten(x).shape == (2, 192)


def test_slim_names_collections():
    x = tf.ones([2, 8, 8, 3])
    slim.conv2d(x, 4, [3, 3])
    slim.conv2d(x, 4, [3, 3], normalizer_fn=slim.batch_norm, scope="c1",
                variables_collections={"weights": ["w"]})
    slim.fully_connected(slim.flatten(x), 5)
    slim.repeat(x, 2, slim.conv2d, 4, [3, 3], scope="rep")
    assert names() == ["Conv/weights:0", "Conv/biases:0", "c1/weights:0", "c1/BatchNorm/beta:0",
                       "c1/BatchNorm/moving_mean:0", "c1/BatchNorm/moving_variance:0",
                       "fully_connected/weights:0", "fully_connected/biases:0",
                       "rep/rep_1/weights:0", "rep/rep_1/biases:0",
                       "rep/rep_2/weights:0", "rep/rep_2/biases:0"]
    assert names(tf.GraphKeys.MODEL_VARIABLES) == names()
    assert "c1/BatchNorm/moving_mean:0" not in names(tf.GraphKeys.TRAINABLE_VARIABLES)
    assert names("w") == ["c1/weights:0"]


def test_slim_reuse_and_arg_scope():
    x = tf.ones([1, 6, 6, 2])
    with slim.arg_scope([slim.conv2d], padding="VALID", activation_fn=None):
        a = slim.conv2d(x, 3, 3, scope="c")
        b = slim.conv2d(x, 3, 3, scope="c", reuse=True)
    assert a.shape == (1, 4, 4, 3) and torch.equal(a, b) and len(tf.global_variables()) == 2
    with pytest.raises(ValueError, match="Trying to share variable c/weights"):
        slim.conv2d(x, 5, 3, scope="c", reuse=True)
    with pytest.raises(ValueError, match="num_outputs"):
        slim.fully_connected(slim.flatten(x), 2.5)
    assert len(tf.global_variables()) == 2


def test_slim_batch_norm_in_place_and_inference():
    x = tf.constant(np.arange(32, dtype=np.float32).reshape(2, 2, 2, 4))
    slim.batch_norm(x, decay=0.5, scope="bn")
    mm = tf.global_variables()[1]
    assert mm.name == "bn/moving_mean:0"
    assert torch.allclose(mm, 0.5 * x.reshape(-1, 4).mean(0))
    y = slim.batch_norm(x, is_training=False, scope="bn", reuse=True)
    assert torch.allclose(mm, 0.5 * x.reshape(-1, 4).mean(0))   # inference leaves it
    assert y.shape == x.shape


def test_named_outputs():
    x = tf.ones([1, 4, 4, 1])
    y = slim.conv2d(x, 2, 3, scope="net/conv1", outputs_collections="ep")
    d = slim.utils.convert_collection_to_dict("ep")
    assert list(d) == ["net/conv1"] and d["net/conv1"] is y


def _run(code):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_alias_tensorflow_in_subprocess():
    proc = _run("import scopevar; scopevar.compat.alias_tensorflow()\n"
                "import tensorflow.compat.v1 as tf; import tf_slim as slim\n"
                "from tensorflow.contrib import slim as s2\n"
                "assert tf is scopevar and slim is scopevar.slim and s2 is slim\n"
                "y = slim.conv2d(tf.layers.conv2d(tf.ones([1, 4, 4, 1]), 2, 3), 2, 1)\n"
                "print([v.name for v in tf.global_variables()])")
    assert proc.returncode == 0, proc.stderr
    assert "conv2d/kernel:0" in proc.stdout and "Conv/weights:0" in proc.stdout


def test_alias_tensorflow_refuses_when_tensorflow_imported():
    proc = _run("import sys, types; sys.modules['tensorflow'] = types.ModuleType('tensorflow')\n"
                "import scopevar\n"
                "try:\n    scopevar.compat.alias_tensorflow()\n"
                "except ImportError as e:\n    print(type(e).__name__, e)")
    assert proc.returncode == 0, proc.stderr
    assert "TensorFlowAlreadyImportedError TensorFlow is already imported" in proc.stdout


def test_end_points_leave_their_collection_with_the_tensors():
    """Eagerly a net runs every step, under a new ``net_N/_end_points`` collection each time:
    the entries must not keep the activations alive (TF-Slim's nets return them in a dict)."""
    import gc
    import torch
    from scopevar import slim

    def net(x):
        with tf.variable_scope(None, default_name="net") as sc:
            key = sc.original_name_scope + "_end_points"
            with slim.arg_scope([slim.conv2d], outputs_collections=key):
                y = slim.conv2d(x, 2, [1, 1], scope="conv1")
            return y, slim.utils.convert_collection_to_dict(key), key

    y, end_points, key = net(torch.ones(1, 4, 4, 1))
    assert list(end_points) == [key[:-len("_end_points")] + "conv1"]
    assert tf.get_collection(key) == [y]
    del y, end_points
    gc.collect()
    assert tf.get_collection(key) == [] and key not in tf.get_default_graph().get_all_collection_keys()


def _layered(x, activation=None):
    y = tf.layers.conv2d(x, 4, 3, padding="same", activation=activation,
                         kernel_initializer=tf.glorot_uniform_initializer())
    y = tf.layers.batch_normalization(y, training=True)
    return tf.layers.dense(tf.layers.flatten(y), 2)


def test_functional_layers_in_reusing_scopes_leave_the_names_a_new_layer_leaves():
    # later template calls call the layer objects of earlier ones (not with a custom getter):
    # the names marked used, the scope counts and the layer names are those of new layers
    def marks(custom_getter):
        with tf.Graph().as_default() as g:
            net = tf.make_template("net", _layered, custom_getter_=custom_getter)
            x = torch.rand(2, 4, 4, 3)
            for _ in range(4):
                net(x)
            with tf.name_scope("net_3/"):
                with tf.name_scope("conv2d") as inner:
                    pass
            with tf.variable_scope(net.variable_scope, reuse=True):
                with tf.variable_scope(None, default_name="dense") as sc:
                    pass
            return dict(g._names_in_use), inner, sc.name, tf.layers.Dense(3).name
    cached = marks(None)
    assert cached == marks(lambda getter, *args, **kwargs: getter(*args, **kwargs))
    assert cached[1:] == ("net_3/conv2d_1/", "net/dense", "dense_4")


def test_functional_layers_in_reusing_scopes_follow_their_arguments(fresh_graph):
    net = tf.make_template("net", lambda x, act=None: _layered(x, act))
    x = torch.rand(2, 4, 4, 3) - 0.5
    net(x), net(x)
    plain, relu = net(x), net(x, tf.nn.relu)          # the same scope, another activation
    assert not torch.equal(plain, relu)


def test_functional_layers_given_sizes_as_lists_are_built_once(fresh_graph, monkeypatch):
    built = []
    init = tf.layers.Conv2D.__init__
    monkeypatch.setattr(tf.layers.Conv2D, "__init__",
                        lambda self, *a, **k: built.append(1) or init(self, *a, **k))
    net = tf.make_template("net", lambda x, k: tf.layers.conv2d(x, 2, k, strides=[1, 1]))
    x = torch.rand(1, 4, 4, 3)
    outputs = [net(x, [3, 3]) for _ in range(4)]        # built by the first two calls
    assert len(built) == 2 and all(torch.equal(outputs[0], y) for y in outputs)
    net(x, [3, 3, 1][:2])                               # an equal list: the same layer
    assert len(built) == 2


def test_functional_layers_call_custom_getters_on_every_call(fresh_graph):
    seen = []

    def getter(getter, name, *args, **kwargs):
        seen.append(name)
        return getter(name, *args, **kwargs)
    net = tf.make_template("net", _layered, custom_getter_=getter)
    x = torch.rand(2, 4, 4, 3)
    net(x), net(x), net(x)
    assert seen.count("net/conv2d/kernel") == 3


def test_activity_regularizer_adds_a_loss_per_call():
    """``regularizer(output) / batch size`` in REGULARIZATION_LOSSES and ``layer.losses``,
    named in the call's scope (the TF side: tf_parity layers_activity_regularizer)."""
    x = torch.linspace(-1, 1, 2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    y = tf.layers.conv2d(x, 2, 3, activity_regularizer=lambda t: t.abs().sum())
    dense = tf.layers.Dense(3, activity_regularizer=lambda t: (t * t).sum())
    z1, z2 = dense(tf.layers.flatten(y)), dense(tf.layers.flatten(y) * 2)
    net = tf.make_template("net", lambda x: tf.layers.dense(x, 2,
                                                            activity_regularizer=tf.reduce_sum))
    net(x[:, 0, 0]), net(x[:, 1, 1])
    losses = tf.losses.get_regularization_losses()
    assert [l.name for l in tf.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)] == [
        "conv2d/ActivityRegularizer/truediv:0", "dense/ActivityRegularizer/truediv:0",
        "dense/ActivityRegularizer_1/truediv:0", "net/dense/ActivityRegularizer/truediv:0",
        "net_1/dense/ActivityRegularizer/truediv:0"]
    assert torch.equal(losses[0], y.abs().sum() / 2)
    assert torch.equal(losses[2], (z2 * z2).sum() / 2)
    assert [float(l) for l in dense.losses] == [float(losses[1]), float(losses[2])]
    assert len(losses[3].shape) == 0 and not torch.equal(losses[3], losses[4])


def test_an_optimizer_step_spends_the_activity_losses():
    """A training loop sums each step's own activity losses: the step after them removes
    them from REGULARIZATION_LOSSES and ``layer.losses`` (kept, the second step would
    backpropagate the first step's spent graph); weight regularization losses stay."""
    x = torch.rand(4, 3)
    net = tf.make_template("net", lambda x: tf.layers.dense(
        x, 2, activity_regularizer=lambda t: (t * t).sum(),
        kernel_regularizer=lambda w: w.abs().sum()))
    names = []

    def loss():
        y = net(x)
        names.append([l.name for l in tf.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)])
        want = (y * y).sum() / 4 + net.trainable_variables[0].abs().sum()
        torch.testing.assert_close(tf.losses.get_regularization_loss(), want)
        return y.sum() + tf.losses.get_regularization_loss()

    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    for _ in range(3):
        train_op()
    kernel = "net/dense/kernel/Regularizer/Regularizer:0"
    assert names == [[kernel, "net%s/dense/ActivityRegularizer/truediv:0" % k]
                     for k in ("", "_1", "_2", "_3")]       # minimize's step, then 3 runs
    assert [l.name for l in tf.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)] == [kernel]


@pytest.mark.parametrize("cls", [tf.layers.MaxPooling2D, tf.layers.AveragePooling2D])
def test_pooling_layers_called_again_as_on_their_first_call(cls):
    # later calls skip nn's checks with the plan of the first call of that input shape
    x = torch.randn(2, 7, 6, 3)
    for pool, strides, padding in ((3, 1, "same"), (3, 2, "same"), (2, 2, "valid"), (1, 2, "same")):
        layer = cls(pool, strides, padding)
        op = tf.nn.max_pool if cls is tf.layers.MaxPooling2D else tf.nn.avg_pool
        want = op(x, [1, pool, pool, 1], [1, strides, strides, 1], padding.upper())
        assert all(torch.equal(layer(x), want) for _ in range(3))
        assert layer(x[:1]).shape == want[:1].shape
