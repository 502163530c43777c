"""Unit tests of scopevar.array_ops and scopevar.math_ops: TF's dtype rules, argument names,
defaults and errors, checked against numpy where numpy has the same semantics.

Numerical agreement with TensorFlow is tests/tf_parity/test_nn_parity.py.
"""
import numpy as np
import pytest
import torch

from scopevar import array_ops as A
from scopevar import errors
from scopevar import math_ops as M

RNG = np.random.default_rng(0)


def arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


# --- conversion and dtypes -----------------------------------------------------------------------

def test_python_values_take_the_tensors_dtype():
    x = torch.ones(2, dtype=torch.float16)
    assert M.add(x, 1).dtype == torch.float16
    assert M.multiply(2.5, x).dtype == torch.float16
    assert M.add(torch.ones(2), np.ones(2)).dtype == torch.float32        # numpy float64 converted
    assert M.add(1, 2).dtype == torch.int32 and M.add(1.5, 2).dtype == torch.float32
    assert M.add([1, 2], [3, 4]).tolist() == [4, 6]
    assert M.add(2 ** 40, 1).dtype == torch.int64


def test_mismatched_dtypes_are_an_error():
    with pytest.raises(TypeError, match=r"^Input 'y' of 'AddV2' Op has type float64 that does not "
                                        r"match type float32 of argument 'x'\. Cast"):
        M.add(torch.ones(2), torch.ones(2, dtype=torch.float64))
    with pytest.raises(TypeError, match="Input 'y' of 'AddV2' Op has type float32 that does not "
                                        "match type int32"):
        M.add(torch.ones(2, dtype=torch.int32), 1.5)
    with pytest.raises(TypeError, match="Input 'x' of 'LogicalAnd' Op has type float32 that does "
                                        "not match expected type of bool"):
        M.logical_and(torch.ones(2), torch.ones(2))
    with pytest.raises(TypeError, match="parameter 'x' has DataType int32 not in list"):
        M.sqrt(4)
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3 for 'AddV2' "
                                         r"with input shapes: \[2\], \[3\]\."):
        M.add(torch.ones(2), torch.ones(3))


def test_division_semantics():
    assert M.divide(7, 2).dtype == torch.float64 and M.divide(7, 2).item() == 3.5
    assert M.truediv(torch.tensor([7], dtype=torch.int16), 2).dtype == torch.float32
    assert M.div(-7, 2).item() == -4 and M.div(-7., 2.).item() == -3.5      # TF1 tf.div
    assert M.floordiv(-7, 2).item() == -4 and M.floordiv(-7.5, 2.).item() == -4.0
    assert M.mod(-7, 3).item() == 2 and M.mod(-7.5, 2.).item() == 0.5
    assert M.pow(2, 3).item() == 8 and M.squared_difference(3, 5).item() == 4


def test_elementwise_ops():
    x = np.array([-1.5, -0.5, 0.5, 1.5, 2.5], np.float32)
    assert M.round(x).tolist() == [-2, -0, 0, 2, 2]                          # half to even
    assert M.sign([-2., 0., 3.]).tolist() == [-1, 0, 1]
    assert M.abs([-3, 2]).dtype == torch.int32
    np.testing.assert_allclose(M.rsqrt([4.]).numpy(), [0.5])
    assert M.maximum([1, 5], 3).tolist() == [3, 5] and M.minimum([1, 5], 3).tolist() == [1, 3]
    assert M.equal([1, 2], 2).tolist() == [False, True]
    assert M.logical_not([True, False]).tolist() == [False, True]
    assert M.clip_by_value([-2., 0.5, 3.], -1, 1).tolist() == [-1, 0.5, 1]


# --- reductions ----------------------------------------------------------------------------------

def test_reduction_arguments():
    x = arr(3, 4, 5)
    np.testing.assert_allclose(M.reduce_sum(x).numpy(), x.sum(), rtol=1e-5)
    np.testing.assert_allclose(M.reduce_mean(x, [0, 2], keepdims=True).numpy(),
                               x.mean((0, 2), keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(M.reduce_max(x, reduction_indices=-1, keep_dims=True).numpy(),
                               x.max(-1, keepdims=True))
    np.testing.assert_allclose(M.reduce_prod(x, [0, 2]).numpy(), x.prod((0, 2)), rtol=1e-5)
    np.testing.assert_allclose(M.reduce_logsumexp(x, 1).numpy(),
                               np.log(np.exp(x).sum(1)), rtol=1e-5)
    assert M.reduce_sum(x, []).shape == (3, 4, 5)                        # no axes: unchanged
    assert M.reduce_any(x > 2).item() == (x > 2).any()
    assert M.reduce_all(x > -9, [0, 1]).shape == (5,)
    with pytest.raises(ValueError, match="Cannot specify both 'reduction_indices' and 'axis'."):
        M.reduce_sum(x, axis=0, reduction_indices=0)
    with pytest.raises(ValueError, match="^Invalid reduction dimension 3 for input with 3 "
                                         "dimensions."):
        M.reduce_sum(x, 3)


def test_integer_reductions_stay_integer():
    i = torch.tensor([[-1, -2, -4], [1, 2, 4]], dtype=torch.int32)
    assert M.reduce_mean(i, 1).tolist() == [-2, 2]                        # truncated, like TF
    assert M.reduce_sum(i).dtype == torch.int32 and M.reduce_prod(i).dtype == torch.int32
    assert M.count_nonzero(torch.tensor([[0, 1], [2, 3]]), 1, keepdims=True).tolist() == [[1], [2]]
    assert M.count_nonzero(input=torch.tensor([0, 5])).dtype == torch.int64


def test_argmax_cumsum():
    x = torch.tensor([[1, 5], [3, 2]])
    assert M.argmax(x).tolist() == [1, 0]                                 # TF1: axis 0
    assert M.argmin(x, dimension=1).tolist() == [0, 1]
    assert M.argmax(x, 1, output_type="int32").dtype == torch.int32
    with pytest.raises(ValueError, match=r"Dimension \(2\) must be in the range \[-2, 2\)"):
        M.argmax(x, 2)
    assert M.cumsum([1, 2, 3]).tolist() == [1, 3, 6]
    assert M.cumsum([1, 2, 3], exclusive=True).tolist() == [0, 1, 3]
    assert M.cumsum([1, 2, 3], reverse=True).tolist() == [6, 5, 3]
    assert M.cumsum([[1, 2], [3, 4]], axis=1, exclusive=True, reverse=True).tolist() == [[2, 0],
                                                                                          [4, 0]]


# --- linear algebra ------------------------------------------------------------------------------

def test_matmul_and_friends():
    a, b = arr(2, 3, 4), arr(4, 5)
    np.testing.assert_allclose(M.matmul(a, b).numpy(), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(M.matmul(b, a, transpose_a=True, transpose_b=True).numpy(),
                               b.T @ a.transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    c = torch.randn(3, 3, dtype=torch.complex64)
    torch.testing.assert_close(M.matmul(c, c, adjoint_b=True), c @ c.conj().T)
    with pytest.raises(ValueError, match="Only one of transpose_a and adjoint_a can be True."):
        M.matmul(b, b, transpose_a=True, adjoint_a=True)
    with pytest.raises(ValueError, match=r"^Dimensions must be equal, but are 5 and 4 for 'Mat"):
        M.matmul(b, b)
    np.testing.assert_allclose(M.tensordot(a, b, 1).numpy(), np.tensordot(a, b, 1), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(M.tensordot(a, arr(4, 3), [[1, 2], [1, 0]]).shape, (2,))
    np.testing.assert_allclose(M.einsum("bij,jk->bik", a, b).numpy(), a @ b, rtol=1e-5, atol=1e-5)
    assert M.add_n([1., 2., 3.]).item() == 6
    with pytest.raises(ValueError, match="Inputs must be an iterable of at least one"):
        M.add_n([])


def test_norms():
    x = arr(3, 4, 5)
    for kwargs, want in [({}, np.linalg.norm(x.ravel())),
                         ({"ord": 1}, np.abs(x).sum()),
                         ({"ord": np.inf}, np.abs(x).max()),
                         ({"ord": 3, "axis": 1}, (np.abs(x) ** 3).sum(1) ** (1 / 3)),
                         ({"axis": [1, 2]}, np.linalg.norm(x, axis=(1, 2))),
                         ({"ord": 1, "axis": [1, 2]}, np.linalg.norm(x, 1, axis=(1, 2))),
                         ({"ord": np.inf, "axis": [1, 2]}, np.linalg.norm(x, np.inf, axis=(1, 2))),
                         ({"ord": 2, "axis": [1, 2]}, np.linalg.norm(x, 2, axis=(1, 2)))]:
        np.testing.assert_allclose(M.norm(x, **kwargs).numpy(), want, rtol=1e-5, err_msg=kwargs)
    assert M.norm(x, axis=0, keep_dims=True).shape == (1, 4, 5)
    t = torch.tensor([[3., 4.], [0., 0.]])
    torch.testing.assert_close(M.clip_by_norm(t, 1., axes=[1]), torch.tensor([[0.6, 0.8], [0, 0]]))
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got 0"):
        M.norm(x, ord=0)


# --- array ops -----------------------------------------------------------------------------------

def test_shapes_are_int32_host_tensors():
    x = torch.zeros(2, 3)
    s = A.shape(x)
    assert s.tolist() == [2, 3] and s.dtype == torch.int32 and s.device.type == "cpu"
    assert A.size(x).item() == 6 and A.rank(x).item() == 2 and A.rank(x).dtype == torch.int32
    assert A.shape(x, out_type="int64").dtype == torch.int64
    assert A.reshape(torch.arange(6), [A.shape(x)[0], -1]).shape == (2, 3)


def test_reshape_split_squeeze_errors():
    with pytest.raises(ValueError, match=r"^Cannot reshape a tensor with 6 elements to shape "
                                         r"\[4,2\] \(8 elements\) for 'Reshape'"):
        A.reshape(torch.zeros(2, 3), [4, 2])
    with pytest.raises(errors.InvalidArgumentError, match="Only one input size may be -1"):
        A.reshape(torch.zeros(2, 3), [-1, -1])
    with pytest.raises(ValueError, match="Dimension size must be evenly divisible by 3 but is 10"):
        A.split(torch.zeros(10), 3)
    assert [t.shape[0] for t in A.split(torch.zeros(10), torch.tensor([3, -1, 2]))] == [3, 5, 2]
    with pytest.raises(ValueError, match=r"Can not squeeze dim\[1\], expected a dimension of 1"):
        A.squeeze(torch.zeros(2, 3), [1])
    assert A.squeeze(torch.zeros(2, 1, 1), squeeze_dims=[2]).shape == (2, 1)
    assert A.expand_dims(torch.zeros(2), dim=0).shape == (1, 2)
    with pytest.raises(ValueError, match="Must specify an axis argument to tf.expand_dims()"):
        A.expand_dims(torch.zeros(2))
    assert len(A.unstack(torch.zeros(2, 3), axis=1)) == 3
    with pytest.raises(ValueError):
        A.unstack(torch.zeros(2, 3), num=2, axis=1)


def test_concat_and_stack():
    a = torch.ones(2, 3)
    assert A.concat([a], 0) is a
    assert A.concat([a, [[5., 6., 7.]]], 0).shape == (3, 3)
    assert A.stack([1, 2.5]).dtype == torch.float32
    assert A.stack([[1, 2], [3, 4]], axis=1).tolist() == [[1, 3], [2, 4]]
    assert A.stack([a, 2 * a], axis=-1).shape == (2, 3, 2)
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal, but are 2 and "
                                         "3. Shapes are \\[2\\] and \\[3\\]."):
        A.concat([a, torch.ones(3, 3)], 1)


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_is_numpy_pad(mode):
    x = arr(3, 4, 5)
    pads = [[1, 2], [0, 3], [2, 2]]
    want = np.pad(x, pads, {"CONSTANT": "constant", "REFLECT": "reflect",
                            "SYMMETRIC": "symmetric"}[mode])
    np.testing.assert_array_equal(A.pad(x, pads, mode.lower()).numpy(), want)
    np.testing.assert_array_equal(A.pad(x, torch.tensor(pads), mode).numpy(), want)


def test_pad_errors_and_constant_values():
    assert A.pad([[1, 2]], [[0, 0], [1, 1]], constant_values=9).tolist() == [[9, 1, 2, 9]]
    with pytest.raises(errors.InvalidArgumentError, match="paddings must be less than the "
                                                          "dimension size: 2, 2 not less than 2"):
        A.pad(torch.zeros(2, 3), [[2, 2], [1, 1]], "REFLECT")
    with pytest.raises(ValueError, match="Value of argument `mode` expected to be one of"):
        A.pad(torch.zeros(2, 3), [[1, 1], [1, 1]], "FOO")


def test_strided_slice_is_python_slicing():
    x = np.arange(7 * 8 * 9).reshape(7, 8, 9)
    choices = [None, -9, -5, -1, 0, 2, 5, 7, 11]
    for _ in range(300):
        spec, begin, end, strides, bmask, emask = [], [], [], [], 0, 0
        for d in range(3):
            b, e = RNG.choice(choices, 2)
            s = int(RNG.choice([-3, -2, -1, 1, 2, 3]))
            spec.append(slice(b, e, s))
            bmask |= (b is None) << d
            emask |= (e is None) << d
            begin.append(0 if b is None else int(b))
            end.append(0 if e is None else int(e))
            strides.append(s)
        got = A.strided_slice(x, begin, end, strides, begin_mask=bmask, end_mask=emask)
        np.testing.assert_array_equal(got.numpy(), x[tuple(spec)], err_msg=str(spec))


def test_strided_slice_masks():
    x = np.arange(60).reshape(3, 4, 5)
    assert (A.strided_slice(x, [1, 0], [0, 2], [1, 1], ellipsis_mask=1).numpy()
            == x[..., 0:2]).all()
    assert (A.strided_slice(x, [0, 1, 0], [2, 2, 3], [1, 1, 1], new_axis_mask=2,
                            shrink_axis_mask=1).numpy() == x[0, None, 0:3]).all()
    assert (A.strided_slice(x, [-1], [0], [1], shrink_axis_mask=1).numpy() == x[-1]).all()


def test_slice_tile_transpose_reverse():
    x = np.arange(24).reshape(2, 3, 4)
    assert (A.slice(x, [1, 0, 2], [-1, 2, 2]).numpy() == x[1:, 0:2, 2:4]).all()
    with pytest.raises(errors.InvalidArgumentError, match=r"Expected size\[0\] in \[0, 1\], but "
                                                          "got 2"):
        A.slice(x, [1, 0, 0], [2, 1, 1])
    assert (A.tile(x, [1, 2, 1]).numpy() == np.tile(x, [1, 2, 1])).all()
    assert (A.transpose(x).numpy() == x.T).all()
    assert (A.transpose(x, perm=[1, 0, 2]).numpy() == x.transpose(1, 0, 2)).all()
    assert (A.reverse(x, [0, 2]).numpy() == x[::-1, :, ::-1]).all()


def test_gather():
    x = np.arange(24).reshape(2, 3, 4)
    i = np.array([[2, 0], [1, 1]])
    assert (A.gather(x, i, axis=1).numpy() == np.take(x, i, axis=1)).all()
    want = np.stack([np.take(x[b], i[b], axis=1) for b in range(2)])
    assert (A.gather(x, i, axis=2, batch_dims=1).numpy() == want).all()
    with pytest.raises(errors.InvalidArgumentError, match=r"indices\[1,0\] = 7 is not in \[0, 3\)"):
        A.gather(x, [[0, 1], [7, 0]], axis=1)


def test_one_hot_where_boolean_mask():
    assert A.one_hot([0, -1, 3], 3).tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    h = A.one_hot([[0, 2]], 3, on_value=5, off_value=-1, axis=0)
    assert h.dtype == torch.int32 and h.shape == (3, 1, 2) and h[:, 0, 1].tolist() == [-1, -1, 5]
    with pytest.raises(TypeError, match="parameter 'indices' has DataType float32"):
        A.one_hot([0.], 3)
    assert A.where([[True, False], [False, True]]).tolist() == [[0, 0], [1, 1]]
    assert A.where([True, False], [[1, 1], [2, 2]], [[0, 0], [0, 0]]).tolist() == [[1, 1], [0, 0]]
    with pytest.raises(ValueError, match="x and y must both be non-None or both be None."):
        A.where([True], [1])
    x = np.arange(12).reshape(2, 3, 2)
    m = np.array([True, False, True])
    assert (A.boolean_mask(x, m, axis=1).numpy() == x[:, m]).all()
    assert (A.boolean_mask(x, m[None].repeat(2, 0)).numpy() == x[m[None].repeat(2, 0)]).all()


def test_range_cast_identity():
    assert A.range(5).dtype == torch.int32 and A.range(1, 2.5).dtype == torch.float32
    assert A.range(10, 2, -3).tolist() == [10, 7, 4]
    assert A.range(3, dtype="float64").dtype == torch.float64
    assert A.cast([-1.7, 1.7], "int32").tolist() == [-1, 1]                # truncation
    assert A.to_float([1]).dtype == torch.float32 and A.to_int64([1.]).dtype == torch.int64
    assert A.to_int32([1.]).dtype == torch.int32 and A.to_double([1]).dtype == torch.float64
    t = torch.ones(2)
    assert A.identity(t) is t
    v = torch.nn.Parameter(torch.ones(2))
    snapshot = A.identity(v)
    with torch.no_grad():
        v.add_(1)
    assert snapshot.tolist() == [1, 1]                                  # a read, not an alias
    assert not A.stop_gradient(v).requires_grad
