"""``scopevar demo``: seed 002's residual network, written the TF1 way, trained on digits.

The network is built with ``tf.layers`` and ``init_ops`` initializers inside a
``tf.make_template`` (variables created on the first call, shared by every later one), trained
with ``tf.train.AdamOptimizer`` on scikit-learn's 8x8 digits, logged to TensorBoard through
``tf.summary`` and saved every epoch with ``tf.train.Saver``.  The last checkpoint is then
restored into a fresh graph, and the restored network must predict exactly what the trained
one predicts.  Needs ``pip install 'scopevar[demo]'`` (scikit-learn, tqdm, tensorboard).

    $ scopevar demo --epochs 3 --device cuda --output-dir runs/demo
"""
import importlib.util
import os
import sys
import tempfile

import torch

import scopevar as tf
from scopevar.cli import print_aligned

FILTERS, STRIDES = (16, 32, 64), (1, 2, 2)    # seed 002's (64, 128, 256), (1, 2, 2), scaled
TEST_FRACTION, SPLIT_SEED = 0.2, 0
BN_MOMENTUM = 0.9                              # TF's 0.99 moves too slowly for a few epochs


def _conv(x, filters, kernel_size, stride):
    """A bias-free convolution (the batch norm after it has the offset), He-initialized."""
    return tf.layers.conv2d(x, filters, kernel_size, strides=stride, padding="same",
                            use_bias=False,
                            kernel_initializer=tf.variance_scaling_initializer(scale=2.0))


def _batch_norm(x, training):
    return tf.layers.batch_normalization(x, momentum=BN_MOMENTUM, training=training)


def residual_block(x, filters, stride, training):
    """Seed 002's block: conv-BN-relu-conv-BN plus a shortcut (a 1x1 conv and BN where the
    shape changes, the input itself elsewhere), then relu."""
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = _batch_norm(_conv(x, filters, 1, stride), training)
    y = tf.nn.relu(_batch_norm(_conv(x, filters, 3, stride), training))
    y = _batch_norm(_conv(y, filters, 3, 1), training)
    return tf.nn.relu(y + shortcut)


def residual_network(images, training=False):
    """Seed 002's network for ``[N, 8, 8, 1]`` images: a 3x3 stem, three residual blocks,
    average pooling over the whole map, a dense layer to 10 logits."""
    x = tf.nn.relu(_batch_norm(_conv(images, FILTERS[0], 3, 1), training))
    for filters, stride in zip(FILTERS, STRIDES):
        x = residual_block(x, filters, stride, training)
    x = tf.layers.average_pooling2d(x, pool_size=x.shape[1:3], strides=1)
    return tf.layers.dense(tf.layers.flatten(x), 10,
                           kernel_initializer=tf.glorot_uniform_initializer(),
                           bias_initializer=tf.constant_initializer(0.0))


def load_digits(device):
    """scikit-learn's digits as ``[N, 8, 8, 1]`` float images in [0, 1] and int64 labels:
    ``(train_images, train_labels, test_images, test_labels)``, a fixed stratified 80/20
    split."""
    from sklearn.datasets import load_digits as digits
    from sklearn.model_selection import train_test_split
    data = digits()
    split = train_test_split(data.images / 16.0, data.target, test_size=TEST_FRACTION,
                             random_state=SPLIT_SEED, stratify=data.target)
    x_train, x_test, y_train, y_test = (torch.as_tensor(a).to(device) for a in split)
    return x_train.float()[..., None], y_train, x_test.float()[..., None], y_test


def predict(net, images):
    """The class ``net`` predicts for each image (inference mode: moving statistics)."""
    with torch.no_grad():
        return torch.argmax(net(images, training=False), dim=1)


def reload(checkpoint, images, device):
    """Rebuild the network in a fresh graph, restore ``checkpoint`` and predict ``images``."""
    with tf.Graph().as_default(), tf.device(device):
        net = tf.make_template("resnet", residual_network)
        net(images[:1])                                  # creates the variables
        tf.train.Saver().restore(None, checkpoint)
        return predict(net, images)


def check_reload(trained, reloaded):
    """Raise unless the reloaded network predicts exactly what the trained one did."""
    differ = int((trained != reloaded).sum())
    if differ:
        raise tf.errors.ReloadMismatchError(
            "the network restored from the last checkpoint predicts %d of %d test images "
            "differently from the trained one: the checkpoint does not hold the trained "
            "variables" % (differ, len(trained)))


class Recorder:
    """A custom getter that remembers the initializer of each ``get_variable`` variable."""

    def __init__(self):
        self.initializers = {}

    def __call__(self, getter, name, *args, **kwargs):
        self.initializers[name] = kwargs.get("initializer")
        return getter(name, *args, **kwargs)


def summaries(batch, evaluation, variables):
    """The merged summary ops run per step (``train/loss``, ``train/accuracy`` of the last
    batch) and per epoch (``test/accuracy``, a histogram of the dense kernel)."""
    with tf.name_scope("train"):
        tf.summary.scalar("loss", lambda: batch["loss"])
        tf.summary.scalar("accuracy", lambda: batch["accuracy"])
    with tf.name_scope("test"):
        tf.summary.scalar("accuracy", lambda: evaluation["accuracy"], collections=["epoch"])
    tf.summary.histogram("dense_kernel", variables["resnet/dense/kernel"],
                         collections=["epoch"])
    return tf.summary.merge_all(), tf.summary.merge_all("epoch")


def train(args, logdir, data):
    """Train for ``args.epochs``, a summary per step, a checkpoint per epoch; returns
    ``(test predictions, last checkpoint, optimizer, initializers)``."""
    from tqdm import tqdm
    x_train, y_train, x_test, y_test = data
    tf.set_random_seed(args.seed)
    shuffle = torch.Generator().manual_seed(args.seed)
    recorder = Recorder()
    with tf.variable_scope(tf.get_variable_scope(), custom_getter=recorder):
        net = tf.make_template("resnet", residual_network)
        net(x_train[:1])
        step = tf.train.get_or_create_global_step()
    optimizer = tf.train.AdamOptimizer(args.lr)
    batch, evaluation = {}, {}

    def loss():
        logits = net(batch["x"], training=True)
        batch["accuracy"] = (torch.argmax(logits, 1) == batch["y"]).float().mean()
        batch["loss"] = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=batch["y"], logits=logits))
        return batch["loss"]

    per_step, per_epoch = summaries(batch, evaluation, net.variables_dict())
    saver = tf.train.Saver(max_to_keep=3, defer_build=True)    # built once Adam's slots exist
    steps = -(-len(x_train) // args.batch_size)
    with tf.summary.FileWriter(logdir) as writer, \
            tqdm(total=args.epochs * steps, unit="step", disable=args.quiet,
                 file=sys.stderr) as bar:
        for epoch in range(1, args.epochs + 1):
            bar.set_description("epoch %d/%d" % (epoch, args.epochs))
            order = torch.randperm(len(x_train), generator=shuffle).to(x_train.device)
            for i in range(steps):
                take = order[i * args.batch_size:(i + 1) * args.batch_size]
                batch["x"], batch["y"] = x_train[take], y_train[take]
                optimizer.minimize(loss, global_step=step)
                writer.add_summary(per_step(), step)
                bar.set_postfix(loss="%.3f" % batch["loss"].item(), refresh=False)
                bar.update()
            predictions = predict(net, x_test)
            evaluation["accuracy"] = (predictions == y_test).float().mean()
            writer.add_summary(per_epoch(), step)
            saver.build()
            checkpoint = saver.save(None, os.path.join(logdir, "model.ckpt"), global_step=step)
            bar.set_postfix(loss="%.3f" % batch["loss"].item(),
                            test_acc="%.3f" % evaluation["accuracy"].item())
    return predictions, checkpoint, optimizer, recorder.initializers


def describe(initializer):
    """``VarianceScaling(scale=2.0, mode=fan_in, ...)``: the class and its configuration
    (without seed and dtype); ``-`` for None."""
    if initializer is None:
        return "-"
    config = {k: v for k, v in initializer.get_config().items() if k not in ("seed", "dtype")}
    return "%s(%s)" % (type(initializer).__name__,
                       ", ".join("%s=%s" % item for item in config.items()))


def variable_rows(graph, initializers, slots):
    """``(name, shape, initializer, collections)`` of every global variable but ``slots``."""
    keys = graph.get_all_collection_keys()
    return [(v.op.name, str(list(v.shape)), describe(initializers.get(v.op.name)),
             ", ".join(k for k in keys if any(x is v for x in graph.get_collection_ref(k))))
            for v in graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
            if not any(v is s for s in slots)]


def print_table(header, rows):
    """``rows`` under ``header``: a ``rich`` table when rich is installed, else aligned text."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print_aligned([header] + rows)
        return
    table = Table(*header, box=None, header_style="bold")
    for row in rows:
        table.add_row(*row)
    console = Console()
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    console.width = max(console.width, sum(widths) + 2 * len(widths))    # rows, not wrapped
    console.print(table)


def tf_device(name):
    """``cpu``, ``cuda`` or ``cuda:N`` as ``(TF device string, None)``, or ``(None, a
    one-line error)`` for an unknown device or a GPU this machine does not have."""
    kind, _, index = name.partition(":")
    if kind == "cpu" and not index:
        return "/cpu:0", None
    if kind != "cuda" or (index and not index.isdigit()):
        return None, "unknown device %r: use cpu, cuda or cuda:N" % name
    if not torch.cuda.is_available():
        return None, "--device %s: no CUDA GPU is available here; use --device cpu" % name
    n = int(index or 0)
    if n >= torch.cuda.device_count():
        return None, ("--device %s: this machine has %d CUDA GPU(s), cuda:0 to cuda:%d"
                      % (name, torch.cuda.device_count(), torch.cuda.device_count() - 1))
    return "/gpu:%d" % n, None


def check_options(args):
    """``(TF device string, None)``, or ``(None, a one-line error)`` for a bad option."""
    for option in ("epochs", "batch_size"):
        if getattr(args, option) < 1:
            return None, "--%s must be at least 1, got %d" % (option.replace("_", "-"),
                                                              getattr(args, option))
    if not args.lr > 0:
        return None, "--lr must be positive, got %g" % args.lr
    return tf_device(args.device)


def require():
    """Raise one line saying what to install when a module the demo needs is missing."""
    missing = [pip for module, pip in (("sklearn", "scikit-learn"), ("tqdm", "tqdm"),
                                       ("tensorboard", "tensorboard"))
               if not _importable(module)]
    if missing:
        raise ImportError("the demo needs %s: pip install 'scopevar[demo]'"
                          % ", ".join(missing))


def _importable(module):
    return importlib.util.find_spec(module) is not None


def run(args):
    """The demo; returns the exit status (2: a bad option).  Runs torch on one CPU thread: the
    tensors are too small for more to pay, and results then do not depend on the core count."""
    device, error = check_options(args)
    if error:
        print("scopevar demo: error: %s" % error, file=sys.stderr)
        return 2
    require()
    logdir = args.output_dir or tempfile.mkdtemp(prefix="scopevar-demo-")
    os.makedirs(logdir, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(args, device, logdir)
    finally:
        torch.set_num_threads(threads)


def _run(args, device, logdir):
    with tf.Graph().as_default() as graph, tf.device(device):
        data = load_digits(tf.DeviceSpec.from_string(device).torch_device())
        predictions, checkpoint, optimizer, initializers = train(args, logdir, data)
        slots = [optimizer.get_slot(v, name) for name in optimizer.get_slot_names()
                 for v in tf.trainable_variables()]
        rows = variable_rows(graph, initializers, slots)
    x_test, y_test = data[2], data[3]
    check_reload(predictions, reload(checkpoint, x_test, device))
    correct = int((predictions == y_test).sum())
    if not args.quiet:
        print_table(("variable", "shape", "initializer", "collections"), rows)
        print("+ %d Adam slots (<variable>/Adam, <variable>/Adam_1: zeros, in 'variables')"
              % len(slots))
        print("checkpoint %s restored into a fresh graph: same predictions on all %d test "
              "images" % (checkpoint, len(y_test)))
        print("TensorBoard: tensorboard --logdir %s" % logdir)
    print("test accuracy %.4f (%d/%d digits)" % (correct / len(y_test), correct, len(y_test)))
    return 0
