"""Optimizers (issue 6): TF's update rules on hand-computed examples, slot names and
collections, eager minimize, errors (and nothing half-created), clipping, schedules."""
import math

import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar import errors


def _quad():
    w = tf.get_variable("w", initializer=[1.0, -2.0])
    return w, (lambda: (w * w).sum())          # gradient 2w


def test_sgd_rule_and_global_step():
    w, loss = _quad()
    step = tf.train.get_or_create_global_step()
    op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    np.testing.assert_allclose(w.eval(), [0.8, -1.6], rtol=1e-6)
    assert int(step) == 1


def test_minimize_op_recomputes_the_loss_per_run():
    w, loss = _quad()
    step = tf.train.get_or_create_global_step()
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    train_op = opt.minimize(loss, global_step=step)      # the first step, now
    with tf.Session() as sess:
        assert sess.run(train_op) is None
    train_op()
    assert int(step) == 3
    ref = tf.get_variable("ref", initializer=[1.0, -2.0])
    ref_opt = tf.train.MomentumOptimizer(0.1, 0.9)
    for _ in range(3):
        ref_opt.minimize(lambda: (ref * ref).sum())
    np.testing.assert_allclose(w.eval(), ref.eval(), rtol=1e-6)


def test_minimize_op_of_a_computed_loss_cannot_run():
    w, loss = _quad()
    op = tf.train.GradientDescentOptimizer(0.1).minimize(loss())
    with pytest.raises(errors.SessionError, match="cannot be recomputed eagerly"):
        op()
    np.testing.assert_allclose(w.eval(), [0.8, -1.6], rtol=1e-6)


def test_momentum_rule_and_slot():
    w, loss = _quad()
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    opt.minimize(loss)
    opt.minimize(loss)
    # accum1 = g0 = [2,-4]; w1 = [0.8,-1.6]; accum2 = 0.9*accum1 + 2*w1 = [3.4,-6.8]
    np.testing.assert_allclose(w.eval(), [0.8 - 0.34, -1.6 + 0.68], rtol=1e-6)
    slot = opt.get_slot(w, "momentum")
    assert slot.op.name == "w/Momentum" and not slot.trainable
    assert opt.get_slot_names() == ["momentum"]
    assert slot in tf.global_variables() and slot not in tf.trainable_variables()


def test_adam_first_step_and_names():
    w, loss = _quad()
    opt = tf.train.AdamOptimizer(0.1)
    opt.minimize(loss)
    # t=1: m = 0.1 g, v = 0.001 g², lr_t = 0.1*sqrt(0.001)/0.1 -> step = lr_t*m/(sqrt(v)+eps) ~ 0.1
    np.testing.assert_allclose(w.eval(), [0.9, -1.9], rtol=1e-5)
    assert [v.op.name for v in opt.variables()] == ["beta1_power", "beta2_power", "w/Adam",
                                                     "w/Adam_1"]
    b1, b2 = opt._get_beta_accumulators()
    np.testing.assert_allclose([b1.item(), b2.item()], [0.81, 0.998001], rtol=1e-6)


def test_slots_follow_a_changing_var_list():
    w, loss = _quad()
    u = tf.get_variable("u", initializer=[3.0])
    opt = tf.train.AdamOptimizer(0.1)
    opt.minimize(loss, var_list=[w])
    assert opt.get_slot(u, "m") is None
    opt.minimize(lambda: loss() + (u * u).sum(), var_list=[w, u])
    assert opt.get_slot(u, "m").op.name == "u/Adam"
    # u's first Adam step, at t = 2 (the beta powers are the optimizer's, shared)
    lr_t = 0.1 * math.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2)
    np.testing.assert_allclose(u.eval(), [3 - lr_t * 0.6 / math.sqrt(0.036)], rtol=1e-5)


def test_rmsprop_and_adagrad_rules():
    w, loss = _quad()
    opt = tf.train.RMSPropOptimizer(0.01, decay=0.9, epsilon=1e-10)
    opt.minimize(loss)
    g = np.array([2.0, -4.0])
    ms = 1.0 + (g * g - 1.0) * 0.1
    np.testing.assert_allclose(w.eval(), [1.0, -2.0] - 0.01 * g / np.sqrt(ms), rtol=1e-6)
    np.testing.assert_allclose(opt.get_slot(w, "rms").eval(), ms, rtol=1e-6)
    assert opt.get_slot(w, "rms").op.name == "w/RMSProp"
    assert opt.get_slot(w, "momentum").op.name == "w/RMSProp_1"

    v = tf.get_variable("v", initializer=[1.0])
    ada = tf.train.AdagradOptimizer(0.5, initial_accumulator_value=0.1)
    ada.minimize(lambda: (v * v).sum(), var_list=[v])
    np.testing.assert_allclose(v.eval(), [1.0 - 0.5 * 2 / math.sqrt(4.1)], rtol=1e-6)
    assert ada.get_slot(v, "accumulator").op.name == "v/Adagrad"


def test_slots_under_reuse_scope_do_not_fail():
    with tf.variable_scope("net"):
        w = tf.get_variable("w", initializer=[1.0])
    with tf.variable_scope("net", reuse=True):
        opt = tf.train.AdamOptimizer(0.1)
        opt.minimize(lambda: (tf.get_variable("w") ** 2).sum())
    assert opt.get_slot(w, "m").op.name == "net/net/w/Adam"


def test_loss_as_computed_tensor_and_constraint():
    w = tf.get_variable("w", initializer=[1.0, 5.0], constraint=lambda t: t.clamp(max=2.0))
    tf.train.GradientDescentOptimizer(0.1).minimize((w * w).sum())
    np.testing.assert_allclose(w.eval(), [0.8, 2.0])


def test_compute_gradients_none_for_unused():
    w, loss = _quad()
    u = tf.get_variable("u", [3])
    gv = tf.train.GradientDescentOptimizer(0.1).compute_gradients(loss)
    assert [v for _, v in gv] == [w, u] and gv[1][0] is None
    np.testing.assert_allclose(gv[0][0].numpy(), [2.0, -4.0])


def test_foreach_groups_dtypes():
    a = tf.get_variable("a", initializer=np.array([1.0], np.float64))
    b = tf.get_variable("b", initializer=[1.0])
    tf.train.AdamOptimizer(0.1).minimize(lambda: (a * a).sum() + (b * b).sum().double())
    assert a.dtype == torch.float64 and abs(a.item() - 0.9) < 1e-6 and abs(b.item() - 0.9) < 1e-5


def test_cpu_updates_in_cache_sized_runs_equal_one_pass_per_rule():
    # 2^18-element runs: the update is applied in several runs, each the rule's exact ops
    shapes = [[300, 1000], [3], [1000, 200], [70000], [5, 5]]
    torch.manual_seed(0)
    init = [torch.randn(s) for s in shapes]
    grads = [[torch.randn(s) for s in shapes] for _ in range(2)]
    ws = [tf.get_variable("w%d" % i, initializer=v) for i, v in enumerate(init)]
    opt = tf.train.MomentumOptimizer(0.01, 0.9)
    for g in grads:
        opt.apply_gradients(zip(g, ws))
    assert tf.train.optimizers._chunks(ws) == [(0, 1), (1, 3), (3, 5)]
    for i, (v, w) in enumerate(zip(init, ws)):
        acc = torch.zeros_like(v)
        for g in grads:
            acc = acc * 0.9 + g[i]
            v = v.add(acc, alpha=-0.01)
        assert torch.equal(w.detach(), v) and torch.equal(opt.get_slot(w, "momentum"), acc)


def test_cpu_gradients_live_until_the_next_backward():
    # as torch's .grad: freed only after the next forward pass, so that glibc does not hand
    # their memory back to the OS between steps
    import weakref
    w, loss = _quad()
    opt = tf.train.GradientDescentOptimizer(0.1)
    grad = weakref.ref(opt.compute_gradients(loss)[0][0])
    assert grad() is not None
    opt.compute_gradients(loss)
    assert grad() is None


def test_l2_regularizer_gradient_is_tf_l2_loss_grad():
    # TF: scale * l2_loss(w), whose gradient is L2LossGrad(w, scale) = w * scale
    torch.manual_seed(0)
    w = tf.get_variable("w", initializer=torch.randn(3, 3, 4, 8))
    reg = tf.contrib.layers.l2_regularizer(1e-4)
    loss = reg(w)
    assert torch.equal(loss, torch.tensor(1e-4) * ((w * w).sum() / 2))
    grad, = torch.autograd.grad(loss, w)
    assert torch.equal(grad, w.detach() * torch.tensor(1e-4)) and grad.stride() == w.stride()


def test_errors_and_nothing_half_created():
    opt = tf.train.AdamOptimizer(0.1)
    with pytest.raises(errors.OptimizerArgumentError, match="No variables to optimize."):
        opt.minimize(lambda: torch.tensor(1.0))
    w = tf.get_variable("w", [2])
    with pytest.raises(ValueError, match="No gradients provided for any variable, check"):
        opt.minimize(lambda: w.detach().sum())
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.minimize(3.0)
    with pytest.raises(errors.GradientShapeError, match="Dimension 0 in both shapes"):
        opt.apply_gradients([(torch.ones(2), w), (torch.ones(3), w)])
    with pytest.raises(errors.GradientShapeError, match="Shapes must be equal rank"):
        opt.apply_gradients([(torch.ones(2, 1), w)])
    assert tf.global_variables() == [w] and opt.variables() == []
    with pytest.raises(errors.OptimizerArgumentError, match="No variables provided."):
        opt.apply_gradients([])
    with pytest.raises(TypeError, match="Gradient must be convertible"):
        opt.apply_gradients([(object(), w)])
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=-1)


def test_clip_by_global_norm():
    t, n = tf.clip_by_global_norm([torch.tensor([3.0, 4.0]), None], 2.5)
    assert abs(n.item() - 5.0) < 1e-6 and t[1] is None
    np.testing.assert_allclose(t[0].numpy(), [1.5, 2.0], rtol=1e-6)
    with pytest.raises(TypeError, match="should be a sequence"):
        tf.clip_by_global_norm(torch.ones(2), 1.0)


def test_schedules_follow_global_step():
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(1.0, step, 10, 0.5)
    assert float(lr()) == 1.0
    step.assign(10)
    assert abs(float(lr()) - 0.5) < 1e-7
    assert lr().dtype == torch.float32
    pc = tf.train.piecewise_constant(step, [5, 10], [1.0, 0.1, 0.01])
    assert abs(float(pc()) - 0.1) < 1e-7
    assert abs(float(tf.train.cosine_decay(1.0, step, 20)()) - 0.5) < 1e-6
    assert abs(float(tf.train.polynomial_decay(1.0, step, 20, 0.0)()) - 0.5) < 1e-6
    with pytest.raises(errors.LearningRateArgumentError, match="global_step is required"):
        tf.train.exponential_decay(0.1, None, 10, 0.9)
    w, loss = _quad()
    tf.train.GradientDescentOptimizer(lr).minimize(loss)     # lr 0.5 at step 10
    np.testing.assert_allclose(w.eval(), [0.0, 0.0], atol=1e-6)
