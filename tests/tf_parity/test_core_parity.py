"""The core (issue 2): names, scopes, reuse, get_variable, collections, custom getters,
partitioners, regularizers, slim variables — the same programs on TensorFlow and scopevar.

Each case leaves behind its variables (name, shape, dtype), the standard collections and
``out``; errors are compared by class and by TF's message being the start of ours.
"""
import pytest

from .oracle import case, check

pytestmark = pytest.mark.tf

CASES = []


def add(case_id, code, sv_code=None, message=None):
    CASES.append(case(case_id, code, sv_code, message))


# -- naming ------------------------------------------------------------------------------------

add("variable_names", """
a = tf.Variable(1.0, name="v"); b = tf.Variable(1.0, name="v"); c = tf.Variable(1.0)
d = tf.Variable(1.0, name="v_1")
out["names"] = [a.name, b.name, c.name, d.name, a.op.name]
""")
add("variable_name_scope", """
with tf.name_scope("ns"):
    e = tf.Variable(1.0, name="v"); f = tf.get_variable("gv", [1])
with tf.name_scope("ns"):
    g = tf.Variable(1.0, name="v"); out["ns"] = tf.get_default_graph().get_name_scope()
out["names"] = [e.name, f.name, g.name]
""")
add("variable_scope_names", """
with tf.variable_scope("vs") as vs:
    out["a"] = [vs.name, vs.original_name_scope, tf.Variable(1.0, name="v").name, tf.get_variable("w", [1]).name]
with tf.variable_scope("vs", reuse=True) as vs2:
    out["b"] = [vs2.name, vs2.original_name_scope, tf.Variable(1.0, name="v").name, tf.get_variable("w", [1]).name]
with tf.variable_scope(vs) as vs3:
    out["c"] = [vs3.name, vs3.original_name_scope, tf.Variable(1.0, name="v").name, tf.get_default_graph().get_name_scope()]
with tf.variable_scope("outer"):
    with tf.variable_scope(vs) as vs4:
        out["d"] = [vs4.name, vs4.original_name_scope, tf.get_variable("w2", [1]).name, tf.get_default_graph().get_name_scope()]
with tf.variable_scope("outer"):
    with tf.variable_scope("inner") as inn:
        out["e"] = [inn.name, inn.original_name_scope]
""")
add("default_name_counters", """
names = []
for _ in range(2):
    with tf.variable_scope(None, default_name="dflt") as s: names.append([s.name, s.original_name_scope])
with tf.variable_scope("dflt_1") as s3: names.append([s3.name, s3.original_name_scope])
with tf.variable_scope(None, default_name="dflt") as s4: names.append([s4.name, s4.original_name_scope])
out["names"] = names
""")
add("auxiliary_name_scope", """
with tf.variable_scope("aux", auxiliary_name_scope=False) as ax:
    out["a"] = [ax.name, ax.original_name_scope, tf.get_variable("w", [1]).name, tf.Variable(1., name="v").name]
with tf.variable_scope(ax, auxiliary_name_scope=False) as ax2:
    out["b"] = [ax2.name, ax2.original_name_scope, tf.Variable(1., name="v").name]
with tf.variable_scope(ax) as ax3:
    out["c"] = [ax3.name, ax3.original_name_scope, tf.Variable(1., name="v").name]
with tf.name_scope("outer"):
    with tf.variable_scope("in", auxiliary_name_scope=False) as ax4:
        out["d"] = [ax4.name, ax4.original_name_scope, tf.Variable(1., name="v").name]
""")
add("vs_inside_name_scope", """
with tf.name_scope("ns2"):
    with tf.variable_scope("vs_in_ns") as vin:
        out["a"] = [vin.name, vin.original_name_scope, tf.get_variable("w", [1]).name, tf.Variable(1., name="v").name]
""")
add("name_scope_case_insensitive", """
with tf.name_scope("Foo") as a: pass
with tf.name_scope("foo") as b: pass
with tf.name_scope("FOO") as c: pass
out["s"] = [a, b, c]
""")
add("name_scope_absolute_and_none", """
with tf.name_scope("abs"):
    with tf.name_scope("zz/") as sc:
        out["a"] = [sc, tf.Variable(1., name="x").name]
    with tf.name_scope(None) as sc:
        out["b"] = [sc, tf.Variable(1., name="x").name]
    with tf.name_scope("") as sc:
        out["c"] = [sc, tf.Variable(1., name="y").name]
""")
add("name_scope_default_name", """
with tf.name_scope(None, "dflt") as a: pass
with tf.name_scope(None, "dflt") as b: pass
with tf.name_scope("given", "dflt") as c: pass
out["s"] = [a, b, c]
""")
add("slash_and_empty_scope_names", """
with tf.variable_scope("a/b") as ab:
    out["a"] = [ab.name, ab.original_name_scope, tf.get_variable("w", [1]).name]
with tf.variable_scope("") as es:
    out["b"] = [es.name, es.original_name_scope, tf.get_variable("w2", [1]).name]
with tf.variable_scope("q"):
    out["c"] = tf.get_variable("", [1]).name
    out["d"] = tf.get_variable("x/y", [1]).name
""")
add("vs_after_variable_named_like_it", """
out["v"] = tf.Variable(1.0, name="ns").name
with tf.variable_scope("ns") as s:
    out["s"] = [s.name, s.original_name_scope, tf.get_variable("w", [1]).name, tf.Variable(1., name="z").name]
""")
add("store_key_vs_graph_name", """
a = tf.Variable(1.0, name="v")
b = tf.get_variable("v", [1])
out["b"] = b.name
with tf.variable_scope("", reuse=True):
    out["same"] = tf.get_variable("v", [1]) is b
""")
add("nested_unique_names", """
with tf.variable_scope("net"):
    for i in range(3):
        with tf.variable_scope(None, default_name="layer"):
            tf.get_variable("w", [1])
with tf.variable_scope("net"):
    with tf.variable_scope(None, default_name="layer"):
        tf.get_variable("w2", [1])
""")
add("default_name_jump", """
with tf.variable_scope("default") as d:
    with tf.variable_scope(None, default_name="layer") as l1: out["a"] = l1.name
    with tf.variable_scope(None, default_name="layer") as l2: out["b"] = l2.name
with tf.variable_scope("jump"):
    pass
with tf.variable_scope(d):
    with tf.variable_scope(None, default_name="layer") as l3: out["c"] = l3.name
with tf.variable_scope("dd") as dd:
    with tf.variable_scope(None, default_name="d") as x: out["d"] = x.name
with tf.variable_scope(dd):
    with tf.variable_scope(None, default_name="d") as x: out["e"] = x.name
with tf.variable_scope(dd):
    with tf.variable_scope(None, default_name="d") as x: out["f"] = x.name
""")
add("subscope_counts_reset_on_exit", """
with tf.variable_scope("blk2"):
    with tf.variable_scope(None, default_name="d") as a: pass
    with tf.variable_scope(None, default_name="d") as b: pass
with tf.variable_scope("blk2"):
    with tf.variable_scope(None, default_name="d") as c: pass
out["s"] = [a.name, b.name, c.name, a.original_name_scope, c.original_name_scope]
""")
add("object_reentry_in_name_scope", """
root = tf.get_variable_scope()
with tf.name_scope("n"):
    with tf.variable_scope(root) as r:
        out["a"] = [r.name, tf.Variable(1., name="x").name, tf.get_variable("w", [1]).name]
with tf.variable_scope("tower4") as t4:
    pass
with tf.variable_scope("tower6"):
    with tf.variable_scope(t4, reuse=True) as t:
        out["b"] = [t.name, t.reuse, tf.Variable(1., name="x").name]
with tf.variable_scope("outer") as o:
    with tf.variable_scope(o) as o2:
        out["c"] = [o2.name, tf.Variable(1., name="x").name]
""")
add("original_name_scope_reentry", """
with tf.variable_scope("foo") as vs:
    pass
with tf.variable_scope(vs, auxiliary_name_scope=False) as vs1:
    with tf.name_scope(vs1.original_name_scope):
        v = tf.get_variable("v", [1]); x = tf.Variable(1.0, name="c")
out["n"] = [v.name, x.name]
""")
add("invalid_root_name", """tf.get_variable("_x", [1])""")
add("invalid_name_space", """tf.get_variable("x y", [1])""")
add("invalid_name_scope_root", """
with tf.name_scope("_root"): pass
""")
add("underscore_nested_ok", """
with tf.variable_scope("a"):
    out["n"] = tf.get_variable("_x", [1]).name
""")
add("invalid_nested_scope_name", """
with tf.variable_scope("a"):
    with tf.variable_scope("b c"): pass
""")
add("variable_initial_value_none", """tf.Variable(None)""")
add("variable_collections_string", """tf.Variable(1.0, collections="variables")""")
add("variable_constraint_not_callable", """tf.Variable(1.0, constraint=0)""")

# -- reuse ------------------------------------------------------------------------------------

add("reuse_exists_error", """
with tf.variable_scope("s"):
    tf.get_variable("v", [2])
with tf.variable_scope("s"):
    tf.get_variable("v", [2])
""")
add("reuse_missing_error", """
with tf.variable_scope("s", reuse=True):
    tf.get_variable("nope", [2])
""")
add("reuse_shape_mismatch", """
with tf.variable_scope("s"):
    tf.get_variable("v", [2])
with tf.variable_scope("s", reuse=True):
    tf.get_variable("v", [3])
""")
add("reuse_dtype_mismatch", """
with tf.variable_scope("s"):
    tf.get_variable("v", [2])
with tf.variable_scope("s", reuse=True):
    tf.get_variable("v", [2], dtype=tf.int32)
""")
add("reuse_ok_variants", """
with tf.variable_scope("s"):
    v = tf.get_variable("v", [2])
with tf.variable_scope("s", reuse=True) as s:
    out["a"] = [s.reuse, tf.get_variable("v", [2]) is v, tf.get_variable("v") is v,
                tf.get_variable("v", [None]) is v]
""")
add("reuse_inheritance", """
with tf.variable_scope("s", reuse=True):
    with tf.variable_scope("i1", reuse=False) as i: a = i.reuse
    with tf.variable_scope("i2", reuse=None) as i: b = i.reuse
    with tf.variable_scope("i3", reuse=tf.AUTO_REUSE) as i: c = str(i.reuse)
with tf.variable_scope("a", reuse=tf.AUTO_REUSE) as s:
    with tf.variable_scope("sub", reuse=False) as i: d = str(i.reuse)
    with tf.variable_scope("sub2", reuse=True) as i: e = i.reuse
out["r"] = [a, b, c, d, e]
""")
add("auto_reuse", """
def f():
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
        return tf.get_variable("x", [1])
out["same"] = f() is f()
""")
add("auto_reuse_shape_check", """
with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
    tf.get_variable("x", [1]); tf.get_variable("x", [3])
""")
add("reuse_variables_method", """
with tf.variable_scope("b") as b:
    y = tf.get_variable("y", [1])
    b.reuse_variables()
    out["a"] = [b.reuse, tf.get_variable_scope().reuse, tf.get_variable("y", [1]) is y]
    with tf.variable_scope("c") as c: out["child"] = c.reuse
with tf.variable_scope("b") as b2: out["by_name"] = b2.reuse
with tf.variable_scope(b) as b3: out["by_obj"] = b3.reuse
""")
add("object_reuse_ignores_parent", """
with tf.variable_scope("q") as q: pass
with tf.variable_scope("r", reuse=True):
    with tf.variable_scope(q) as q2: a = q2.reuse
    with tf.variable_scope("q") as q3: b = [q3.name, q3.reuse]
with tf.variable_scope(q, reuse=True) as q4: c = q4.reuse
out["r"] = [a, b, c]
""")
add("root_reuse_variables", """
tf.get_variable("a", [1])
tf.get_variable_scope().reuse_variables()
with tf.variable_scope("new") as n: out["r"] = n.reuse
tf.get_variable("b", [1])
""")
add("default_name_with_reuse_error", """
with tf.variable_scope(None, default_name="d", reuse=True): pass
""")
add("reuse_bad_value", """tf.variable_scope("z", reuse=1)""")
add("scope_none_none", """tf.variable_scope(None)""")
add("scope_bad_type", """
with tf.variable_scope(3): pass
""")
add("aux_not_bool", """tf.variable_scope("a", auxiliary_name_scope=1)""")
add("seed001_shared_net", """
def my_net(input, reuse):
    with tf.variable_scope(name_or_scope='my_net', reuse=reuse):
        weights = tf.get_variable('weights', shape=[input.get_shape()[-1], 512], dtype=tf.float32,
                                  initializer=tf.truncated_normal_initializer(mean=0, stddev=0.1))
        biases = tf.get_variable('biases', shape=[512], dtype=tf.float32,
                                 initializer=tf.constant_initializer(value=0.1))
        output = input @ weights + biases       # the seed: tf.nn.relu(tf.matmul(...) + biases)
    return output
x = tf.ones([4, 784])
a = my_net(x, reuse=False)
b = my_net(x, reuse=True)
out["shape"] = a.get_shape().as_list()
""")
add("seed000_scopes", """
with tf.variable_scope('conv1') as scope:
    weights = tf.Variable(tf.random_normal([3, 3, 3, 64]), name='weights')
    biases = tf.Variable(tf.zeros([64]), name='biases')
with tf.variable_scope('conv2') as scope:
    weights = tf.Variable(tf.random_normal([3, 3, 64, 128]), name='weights')
    biases = tf.Variable(tf.zeros([128]), name='biases')
with tf.variable_scope('conv1', reuse=tf.AUTO_REUSE) as scope:
    weights = tf.get_variable('weights', shape=[3, 3, 3, 64], initializer=tf.contrib.layers.xavier_initializer() if not TF else slim.xavier_initializer())
    biases = tf.get_variable('biases', shape=[64], initializer=tf.zeros_initializer())
with tf.variable_scope('conv2') as scope:
    weights = slim.variable('w2', shape=[3, 3, 64, 128], initializer=tf.zeros_initializer())
""")
add("seed000_reuse_variables_claim", """
with tf.variable_scope('conv1') as scope:
    weights = tf.get_variable('weights', shape=[3, 3, 3, 64])
with tf.variable_scope('conv2') as scope:
    scope.reuse_variables()
    weights = tf.get_variable('weights')
""")
add("seed003_name_scope_example", """
with tf.name_scope("my_scope"):
    v1 = tf.get_variable("var1", [1], dtype=tf.float32)
    v2 = tf.Variable(1, name="var2", dtype=tf.float32)
out["a"] = [v1.name, v2.name]
with tf.variable_scope("my_scope"):
    v1 = tf.get_variable("var1", [1], dtype=tf.float32)
    v2 = tf.Variable(1, name="var2", dtype=tf.float32)
out["b"] = [v1.name, v2.name]
""")
add("seed003_image_filters", """
def my_image_filter(x):
    w = tf.get_variable("w", [5, 5, 1, 4])
    return w
with tf.variable_scope("image_filters1") as scope1:
    r1 = my_image_filter(None)
with tf.variable_scope(scope1, reuse=True):
    r2 = my_image_filter(None)
out["same"] = r1 is r2
""")

# -- get_variable arguments ---------------------------------------------------------------------

add("no_shape_no_initializer", """tf.get_variable("noshape")""")
add("complex_needs_initializer", """tf.get_variable("c", [1], dtype=tf.complex64)""")
add("constant_initializer_with_shape", """tf.get_variable("cst", [2], initializer=tf.constant([1., 2.]))""")
add("constant_initializer_dtype_mismatch", """tf.get_variable("cst2", initializer=tf.constant([1., 2.]), dtype=tf.int32)""")
add("value_initializers", """
a = tf.get_variable("a", initializer=[1, 2])
b = tf.get_variable("b", initializer=np.array([1., 2.], np.float32))
c = tf.get_variable("c", initializer=tf.constant([1, 2]))
d = tf.get_variable("d", initializer=5.0)
e = tf.get_variable("e", initializer=5)
f = tf.get_variable("f", initializer=np.array([1., 2.]))
out["v"] = [ev(a), ev(b), ev(c), ev(d), ev(e), ev(f)]
""")
add("value_initializer_float_with_float64", """tf.get_variable("x", initializer=5.0, dtype=tf.float64)""")
add("value_initializer_np_float64", """
x = tf.get_variable("x", initializer=np.float64(5.0), dtype=tf.float64)
out["v"] = ev(x)
""")
add("int_initializer_reuse_pitfall", """
a = tf.get_variable("a", initializer=[1, 2])
with tf.variable_scope("", reuse=True):
    tf.get_variable("a")
""")
add("int_initializer_reuse_ok", """
a = tf.get_variable("a", initializer=[1, 2])
with tf.variable_scope("", reuse=True):
    out["same"] = tf.get_variable("a", dtype=tf.int32) is a
""")
add("default_initializers_by_dtype", """
i = tf.get_variable("ivar", [2], dtype=tf.int32)
b = tf.get_variable("bvar", [2], dtype=tf.bool)
f = tf.get_variable("f64", [2], dtype=tf.float64)
h = tf.get_variable("f16", [2], dtype=tf.float16)
u = tf.get_variable("u8", [2], dtype=tf.uint8)
l = tf.get_variable("i64", [3], dtype=tf.int64)
out["v"] = [ev(i), ev(b), ev(l), ev(u)]
""")
add("shape_with_none_dim", """tf.get_variable("x", [None, 2])""")
add("initializer_class", """
v = tf.get_variable("v2", [2], initializer=tf.zeros_initializer, dtype=tf.float32)
out["v"] = ev(v)
""")
add("initializer_zero_arg_callable_with_shape", """tf.get_variable("v3", [2], initializer=lambda: tf.zeros([2]))""")
add("initializer_zero_arg_callable", """
v = tf.get_variable("v4", initializer=lambda: tf.ones([2]))
out["v"] = ev(v)
""")
add("initializer_needs_args_no_shape", """tf.get_variable("v5", initializer=tf.ones_initializer())""")
add("initializer_optional_args_no_shape", """
def init(shape=(3,), dtype=tf.float32, partition_info=None):
    return tf.ones(shape, dtype)
v = tf.get_variable("v6", initializer=init)
out["v"] = ev(v)
""")
add("custom_initializer_partition_info", """
def my_init(shape, dtype=None, partition_info=None):
    out.setdefault("calls", []).append([list(shape), partition_info is None])
    return tf.zeros(shape, dtype)
tf.get_variable("mi", [2, 2], initializer=my_init)
""")
add("custom_initializer_without_partition_info", """
def my_init(shape, dtype=None):
    return tf.ones(shape, dtype)
v = tf.get_variable("mi", [2, 2], initializer=my_init)
out["v"] = ev(v)
""")
add("scope_initializer_and_dtype", """
with tf.variable_scope("s", initializer=tf.constant_initializer(3.0), dtype=tf.float64):
    a = tf.get_variable("a", [2])
    with tf.variable_scope("t"):
        b = tf.get_variable("b", [2])
    c = tf.get_variable("c", [2], initializer=tf.ones_initializer())
out["v"] = [ev(a), ev(b), ev(c)]
""")
add("scope_dtype_object_reentry", """
with tf.variable_scope("s", dtype=tf.float16) as s: pass
with tf.variable_scope(s):
    a = tf.get_variable("a", [2])
with tf.variable_scope("s2", dtype=tf.float64) as s2:
    s2.set_dtype(tf.float32)
    b = tf.get_variable("b", [2])
""")
add("scope_setters", """
with tf.variable_scope("s") as s:
    s.set_initializer(tf.constant_initializer(2.0))
    a = tf.get_variable("a", [2])
    s.set_regularizer(slim.l2_regularizer(0.5))
    b = tf.get_variable("b", [2])
out["v"] = [ev(a), ev(tf.losses.get_regularization_losses())]
""")
add("trainable_and_collections", """
v = tf.get_variable("w", [3, 4])
t1 = tf.get_variable("t1", [1], trainable=False)
t2 = tf.get_variable("t2", [1], collections=["mine"])
t3 = tf.get_variable("t3", [1], collections=[])
t4 = tf.get_local_variable("t4", [1])
t5 = tf.get_variable("t5", [1], synchronization=tf.VariableSynchronization.ON_READ)
t6 = tf.get_variable("t6", [1], synchronization=tf.VariableSynchronization.ON_READ, trainable=True)
tv = tf.Variable(1.0, name="tv"); tv2 = tf.Variable(1.0, name="tv2", trainable=False)
out["trainable"] = [x.trainable for x in (v, t1, t2, t3, t4, t5, t6, tv, tv2)]
out["mine"] = [x.name for x in tf.get_collection("mine")]
""")
add("local_variable_collections_arg", """
cols = ["c1"]
v = tf.get_local_variable("lv", [1], collections=cols)
out["cols"] = cols
out["c1"] = [x.name for x in tf.get_collection("c1")]
""")
add("collections_tuple_and_set", """
a = tf.Variable(1.0, name="a", collections=("x", "y"))
b = tf.get_variable("b", [1], collections={"z"})
out["c"] = [[x.name for x in tf.get_collection(k)] for k in ("x", "y", "z")]
""")
add("validate_shape_false", """
v = tf.get_variable("vsh", initializer=tf.zeros([3]), validate_shape=False)
out["shape"] = str(v.get_shape())
""")
add("aggregation_synchronization", """
sa = tf.get_variable("sa", [1], aggregation=tf.VariableAggregation.MEAN)
out["a"] = [str(sa.aggregation), str(sa.synchronization)]
""")
add("constraint_scope_not_inherited", """
cons = lambda x: x
with tf.variable_scope("cs", constraint=cons) as cs:
    k = tf.get_variable("k", [1])
    with tf.variable_scope("in"):
        k2 = tf.get_variable("k2", [1])
with tf.variable_scope(cs) as cs2:
    k3 = tf.get_variable("k3", [1])
out["c"] = [k.constraint is cons, k2.constraint is None, cs2.constraint is None, k3.constraint is None]
""")
add("variable_dtype_conversions", """
a = tf.Variable(1, name="a"); b = tf.Variable(1.5, name="b"); c = tf.Variable([1, 2], dtype=tf.float32)
d = tf.Variable(np.zeros([2], np.float64)); e = tf.Variable(True); f = tf.Variable(2**40)
out["v"] = [ev(a), ev(b), ev(c), ev(d), ev(e), ev(f)]
""")
add("variable_float_to_int_error", """tf.Variable(1.5, dtype=tf.int32)""")
add("variable_callable_initial_value", """
v = tf.Variable(lambda: tf.ones([2, 3]), name="cv")
out["v"] = ev(v)
""")
add("variable_assign_ops", """
v = tf.Variable([1.0, 2.0], name="v")
out["a"] = ev(v.assign([3.0, 4.0]))
out["b"] = ev(v.assign_add([1.0, 1.0]))
out["c"] = ev(v.assign_sub([0.5, 0.5]))
""")
add("variable_assign_shape_error", """
v = tf.Variable([1.0, 2.0], name="v")
v.assign([1.0, 2.0, 3.0])
""")
add("initializer_reruns", """
v = tf.Variable(tf.zeros([2]) + 1.0, name="v")
out["a"] = ev(v)
""")
add("get_variable_scope_root", """
s = tf.get_variable_scope()
out["s"] = [s.name, s.original_name_scope, s.reuse, str(s.dtype)]
""", sv_code="""
s = tf.get_variable_scope()
out["s"] = [s.name, s.original_name_scope, s.reuse, str(s.dtype).replace("torch.float32", "<dtype: 'float32'>")]
""")

# -- custom getters and creators ------------------------------------------------------------------

add("custom_getter_order", """
log = []
def mk(tag):
    def g(getter, name, *a, **k):
        log.append(["enter", tag, name]); v = getter(name, *a, **k); log.append(["exit", tag]); return v
    return g
with tf.variable_scope("cg1", custom_getter=mk("outer")):
    with tf.variable_scope("cg2", custom_getter=mk("inner")):
        tf.get_variable("x", [1])
out["log"] = log
""")
add("custom_getter_arg_replaces_scope", """
log = []
def mk(tag):
    def g(getter, name, *a, **k):
        log.append(tag); return getter(name, *a, **k)
    return g
with tf.variable_scope("a", custom_getter=mk("outer")):
    with tf.variable_scope("b", custom_getter=mk("inner")):
        tf.get_variable("x", [1], custom_getter=mk("arg"))
out["log"] = log
""")
add("custom_getter_rename", """
def ren(getter, name, *a, **k):
    return getter(name + "_suffix", *a, **k)
with tf.variable_scope("ren", custom_getter=ren):
    out["n"] = tf.get_variable("x", [1]).name
""")
add("custom_getter_kwargs", """
seen = {}
def g(getter, **kwargs):
    seen.update({k: str(v) for k, v in kwargs.items() if k in ("name", "shape", "reuse", "trainable", "collections")})
    seen["keys"] = sorted(kwargs)
    return getter(**kwargs)
with tf.variable_scope("k", custom_getter=g):
    tf.get_variable("x", [2, 3])
out["seen"] = seen
""")
add("custom_getter_no_constraint_kwarg", """
seen = []
def g(getter, name, shape=None, dtype=None, initializer=None, regularizer=None, reuse=None,
      trainable=None, collections=None, caching_device=None, partitioner=None,
      validate_shape=True, use_resource=None, synchronization=None, aggregation=None):
    seen.append(name)
    return getter(name, shape=shape, dtype=dtype, initializer=initializer, reuse=reuse)
with tf.variable_scope("k", custom_getter=g):
    tf.get_variable("x", [2])
out["seen"] = seen
""")
add("custom_getter_sum_of_two", """
def sum_getter(getter, name, *args, **kwargs):
    g0 = getter(name + "/sum_0", *args, **kwargs)
    g1 = getter(name + "/sum_1", *args, **kwargs)
    return g0 + g1
with tf.variable_scope("scope", custom_getter=sum_getter):
    v = tf.get_variable("v", [1, 2, 3])
out["shape"] = v.get_shape().as_list()
""")
add("custom_getter_nested_sum_prod", """
def sum_getter(getter, name, *args, **kwargs):
    return getter(name + "/sum_0", *args, **kwargs) + getter(name + "/sum_1", *args, **kwargs)
def prod_getter(getter, name, *args, **kwargs):
    return getter(name + "/prod_0", *args, **kwargs) * getter(name + "/prod_1", *args, **kwargs)
with tf.variable_scope("prod_scope", custom_getter=prod_getter):
    with tf.variable_scope("sum_scope", custom_getter=sum_getter):
        with tf.variable_scope("inner_sum_scope", custom_getter=sum_getter):
            tf.get_variable("v", [1, 2, 3])
""")
add("custom_getter_reuse_flag", """
flags = []
def g(getter, name, *a, **k):
    flags.append(str(k["reuse"])); return getter(name, *a, **k)
with tf.variable_scope("s", custom_getter=g):
    tf.get_variable("x", [1])
with tf.variable_scope("s", custom_getter=g, reuse=True):
    tf.get_variable("x", [1])
with tf.variable_scope("t", custom_getter=g, reuse=tf.AUTO_REUSE):
    tf.get_variable("x", [1])
out["flags"] = flags
""")
add("custom_getter_not_callable", """tf.get_variable("x", [1], custom_getter=3)""")
add("custom_getter_object_reentry_composes", """
log = []
def mk(tag):
    def g(getter, name, *a, **k):
        log.append(tag); return getter(name, *a, **k)
    return g
with tf.variable_scope("a", custom_getter=mk("first")) as a: pass
with tf.variable_scope(a, custom_getter=mk("second")):
    tf.get_variable("x", [1])
with tf.variable_scope("b") as b:
    b.set_custom_getter(mk("set"))
    tf.get_variable("y", [1])
out["log"] = log
""")
add("variable_creator_scope", """
log = []
def creator(next_creator, **kwargs):
    log.append(["c1", kwargs["name"]]); return next_creator(**kwargs)
def creator2(next_creator, **kwargs):
    log.append(["c2", kwargs["name"]]); kwargs["trainable"] = False; return next_creator(**kwargs)
with tf.variable_creator_scope(creator):
    with tf.variable_creator_scope(creator2):
        v = tf.Variable(1.0, name="cv")
        w = tf.get_variable("gw", [2])
out["log"] = log
out["t"] = [v.trainable, w.trainable]
""")

# -- partitioned variables -----------------------------------------------------------------------

add("partitioned_basic", """
with tf.variable_scope("scope", partitioner=tf.fixed_size_partitioner(3)):
    pv = tf.get_variable("pv", [7, 2])
out["a"] = [type(pv).__name__, pv.name, pv.get_shape().as_list(), len(pv), pv._get_partitions()]
out["parts"] = [[p.name, p.get_shape().as_list(), p._save_slice_info.full_name,
                 p._save_slice_info.full_shape, p._save_slice_info.var_offset,
                 p._save_slice_info.var_shape, p._save_slice_info.spec] for p in pv]
out["full"] = ev(tf.convert_to_tensor(pv)).shape
""", sv_code="""
with tf.variable_scope("scope", partitioner=tf.fixed_size_partitioner(3)):
    pv = tf.get_variable("pv", [7, 2])
out["a"] = [type(pv).__name__, pv.name, pv.get_shape().as_list(), len(pv), pv._get_partitions()]
out["parts"] = [[p.name, p.get_shape().as_list(), p._save_slice_info.full_name,
                 p._save_slice_info.full_shape, p._save_slice_info.var_offset,
                 p._save_slice_info.var_shape, p._save_slice_info.spec] for p in pv]
out["full"] = tuple(pv.as_tensor().shape)
""")
add("partitioned_axis1_and_scalar", """
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2, axis=1)):
    w = tf.get_variable("wide", [2, 9])
    s = tf.get_variable("s", [])
    one = tf.get_variable("one", [1])
out["a"] = [[p.name, p.get_shape().as_list()] for p in w]
out["s"] = [type(s).__name__, s.name, type(one).__name__, len(one)]
""")
add("partitioned_errors_exists", """
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
    tf.get_variable("pv", [4, 3])
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
    tf.get_variable("pv", [4, 3])
""")
add("partitioned_errors_missing", """
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2), reuse=True):
    tf.get_variable("nope", [4, 3])
""")
add("partitioned_errors_shape", """
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
    tf.get_variable("pv", [4, 3])
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2), reuse=True):
    tf.get_variable("pv", [5, 3])
""")
add("partitioned_errors_partitions", """
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
    tf.get_variable("pv", [4, 3])
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(3), reuse=True):
    tf.get_variable("pv", [4, 3])
""")
add("partitioned_errors_no_partitioner", """
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
    tf.get_variable("pv", [4, 3])
tf.get_variable("p/pv", [4, 3])
""")
add("partitioned_errors_unpartitioned_exists", """
with tf.variable_scope("s"):
    tf.get_variable("v", [2])
tf.get_variable("s/v", [2], partitioner=tf.fixed_size_partitioner(2))
""")
add("partitioned_reuse_without_partitioner", """
with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
    pv = tf.get_variable("pv", [4, 3])
with tf.variable_scope("p", reuse=True):
    out["same"] = tf.get_variable("pv", [4, 3]) is pv
""")
add("partitioned_initializer_values", """
with tf.variable_scope("pc", partitioner=tf.fixed_size_partitioner(2)):
    pc = tf.get_variable("pc", initializer=np.arange(6, dtype=np.float32).reshape(3, 2))
    ones = tf.get_variable("ones", [5, 2], initializer=tf.ones_initializer())
out["v"] = [ev(list(pc)), ev(list(ones))]
""")
add("partitioned_initializer_partition_info", """
infos = []
def init(shape, dtype=None, partition_info=None):
    infos.append([list(shape), partition_info.full_shape, partition_info.var_offset]); return tf.zeros(shape, dtype)
with tf.variable_scope("x", partitioner=tf.fixed_size_partitioner(2, axis=1)):
    tf.get_variable("w", [5, 3], initializer=init)
out["infos"] = infos
""")
add("partitioned_constant_initializer_too_many", """
with tf.variable_scope("x", partitioner=tf.fixed_size_partitioner(2)):
    tf.get_variable("w", [4], initializer=tf.constant_initializer([1., 2., 3., 4.]))
""")
add("partitioned_regularizer_per_part", """
with tf.variable_scope("r", partitioner=tf.fixed_size_partitioner(2), regularizer=slim.l2_regularizer(0.5)):
    tf.get_variable("w", [4, 2], initializer=tf.ones_initializer())
out["v"] = ev(tf.losses.get_regularization_losses())
""")
add("partitioner_rules", """
from_shape = lambda s: tf.TensorShape(s)
out["fixed"] = [tf.fixed_size_partitioner(5)(shape=from_shape([3, 4]), dtype=tf.float32),
                tf.fixed_size_partitioner(2, axis=1)(shape=from_shape([3, 4]), dtype=tf.float32)]
out["axis"] = [tf.variable_axis_size_partitioner(64)(shape=from_shape([10, 4]), dtype=tf.float32),
               tf.variable_axis_size_partitioner(64, max_shards=2)(shape=from_shape([10, 4]), dtype=tf.float32),
               tf.variable_axis_size_partitioner(1000)(shape=from_shape([10, 4]), dtype=tf.float64)]
out["minmax"] = [tf.min_max_variable_partitioner(4, min_slice_size=16)(shape=from_shape([10, 4]), dtype=tf.float32),
                 tf.min_max_variable_partitioner(2)(shape=from_shape([1000, 1000]), dtype=tf.float32)]
""")
add("partitioner_bad_returns", """
with tf.variable_scope("x", partitioner=lambda shape, dtype: [2, 2]):
    tf.get_variable("w", [4, 4])
""")
add("partitioner_zero", """
with tf.variable_scope("x", partitioner=lambda shape, dtype: [0, 1]):
    tf.get_variable("w", [4, 4])
""")
add("partitioner_wrong_rank", """
with tf.variable_scope("x", partitioner=lambda shape, dtype: [2]):
    tf.get_variable("w", [4, 4])
""")
add("create_partitioned_variables", """
with tf.variable_scope("hi"):
    a = tf.create_partitioned_variables([4, 2], [2, 1], tf.zeros_initializer())
    b = tf.create_partitioned_variables([4, 2], [1, 2], tf.ones_initializer())
out["n"] = [[p.name for p in a], [p.name for p in b]]
""")
add("variable_axis_partitioner_bad", """tf.variable_axis_size_partitioner(0)""")

# -- regularizers ----------------------------------------------------------------------------------

add("regularizer_names_and_values", """
w = tf.get_variable("w", initializer=[1., -2., 3.], regularizer=slim.l2_regularizer(0.5))
with tf.variable_scope("S"):
    w2 = tf.get_variable("w", initializer=[1., -2., 3.], regularizer=slim.l1_regularizer(0.5))
    w3 = tf.get_variable("w3", initializer=[1., -2., 3.], regularizer=slim.l1_l2_regularizer(0.5, 0.5))
    w4 = tf.get_variable("w4", initializer=[1., -2., 3.], regularizer=slim.sum_regularizer([slim.l2_regularizer(1.0), None]))
out["names"] = [x.name for x in tf.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)]
out["values"] = ev(tf.losses.get_regularization_losses())
out["total"] = ev(tf.losses.get_regularization_loss())
out["scoped"] = ev(tf.losses.get_regularization_loss(scope="S"))
""")
add("regularizer_scope_and_none", """
with tf.variable_scope("rs", regularizer=slim.l2_regularizer(0.1)):
    tf.get_variable("r2", [2])
    tf.get_variable("r3", [2], regularizer=tf.no_regularizer)
    tf.get_variable("r4", [2], regularizer=lambda t: None)
    with tf.variable_scope("in"):
        tf.get_variable("r5", [2])
out["names"] = [x.name for x in tf.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)]
""")
add("regularizer_not_on_reuse", """
with tf.variable_scope("s", regularizer=slim.l2_regularizer(0.1)):
    tf.get_variable("a", [2])
with tf.variable_scope("s", reuse=True, regularizer=slim.l2_regularizer(0.1)):
    tf.get_variable("a", [2])
out["n"] = len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
""")
add("regularizer_scale_zero", """
w = tf.get_variable("w", [2], regularizer=slim.l2_regularizer(0.0))
out["n"] = len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
""")
add("regularizer_negative_scale", """slim.l2_regularizer(-1.)""")
add("regularizer_int_scale", """slim.l1_regularizer(2)""")
add("regularizer_recomputed", """
w = tf.get_variable("w", initializer=[1., 2.], regularizer=slim.l2_regularizer(1.0))
before = ev(tf.losses.get_regularization_loss())
if TF:
    ev(tf.assign(w, [3., 4.]))
else:
    w.assign([3., 4.])
out["v"] = [before, ev(tf.losses.get_regularization_loss())]
""")
add("apply_regularization", """
a = tf.get_variable("a", initializer=[1., 2.]); b = tf.get_variable("b", initializer=[3.])
p = slim.apply_regularization(slim.l2_regularizer(0.5), [a, b])
out["v"] = ev(p)
out["n"] = [x.name for x in tf.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)]
""")
add("apply_regularization_empty", """slim.apply_regularization(slim.l2_regularizer(0.5))""")
add("regularization_loss_empty", """
out["v"] = ev(tf.losses.get_regularization_loss())
""")

# -- collections -----------------------------------------------------------------------------------

add("get_collection_regex", """
for n in ["a/x", "a/y", "ab/q", "A/a", "AB/a", "b/a"]:
    s, v = n.split("/")
    with tf.variable_scope(s): tf.get_variable(v, [1])
out["a"] = [v.name for v in tf.global_variables("a")]
out["A"] = [v.name for v in tf.global_variables("A")]
out["ax"] = [v.name for v in tf.global_variables("a.x")]
out["scope_obj"] = None
with tf.variable_scope("a") as sa:
    out["scope_obj"] = [v.name for v in sa.global_variables()]
out["trainable"] = [v.name for v in tf.trainable_variables("b")]
""")
add("collections_misc", """
tf.add_to_collection("mine", 1); tf.add_to_collection("mine", "x")
v = tf.get_variable("v", [1]); tf.add_to_collection("mine", v)
tf.add_to_collections(["c1", "c2"], v)
ref = tf.get_collection_ref("mine"); ref.append(2.0)
out["mine"] = [str(x) if not hasattr(x, "name") else x.name for x in tf.get_collection("mine")]
out["mine_scoped"] = [x.name for x in tf.get_collection("mine", "v")]
out["c"] = [len(tf.get_collection("c1")), len(tf.get_collection("c2")), len(tf.get_collection("nothing"))]
out["keys"] = sorted(k for k in tf.get_default_graph().get_all_collection_keys() if isinstance(k, str))
""")
add("graph_keys_values", """
K = tf.GraphKeys
out["k"] = [K.GLOBAL_VARIABLES, K.TRAINABLE_VARIABLES, K.LOCAL_VARIABLES, K.MODEL_VARIABLES,
            K.MOVING_AVERAGE_VARIABLES, K.REGULARIZATION_LOSSES, K.UPDATE_OPS, K.GLOBAL_STEP,
            K.METRIC_VARIABLES, K.CONCATENATED_VARIABLES, K.TRAINABLE_RESOURCE_VARIABLES,
            K.LOSSES, K.SUMMARIES, K.SAVERS, K.WEIGHTS, K.BIASES, K.ACTIVATIONS]
""")
add("variables_initializer_restores", """
v = tf.get_variable("v", [2], initializer=tf.constant_initializer(1.5))
if TF:
    ev(v); ev(tf.assign(v, [9., 9.]))
    ev(tf.global_variables_initializer())
else:
    v.assign([9., 9.]); tf.global_variables_initializer()()
out["v"] = ev(v)
""")
add("graph_isolation", """
g1 = tf.Graph()
with g1.as_default():
    a = tf.get_variable("a", [1])
with tf.Graph().as_default():
    b = tf.get_variable("a", [1])
    out["n"] = [b.name, len(tf.global_variables())]
out["g1"] = [v.name for v in g1.get_collection("variables")]
""")

# -- slim variables --------------------------------------------------------------------------------

add("slim_variable_collections", """
with tf.variable_scope("A"):
    a = slim.variable("a", [1])
    m = slim.model_variable("m", [1])
    l = slim.local_variable(0.0, name="l")
    g = slim.global_variable(0.0, name="gv")
    nt = slim.variable("a_nt", [1], trainable=False, collections=["c1", "c2"])
    m2 = slim.model_variable("m2", [1], collections=["c3"])
out["c1"] = [v.name for v in tf.get_collection("c1")]
out["c3"] = [v.name for v in tf.get_collection("c3")]
out["trainable"] = [v.trainable for v in (a, m, l, g, nt, m2)]
""")
add("slim_get_variables", """
for n in ["A/a", "A/b", "AB/a", "B/xa", "a", "B/a"]:
    s = n.split("/")
    if len(s) == 2:
        with tf.variable_scope(s[0]): slim.model_variable(s[1], [1])
    else:
        slim.model_variable(n, [1])
out["A"] = [v.name for v in slim.get_variables("A")]
out["suffix"] = [v.name for v in slim.get_variables_by_suffix("a")]
out["by_name"] = [v.name for v in slim.get_variables_by_name("a")]
out["by_name_B"] = [v.name for v in slim.get_variables_by_name("a", scope="B")]
out["model_A"] = [v.name for v in slim.get_model_variables("A", suffix="b")]
out["unique"] = slim.get_unique_variable("A/a").name
out["restore"] = [v.name for v in slim.get_variables_to_restore(include=["A", "B"], exclude=["A/b"])]
out["restore_all"] = [v.name for v in slim.get_variables_to_restore(exclude=["AB"])]
out["trainable"] = [v.name for v in slim.get_trainable_variables("B")]
""")
add("slim_get_unique_variable_missing", """
slim.model_variable("a", [1])
slim.get_unique_variable("zz")
""")
add("slim_get_unique_variable_ambiguous", """
with tf.variable_scope("A"): slim.model_variable("a", [1])
slim.get_unique_variable("A")
""")
add("slim_variables_to_restore_type", """slim.get_variables_to_restore(include="A")""")
add("slim_add_model_variable", """
v = tf.Variable(1.0, name="custom")
slim.add_model_variable(v); slim.add_model_variable(v)
out["m"] = [x.name for x in slim.get_model_variables()]
""")
add("slim_variable_device", """
v = slim.variable("v", [1], device="/cpu:0")
m = slim.model_variable("m", [1], device="/CPU:0")
out["d"] = [v.op.device, m.op.device]
with tf.device(slim.VariableDeviceChooser(num_tasks=2)):
    out["chooser"] = [slim.variable("c%d" % i, [1]).op.device for i in range(3)]
""", sv_code="""
v = slim.variable("v", [1], device="/cpu:0")
m = slim.model_variable("m", [1], device="/CPU:0")
out["d"] = [v.op.device, m.op.device]
with tf.device(slim.VariableDeviceChooser(num_tasks=2)):
    out["chooser"] = [slim.variable("c%d" % i, [1]).op.device for i in range(3)]
""")
add("slim_device_chooser_strings", """
out["d"] = [slim.VariableDeviceChooser()(None), slim.VariableDeviceChooser(device_type="GPU")(None),
            slim.VariableDeviceChooser(replica=1, num_tasks=1)(None)]
""")
add("slim_custom_getter_replaces", """
calls = []
def my_getter(name, **kwargs):
    calls.append([name, str(kwargs["reuse"])])
    return tf.get_variable(name, shape=kwargs["shape"])
v = slim.variable("cg", [2], custom_getter=my_getter)
out["calls"] = calls
""")
add("slim_arg_scope_variable", """
with slim.arg_scope([slim.variable], collections=["argc"], device="/cpu:0"):
    a = slim.variable("a", [1])
    m = slim.model_variable("m", [1])
out["a"] = [sorted(k for k in ["argc", "variables", "trainable_variables", "model_variables"] if any(x is a for x in tf.get_collection(k))), a.op.device]
out["m"] = [sorted(k for k in ["argc", "variables", "trainable_variables", "model_variables"] if any(x is m for x in tf.get_collection(k))), m.op.device]
""")
add("slim_global_step", """
with tf.variable_scope("X"):
    gs = slim.get_or_create_global_step()
out["a"] = [gs.name, str(gs.dtype).replace("torch.", "").replace("<dtype: '", "").replace("_ref'>", ""), gs.get_shape().as_list(), gs.trainable]
out["same"] = slim.get_or_create_global_step() is gs
out["g"] = tf.train.get_global_step() is gs
""")
add("create_global_step_twice", """
tf.train.create_global_step()
tf.train.create_global_step()
""")
add("slim_filter_variables", """
vs = [tf.get_variable(n, [1]) for n in ("a", "ba", "c", "global_step")]
out["a"] = [v.name for v in slim.filter_variables(vs, include_patterns=["a"])]
out["b"] = [v.name for v in slim.filter_variables(vs, include_patterns=["a"], reg_search=False)]
out["c"] = [v.name for v in slim.filter_variables(vs, exclude_patterns=["a", "c"])]
""")
add("seed004_slim_variables", """
weights = slim.variable('weights', shape=[10, 10, 3, 3],
                        initializer=tf.truncated_normal_initializer(stddev=0.1),
                        regularizer=slim.l2_regularizer(0.05), device='/CPU:0')
with tf.variable_scope("m"):
    weights = slim.model_variable('weights', shape=[10, 10, 3, 3],
                                  initializer=tf.truncated_normal_initializer(stddev=0.1),
                                  regularizer=slim.l2_regularizer(0.05), device='/CPU:0')
model_variables = slim.get_model_variables()
my_var = slim.variable('my_var', shape=[20, 1], initializer=tf.zeros_initializer())
regular_variables_and_model_variables = slim.get_variables()
v = tf.Variable(1.0, name="custom")
slim.add_model_variable(v)
out["m"] = [x.name for x in slim.get_model_variables()]
out["all"] = [x.name for x in regular_variables_and_model_variables]
""")
add("arg_scope_not_decorated", """
def f(a, b=1): return a
with slim.arg_scope([f], b=2): pass
""", message="f is not decorated with @add_arg_scope")

# -- dtypes and shapes -------------------------------------------------------------------------

add("dtype_names", """
vs = [tf.get_variable(n, [1], dtype=d) for n, d in [("a", tf.float32), ("b", "float64"), ("c", tf.int64),
      ("d", np.int32), ("e", tf.float16), ("f", tf.bool), ("g", tf.uint8), ("h", "int8"), ("i", tf.bfloat16)]]
""")
add("tensor_shape_api", """
v = tf.get_variable("v", [3, 4, 5])
s = v.get_shape()
out["a"] = [s.as_list(), s.ndims, s[0].value if hasattr(s[0], "value") else s[0], s[1:].as_list(), str(s), s.is_fully_defined(), s.num_elements()]
out["b"] = [str(tf.TensorShape([2])), str(tf.TensorShape([])), str(tf.TensorShape([None, 3])), tf.TensorShape([None, 3]).is_compatible_with([2, 3])]
""")


@pytest.mark.parametrize("case", CASES)
def test_core_parity(case, tf_record):
    check(case, tf_record)


def test_enough_cases():
    assert len(CASES) >= 100, len(CASES)
