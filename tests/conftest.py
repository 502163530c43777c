import pytest

import scopevar as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test runs in its own default graph."""
    with tf.Graph().as_default() as g:
        yield g
