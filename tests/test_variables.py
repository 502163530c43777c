"""Variable as a torch Parameter: TF's properties, in-place updates, torch integration."""
import copy

import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar import errors


def test_tf_properties():
    with tf.name_scope("s"):
        v = tf.Variable([[1.0, 2.0]], name="v")
    assert v.name == "s/v:0" and v.op.name == "s/v"
    assert v.get_shape().as_list() == [1, 2] and v.dtype is tf.float32
    assert v.trainable and v.requires_grad
    assert isinstance(v, torch.nn.Parameter)
    assert v.initializer.name == "s/v/Assign"
    np.testing.assert_array_equal(v.eval(), [[1.0, 2.0]])


def test_in_place_updates_keep_identity():
    v = tf.Variable([1.0, 2.0])
    ptr = v.data_ptr()
    assert v.assign([3.0, 4.0]) is v
    v.assign_add([1.0, 1.0])
    v.assign_sub(torch.tensor([0.5, 0.5]))
    v.load(np.array([7.0, 8.0]))
    assert v.data_ptr() == ptr
    assert v.eval().tolist() == [7.0, 8.0]


def test_assign_wrong_shape_changes_nothing():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(errors.ShapeMismatchError, match="Dimension 0 in both shapes"):
        v.assign([1.0, 2.0, 3.0])
    assert v.eval().tolist() == [1.0, 2.0]


def test_non_float_never_requires_grad():
    assert not tf.Variable(1).requires_grad
    assert not tf.get_variable("i", [2], dtype=tf.int64).requires_grad
    assert not tf.Variable(1.0, trainable=False).requires_grad
    assert tf.Variable(1).trainable       # TF still lists it as trainable


def test_initializer_reruns_initial_value():
    v = tf.get_variable("v", [3], initializer=tf.constant_initializer(2.0))
    v.assign([0.0, 0.0, 0.0])
    v.initializer()
    assert v.eval().tolist() == [2.0, 2.0, 2.0]
    v.assign([5.0, 5.0, 5.0])
    tf.global_variables_initializer()()
    assert v.eval().tolist() == [2.0, 2.0, 2.0]
    tf.variables_initializer([v]).run()


def test_initial_value_is_not_aliased():
    t = torch.ones(2)
    v = tf.Variable(t)
    v.assign([5.0, 5.0])
    assert t.tolist() == [1.0, 1.0]
    a = np.ones(2, np.float32)
    w = tf.Variable(a)
    w.assign([3.0, 3.0])
    assert a.tolist() == [1.0, 1.0]


def test_autograd_and_torch_optimizer():
    w = tf.get_variable("w", initializer=[1.0, -2.0])
    opt = torch.optim.SGD([w], lr=0.5)
    loss = (w ** 2).sum()
    loss.backward()
    opt.step()
    assert w.eval().tolist() == [0.0, 0.0]
    assert tf.trainable_variables()[0] is w


def test_module_registration_and_state_dict():
    m = torch.nn.Module()
    m.w = tf.get_variable("w", [2, 3])
    assert list(dict(m.named_parameters())) == ["w"]
    assert m.state_dict()["w"].shape == (2, 3)


def test_identity_comparison_like_tf1():
    a = tf.get_variable("a", [3])
    b = tf.get_variable("b", [3])
    assert a in [b, a] and not (a == b) and a != b
    assert (a == a.detach()).all()        # against a plain tensor: elementwise, as in torch


def test_deepcopy_does_not_register_again():
    v = tf.get_variable("v", [2])
    c = copy.deepcopy(v)
    assert c is not v and c.name == v.name and torch.equal(c, v)
    assert len(tf.global_variables()) == 1


def test_not_pickled():
    import pickle
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(tf.Variable(1.0))


def test_validate_shape_false():
    v = tf.Variable([1.0, 2.0], validate_shape=False)
    assert v.get_shape().ndims is None
    v.assign([1.0, 2.0, 3.0])
    assert v.shape == (3,)


def test_bad_arguments_change_nothing():
    with pytest.raises(errors.VariableArgumentError, match="initial_value must be specified"):
        tf.Variable(None)
    with pytest.raises(ValueError, match="must be a list, tuple, or set"):
        tf.Variable(1.0, collections="variables")
    with pytest.raises(ValueError, match="must be a callable"):
        tf.Variable(1.0, constraint=3)
    with pytest.raises(TypeError, match="Expected int32, but got 1.5"):
        tf.Variable(1.5, dtype=tf.int32)
    assert tf.global_variables() == []


def test_variable_creator_scope_can_replace():
    seen = []

    def creator(next_creator, **kwargs):
        seen.append(kwargs["name"])
        return next_creator(**kwargs)
    with tf.variable_creator_scope(creator):
        tf.Variable(1.0, name="x")
        tf.get_variable("y", [1])
    assert seen == ["x", "y"]


def test_partitioned_variable_api():
    with tf.variable_scope("s", partitioner=tf.fixed_size_partitioner(3)):
        pv = tf.get_variable("pv", [7, 2], initializer=tf.ones_initializer())
    assert isinstance(pv, tf.PartitionedVariable) and pv.name == "s/pv" and len(pv) == 3
    assert [p.get_shape().as_list() for p in pv] == [[3, 2], [2, 2], [2, 2]]
    assert pv.as_tensor().shape == (7, 2) and pv.get_variable_list() == list(pv)
    pv.assign(np.arange(14, dtype=np.float32).reshape(7, 2))
    np.testing.assert_array_equal(np.asarray(pv), np.arange(14).reshape(7, 2))
    assert [p._save_slice_info.spec for p in pv] == ["7 2 0,3:0,2", "7 2 3,2:0,2", "7 2 5,2:0,2"]


def test_session_shim():
    v = tf.get_variable("v", [2], initializer=tf.zeros_initializer())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(v).tolist() == [0.0, 0.0]
        assert sess.run({"a": [v]})["a"][0].tolist() == [0.0, 0.0]
        with pytest.raises(errors.SessionError, match="feed_dict"):
            sess.run(v, feed_dict={"x": 1})
