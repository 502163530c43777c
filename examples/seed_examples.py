"""The code examples of the five seed documents (../shared/seeds/), run on scopevar.

Each example runs in a fresh graph with ``import scopevar as tf``, ported only where TF1
needs a placeholder (replaced by a tensor of the same shape) or the seed's code is wrong
about TensorFlow (noted; scopevar does what TF does, errors included).

Run: ``python examples/seed_examples.py``
"""
import scopevar as tf
from scopevar import slim


def example(title, needs=()):
    """Run the decorated function in a fresh graph, print its title and any error.

    ``needs``: scopevar names the example uses that are not built yet (it is then skipped).
    """
    def run(fn):
        print("\n== %s" % title)
        missing = [n for n in needs if not hasattr(tf, n)]
        if missing:
            print("(skipped: scopevar does not have tf.%s yet)" % ", tf.".join(missing))
            return fn
        with tf.Graph().as_default():
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - shown, as TF would raise it
                print("%s: %s" % (type(e).__name__, str(e).split("\n")[0]))
        return fn
    return run


# -- 000: tensorflow.python.ops.variables in CNNs -----------------------------------------------

@example("000 tf.Variable with a random initial value")
def seed000_variable():
    weights = tf.Variable(tf.random_normal([3, 3, 3, 64]), name='weights')
    print(weights.name, weights.get_shape().as_list())


@example("000 scopes for two conv layers")
def seed000_scopes():
    with tf.variable_scope('conv1') as scope:
        weights = tf.Variable(tf.random_normal([3, 3, 3, 64]), name='weights')
        biases = tf.Variable(tf.zeros([64]), name='biases')
    with tf.variable_scope('conv2') as scope:  # noqa: F841
        weights2 = tf.Variable(tf.random_normal([3, 3, 64, 128]), name='weights')
        biases2 = tf.Variable(tf.zeros([128]), name='biases')
    print([v.name for v in (weights, biases, weights2, biases2)])


@example("000 get_variable and tf.contrib.layers.variable")
def seed000_get_variable():
    with tf.variable_scope('conv1') as scope:  # noqa: F841
        weights = tf.get_variable('weights', shape=[3, 3, 3, 64],
                                  initializer=tf.contrib.layers.xavier_initializer())
        biases = tf.get_variable('biases', shape=[64], initializer=tf.zeros_initializer())
    with tf.variable_scope('conv2') as scope:
        weights2 = tf.contrib.layers.variable('weights', shape=[3, 3, 64, 128],
                                              initializer=tf.contrib.layers.xavier_initializer())
        biases2 = tf.contrib.layers.variable('biases', shape=[128],
                                             initializer=tf.zeros_initializer())
    print([v.name for v in (weights, biases, weights2, biases2)])


@example("000 'sharing' with scope.reuse_variables() (the seed is wrong: TF raises)")
def seed000_reuse():
    with tf.variable_scope('conv1') as scope:  # noqa: F841
        weights = tf.get_variable('weights', shape=[3, 3, 3, 64],  # noqa: F841
                                  initializer=tf.contrib.layers.xavier_initializer())
        biases = tf.get_variable('biases', shape=[64], initializer=tf.zeros_initializer())  # noqa: F841
    with tf.variable_scope('conv2') as scope:
        scope.reuse_variables()
        weights = tf.get_variable('weights')   # conv2/weights does not exist
        biases = tf.get_variable('biases')


# -- 001: variable_scope and name_scope --------------------------------------------------------

@example("001 a shared network (reuse=True the second time)", needs=("nn", "matmul"))
def seed001_shared():
    def my_net(input, reuse):
        with tf.variable_scope(name_or_scope='my_net', reuse=reuse):
            weights = tf.get_variable('weights', shape=[input.get_shape()[-1], 512], dtype=tf.float32,
                                      initializer=tf.truncated_normal_initializer(mean=0, stddev=0.1))
            biases = tf.get_variable('biases', shape=[512], dtype=tf.float32,
                                     initializer=tf.constant_initializer(value=0.1))
            output = tf.nn.relu(tf.matmul(input, weights) + biases)
        return output
    image = tf.random_normal([8, 784])            # the seed's input tensor
    a = my_net(image, reuse=False)
    b = my_net(image, reuse=True)
    print(a.shape, b.shape, [v.name for v in tf.global_variables()])


@example("001 summaries under a name_scope", needs=("summary",))
def seed001_summaries():
    loss, accuracy = tf.constant(0.25), tf.constant(0.9)

    def log_summary():
        with tf.name_scope(name='summary'):
            tf.summary.scalar('loss', loss)
            tf.summary.scalar('accuracy', accuracy)
            summary_op = tf.summary.merge_all()
        return summary_op
    summary_op = log_summary()
    print([s.name for s in tf.get_collection(tf.GraphKeys.SUMMARIES)], summary_op is not None)


# -- 002: init_ops in a residual network -----------------------------------------------------------

@example("002 residual network with tf.layers and init_ops initializers", needs=("layers", "nn"))
def seed002_resnet():
    from scopevar import initializers as init_ops  # the seed: from tensorflow.python.ops import init_ops

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
        x = tf.nn.relu(x)
        return x

    def residual_network(input_tensor):
        filters = [64, 128, 256]
        strides = [1, 2, 2]
        with tf.variable_scope('residual_network'):
            # the seed's init_ops.xavier_initializer() does not exist in TF; contrib's does
            x = tf.layers.conv2d(input_tensor, filters[0], 7, strides=2, padding='same',
                                 kernel_initializer=tf.contrib.layers.xavier_initializer(),
                                 bias_initializer=init_ops.constant_initializer())
            x = tf.layers.batch_normalization(x)
            x = tf.nn.relu(x)
            for i in range(3):
                # the seed omits the projection where the shape changes; TF would fail there
                x = residual_block(x, filters[i], 3, strides[i], projection_shortcut=i > 0)
            x = tf.layers.average_pooling2d(x, pool_size=7, strides=1)
            x = tf.layers.flatten(x)
            x = tf.layers.dense(x, units=1000)
        return x

    input_tensor = tf.random_normal([2, 224, 224, 3])     # was tf.placeholder(tf.float32, [None, 224, 224, 3])
    output = residual_network(input_tensor)
    print(output.shape, len(tf.global_variables()), "variables, e.g.",
          [v.name for v in tf.global_variables()[:4]])


# -- 003: initializers, random and constant ops, Variable vs get_variable ------------------------

@example("003 the initializer catalogue", needs=("uniform_unit_scaling_initializer", "orthogonal_initializer"))
def seed003_initializers():
    inits = [tf.constant_initializer(value=0, dtype=tf.float32),
             tf.random_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=tf.float32),
             tf.truncated_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=tf.float32),
             tf.random_uniform_initializer(minval=0, maxval=None, seed=None, dtype=tf.float32),
             tf.zeros_initializer(dtype=tf.float32), tf.ones_initializer(dtype=tf.float32),
             tf.uniform_unit_scaling_initializer(factor=1.0, seed=None, dtype=tf.float32),
             tf.variance_scaling_initializer(scale=1.0, mode="fan_in", distribution="normal",
                                             seed=None, dtype=tf.float32),
             tf.orthogonal_initializer(gain=1.0, dtype=tf.float32, seed=None),
             tf.glorot_uniform_initializer(seed=None, dtype=tf.float32),
             tf.glorot_normal_initializer(seed=None, dtype=tf.float32)]
    for i, init in enumerate(inits):
        v = tf.get_variable("v%d" % i, shape=[4, 4], initializer=init)
        print("%-22s std=%.3f" % (type(init).__name__, v.eval().std()))


@example("003 random and constant ops", needs=("random_shuffle", "random_crop", "multinomial", "random_gamma", "log"))
def seed003_ops():
    x = tf.random_normal([2, 3], mean=0.0, stddev=1.0, dtype=tf.float32, seed=None, name=None)
    ops = [tf.random_normal([2, 3]), tf.truncated_normal([2, 3]), tf.random_uniform([2, 3]),
           tf.random_shuffle(x), tf.random_crop(x, [1, 2]), tf.multinomial(tf.log([[0.5, 0.5]]), 3),
           tf.random_gamma([2], 1.0), tf.zeros([2, 3]), tf.zeros_like(x), tf.ones([2, 3]),
           tf.ones_like(x), tf.fill([2, 3], 9), tf.constant([1, 2, 3], shape=[2, 3])]
    tf.set_random_seed(1)
    print([tuple(t.shape) for t in ops])


@example("003 tf.Variable uniquifies names, get_variable refuses to")
def seed003_variable_vs_get_variable():
    a = tf.Variable(1.0, name="v")
    b = tf.Variable(1.0, name="v")
    print(a.name, b.name)
    tf.get_variable("w", [1])
    tf.get_variable("w", [1])


@example("003 image filters shared by re-entering a captured scope", needs=("nn",))
def seed003_reenter():
    def my_image_filter(image):
        w = tf.get_variable("w", [5, 5, 1, 32])
        return tf.nn.conv2d(image, w, strides=[1, 1, 1, 1], padding="SAME")
    image1, image2 = tf.random_normal([1, 8, 8, 1]), tf.random_normal([1, 8, 8, 1])
    with tf.variable_scope("image_filters1") as scope1:
        result1 = my_image_filter(image1)
    with tf.variable_scope(scope1, reuse=True):
        result2 = my_image_filter(image2)
    print(result1.shape, result2.shape, [v.name for v in tf.global_variables()])


@example("003 name_scope is ignored by get_variable")
def seed003_name_scope():
    with tf.name_scope("my_scope"):
        v1 = tf.get_variable("var1", [1], dtype=tf.float32)
        v2 = tf.Variable(1, name="var2", dtype=tf.float32)
        # the seed's a = tf.add(v1, v2); print(a.name): op names exist only in graph mode
    print(v1.name)  # var1:0
    print(v2.name)  # my_scope/var2:0
    with tf.variable_scope("my_scope"):
        v1 = tf.get_variable("var1", [1], dtype=tf.float32)
        v2 = tf.Variable(1, name="var2", dtype=tf.float32)
    print(v1.name)  # my_scope/var1:0
    print(v2.name)  # my_scope_1/var2:0 in TF (the seed's "my_scope/var2:0" is wrong: the name scope my_scope was taken)


# -- 004: TF-Slim variables ------------------------------------------------------------------------

@example("004 slim variables and model variables")
def seed004_slim():
    weights = slim.variable('weights', shape=[10, 10, 3, 3],
                            initializer=tf.truncated_normal_initializer(stddev=0.1),
                            regularizer=slim.l2_regularizer(0.05), device='/CPU:0')
    with tf.variable_scope("model"):
        weights = slim.model_variable('weights', shape=[10, 10, 3, 3],
                                      initializer=tf.truncated_normal_initializer(stddev=0.1),
                                      regularizer=slim.l2_regularizer(0.05), device='/CPU:0')
    model_variables = slim.get_model_variables()
    my_var = slim.variable('my_var', shape=[20, 1], initializer=tf.zeros_initializer())  # noqa: F841
    regular_variables_and_model_variables = slim.get_variables()
    my_model_variable = tf.Variable(tf.zeros([3]), name="custom")     # CreateViaCustomCode()
    slim.add_model_variable(my_model_variable)
    print("model:", [v.name for v in model_variables], "->",
          [v.name for v in slim.get_model_variables()])
    print("all:", [v.name for v in regular_variables_and_model_variables])
    with tf.Session() as sess:
        print("regularization loss: %.4f" % sess.run(tf.losses.get_regularization_loss()))
    print(weights.op.device)
