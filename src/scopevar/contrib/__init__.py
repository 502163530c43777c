"""``tf.contrib``: the parts TF1 variable code uses (``contrib.layers``, ``contrib.framework``)."""
from . import framework, layers  # noqa: F401
