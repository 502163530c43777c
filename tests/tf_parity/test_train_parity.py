"""Optimizers, learning-rate schedules and moving averages (issue 6): the same training
program on TensorFlow (graph mode, ``sess.run(train_op)``) and on scopevar (eager,
``minimize`` per step) follows the same trajectory, with TF's slot and variable names."""
import pytest

from .oracle import case, check

pytestmark = pytest.mark.tf

MODEL = """
X = np.linspace(-1, 1, 24).reshape(8, 3).astype(np.float32)
Y = np.sin(np.arange(16)).reshape(8, 2).astype(np.float32)
w = tf.get_variable("w", initializer=np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], np.float32))
b = tf.get_variable("b", initializer=np.array([0.05, -0.05], np.float32))
step = tf.train.get_or_create_global_step()
def loss_fn():
    return tf.reduce_mean(tf.square(tf.matmul(tf.constant(X), w) + b - tf.constant(Y)))
"""

TRAIN = """
if TF:
    train = opt.minimize(loss_fn(), global_step=step)
    for _ in range(50):
        ev(train)
else:
    for _ in range(50):
        opt.minimize(loss_fn, global_step=step)
out["w"] = ev(w); out["b"] = ev(b); out["step"] = ev(step)
out["slots"] = opt.get_slot_names()
out["slot_vars"] = [[n, opt.get_slot(w, n).op.name] for n in opt.get_slot_names()]
out["opt_vars"] = [v.op.name for v in opt.variables()]
"""

OPTIMIZERS = {
    "sgd": "tf.train.GradientDescentOptimizer(0.1)",
    "momentum": "tf.train.MomentumOptimizer(0.05, 0.9)",
    "nesterov": "tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True)",
    "adam": "tf.train.AdamOptimizer(0.01)",
    "adam_custom": "tf.train.AdamOptimizer(0.05, beta1=0.8, beta2=0.99, epsilon=1e-6)",
    "rmsprop": "tf.train.RMSPropOptimizer(0.01)",
    "rmsprop_momentum": "tf.train.RMSPropOptimizer(0.01, decay=0.8, momentum=0.5)",
    "rmsprop_centered": "tf.train.RMSPropOptimizer(0.01, momentum=0.3, centered=True)",
    "adagrad": "tf.train.AdagradOptimizer(0.1)",
    "adagrad_init": "tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.5)",
    "sgd_exp_decay": "tf.train.GradientDescentOptimizer("
                     "tf.train.exponential_decay(0.2, step, 10, 0.5, staircase=True))",
    "sgd_poly_decay": "tf.train.GradientDescentOptimizer("
                      "tf.train.polynomial_decay(0.2, step, 30, 0.01, power=2.0))",
    "sgd_cosine_decay": "tf.train.GradientDescentOptimizer("
                        "tf.train.cosine_decay(0.2, step, 40, alpha=0.1))",
    "momentum_piecewise": "tf.train.MomentumOptimizer("
                          "tf.train.piecewise_constant(step, [10, 20], [0.1, 0.05, 0.01]), 0.9)",
}

CASES = [case("train_" + k, MODEL + "opt = " + v + TRAIN) for k, v in OPTIMIZERS.items()]


@pytest.mark.parametrize("case", CASES)
def test_optimizer_trajectory(case, tf_record):
    check(case, tf_record, exact=False, rtol=1e-5, atol=1e-6)


OTHER = [
    case("train_adam_in_scope_names", MODEL + """
with tf.variable_scope("outer"):
    with tf.name_scope("ns"):
        opt = tf.train.AdamOptimizer(0.01)
        if TF:
            ev(opt.minimize(loss_fn(), var_list=[w, b]))
        else:
            opt.minimize(loss_fn, var_list=[w, b])
out["names"] = [v.op.name for v in opt.variables()]
opt2 = tf.train.AdamOptimizer(0.01)
if TF:
    ev(opt2.minimize(loss_fn()))
else:
    opt2.minimize(loss_fn)
out["names2"] = [v.op.name for v in opt2.variables()]
out["w"] = ev(w)
"""),
    case("train_apply_gradients_none_grad", MODEL + """
unused = tf.get_variable("unused", [2])
opt = tf.train.GradientDescentOptimizer(0.1)
gv = opt.compute_gradients(loss_fn() if TF else loss_fn)
out["none"] = [v.op.name for g, v in gv if g is None]
if TF:
    ev(opt.apply_gradients(gv, global_step=step))
else:
    opt.apply_gradients(gv, global_step=step)
out["w"] = ev(w); out["step"] = ev(step)
"""),
    case("train_no_variables", """
opt = tf.train.GradientDescentOptimizer(0.1)
opt.minimize(tf.constant(1.0) if TF else (lambda: tf.constant(1.0)))
"""),
    case("train_no_gradients", """
w = tf.get_variable("w", [2])
opt = tf.train.GradientDescentOptimizer(0.1)
opt.apply_gradients([(None, w)])
""", message="No gradients provided for any variable: [\"<tf.Variable 'w:0' shape=(2,)"),
    case("train_grad_shape", """
w = tf.get_variable("w", [2])
opt = tf.train.GradientDescentOptimizer(0.1)
opt.apply_gradients([(tf.constant([1.0, 2.0, 3.0]), w)])
"""),
    case("train_adagrad_bad_init", """
tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
"""),
    case("train_clip_by_global_norm", """
a = tf.constant([3.0, 4.0]); c = tf.constant([[12.0]])
clipped, norm = tf.clip_by_global_norm([a, None, c], 6.5)
out["norm"] = ev(norm); out["a"] = ev(clipped[0]); out["c"] = ev(clipped[2])
out["none"] = clipped[1] is None
clipped, norm = tf.clip_by_global_norm([a], 100.0)
out["a2"] = ev(clipped[0])
"""),
    case("train_schedules", """
step = tf.train.get_or_create_global_step()
scheds = [tf.train.exponential_decay(0.1, step, 7, 0.9),
          tf.train.exponential_decay(0.1, step, 7, 0.9, staircase=True),
          tf.train.polynomial_decay(0.1, step, 10),
          tf.train.polynomial_decay(0.1, step, 10, 0.01, 0.5, cycle=True),
          tf.train.cosine_decay(0.1, step, 15, alpha=0.2),
          tf.train.piecewise_constant(step, [3, 8], [1.0, 0.5, 0.1]),
          tf.train.natural_exp_decay(0.1, step, 5, 0.3), tf.train.inverse_time_decay(0.1, step, 5, 0.3)]
vals = []
for i in range(0, 25, 3):
    ev(step.assign(i) if TF else (lambda: step.assign(i)))
    vals.append([float(ev(s)) for s in scheds])
out["vals"] = vals
"""),
    case("train_schedule_errors", """
tf.train.piecewise_constant(tf.constant(1), [3, 8], [1.0, 0.5])
"""),
]


@pytest.mark.parametrize("case", OTHER)
def test_train_misc(case, tf_record):
    check(case, tf_record, exact=False, rtol=1e-5, atol=1e-6)


EMA = [
    case("ema_shadows", MODEL + """
ema = tf.train.ExponentialMovingAverage(0.9)
opt = tf.train.GradientDescentOptimizer(0.1)
if TF:
    train = opt.minimize(loss_fn())
    with tf.control_dependencies([train]):
        upd = ema.apply([w, b])
    for _ in range(20):
        ev(upd)
else:
    ema.apply([w, b])                 # create the shadows from the initial values
    for _ in range(20):
        opt.minimize(loss_fn)
        ema.apply([w, b])
out["sw"] = ev(ema.average(w)); out["sb"] = ev(ema.average(b))
out["names"] = [ema.average(w).op.name, ema.average_name(b), ema.average_name(step)]
out["restore"] = sorted(ema.variables_to_restore())
"""),
    case("ema_num_updates", MODEL + """
ema = tf.train.ExponentialMovingAverage(0.99, num_updates=step, name="avg")
opt = tf.train.AdamOptimizer(0.05)
if TF:
    train = opt.minimize(loss_fn(), global_step=step)
    with tf.control_dependencies([train]):
        upd = ema.apply()
    for _ in range(15):
        ev(upd)
else:
    ema.apply()
    for _ in range(15):
        opt.minimize(loss_fn, global_step=step)
        ema.apply()
out["sw"] = ev(ema.average(w)); out["sb"] = ev(ema.average(b))
out["mav"] = [v.op.name for v in tf.moving_average_variables()]
"""),
    case("ema_int_variable", """
v = tf.Variable(1, name="count")
tf.train.ExponentialMovingAverage(0.9).apply([v])
"""),
]


@pytest.mark.parametrize("case", EMA)
def test_ema(case, tf_record):
    # eagerly the shadows are created before the optimizer's slots (apply before the first
    # step), so the order of GLOBAL_VARIABLES differs from TF's where an optimizer is used
    parts = ("out",) if case == "ema_num_updates" else ("vars", "collections", "out")
    check(case, tf_record, exact=False, rtol=1e-5, atol=1e-6, compare=parts)


def test_tensorflow_reads_our_event_files(tmp_path):
    """Real TensorFlow's ``summary_iterator`` reads the event file scopevar wrote (CRCs
    checked), with the tags, values and steps written."""
    import json

    import torch

    import scopevar as sv
    from .oracle import run_tf_script, tf_available
    if not tf_available():
        pytest.skip("TensorFlow is not installed")
    with sv.Graph().as_default():
        with sv.name_scope("summary"):
            sv.summary.scalar("loss", torch.tensor(0.25))
        sv.summary.histogram("h", torch.arange(5.0))
        merged = sv.summary.merge_all()
        with sv.summary.FileWriter(str(tmp_path)) as writer:
            writer.add_summary(merged(), global_step=3)
    path = next(tmp_path.iterdir())
    out = run_tf_script("""
import json
rows = []
for e in tf.train.summary_iterator(%r):
    rows.append([e.step, e.file_version] + [[v.tag, v.simple_value, v.histo.num] for v in e.summary.value])
print(json.dumps(rows))
""" % str(path))
    rows = json.loads(out.strip().splitlines()[-1])
    assert rows == [[0, "brain.Event:2"], [3, "", ["summary/loss", 0.25, 0.0], ["h", 0.0, 5.0]]]
