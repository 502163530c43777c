"""What a parity program leaves behind, recorded identically on TensorFlow and on scopevar."""
import contextlib
import io

from encode import encode

COLLECTIONS = ("variables", "trainable_variables", "local_variables", "model_variables",
               "moving_average_variables", "regularization_losses", "global_step")


def capture(get_collection):
    """Variables (name, shape, dtype) and the names in the standard collections."""
    variables = []
    for v in get_collection("variables") + get_collection("local_variables"):
        variables.append([v.name, encode(v.get_shape()), _dtype(v)])
    collections = {}
    for key in COLLECTIONS:
        names = [getattr(x, "name", None) for x in get_collection(key)]
        if names:
            collections[key] = names
    return {"vars": variables, "collections": collections}


def error_record(e):
    msg = str(e).split("Originally defined at")[0].strip()
    msg = msg.split(" for '{{node")[0]          # TF's graph-node details have no eager meaning
    return {"ok": False, "error": type(e).__name__,
            "mro": [c.__name__ for c in type(e).__mro__], "message": msg}


def _dtype(v):
    d = v.dtype
    name = getattr(d, "name", None)
    if isinstance(name, str):
        return name.replace("_ref", "")
    return str(d).replace("torch.", "")


def run_program(code, env, graph, get_collection):
    """Run ``code`` with globals ``env`` (``out`` is added) as ``graph``'s default; its record:
    ok/error, ``out``, variables and collections, printed text (``exception`` on error)."""
    out = env["out"] = {}
    buf = io.StringIO()
    with graph.as_default():
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, "<case>", "exec"), env)
            rec = {"ok": True, "out": encode(out)}
        except Exception as e:  # noqa: BLE001 - the error is the result
            rec = error_record(e)
            rec["out"] = encode(out)
            rec["exception"] = e
        rec.update(capture(get_collection))
    rec["stdout"] = buf.getvalue()
    return rec
