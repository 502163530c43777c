"""Data-parallel training of a TF1-style model with DistributedDataParallel.

    torchrun --nproc_per_node=2 examples/ddp_train.py [checkpoint_dir]

The model is built with ``get_variable`` under ``variable_scope`` (a partitioned embedding and
a dense layer); a tiny ``nn.Module`` holds the variables as its parameters so that DDP averages
their gradients.  Gloo on CPU, NCCL with CUDA.  Each rank reads its slice of every global batch;
every 10 steps every rank writes one shard of a TensorFlow checkpoint (the last 2 are kept).
"""
import datetime
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

import scopevar as tf


class Model(torch.nn.Module):
    """Embedding bag + dense regression; its parameters are the scopevar variables."""

    def __init__(self):
        super().__init__()
        with tf.variable_scope("model"):
            self.emb = tf.get_variable("emb", [10, 4], partitioner=tf.fixed_size_partitioner(3))
            self.w = tf.get_variable("dense/kernel", [4, 1])
            self.b = tf.get_variable("dense/bias", [1], initializer=tf.zeros_initializer())
        for var in tf.trainable_variables():
            self.register_parameter(var.op.name, var)

    def forward(self, ids):
        return tf.embedding_lookup(self.emb, ids).sum(1) @ self.w + self.b


def batches(steps, size, seed=0):
    """The same global batches (ids [size, 3], targets [size, 1]) on every rank."""
    rng = np.random.RandomState(seed)
    for _ in range(steps):
        yield (torch.from_numpy(rng.randint(0, 10, [size, 3])),
               torch.from_numpy(rng.randn(size, 1).astype("float32")))


def main(directory="/tmp/ddp_train"):
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo", timeout=datetime.timedelta(seconds=60))
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if cuda else "cpu"
    if cuda:
        torch.cuda.set_device(device)
    tf.set_random_seed(rank)                    # different seeds: rank 0's values win below
    model = Model().to(device)
    tf.distributed.check_same_variables()
    tf.distributed.broadcast_variables()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.05)
    for step, (ids, y) in enumerate(batches(20, 8 * world)):
        ids, y = ids[rank::world].to(device), y[rank::world].to(device)
        loss = torch.nn.functional.mse_loss(ddp(ids), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if rank == 0 and step % 5 == 0:
            print("step %d loss %.4f" % (step, loss.item()))
        if (step + 1) % 10 == 0:
            prefix = tf.distributed.save_sharded(os.path.join(directory, "model.ckpt"),
                                                 global_step=step + 1, max_to_keep=2)
            if rank == 0:
                print("saved", prefix, [name for name, _ in tf.train.list_variables(prefix)])
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:])
