"""TF-Slim's ``resnet_v1_50``, batch 8 at 224x224 on the CPU: forward and forward+backward,
scopevar's slim vs the same network in plain ``torch.nn`` vs TF compat.v1 graph mode.

Run: ``.venv/bin/python benchmarks/bench_resnet.py [runs] [threads]``.  TensorFlow runs in a
subprocess (the test oracle's runner, ``tf_slim.nets.resnet_v1``); ratios are printed from
timings taken in this one run, best of ``runs`` (default 5) after a warm-up call; the scopevar
and torch runs alternate.  Every side uses ``threads`` threads (default: torch's default);
TF's intra- and inter-op pools are set to it.

* scopevar: ``tf_slim.nets.resnet_v1.resnet_v1_50(x, reuse=True)``, TF-Slim's own code run
  through ``scopevar.compat.alias_tensorflow()``, called eagerly each time (scopes re-entered,
  variables fetched) inside its ``resnet_arg_scope``;
* torch: ``_torch_resnet.py`` (``nn.Module``, ``channels_last``) holding the same values,
  which is checked first (same logits);
* TF: ``sess.run`` of the graph built once.
* forward: inference (batch norm with the moving statistics; ``torch.no_grad`` for both
  torch sides); forward+backward: training mode (batch statistics, moving statistics
  updated), mean sparse softmax cross entropy, gradients of every trainable variable.
"""
import json
import os
import sys

import torch

import scopevar as tf
from scopevar import slim
from _torch_resnet import load_tf_values
from _torch_resnet import resnet_v1_50 as torch_resnet_v1_50
from timing import best_each, optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tf_parity"))
BATCH, SIZE, CLASSES = 8, 224, 1000

TF_PROGRAM = r'''
import json, time
CONFIG = tf.ConfigProto(intra_op_parallelism_threads=THREADS,
                        inter_op_parallelism_threads=THREADS)
from tf_slim.nets import resnet_v1
rng = np.random.RandomState(0)
x = tf.constant(rng.standard_normal([BATCH, SIZE, SIZE, 3]).astype(np.float32))
labels = tf.constant(rng.randint(0, CLASSES, BATCH))
def timed(sess, fetch):
    sess.run(fetch)
    times = []
    for _ in range(RUNS):
        t = time.perf_counter(); sess.run(fetch); times.append(time.perf_counter() - t)
    return min(times)
res = {}
with slim.arg_scope(resnet_v1.resnet_arg_scope()):
    logits, _ = resnet_v1.resnet_v1_50(x, CLASSES, is_training=False)
    train_logits, _ = resnet_v1.resnet_v1_50(x, CLASSES, is_training=True, reuse=True)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=labels, logits=tf.squeeze(train_logits, [1, 2])))
grads = tf.gradients(loss, tf.trainable_variables())
with tf.Session(config=CONFIG) as sess:
    sess.run(tf.global_variables_initializer())
    res["forward"] = timed(sess, logits)
    res["forward_backward"] = timed(sess, [grads, tf.get_collection(tf.GraphKeys.UPDATE_OPS)])
print(json.dumps(res))
'''


def tensorflow(runs):
    """TF's ``{"forward": s, "forward_backward": s}``, or None without TensorFlow."""
    from oracle import run_tf_script, tf_available
    if not tf_available():
        return None
    head = "BATCH, SIZE, CLASSES, RUNS, THREADS = %r\n" % (
        (BATCH, SIZE, CLASSES, runs, torch.get_num_threads()),)
    return json.loads(run_tf_script(head + TF_PROGRAM).strip().splitlines()[-1])


def xent(logits, labels):
    return torch.nn.functional.cross_entropy(logits.reshape(BATCH, CLASSES), labels)


def scopevar_model():
    """``(run(x, is_training), trainable variables, {TF name: value})`` of TF-Slim's own
    ``resnet_v1_50``, unmodified, on scopevar through its import alias (TF is never imported
    in this process)."""
    tf.compat.alias_tensorflow()
    from tf_slim.nets import resnet_v1
    scope = resnet_v1.resnet_arg_scope()

    def run(x, is_training, reuse=True):
        with slim.arg_scope(scope):
            logits, _ = resnet_v1.resnet_v1_50(x, CLASSES, is_training=is_training, reuse=reuse)
        return logits
    run(torch.zeros(BATCH, SIZE, SIZE, 3), True, None)
    values = {v.op.name: v.detach() for v in tf.global_variables()}
    return run, tf.trainable_variables(), values


def torch_model(values):
    model = torch_resnet_v1_50(CLASSES)
    load_tf_values(model, values)
    return model


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if len(sys.argv) > 2:
        torch.set_num_threads(int(sys.argv[2]))
    torch.manual_seed(0)
    x = torch.randn(BATCH, SIZE, SIZE, 3)
    labels = torch.randint(0, CLASSES, (BATCH,))
    run, variables, values = scopevar_model()
    model = torch_model(values)
    x_nchw = x.permute(0, 3, 1, 2)                  # channels_last memory, no copy
    with torch.no_grad():
        same = (run(x, False) - model.eval()(x_nchw).permute(0, 2, 3, 1)).abs().max().item()
    print("max |scopevar - torch| logits: %.2g" % same)

    def sv_forward(_):
        with torch.no_grad():
            run(x, False)

    def pt_forward(_):
        with torch.no_grad():
            model(x_nchw)

    def sv_backward(_):
        for v in variables:
            v.grad = None
        xent(run(x, True), labels).backward()

    def pt_backward(_):
        model.zero_grad(set_to_none=True)
        xent(model(x_nchw), labels).backward()

    res = {}
    for name, sv, pt in (("forward", sv_forward, pt_forward),
                         ("forward_backward", sv_backward, pt_backward)):
        model.train(name != "forward")
        sv(0), pt(0)
        res[name] = best_each([sv, pt], runs)
    tfr = optional(tensorflow, runs)
    print("resnet_v1_50, batch %d, %dx%d, %d threads, best of %d (ms); load average %s"
          % (BATCH, SIZE, SIZE, torch.get_num_threads(), runs,
             " ".join("%.2f" % a for a in os.getloadavg())))
    print("| | scopevar | torch | TF v1 graph | scopevar / torch | scopevar / TF |")
    print("|---|---|---|---|---|---|")
    for name in ("forward", "forward_backward"):
        t_sv, t_pt = res[name]
        t_tf = tfr[name] if tfr else float("nan")
        print("| %s | %.0f | %.0f | %.0f | %.3fx | %.2fx |"
              % (name.replace("_", "+"), t_sv * 1e3, t_pt * 1e3, t_tf * 1e3, t_sv / t_pt,
                 t_sv / t_tf))


if __name__ == "__main__":
    main()
