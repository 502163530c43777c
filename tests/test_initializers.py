"""The init_ops catalogue: maths and statistics (unseeded), seeds (TF's init_ops_test cases),
partitions, errors, configs.  Bit-exactness against TensorFlow is in tf_parity."""
import math

import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar import errors
from scopevar import initializers as init_ops


def stats(t):
    x = t.double()
    return float(x.mean()), float(x.std()), float(x.min()), float(x.max())


CONV = [3, 3, 64, 128]          # fan_in 576, fan_out 1152


# -- distributions (unseeded: torch's generator) --------------------------------------------

@pytest.mark.parametrize("init, mean, std, lo, hi", [
    (tf.random_normal_initializer(0.0, 2.0), 0.0, 2.0, None, None),
    (tf.truncated_normal_initializer(1.0, 2.0), 1.0, 2.0 * 0.8796, -3.0, 5.0),
    (tf.random_uniform_initializer(-3.0, 5.0), 1.0, 8 / math.sqrt(12), -3.0, 5.0),
    (tf.random_uniform_initializer(), 0.5, 1 / math.sqrt(12), 0.0, 1.0),
])
def test_plain_distributions(init, mean, std, lo, hi):
    m, s, mn, mx = stats(init([200000]))
    assert abs(m - mean) < 0.02 and abs(s / std - 1) < 0.02
    if lo is not None:
        assert lo <= mn and mx <= hi and mn - lo < 0.01 and hi - mx < 0.01


def _expected_std(scale, n):
    return math.sqrt(scale / max(1.0, n))


@pytest.mark.parametrize("init, std, bound", [
    (tf.variance_scaling_initializer(), _expected_std(1, 576), 2 * _expected_std(1, 576) / .8796),
    (tf.variance_scaling_initializer(2.0, "fan_out", "normal"), _expected_std(2, 1152), None),
    (tf.variance_scaling_initializer(2.0, "fan_avg", "untruncated_normal"), _expected_std(2, 864),
     None),
    (tf.variance_scaling_initializer(3.0, "fan_in", "uniform"), _expected_std(3, 576), 0.125),
    (tf.glorot_uniform_initializer(), _expected_std(1, 864), math.sqrt(6 / 1728)),
    (tf.glorot_normal_initializer(), _expected_std(1, 864), None),
    (tf.initializers.he_normal(), _expected_std(2, 576), None),
    (tf.initializers.he_uniform(), _expected_std(2, 576), math.sqrt(6 / 576)),
    (tf.initializers.lecun_normal(), _expected_std(1, 576), None),
    (tf.initializers.lecun_uniform(), _expected_std(1, 576), math.sqrt(3 / 576)),
    (tf.uniform_unit_scaling_initializer(1.5), 1.5 / math.sqrt(576), 1.5 * math.sqrt(3 / 576)),
    (tf.contrib.layers.xavier_initializer(), _expected_std(1, 864), math.sqrt(6 / 1728)),
    (tf.contrib.layers.xavier_initializer(uniform=False), 1.00293 * _expected_std(1, 864), None),
    (tf.contrib.layers.variance_scaling_initializer(), 1.00293 * _expected_std(2, 576),
     2 * math.sqrt(2.6 / 576)),
])
def test_variance_scaling_family(init, std, bound):
    w = init(CONV)
    assert w.shape == torch.Size(CONV) and w.dtype is torch.float32
    m, s, mn, mx = stats(w)
    assert abs(m) < 0.02 * std and abs(s / std - 1) < 0.02
    if bound is not None:
        assert max(-mn, mx) <= bound * (1 + 1e-6) and max(-mn, mx) > 0.98 * bound


@pytest.mark.parametrize("shape, fans", [([], (1, 1)), ([5], (5, 5)), ([3, 4], (3, 4)),
                                         ([3, 5, 7], (15, 21)), ([3, 3, 4, 8], (36, 72)),
                                         ([2, 3, 3, 4, 8], (72, 144))])
def test_fans_every_rank(shape, fans):
    assert init_ops._compute_fans(shape) == fans


def test_variance_scaling_upstream_stats():
    for distribution in ("truncated_normal", "normal", "untruncated_normal", "uniform"):
        x = tf.variance_scaling_initializer(distribution=distribution)([100, 100])
        assert abs(float(x.mean())) < 1e-2 and abs(float(x.var()) - 1 / 100) < 1e-2


def test_dtypes():
    for dt in (tf.float16, tf.bfloat16, tf.float64):
        assert tf.glorot_uniform_initializer()([4, 5], dtype=dt).dtype is dt
        assert tf.truncated_normal_initializer(dtype=dt)([4]).dtype is dt
    assert tf.random_uniform_initializer(0, 7, dtype=tf.int64)([100]).dtype is tf.int64
    assert tf.zeros_initializer()([2], dtype=tf.bool).tolist() == [False, False]
    assert tf.glorot_uniform_initializer(dtype=tf.float64).dtype is tf.float32   # TF ignores it


# -- partition_info -------------------------------------------------------------------------

def test_partitioned_fans_use_full_shape():
    p = tf.fixed_size_partitioner(10)
    core = tf.get_variable("core", [1000, 10], partitioner=p,
                           initializer=tf.variance_scaling_initializer(distribution="uniform"))
    slim_ = tf.get_variable("slim", [1000, 10], partitioner=p,
                            initializer=tf.contrib.layers.variance_scaling_initializer(
                                1.0, uniform=True))
    core_max = max(float(v.detach().abs().max()) for v in core)
    slim_max = max(float(v.detach().abs().max()) for v in slim_)
    assert 0.05 < core_max <= math.sqrt(3 / 1000)              # fans of [1000, 10]
    assert math.sqrt(3 / 1000) < slim_max <= math.sqrt(3 / 100)  # slim: of the part [100, 10]


def test_identity_and_partitions():
    np.testing.assert_array_equal(tf.initializers.identity(2.0)([2, 3]).numpy(),
                                  2 * np.eye(2, 3, dtype=np.float32))
    v = tf.get_variable("i", [5, 3], initializer=tf.initializers.identity(),
                        partitioner=tf.fixed_size_partitioner(2))
    np.testing.assert_array_equal(v.as_tensor().detach().numpy(), np.eye(5, 3, dtype=np.float32))
    c = tf.get_variable("c", [4, 2], initializer=tf.constant_initializer(3.0),
                        partitioner=tf.fixed_size_partitioner(2))
    assert c.as_tensor().eq(3.0).all()


# -- orthogonal family ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype, tol", [(tf.float32, 1e-5), (tf.float64, 1e-12)])
@pytest.mark.parametrize("shape", [(10, 10), (10, 9, 8), (100, 5, 5), (50, 40), (40, 50)])
def test_orthogonal_shapes(shape, dtype, tol):
    t = tf.orthogonal_initializer(dtype=dtype)(list(shape)).numpy()
    assert t.shape == shape and t.dtype == tf.dtypes.as_numpy_dtype(dtype)
    t = t.reshape(-1, shape[-1])
    product, n = (t.T @ t, t.shape[1]) if t.shape[0] > t.shape[1] else (t @ t.T, t.shape[0])
    np.testing.assert_allclose(product, np.eye(n), rtol=tol, atol=tol)


def test_orthogonal_gain_and_sign_fix():
    a = tf.orthogonal_initializer(seed=1)([6, 4])
    b = tf.orthogonal_initializer(gain=3.14, seed=1)([6, 4])
    np.testing.assert_allclose(a.numpy(), b.numpy() / 3.14, rtol=1e-6, atol=1e-6)
    # TF's sign fix makes the QR unique: R's diagonal is positive
    raw = tf.random_normal([6, 4], seed=1)
    r = a.double().T @ raw.double()
    assert (torch.diagonal(r) > 0).all()
    assert torch.allclose(torch.triu(r), r, atol=1e-5)


def _sum_det(kernel, axes):
    return np.linalg.det(kernel.detach().numpy().sum(axis=axes))


@pytest.mark.parametrize("init, shape, axes", [
    (init_ops.convolutional_delta_orthogonal, [3, 3, 6, 6], (0, 1)),
    (init_ops.convolutional_orthogonal_1d, [3, 6, 6], (0,)),
    (init_ops.convolutional_orthogonal_2d, [3, 3, 5, 5], (0, 1)),
    (init_ops.convolutional_orthogonal_3d, [2, 2, 2, 4, 4], (0, 1, 2)),
])
def test_convolutional_orthogonal_determinants(init, shape, axes):
    """Upstream's nonuniformity test: the taps sum to an orthogonal matrix of either sign."""
    dets = [_sum_det(tf.get_variable("k%d" % i, shape, initializer=init), axes)
            for i in range(16)]
    np.testing.assert_allclose(np.abs(dets), 1.0, rtol=1e-4)
    assert -16 + 1e-5 < sum(dets) < 16 - 1e-5


def test_delta_orthogonal_is_zero_off_centre():
    k = init_ops.ConvolutionDeltaOrthogonal(gain=2.0)([3, 3, 4, 6]).numpy()
    centre = k[1, 1].copy()
    k[1, 1] = 0
    assert not k.any()
    np.testing.assert_allclose(centre @ centre.T, 4 * np.eye(4), atol=1e-5)


@pytest.mark.parametrize("kernel_size", [1, 2, 3, 4])
def test_convolutional_orthogonal_2d_isometry(kernel_size):
    """A circular convolution with the kernel preserves norms (times gain)."""
    w = init_ops.ConvolutionOrthogonal2D(gain=3.0)([kernel_size, kernel_size, 8, 16])
    x = torch.randn(2, 8, 12, 12)
    before, after = kernel_size // 2, kernel_size - 1 - kernel_size // 2
    padded = torch.nn.functional.pad(x, (before, after, before, after), mode="circular")
    y = torch.nn.functional.conv2d(padded, w.permute(3, 2, 0, 1))
    assert y.shape == (2, 16, 12, 12)
    assert abs(float(y.norm() / x.norm()) - 3.0) < 1e-3


def test_convolutional_orthogonal_seed_moves_on():
    init = init_ops.ConvolutionOrthogonal2D(seed=4)
    v = tf.get_variable("a", [3, 3, 2, 2], initializer=init)
    # orth matrix, then 2 projections (matrix + mask each) per block: 1 + 2 * 2 * 2
    assert init.seed == 4 + 9
    before = v.detach().clone()
    v.initializer()                   # a re-run replays the recorded seeds...
    assert init.seed == 13            # ...and leaves the initializer as TF does
    assert torch.equal(v.detach(), before)
    unseeded = init_ops.ConvolutionOrthogonal1D()
    unseeded([3, 2, 2])
    assert unseeded.seed is None


# -- seeds: TF's upstream init_ops_test cases ----------------------------------------------------

RANDOM_INITIALIZERS = {
    "random_normal": lambda seed, dt: tf.random_normal_initializer(0.0, 1.0, seed=seed, dtype=dt),
    "truncated_normal": lambda seed, dt: tf.truncated_normal_initializer(seed=seed, dtype=dt),
    "random_uniform": lambda seed, dt: tf.random_uniform_initializer(0, 7, seed=seed, dtype=dt),
    "uniform_unit_scaling":
        lambda seed, dt: tf.uniform_unit_scaling_initializer(seed=seed, dtype=dt),
    "variance_scaling": lambda seed, dt: tf.variance_scaling_initializer(seed=seed, dtype=dt),
    "orthogonal": lambda seed, dt: tf.orthogonal_initializer(seed=seed, dtype=dt),
    "delta_orthogonal":
        lambda seed, dt: init_ops.convolutional_delta_orthogonal(seed=seed, dtype=dt),
    "orthogonal_1d": lambda seed, dt: init_ops.convolutional_orthogonal_1d(seed=seed, dtype=dt),
    "orthogonal_2d": lambda seed, dt: init_ops.convolutional_orthogonal_2d(seed=seed, dtype=dt),
    "orthogonal_3d": lambda seed, dt: init_ops.convolutional_orthogonal_3d(seed=seed, dtype=dt),
}
SEED_SHAPES = {"orthogonal": [10, 10], "delta_orthogonal": [3, 3, 10, 10],
               "orthogonal_1d": [3, 10, 10], "orthogonal_2d": [3, 3, 10, 10],
               "orthogonal_3d": [3, 3, 3, 10, 10]}


def _in_new_graph(init, shape):
    with tf.Graph().as_default():
        return init(shape).numpy()


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
@pytest.mark.parametrize("name", RANDOM_INITIALIZERS)
def test_same_seed_same_values_different_seed_different(name, dtype):
    make, shape = RANDOM_INITIALIZERS[name], SEED_SHAPES.get(name, [100])
    a = _in_new_graph(make(1, dtype), shape)
    np.testing.assert_array_equal(a, _in_new_graph(make(1, dtype), shape))
    assert not np.allclose(a, _in_new_graph(make(2, dtype), shape), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("name", RANDOM_INITIALIZERS)
def test_same_initializer_twice_with_graph_seed_differs(name):
    shape = SEED_SHAPES.get(name, [100])
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        init = RANDOM_INITIALIZERS[name](None, tf.float32)
        assert not np.allclose(init(shape).numpy(), init(shape).numpy(), rtol=1e-15, atol=1e-15)


def test_uniform_unit_scaling_factor_changes_values():
    a = _in_new_graph(tf.uniform_unit_scaling_initializer(seed=1), [100])
    b = _in_new_graph(tf.uniform_unit_scaling_initializer(1.5, seed=1), [100])
    np.testing.assert_allclose(b, 1.5 * a, rtol=1e-5)
    assert not np.allclose(a, b)


def test_random_uniform_int_seeds():
    for dt in (tf.int32, tf.int64):
        a = _in_new_graph(tf.random_uniform_initializer(0, 7, seed=1, dtype=dt), [100])
        assert a.min() >= 0 and a.max() < 7
        b = _in_new_graph(tf.random_uniform_initializer(0, 7, seed=2, dtype=dt), [100])
        assert not np.array_equal(a, b)


# -- constant ------------------------------------------------------------------------------------

def test_constant_rules():
    c = tf.constant_initializer
    assert c(7)([2, 3], dtype=tf.int32).tolist() == [[7] * 3] * 2
    assert c([0, 1, 2, 3, 4, 5])([2, 3]).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert c(np.arange(6).reshape(2, 3))([6]).tolist() == [0, 1, 2, 3, 4, 5]
    assert c([1, 2])([2, 3]).tolist() == [[1, 2, 2], [2, 2, 2]]
    assert c((10, 20, 30))([3], dtype=tf.int32).dtype is tf.int32
    with pytest.raises(errors.ConstantValueError, match="Takes at most 6, but got 8"):
        c(list(range(8)))([2, 3])
    with pytest.raises(errors.ConstantShapeError,
                       match=r"Expected Tensor's shape: \(2, 2\), but got \(4,\)"):
        c([1, 2, 3, 4], verify_shape=True)([2, 2])
    with pytest.raises(TypeError, match="Expected int32, but got 1.5"):
        c(1.5)([2], dtype=tf.int32)


@pytest.mark.parametrize("value", [{"a": 1}, None, torch.tensor([1.0])])
def test_constant_invalid_value(value):
    with pytest.raises(errors.InitializerTypeError, match="Invalid type for initial value="):
        tf.constant_initializer(value)


# -- errors and configs --------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: tf.random_normal_initializer(dtype=tf.int32), errors.InitializerError,
     "Argument `dtype` is expected to be floating point. Received: <dtype: 'int32'>."),
    (lambda: tf.orthogonal_initializer(dtype=tf.string), ValueError, "floating point"),
    (lambda: tf.variance_scaling_initializer(scale=0), ValueError, "Received: 0"),
    (lambda: tf.variance_scaling_initializer(mode="FAN_IN"), ValueError, "Received: FAN_IN"),
    (lambda: tf.variance_scaling_initializer(distribution="Foo"), ValueError, "Received: foo"),
    (lambda: tf.orthogonal_initializer()([5]), ValueError, "Received shape=[5]"),
    (lambda: tf.initializers.identity()([2, 2, 2]), ValueError, "Received shape=[2, 2, 2]"),
    (lambda: init_ops.convolutional_delta_orthogonal()([3, 3, 6, 5]), ValueError,
     "In_filters, specified by shape[-2]=6 cannot be greater than out_filters"),
    (lambda: init_ops.convolutional_orthogonal_2d()([3, 2, 2, 2]), ValueError,
     "Kernel sizes, specified by shape[0]=3 and shape[1]=2 must be equal."),
    (lambda: init_ops.convolutional_orthogonal_2d()([3, 3, 2, 2], dtype=tf.float64), TypeError,
     "Input 'y' of 'Mul' Op has type float64"),
    (lambda: tf.orthogonal_initializer()([3, 3], dtype=tf.bfloat16), TypeError, "bfloat16"),
    (lambda: tf.contrib.layers.variance_scaling_initializer(mode="fan_in"),
     errors.InitializerTypeError, "Unknown mode fan_in [FAN_IN, FAN_OUT, FAN_AVG]"),
    (lambda: tf.contrib.layers.xavier_initializer(dtype=tf.int32), TypeError,
     "Cannot create initializer for non-floating point type."),
])
def test_errors(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


def test_get_config_round_trip():
    inits = [tf.zeros_initializer(tf.int64), tf.ones_initializer(), tf.constant_initializer([1, 2]),
             tf.random_uniform_initializer(-1, 2, seed=3), tf.random_normal_initializer(1, 2, 3),
             tf.truncated_normal_initializer(0, 0.1, 4, tf.float64),
             tf.uniform_unit_scaling_initializer(2.0, 1),
             tf.variance_scaling_initializer(2.0, "fan_avg", "uniform", 5),
             tf.glorot_uniform_initializer(6), tf.glorot_normal_initializer(7),
             tf.orthogonal_initializer(2.0, 8), tf.initializers.identity(3.0),
             init_ops.ConvolutionDeltaOrthogonal(1.5, 9), init_ops.ConvolutionOrthogonal1D(seed=10)]
    for init in inits:
        again = type(init).from_config(init.get_config())
        assert type(again) is type(init) and again.get_config() == init.get_config()
    config = tf.constant_initializer([1, 2], verify_shape=True).get_config()
    assert config == {"value": [1, 2], "dtype": "float32"}            # TF drops verify_shape
    shape = [4, 3]
    a = _in_new_graph(tf.variance_scaling_initializer(seed=3), shape)
    config = tf.variance_scaling_initializer(seed=3).get_config()
    b = _in_new_graph(tf.variance_scaling_initializer.from_config(config), shape)
    np.testing.assert_array_equal(a, b)


def test_namespaces():
    names = ["zeros", "ones", "constant", "random_uniform", "random_normal", "truncated_normal",
             "uniform_unit_scaling", "variance_scaling", "orthogonal", "identity", "glorot_uniform",
             "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
             "global_variables", "local_variables", "variables"]
    assert all(callable(getattr(tf.initializers, n)) for n in names)
    for n in names[:9] + ["glorot_uniform", "glorot_normal"]:
        assert getattr(tf, n + "_initializer") is getattr(tf.initializers, n)
    v = tf.get_variable("v", [2], initializer=tf.ones_initializer())
    v.assign([5.0, 5.0])
    tf.initializers.global_variables()()
    assert v.tolist() == [1.0, 1.0]
