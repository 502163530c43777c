"""variable_scope / get_variable behaviour that the parity suite cannot show: errors leave the
graph unchanged, better-than-TF hints, threads, the reuse hot path."""
import threading

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import scopevar as tf
from scopevar import errors


def _state(g):
    return ([v.name for v in g.get_collection("variables")], dict(g._names_in_use),
            len(g._store._vars) if g._store else 0)


@pytest.mark.parametrize("bad", [
    lambda: tf.get_variable("_x", [1]),
    lambda: tf.get_variable("x y", [1]),
    lambda: tf.get_variable("noshape"),
    lambda: tf.get_variable("c", [1], dtype=tf.complex64),
    lambda: tf.get_variable("k", [2], initializer=[1.0, 2.0]),
    lambda: tf.get_variable("k", initializer=[1.0], dtype=tf.int32),
    lambda: tf.get_variable("k", [1], custom_getter=3),
    lambda: tf.get_variable("k", [4], partitioner=lambda shape, dtype: [0]),
    lambda: tf.get_variable("w", [1]),                  # exists
])
def test_errors_leave_graph_unchanged(fresh_graph, bad):
    tf.get_variable("w", [1])
    before = _state(fresh_graph)
    with pytest.raises((ValueError, TypeError)):
        bad()
    assert _state(fresh_graph) == before


def test_missing_variable_hint_names_similar_scope():
    with tf.variable_scope("conv1"):
        tf.get_variable("weights", [1])
    with tf.variable_scope("conv2", reuse=True):
        with pytest.raises(errors.VariableNotFoundError) as e:
            tf.get_variable("weights")
    msg = str(e.value)
    assert msg.startswith("Variable conv2/weights does not exist, or was not created with "
                          "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    assert "'conv1/weights'" in msg and "variable_scope('conv1', reuse=True)" in msg
    assert isinstance(e.value, ValueError)


def test_exists_hint_mentions_reset_default_graph():
    tf.get_variable("w", [1])
    with pytest.raises(errors.VariableAlreadyExistsError, match="reset_default_graph"):
        tf.get_variable("w", [1])


def test_improper_nesting():
    a = tf.variable_scope("a")
    b = tf.variable_scope("b")
    a.__enter__()
    b.__enter__()
    with pytest.raises(errors.ScopeNestingError, match="Improper nesting of variable_scope"):
        a.__exit__(None, None, None)


def test_reuse_fast_path_returns_same_object():
    with tf.variable_scope("a"):
        with tf.variable_scope("b"):
            w = tf.get_variable("w", [2, 3])
    with tf.variable_scope("a", reuse=True):
        with tf.variable_scope("b"):
            assert tf.get_variable("w", [2, 3]) is w
            assert tf.get_variable("w") is w
            with pytest.raises(errors.ShapeMismatchError):
                tf.get_variable("w", [3, 3])
            with pytest.raises(errors.DtypeMismatchError):
                tf.get_variable("w", [2, 3], dtype=tf.float64)


def test_scope_counts_restore_after_object_scope():
    with tf.variable_scope("dd") as dd:
        with tf.variable_scope(None, default_name="d") as x:
            assert x.name == "dd/d"
    for _ in range(3):
        with tf.variable_scope(dd):
            with tf.variable_scope(None, default_name="d") as x:
                assert x.name == "dd/d"
            with tf.variable_scope(None, default_name="d") as x:
                assert x.name == "dd/d_1"


def test_reset_default_graph():
    result = {}

    def body():                   # a new thread has no graph entered: the global one is default
        tf.get_variable("w", [1])
        old = tf.get_default_graph()
        tf.reset_default_graph()
        tf.get_variable("w", [1])                # no "already exists": a fresh graph
        result["ok"] = tf.get_default_graph() is not old and len(tf.global_variables()) == 1
    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert result["ok"]


def test_reset_inside_nested_graph_refused(fresh_graph):
    with pytest.raises(errors.GraphNestingError, match="clear nested graphs"):
        tf.reset_default_graph()


def _build(tag, out, graph=None, barrier=None):
    ctx = graph.as_default() if graph is not None else tf.Graph().as_default()
    with ctx:
        if barrier:
            barrier.wait()
        names = []
        for i in range(20):
            with tf.variable_scope(None, default_name="layer"):
                with tf.name_scope("ns"):
                    names.append(tf.get_variable("w", [2]).name)
                    names.append(tf.Variable(1.0, name="v").name)
        out[tag] = names


def test_threads_own_graphs():
    out = {}
    threads = [threading.Thread(target=_build, args=(i, out)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = out[0]
    assert expected[:4] == ["layer/w:0", "layer/ns/v:0", "layer_1/w:0", "layer_1/ns/v:0"]
    assert all(out[i] == expected for i in range(8))


def test_threads_share_one_graph():
    g = tf.Graph()
    out = {}
    barrier = threading.Barrier(8)

    def body(i):
        with g.as_default():
            barrier.wait()
            with tf.variable_scope("t%d" % i):
                out[i] = [tf.get_variable("w%d" % j, [1]).name for j in range(50)]
                out[i] += [tf.Variable(1.0, name="shared").name for _ in range(5)]
    threads = [threading.Thread(target=body, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        assert out[i][:50] == ["t%d/w%d:0" % (i, j) for j in range(50)]
    # tf.Variable names are uniquified across threads: every name is distinct
    all_v = [n for i in range(8) for n in out[i][50:]]
    assert len(set(all_v)) == 40
    assert len(g.get_collection("variables")) == 8 * 55
    # each thread starts at the root scope
    assert tf.get_variable_scope().name == ""


def test_thread_starts_at_root_scope():
    seen = []
    with tf.variable_scope("main"):
        t = threading.Thread(target=lambda: seen.append(tf.get_variable_scope().name))
        t.start()
        t.join()
    assert seen == [""]


def test_device_placement(fresh_graph):
    with tf.device("/cpu:0"):
        v = tf.get_variable("v", [1])
    assert v.op.device == "/device:CPU:0" and v.device.type == "cpu"
    with tf.device("/job:ps/task:1"):
        with tf.device("/cpu:0"):
            w = tf.Variable(1.0, name="w")
    assert w.op.device == "/job:ps/task:1/device:CPU:0"
    with pytest.raises(errors.DeviceError):
        with tf.device("/bogus:1"):
            pass


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_gpu_request_falls_back_to_cpu(fresh_graph):
    with pytest.warns(UserWarning, match="no GPU|none is available"):
        with tf.device("/gpu:0"):
            v = tf.get_variable("g", [1])
    assert v.device.type == "cpu" and v.op.device == "/device:GPU:0"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_gpu_placement(fresh_graph):
    with tf.device("/gpu:0"):
        v = tf.get_variable("g", [2])
    assert v.device.type == "cuda"


@pytest.mark.parametrize("shape", [[4, 4], [], (3,), [2, 3, 4, 5], [0, 3], [np.int64(2), 3]])
def test_default_creation_matches_general_path(fresh_graph, shape):
    """get_variable's short path (every option at its default) makes what the general path
    makes from an explicit glorot_uniform initializer: same values for one torch seed."""
    torch.manual_seed(7)
    v = tf.get_variable("fast", shape)
    torch.manual_seed(7)
    ref = tf.get_variable("general", shape, initializer=tf.glorot_uniform_initializer())
    assert torch.equal(v, ref) and v.dtype == ref.dtype == torch.float32
    assert (v.name, v.trainable, v.requires_grad) == ("fast:0", True, True)
    assert tf.global_variables() == [v, ref] and tf.trainable_variables() == [v, ref]
    torch.manual_seed(8)
    v.initializer()
    torch.manual_seed(8)
    ref.initializer()
    assert torch.equal(v, ref) and v.initial_value.shape == v.shape


def test_default_creation_keeps_tf_naming_and_checks(fresh_graph):
    tf.Variable(1.0, name="a")
    assert tf.get_variable("a", [1]).name == "a_1:0"        # TF: the op name is taken
    with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
        tf.get_variable("q", [4])
    with tf.variable_scope("p"):
        with pytest.raises(errors.PartitionError, match="partitioned version"):
            tf.get_variable("q", [4])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        w = tf.get_variable("w", [2])
        assert tf.get_variable("w", [2]) is w and tf.get_variable("w") is w
    created = []
    with tf.variable_creator_scope(lambda next_, **kw: created.append(kw["name"]) or next_(**kw)):
        tf.get_variable("c", [1])
    assert created == ["c"]


def test_threads_racing_on_one_name_share_one_variable():
    g = tf.Graph()
    out = {}
    barrier = threading.Barrier(8)

    def body(i):
        with g.as_default(), tf.variable_scope("race", reuse=tf.AUTO_REUSE):
            barrier.wait()
            out[i] = [tf.get_variable("w%d" % j, [2]) for j in range(100)]
    threads = [threading.Thread(target=body, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is b for i in range(8) for a, b in zip(out[0], out[i]))
    assert [v.name for v in g.get_collection("variables")] == ["race/w%d:0" % j for j in range(100)]


def _tf_unique_name(used, name, mark):
    """TF's ``Graph.unique_name`` at the root, as TF writes it (every name stored)."""
    key = name.lower()
    i = used.get(key, 0)
    if mark:
        used[key] = i + 1
    if i > 0:
        base = key
        while key in used:
            key = "%s_%d" % (base, i)
            i += 1
        if mark:
            used[key] = 1
        name = "%s_%d" % (name, i - 1)
    return name


_NAMES = ["a", "A", "a_1", "a_2", "A_3", "a_1_1", "a_01", "a_0", "b", "b_1", "_1", "",
          "t", "t_1", "t_2", "T_3", "t_1/a", "t_2/a_1", "t/b", "t_3/a/b"]
_OPS = st.one_of(st.tuples(st.sampled_from(_NAMES), st.booleans()),
                 st.lists(st.sampled_from(["a", "a_1", "b", "t", "T"]), max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(_OPS, max_size=30))
def test_unique_names_equal_tfs_though_closed_scopes_forget_theirs(ops):
    """A list of names is a template-like call: a fresh scope ``t``, these names uniquified
    in it, then its names forgotten (``Graph._forget_names``).  Every name given and peeked
    afterwards, in or under the closed scopes too, is TF's (``_tf_unique_name``)."""
    g, used = tf.Graph(), {}
    with g.as_default():
        for op in ops:
            if isinstance(op, tuple):
                assert g.unique_name(*op) == _tf_unique_name(used, *op)
                continue
            mark = g._names_mark()
            with g.name_scope("t") as scope:
                assert scope == _tf_unique_name(used, "t", True) + "/"
                for name in op:
                    assert g.unique_name(name) == _tf_unique_name(used, scope + name, True)
            g._forget_names(scope[:-1], mark)
        assert [g.unique_name(n, False) for n in _NAMES] == [_tf_unique_name(used, n, False)
                                                              for n in _NAMES]


_SCOPE_OPS = st.lists(st.one_of(
    st.tuples(st.sampled_from(["open", "close"]),
              st.sampled_from(["a", "a/x", "a/x_1", "a/x_2", "a/x_4", "a/y", "b", "x", "x_1"])),
    st.tuples(st.sampled_from(["query"]), st.sampled_from(["x", "a/x", "a/y", "b/x"])),
    st.tuples(st.sampled_from(["snapshot", "restore"]), st.none())), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_SCOPE_OPS)
@example([("open", "a/x"), ("snapshot", None), ("open", "a/x_1"), ("open", "a/x_2"),
          ("query", "a/x"), ("restore", None), ("query", "a/x")])   # a kept start undone
def test_unique_variable_scopes_equal_tfs_flat_table(ops):
    """Opening, closing sub-scopes, snapshots undone and unique-scope queries (whose search
    start is kept between queries) against TF's flat ``{scope name: count}`` table."""
    from scopevar.variable_scope import _get_unique_variable_scope, _scope_store
    with tf.Graph().as_default():
        store, counts, saved = _scope_store(), {}, []
        for op, name in ops:
            if op == "open":
                store.open_variable_scope(name)
                counts[name] = counts.get(name, 0) + 1
            elif op == "close":
                store.close_variable_subscopes(name)
                counts = {k: n for k, n in counts.items() if not k.startswith(name + "/")}
            elif op == "snapshot":
                store.snapshot()
                saved.append(dict(counts))
            elif op == "restore" and saved:
                store.restore()
                counts = saved.pop()
            elif op == "query":
                i, free = 0, name
                while counts.get(free, 0) > 0:
                    i += 1
                    free = "%s_%d" % (name, i)
                assert _get_unique_variable_scope(name) == free
