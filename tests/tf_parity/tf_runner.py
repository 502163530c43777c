"""Runs parity programs on real TensorFlow (tf.compat.v1, graph mode) in this process.

Started by ``oracle.run_tf`` in a subprocess: reads a JSON list of ``{"id", "code"}`` on stdin
and writes a JSON dict ``{id: record}`` on stdout.  TensorFlow is never imported by scopevar;
only this script does.
"""
import json
import os
import sys
import warnings

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)
import tf_keras.src.legacy_tf_layers as _legacy  # noqa: E402

sys.modules.setdefault("tf_keras.legacy_tf_layers", _legacy)
from tensorflow.python.ops import variable_scope as _vs  # noqa: E402

if not hasattr(_vs, "variable"):
    from tensorflow.python.ops import variable_v1 as _v1
    _vs.variable = _v1.VariableV1
from tensorflow.python.framework import ops as _ops  # noqa: E402

if not hasattr(_ops, "Tensor"):
    from tensorflow.python.framework import tensor as _tensor
    _ops.Tensor = _tensor.Tensor
import tf_slim as slim  # noqa: E402
from tf_slim.ops import arg_scope as _arg_scope  # noqa: E402

from record import run_program  # noqa: E402


def run_case(code):
    graph = tf.Graph()
    _arg_scope._ARGSTACK[:] = [{}]
    state = {"sess": None, "done": set()}

    def ev(x):
        if state["sess"] is None:
            state["sess"] = tf.Session(graph=graph)
        todo = [v for v in graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
                + graph.get_collection(tf.GraphKeys.LOCAL_VARIABLES) if id(v) not in state["done"]]
        if todo:
            state["sess"].run(tf.variables_initializer(todo))
            state["done"].update(id(v) for v in todo)
        return state["sess"].run(x)

    env = {"tf": tf, "np": np, "slim": slim, "ev": ev, "TF": True}
    rec = run_program(code, env, graph, graph.get_collection)
    rec.pop("exception", None)
    if state["sess"] is not None:
        state["sess"].close()
    return rec


def main():
    if sys.argv[1:] == ["--script"]:          # a free-form program: run it as __main__
        exec(compile(sys.stdin.read(), "<script>", "exec"),
             {"__name__": "__main__", "tf": tf, "np": np, "slim": slim})
        return
    cases = json.load(sys.stdin)
    results = {c["id"]: run_case(c["code"]) for c in cases}
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
