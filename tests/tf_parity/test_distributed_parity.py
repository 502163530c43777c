"""A checkpoint saved by 3 gloo ranks with ``save_sharded`` (a partitioned variable whose parts
live on different ranks, replicated variables spread over the ranks) is read by TensorFlow."""
import datetime
import json
import os
import socket

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

import scopevar as tf

from .oracle import run_tf_script, tf_available

pytestmark = pytest.mark.tf

EXPECTED = {"emb": np.arange(21, dtype="float32").reshape(7, 3),
            "dense/kernel": np.arange(6, dtype="float32").reshape(3, 2) / 4,
            "dense/bias": np.array([1.5, -2.0], "float32"),
            "step": np.array(9, "int64")}


def _worker(rank, world, port, directory):
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank,
                            world_size=world, timeout=datetime.timedelta(seconds=30))
    with tf.Graph().as_default():
        for name, value in EXPECTED.items():
            partitioner = tf.fixed_size_partitioner(3) if name == "emb" else None
            tf.get_variable(name, value.shape, tf.as_dtype(value.dtype.name),
                            initializer=tf.zeros_initializer(),
                            partitioner=partitioner)
        if rank == 0:                   # only rank 0 has the values: broadcast them
            for var in tf.global_variables():
                info = var._save_slice_info
                value = EXPECTED[info.full_name if info else var.op.name]
                var.data.copy_(tf.constant(value[info.var_offset[0]:][:info.var_shape[0]]
                                           if info else value))
        tf.distributed.broadcast_variables()
        mine = [v for v in tf.global_variables()    # rank r holds part r of emb alone
                if "/part_" not in v.op.name or v.op.name.endswith("/part_%d" % rank)]
        tf.distributed.save_sharded(os.path.join(directory, "model.ckpt"), mine)
    dist.destroy_process_group()


def test_tensorflow_reads_a_checkpoint_of_3_ranks(tmp_path):
    if not tf_available():
        pytest.skip("TensorFlow is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.start_processes(_worker, (3, port, str(tmp_path)), nprocs=3, start_method="fork")
    prefix = str(tmp_path / "model.ckpt")
    assert sorted(p.name for p in tmp_path.glob("model.ckpt.data-*")) == [
        "model.ckpt.data-0000%d-of-00003" % i for i in range(3)]
    out = json.loads(run_tf_script("""
import json
reader = tf.train.load_checkpoint(%r)
shapes = reader.get_variable_to_shape_map()
print(json.dumps({name: reader.get_tensor(name).tolist() for name in shapes}))
""" % prefix).strip().splitlines()[-1])
    assert sorted(out) == sorted(EXPECTED)
    for name, value in EXPECTED.items():
        np.testing.assert_array_equal(np.array(out[name], value.dtype), value, err_msg=name)
