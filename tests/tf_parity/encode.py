"""Turn results of a parity program into JSON, the same way on TensorFlow and on scopevar.

Pure Python and numpy: imported by the TensorFlow runner and by the scopevar side alike.
Arrays keep their exact bytes (base64), so bit-identical comparisons are possible.
"""
import base64

import numpy as np


def encode(x):
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, np.integer)) and not isinstance(x, np.bool_):
        return int(x)
    if isinstance(x, (float, np.floating)) and np.ndim(x) == 0 and not hasattr(x, "dtype"):
        return float(x)
    if isinstance(x, bytes):
        return {"__bytes__": base64.b64encode(x).decode()}
    if isinstance(x, dict):
        return {str(k): encode(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [encode(v) for v in x]
    if hasattr(x, "as_list") and not hasattr(x, "numpy"):     # TensorShape
        try:
            return x.as_list()
        except ValueError:
            return "<unknown>"
    if type(x).__name__ in ("DType",) or "dtype" in type(x).__name__.lower():
        return dtype_name(x)
    if hasattr(x, "detach") and hasattr(x, "cpu"):            # torch tensor
        t = x.detach().cpu()
        import torch
        if t.dtype == torch.bfloat16:
            return _array(t.view(torch.int16).numpy(), "bfloat16")
        return _array(t.numpy())
    if isinstance(x, (np.ndarray, np.generic)):
        return _array(np.asarray(x))
    if hasattr(x, "name") and isinstance(getattr(x, "name"), str):
        return x.name
    return repr(x)


def dtype_name(d):
    name = getattr(d, "name", None)
    if isinstance(name, str):
        return name.replace("_ref", "")
    s = str(d)
    return s.replace("torch.", "")


def _array(a, dtype=None):
    dt = dtype or a.dtype.name
    if dt == "bfloat16" and a.dtype.itemsize == 2:
        a = a.view(np.int16)
    if a.dtype == object:
        return {"__strings__": [base64.b64encode(bytes(s)).decode() for s in a.reshape(-1)],
                "shape": list(a.shape)}
    return {"__array__": dt, "shape": list(a.shape),
            "b64": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()}


def decode_array(d):
    """Inverse of the array encoding: a numpy array (bfloat16 comes back as float32)."""
    if "__strings__" in d:
        return np.array([base64.b64decode(s) for s in d["__strings__"]], dtype=object).reshape(d["shape"])
    raw = base64.b64decode(d["b64"])
    if d["__array__"] == "bfloat16":
        bits = np.frombuffer(raw, np.uint16).astype(np.uint32) << 16
        return bits.view(np.float32).reshape(d["shape"])
    return np.frombuffer(raw, np.dtype(d["__array__"])).reshape(d["shape"])
