"""Seeds (TF's get_seed and its per-graph counter), the random and constant ops, their
distributions, and torch's generator on the unseeded path.  Seeded uniform / normal /
truncated values are checked against the numpy reference of TF's kernels."""
import pickle

import numpy as np
import pytest
import torch

import reference_tf_random as ref
import scopevar as tf
from scopevar import errors, philox

MAXINT32 = 2 ** 31 - 1


# -- get_seed ----------------------------------------------------------------------------------

def test_get_seed_rules():
    assert tf.get_seed(None) == (None, None)
    assert tf.get_seed(5) == (87654321, 5)
    assert tf.get_seed(2 ** 31 + 4) == (87654321, 5)
    tf.set_random_seed(42)
    assert [tf.get_seed(None) for _ in range(3)] == [(42, 0), (42, 1), (42, 2)]
    assert tf.get_seed(7) == (42, 7)
    assert tf.get_seed(None) == (42, 3)          # an explicit op seed takes no counter value
    tf.set_random_seed(0)
    assert tf.get_seed(0) == (0, MAXINT32)       # (0, 0) is "no seed" in the kernels
    tf.set_random_seed(MAXINT32)
    assert tf.get_seed(0) == (0, MAXINT32)


def test_counter_is_per_graph():
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        assert tf.get_seed(None) == (1, 0)
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        assert tf.get_seed(None) == (1, 0)


def _counter():
    return tf.get_default_graph()._seed_counter


@pytest.mark.parametrize("init, draws", [
    (tf.zeros_initializer(), 0), (tf.constant_initializer(2.0), 0),
    (tf.initializers.identity(), 0), (tf.glorot_uniform_initializer(), 1),
    (tf.truncated_normal_initializer(), 1), (tf.orthogonal_initializer(), 1),
    (tf.contrib.layers.xavier_initializer(), 1), (None, 1),       # None: glorot_uniform
])
def test_one_seed_per_initializer_call(init, draws):
    tf.set_random_seed(3)
    tf.get_variable("a", [4, 4], initializer=init)
    assert _counter() == draws
    p = tf.get_variable("p", [6, 4], initializer=init, partitioner=tf.fixed_size_partitioner(3))
    assert _counter() == 4 * draws                 # each part's initializer call is one op
    v = tf.get_variable("v", [4, 4], initializer=init)
    v.initializer()                                # re-running replays: no new seeds
    assert _counter() == 5 * draws and len(list(p)) == 3


def test_partitions_with_op_seed_start_from_the_same_stream():
    p = tf.get_variable("p", [9, 2], initializer=tf.random_normal_initializer(seed=1),
                        partitioner=tf.fixed_size_partitioner(3))
    parts = [v.detach() for v in p]
    assert torch.equal(parts[0], parts[1]) and torch.equal(parts[1], parts[2])
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        q = tf.get_variable("q", [9, 2], partitioner=tf.fixed_size_partitioner(3))
        assert not torch.equal(list(q)[0], list(q)[1])


# -- uniform / normal / truncated: TF's values (checked against the numpy reference) --------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_seeded_wrappers_match_reference(dtype):
    tf.set_random_seed(7)
    got = [tf.random_uniform([5, 7], -1.5, 2.5, dtype=dtype),
           tf.random_uniform([5, 7], dtype=dtype),
           tf.random_uniform([5, 7], maxval=3.0, dtype=dtype),
           tf.random_normal([5, 7], 0.5, 2.0, dtype=dtype),
           tf.truncated_normal([5, 7], stddev=0.3, dtype=dtype)]
    want = [ref.tf_random_uniform([5, 7], -1.5, 2.5, (7, 0), dtype),
            ref.tf_random_uniform([5, 7], 0, None, (7, 1), dtype),
            ref.tf_random_uniform([5, 7], 0, 3.0, (7, 2), dtype),
            ref.tf_random_normal([5, 7], 0.5, 2.0, (7, 3), dtype),
            ref.tf_truncated_normal([5, 7], 0.0, 0.3, (7, 4), dtype)]
    for g, w in zip(got, want):
        assert g.numpy().tobytes() == np.asarray(w, dtype).tobytes()


def test_reinitializing_runs_the_next_stream():
    v = tf.get_variable("v", [6], initializer=tf.random_uniform_initializer(seed=3))
    runs = [v.detach().clone()]
    for _ in range(3):
        tf.global_variables_initializer()()
        runs.append(v.detach().clone())
    want = [ref.random_uniform([6], 87654321, 3, np.float32, run) for run in range(3)]
    assert torch.equal(runs[0], runs[1])           # the first sess.run(init): run 0 again
    for got, w in zip(runs[1:], want):
        assert got.numpy().tobytes() == w.tobytes()


def test_variable_from_a_random_op_reruns_the_op():
    # TF re-runs the op behind the initial value: each run of the initializer continues it
    v = tf.Variable(tf.random_normal([2, 3], seed=1))
    w = tf.Variable(tf.random_uniform([4], 0, 9, tf.int64, seed=2))
    runs = []
    for _ in range(3):
        runs.append((v.detach().clone(), w.detach().clone()))
        tf.global_variables_initializer()()
    for run, (got_v, got_w) in zip([0, 0, 1], runs):
        assert got_v.numpy().tobytes() == ref.random_standard_normal(
            [2, 3], 87654321, 1, np.float32, run).tobytes()
        assert torch.equal(got_w, philox.uniform_int([4], 0, 9, 87654321, 2, torch.int64, run))


def test_random_op_outputs_stay_plain_tensors():
    # how to re-run the op is kept off the tensor: it still pickles (torch.save) as before
    t = tf.random_normal([3], seed=1)
    assert t.__dict__ == {} and torch.equal(pickle.loads(pickle.dumps(t)), t)


def test_seeded_dropout_uses_the_uniform_stream():
    x = torch.arange(1.0, 13.0).reshape(3, 4)
    mask = ref.random_uniform([3, 4], 87654321, 5) >= np.float32(0.4)
    y = tf.nn.dropout(x, rate=0.4, seed=5)
    assert np.array_equal(y.numpy() != 0, mask)
    assert torch.equal(y[torch.from_numpy(mask)], x[torch.from_numpy(mask)] / np.float32(0.6))


def test_dropout_at_rate_zero_takes_an_op_seed():
    tf.set_random_seed(3)
    tf.nn.dropout(torch.ones(2), rate=0.0)
    assert tf.get_seed(None) == (3, 1)


def test_seeded_values_ignore_torch_generator():
    torch.manual_seed(0)
    a = tf.random_normal([4], seed=1)
    torch.manual_seed(1)
    assert torch.equal(a, tf.random_normal([4], seed=1))


def test_unseeded_values_follow_torch_generator():
    for op in (lambda: tf.random_uniform([5]), lambda: tf.random_normal([5]),
               lambda: tf.truncated_normal([5]), lambda: tf.random_uniform([5], 0, 9, tf.int64),
               lambda: tf.random_shuffle(np.arange(9)), lambda: tf.multinomial([[0., 1.]], 4),
               lambda: tf.random_gamma([3], 2.0), lambda: tf.random_poisson(3.0, [3]),
               lambda: tf.random_crop(np.arange(20).reshape(4, 5), [2, 2])):
        torch.manual_seed(5)
        a = op()
        torch.manual_seed(5)
        assert torch.equal(a, op())


# -- distributions ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [None, 1])
def test_uniform_normal_truncated_distributions(seed):
    u = tf.random_uniform([100000], -2.0, 6.0, seed=seed).double()
    assert -2.0 <= u.min() and u.max() < 6.0 and abs(u.mean() - 2.0) < 0.03
    i = tf.random_uniform([100000], -3, 4, dtype=tf.int32, seed=seed)
    assert i.dtype is tf.int32 and set(i.unique().tolist()) == set(range(-3, 4))
    n = tf.random_normal([100000], 1.0, 3.0, seed=seed).double()
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 3.0) < 0.05
    t = tf.truncated_normal([100000], 1.0, 3.0, seed=seed).double()
    assert -5.0 <= t.min() and t.max() <= 7.0 and abs(t.std() - 3 * 0.8796) < 0.05
    for dt in (tf.float16, tf.bfloat16):
        h = tf.truncated_normal([1000], dtype=dt, seed=seed)
        assert h.dtype is dt and h.abs().max() <= 2.0


def test_shuffle_and_crop():
    x = np.arange(40).reshape(10, 4)
    s = tf.random_shuffle(x, seed=1)
    assert sorted(s[:, 0].tolist()) == list(range(0, 40, 4)) and (s[:, 1] - s[:, 0]).eq(1).all()
    assert torch.equal(s, tf.random_shuffle(x, seed=1)) and tf.random_shuffle(5).item() == 5
    c = tf.random_crop(x, [3, 2], seed=2)
    r, k = divmod(int(c[0, 0]), 4)
    np.testing.assert_array_equal(c.numpy(), x[r:r + 3, k:k + 2])


def test_multinomial_frequencies():
    logits = torch.tensor([[0.0, 1.0, 2.0], [2.0, -np.inf, 0.0]])
    m = tf.multinomial(logits, 60000, seed=3)
    assert m.shape == (2, 60000) and m.dtype is tf.int64
    for row, probs in zip(m, torch.softmax(logits.double(), -1)):
        freq = torch.bincount(row, minlength=3).double() / 60000
        assert torch.allclose(freq, probs, atol=0.01)
    assert tf.random.categorical([[0.0, 1.0]], 2, dtype=tf.int32).dtype is tf.int32
    assert tf.multinomial([[0.0, 1.0]], 0).shape == (1, 0)


def test_gamma_and_poisson_moments():
    g = tf.random_gamma([50000], [[0.5], [3.0]], beta=[1.0, 2.0], seed=1).double()
    assert g.shape == (50000, 2, 2) and (g > 0).all()
    mean, var = g.mean(0), g.var(0)
    alpha, beta = torch.tensor([[0.5], [3.0]]).double(), torch.tensor([1.0, 2.0]).double()
    assert torch.allclose(mean, alpha / beta, rtol=0.03)
    assert torch.allclose(var, alpha / beta ** 2, rtol=0.06)
    assert tf.random_gamma([2], -1.0).isnan().all()
    p = tf.random_poisson([0.5, 4.0], [50000], dtype=tf.int64, seed=1)
    assert p.shape == (50000, 2) and p.dtype is tf.int64
    assert torch.allclose(p.double().mean(0), torch.tensor([0.5, 4.0]).double(), rtol=0.03)


TORCH_STREAM_OPS = {
    "shuffle": lambda seed: tf.random_shuffle(np.arange(20), seed=seed),
    "multinomial": lambda seed: tf.multinomial([[0., 0., 0.]], 20, seed=seed),
    "gamma": lambda seed: tf.random_gamma([20], 2.0, seed=seed),
    "poisson": lambda seed: tf.random_poisson(3.0, [20], seed=seed),
}


@pytest.mark.parametrize("name", TORCH_STREAM_OPS)
def test_torch_streams_are_deterministic_per_seed_and_run(name):
    op = TORCH_STREAM_OPS[name]
    runs = []
    for _ in range(2):
        with tf.Graph().as_default():
            v = tf.Variable(lambda: op(4))
            run0 = v.detach().clone()
            v.initializer()                         # the first sess.run(init): run 0
            v.initializer()                         # run 1
            runs.append((run0, v.detach().clone()))
    assert torch.equal(runs[0][1], runs[1][1])      # same (seed, seed2, run): same values
    assert not torch.equal(runs[0][0], runs[0][1])  # another run: another stream
    assert not torch.equal(op(4), op(5))            # another seed: another stream


def test_aliases():
    assert tf.random.uniform is tf.random_uniform and tf.random.normal is tf.random_normal
    assert tf.random.truncated_normal is tf.truncated_normal
    assert tf.random.shuffle is tf.random_shuffle
    assert tf.random.gamma is tf.random_gamma and tf.random.poisson is tf.random_poisson
    assert tf.random.set_random_seed is tf.set_random_seed and tf.random.get_seed is tf.get_seed
    assert tf.random.multinomial is tf.multinomial


# -- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: tf.random_uniform([2], dtype=tf.int8), errors.RandomArgumentError,
     "Argument `dtype` got invalid value <dtype: 'int8'>."),
    (lambda: tf.random_uniform([2], dtype=tf.int32), errors.RandomArgumentError,
     "Must specify maxval for integer dtype tf.int32"),
    (lambda: tf.random_uniform([2], 3, 3, dtype=tf.int32), errors.RandomRangeError,
     "Need minval < maxval, got 3 >= 3"),
    (lambda: tf.random_normal([-1]), errors.RandomRangeError, "Dimension -1 must be >= 0"),
    (lambda: tf.random_normal([2.5]), errors.RandomTypeError, "parameter 'shape'"),
    (lambda: tf.random_normal(3), errors.RandomArgumentError, "Shape must be rank 1"),
    (lambda: tf.random_normal([2], dtype=tf.int32), TypeError, "Expected int32, but got 0.0"),
    (lambda: tf.random_normal([2], 0, 1, dtype=tf.int32), errors.RandomTypeError,
     "DataType int32 not in list of allowed values: float16, bfloat16, float32, float64"),
    (lambda: tf.random_crop(np.zeros([3, 4]), [4, 2]), errors.InvalidArgumentError,
     "Need value.shape >= size"),
    (lambda: tf.multinomial([1.0, 2.0], 2), errors.RandomArgumentError, "Shape must be rank 2"),
    (lambda: tf.random_poisson(1.0, [2], dtype=tf.bool), errors.RandomTypeError, "DataType bool"),
    (lambda: tf.random_gamma([2], 1, dtype=tf.int32), ValueError, "not inexact"),
    (lambda: tf.fill([2], [1, 2]), errors.ConstantValueError, "Shape must be rank 0"),
    (lambda: tf.zeros([-1]), errors.ConstantValueError, "Fill dimensions must be >= 0"),
    (lambda: tf.constant([1, 2, 3], shape=[2]), errors.ConstantValueError, "Too many elements"),
    (lambda: tf.constant([1, 2], shape=[2, 1], verify_shape=True), errors.ConstantShapeError,
     "Expected Tensor's shape: (2, 1), but got (2,)."),
])
def test_errors(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


# -- constant ops ------------------------------------------------------------------------------

def test_constant_ops():
    assert tf.zeros(3).tolist() == [0.0] * 3 and tf.zeros([2], "int64").dtype is tf.int64
    assert tf.ones(tf.TensorShape([1, 2]), tf.bool).tolist() == [[True, True]]
    f = tf.fill([2, 2], 5)
    assert f.dtype is tf.int32 and f.tolist() == [[5, 5], [5, 5]]
    f[0, 0] = 1
    assert f.tolist() == [[1, 5], [5, 5]]                # its own memory, not a broadcast view
    assert tf.zeros_like([[1.5, 2.0]], dtype=tf.int32).tolist() == [[0, 0]]
    assert tf.ones_like(torch.tensor([True, False])).tolist() == [True, True]
    assert tf.constant([], shape=[2]).tolist() == [0.0, 0.0]
    assert tf.constant([[1, 2], [3, 4]], shape=[3, 2]).tolist() == [[1, 2], [3, 4], [4, 4]]
    x = torch.tensor([1.0, 2.0])
    c = tf.constant(x, shape=[2])
    c[0] = 9
    assert x.tolist() == [1.0, 2.0]
