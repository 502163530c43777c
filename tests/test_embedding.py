"""embedding_lookup / embedding_lookup_sparse (issue 7): partition maps, gradients, errors."""
import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar.errors import EmbeddingArgumentError, EmbeddingIndexError, InvalidArgumentError


def table_init(shape, dtype=None, partition_info=None):
    """Row r of the full table is [r, r, r] (whatever part it lands in)."""
    offset = partition_info.single_offset(shape) if partition_info else 0
    rows = torch.arange(offset, offset + shape[0], dtype=torch.float32)
    return rows[:, None].expand(shape).clone()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_div_on_partitioned_variable_is_the_full_table(n):
    emb = tf.get_variable("emb", [13, 3], initializer=table_init,
                          partitioner=tf.fixed_size_partitioner(n))
    ids = torch.tensor([[12, 0, 5], [7, 7, 1]])
    got = tf.embedding_lookup(emb, ids, partition_strategy="div")
    assert torch.equal(got, emb.as_tensor()[ids])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_mod_on_strided_parts_is_the_full_table(n):
    table = torch.arange(33.).reshape(11, 3)
    ids = torch.arange(11).flip(0)
    got = tf.embedding_lookup([table[p::n] for p in range(n)], ids)
    assert torch.equal(got, table[ids])


def test_uneven_div_map():
    # 10 rows in 3 parts of 4, 3, 3: ids 0-3, 4-6, 7-9
    parts = [torch.full([k, 1], float(p)) for p, k in enumerate((4, 3, 3))]
    got = tf.embedding_lookup(parts, torch.arange(10), partition_strategy="div")
    assert got.flatten().tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_gradients_reach_every_part():
    emb = tf.get_variable("emb", [5, 2], partitioner=tf.fixed_size_partitioner(2))
    tf.embedding_lookup(emb, [4, 0, 0]).sum().backward()
    assert [p.grad[:, 0].tolist() for p in emb] == [[2.0, 0.0, 1.0], [0.0, 0.0]]


def test_max_norm_scales_long_rows_only():
    table = torch.tensor([[3., 4.], [0.3, 0.4], [0., 0.]])
    got = tf.embedding_lookup(table, [0, 1, 2], max_norm=1.0)
    assert torch.allclose(got, torch.tensor([[0.6, 0.8], [0.3, 0.4], [0., 0.]]))


def test_sparse_combiners():
    table = torch.eye(4)
    sp = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], np.array([1, 3, 2]), [3, 2])
    weights = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], np.array([1., 3., 2.]), [3, 2])
    assert tf.embedding_lookup_sparse(table, sp, None, combiner="sum").tolist() == [
        [0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0]]
    assert tf.embedding_lookup_sparse(table, sp, weights).tolist()[0] == [0, 0.25, 0, 0.75]
    sqrtn = tf.embedding_lookup_sparse([table[:2], table[2:]], sp, weights, "div", combiner="sqrtn")
    assert torch.allclose(sqrtn[0], torch.tensor([0, 1, 0, 3]) / 10 ** 0.5)


def test_errors():
    with pytest.raises(EmbeddingIndexError, match=r"indices\[1\] = 10 is not in \[0, 10\)"):
        tf.embedding_lookup(torch.zeros(10, 2), [3, 10])
    with pytest.raises(InvalidArgumentError, match="id 7 of the embedding"):
        tf.embedding_lookup([torch.zeros(3, 2), torch.zeros(3, 2)], [7])
    with pytest.raises(EmbeddingArgumentError, match="Unrecognized partition strategy: range"):
        tf.embedding_lookup([torch.zeros(2, 2)] * 2, [0], partition_strategy="range")
    with pytest.raises(ValueError, match="not compatible"):
        tf.embedding_lookup([torch.zeros(2, 2), torch.zeros(2, 3)], [0])
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.embedding_lookup(torch.zeros(2, 2), [0.5])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_lookup_on_gpu():
    table = torch.arange(30., device="cuda").reshape(10, 3)
    ids = torch.tensor([[9, 0], [4, 4]], device="cuda")
    got = tf.embedding_lookup([table[:4], table[4:7], table[7:]], ids, partition_strategy="div")
    assert got.is_cuda and torch.equal(got, table[ids])
