"""scopevar's nn / array / math ops against real TensorFlow 2.21 (compat.v1, graph mode).

Every case is one TF1 expression ``lambda *inputs: ...`` run on both sides with the same
random inputs; outputs match within 1e-5 (relative to the output's scale, float32) and so do
the gradients of ``sum(output * u)`` (``tf.gradients`` vs autograd) for the inputs listed.
TF's CPU kernels lack NCHW for most ops, so NCHW cases run scopevar in NCHW and TF in NHWC,
transposing around scopevar's op.  Error cases compare the exception class and TF's message.

All TF work happens in ONE subprocess per session (cached in ``.pytest_cache/tf_oracle``).
"""
import hashlib
import io
import json
import types

import numpy as np
import pytest
import torch

import scopevar
from scopevar import array_ops, math_ops, nn

from .oracle import CACHE, run_tf_script, tf_available

pytestmark = pytest.mark.tf

SHARED = '''
def upstream(shape, dtype):
    return np.random.RandomState(7).standard_normal(shape).astype(dtype)
'''

TF_PROGRAM = SHARED + r'''
import json
from tensorflow.python.framework import errors
spec = json.load(open(SPEC))
data = dict(np.load(INPUTS))
fetch, grads, feed = {}, {}, {}
graph = tf.Graph()
with graph.as_default():
    # placeholders, not constants: constant folding would run (and break) ops at build time
    given = {k: tf.placeholder(tf.as_dtype(v.dtype), v.shape) for k, v in data.items()}
    for c in spec["cases"]:
        xs = [given[k] for k in c["inputs"]]
        ys = eval(c["tf"])(*xs)
        ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
        for i, y in enumerate(ys):
            fetch["%s|out%d" % (c["name"], i)] = tf.convert_to_tensor(y)
        if c["grad"]:
            u = feed[c["name"] + "|out0"] = tf.placeholder(ys[0].dtype)
            gs = tf.gradients(tf.reduce_sum(ys[0] * u), [xs[i] for i in c["grad"]])
            for i, g in zip(c["grad"], gs):
                if g is not None:
                    grads["%s|grad%d" % (c["name"], i)] = tf.convert_to_tensor(g)
    with tf.Session() as sess:
        values = {given[k]: v for k, v in data.items()}
        results = sess.run(fetch, feed_dict=values)
        values.update({p: upstream(results[k].shape, results[k].dtype) for k, p in feed.items()})
        results.update(sess.run(grads, feed_dict=values))
np.savez(OUT, **results)

failures = {}
for name, code in spec["errors"].items():
    with tf.Graph().as_default():
        try:
            with tf.Session() as sess:
                sess.run(eval(code))
            failures[name] = None
        except errors.OpError as e:
            lines = e.message.split("\n")
            at = [i for i, l in enumerate(lines) if l.startswith("Node:")]
            failures[name] = [type(e).__name__, lines[at[-1] + 1] if at else lines[0]]
        except Exception as e:
            failures[name] = [type(e).__name__, str(e)]
json.dump(failures, open(ERRORS, "w"))
'''

_CASES = {}      # name -> dict(tf=code, sv=code, inputs=[keys], grad=[indices])
_ERRORS = {}     # name -> (code raising on TF, where TF's message stops being compared)
_SHAPES = {}     # input key -> (shape, kind)


def _input(shape, kind="normal"):
    key = "%s:%s" % (kind, "x".join(map(str, shape)))
    _SHAPES[key] = (tuple(shape), kind)
    return key


def case(name, code, inputs, grad=(), sv=None):
    assert name not in _CASES, name
    _CASES[name] = dict(name=name, tf=code, sv=sv or code, inputs=list(inputs), grad=list(grad))


def error(name, code, upto=None):
    _ERRORS[name] = (code, upto)


def _nchw(code):
    """scopevar side of an NCHW case (``code`` takes NCHW ``x`` first): TF runs NHWC, so the
    NHWC input is transposed in and the result transposed back."""
    return ("lambda x, *rest: tf.transpose((%s)(tf.transpose(x, [0, 3, 1, 2]), *rest), "
            "[0, 2, 3, 1])" % code)


# --- convolutions --------------------------------------------------------------------------------

X_ODD, X_EVEN = _input([2, 9, 10, 3]), _input([2, 8, 7, 3])
KERNELS = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (2, 3)]
for kh, kw in KERNELS:
    w = _input([kh, kw, 3, 4])
    for s in (1, 2, 3):
        for pad in ("SAME", "VALID"):
            for xname, x in (("odd", X_ODD), ("even", X_EVEN)):
                case("conv2d/k%d%d/s%d/%s/%s" % (kh, kw, s, pad, xname),
                     "lambda x, w: tf.nn.conv2d(x, w, [1, %d, %d, 1], '%s')" % (s, s, pad),
                     [x, w], grad=[0, 1])
W3 = _input([3, 3, 3, 4])
for d in (2, 3):
    for pad in ("SAME", "VALID"):
        for kh, kw in ((2, 2), (3, 3)):
            # TF's CPU conv2d has no dilated gradient; its convolution (space_to_batch) has
            case("conv2d/dilated%d/k%d/%s" % (d, kh, pad),
                 "lambda x, w: tf.nn.convolution(x, w, '%s', dilation_rate=[%d, %d])" % (pad, d, d),
                 [X_ODD, _input([kh, kw, 3, 4])], grad=[0, 1],
                 sv="lambda x, w: tf.nn.conv2d(x, w, 1, '%s', dilations=[1, %d, %d, 1])"
                    % (pad, d, d))
case("conv2d/strides12", "lambda x, w: tf.nn.conv2d(x, w, [1, 1, 2, 1], 'SAME')", [X_EVEN, W3],
     [0, 1])
case("conv2d/explicit", "lambda x, w: tf.nn.conv2d(x, w, [1, 2, 2, 1], "
     "[[0, 0], [1, 2], [0, 3], [0, 0]])", [X_ODD, W3], grad=[0, 1])
case("conv2d/grouped", "lambda x, w: tf.nn.conv2d(x, w, 1, 'SAME')",
     [_input([2, 6, 6, 6]), _input([3, 3, 3, 4])])            # TF's CPU has no gradient
for s, pad, k, xk in ((2, "SAME", 3, X_EVEN), (1, "SAME", 4, X_ODD), (3, "VALID", 2, X_ODD)):
    w = _input([k, k, 3, 4])
    case("conv2d/nchw/k%d/s%d/%s" % (k, s, pad),
         "lambda x, w: tf.nn.conv2d(x, w, [1, %d, %d, 1], '%s')" % (s, s, pad), [xk, w], [0, 1],
         sv=_nchw("lambda x, w: tf.nn.conv2d(x, w, [1, 1, %d, %d], '%s', data_format='NCHW')"
                  % (s, s, pad)))
case("conv2d/nchw/dilated", "lambda x, w: tf.nn.convolution(x, w, 'SAME', dilation_rate=[2, 2])",
     [X_ODD, W3], [0, 1],
     sv=_nchw("lambda x, w: tf.nn.conv2d(x, w, 1, 'SAME', data_format='NCHW', dilations=2)"))
case("convolution/2d", "lambda x, w: tf.nn.convolution(x, w, 'SAME', strides=[2, 2])",
     [X_ODD, W3], [0, 1])
case("convolution/dilated", "lambda x, w: tf.nn.convolution(x, w, 'SAME', dilation_rate=[2, 3])",
     [X_EVEN, W3], [0, 1])
case("convolution/1d", "lambda x, w: tf.nn.convolution(x, w, 'SAME', strides=[2])",
     [_input([2, 9, 3]), _input([4, 3, 5])], [0, 1])
case("convolution/3d", "lambda x, w: tf.nn.convolution(x, w, 'SAME', strides=[1, 2, 2])",
     [_input([2, 5, 6, 7, 3]), _input([2, 3, 4, 3, 4])], [0, 1])
for r in (2, 3):
    for pad in ("SAME", "VALID"):
        case("atrous_conv2d/r%d/%s" % (r, pad), "lambda x, w: tf.nn.atrous_conv2d(x, w, %d, '%s')"
             % (r, pad), [X_ODD, W3], [0, 1])

for k in (3, 4):
    w = _input([k, k, 3, 2])
    for s in (1, 2):
        for pad in ("SAME", "VALID"):
            case("depthwise/k%d/s%d/%s" % (k, s, pad),
                 "lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, %d, %d, 1], '%s')" % (s, s, pad),
                 [X_EVEN, w], [0, 1])
    for pad in ("SAME", "VALID"):
        case("depthwise/k%d/rate2/%s" % (k, pad),
             "lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], '%s', rate=[2, 2])" % pad,
             [X_ODD, w], [0, 1])
WD = _input([3, 3, 3, 2])
case("depthwise_native/s2",
     "lambda x, w: tf.nn.depthwise_conv2d_native(x, w, [1, 2, 2, 1], 'SAME')",
     [X_EVEN, WD], [0, 1])
case("depthwise/nchw", "lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], 'SAME')",
     [X_EVEN, WD], [0, 1],
     sv=_nchw("lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 2, 2], 'SAME', "
              "data_format='NCHW')"))
WP = _input([1, 1, 6, 5])
for s, pad, rate in ((1, "SAME", None), (2, "SAME", None), (2, "VALID", None), (1, "SAME", 2)):
    case("separable/s%d/%s/r%s" % (s, pad, rate),
         "lambda x, d, p: tf.nn.separable_conv2d(x, d, p, [1, %d, %d, 1], '%s', rate=%s)"
         % (s, s, pad, None if rate is None else [rate, rate]), [X_ODD, WD, WP], [0, 1, 2])

def _transposed_size(out, k, s, pad):
    """The input size conv2d_transpose needs for output size ``out``."""
    return -(-out // s) if pad == "SAME" else (out - k) // s + 1


for k in (2, 3, 4, 5):
    for s in (1, 2, 3):
        for pad in ("SAME", "VALID"):
            for h in (8, 9):
                size = [2, _transposed_size(h, k, s, pad), _transposed_size(h + 1, k, s, pad), 3]
                case("conv2d_transpose/k%d/s%d/%s/out%d" % (k, s, pad, h),
                     "lambda x, w: tf.nn.conv2d_transpose(x, w, [2, %d, %d, 4], [1, %d, %d, 1], "
                     "'%s')"
                     % (h, h + 1, s, s, pad), [_input(size), _input([k, k, 4, 3])], [0, 1])
case("conv2d_transpose/nchw", "lambda x, w: tf.nn.conv2d_transpose(x, w, [2, 8, 9, 4], 2)",
     [_input([2, 4, 5, 3]), _input([3, 3, 4, 3])], [0, 1],
     sv=_nchw("lambda x, w: tf.nn.conv2d_transpose(x, w, [2, 4, 8, 9], 2, data_format='NCHW')"))

# --- pooling -------------------------------------------------------------------------------------

for op in ("max_pool", "avg_pool"):
    for k in (1, 2, 3, 4):
        for s in (1, 2, 3):
            for pad in ("SAME", "VALID"):
                for xname, x in (("odd", X_ODD), ("even", X_EVEN)):
                    case("%s/k%d/s%d/%s/%s" % (op, k, s, pad, xname),
                         "lambda x: tf.nn.%s(x, [1, %d, %d, 1], [1, %d, %d, 1], '%s')"
                         % (op, k, k, s, s, pad), [x], [0])
    case("%s/k23/s21" % op, "lambda x: tf.nn.%s(x, [2, 3], [2, 1], 'SAME')" % op, [X_ODD], [0])
    case("%s/nchw" % op, "lambda x: tf.nn.%s(x, 3, 2, 'SAME')" % op, [X_EVEN], [0],
         sv=_nchw("lambda x: tf.nn.%s(x, 3, 2, 'SAME', data_format='NCHW')" % op))
    case("%s2d" % op, "lambda x: tf.nn.%s2d(x, 2, 1, 'SAME')" % op, [X_ODD], [0])
case("max_pool/explicit", "lambda x: tf.nn.max_pool(x, 3, 2, [[0, 0], [1, 1], [2, 0], [0, 0]])",
     [X_ODD], [0])

# --- elementwise nn, normalization, losses -------------------------------------------------------

V = _input([4, 6])
V_WIDE = _input([4, 6], "wide")
for act in ("relu", "relu6", "elu", "selu", "softplus", "softsign", "sigmoid", "tanh", "crelu",
            "swish", "silu"):
    case("act/" + act, "lambda x: tf.nn.%s(x)" % act, [V_WIDE], [0])
case("act/leaky_relu", "lambda x: tf.nn.leaky_relu(x, alpha=0.1)", [V_WIDE], [0])
case("act/crelu_axis0", "lambda x: tf.nn.crelu(x, axis=0)", [V], [0])
case("act/swish_beta", "lambda x: tf.nn.swish(x, beta=0.5)", [V], [0])
case("bias_add/nhwc", "lambda x, b: tf.nn.bias_add(x, b)", [X_ODD, _input([3])], [0, 1])
case("bias_add/nchw", "lambda x, b: tf.nn.bias_add(x, b, data_format='NCHW')",
     [_input([2, 3, 4, 5]), _input([3])], [0, 1])
case("bias_add/2d", "lambda x, b: tf.nn.bias_add(x, b)", [V, _input([6])], [0, 1])
case("xw_plus_b", "lambda x, w, b: tf.nn.xw_plus_b(x, w, b)", [V, _input([6, 3]), _input([3])],
     [0, 1, 2])
case("moments/conv", "lambda x: tf.nn.moments(x, [0, 1, 2])", [X_ODD], [0])
case("moments/keep", "lambda x: tf.nn.moments(x, [1], keep_dims=True)", [V], [0])
case("batch_normalization", "lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3)",
     [X_ODD, _input([3]), _input([3], "positive"), _input([3]), _input([3])], [0, 1, 2, 3, 4])
case("batch_normalization/none", "lambda x, m, v: tf.nn.batch_normalization(x, m, v, None, None, "
     "1e-3)", [V, _input([6]), _input([6], "positive")], [0, 1, 2])
BN = [X_ODD, _input([3], "positive"), _input([3]), _input([3]), _input([3], "positive")]
case("fused_bn/train", "lambda x, s, o, m, v: tf.nn.fused_batch_norm(x, s, o)", BN, [0, 1, 2])
case("fused_bn/train_eaf", "lambda x, s, o, m, v: tf.nn.fused_batch_norm(x, s, o, m, v, "
     "epsilon=0.01, exponential_avg_factor=0.3)", BN, [0, 1, 2])
case("fused_bn/infer", "lambda x, s, o, m, v: tf.nn.fused_batch_norm(x, s, o, m, v, "
     "is_training=False)", BN, [0, 1, 2])
for mode in ("True", "False"):
    case("fused_bn/nchw/train=" + mode,
         "lambda x, s, o, m, v: tf.nn.fused_batch_norm(x, s, o, m, v, is_training=%s)[0]" % mode,
         BN, [0, 1, 2],
         sv=_nchw("lambda x, *bn: tf.nn.fused_batch_norm(x, *bn, is_training=%s, "
                  "data_format='NCHW')"
                  "[0]" % mode))
case("l2_loss", "lambda x: tf.nn.l2_loss(x)", [V], [0])
case("l2_normalize/axis", "lambda x: tf.nn.l2_normalize(x, axis=1)", [V], [0])
case("l2_normalize/all", "lambda x: tf.nn.l2_normalize(x, dim=None)", [V], [0])
case("lrn", "lambda x: tf.nn.lrn(x, 2, 1.5, 0.3, 0.75)", [_input([2, 3, 4, 7])], [0])
case("local_response_normalization", "lambda x: tf.nn.local_response_normalization(x)", [X_ODD],
     [0])
for fn in ("softmax", "log_softmax"):
    case(fn, "lambda x: tf.nn.%s(x)" % fn, [V_WIDE], [0])
    case(fn + "/axis0", "lambda x: tf.nn.%s(x, axis=0)" % fn, [V], [0])
    case(fn + "/dim1", "lambda x: tf.nn.%s(x, dim=1)" % fn, [_input([2, 3, 4])], [0])
PROBS = _input([4, 6], "probs")
case("xent_v2", "lambda l, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=l, logits=x)",
     [PROBS, V_WIDE], [0, 1])
case("xent_v2/axis0", "lambda l, x: tf.nn.softmax_cross_entropy_with_logits_v2(l, x, axis=0)",
     [_input([4, 6], "probs0"), V], [0, 1])
case("xent_v1", "lambda l, x: tf.nn.softmax_cross_entropy_with_logits(labels=l, logits=x)",
     [PROBS, V], [0, 1])
case("sparse_xent", "lambda l, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=l, "
     "logits=x)", [_input([4], "labels6"), V_WIDE], [1])
case("sparse_xent/rank3", "lambda l, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=l, "
     "logits=x)", [_input([2, 4], "labels6"), _input([2, 4, 6])], [1])
case("sigmoid_xent", "lambda l, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=l, logits=x)",
     [_input([4, 6], "uniform"), V_WIDE], [0, 1])
case("in_top_k", "lambda p, t: tf.nn.in_top_k(p, t, 2)",
     [_input([5, 6], "ties"), _input([5], "labels6")])
case("top_k", "lambda x: tf.nn.top_k(x, 3)", [_input([5, 6], "ties")])
case("top_k/grad", "lambda x: tf.nn.top_k(x, 2, sorted=True).values", [V], [0])
case("zero_fraction", "lambda x: tf.nn.zero_fraction(x)", [_input([5, 6], "ties")])
case("dropout/rate0", "lambda x: tf.nn.dropout(x, rate=0.0)", [V], [0])
case("dropout/keep1", "lambda x: tf.nn.dropout(x, keep_prob=1.0)", [V], [0])

# --- array ops -----------------------------------------------------------------------------------

A = _input([3, 4, 5])
I34 = _input([3, 4], "int")
case("concat", "lambda a, b: tf.concat([a, b], 1)", [A, _input([3, 2, 5])], [0, 1])
case("concat/neg", "lambda a: tf.concat([a, a], -1)", [A], [0])
case("squeeze", "lambda a: tf.squeeze(a)", [_input([3, 1, 5, 1])], [0])
case("squeeze/axis", "lambda a: tf.squeeze(a, [-1])", [_input([3, 1, 5, 1])], [0])
case("squeeze/squeeze_dims", "lambda a: tf.squeeze(a, squeeze_dims=[1])", [_input([3, 1, 5, 1])])
case("expand_dims", "lambda a: tf.expand_dims(a, -1)", [A], [0])
case("expand_dims/dim", "lambda a: tf.expand_dims(a, dim=1)", [A])
for mode in ("CONSTANT", "REFLECT", "SYMMETRIC"):
    case("pad/" + mode, "lambda a: tf.pad(a, [[1, 2], [0, 3], [2, 2]], '%s')" % mode, [A], [0])
case("pad/constant_values", "lambda a: tf.pad(a, [[1, 0], [0, 1]], constant_values=7)", [I34])
case("reshape", "lambda a: tf.reshape(a, [-1, 10])", [A], [0])
case("reshape/shape_tensor", "lambda a: tf.reshape(a, [tf.shape(a)[0], -1])", [A], [0])
case("stack", "lambda a: tf.stack([a, a * 2], axis=1)", [A], [0])
case("stack/python", "lambda a: tf.stack([1, 2.5])", [A])
case("unstack", "lambda a: tf.unstack(a, axis=1)", [A])
case("split/num", "lambda a: tf.split(a, 2, axis=1)", [A], [0])
case("split/sizes", "lambda a: tf.split(a, [1, -1, 2], 2)", [A], [0])
case("shape", "lambda a: (tf.shape(a), tf.size(a), tf.rank(a))", [A])
case("transpose", "lambda a: tf.transpose(a, [2, 0, 1])", [A], [0])
case("transpose/default", "lambda a: tf.transpose(a)", [A], [0])
case("tile", "lambda a: tf.tile(a, [2, 1, 3])", [A], [0])
case("slice", "lambda a: tf.slice(a, [1, 0, 2], [-1, 2, 3])", [A], [0])
for i, (args, kw) in enumerate((
        ("[1, 0], [3, 4], [1, 2]", ""),
        ("[2, 3], [0, 0], [-1, -2]", ""),
        ("[0, -1], [3, -4], [2, -1]", "end_mask=1"),
        ("[1, 0], [0, 2], [1, 1]", "ellipsis_mask=1"),
        ("[0, 1, 0], [2, 2, 3], [1, 1, 1]", "new_axis_mask=2, shrink_axis_mask=1"),
        ("[-1, 0], [0, 3], [1, 2]", "begin_mask=2, shrink_axis_mask=1"),
        ("[0, 4], [0, 0], [1, -2]", "begin_mask=1, end_mask=3"))):
    case("strided_slice/%d" % i, "lambda a: tf.strided_slice(a, %s%s)"
         % (args, ", " + kw if kw else ""), [A], [0])
case("gather", "lambda a, i: tf.gather(a, i)", [A, _input([2, 2], "index3")], [0])
case("gather/axis", "lambda a, i: tf.gather(a, i, axis=2)", [A, _input([3], "index3")], [0])
case("gather/batch_dims", "lambda a, i: tf.gather(a, i, axis=2, batch_dims=1)",
     [A, _input([3, 2], "index3")], [0])
case("identity", "lambda a: tf.identity(a)", [A], [0])
case("cast", "lambda a: (tf.cast(a * 3, tf.int32), tf.to_int64(a), "
     "tf.to_float(tf.cast(a, 'float64')), "
     "tf.cast(a, tf.bool), tf.to_int32(a), tf.cast(a, tf.float64))", [A])
case("one_hot", "lambda i: (tf.one_hot(i, 4), tf.one_hot(i, 3, on_value=5, off_value=-1, axis=0),"
     " tf.one_hot(i, 4, dtype=tf.int64, axis=1))", [_input([3, 2], "index3")])
case("where/coords", "lambda a: tf.where(a > 0)", [A])
case("where/select", "lambda a, b: tf.where(a > b, a, b)", [A, A], [0, 1])
case("where/rows", "lambda a, c: tf.where(c, a, -a)", [V, _input([4], "bool")], [0])
case("boolean_mask", "lambda a, m: tf.boolean_mask(a, m)", [A, _input([3, 4], "bool")], [0])
case("boolean_mask/axis", "lambda a, m: tf.boolean_mask(a, m, axis=2)", [A, _input([5], "bool")],
     [0])
case("range", "lambda a: (tf.range(5), tf.range(1, 2.5), tf.range(10, 2, -3), "
     "tf.range(0., 1., 0.1), tf.range(3, dtype=tf.float64))", [A])
case("reverse", "lambda a: tf.reverse(a, [0, 2])", [A], [0])
case("stop_gradient", "lambda a: a * tf.stop_gradient(a)", [A], [0])

# --- math ops ------------------------------------------------------------------------------------

B = _input([4, 5])
POS = _input([3, 4, 5], "positive")
for fn in ("add", "subtract", "multiply", "divide", "truediv", "div", "floordiv", "mod", "minimum",
           "maximum", "squared_difference", "pow"):
    case("math/" + fn, "lambda a, b: tf.%s(a, b)" % fn, [POS, B if fn != "pow" else POS], [0, 1]
         if fn not in ("floordiv", "mod") else [])
    case("math/%s/python" % fn, "lambda a: tf.%s(a, 3)" % fn, [POS], [0]
         if fn not in ("floordiv", "mod") else [])
for fn in ("truediv", "div", "floordiv", "mod", "divide"):
    case("math/%s/int" % fn, "lambda a, b: tf.%s(a, b)" % fn, [I34, _input([3, 4], "int_nonzero")])
for fn in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
    case("cmp/" + fn, "lambda a, b: tf.%s(tf.round(a), tf.round(b))" % fn, [A, B])
case("logical", "lambda a, b: (tf.logical_and(a > 0, b > 0), tf.logical_or(a > 0, b > 0), "
     "tf.logical_not(a > 0))", [A, B])
for fn in ("abs", "negative", "sign", "square", "exp", "sin", "cos", "tanh", "sigmoid", "round",
           "floor", "ceil"):
    case("unary/" + fn, "lambda a: tf.%s(a * 2)" % fn, [A], [0])
for fn in ("sqrt", "rsqrt", "log", "log1p"):
    case("unary/" + fn, "lambda a: tf.%s(a)" % fn, [POS], [0])
case("unary/int", "lambda i: (tf.abs(i), tf.negative(i), tf.sign(i), tf.square(i))", [I34])
for fn in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_logsumexp"):
    case(fn, "lambda a: (tf.%s(a), tf.%s(a, 1), tf.%s(a, [0, 2], keepdims=True), "
         "tf.%s(a, reduction_indices=-1, keep_dims=True), tf.%s(a, []))" % ((fn,) * 5), [A])
    case(fn + "/grad", "lambda a: tf.%s(a, [0, 2])" % fn, [A], [0])
for fn in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod"):
    case(fn + "/int", "lambda i: (tf.%s(i), tf.%s(i, 0))" % (fn, fn), [I34])
case("reduce_any_all", "lambda a: (tf.reduce_any(a > 1), tf.reduce_all(a > -2, 1), "
     "tf.reduce_any(a > 1, [0, 2], keep_dims=True))", [A])
case("count_nonzero", "lambda i: (tf.count_nonzero(i), tf.count_nonzero(i, 1, keepdims=True), "
     "tf.count_nonzero(input=i, axis=0, dtype=tf.int32))", [I34])
case("argmax", "lambda a: (tf.argmax(a), tf.argmax(a, 2), tf.argmin(a, dimension=1), "
     "tf.argmax(a, -1, output_type=tf.int32))", [A])
case("cumsum", "lambda a: (tf.cumsum(a, 1), tf.cumsum(a, exclusive=True), "
     "tf.cumsum(a, 2, reverse=True), tf.cumsum(a, 1, exclusive=True, reverse=True))", [A])
case("cumsum/grad", "lambda a: tf.cumsum(a, 1, exclusive=True, reverse=True)", [A], [0])
M = _input([2, 3, 4])
case("matmul", "lambda a, b: tf.matmul(a, b)", [_input([3, 4]), B], [0, 1])
case("matmul/transpose", "lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True)",
     [_input([4, 3]), _input([5, 4])], [0, 1])
case("matmul/adjoint", "lambda a, b: tf.matmul(a, b, adjoint_a=True)", [_input([4, 3]), B],
     [0, 1])
case("matmul/batch", "lambda a, b: tf.matmul(a, b)", [M, _input([2, 4, 5])], [0, 1])
case("matmul/broadcast", "lambda a, b: tf.matmul(a, b)", [M, B], [0, 1])
case("matmul/int", "lambda a, b: tf.matmul(a, b, transpose_b=True)", [I34, I34])
case("tensordot", "lambda a, b: (tf.tensordot(a, b, 1), tf.tensordot(a, b, [[1], [0]]))",
     [_input([2, 3]), _input([3, 5])],
     [0, 1])
case("tensordot/pairs", "lambda a, b: tf.tensordot(a, b, [[0, 2], [2, 0]])",
     [M, _input([4, 5, 2])], [0, 1])
case("einsum", "lambda a, b: tf.einsum('bij,jk->bik', a, b)", [M, _input([4, 5])], [0, 1])
case("add_n", "lambda a, b: tf.add_n([a, b, a])", [B, B], [0, 1])
case("clip_by_value", "lambda a: tf.clip_by_value(a, -0.5, 0.7)", [A], [0])
case("clip_by_norm", "lambda a: tf.clip_by_norm(a, 2.0)", [A], [0])
case("clip_by_norm/axes", "lambda a: tf.clip_by_norm(a, 1.5, axes=[1])", [A], [0])
for i, args in enumerate(("", "ord=1", "ord=np.inf", "ord=3", "axis=1", "ord=1, axis=-1",
                          "axis=[0, 1]", "ord='fro', axis=[1, 2], keepdims=True",
                          "ord=1, axis=[0, 2]", "ord=np.inf, axis=[2, 1]", "ord=2, axis=[1, 2]")):
    case("norm/%d" % i, "lambda a: tf.norm(a, %s)" % args, [A], [0])

# --- errors --------------------------------------------------------------------------------------

X4, X3 = "tf.zeros([2, 5, 5, 3])", "tf.zeros([2, 5, 3])"
for name, code in {
        "conv2d/rank": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4]), 1, 'SAME')" % X3,
        "conv2d/depth": "tf.nn.conv2d(%s, tf.zeros([3, 3, 5, 4]), 1, 'SAME')" % X4,
        "conv2d/data_format": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4]), 1, 'SAME', "
                              "data_format='NCWH')" % X4,
        "conv2d/padding": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4]), 1, 'same')" % X4,
        "conv2d/strides": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4]), [1, 1, 1], 'SAME')" % X4,
        "conv2d/explicit_size": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4]), 1, [[0, 0], [1, 1], "
                                "[1, 1]])" % X4,
        "conv2d/explicit_batch": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4]), 1, [[1, 0], [1, 1], "
                                 "[1, 1], [0, 0]])" % X4,
        "conv2d/explicit_string": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4]), 1, 'EXPLICIT')" % X4,
        "conv2d/too_small": "tf.nn.conv2d(tf.zeros([1, 2, 2, 3]), tf.zeros([3, 3, 3, 4]), 1, "
                            "'VALID')",
        "conv2d/dtype": "tf.nn.conv2d(%s, tf.zeros([3, 3, 3, 4], tf.float64), 1, 'SAME')" % X4,
        "convolution/strides_dilation": "tf.nn.convolution(%s, tf.zeros([3, 3, 3, 4]), 'SAME', "
                                        "strides=[2, 2], dilation_rate=[2, 2])" % X4,
        "depthwise/strides": "tf.nn.depthwise_conv2d(%s, tf.zeros([3, 3, 3, 2]), [1, 1], 'SAME')"
                             % X4,
        "depthwise/depth": "tf.nn.depthwise_conv2d(%s, tf.zeros([3, 3, 4, 2]), [1, 1, 1, 1], "
                           "'SAME')" % X4,
        "separable/pointwise": "tf.nn.separable_conv2d(%s, tf.zeros([3, 3, 3, 2]), "
                               "tf.zeros([3, 3, 6, 4]), [1, 1, 1, 1], 'SAME')" % X4,
        "conv2d_transpose/depth": "tf.nn.conv2d_transpose(%s, tf.zeros([3, 3, 4, 5]), "
                                  "[2, 10, 10, 4], [1, 2, 2, 1])" % X4,
        "conv2d_transpose/size": "tf.nn.conv2d_transpose(%s, tf.zeros([3, 3, 4, 3]), "
                                 "[2, 13, 13, 4], [1, 2, 2, 1])" % X4,
        "max_pool/rank": "tf.nn.max_pool(%s, 2, 2, 'SAME')" % X3,
        "max_pool/padding": "tf.nn.max_pool(%s, 2, 2, 'FOO')" % X4,
        "max_pool/ksize": "tf.nn.max_pool(%s, [1, 2, 2], 2, 'SAME')" % X4,
        "max_pool/ksize0": "tf.nn.max_pool(%s, [1, 0, 2, 1], 2, 'SAME')" % X4,
        "avg_pool/padding": "tf.nn.avg_pool(%s, 2, 2, 'FOO')" % X4,
        "avg_pool/too_small": "tf.nn.avg_pool(%s, 7, 1, 'VALID')" % X4,
        "bias_add/depth": "tf.nn.bias_add(%s, tf.zeros([4]))" % X4,
        "bias_add/data_format": "tf.nn.bias_add(%s, tf.zeros([3]), data_format='XYZ')" % X4,
        "bias_add/rank1": "tf.nn.bias_add(tf.zeros([3]), tf.zeros([3]))",
        "bias_add/bias_rank": "tf.nn.bias_add(%s, tf.zeros([1, 3]))" % X4,
        "fused_bn/rank": "tf.nn.fused_batch_norm(%s, tf.ones([3]), tf.zeros([3]))" % X3,
        "fused_bn/no_mean": "tf.nn.fused_batch_norm(%s, tf.ones([3]), tf.zeros([3]), "
                            "is_training=False)" % X4,
        "fused_bn/scale": "tf.nn.fused_batch_norm(%s, tf.ones([4]), tf.zeros([3]))" % X4,
        "xent/shape": "tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.zeros([2, 3]), "
                      "logits=tf.zeros([2, 4]))",
        "xent/missing": "tf.nn.softmax_cross_entropy_with_logits(logits=tf.zeros([2, 4]))",
        "sparse_xent/rank": "tf.nn.sparse_softmax_cross_entropy_with_logits("
                            "labels=tf.zeros([2, 1], tf.int32), logits=tf.zeros([2, 4]))",
        "sparse_xent/shape": "tf.nn.sparse_softmax_cross_entropy_with_logits("
                             "labels=tf.zeros([3], tf.int32), logits=tf.zeros([2, 4]))",
        "sparse_xent/range": "tf.nn.sparse_softmax_cross_entropy_with_logits("
                             "labels=tf.constant([0, 4]), logits=tf.zeros([2, 4]))",
        "sigmoid_xent/shape": "tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([2, 3]), "
                              "logits=tf.zeros([2, 4]))",
        "dropout/rate": "tf.nn.dropout(%s, rate=1.0)" % X4,
        "dropout/keep_prob": "tf.nn.dropout(%s, keep_prob=0.0)" % X4,
        "dropout/none": "tf.nn.dropout(%s)" % X4,
        "dropout/int": "tf.nn.dropout(tf.zeros([3], tf.int32), rate=0.5)",
        "softmax/int": "tf.nn.softmax(tf.constant([1, 2]))",
        "softmax/axis": "tf.nn.softmax(tf.zeros([2, 3]), axis=3)",
        "top_k/k": "tf.nn.top_k(tf.zeros([2, 3]), 5)",
        "lrn/rank": "tf.nn.lrn(tf.zeros([2, 3]))",
        "in_top_k/shape": "tf.nn.in_top_k(tf.zeros([2, 3]), tf.constant([1, 2, 0]), 1)",
        "add/dtypes": "tf.add(tf.zeros([2]), tf.zeros([2], tf.float64))",
        "add/int_float": "tf.add(tf.zeros([2], tf.int32), 1.5)",
        "add/shapes": "tf.add(tf.zeros([2]), tf.zeros([3]))",
        "equal/dtypes": "tf.equal(tf.zeros([2]), tf.zeros([2], tf.int32))",
        "logical_and/float": "tf.logical_and(tf.zeros([2]), tf.zeros([2]))",
        "sqrt/int": "tf.sqrt(tf.constant(4))",
        "squeeze/not_one": "tf.squeeze(tf.zeros([2, 3]), [1])",
        "squeeze/range": "tf.squeeze(tf.zeros([2, 1]), [2])",
        "expand_dims/range": "tf.expand_dims(tf.zeros([2, 3]), 4)",
        "split/divisible": "tf.split(tf.zeros([10]), 3)",
        "split/sizes": "tf.split(tf.zeros([10]), [3, 4])",
        "reshape/size": "tf.reshape(tf.zeros([2, 3]), [4, 2])",
        "concat/shapes": "tf.concat([tf.zeros([2, 3]), tf.zeros([3, 3])], 1)",
        "concat/rank": "tf.concat([tf.zeros([2, 3]), tf.zeros([3])], 0)",
        "concat/axis": "tf.concat([tf.zeros([2, 3]), tf.zeros([2, 3])], 2)",
        "stack/shapes": "tf.stack([tf.zeros([2]), tf.zeros([3])])",
        "add_n/shapes": "tf.add_n([tf.zeros([2]), tf.zeros([3])])",
        "add_n/empty": "tf.add_n([])",
        "matmul/inner": "tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))",
        "matmul/rank1": "tf.matmul(tf.zeros([3]), tf.zeros([3, 5]))",
        "reduce_sum/axis": "tf.reduce_sum(tf.zeros([2, 3]), 2)",
        "argmax/axis": "tf.argmax(tf.zeros([2, 3]), 3)",
        "one_hot/float": "tf.one_hot(tf.zeros([2]), 3)",
        "transpose/perm": "tf.transpose(tf.zeros([2, 3]), [0])",
        "tile/multiples": "tf.tile(tf.zeros([2, 3]), [2])",
        "pad/paddings": "tf.pad(tf.zeros([2, 3]), [[1, 1]])",
        "pad/mode": "tf.pad(tf.zeros([2, 3]), [[1, 1], [1, 1]], mode='FOO')",
        "pad/reflect": "tf.pad(tf.zeros([2, 3]), [[2, 2], [1, 1]], mode='REFLECT')",
        "pad/symmetric": "tf.pad(tf.zeros([2, 3]), [[1, 1], [4, 1]], mode='SYMMETRIC')",
        "slice/size": "tf.slice(tf.zeros([2, 3]), [0, 0], [3, 1])",
        "slice/begin": "tf.slice(tf.zeros([2, 3]), [0, 4], [1, 1])",
        "gather/range": "tf.gather(tf.zeros([3]), [5])",
        "where/shapes": "tf.where(tf.constant([[True], [False]]), tf.ones([2, 3]), "
                        "tf.zeros([2, 3]))",
        "norm/ord": "tf.norm(tf.zeros([2, 2]), ord=0)",
        "norm/matrix_ord": "tf.norm(tf.zeros([2, 2]), ord=3, axis=[0, 1])",
        "clip_by_norm/int": "tf.clip_by_norm(tf.constant([3, 4]), 1.0)",
        "reduce/both_axes": "tf.reduce_sum(tf.zeros([2]), axis=0, reduction_indices=0)",
}.items():
    error(name, code)
error("max_pool/data_format", "tf.nn.max_pool(%s, 2, 2, 'SAME', data_format='NCWH')" % X4,
      upto=" not in: ")                         # TF lists NCHW_VECT_C, which scopevar lacks


# --- running both sides --------------------------------------------------------------------------

def _make(shape, kind, rng):
    if kind in ("normal", "wide"):
        return (rng.standard_normal(shape) * (4 if kind == "wide" else 1)).astype(np.float32)
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape).astype(np.float32)
    if kind == "uniform":
        return rng.uniform(0, 1, shape).astype(np.float32)
    if kind in ("probs", "probs0"):
        e = np.exp(rng.standard_normal(shape))
        return (e / e.sum(axis=0 if kind == "probs0" else -1, keepdims=True)).astype(np.float32)
    if kind == "ties":
        return rng.integers(0, 3, shape).astype(np.float32)
    if kind.startswith("labels") or kind.startswith("index"):
        return rng.integers(0, int(kind[6:] if kind.startswith("labels") else kind[5:]),
                            shape).astype(np.int32)
    if kind == "int":
        return rng.integers(-9, 10, shape).astype(np.int32)
    if kind == "int_nonzero":
        return (rng.integers(1, 5, shape) * rng.choice([-1, 1], shape)).astype(np.int32)
    if kind == "bool":
        return rng.random(shape) > 0.5
    raise ValueError(kind)


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    """TF's outputs and gradients of every case, and TF's error for every error case."""
    if not tf_available():
        pytest.skip("TensorFlow (tensorflow-cpu, tf-keras, tf-slim) is not installed")
    rng = np.random.default_rng(0)
    inputs = {k: _make(shape, kind, rng) for k, (shape, kind) in sorted(_SHAPES.items())}
    spec = {"cases": [dict(c, sv=None) for c in _CASES.values()],
            "errors": {name: code for name, (code, _) in _ERRORS.items()}}
    blob = io.BytesIO()
    np.savez(blob, **inputs)
    key = hashlib.sha256(TF_PROGRAM.encode() + json.dumps(spec, sort_keys=True).encode()
                         + blob.getvalue()).hexdigest()[:24]
    out, errs = CACHE / ("nn_%s.npz" % key), CACHE / ("nn_%s.json" % key)
    if not (out.exists() and errs.exists()):
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = tmp_path_factory.mktemp("nn_oracle")
        (tmp / "spec.json").write_text(json.dumps(spec))
        (tmp / "inputs.npz").write_bytes(blob.getvalue())
        paths = dict(SPEC=tmp / "spec.json", INPUTS=tmp / "inputs.npz", OUT=tmp / "out.npz",
                     ERRORS=tmp / "errors.json")
        run_tf_script("".join("%s = %r\n" % (k, str(v)) for k, v in paths.items()) + TF_PROGRAM)
        out.write_bytes(paths["OUT"].read_bytes())
        errs.write_text(paths["ERRORS"].read_text())
    return inputs, dict(np.load(out)), json.loads(errs.read_text())


def _tf_namespace():
    """``tf`` on the scopevar side: the modules under test plus scopevar's constants."""
    names = {n: getattr(scopevar, n) for n in dir(scopevar) if not n.startswith("_")}
    for module in (array_ops, math_ops):
        names.update({n: getattr(module, n) for n in module.__all__})
    names["nn"] = nn
    return types.SimpleNamespace(**names)


TF = _tf_namespace()
exec(SHARED)                                                       # upstream()


def _numpy(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("name", sorted(_CASES))
def test_matches_tensorflow(oracle, name):
    inputs, tf_out, _ = oracle
    c = _CASES[name]
    given = {k: torch.tensor(inputs[k]) for k in c["inputs"]}     # one tensor per input, as TF
    xs = [given[k] for k in c["inputs"]]
    for i in c["grad"]:
        xs[i].requires_grad_(True)
    ys = eval(c["sv"], {"tf": TF, "np": np})(*xs)
    ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
    want = sorted((k for k in tf_out if k.startswith(name + "|out")), key=lambda k: int(k[-1:]))
    assert len(ys) == len(want), "%d outputs, TF has %d" % (len(ys), len(want))
    for y, k in zip(ys, want):
        _assert_close(torch.as_tensor(y), tf_out[k], k)
    if c["grad"]:
        y = ys[0]
        u = torch.tensor(upstream(list(y.shape), _numpy(y).dtype))
        grads = torch.autograd.grad((y * u).sum(), [xs[i] for i in c["grad"]], allow_unused=True)
        for i, g in zip(c["grad"], grads):
            k = "%s|grad%d" % (name, i)
            if k not in tf_out:                                   # None: zero, or no path
                assert g is None or not g.any(), "%s: TF has no gradient, scopevar has one" % k
            else:
                assert g is not None, "%s: scopevar has no gradient" % k
                _assert_close(g, tf_out[k], k)


def _assert_close(got, want, where):
    got = _numpy(got)
    assert got.shape == want.shape, "%s: shape %s, TF %s" % (where, got.shape, want.shape)
    assert got.dtype == want.dtype, "%s: dtype %s, TF %s" % (where, got.dtype, want.dtype)
    if np.issubdtype(want.dtype, np.floating):
        scale = max(1.0, float(np.nanmax(np.abs(want), initial=0)))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * scale, err_msg=where)
    else:
        np.testing.assert_array_equal(got, want, err_msg=where)


@pytest.mark.parametrize("name", sorted(_ERRORS))
def test_errors_match_tensorflow(oracle, name):
    tf_error = oracle[2][name]
    assert tf_error is not None, "TF raised nothing"
    cls, message = tf_error
    code, upto = _ERRORS[name]
    with pytest.raises(Exception) as info:
        eval(code, {"tf": TF, "np": np})
    assert cls in [k.__name__ for k in type(info.value).__mro__], (cls, info.value)
    prefix = message.split(" for '")[0].split("Received")[0].split(upto or "\n")[0]
    assert str(info.value).startswith(prefix), "\n TF:       %r\n scopevar: %r" % (
        message, str(info.value))
