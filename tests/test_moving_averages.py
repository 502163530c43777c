"""ExponentialMovingAverage (issue 6): shadows, names, collections, decay, restore maps."""
import numpy as np
import pytest
import torch

import scopevar as tf
from scopevar import errors


def test_shadow_created_and_updated():
    w = tf.get_variable("w", initializer=[1.0, 2.0])
    ema = tf.train.ExponentialMovingAverage(0.9)
    op = ema.apply([w])
    s = ema.average(w)
    assert s.op.name == "w/ExponentialMovingAverage" and not s.trainable
    assert s in tf.global_variables() and s not in tf.trainable_variables()
    assert tf.moving_average_variables() == [w]
    np.testing.assert_allclose(s.eval(), [1.0, 2.0])
    w.assign([2.0, 4.0])
    op()                                            # the op updates again
    np.testing.assert_allclose(s.eval(), [1.1, 2.2], rtol=1e-6)
    ema.apply([w])
    np.testing.assert_allclose(s.eval(), [1.19, 2.38], rtol=1e-6)
    assert len(tf.global_variables()) == 2          # no second shadow


def test_num_updates_caps_decay():
    w = tf.get_variable("w", initializer=[0.0])
    step = tf.train.get_or_create_global_step()
    ema = tf.train.ExponentialMovingAverage(0.99, num_updates=step)
    ema.apply([w])
    w.assign([10.0])
    ema.apply([w])                                   # decay = min(0.99, 1/10) = 0.1
    np.testing.assert_allclose(ema.average(w).eval(), [9.0], rtol=1e-6)


def test_names_and_restore_map():
    w = tf.get_variable("w", [2])
    b = tf.get_variable("b", [2])
    step = tf.train.get_or_create_global_step()
    ema = tf.train.ExponentialMovingAverage(0.9, name="avg")
    ema.apply([w])
    assert ema.average_name(w) == "w/avg" and ema.average_name(b) == "b/avg"
    assert ema.average(b) is None
    m = ema.variables_to_restore()
    assert set(m) == {"w/avg", "b/avg", "global_step"}
    assert m["w/avg"] is w and m["b/avg"] is b
    assert m["global_step"] is step


def test_bad_arguments():
    with pytest.raises(errors.MovingAverageArgumentError, match="decay must be in"):
        tf.train.ExponentialMovingAverage(1.5)
    v = tf.Variable(1, name="count")
    with pytest.raises(TypeError, match="The variables must be half, float, or double: count"):
        tf.train.ExponentialMovingAverage(0.9).apply([v])
    assert tf.global_variables() == [v]
    with pytest.raises(TypeError, match="does not support non-Variable tensors"):
        tf.train.ExponentialMovingAverage(0.9).apply([torch.ones(2)])
