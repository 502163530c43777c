"""TF device strings and ``tf.device`` scopes, mapped to torch devices.

``'/cpu:0'``, ``'/device:GPU:1'``, ``'/job:ps/task:0/device:CPU:0'`` and torch's own
``'cuda:1'`` all parse; nested scopes merge like TF's (an inner ``/gpu:0`` inside
``/job:ps`` keeps the job).  Variables are created on the torch device of the innermost
scope.  A GPU asked for on a machine without one falls back to the CPU with one warning
(TF1's ``allow_soft_placement``), so TF1 scripts with hard-coded ``/gpu:0`` still run.

>>> DeviceSpec.from_string('/job:ps/task:1/device:GPU:0').to_string()
'/job:ps/task:1/device:GPU:0'
>>> DeviceSpec.from_string('/gpu:1').torch_device()     # doctest: +SKIP
device(type='cuda', index=1)
"""
import contextlib
import re
import warnings

import torch

from .errors import DeviceError
from .graph import get_default_graph

_FIELD = re.compile(r"^(job|replica|task|device|cpu|gpu|CPU|GPU|TPU|tpu):?(.*)$")


class DeviceSpec:
    """A (possibly partial) TF device: job, replica, task, device type and index."""

    __slots__ = ("job", "replica", "task", "device_type", "device_index")

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job, self.replica, self.task = job, replica, task
        self.device_type = device_type.upper() if device_type else None
        self.device_index = device_index

    @classmethod
    def from_string(cls, spec):
        spec = (spec or "").strip()
        if re.match(r"^(cuda|cpu|mps|xpu)(:\d+)?$", spec):           # a torch device string
            d = torch.device(spec)
            return cls(device_type="GPU" if d.type == "cuda" else d.type.upper(),
                       device_index=d.index)
        out = cls()
        for part in spec.split("/"):
            if not part:
                continue
            m = _FIELD.match(part)
            if m is None:
                raise DeviceError("Unknown attribute: '%s' in '%s'. A device is like '/cpu:0', "
                                  "'/gpu:1', '/device:GPU:0' or '/job:ps/task:0/device:CPU:0'."
                                  % (part, spec))
            key, val = m.group(1), m.group(2)
            if key in ("job",):
                out.job = val
            elif key in ("replica", "task"):
                setattr(out, key, _int(val, part, spec))
            elif key == "device":
                dtype, _, idx = val.partition(":")
                out.device_type = dtype.upper()
                out.device_index = None if idx in ("", "*") else _int(idx, part, spec)
            else:                                   # cpu:0, gpu:1
                out.device_type = key.upper()
                out.device_index = None if val in ("", "*") else _int(val, part, spec)
        return out

    def merge_from(self, inner):
        """A new spec: ``inner``'s fields where it has them, this spec's otherwise."""
        return DeviceSpec(*(getattr(inner, f) if getattr(inner, f) is not None else getattr(self, f)
                            for f in self.__slots__))

    def to_string(self):
        s = ""
        if self.job is not None:
            s += "/job:" + self.job
        if self.replica is not None:
            s += "/replica:%d" % self.replica
        if self.task is not None:
            s += "/task:%d" % self.task
        if self.device_type is not None:
            s += "/device:%s:%s" % (self.device_type,
                                    "*" if self.device_index is None else self.device_index)
        return s

    def torch_device(self):
        """The torch device this spec places a tensor on (the CPU when no type is given)."""
        if self.device_type in (None, "CPU"):
            return torch.device("cpu")
        if self.device_type == "GPU":
            if torch.cuda.is_available():
                return torch.device("cuda", self.device_index or 0)
            _warn_once("%s asked for a GPU but none is available: placing on the CPU "
                       "(as TF's allow_soft_placement does)." % self.to_string())
            return torch.device("cpu")
        raise DeviceError("Device type %s is not supported by scopevar; use CPU or GPU."
                          % self.device_type)

    def __repr__(self):
        return "DeviceSpec(%r)" % self.to_string()


def _int(val, part, spec):
    try:
        return int(val)
    except ValueError:
        raise DeviceError("Bad number in '%s' of device '%s'." % (part, spec)) from None


_warned = set()


def _warn_once(msg):
    if msg not in _warned:
        _warned.add(msg)
        warnings.warn(msg, stacklevel=3)


@contextlib.contextmanager
def device(device_name_or_function):
    """TF1's ``tf.device``: a device string, a function ``f(op) -> str``, or None (reset)."""
    if device_name_or_function is not None and not (
            callable(device_name_or_function) or isinstance(device_name_or_function, (str, DeviceSpec))):
        raise DeviceError("device_name_or_function must be a string, a DeviceSpec, a function "
                          "or None, got %r" % (device_name_or_function,))
    if isinstance(device_name_or_function, str):
        DeviceSpec.from_string(device_name_or_function)           # fail early on bad strings
    stack = get_default_graph()._thread.device_stack
    stack.append(device_name_or_function)
    try:
        yield
    finally:
        stack.pop()


class _OpInfo:
    """What a device function sees of the op being placed (TF passes the op)."""

    def __init__(self, name, op_type, device):
        self.name, self.type, self.device = name, op_type, device
        self.node_def = self


def current_spec(op_name="", op_type="VariableV2"):
    """The merged ``DeviceSpec`` of the current device scopes (functions are called)."""
    spec = DeviceSpec()
    for entry in get_default_graph()._thread.device_stack:
        if entry is None:
            spec = DeviceSpec()
            continue
        if callable(entry) and not isinstance(entry, (str, DeviceSpec)):
            entry = entry(_OpInfo(op_name, op_type, spec.to_string()))
            if entry is None:
                continue
        inner = entry if isinstance(entry, DeviceSpec) else DeviceSpec.from_string(entry)
        spec = spec.merge_from(inner)
    return spec


def placement(op_name="", op_type="VariableV2"):
    """(TF device string, torch device) for a new variable in the current device scopes."""
    stack = get_default_graph()._thread.device_stack
    if not stack:
        return "", None
    spec = current_spec(op_name, op_type)
    return spec.to_string(), spec.torch_device()
