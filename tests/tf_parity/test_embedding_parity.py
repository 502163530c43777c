"""Embedding lookups (issue 7): ``mod`` / ``div`` over 1-5 partitions of even and uneven sizes,
lists of tensors and ``PartitionedVariable``s, ``max_norm``, sparse combiners, errors — the same
programs on TensorFlow and scopevar.

scopevar's ``tf.nn`` is wired to ``embedding_lookup`` separately, so our side of each case calls
the top-level ``tf.embedding_lookup``.
"""
import pytest

from .oracle import case, check

pytestmark = pytest.mark.tf

CASES = []

# a [rows, 3] table whose row r is [3r, 3r+1, 3r+2], in parts created by the partitioner
TABLE = """
def init(shape, dtype=None, partition_info=None):
    off = partition_info.single_offset(shape) if partition_info else 0
    return tf.constant(np.arange(off * 3, (off + shape[0]) * 3, dtype="float32").reshape(shape))
"""


def add(case_id, code, message=None):
    sv_code = code.replace("tf.nn.embedding_lookup", "tf.embedding_lookup")
    CASES.append(case(case_id, code, sv_code, message))


for n in range(1, 6):
    for strategy in ("mod", "div"):
        add("list_%d_%s" % (n, strategy), """
sizes = [11 // %(n)d + (i < 11 %% %(n)d) for i in range(%(n)d)]
table = np.arange(33, dtype="float32").reshape(11, 3)
params = [tf.constant(table[sum(sizes[:i]):sum(sizes[:i + 1])]) for i in range(%(n)d)]
out["all"] = ev(tf.nn.embedding_lookup(params, np.arange(11)[::-1].reshape(11, 1), "%(s)s"))
out["some"] = ev(tf.nn.embedding_lookup(params, [[3, 3, 0], [10, 4, 7]], "%(s)s"))
out["scalar"] = ev(tf.nn.embedding_lookup(params, 5, "%(s)s"))
""" % {"n": n, "s": strategy})
        add("partitioned_%d_%s" % (n, strategy), TABLE + """
emb = tf.get_variable("emb", [13, 3], initializer=init, partitioner=tf.fixed_size_partitioner(%(n)d))
out["sizes"] = [int(p.shape[0]) for p in emb]
out["all"] = ev(tf.nn.embedding_lookup(emb, np.arange(13), partition_strategy="%(s)s"))
out["norm"] = ev(tf.nn.embedding_lookup(emb, [[12, 1], [2, 2]], partition_strategy="%(s)s", max_norm=9.0))
""" % {"n": n, "s": strategy})

add("uneven_mod_sizes", """
params = [tf.constant(np.full([k, 2], k, "float32")) for k in (4, 3, 3)]
out["v"] = ev(tf.nn.embedding_lookup(params, [0, 1, 2, 5, 9], "mod"))
""")
add("max_norm_single", """
t = tf.constant(np.arange(24, dtype="float32").reshape(4, 2, 3) - 5)
out["v"] = ev(tf.nn.embedding_lookup(t, [[0, 1], [3, 2]], max_norm=4.0))
out["zero"] = ev(tf.nn.embedding_lookup(tf.zeros([2, 3]), [1], max_norm=1.0))
""")
add("int32_ids_3d_rows", """
t = [tf.constant(np.arange(i * 8, i * 8 + 8, dtype="float32").reshape(2, 2, 2)) for i in range(3)]
out["v"] = ev(tf.nn.embedding_lookup(t, np.array([[5], [0]], "int32"), "div"))
""")
for combiner in ("mean", "sqrtn", "sum"):
    add("sparse_%s" % combiner, TABLE + """
emb = tf.get_variable("emb", [7, 3], initializer=init, partitioner=tf.fixed_size_partitioner(3))
ids = tf.SparseTensor(indices=[[0, 0], [0, 1], [0, 2], [2, 0], [3, 1]], values=np.array([6, 1, 6, 0, 4], "int64"), dense_shape=[4, 3])
w = tf.SparseTensor(indices=[[0, 0], [0, 1], [0, 2], [2, 0], [3, 1]], values=np.array([1., 2., .5, 3., -1.], "float32"), dense_shape=[4, 3])
out["w_mod"] = ev(tf.nn.embedding_lookup_sparse(emb, ids, w, combiner="%(c)s"))
out["w_div"] = ev(tf.nn.embedding_lookup_sparse(emb, ids, w, partition_strategy="div", combiner="%(c)s"))
out["nw"] = ev(tf.nn.embedding_lookup_sparse(emb, ids, None, combiner="%(c)s"))
out["norm"] = ev(tf.nn.embedding_lookup_sparse(emb, ids, w, combiner="%(c)s", max_norm=5.0))
""" % {"c": combiner})
add("error_strategy", """
tf.nn.embedding_lookup([tf.zeros([2, 2]), tf.zeros([2, 2])], [0], partition_strategy="range")
""")
add("error_empty", """
tf.nn.embedding_lookup([], [0])
""")
add("error_out_of_range", """
ev(tf.nn.embedding_lookup(tf.zeros([10, 2]), [3, 10]))
""", message="indices[1] = 10 is not in [0, 10)")
add("error_combiner", """
tf.nn.embedding_lookup_sparse(tf.zeros([3, 2]), tf.SparseTensor([[0, 0]], np.array([1], "int64"), [1, 1]), None, combiner="max")
""")
add("error_sparse_type", """
tf.nn.embedding_lookup_sparse(tf.zeros([3, 2]), [1, 2], None)
""")


@pytest.mark.parametrize("case", CASES)
def test_embedding_parity(case, tf_record):
    check(case, tf_record, rtol=1e-6)
