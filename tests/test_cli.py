"""The ``scopevar`` command: ``inspect`` and ``convert``."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar.cli import main
from scopevar.train import checkpoint_to_state_dict, state_dict_to_checkpoint

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "tf-checkpoints"
VALUES = {"conv1/weights": torch.arange(24.).reshape(2, 3, 4), "global_step": torch.tensor(7),
          "bf": torch.tensor([1.5, -2.0], dtype=torch.bfloat16)}


@pytest.fixture
def ckpt(tmp_path):
    """A directory with one checkpoint written by Saver."""
    for name, value in VALUES.items():
        tf.Variable(value, name=name)
    tf.train.Saver().save(None, str(tmp_path / "ckpt" / "model.ckpt"), global_step=7)
    return tmp_path / "ckpt"


def test_inspect_lists_name_dtype_shape_size(ckpt, capsys):
    assert main(["inspect", str(ckpt)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "dtype", "shape", "size"]
    assert lines[1].split() == ["bf", "bfloat16", "[2]", "2"]
    assert lines[2].split() == ["conv1/weights", "float32", "[2,", "3,", "4]", "24"]
    assert lines[3].split() == ["global_step", "int64", "[]", "1"]
    assert lines[4].endswith("model.ckpt-7: 3 tensors, 27 values, 0.0 MiB")


def test_inspect_prints_values_on_request(ckpt, capsys):
    assert main(["inspect", str(ckpt / "model.ckpt-7.index"), "--tensor", "global_step"]) == 0
    assert capsys.readouterr().out.split("\n\n")[1] == "global_step:\n7\n"
    assert main(["inspect", str(ckpt / "model.ckpt-7"), "--all"]) == 0
    out = capsys.readouterr().out
    assert "bf:\n[ 1.5 -2. ]" in out and "conv1/weights:\n[[[ 0.  1.  2.  3.]" in out


@pytest.mark.parametrize("argv, message", [
    (["inspect", "{tmp}/nothing"], "Failed to find any matching files for {tmp}/nothing"),
    (["inspect", "{tmp}"], "a directory with no checkpoint"),
    (["inspect", "{ckpt}", "--tensor", "conv1/w"], "Key conv1/w not found in checkpoint"),
    (["convert", "{tmp}/a.safetensors", "{tmp}/b.safetensors"], "got safetensors -> safetensors"),
    (["convert", "{ckpt}", "{tmp}/b.pt"], "b.pt: torch pickles are not read or written"),
    (["convert", "{tmp}/missing.safetensors", "{tmp}/m"], "No such file"),
    (["convert", "{tmp}/bad.pt", "{tmp}/m"], "bad.pt: torch pickles are not read or written"),
    (["convert", "{strings}", "{tmp}/s.safetensors"], "cannot hold string tensors: vocab"),
])
def test_bad_input_is_one_line_on_stderr(ckpt, tmp_path, capsys, argv, message):
    (tmp_path / "bad.pt").write_bytes(b"not a pickle")
    state_dict_to_checkpoint({"vocab": np.array([b"a"], object)}, tmp_path / "strings")
    paths = {"tmp": tmp_path, "ckpt": ckpt, "strings": tmp_path / "strings"}
    assert main([a.format(**paths) for a in argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("scopevar %s: error: " % argv[0])
    assert message.format(**paths) in err


@pytest.mark.parametrize("suffix", [".safetensors"])
def test_convert_round_trip(ckpt, tmp_path, suffix):
    out = str(tmp_path / ("model" + suffix))
    assert main(["convert", str(ckpt), out]) == 0
    assert main(["convert", out, str(tmp_path / "back" / "model.ckpt")]) == 0
    back = checkpoint_to_state_dict(tmp_path / "back" / "model.ckpt")
    assert sorted(back) == sorted(VALUES)
    assert all(torch.equal(back[k], v) for k, v in VALUES.items())


def test_convert_tf_fixture_via_subprocess(tmp_path):
    if not (FIXTURES / "v1_cnn_adam").exists():
        pytest.skip("no TF fixtures")
    out = tmp_path / "cnn.safetensors"
    proc = subprocess.run([sys.executable, "-m", "scopevar.cli", "convert",
                           str(FIXTURES / "v1_cnn_adam"), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("-> %s\n" % out)
    from safetensors.torch import load_file
    expected = checkpoint_to_state_dict(tf.train.latest_checkpoint(str(FIXTURES / "v1_cnn_adam")))
    loaded = load_file(out)
    assert sorted(loaded) == sorted(expected)
    assert all(torch.equal(loaded[k], v) for k, v in expected.items())
