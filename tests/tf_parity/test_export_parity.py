"""A safetensors file converted to a TF checkpoint by scopevar is read by real TensorFlow:
``tf.train.load_checkpoint`` lists the same names, dtypes and values, and ``tf.train.Saver``
restores it into variables of those names.  TF's results are cached under
``.pytest_cache/tf_oracle``, keyed by the program and the checkpoint's bytes.
"""
import hashlib
import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from scopevar.train import safetensors_to_checkpoint

from .oracle import CACHE, run_tf_script, tf_available

pytestmark = [pytest.mark.tf, pytest.mark.skipif(not tf_available(), reason="TensorFlow not installed")]

VALUES = {"resnet/conv1/weights": torch.arange(24.0).reshape(2, 3, 4) / 7,
          "resnet/conv1/BatchNorm/moving_mean": torch.tensor([0.25, -1.5], dtype=torch.float64),
          "half": torch.tensor([1.5, -2.0, 65504.0], dtype=torch.float16),
          "counts": torch.tensor([1, -2, 2**40]), "ids": torch.tensor([7, -8], dtype=torch.int32),
          "flags": torch.tensor([True, False]), "global_step": torch.tensor(9)}

TF_PROGRAM = r'''
import json
reader = tf.train.load_checkpoint(PREFIX)
out = {"read": {name: {"dtype": reader.get_variable_to_dtype_map()[name].name,
                       "value": reader.get_tensor(name).tolist()}
                for name in reader.get_variable_to_shape_map()}}
with tf.Graph().as_default():
    w = tf.get_variable("resnet/conv1/weights", [2, 3, 4])
    with tf.Session() as sess:
        tf.train.Saver([w]).restore(sess, PREFIX)
        out["restored"] = sess.run(w).tolist()
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def tf_results(tmp_path_factory):
    directory = tmp_path_factory.mktemp("export_parity")
    save_file(VALUES, directory / "model.safetensors")
    prefix = safetensors_to_checkpoint(directory / "model.safetensors", directory / "model.ckpt")
    data = b"".join(f.read_bytes() for f in sorted(directory.glob("model.ckpt.*")))
    cached = CACHE / ("export_%s.json" % hashlib.sha256(TF_PROGRAM.encode() + data).hexdigest()[:24])
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        stdout = run_tf_script("PREFIX = %r\n%s" % (str(prefix), TF_PROGRAM))
        cached.write_text(stdout.strip().splitlines()[-1])
    return json.loads(cached.read_text())


def test_tf_reads_every_tensor(tf_results):
    read = tf_results["read"]
    assert sorted(read) == sorted(VALUES)
    for name, value in VALUES.items():
        assert read[name]["dtype"] == str(value.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(np.array(read[name]["value"]), value.numpy(), err_msg=name)


def test_tf_saver_restores_it(tf_results):
    np.testing.assert_array_equal(np.array(tf_results["restored"], np.float32),
                                  VALUES["resnet/conv1/weights"].numpy())
