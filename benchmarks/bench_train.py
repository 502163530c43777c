"""One training step (forward, backward, optimizer update, batch-norm statistics): scopevar
vs the same network and update rule in plain torch vs TF compat.v1 graph mode.

Run: ``.venv/bin/python benchmarks/bench_train.py [runs] [threads] [--default-malloc]``.  TensorFlow runs in a
subprocess (the test oracle's runner); ratios are printed from timings taken in this one run,
best of ``runs`` (default 5) after a warm-up step; the scopevar and torch steps alternate.
Every side uses ``threads`` threads (default: torch's default; TF's intra- and inter-op pools
are set to it).  glibc's malloc keeps freed memory in this process (``steady_heap``), so that
neither side pays page faults for the other's leftovers; ``--default-malloc`` leaves glibc's
defaults, what a user gets, and runs each side in processes of its own (three per side, in
turn): in one heap, what one side leaves decides where the other faults.  The minor page
faults per step of each side are printed with the times.

* the demo network (``scopevar.demo.residual_network``: ``tf.layers`` in a ``make_template``,
  batch 64 of 8x8x1), Adam (lr 0.01): scopevar ``sess.run(train_op)`` of
  ``minimize(loss_fn)``; torch: the same function as ``nn.Module``s (TF's ``SAME`` padding,
  asymmetric for the stride-2 3x3 convolutions, as timm's ``Conv2dSame``; TF's initial values,
  checked first: same logits), ``torch.optim.Adam`` (the
  same rule but for where epsilon goes: TF adds it to ``sqrt(v)``, torch to
  ``sqrt(v / (1 - beta2^t))``); TF: the same ``residual_network`` source run on TensorFlow.
  Timed over blocks of ``STEPS`` steps.
* TF-Slim's ``resnet_v1_50`` (batch 8, 224x224; as in ``bench_resnet.py``), Momentum 0.9
  (lr 0.01; ``torch.optim.SGD(momentum=0.9)`` has TF's rule), loss = cross entropy + the arg
  scope's L2 weight decay.
"""
import ctypes
import inspect
import json
import os
import resource
import subprocess
import sys

import torch
import torch.nn.functional as F
from torch import nn

import scopevar as tf
from scopevar import demo
from bench_resnet import BATCH, CLASSES, SIZE, scopevar_model, torch_model
from _torch_resnet import l2_loss
from timing import best_each, optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tf_parity"))
DEMO_BATCH, STEPS = 64, 10

DEMO_SOURCE = "FILTERS, STRIDES, BN_MOMENTUM = %r, %r, %r\n" % (
    demo.FILTERS, demo.STRIDES, demo.BN_MOMENTUM) + "".join(
    inspect.getsource(f) for f in (demo._conv, demo._batch_norm, demo.residual_block,
                                   demo.residual_network))

TF_PROGRAM = r'''
import json, time
CONFIG = tf.ConfigProto(intra_op_parallelism_threads=THREADS,
                        inter_op_parallelism_threads=THREADS)
from tf_slim.nets import resnet_v1
rng = np.random.RandomState(0)
def timed(sess, op, steps):
    sess.run(op)
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        for _ in range(steps):
            sess.run(op)
        times.append((time.perf_counter() - t) / steps)
    return min(times)
def train_op(loss, optimizer):
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        return optimizer.minimize(loss)
def xent(labels, logits):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                          logits=logits))
res = {}
with tf.Graph().as_default():
    x = tf.constant(rng.uniform(size=[DEMO_BATCH, 8, 8, 1]).astype(np.float32))
    labels = tf.constant(rng.randint(0, 10, DEMO_BATCH))
    logits = tf.make_template("resnet", residual_network)(x, training=True)
    op = train_op(xent(labels, logits), tf.train.AdamOptimizer(0.01))
    with tf.Session(config=CONFIG) as sess:
        sess.run(tf.global_variables_initializer())
        res["demo"] = timed(sess, op, STEPS)
with tf.Graph().as_default():
    x = tf.constant(rng.standard_normal([BATCH, SIZE, SIZE, 3]).astype(np.float32))
    labels = tf.constant(rng.randint(0, CLASSES, BATCH))
    with slim.arg_scope(resnet_v1.resnet_arg_scope()):
        logits, _ = resnet_v1.resnet_v1_50(x, CLASSES, is_training=True)
    loss = xent(labels, tf.squeeze(logits, [1, 2])) + tf.losses.get_regularization_loss()
    op = train_op(loss, tf.train.MomentumOptimizer(0.01, 0.9))
    with tf.Session(config=CONFIG) as sess:
        sess.run(tf.global_variables_initializer())
        res["resnet"] = timed(sess, op, 1)
print(json.dumps(res))
'''


def tensorflow(runs):
    """TF's ``{"demo": s, "resnet": s}`` per step, or None without TensorFlow."""
    from oracle import run_tf_script, tf_available
    if not tf_available():
        return None
    head = "BATCH, SIZE, CLASSES, RUNS, DEMO_BATCH, STEPS, THREADS = %r\n" % (
        (BATCH, SIZE, CLASSES, runs, DEMO_BATCH, STEPS, torch.get_num_threads()),)
    return json.loads(run_tf_script(head + DEMO_SOURCE + TF_PROGRAM).strip().splitlines()[-1])


class SameConv2d(nn.Conv2d):
    """A bias-free ``Conv2d`` with TF's ``SAME`` padding, as torch ports of TF models write it
    (timm's ``Conv2dSame``): the conv's own padding where TF pads evenly, else an explicit
    ``F.pad`` with the extra row / column at the bottom / right."""

    def __init__(self, cin, cout, k, stride):
        even = stride == 1 and k % 2 == 1
        super().__init__(cin, cout, k, stride, k // 2 if even else 0, bias=False)
        self.even = even

    def forward(self, x):
        if not self.even:
            pads = []
            for size in (x.shape[3], x.shape[2]):
                total = max((-(-size // self.stride[0]) - 1) * self.stride[0]
                            + self.kernel_size[0] - size, 0)
                pads += [total // 2, total - total // 2]
            x = F.pad(x, pads)
        return super().forward(x)


class DemoNet(nn.Module):
    """``scopevar.demo.residual_network`` in ``torch.nn``, the same function: 3x3 stem, three
    residual blocks (1x1 projection shortcuts where the shape changes; modules registered in
    the order TF creates the variables), global average pool, dense."""

    def __init__(self):
        super().__init__()

        def conv_bn(cin, cout, k, stride):
            return nn.Sequential(SameConv2d(cin, cout, k, stride),
                                 nn.BatchNorm2d(cout, 1e-3, 1 - demo.BN_MOMENTUM))
        self.stem = conv_bn(1, demo.FILTERS[0], 3, 1)
        self.blocks = nn.ModuleList()
        cin = demo.FILTERS[0]
        for f, s in zip(demo.FILTERS, demo.STRIDES):
            shortcut = {"shortcut": conv_bn(cin, f, 1, s)} if s != 1 or cin != f else {}
            self.blocks.append(nn.ModuleDict({
                **shortcut, "a": conv_bn(cin, f, 3, s), "b": conv_bn(f, f, 3, 1)}))
            cin = f
        self.dense = nn.Linear(cin, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for b in self.blocks:
            shortcut = b["shortcut"](x) if "shortcut" in b else x
            x = F.relu(b["b"](F.relu(b["a"](x))) + shortcut)
        return self.dense(x.mean((2, 3)))

    def load_tf_values(self, variables):
        """Copy the template's trainable variables (TF's creation order, HWIO kernels)."""
        with torch.no_grad():
            for p, v in zip(self.parameters(), variables, strict=True):
                value = v.detach()
                p.copy_(value.permute(3, 2, 0, 1) if value.dim() == 4 else value.T
                        if value.dim() == 2 else value)
        return self


def demo_steps():
    """``(scopevar step, torch step)``, each running ``STEPS`` training steps, from the same
    values (checked first: same logits)."""
    torch.manual_seed(0)
    x = torch.rand(DEMO_BATCH, 8, 8, 1)
    labels = torch.randint(0, 10, (DEMO_BATCH,))
    with tf.Graph().as_default() as graph:
        net = tf.make_template("resnet", demo.residual_network)
        net(x[:1])
        model = DemoNet().load_tf_values(net.trainable_variables).to(
            memory_format=torch.channels_last)
        x_nchw = x.permute(0, 3, 1, 2)
        torch.testing.assert_close(net(x, training=True), model(x_nchw), rtol=1e-4, atol=1e-4)
        train_op = tf.train.AdamOptimizer(0.01).minimize(
            lambda: F.cross_entropy(net(x, training=True), labels))
    sess = tf.Session()

    def sv(_):
        with graph.as_default():
            for _ in range(STEPS):
                sess.run(train_op)

    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def pt(_):
        for _ in range(STEPS):
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x_nchw), labels).backward()
            opt.step()
    return sv, pt


def resnet_steps():
    """``(scopevar step, torch step)`` of ``resnet_v1_50`` with Momentum."""
    torch.manual_seed(0)
    x = torch.randn(BATCH, SIZE, SIZE, 3)
    labels = torch.randint(0, CLASSES, (BATCH,))
    with tf.Graph().as_default() as graph:
        run, _, values = scopevar_model()
        train_op = tf.train.MomentumOptimizer(0.01, 0.9).minimize(
            lambda: F.cross_entropy(run(x, True).reshape(BATCH, CLASSES), labels)
            + tf.losses.get_regularization_loss())

    def sv(_):
        with graph.as_default():
            train_op()

    model = torch_model(values).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x_nchw = x.permute(0, 3, 1, 2)

    def pt(_):
        opt.zero_grad(set_to_none=True)
        (F.cross_entropy(model(x_nchw).reshape(BATCH, CLASSES), labels)
         + l2_loss(model)).backward()
        opt.step()
    return sv, pt


def counting_faults(f, counts):
    """``f`` appending the minor page faults of each call to ``counts``."""
    def counted(i):
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        f(i)
        counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
    return counted


def steady_heap():
    """Make glibc's malloc keep the memory freed (no heap trimming, a fixed mmap threshold),
    for every side alike.  By default it hands the top of the heap back to the OS when a free
    leaves more than twice its adaptive mmap threshold there, and the next step page-faults
    it in again (resnet: ~400 MB, ~100k faults, ~5% of a step).  Whether that happens depends
    on what is left alive at the top of the heap when a step ends (torch's ``.grad``s live on
    between steps, TF's step frees its gradients), not on either side's arithmetic."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):                  # not glibc: nothing to steady
        return
    mallopt(-3, 32 << 20)                               # M_MMAP_THRESHOLD (glibc's maximum)
    mallopt(-1, 2 ** 31 - 1)                            # M_TRIM_THRESHOLD


NETWORKS = {"demo": (demo_steps, STEPS), "resnet": (resnet_steps, 1)}


def one_side(name, side, runs):
    """Time side ``side`` (0: scopevar, 1: torch) of network ``name`` alone in this process:
    ``(best seconds per step, median minor page faults per step)``."""
    steps, per = NETWORKS[name]
    faults = []
    f = counting_faults(steps()[side], faults)
    f(0)
    faults.clear()
    return best_each([f], runs)[0] / per, sorted(faults)[len(faults) // 2] / per


def separately(name, runs, rounds=3):
    """``one_side`` of each side in a process of its own, the sides in turn, ``rounds`` times:
    per side, the best time and its page faults (one heap per side, as a user has)."""
    best = [(float("inf"), 0), (float("inf"), 0)]
    for _ in range(rounds):
        for side in (0, 1):
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--side", name,
                                  str(side), str(runs), str(torch.get_num_threads())],
                                 check=True, capture_output=True, text=True).stdout
            best[side] = min(best[side], tuple(json.loads(out.strip().splitlines()[-1])))
    return best


def main():
    args = sys.argv[1:]
    if args[:1] == ["--side"]:
        torch.set_num_threads(int(args[4]))
        print(json.dumps(one_side(args[1], int(args[2]), int(args[3]))))
        return
    default = "--default-malloc" in args
    args = [a for a in args if a != "--default-malloc"]
    if not default:
        steady_heap()
    runs = int(args[0]) if args else 5
    if len(args) > 1:
        torch.set_num_threads(int(args[1]))
    res, faults = {}, {}
    for name, (steps, per) in NETWORKS.items():
        if default:
            (t_sv, f_sv), (t_pt, f_pt) = separately(name, runs)
            res[name], faults[name] = (t_sv, t_pt), (f_sv, f_pt)
            continue
        counts = [[], []]
        sv, pt = (counting_faults(f, c) for f, c in zip(steps(), counts))
        sv(0), pt(0)
        res[name] = [t / per for t in best_each([sv, pt], runs)]
        faults[name] = [sorted(c)[len(c) // 2] / per for c in counts]
    tfr = optional(tensorflow, runs)
    print("training step, %d threads, best of %d (ms per step), %s; load average %s"
          % (torch.get_num_threads(), runs,
             "default malloc, each side in processes of its own" if default
             else "steady malloc, both sides in this process",
             " ".join("%.2f" % a for a in os.getloadavg())))
    print("| | scopevar | torch | TF v1 graph | scopevar / torch | scopevar / TF |")
    print("|---|---|---|---|---|---|")
    for name, label in (("demo", "demo network, batch %d of 8x8x1, Adam" % DEMO_BATCH),
                        ("resnet", "resnet_v1_50, batch %d of %dx%d, Momentum"
                         % (BATCH, SIZE, SIZE))):
        t_sv, t_pt = res[name]
        t_tf = tfr[name] if tfr else float("nan")
        print("| %s | %.1f | %.1f | %.1f | %.3fx | %.2fx |"
              % (label, t_sv * 1e3, t_pt * 1e3, t_tf * 1e3, t_sv / t_pt, t_sv / t_tf))
    print("minor page faults per step (median%s): " % ("" if default else
                                                        "; the two sides share one heap")
          + "; ".join("%s scopevar %d, torch %d" % (name, *faults[name]) for name in NETWORKS))


if __name__ == "__main__":
    main()
