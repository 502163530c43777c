"""TF1 programs' first lines: mode switches, ``tf.logging``, and ``tf.placeholder``'s hint."""
import logging

import pytest

import scopevar as tf
from scopevar.errors import PlaceholderError


def test_mode_switches_are_accepted():
    tf.disable_v2_behavior()
    tf.disable_eager_execution()
    tf.disable_resource_variables()
    tf.enable_eager_execution()
    assert tf.get_variable("v", [1]).name == "v:0"


def test_logging_levels_and_counted_messages(caplog):
    tf.logging.set_verbosity(tf.logging.INFO)
    assert tf.logging.get_verbosity() == logging.INFO
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        for i in range(5):
            tf.logging.log_every_n(tf.logging.INFO, "every %d", 2, i)
        for i in range(5):
            tf.logging.log_first_n(tf.logging.WARN, "first %d", 2, i)
        tf.logging.info("x=%s", 3)
    assert [r.getMessage() for r in caplog.records] == [
        "every 0", "every 2", "every 4", "first 0", "first 1", "x=3"]
    assert tf.logging.get_logger().name == "tensorflow"


def test_placeholder_says_what_to_write_instead():
    with pytest.raises(PlaceholderError, match=r"tf.placeholder\(float32, shape=\[None, 784\]\)"
                       r".*call it with the batch"):
        tf.placeholder(tf.float32, [None, 784])
    assert tf.global_variables() == []
