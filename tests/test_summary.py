"""tf.summary (issue 6): summary ops, merge_all, FileWriter event files read back with
TensorBoard's EventAccumulator."""
import sys
import types

import numpy as np
import pytest
import torch

import scopevar as tf

pytest.importorskip("tensorboard")
# make TensorBoard's reader use its TensorFlow stub: never import TensorFlow in this process
sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.compat.proto import summary_pb2  # noqa: E402


def _load(logdir):
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0,
                                                       "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def test_scalars_histograms_images_text_round_trip(tmp_path):
    w = tf.get_variable("w", initializer=[1.0, 2.0, 3.0])
    state = {"loss": 1.0}
    with tf.name_scope("summary"):
        tf.summary.scalar("loss", lambda: torch.tensor(state["loss"]))
        tf.summary.scalar("w0", w[0])
    tf.summary.histogram("weights", w)
    tf.summary.image("img", torch.rand(2, 4, 5, 3), max_outputs=2)
    tf.summary.text("note", "hello")
    assert [op.name for op in tf.get_collection(tf.GraphKeys.SUMMARIES)] == [
        "summary/loss", "summary/w0", "weights", "img", "note"]
    merged = tf.summary.merge_all()
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        for step in range(3):
            state["loss"] = 1.0 / (step + 1)
            with tf.Session() as sess:
                writer.add_summary(sess.run(merged), global_step=step)
        writer.flush()
    acc = _load(tmp_path)
    tags = acc.Tags()
    assert set(tags["scalars"]) == {"summary/loss", "summary/w0"}
    assert [e.step for e in acc.Scalars("summary/loss")] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in acc.Scalars("summary/loss")],
                               [1.0, 0.5, 1 / 3], rtol=1e-6)
    assert tags["histograms"] == ["weights"]
    h = acc.Histograms("weights")[0].histogram_value
    assert (h.min, h.max, h.num, h.sum) == (1.0, 3.0, 3.0, 6.0)
    assert sorted(tags["images"]) == ["img/image/0", "img/image/1"]
    im = acc.Images("img/image/0")[0]
    assert (im.width, im.height) == (5, 4)
    assert "note" in tags["tensors"]
    assert list(acc.Tensors("note")[0].tensor_proto.string_val) == [b"hello"]


def test_tags_are_uniquified_and_merge_all_empty(tmp_path):
    assert tf.summary.merge_all() is None
    a = tf.summary.scalar("loss", 1.0)
    b = tf.summary.scalar("loss", 2.0)
    assert (a.name, b.name) == ("loss", "loss_1")
    s = summary_pb2.Summary()
    s.ParseFromString(tf.summary.merge([a, b])())
    assert [(v.tag, v.simple_value) for v in s.value] == [("loss", 1.0), ("loss_1", 2.0)]


def test_bad_values():
    with pytest.raises(ValueError, match="4-D"):
        tf.summary.image("x", torch.zeros(3, 3))()
    with pytest.raises(ValueError, match="scalar"):
        tf.summary.scalar("x", torch.zeros(3))


def test_global_step_variable_as_step(tmp_path):
    step = tf.train.get_or_create_global_step()
    step.assign(7)
    w = tf.summary.FileWriter(str(tmp_path))
    w.add_summary(tf.summary.scalar("x", 3.0), global_step=step)
    w.close()
    assert [e.step for e in _load(tmp_path).Scalars("x")] == [7]


def test_tensorflow_never_imported(tmp_path):
    w = tf.summary.FileWriter(str(tmp_path))
    w.add_summary(tf.summary.merge([tf.summary.scalar("x", 1.0), tf.summary.text("t", "a"),
                                    tf.summary.histogram("h", torch.ones(3))]), 1)
    w.close()
    _load(tmp_path)
    assert "tensorflow" not in sys.modules
