"""Damaged checkpoints: reading a mutated copy of TF's fixtures gives the right values or a
``CheckpointError``, never another exception, a crash or a hang."""
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scopevar.bundle import BundleReader
from scopevar.errors import CheckpointError

FIXTURES = Path("/work/shared/fixtures/tf-checkpoints")
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text()) if FIXTURES.exists() else {}
SMALL = [name for name in ("v1_dtypes", "v1_partitioned", "v1_sharded", "v2_object", "v1_cnn_adam")
         if name in MANIFEST]
pytestmark = pytest.mark.skipif(not MANIFEST, reason="shared TF fixtures not present")


def sha256(value):
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype == object:
        return hashlib.sha256(value[()]).hexdigest()
    if isinstance(value, np.ndarray):
        return hashlib.sha256(b"".join(len(s).to_bytes(8, "little") + s for s in value.flat)).hexdigest()
    return hashlib.sha256(value.contiguous().reshape(-1).view(torch.uint8).numpy()).hexdigest()


def mutate(data, kind, position, payload):
    at = position % (len(data) + 1)
    if kind == "flip" and data:
        at %= len(data)
        return data[:at] + bytes([data[at] ^ (payload[0] if payload and payload[0] else 1)]) + data[at + 1:]
    if kind == "insert":
        return data[:at] + payload + data[at:]
    if kind == "delete":
        return data[:at] + data[at + len(payload) + 1:]
    if kind == "overwrite":
        return data[:at] + payload + data[at + len(payload):]
    return data[:at]                                                   # truncate


mutations = st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete", "overwrite", "truncate"]),
                               st.integers(0, 1 << 20), st.binary(max_size=12)), min_size=1, max_size=3)


def read_everything(ckpt, directory, verify):
    """Read every key; return {name: sha256 or 'error'}; only CheckpointError may escape reads."""
    results = {}
    try:
        reader = BundleReader(Path(directory) / Path(MANIFEST[ckpt]["prefix"]).name, verify=verify)
    except CheckpointError:
        return None
    with reader:
        names = set(reader.keys()) | set(MANIFEST[ckpt]["tensors"])
        for name in sorted(names):
            try:
                reader.dtype(name), reader.shape(name)
                value = reader.get(name)
                results[name] = sha256(value)
                if isinstance(value, torch.Tensor):         # the restore path: into a variable
                    assert sha256(reader.get(name, out=torch.empty_like(value))) == results[name]
            except CheckpointError:
                results[name] = "error"
    return results


def damaged_copy(ckpt, target, edits):
    directory = tempfile.mkdtemp()
    files = sorted(f for f in (FIXTURES / ckpt).iterdir() if f.name != "checkpoint")
    for f in files:
        shutil.copy(f, directory)
    victim = Path(directory) / files[target % len(files)].name
    data = victim.read_bytes()
    for kind, position, payload in edits:
        data = mutate(data, kind, position, payload)
    victim.write_bytes(data)
    return directory


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(ckpt=st.sampled_from(SMALL or ["none"]), target=st.integers(0, 3), edits=mutations)
def test_damage_is_detected_or_harmless(ckpt, target, edits):
    directory = damaged_copy(ckpt, target, edits)
    try:
        results = read_everything(ckpt, directory, verify=True)
        for name, digest in (results or {}).items():
            expected = MANIFEST[ckpt]["tensors"].get(name, {}).get("sha256")
            assert digest in ("error", expected), "%s read back wrong values without an error" % name
    finally:
        shutil.rmtree(directory)


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(ckpt=st.sampled_from(SMALL or ["none"]), target=st.integers(0, 3), edits=mutations)
def test_unverified_reads_of_damage_raise_only_checkpoint_errors(ckpt, target, edits):
    """Without CRCs nothing stops garbage reaching the parsers: a hostile file is like this."""
    directory = damaged_copy(ckpt, target, edits)
    try:
        read_everything(ckpt, directory, verify=False)
    finally:
        shutil.rmtree(directory)
