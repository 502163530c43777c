"""Run the same program on real TensorFlow and on scopevar, and compare what each left behind.

A parity case is a snippet of TF1 code that uses ``tf`` (``tensorflow.compat.v1``, or scopevar),
``slim``, ``np``, ``ev(x)`` (evaluate to numpy: ``sess.run`` on TF) and fills the dict ``out``.
Both sides run it in a fresh graph; the recorded variables (name, shape, dtype), the standard
collections, ``out`` and any error are compared.  ``TF`` is True on the TensorFlow side.

Every case of the whole test session runs in ONE TensorFlow subprocess (importing TF costs
seconds), the first time a parity test needs TF results.  Results are cached under
``.pytest_cache/tf_oracle`` keyed by the code, so reruns do not start TensorFlow at all.
"""
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from encode import decode_array  # noqa: E402
from record import run_program  # noqa: E402

CACHE = HERE.parent.parent / ".pytest_cache" / "tf_oracle"
CACHE.mkdir(parents=True, exist_ok=True)
_REGISTRY = {}          # id -> code (TF side)
_SV_CODE = {}           # id -> code (scopevar side, when it differs)
_MESSAGE = {}           # id -> phrase our message must contain, where TF's text is not kept
_RESULTS = {}


def tf_available():
    return all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_slim", "tf_keras"))


def case(case_id, code, sv_code=None, message=None):
    """Register a parity case; returns its id (use it with ``pytest.mark.parametrize``).

    ``message``: where scopevar deliberately words an error better than TF (TF's text is
    unreadable), the phrase our message must contain instead of starting with TF's text.
    """
    if case_id in _REGISTRY and _REGISTRY[case_id] != code:
        raise ValueError("duplicate parity case id %r" % case_id)
    _REGISTRY[case_id] = code
    if sv_code is not None:
        _SV_CODE[case_id] = sv_code
    if message is not None:
        _MESSAGE[case_id] = message
    return case_id


def _key(code):
    return hashlib.sha256(("v5\n" + code).encode()).hexdigest()[:24]


def run_tf_cases(ids):
    """TF records for the given case ids (cached on disk; missing ones run in one subprocess)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    todo = []
    for i in ids:
        if i in _RESULTS:
            continue
        f = CACHE / (_key(_REGISTRY[i]) + ".json")
        if f.exists():
            _RESULTS[i] = json.loads(f.read_text())
        else:
            todo.append(i)
    if todo:
        # run every registered case still unknown, not just these: one TF start for the session
        todo = [i for i in _REGISTRY if i not in _RESULTS
                and not (CACHE / (_key(_REGISTRY[i]) + ".json")).exists()] or todo
        payload = json.dumps([{"id": i, "code": _REGISTRY[i]} for i in todo])
        proc = subprocess.run([sys.executable, str(HERE / "tf_runner.py")], input=payload,
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError("TensorFlow runner failed:\n" + proc.stderr[-4000:])
        res = json.loads(proc.stdout)
        for i, rec in res.items():
            (CACHE / (_key(_REGISTRY[i]) + ".json")).write_text(json.dumps(rec))
            _RESULTS[i] = rec
        for i in ids:
            if i not in _RESULTS:
                _RESULTS[i] = json.loads((CACHE / (_key(_REGISTRY[i]) + ".json")).read_text())
    return {i: _RESULTS[i] for i in ids}


def run_tf_script(code, timeout=900):
    """Run a free-form program on real TensorFlow (``tf`` = compat.v1, ``slim``, ``np`` given)
    in a subprocess; returns its stdout.  Raises with TF's stderr when it fails."""
    proc = subprocess.run([sys.executable, str(HERE / "tf_runner.py"), "--script"], input=code,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError("TensorFlow program failed:\n" + proc.stderr[-6000:])
    return proc.stdout


def run_scopevar(code):
    """Run a parity program on scopevar in this process, in a fresh graph."""
    import scopevar as tf
    from scopevar import slim

    graph = tf.Graph()
    slim.arg_scope_stack_reset() if hasattr(slim, "arg_scope_stack_reset") else None

    def ev(x):
        if isinstance(x, (list, tuple)):
            return type(x)(ev(i) for i in x)
        if isinstance(x, dict):
            return {k: ev(v) for k, v in x.items()}
        if callable(x) and not hasattr(x, "detach"):
            return x()
        if hasattr(x, "detach"):
            if x.dtype == __import__("torch").bfloat16:
                return x.detach().clone()
            a = x.detach().cpu().numpy().copy()
            return a[()] if a.ndim == 0 else a          # sess.run gives numpy scalars
        return np.asarray(x)

    env = {"tf": tf, "np": np, "slim": slim, "ev": ev, "TF": False}
    return run_program(code, env, graph, lambda k: list(graph.get_collection_ref(k)))


def check(case_id, tf_rec, *, exact=True, rtol=1e-6, atol=0.0, compare=("vars", "collections", "out")):
    """Assert scopevar's record for ``case_id`` matches TensorFlow's record."""
    sv = run_scopevar(_SV_CODE.get(case_id, _REGISTRY[case_id]))
    if not tf_rec["ok"]:
        assert not sv["ok"], "TF raised %s: %s\nscopevar raised nothing" % (tf_rec["error"], tf_rec["message"])
        assert tf_rec["error"] in sv["mro"], (
            "TF raised %s, scopevar raised %s (mro %s): %s"
            % (tf_rec["error"], sv["error"], sv["mro"], sv["message"]))
        if case_id in _MESSAGE:
            assert _MESSAGE[case_id] in sv["message"], sv["message"]
        else:
            assert sv["message"].startswith(tf_rec["message"]), (
            "message differs:\n TF:       %r\n scopevar: %r" % (tf_rec["message"], sv["message"]))
    else:
        if not sv["ok"]:
            raise AssertionError("scopevar raised where TF did not") from sv["exception"]
    for part in compare:
        _assert_same(sv[part], tf_rec[part], part, exact, rtol, atol)
    return sv


def _assert_same(a, b, where, exact, rtol, atol):
    if isinstance(b, dict) and ("__array__" in b or "__strings__" in b):
        assert isinstance(a, dict) and ("__array__" in a or "__strings__" in a), (
            "%s: scopevar gave %r, TF an array" % (where, a))
        x, y = decode_array(a), decode_array(b)
        assert x.shape == y.shape, "%s: shape %s vs TF %s" % (where, x.shape, y.shape)
        if exact or x.dtype == object or not np.issubdtype(y.dtype, np.inexact):
            assert a.get("__array__") == b.get("__array__"), "%s: dtype %s vs TF %s" % (
                where, a.get("__array__"), b.get("__array__"))
            np.testing.assert_array_equal(x, y, err_msg=where)
        else:
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(b, dict):
        assert isinstance(a, dict), "%s: scopevar gave %r, TF %r" % (where, a, b)
        assert sorted(a) == sorted(b), "%s: keys %s vs TF %s" % (where, sorted(a), sorted(b))
        for k in b:
            _assert_same(a[k], b[k], "%s.%s" % (where, k), exact, rtol, atol)
    elif isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b), "%s: scopevar %r\n TF %r" % (where, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, "%s[%d]" % (where, i), exact, rtol, atol)
    elif isinstance(b, float) and not exact:
        assert a == b or abs(a - b) <= atol + rtol * abs(b), "%s: %r vs TF %r" % (where, a, b)
    else:
        assert a == b, "%s: scopevar %r, TF %r" % (where, a, b)
