"""tf.layers and TF-Slim layers (issue 5): the same programs on TensorFlow and on scopevar.

Variable sets (names, shapes, dtypes, collections) must be equal; outputs, with the weights
fixed by constant initializers, equal within 1e-5.  TF's batch-norm updates are ops in
``UPDATE_OPS`` that the TF side runs (``if TF: ev(...)``); scopevar moves the statistics in place.
"""
import pytest

from .oracle import case, check

pytestmark = pytest.mark.tf

NAMES = []
VALUES = []


def names(case_id, code):
    NAMES.append(case(case_id, code))


def values(case_id, code):
    VALUES.append(case(case_id, code))


# A deterministic, non-constant input.
X = "x = tf.constant((np.arange(2 * 6 * 6 * 3).reshape(2, 6, 6, 3) % 7 - 3).astype(np.float32) / 3)\n"
UPDATES = ("if TF:\n    _ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)\n"
           "    ev(_ops[len(globals().get('_ran', [])):]); _ran = _ops\n")   # each update once

# -- tf.layers: names, shapes, collections --------------------------------------------------------

names("layers_conv_dense_names", X + """
a = tf.layers.conv2d(x, 4, 3); b = tf.layers.conv2d(x, 4, 3, padding='same', use_bias=False)
with tf.variable_scope("blk"):
    c = tf.layers.conv2d(x, 2, [1, 3], strides=2)
    d = tf.layers.dense(tf.layers.flatten(c), 5); e = tf.layers.dense(d, 3)
    f = tf.layers.batch_normalization(c)
g = tf.layers.dense(x, 7)
out["shapes"] = [t.shape for t in (a, b, c, d, e, f, g)]
""")
names("layers_name_reuse", X + """
a = tf.layers.conv2d(x, 4, 3, name="myconv"); b = tf.layers.conv2d(x, 4, 3, name="myconv", reuse=True)
c = tf.layers.conv2d(x, 4, 3, name="myconv")
with tf.variable_scope("s", reuse=tf.AUTO_REUSE):
    d = tf.layers.dense(x, 2, name="fc"); e = tf.layers.dense(x, 2, name="fc")
with tf.name_scope("ns"):
    f = tf.layers.conv2d(x, 4, 3)
out["shapes"] = [t.shape for t in (a, b, c, d, e, f)]
""")
names("layers_object_shared", X + """
layer = tf.layers.Dense(3)
y1 = layer(tf.layers.flatten(x)); y2 = layer(tf.layers.flatten(x) * 2.)
conv = tf.layers.Conv2D(2, 3, padding="same", name="c")
z = conv(conv(x[..., :2]))
bn = tf.layers.BatchNormalization(axis=1, center=False)
w = bn(x)
out["v"] = [v.name for v in layer.variables] + [v.name for v in conv.trainable_variables]
out["bn"] = [v.name for v in bn.variables]
""")
names("layers_trainable_false_and_regularizer", X + """
a = tf.layers.conv2d(x, 4, 3, trainable=False)
b = tf.layers.dense(x, 2, kernel_regularizer=slim.l2_regularizer(0.1),
                    bias_regularizer=slim.l1_regularizer(0.2))
c = tf.layers.batch_normalization(x, trainable=False, scale=False)
out["reg"] = len(tf.losses.get_regularization_losses())
""")
names("layers_bn_axes", """
x = tf.ones([2, 3, 4, 5])
a = tf.layers.batch_normalization(x, axis=1); b = tf.layers.batch_normalization(x, axis=[1, 2])
c = tf.layers.batch_normalization(tf.ones([4, 6]))
""")
names("layers_dense_rank3_errors", """
y = tf.layers.dense(tf.ones([2, 3, 4]), 5)
out["shape"] = y.shape
try:
    tf.layers.conv2d(tf.ones([2, 3]), 4, 3)
except ValueError:
    out["err"] = True
""")

names("nchw_names", """
x = tf.ones([2, 3, 8, 8])
a = tf.layers.conv2d(x, 4, 3, strides=2, padding="same", data_format="channels_first")
b = tf.layers.batch_normalization(a, axis=1)
c = slim.conv2d(x, 5, [3, 3], data_format="NCHW", normalizer_fn=slim.batch_norm,
                normalizer_params={"data_format": "NCHW", "scale": True})
d = slim.max_pool2d(c, [2, 2], data_format="NCHW")
out["shapes"] = [a.shape, b.shape, c.shape, d.shape]
""")

# -- tf.layers: outputs ---------------------------------------------------------------------------

values("layers_conv_outputs", X + """
k = tf.constant_initializer(np.linspace(-1, 1, 3 * 3 * 3 * 4).reshape(3, 3, 3, 4))
b = tf.constant_initializer([0.1, -0.2, 0.3, 0.0])
out["same"] = ev(tf.layers.conv2d(x, 4, 3, strides=2, padding="same", kernel_initializer=k, bias_initializer=b))
out["valid"] = ev(tf.layers.conv2d(x, 4, 3, padding="valid", kernel_initializer=k, activation=tf.nn.relu))
out["dil"] = ev(tf.layers.conv2d(x, 4, 3, dilation_rate=2, kernel_initializer=k))
out["max"] = ev(tf.layers.max_pooling2d(x, 3, 2, padding="same"))
out["avg"] = ev(tf.layers.average_pooling2d(x, 3, 2, padding="same"))
out["avgv"] = ev(tf.layers.average_pooling2d(x, 2, 1))
f = tf.layers.flatten(x)
out["dense"] = ev(tf.layers.dense(f, 3, kernel_initializer=tf.constant_initializer(np.linspace(-1, 1, 108 * 3).reshape(108, 3)), bias_initializer=tf.ones_initializer()))
out["drop"] = ev(tf.layers.dropout(x, 0.5))
""")
values("layers_bn_outputs", X + """
y = tf.layers.batch_normalization(x, training=True, momentum=0.9,
        gamma_initializer=tf.constant_initializer(2.), beta_initializer=tf.constant_initializer(0.5))
out["y"] = ev(y)
""" + UPDATES + """
out["mm"] = ev(tf.global_variables()[2]); out["mv"] = ev(tf.global_variables()[3])
out["inf"] = ev(tf.layers.batch_normalization(x, name="batch_normalization", reuse=True))
z = tf.layers.batch_normalization(tf.reshape(x, [12, 18]), training=True)
out["z"] = ev(z)
""" + UPDATES + """
out["zmv"] = ev(tf.global_variables()[-1])
""")

# -- slim: names, shapes, collections -------------------------------------------------------------

names("slim_conv_names", X + """
a = slim.conv2d(x, 4, [3, 3]); b = slim.conv2d(a, 4, 3)
c = slim.conv2d(x, 4, [3, 3], normalizer_fn=slim.batch_norm, normalizer_params={"scale": True}, scope="c1")
d = slim.conv2d(x, 4, [3, 3], normalizer_fn=slim.batch_norm, normalizer_params={"scale": True}, scope="c1", reuse=True)
e = slim.conv2d(x, 4, [3, 3], biases_initializer=None)
f = slim.convolution2d(x, 2, [1, 1], stride=2, padding="VALID", trainable=False)
out["shapes"] = [t.shape for t in (a, b, c, d, e, f)]
""")
names("slim_fc_bn_names", X + """
a = slim.fully_connected(slim.flatten(x), 5); b = slim.fully_connected(a, 3, scope="logits")
c = slim.batch_norm(x); d = slim.batch_norm(x, scale=True); e = slim.batch_norm(a)
f = slim.batch_norm(x, scale=True, updates_collections=None)
g = slim.batch_norm(x, center=False, scale=True)
h = slim.batch_norm(a, scale=True, fused=False)
out["shapes"] = [t.shape for t in (a, b, c, d, e, f, g, h)]
""")
names("slim_separable_repeat_stack", X + """
a = slim.separable_conv2d(x, 4, [3, 3], depth_multiplier=1, scope="sep")
b = slim.separable_conv2d(x, None, [3, 3], depth_multiplier=2)
c = slim.repeat(x, 2, slim.conv2d, 4, [3, 3], scope="rep")
d = slim.stack(slim.flatten(x), slim.fully_connected, [5, 6], scope="stk")
e = slim.repeat(x, 2, slim.conv2d, 3, [1, 1])
out["shapes"] = [t.shape for t in (a, b, c, d, e)]
""")
names("slim_collections_and_regularizers", X + """
a = slim.conv2d(x, 4, [3, 3], variables_collections=["mine"], weights_regularizer=slim.l2_regularizer(0.1))
b = slim.conv2d(x, 4, [3, 3], variables_collections={"weights": ["w_only"]}, outputs_collections="ep", scope="c")
c = slim.batch_norm(x, variables_collections={"beta": ["betas"], "moving_mean": ["mm"]}, outputs_collections=["ep"])
d = slim.fully_connected(slim.flatten(x), 2, biases_regularizer=slim.l1_regularizer(0.5), scope="fc")
out["mine"] = [v.name for v in tf.get_collection("mine")]
out["w_only"] = [v.name for v in tf.get_collection("w_only")]
out["betas"] = [v.name for v in tf.get_collection("betas")] + [v.name for v in tf.get_collection("mm")]
out["ep"] = list(slim.utils.convert_collection_to_dict("ep"))
""")
names("slim_arg_scope_layers", X + """
with slim.arg_scope([slim.conv2d, slim.fully_connected], weights_initializer=tf.zeros_initializer(),
                    normalizer_fn=slim.batch_norm, normalizer_params={"scale": True}):
    with slim.arg_scope([slim.conv2d], stride=2, padding="VALID"):
        a = slim.conv2d(x, 4, [3, 3], scope="conv1")
    b = slim.fully_connected(slim.flatten(a), 3, normalizer_fn=None)
out["a"] = a.shape; out["b"] = ev(b)
""")
names("slim_reuse_shape_error", X + """
a = slim.conv2d(x, 4, [3, 3], scope="c1")
b = slim.conv2d(x, 5, [3, 3], scope="c1", reuse=True)
""")

# -- slim: outputs --------------------------------------------------------------------------------

values("slim_outputs", X + """
k = tf.constant_initializer(np.linspace(-1, 1, 3 * 3 * 3 * 4).reshape(3, 3, 3, 4))
out["conv"] = ev(slim.conv2d(x, 4, [3, 3], weights_initializer=k, biases_initializer=tf.constant_initializer(0.1)))
y = slim.conv2d(x, 4, [3, 3], stride=2, weights_initializer=k, normalizer_fn=slim.batch_norm,
                normalizer_params={"scale": True, "decay": 0.9}, scope="cbn")
out["cbn"] = ev(y)
""" + UPDATES + """
out["stats"] = ev([v for v in tf.global_variables() if "moving" in v.name])
f = slim.fully_connected(slim.flatten(x), 3, weights_initializer=tf.constant_initializer(np.linspace(-1, 1, 108 * 3).reshape(108, 3)),
                         normalizer_fn=slim.batch_norm, normalizer_params={"decay": 0.5}, scope="fc")
out["fc"] = ev(f)
""" + UPDATES + """
out["stats2"] = ev([v for v in tf.global_variables() if "fc/BatchNorm/moving" in v.name])
pre = slim.conv2d(x, 4, [3, 3], stride=2, weights_initializer=k, activation_fn=None, biases_initializer=None, scope="plain")
out["bn_inf"] = ev(slim.batch_norm(pre, is_training=False, scope="cbn/BatchNorm", scale=True, reuse=True))
n = slim.batch_norm(x, updates_collections=None, decay=0.5, scope="direct")
out["direct"] = [ev(n), ev([v for v in tf.global_variables() if "direct/" in v.name])]
out["pools"] = [ev(slim.max_pool2d(x, [2, 2])), ev(slim.avg_pool2d(x, 3, stride=1, padding="SAME"))]
out["drop"] = ev(slim.dropout(x, 0.3, is_training=False))
out["softmax"] = ev(slim.softmax(slim.flatten(x)))
""")

# -- activity_regularizer: regularizer(output) / batch size per call, in REGULARIZATION_LOSSES --

values("layers_activity_regularizer", X + """
k = tf.constant_initializer(np.linspace(-1, 1, 3 * 3 * 3 * 4).reshape(3, 3, 3, 4))
reg = slim.l2_regularizer(0.1)
a = tf.layers.conv2d(x, 4, 3, kernel_initializer=k, activity_regularizer=reg)
d = tf.layers.Dense(3, kernel_initializer=tf.constant_initializer(0.05),
                    activity_regularizer=slim.l1_regularizer(0.2))
f = tf.layers.flatten(a)
y1 = d(f); y2 = d(f * 2.)
c = tf.layers.Conv2D(2, 1, activity_regularizer=reg, kernel_initializer=tf.ones_initializer())
z = c(x)
def net(x):
    k2 = tf.constant_initializer(np.linspace(-1, 1, 54).reshape(3, 3, 3, 2))
    y = tf.layers.conv2d(x, 2, 3, kernel_initializer=k2, activity_regularizer=reg)
    return tf.layers.dense(tf.layers.flatten(y), 2, kernel_initializer=tf.constant_initializer(0.1),
                           activity_regularizer=lambda t: tf.reduce_sum(tf.abs(t)))
t = tf.make_template("net", net)
t(x); t(x * 3.)
c3 = tf.constant_initializer(0.3)
e1 = tf.layers.dense(x, 2, name="fc", kernel_initializer=c3, activity_regularizer=reg)
e2 = tf.layers.dense(x * 2., 2, name="fc", reuse=True, activity_regularizer=reg)
with tf.variable_scope("s", reuse=tf.AUTO_REUSE):
    e3 = tf.layers.dense(x, 2, name="fc", kernel_initializer=c3, activity_regularizer=reg)
    e4 = tf.layers.dense(x, 2, name="fc", activity_regularizer=reg)
with tf.name_scope("fc") as s1, tf.name_scope("s/fc") as s2:
    out["scopes"] = [s1, s2]
out["losses"] = ev(tf.losses.get_regularization_losses())
out["total"] = ev(tf.losses.get_regularization_loss())
out["layer"] = [ev(d.losses), len(c.losses)]
""")

# -- layer.losses: its calls' activity losses, then its created variables' regularization losses --

values("layers_losses_property", X + """
f = tf.layers.flatten(x)
d = tf.layers.Dense(3, kernel_initializer=tf.constant_initializer(0.05),
                    bias_initializer=tf.constant_initializer(0.5),
                    kernel_regularizer=slim.l2_regularizer(0.1), bias_regularizer=slim.l1_regularizer(0.2),
                    activity_regularizer=slim.l2_regularizer(0.3))
d(f); d(f * 2.)
c = tf.layers.Conv2D(2, 3, kernel_initializer=tf.constant_initializer(0.2),
                     kernel_regularizer=slim.l2_regularizer(0.5))
c(x)
bn = tf.layers.BatchNormalization(gamma_regularizer=slim.l2_regularizer(0.5),
                                  beta_regularizer=slim.l1_regularizer(0.1),
                                  beta_initializer=tf.constant_initializer(0.3))
bn(x, training=True)
with tf.variable_scope("s"):
    made = tf.layers.Dense(2, kernel_initializer=tf.constant_initializer(0.1),
                           kernel_regularizer=slim.l2_regularizer(0.1))
    made(f)
with tf.variable_scope("s", reuse=True):
    reused = tf.layers.Dense(2, kernel_regularizer=slim.l2_regularizer(0.1))
    reused(f)
out["losses"] = [ev(d.losses), ev(c.losses), ev(bn.losses), ev(made.losses), len(reused.losses)]
out["collection"] = ev(tf.losses.get_regularization_losses())
""")

# -- make_template called in a loop: the names each call sees and leaves (scopevar forgets the
# names under a finished call's scope and puts them back when asked) --------------------------

names("template_loop_names", """
out["ns"] = []
def block(x):
    out["ns"].append(tf.get_default_graph().get_name_scope())
    return tf.layers.dense(x, 3)
inner = tf.make_template("block", block)
def f(x):
    out["ns"].append(tf.get_default_graph().get_name_scope())
    y = tf.layers.dense(tf.layers.dense(x, 3), 3)
    with tf.name_scope("inner") as s:
        out["ns"].append(s)
    out["ns"].append(tf.Variable(1.0, name="v", trainable=False).name)
    return inner(inner(y))
net = tf.make_template("net", f)
x = tf.ones([2, 4])
for _ in range(5):
    net(x)
scopes = []
for name in ["net", "net_2", "net_2/dense", "Net_4", "net_3/dense_1", "net_1/block_1",
             "net_1/block_1/dense", "block"]:
    with tf.name_scope(name) as s:
        scopes.append(s)
for name in ["net_1/", "net_4/block_1/"]:
    with tf.name_scope(name):
        with tf.name_scope("dense") as s:
            scopes.append(s)
        with tf.name_scope("inner") as s:
            scopes.append(s)
out["scopes"] = scopes
out["vars"] = [tf.Variable(1.0, name="net_3/dense_1", trainable=False).name,
               tf.Variable(1.0, name="net_0", trainable=False).name]
with tf.variable_scope("net_2"):
    out["vars"].append(tf.get_variable("dense", [1]).name)
out["last"] = [[int(d) for d in net(x).shape], out["ns"][-4:]]
""")

# -- the seed-002 residual network ----------------------------------------------------------------

names("seed002_residual_network", """
def residual_block(input_tensor, filters, kernel_size, stride, projection_shortcut=False):
    shortcut = input_tensor
    if projection_shortcut:
        shortcut = tf.layers.conv2d(input_tensor, filters, kernel_size=1, strides=stride, padding='same')
        shortcut = tf.layers.batch_normalization(shortcut)
    x = tf.layers.conv2d(input_tensor, filters, kernel_size, strides=stride, padding='same')
    x = tf.layers.batch_normalization(x)
    x = tf.nn.relu(x)
    x = tf.layers.conv2d(x, filters, kernel_size, padding='same')
    x = tf.layers.batch_normalization(x)
    x = x + shortcut
    return tf.nn.relu(x)

def residual_network(input_tensor):
    filters = [64, 128, 256]
    strides = [1, 2, 2]
    with tf.variable_scope('residual_network'):
        x = tf.layers.conv2d(input_tensor, filters[0], 7, strides=2, padding='same',
                             kernel_initializer=slim.xavier_initializer(),
                             bias_initializer=tf.constant_initializer())
        x = tf.layers.batch_normalization(x)
        x = tf.nn.relu(x)
        for i in range(3):
            x = residual_block(x, filters[i], 3, strides[i], projection_shortcut=i > 0)
        x = tf.layers.average_pooling2d(x, pool_size=7, strides=1)
        x = tf.layers.flatten(x)
        x = tf.layers.dense(x, units=1000)
    return x

output = residual_network(tf.ones([1, 64, 64, 3]))
out["shape"] = output.shape
""")


@pytest.mark.parametrize("case", NAMES)
def test_layers_names_parity(case, tf_record):
    check(case, tf_record)


@pytest.mark.parametrize("case", VALUES)
def test_layers_values_parity(case, tf_record):
    check(case, tf_record, exact=False, rtol=1e-5, atol=1e-5)
