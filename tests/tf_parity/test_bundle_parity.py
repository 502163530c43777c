"""Checkpoints written by scopevar are read by real TensorFlow, and TF's by scopevar.

One TensorFlow subprocess (``oracle.run_tf_script``) reads what we wrote with
``tf.train.load_checkpoint``, restores a partitioned variable with a TF1 ``Saver`` into a
*different* partitioning, and writes every dtype with the raw ``SaveV2`` op for us to read.
Its results and checkpoint are cached under ``.pytest_cache/tf_oracle``, keyed by the program
and the bytes of our checkpoints, so reruns do not start TensorFlow.
"""
import hashlib
import json
import shutil

import numpy as np
import pytest
import torch

from scopevar.bundle import BundleReader, BundleWriter, write_index

from .oracle import CACHE, run_tf_script, tf_available

pytestmark = [pytest.mark.tf, pytest.mark.skipif(not tf_available(), reason="TensorFlow not installed")]

NUMERIC = ["float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
           "uint16", "uint32", "uint64", "bool", "complex64", "complex128"]


def digest(value):
    """sha256 of the C-order bytes; strings: 8-byte LE length + bytes per element."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        return hashlib.sha256(b"".join(len(s).to_bytes(8, "little") + s for s in value.flat)).hexdigest()
    return hashlib.sha256(value.contiguous().reshape(-1).view(torch.uint8).numpy()).hexdigest()


def sample(dtype, shape):
    """Deterministic values of every kind: negative, fractional, complex, large."""
    values = torch.arange(int(np.prod(shape)), dtype=torch.float64).reshape(shape) * 7.25 - 3
    if dtype == torch.bool:
        return values.long() % 2 == 1
    if not (dtype.is_floating_point or dtype.is_complex):
        values = values.abs() if "uint" in str(dtype) else values
        return values.long().to(dtype)
    return (values + 0.5j if dtype.is_complex else values).to(dtype)


def our_checkpoints(root):
    """Write the checkpoints TF will read under ``root``; returns
    ``{checkpoint: {name: [dtype, shape, digest]}}`` and the partitioned values."""
    expected = {}

    def record(prefix, name, value):
        dtype = "string" if isinstance(value, np.ndarray) else str(value.dtype)[6:]
        expected.setdefault(prefix.split("/")[-2], {})[name] = [dtype, list(value.shape), digest(value)]

    prefix = str(root / "dtypes" / "model.ckpt-1")
    with BundleWriter(prefix) as writer:
        for i, name in enumerate(NUMERIC):
            dtype = getattr(torch, name)
            for suffix, shape in [("", (3, 2 + i % 3)), ("_scalar", ()), ("_empty", (0, 3))]:
                value = sample(dtype, shape)
                writer.add(name + suffix, value)
                record(prefix, name + suffix, value)
        for name, value in {"strings": np.array([b"hello", b"", b"\x00\xff" * 40], object),
                            "string_scalar": np.array(b"tf", object), "string_empty": np.array([], object)}.items():
            writer.add(name, value)
            record(prefix, name, value)

    generator = torch.Generator().manual_seed(0)
    emb, wide = torch.randn(10, 4, generator=generator), torch.randn(2, 9, generator=generator)
    prefix = str(root / "sliced" / "model.ckpt-2")
    with BundleWriter(prefix) as writer:
        writer.add_slice("emb", [10, 4], [0, 0], emb[:5])
        writer.add_slice("emb", [10, 4], [5, 0], emb[5:])
        writer.add_slice("wide", [2, 9], [0, 0], wide[:, :4])
        writer.add_slice("wide", [2, 9], [0, 4], wide[:, 4:])
        writer.add("plain", torch.arange(3.0))
    for name, value in {"emb": emb, "wide": wide, "plain": torch.arange(3.0)}.items():
        record(prefix, name, value)

    prefix = str(root / "sharded" / "model.ckpt-3")
    shards = []
    for shard in range(2):
        writer = BundleWriter(prefix, shard_id=shard, num_shards=2)
        writer.add("v%d" % shard, torch.full((4, 3), shard + 0.5))
        writer.add_slice("emb", [10, 4], [5 * shard, 0], emb[5 * shard:5 * shard + 5])
        shards.append(writer.finish())
        record(prefix, "v%d" % shard, torch.full((4, 3), shard + 0.5))
    write_index(prefix, shards, num_shards=2)
    record(prefix, "emb", emb)
    return expected, emb, wide


TF_PROGRAM = r'''
import hashlib, json, sys
import tensorflow as tf2

def digest(v):
    v = np.asarray(v, dtype=object) if isinstance(v, bytes) or np.asarray(v).dtype.kind in "OS" else np.asarray(v)
    if v.dtype == object:
        return hashlib.sha256(b"".join(len(s).to_bytes(8, "little") + s for s in v.reshape(-1))).hexdigest()
    return hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()

args = json.loads(ARGS)
out = {"load_checkpoint": {}, "restore": {}}
for checkpoint, prefix in args["prefixes"].items():
    reader = tf2.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    out["load_checkpoint"][checkpoint] = {
        name: [dtypes[name].name, list(shape), digest(reader.get_tensor(name))]
        for name, shape in reader.get_variable_to_shape_map().items()}

with tf.Graph().as_default():                     # TF1 Saver, another partitioning than saved
    emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(3))
    wide = tf.get_variable("wide", [2, 9], partitioner=tf.fixed_size_partitioner(3, axis=1))
    plain = tf.get_variable("plain", [3])
    saver = tf.train.Saver()
    with tf.Session() as sess:
        saver.restore(sess, args["sliced"])
        for name, value in [("emb", emb.as_tensor()), ("wide", wide.as_tensor()), ("plain", plain)]:
            out["restore"][name] = digest(sess.run(value))

with tf.Graph().as_default():                     # TF writes every dtype for us to read
    tensors = {name: tf.constant(np.array(value, dtype=name if name != "bfloat16" else np.float32))
               for name, value in args["values"].items()}
    tensors["bfloat16"] = tf.cast(tensors["bfloat16"], tf.bfloat16)
    tensors["strings"] = tf.constant([b"a", b"", b"\xffz" * 9])
    names = sorted(tensors) + ["raw_sliced"]
    specs = [""] * len(tensors) + ["10 4 5,5:-"]
    values = [tensors[n] for n in sorted(tensors)] + [tf.reshape(tf.range(20.0), [5, 4])]
    save = tf.raw_ops.SaveV2(prefix=args["tf_prefix"], tensor_names=names, shape_and_slices=specs,
                             tensors=values)
    with tf.Session() as sess:
        sess.run(save)
        out["tf_wrote"] = {n: digest(v) for n, v in zip(names, sess.run(values))}
with open(args["results"], "w") as f:
    json.dump(out, f)
'''


@pytest.fixture(scope="module")
def tf_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundle_parity")
    expected, emb, wide = our_checkpoints(root)
    values = {name: [[1, 0, 3], [4, 5, 127]] for name in NUMERIC if name not in ("complex64", "complex128")}
    values.update(bool=[True, False, True], complex64=[1 + 2j, -3j], complex128=[0.5 - 1j])
    ours = b"".join(f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file())
    key = hashlib.sha256(TF_PROGRAM.encode() + json.dumps(values, default=repr).encode() + ours)
    cached = CACHE / ("bundle_" + key.hexdigest()[:24])
    if not (cached / "results.json").exists():
        shutil.rmtree(cached, ignore_errors=True)
        cached.mkdir(parents=True)          # TF's Saver does not create directories
        args = {"prefixes": {c: str(root / c / name) for c, name in
                             [("dtypes", "model.ckpt-1"), ("sliced", "model.ckpt-2"), ("sharded", "model.ckpt-3")]},
                "sliced": str(root / "sliced" / "model.ckpt-2"), "tf_prefix": str(cached / "model.ckpt-4"),
                "values": values, "results": str(root / "results.json")}
        run_tf_script("ARGS = %r\n%s" % (json.dumps(args, default=repr), TF_PROGRAM))
        shutil.copy(root / "results.json", cached / "results.json")
    return json.loads((cached / "results.json").read_text()), expected, cached / "model.ckpt-4", emb, wide


def test_tf_load_checkpoint_reads_what_we_wrote(tf_results):
    results, expected, *_ = tf_results
    for checkpoint, tensors in expected.items():
        assert results["load_checkpoint"][checkpoint] == tensors, checkpoint


def test_tf1_saver_restores_our_slices_into_another_partitioning(tf_results):
    results, _, _, emb, wide = tf_results
    assert results["restore"] == {"emb": digest(emb), "wide": digest(wide), "plain": digest(torch.arange(3.0))}


def test_we_read_every_dtype_tf_wrote(tf_results):
    results, _, tf_prefix, *_ = tf_results
    with BundleReader(tf_prefix) as reader:
        assert sorted(reader.keys()) == sorted(results["tf_wrote"])
        for name, tf_digest in results["tf_wrote"].items():
            if name == "raw_sliced":            # a "-" extent: rows 5-9 of [10, 4], the rest absent
                assert reader.shape(name) == (10, 4)
                assert torch.equal(reader.get_slice(name, [5, 0], [5, 4]), torch.arange(20.0).reshape(5, 4))
                continue
            assert digest(reader.get(name)) == tf_digest, name
