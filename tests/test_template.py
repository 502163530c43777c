"""make_template (issue 6): sharing across calls, TF's scope names, the nn.Module bridge
(state_dict keyed by TF names, .to in place, functional_call, torch.compile)."""
import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar import errors


def _dense(x, units=4):
    w = tf.get_variable("w", [x.shape[-1], units])
    b = tf.get_variable("b", [units], initializer=tf.zeros_initializer())
    return x @ w + b


def test_first_call_creates_later_calls_reuse():
    t = tf.make_template("dense", _dense, units=3)
    x = torch.ones(2, 5)
    y1, y2 = t(x), t(x)
    assert torch.equal(y1, y2)
    assert [v.op.name for v in tf.global_variables()] == ["dense/w", "dense/b"]
    assert t.variable_scope_name == "dense"
    assert [v.op.name for v in t.trainable_variables] == ["dense/w", "dense/b"]


def test_name_scopes_and_unique_scopes():
    seen = []

    def f(x):
        seen.append(tf.get_default_graph().get_name_scope())
        return _dense(x)
    t1, t2 = tf.make_template("m", f), tf.make_template("m", f)
    x = torch.ones(1, 2)
    t1(x); t1(x); t2(x)
    assert seen == ["m", "m_1", "m_2"]
    assert t2.variable_scope_name == "m_1"
    t3 = tf.make_template("n", _dense, create_scope_now_=True)
    assert t3.variable_scope_name == "n"
    t3(x)
    assert tf.global_variables()[-1].op.name == "n/b"
    t4 = tf.make_template("x", _dense, unique_name_="chosen")
    t4(x)
    assert t4.variable_scope_name == "chosen"


def test_calls_in_a_loop_cost_no_names_and_names_stay_tfs():
    """Each call forgets the names under its own scope, so N calls keep the graph's name
    tables the same size; names asked later under a finished call's scope are TF's (the TF
    side is tests/tf_parity/test_layers_parity.py::template_loop_names)."""
    inner = tf.make_template("block", lambda x: tf.layers.dense(x, 3))
    seen = []

    def f(x):
        seen.append(tf.get_default_graph().get_name_scope())
        return inner(tf.layers.dense(tf.layers.dense(x, 3), 3))
    net, g, x = tf.make_template("net", f), tf.get_default_graph(), torch.ones(2, 4)
    sizes = []
    for n in (5, 50, 300):
        while len(seen) < n:
            net(x)
        sizes.append((len(g._names_in_use), len(g._closed), sum(map(len, g._closed.values()))))
    assert sizes[0] == sizes[1] == sizes[2]
    assert seen[:3] == ["net", "net_1", "net_2"] and seen[-1] == "net_299"
    scopes = []
    for name in ("net", "net_7", "net_7/dense", "net_7/block/"):
        with tf.name_scope(name) as s:
            scopes.append(s)
    with tf.name_scope("net_8/"):
        for name in ("dense", "block", "other"):
            with tf.name_scope(name) as s:
                scopes.append(s)
    with tf.name_scope("net_9/block/"), tf.name_scope("dense") as s:
        scopes.append(s)
    assert scopes == ["net_300/", "net_7_1/", "net_7/dense_2/", "net_7/block/", "net_8/dense_2/",
                      "net_8/block_1/", "net_8/other/", "net_9/block/dense_1/"]
    assert tf.Variable(1.0, name="net_5/dense_1", trainable=False).name == "net_5/dense_1_1:0"


def test_new_trainable_variable_on_later_call_is_an_error():
    def f(x):
        return x * tf.Variable(1.0, name="v")
    t = tf.make_template("bad", f)
    t(torch.ones(1))
    with pytest.raises(ValueError, match="Trainable variable created when calling a template "
                                         "after the first time"):
        t(torch.ones(1))
    with pytest.raises(errors.TemplateArgumentError, match="func_ must be callable"):
        tf.make_template("t", 3)


def test_custom_getter_and_kwargs():
    calls = []

    def getter(getter, name, *a, **kw):
        calls.append(name)
        return getter(name, *a, **kw)
    t = tf.make_template("g", _dense, custom_getter_=getter, units=2)
    t(torch.ones(1, 2)); t(torch.ones(1, 2))
    assert calls[:2] == ["g/w", "g/b"] and len(calls) == 4


def test_module_views():
    t = tf.make_template("dense", _dense)
    x = torch.randn(3, 2)
    y = t(x)
    assert isinstance(t, torch.nn.Module)
    assert list(t.state_dict()) == ["dense/w", "dense/b"]
    assert [p for p in t.parameters()] == tf.global_variables()
    w = t.variables_dict()["dense/w"]
    t.load_state_dict({"dense/w": torch.ones(2, 4), "dense/b": torch.full((4,), 0.5)})
    assert t.variables_dict()["dense/w"] is w and torch.equal(w.detach(), torch.ones(2, 4))
    zero = {"dense/w": torch.zeros(2, 4), "dense/b": torch.zeros(4)}
    assert torch.equal(torch.func.functional_call(t, zero, (x,)), torch.zeros(3, 4))
    assert not torch.equal(t(x), torch.zeros(3, 4))          # variables untouched
    del y


def test_to_keeps_identity():
    t = tf.make_template("dense", _dense)
    t(torch.ones(1, 2))
    w = tf.global_variables()[0]
    t.to("cpu")
    assert tf.global_variables()[0] is w and t.variables_dict()["dense/w"] is w
    if torch.cuda.is_available():
        t.to("cuda")
        assert w.is_cuda and tf.global_variables()[0] is w


def test_gradients_and_optimizer():
    t = tf.make_template("dense", _dense, units=1)
    x, target = torch.randn(8, 3), torch.randn(8, 1)
    loss = lambda: ((t(x) - target) ** 2).mean()          # noqa: E731
    first = loss().item()
    opt = tf.train.AdamOptimizer(0.05)
    for _ in range(20):
        opt.minimize(loss)
    assert loss().item() < first


def test_torch_compile_matches_eager():
    t = tf.make_template("dense", _dense)
    x = torch.randn(4, 3)
    eager = t(x)
    compiled = torch.compile(t)
    np.testing.assert_allclose(compiled(x).detach().numpy(), eager.detach().numpy(),
                               rtol=1e-6, atol=1e-6)
    assert len(tf.global_variables()) == 2
