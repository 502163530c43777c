"""Unit tests of scopevar.nn: shapes, layouts (channels_last, no copies), dtypes, errors, aliases.

Numerical agreement with TensorFlow is tests/tf_parity/test_nn_parity.py.
"""
import math

import numpy as np
import pytest
import torch
from torch.profiler import ProfilerActivity, profile

from scopevar import errors, nn

torch.manual_seed(0)


def rand(*shape):
    return torch.randn(*shape)


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


# --- output shapes and TF's SAME padding ---------------------------------------------------------

@pytest.mark.parametrize("size", [7, 8, 9])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv_and_pool_output_sizes(size, k, s, padding):
    want = math.ceil(size / s) if padding == "SAME" else math.ceil((size - k + 1) / s)
    x = rand(2, size, size + 1, 3)
    want_w = math.ceil((size + 1) / s) if padding == "SAME" else math.ceil((size + 2 - k) / s)
    assert nn.conv2d(x, rand(k, k, 3, 4), s, padding).shape == (2, want, want_w, 4)
    assert nn.max_pool(x, k, s, padding).shape == (2, want, want_w, 3)
    assert nn.avg_pool(x, k, s, padding).shape == (2, want, want_w, 3)


def test_conv_checks_every_new_argument_set():
    x, w = rand(1, 5, 5, 3), rand(3, 3, 3, 4)
    y = nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    assert torch.equal(nn.conv2d(x, w, [1, 1, 1, 1], "SAME"), y)      # the checked plan again
    assert torch.equal(nn.conv2d(x, w, np.array([1, 1, 1, 1]), "SAME"), y)
    with pytest.raises(ValueError, match="Depth of input"):
        nn.conv2d(rand(1, 5, 5, 2), w, [1, 1, 1, 1], "SAME")
    with pytest.raises(errors.OpTypeError):
        nn.conv2d(x.double(), w, [1, 1, 1, 1], "SAME")
    with pytest.raises(errors.OpArgumentError):
        nn.conv2d(x, w, [1, 1, 1, 1], "SAME", data_format="NCWH")


def test_same_padding_puts_the_odd_pixel_after():
    y = nn.conv2d(torch.ones(1, 4, 4, 1), torch.ones(2, 2, 1, 1), 1, "SAME")[0, :, :, 0]
    assert y.tolist() == [[4, 4, 4, 2], [4, 4, 4, 2], [4, 4, 4, 2], [2, 2, 2, 1]]
    y = nn.conv2d(torch.ones(1, 4, 4, 1), torch.ones(3, 3, 1, 1), 2, "SAME")[0, :, :, 0]
    assert y.tolist() == [[9, 6], [6, 4]]                  # pads (0, 1): the last window is cut


def test_same_avg_pool_excludes_padding_and_max_pool_pads_with_minus_inf():
    x = -torch.ones(1, 4, 4, 1)
    assert (nn.avg_pool(x, 3, 1, "SAME") == -1).all()
    assert (nn.max_pool(x, 3, 1, "SAME") == -1).all()
    assert (nn.avg_pool(x, 2, 1, "SAME") == -1).all()              # stride 1, even window
    assert (nn.max_pool(x, 4, 3, "SAME") == -1).all()


@pytest.mark.parametrize("pool", [nn.max_pool, nn.avg_pool])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_1x1_pool_is_the_strided_input_and_its_gradient(pool, padding):
    x = rand(2, 7, 8, 3).requires_grad_()
    y = pool(x, 1, [1, 3, 2, 1], padding)
    assert torch.equal(y, x[:, ::3, ::2]) and y.data_ptr() == x.data_ptr()      # a view
    assert torch.equal(nhwc(pool(nchw(x), 1, [1, 1, 3, 2], padding, data_format="NCHW")), y)
    (g,) = torch.autograd.grad((y * y).sum(), x)
    want = torch.zeros_like(x)
    want[:, ::3, ::2] = 2 * x.detach()[:, ::3, ::2]
    assert torch.equal(g, want)


def test_dilated_same_and_explicit_padding():
    x = rand(1, 9, 9, 2)
    assert nn.conv2d(x, rand(3, 3, 2, 5), 1, "SAME", dilations=3).shape == (1, 9, 9, 5)
    assert nn.atrous_conv2d(x, rand(3, 3, 2, 5), 2, "VALID").shape == (1, 5, 5, 5)
    y = nn.conv2d(x, rand(3, 3, 2, 5), [1, 2, 2, 1], [[0, 0], [1, 2], [0, 3], [0, 0]])
    assert y.shape == (1, 5, 5, 5)


# --- data formats --------------------------------------------------------------------------------

def test_nchw_is_nhwc_transposed():
    x, w = rand(2, 9, 8, 3), rand(3, 3, 3, 4)
    close = torch.testing.assert_close
    close(nhwc(nn.conv2d(nchw(x), w, [1, 1, 2, 2], "SAME", data_format="NCHW")),
          nn.conv2d(x, w, [1, 2, 2, 1], "SAME"))
    wd = rand(3, 3, 3, 2)
    close(nhwc(nn.depthwise_conv2d(nchw(x), wd, [1, 1, 2, 2], "SAME", data_format="NCHW")),
          nn.depthwise_conv2d(x, wd, [1, 2, 2, 1], "SAME"))
    for pool in (nn.max_pool, nn.avg_pool):
        for k, s in ((3, 2), (2, 1)):
            close(nhwc(pool(nchw(x), k, s, "SAME", data_format="NCHW")), pool(x, k, s, "SAME"))
    b = rand(3)
    close(nhwc(nn.bias_add(nchw(x), b, data_format="NCHW")), nn.bias_add(x, b))
    g, o = rand(3), rand(3)
    close(nhwc(nn.fused_batch_norm(nchw(x), g, o, data_format="NCHW")[0]),
          nn.fused_batch_norm(x, g, o)[0])
    wt = rand(3, 3, 5, 3)
    close(nhwc(nn.conv2d_transpose(nchw(x), wt, [2, 5, 18, 16], [1, 1, 2, 2], data_format="NCHW")),
          nn.conv2d_transpose(x, wt, [2, 18, 16, 5], 2))


# --- channels_last: no layout copies -------------------------------------------------------------

COPIES = {"aten::copy_", "aten::clone", "aten::contiguous", "aten::constant_pad_nd", "aten::pad"}


def _activation_copies(fn, activation_numel):
    """Copy / pad ops run by ``fn`` on tensors at least as large as an activation."""
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        out = fn()
    found = [e.name for e in prof.events() if e.name in COPIES and e.input_shapes
             and e.input_shapes[0] and math.prod(e.input_shapes[0]) >= activation_numel]
    return found, out


X = rand(2, 32, 32, 8)
NO_COPY = {
    "conv2d": lambda: nn.conv2d(X, rand(3, 3, 8, 16), 1, "SAME"),
    "conv2d/valid_s2": lambda: nn.conv2d(X, rand(3, 3, 8, 16), 2, "VALID"),
    "conv2d/1x1_s2": lambda: nn.conv2d(X, rand(1, 1, 8, 16), 2, "SAME"),
    "depthwise": lambda: nn.depthwise_conv2d(X, rand(3, 3, 8, 2), [1, 1, 1, 1], "SAME"),
    "separable": lambda: nn.separable_conv2d(X, rand(3, 3, 8, 1), rand(1, 1, 8, 16), [1, 1, 1, 1],
                                             "SAME"),
    "max_pool/same_asymmetric": lambda: nn.max_pool(X, 3, 2, "SAME"),
    "avg_pool/same_asymmetric": lambda: nn.avg_pool(X, 3, 2, "SAME"),
    "avg_pool/stride1_even": lambda: nn.avg_pool(X, 2, 1, "SAME"),
    "bias_add": lambda: nn.bias_add(X, rand(8)),
    "fused_batch_norm": lambda: nn.fused_batch_norm(X, torch.ones(8), torch.zeros(8))[0],
    "relu": lambda: nn.relu(X),
    "conv2d_transpose": lambda: nn.conv2d_transpose(X, rand(4, 4, 4, 8), [2, 64, 64, 4], 2),
    "conv2d_transpose/asymmetric": lambda: nn.conv2d_transpose(X, rand(3, 3, 4, 8),
                                                               [2, 64, 64, 4], 2),
}


@pytest.mark.parametrize("name", sorted(NO_COPY))
def test_nhwc_ops_make_no_activation_copies(name):
    ptr = X.data_ptr()
    found, y = _activation_copies(NO_COPY[name], X.numel() // 8)     # larger than any filter
    assert found == [], "%s copied an activation: %s" % (name, found)
    assert X.data_ptr() == ptr
    assert y.dim() == 4 and (y.is_contiguous() or name.endswith("stride1_even")
                             or name.endswith("transpose/asymmetric"))   # cropped views


def test_nhwc_conv_feeds_torch_a_channels_last_view():
    seen = {}
    real = torch.nn.functional.conv2d

    def spy(x, w, *args):
        seen["x"], seen["w"] = x, w
        return real(x, w, *args)

    nn._CONV[2] = spy
    try:
        nn.conv2d(X, rand(3, 3, 8, 4), 1, "SAME")
    finally:
        nn._CONV[2] = real
    assert seen["x"].data_ptr() == X.data_ptr()
    assert seen["x"].is_contiguous(memory_format=torch.channels_last)


def test_asymmetric_same_conv_pads_only_once():
    found, _ = _activation_copies(lambda: nn.conv2d(X, rand(3, 3, 8, 4), 2, "SAME"), X.numel())
    assert found.count("aten::constant_pad_nd") == 1


def test_kernels_stored_as_torch_layout_need_no_copy():
    """A [kh, kw, in, out] kernel viewing [out, kh, kw, in] memory reaches torch uncopied."""
    w = rand(16, 3, 3, 8).permute(1, 2, 3, 0)
    found, _ = _activation_copies(lambda: nn.conv2d(X, w, 1, "SAME"), 1)
    assert "aten::clone" not in found and "aten::copy_" not in found


# --- gradients and transposed convolution --------------------------------------------------------

@pytest.mark.parametrize("k,s,d,padding,out", [
    (3, 2, 1, "SAME", 8), (3, 2, 1, "SAME", 9), (4, 2, 1, "SAME", 8), (2, 3, 1, "VALID", 10),
    (3, 1, 2, "SAME", 9), (3, 1, 3, "VALID", 11), (5, 3, 1, "SAME", 7),
    (3, 2, 1, [[0, 0], [2, 0], [1, 1], [0, 0]], 8)])
def test_conv2d_transpose_is_the_gradient_of_conv2d(k, s, d, padding, out):
    x = rand(2, out, out + 1, 3).requires_grad_()
    w = rand(k, k, 3, 4)
    y = nn.conv2d(x, w, s, padding, dilations=d)
    dy = rand(*y.shape)
    (dx,) = torch.autograd.grad(y, x, dy)
    got = nn.conv2d_transpose(dy, w, list(x.shape), s, padding, dilations=d)
    torch.testing.assert_close(got, dx)


def test_fused_batch_norm_statistics():
    x = rand(4, 5, 5, 3) * 3 + 1
    g, o = rand(3), rand(3)
    y, mean, var = nn.fused_batch_norm(x, g, o, epsilon=1e-3)
    flat = x.reshape(-1, 3)
    torch.testing.assert_close(mean, flat.mean(0))
    torch.testing.assert_close(var, flat.var(0, unbiased=True))          # TF returns Bessel's
    torch.testing.assert_close(y, (x - flat.mean(0)) / torch.sqrt(flat.var(0, unbiased=False)
                                                                   + 1e-3) * g + o)
    m0, v0 = torch.ones(3), torch.ones(3)
    _, m, v = nn.fused_batch_norm(x, g, o, m0, v0, exponential_avg_factor=0.25)
    torch.testing.assert_close(m, 0.75 + 0.25 * mean)
    torch.testing.assert_close(v, 0.75 + 0.25 * var)
    assert m0.tolist() == [1, 1, 1]                                       # not updated in place
    _, m, v = nn.fused_batch_norm(x, g, o, m0, v0, is_training=False)
    assert m is m0 and v is v0


def test_fused_batch_norm_half_precision_and_trainable_statistics():
    y, m, v = nn.fused_batch_norm(rand(2, 3, 3, 4).half(), torch.ones(4), torch.zeros(4))
    assert (y.dtype, m.dtype, v.dtype) == (torch.float16, torch.float32, torch.float32)
    mean = torch.nn.Parameter(torch.zeros(4))
    x = rand(2, 3, 3, 4).requires_grad_()
    nn.fused_batch_norm(x, torch.ones(4), torch.zeros(4), mean, torch.ones(4),
                        is_training=False)[0].sum().backward()
    assert x.grad is not None and mean.grad is None                       # as TF: no gradient


def test_moments_and_batch_normalization():
    x = rand(3, 4, 5)
    mean, var = nn.moments(x, [0, 2], keep_dims=True)
    assert mean.shape == var.shape == (1, 4, 1)
    torch.testing.assert_close(var[0, :, 0], x.permute(1, 0, 2).reshape(4, -1).var(1, False))
    assert nn.moments(x, [1], keepdims=False)[0].shape == (3, 5)
    y = nn.batch_normalization(x, mean, var, None, None, 0.0)
    torch.testing.assert_close(nn.moments(y, [0, 2])[1], torch.ones(4), rtol=1e-4, atol=1e-4)
    half = nn.moments(x.half(), [0])
    assert half[0].dtype == torch.float16


# --- dropout -------------------------------------------------------------------------------------

def test_dropout_keeps_and_scales():
    x = torch.ones(200, 500)
    y = nn.dropout(x, rate=0.3)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.01
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / 0.7))
    assert nn.dropout(x, keep_prob=1.0) is x and nn.dropout(x, rate=0.0) is x
    rows = nn.dropout(x, keep_prob=0.5, noise_shape=[200, 1])
    assert ((rows == 0).all(1) | (rows != 0).all(1)).all()
    cols = nn.dropout(x, 0.5, noise_shape=[None, 1])                 # None: x's dimension
    assert ((cols == 0).all(1) | (cols != 0).all(1)).all()
    assert nn.dropout(x, rate=torch.tensor(0.5)).shape == x.shape


def test_dropout_draws_through_the_single_random_hook(monkeypatch):
    calls = []

    def fake(shape, dtype, seed, device):
        calls.append((shape, dtype, seed, device))
        return torch.arange(6, dtype=dtype).reshape(shape) / 6

    monkeypatch.setattr(nn, "_random_uniform", fake)
    y = nn.dropout(torch.ones(2, 3), rate=0.5, seed=7)
    assert calls == [([2, 3], torch.float32, 7, torch.device("cpu"))]
    assert y.tolist() == [[0, 0, 0], [2, 2, 2]]


def test_dropout_errors():
    with pytest.raises(ValueError, match=r"`rate` must be a scalar tensor or a float in the range"):
        nn.dropout(torch.ones(2), keep_prob=0.0)
    with pytest.raises(ValueError, match="`rate` must be provided"):
        nn.dropout(torch.ones(2))
    with pytest.raises(ValueError, match="Cannot specify both 'keep_prob' and 'rate'."):
        nn.dropout(torch.ones(2), keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match="must be a floating point tensor"):
        nn.dropout(torch.ones(2, dtype=torch.int32), rate=0.5)


# --- losses and classification -------------------------------------------------------------------

def test_softmax_cross_entropy_variants():
    logits, labels = rand(4, 5), torch.softmax(rand(4, 5), -1)
    want = -(labels * torch.log_softmax(logits, -1)).sum(-1)
    torch.testing.assert_close(nn.softmax_cross_entropy_with_logits_v2(labels, logits), want)
    torch.testing.assert_close(nn.softmax_cross_entropy_with_logits(labels=labels.T,
                                                                    logits=logits.T, dim=0), want)
    labels.requires_grad_()
    logits.requires_grad_()
    nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits).sum().backward()
    assert labels.grad is None                                        # v1 stops the gradient
    half = nn.softmax_cross_entropy_with_logits_v2(labels.detach().half(), logits.detach().half())
    assert half.dtype == torch.float16


def test_sparse_softmax_cross_entropy():
    logits, labels = rand(2, 3, 5), torch.tensor([[0, 4, 2], [1, 1, 3]])
    want = torch.nn.functional.cross_entropy(logits.reshape(-1, 5), labels.reshape(-1),
                                             reduction="none").reshape(2, 3)
    torch.testing.assert_close(nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                           logits=logits), want)
    with pytest.raises(errors.InvalidArgumentError, match=r"label value of 5 which is outside"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=[5], logits=rand(1, 5))
    with pytest.raises(TypeError, match="parameter 'labels' has DataType float32"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=[1.], logits=rand(1, 5))


def test_top_k_and_in_top_k_ties():
    values, indices = nn.top_k(torch.tensor([[1., 3., 2., 3., 3.]]), 2)
    assert values.tolist() == [[3, 3]] and indices.tolist() == [[1, 3]]   # lower index first
    assert indices.dtype == torch.int32
    assert nn.top_k([1., 2.], 1, index_type="int64").indices.dtype == torch.int64
    p = torch.tensor([[1., 2., 2., 0.], [1., float("nan"), 3., 3.], [float("inf"), 1, 1, 1]])
    assert nn.in_top_k(p, torch.tensor([1, 0, 0]), 1).tolist() == [True, False, False]
    assert nn.in_top_k(p, torch.tensor([2, 2, 7]), 2).tolist() == [True, True, False]


def test_activations_and_small_ops():
    x = torch.tensor([-8., -1., 0., 1., 8.])
    assert nn.relu6(x).tolist() == [0, 0, 0, 1, 6]
    assert nn.leaky_relu(x, alpha=0.5).tolist() == [-4, -0.5, 0, 1, 8]
    assert nn.leaky_relu([-2, 2]).dtype == torch.float32                   # ints become float
    assert nn.crelu(torch.tensor([[1., -2.]])).tolist() == [[1, 0, 0, 2]]
    torch.testing.assert_close(nn.swish(x, 2.0), x * torch.sigmoid(2 * x))
    assert nn.silu is nn.swish and nn.local_response_normalization is nn.lrn
    assert nn.l2_loss([3., 4.]).item() == 12.5
    assert nn.zero_fraction(torch.tensor([0., 1., 0., 2.])).item() == 0.5
    torch.testing.assert_close(nn.l2_normalize(torch.tensor([[3., 4.]]), dim=1),
                               torch.tensor([[0.6, 0.8]]))
    torch.testing.assert_close(nn.softmax([[1., 0.], [1., 0.]], dim=0), torch.full((2, 2), 0.5))
    torch.testing.assert_close(nn.xw_plus_b([[1., 2.]], [[1.], [1.]], [0.5]), torch.tensor([[3.5]]))


def test_numpy_and_python_inputs():
    y = nn.conv2d(np.ones((1, 3, 3, 1), np.float32), np.ones((3, 3, 1, 1), np.float32), 1, "SAME")
    assert y[0, 1, 1, 0].item() == 9
    assert nn.max_pool2d(np.ones((1, 2, 2, 1), np.float32), 2, 2, "VALID").shape == (1, 1, 1, 1)


# --- argument names and errors -------------------------------------------------------------------

def test_tf_argument_aliases():
    x, w = rand(1, 5, 5, 3), rand(3, 3, 3, 4)
    torch.testing.assert_close(nn.conv2d(x, filters=w, strides=1, padding="SAME"),
                               nn.conv2d(x, w, 1, "SAME"))
    torch.testing.assert_close(nn.max_pool(None, 2, 2, "SAME", input=x),
                               nn.max_pool(x, 2, 2, "SAME"))
    torch.testing.assert_close(nn.avg_pool2d(x, 2, 2, "SAME"), nn.avg_pool(value=x, ksize=2,
                                                                        strides=2, padding="SAME"))
    wt = rand(3, 3, 2, 3)
    torch.testing.assert_close(nn.conv2d_transpose(input=x, filters=wt, output_shape=[1, 10, 10, 2],
                                                   strides=2),
                               nn.conv2d_transpose(x, wt, [1, 10, 10, 2], 2))
    wd = rand(3, 3, 3, 2)
    torch.testing.assert_close(nn.depthwise_conv2d(x, wd, [1, 1, 1, 1], "SAME", dilations=[2, 2]),
                               nn.depthwise_conv2d(x, wd, [1, 1, 1, 1], "SAME", rate=[2, 2]))
    with pytest.raises(ValueError, match="Cannot specify both 'filter' and 'filters'."):
        nn.conv2d(x, w, 1, "SAME", filters=w)


@pytest.mark.parametrize("call,cls,message", [
    (lambda: nn.conv2d(rand(2, 5, 3), rand(3, 3, 3, 4), 1, "SAME"), ValueError,
     "Shape must be rank 4 but is rank 3 for 'Conv2D' with input shapes: [2,5,3], [3,3,3,4]."),
    (lambda: nn.conv2d(rand(2, 5, 5, 3), rand(3, 3, 5, 4), 1, "SAME"), ValueError,
     "Depth of input (3) is not a multiple of input depth of filter (5) for 'Conv2D'"),
    (lambda: nn.conv2d(rand(2, 5, 5, 3), rand(3, 3, 3, 4), 1, "same"), ValueError,
     "Attr 'padding' of 'Conv2D' Op passed string 'same' not in:"),
    (lambda: nn.conv2d(rand(2, 5, 5, 3), rand(3, 3, 3, 4), [2, 1, 1, 1], "SAME"),
     errors.InvalidArgumentError, "Current implementation does not yet support strides in the "
                                  "batch and depth dimensions."),
    (lambda: nn.max_pool(rand(2, 5, 5, 3), 2, 2, "SAME", data_format="NWHC"), ValueError,
     "Attr 'data_format' of 'MaxPool' Op passed string 'NWHC' not in:"),
    (lambda: nn.avg_pool(rand(2, 5, 5, 3), 2, 2, [[0, 0]] * 4), ValueError,
     "Attr 'padding' of 'AvgPool' Op passed string"),
    (lambda: nn.conv2d_transpose(rand(2, 5, 5, 3), rand(3, 3, 4, 3), [2, 13, 13, 4], 2),
     errors.InvalidArgumentError, "Conv2DCustomBackpropInput: Size of out_backprop doesn't match "
                                  "computed: actual = 5, computed = 7"),
    (lambda: nn.fused_batch_norm(rand(2, 5, 5, 3), torch.ones(3), torch.zeros(3),
                                 data_format="NWHC"), ValueError, "Attr 'data_format'"),
    (lambda: nn.softmax([1, 2]), TypeError,
     "Value passed to parameter 'logits' has DataType int32 not in list of allowed values"),
    (lambda: nn.bias_add(rand(2, 3), rand(4)), ValueError,
     "Dimensions must be equal, but are 3 and 4 for 'BiasAdd'"),
])
def test_errors_read_like_tensorflow(call, cls, message):
    with pytest.raises(cls) as info:
        call()
    assert str(info.value).startswith(message)


def test_errors_say_how_to_fix():
    with pytest.raises(ValueError, match=r"The filter is \[height, width, in_channels"):
        nn.conv2d(rand(2, 5, 5, 3), rand(3, 3, 5, 4), 1, "SAME")
    with pytest.raises(ValueError, match=r"Use .SAME. or .VALID. \(upper case\)"):
        nn.conv2d(rand(2, 5, 5, 3), rand(3, 3, 3, 4), 1, "same")
    with pytest.raises(ValueError, match="use padding='SAME'"):
        nn.max_pool(rand(1, 2, 2, 1), 3, 1, "VALID")
    with pytest.raises(TypeError, match=r"Cast one of them first: tf.cast\(filter, tf.float32\)"):
        nn.conv2d(rand(1, 5, 5, 3), rand(3, 3, 3, 4).double(), 1, "SAME")
