"""``scopevar demo`` (issue 6, item 5): accuracy, the reload check, bad options, the checkpoint
in real TensorFlow, the TensorBoard events."""
import contextlib
import io
import json
import re
import subprocess
import sys
import types

import pytest
import torch

import scopevar as tf
from scopevar import demo
from scopevar.cli import main
from scopevar.errors import ReloadMismatchError

for module in ("sklearn", "tqdm", "tensorboard"):
    pytest.importorskip(module)
# make TensorBoard's reader use its TensorFlow stub: never import TensorFlow in this process
sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tf_parity.oracle import run_tf_script, tf_available  # noqa: E402

EPOCHS, STEPS = 2, 23                 # 1437 training digits in batches of 64 (default: 128)


def _demo(*argv):
    """``scopevar demo argv`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["demo", *argv])
    return status, out.getvalue(), err.getvalue()


def _accuracy(stdout):
    return float(re.search(r"test accuracy ([0-9.]+)", stdout).group(1))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A two-epoch run: (output directory, stdout); its progress bar went to stderr."""
    out = tmp_path_factory.mktemp("demo")
    status, stdout, stderr = _demo("--epochs", str(EPOCHS), "--batch-size", "64",
                                   "--output-dir", str(out))
    assert status == 0, stderr
    assert "epoch 2/2: 100%" in stderr and "%d/%d" % (EPOCHS * STEPS, EPOCHS * STEPS) in stderr
    return out, stdout


def test_short_run_reaches_95_percent_and_reports(trained):
    out, stdout = trained
    assert _accuracy(stdout) >= 0.95
    assert "restored into a fresh graph: same predictions on all 360 test images" in stdout
    rows = {line.split()[0]: line.split()[1:] for line in stdout.splitlines() if line.strip()}
    assert rows["resnet/conv2d/kernel"][:4] == ["[3,", "3,", "1,", "16]"]
    assert "VarianceScaling(scale=2.0," in rows["resnet/conv2d/kernel"]
    assert rows["resnet/dense/bias"][1:] == ["Constant(value=0.0)", "trainable_variables,",
                                             "variables"]
    assert rows["resnet/batch_normalization/moving_mean"][1:] == ["Zeros()", "variables"]
    assert rows["global_step"][1:] == ["Zeros()", "variables,", "global_step"]
    assert tf.train.latest_checkpoint(str(out)) == str(out / ("model.ckpt-%d" % (EPOCHS * STEPS)))


def test_reload_check_catches_a_changed_variable(trained, tmp_path):
    out, stdout = trained
    checkpoint = tf.train.latest_checkpoint(str(out))
    _, _, x_test, y_test = demo.load_digits("cpu")
    predictions = demo.reload(checkpoint, x_test, "/cpu:0")
    accuracy = (predictions == y_test).float().mean().item()
    assert accuracy == pytest.approx(_accuracy(stdout), abs=5e-5)
    demo.check_reload(predictions, predictions.clone())
    with tf.Graph().as_default():                  # the same checkpoint, one kernel flipped
        net = tf.make_template("resnet", demo.residual_network)
        net(x_test[:1])
        saver = tf.train.Saver()
        saver.restore(None, checkpoint)
        kernel = net.variables_dict()["resnet/dense/kernel"]
        kernel.assign(-kernel)
        changed = saver.save(None, str(tmp_path / "changed.ckpt"))
    with pytest.raises(ReloadMismatchError, match="predicts [0-9]+ of 360 test images"):
        demo.check_reload(predictions, demo.reload(changed, x_test, "/cpu:0"))


def test_demo_fails_when_the_restore_does_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(tf.train.Saver, "restore", lambda self, sess=None, save_path=None: None)
    status, _, stderr = _demo("--epochs", "1", "--quiet", "--output-dir", str(tmp_path))
    assert status == 1
    assert stderr.startswith("scopevar demo: error: the network restored from the last "
                             "checkpoint predicts ")
    assert len(stderr.splitlines()) == 1


def test_tensorboard_events_hold_the_expected_tags(trained):
    out, stdout = trained
    acc = EventAccumulator(str(out), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    assert sorted(tags["scalars"]) == ["test/accuracy", "train/accuracy", "train/loss"]
    assert tags["histograms"] == ["dense_kernel"]
    assert [e.step for e in acc.Scalars("train/loss")] == list(range(1, EPOCHS * STEPS + 1))
    test = acc.Scalars("test/accuracy")
    assert [e.step for e in test] == [STEPS * (i + 1) for i in range(EPOCHS)]
    assert test[-1].value == pytest.approx(_accuracy(stdout), abs=1e-4)
    assert acc.Scalars("train/loss")[-1].value < acc.Scalars("train/loss")[0].value
    assert acc.Histograms("dense_kernel")[-1].histogram_value.num == 64 * 10


@pytest.mark.tf
@pytest.mark.skipif(not tf_available(), reason="TensorFlow not installed")
def test_checkpoint_opens_in_tensorflow(trained):
    checkpoint = tf.train.latest_checkpoint(str(trained[0]))
    stdout = run_tf_script(
        "import json\nreader = tf.train.load_checkpoint(%r)\n"
        "print(json.dumps({'shapes': {k: list(v) for k, v in "
        "reader.get_variable_to_shape_map().items()}, "
        "'kernel': reader.get_tensor('resnet/dense/kernel').tolist(), "
        "'step': int(reader.get_tensor('global_step'))}))\n" % checkpoint)
    seen = json.loads(stdout.strip().splitlines()[-1])
    assert seen["shapes"] == {name: shape for name, shape in tf.train.list_variables(checkpoint)}
    assert len(seen["shapes"]) == 47 + 2 * 29 + 3        # model, Adam slots, step and powers
    assert torch.equal(torch.tensor(seen["kernel"]),
                       torch.as_tensor(tf.train.load_variable(checkpoint, "resnet/dense/kernel")))
    assert seen["step"] == EPOCHS * STEPS


@pytest.mark.parametrize("argv, message", [
    (["--device", "tpu"], "unknown device 'tpu': use cpu, cuda or cuda:N"),
    (["--device", "cuda:x"], "unknown device 'cuda:x'"),
    (["--device", "cuda:99"], "--device cuda:99: "),
    (["--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["--batch-size", "-3"], "--batch-size must be at least 1, got -3"),
    (["--lr", "0"], "--lr must be positive, got 0"),
])
def test_bad_options_exit_2_with_one_line(argv, message, tmp_path):
    status, stdout, stderr = _demo(*argv, "--output-dir", str(tmp_path / "out"))
    assert status == 2
    assert stderr.startswith("scopevar demo: error: ") and message in stderr
    assert len(stderr.splitlines()) == 1 and not stdout
    assert not (tmp_path / "out").exists()               # nothing written


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu_exits_2():
    status, _, stderr = _demo("--device", "cuda")
    assert status == 2
    assert stderr == ("scopevar demo: error: --device cuda: no CUDA GPU is available here; "
                      "use --device cpu\n")


def test_unwritable_output_dir_exits_1_with_one_line(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    status, _, stderr = _demo("--quiet", "--output-dir", str(tmp_path / "file" / "out"))
    assert status == 1
    assert stderr.startswith("scopevar demo: error: ") and "file/out" in stderr
    assert len(stderr.splitlines()) == 1


def test_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.setattr(demo, "_importable", lambda module: module != "sklearn")
    status, _, stderr = _demo("--quiet")
    assert status == 1
    assert stderr == ("scopevar demo: error: the demo needs scikit-learn: "
                      "pip install 'scopevar[demo]'\n")


@pytest.mark.slow
def test_same_seed_same_checkpoint(tmp_path):
    def weights(seed, name):
        _demo("--epochs", "1", "--quiet", "--seed", str(seed), "--output-dir",
              str(tmp_path / name))
        return tf.train.load_variable(tf.train.latest_checkpoint(str(tmp_path / name)),
                                      "resnet/conv2d_8/kernel")
    first = weights(1, "a")
    assert torch.equal(torch.as_tensor(first), torch.as_tensor(weights(1, "b")))
    assert not torch.equal(torch.as_tensor(first), torch.as_tensor(weights(2, "c")))


@pytest.mark.slow
def test_default_run_from_the_command_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "scopevar", "demo", "--output-dir",
                           str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert _accuracy(proc.stdout) >= 0.95
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-120")   # 10 x 12
