"""Checkpoints <-> safetensors files and torch state dicts (scopevar.train.export)."""
from pathlib import Path

import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar.bundle import BundleReader
from scopevar.errors import CheckpointShapeError, ExportError, MissingCheckpointKeyError
from scopevar.train import (assign_from_state_dict, checkpoint_to_safetensors,
                            checkpoint_to_state_dict, safetensors_to_checkpoint,
                            state_dict_to_checkpoint, variables_to_state_dict)

safetensors = pytest.importorskip("safetensors.torch")
FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "tf-checkpoints"

VALUES = {
    "conv1/weights": torch.randn(3, 3, 2, 4),
    "conv1/BatchNorm/moving_mean": torch.rand(4, dtype=torch.float64),
    "half": torch.randn(2, 3).half(), "bf": torch.randn(5).bfloat16(),
    "flags": torch.tensor([True, False]), "global_step": torch.tensor(7),
    "bytes": torch.arange(6, dtype=torch.uint8).reshape(2, 3), "empty": torch.zeros(0, 3),
}


def assert_same(actual, expected):
    assert sorted(actual) == sorted(expected)
    for name, value in expected.items():
        assert actual[name].dtype == value.dtype, name
        assert torch.equal(actual[name], value), name


def test_state_dict_round_trip_keeps_tf_names(tmp_path):
    prefix = state_dict_to_checkpoint(VALUES, tmp_path / "model.ckpt")
    assert BundleReader(prefix).keys() == sorted(VALUES)
    assert_same(checkpoint_to_state_dict(prefix), VALUES)


def test_safetensors_round_trip(tmp_path):
    prefix = state_dict_to_checkpoint(VALUES, tmp_path / "model.ckpt")
    path = checkpoint_to_safetensors(prefix, tmp_path / "model.safetensors")
    assert_same(safetensors.load_file(path), VALUES)
    back = safetensors_to_checkpoint(path, tmp_path / "back" / "model.ckpt")
    assert_same(checkpoint_to_state_dict(back), VALUES)


def test_progress_counts_bytes(tmp_path):
    sizes = []
    state_dict_to_checkpoint({"a": torch.zeros(3), "b": torch.zeros(2, dtype=torch.int64)},
                             tmp_path / "m", progress=sizes.append)
    assert sizes == [12, 16]


@pytest.mark.parametrize("name", ["v1_cnn_adam", "v1_partitioned", "v1_sharded"])
def test_tf_fixture_through_safetensors(tmp_path, name):
    if not FIXTURES.exists():
        pytest.skip("no TF fixtures")
    prefix = tf.train.latest_checkpoint(str(FIXTURES / name))
    expected = checkpoint_to_state_dict(prefix)
    path = checkpoint_to_safetensors(prefix, tmp_path / "m.safetensors")
    assert_same(checkpoint_to_state_dict(safetensors_to_checkpoint(path, tmp_path / "m")), expected)


def test_strings_cannot_go_to_safetensors(tmp_path):
    prefix = state_dict_to_checkpoint({"w": torch.ones(2), "vocab": np.array([b"a", b"b"], object)},
                                      tmp_path / "m")
    assert checkpoint_to_state_dict(prefix)["vocab"].tolist() == [b"a", b"b"]
    with pytest.raises(ExportError, match="safetensors cannot hold string tensors: vocab"):
        checkpoint_to_safetensors(prefix, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_complex128_cannot_go_to_safetensors(tmp_path):
    prefix = state_dict_to_checkpoint({"c": torch.zeros(2, dtype=torch.complex128)}, tmp_path / "m")
    with pytest.raises(ExportError, match="dtype"):
        checkpoint_to_safetensors(prefix, tmp_path / "m.safetensors")


def test_not_a_safetensors_file(tmp_path):
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    with pytest.raises(ExportError, match="not a readable safetensors file"):
        safetensors_to_checkpoint(tmp_path / "bad.safetensors", tmp_path / "m")
    with pytest.raises(ExportError):
        safetensors_to_checkpoint(tmp_path / "missing.safetensors", tmp_path / "m")
    assert not list(tmp_path.glob("m*"))


def test_variables_to_state_dict_and_back():
    w = tf.get_variable("layer/w", [2, 3])
    emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(3))
    step = tf.train.get_or_create_global_step()
    sd = variables_to_state_dict()
    assert sorted(sd) == ["emb", "global_step", "layer/w"]
    assert sd["layer/w"].data_ptr() == w.data_ptr() and not sd["layer/w"].requires_grad
    assert torch.equal(sd["emb"], emb.as_tensor())
    new = {"layer/w": torch.ones(2, 3), "emb": torch.arange(40.).reshape(10, 4),
           "global_step": torch.tensor(5), "extra": torch.zeros(1)}
    assert assign_from_state_dict(new) == ([], ["extra"])
    assert torch.equal(w, new["layer/w"]) and int(step) == 5
    assert torch.equal(emb.as_tensor(), new["emb"])


def test_assign_from_state_dict_checks_everything_first():
    w = tf.get_variable("w", [2, 3], initializer=tf.zeros_initializer())
    v = tf.get_variable("v", [2], initializer=tf.zeros_initializer())
    with pytest.raises(CheckpointShapeError, match=r"v: the state dict holds float32 \[3\]"):
        assign_from_state_dict({"w": torch.ones(2, 3), "v": torch.ones(3)})
    assert not w.any()
    with pytest.raises(MissingCheckpointKeyError, match="Key v not found"):
        assign_from_state_dict({"w": torch.ones(2, 3)})
    assert assign_from_state_dict({"w": torch.ones(2, 3)}, strict=False) == (["v"], [])
    assert w.all()


def test_torch_save_of_state_dict_round_trip(tmp_path):
    w = tf.get_variable("scope/w", [4])
    torch.save(variables_to_state_dict(), tmp_path / "sd.pt")
    loaded = torch.load(tmp_path / "sd.pt", weights_only=True)
    assert list(loaded) == ["scope/w"] and torch.equal(loaded["scope/w"], w)
