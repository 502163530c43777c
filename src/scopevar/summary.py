"""``tf.summary`` (TF1): summary ops and a ``FileWriter`` writing real TensorBoard event files.

Eagerly, a summary op is an object that, when run (``op()``, ``op.eval()`` or
``sess.run(op)``), returns a serialized ``Summary`` protobuf of the *current* value of what it
was given: a tensor (a variable shows its current value), or a zero-argument callable that
computes one.  Create the ops once (tags are made unique, ``loss``, ``loss_1``, as TF does)
and run ``merge_all()`` at every step:

>>> w = tf.Variable([1.0, -2.0], name="w")
>>> loss = tf.summary.scalar("loss", lambda: (w ** 2).sum())
>>> merged = tf.summary.merge_all()
>>> writer = tf.summary.FileWriter("logs")
>>> with tf.Session() as sess:
...     for step in range(3):
...         writer.add_summary(sess.run(merged), global_step=step)
>>> writer.close()

Tags are prefixed by the active ``name_scope`` (``summary/loss``).  The ``tensorboard``
package provides the protobufs (``pip install scopevar[summary]``); the event files (TFRecord
framing, masked CRC32C) are written here, so TensorFlow is never imported.
"""
import io
import os
import socket
import struct
import time

import numpy as np
import torch

from .errors import SummaryArgumentError
from .graph import GraphKeys, get_default_graph

__all__ = ["scalar", "histogram", "image", "text", "merge", "merge_all", "FileWriter",
           "FileWriterCache", "Summary", "Event"]


def _pb():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
    except ImportError as e:            # pragma: no cover - optional dependency
        raise ImportError("scopevar.summary needs the tensorboard package: "
                          "pip install 'scopevar[summary]'") from e
    return summary_pb2, event_pb2


def __getattr__(name):
    if name == "Summary":
        return _pb()[0].Summary
    if name == "Event":
        return _pb()[1].Event
    raise AttributeError(name)


def _numpy(value):
    if callable(value) and not isinstance(value, torch.Tensor):
        value = value()
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.cpu().numpy()
    return np.asarray(value)


class SummaryOp:
    """A summary op: run it for a serialized ``Summary`` (bytes)."""

    def __init__(self, name, make_values):
        self.name = name
        self._make_values = make_values           # () -> [Summary.Value]

    def _values(self):
        return self._make_values()

    def __call__(self):
        summary_pb2, _ = _pb()
        return summary_pb2.Summary(value=self._values()).SerializeToString()

    eval = run = __call__

    def __repr__(self):
        return "<summary op %r>" % self.name


def _register(op, collections):
    graph = get_default_graph()
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        graph.add_to_collection(key, op)
    return op


def _tag(name, family=None):
    graph = get_default_graph()
    if family:
        name = family + "/" + name
    return graph.unique_name(name)


def scalar(name, tensor, collections=None, family=None):
    """A scalar summary (``simple_value``) of ``tensor`` (a 0-d or 1-element tensor, number
    or callable)."""
    summary_pb2, _ = _pb()
    tag = _tag(name, family)

    def values():
        a = _numpy(tensor)
        if a.size != 1:
            raise SummaryArgumentError("tags and values are not the same shape: [] != %s "
                                       "(tag '%s'): a scalar summary needs a scalar."
                                       % (list(a.shape), tag))
        return [summary_pb2.Summary.Value(tag=tag, simple_value=float(a.reshape(())))]
    if not callable(tensor) or isinstance(tensor, torch.Tensor):
        if np.size(_numpy(tensor)) != 1:
            values()                                # raise now
    return _register(SummaryOp(tag, values), collections)


def _default_buckets():
    pos, v = [], 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    pos.append(float(np.finfo(np.float64).max))
    return [-x for x in reversed(pos)] + pos


_BUCKETS = None


def _histogram_proto(a):
    global _BUCKETS
    summary_pb2, _ = _pb()
    if _BUCKETS is None:
        _BUCKETS = np.array(_default_buckets())
    a = np.asarray(a, dtype=np.float64).ravel()
    if a.size == 0:
        return summary_pb2.HistogramProto()
    idx = np.searchsorted(_BUCKETS, a, side="right")
    counts = np.bincount(idx, minlength=len(_BUCKETS))
    lo, hi = int(idx.min()), int(idx.max())
    return summary_pb2.HistogramProto(
        min=float(a.min()), max=float(a.max()), num=float(a.size), sum=float(a.sum()),
        sum_squares=float((a * a).sum()), bucket_limit=_BUCKETS[lo:hi + 1].tolist(),
        bucket=counts[lo:hi + 1].astype(np.float64).tolist())


def histogram(name, values, collections=None, family=None):
    """A histogram summary with TF's default exponential buckets."""
    summary_pb2, _ = _pb()
    tag = _tag(name, family)
    return _register(SummaryOp(tag, lambda: [summary_pb2.Summary.Value(
        tag=tag, histo=_histogram_proto(_numpy(values)))]), collections)


def _to_uint8(img):
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float64)
    if img.size and img.min() >= 0:
        top = img.max()
        scale = 255.0 / top if top > 0 else 0.0
        return np.clip(np.round(img * scale), 0, 255).astype(np.uint8)
    big = np.abs(img).max() if img.size else 0.0
    scale = 127.0 / big if big > 0 else 0.0
    return np.clip(np.round(img * scale + 127.0), 0, 255).astype(np.uint8)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """Image summaries of a ``[batch, height, width, channels]`` tensor (1, 3 or 4
    channels), PNG-encoded; tags ``name/image`` (one output) or ``name/image/0`` ... .
    Floats are scaled as TF does: non-negative images so the largest value is 255, others
    so that 0 is 127."""
    summary_pb2, _ = _pb()
    tag = _tag(name, family)

    def values():
        from PIL import Image
        a = _numpy(tensor)
        if a.ndim != 4 or a.shape[-1] not in (1, 3, 4):
            raise SummaryArgumentError(
                "Tensor must be 4-D with last dim 1, 3, or 4, not %s (summary '%s'): pass "
                "images as [batch, height, width, channels]." % (list(a.shape), tag))
        out = []
        n = min(max_outputs, a.shape[0])
        for i in range(n):
            img = _to_uint8(a[i])
            buf = io.BytesIO()
            Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(buf, format="PNG")
            t = tag + "/image" + ("" if max_outputs == 1 else "/%d" % i)
            out.append(summary_pb2.Summary.Value(tag=t, image=summary_pb2.Summary.Image(
                height=img.shape[0], width=img.shape[1], colorspace=img.shape[2],
                encoded_image_string=buf.getvalue())))
        return out
    return _register(SummaryOp(tag, values), collections)


def text(name, tensor, collections=None):
    """A text summary (TensorBoard's text plugin) of a string or array of strings."""
    summary_pb2, _ = _pb()
    from tensorboard.plugins.text import metadata
    from tensorboard.util import tensor_util
    tag = _tag(name)

    def values():
        t = tensor() if callable(tensor) else tensor
        arr = np.asarray(t, dtype=object)
        flat = [s.encode() if isinstance(s, str) else bytes(s) for s in arr.ravel()]
        arr = np.array(flat, dtype=object).reshape(arr.shape)
        meta = metadata.create_summary_metadata(display_name=name, description="")
        return [summary_pb2.Summary.Value(tag=tag, metadata=meta,
                                          tensor=tensor_util.make_tensor_proto(arr))]
    return _register(SummaryOp(tag, values), collections)


def merge(inputs, collections=None, name=None):
    """One op whose Summary holds the values of all ``inputs`` (summary ops or serialized
    summaries)."""
    summary_pb2, _ = _pb()
    inputs = list(inputs)

    def values():
        out = []
        for x in inputs:
            if isinstance(x, SummaryOp):
                out.extend(x._values())
            else:
                s = summary_pb2.Summary()
                s.ParseFromString(x() if callable(x) else x)
                out.extend(s.value)
        return out
    op = SummaryOp(name or "Merge/MergeSummary", values)
    if collections:
        _register(op, collections)
    return op


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """``merge`` of the ``key`` collection (None when it is empty, as in TF)."""
    ops = get_default_graph().get_collection(key)
    if scope is not None:
        import re
        ops = [o for o in ops if re.match(scope, getattr(o, "name", ""))]
    return merge(ops, name=name) if ops else None


def _masked_crc(data):
    import google_crc32c
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class _EventFile:
    """A TFRecord file of ``Event`` protos (``events.out.tfevents.<time>.<host><suffix>``),
    written here without TensorFlow (tensorboard's own writer imports TF when installed)."""

    def __init__(self, logdir, suffix=""):
        os.makedirs(logdir, exist_ok=True)
        base = os.path.join(logdir, "events.out.tfevents.%010d.%s"
                            % (int(time.time()), socket.gethostname()))
        self.path, n = base + suffix, 0
        while os.path.exists(self.path):           # two writers in one second
            n += 1
            self.path = "%s.%d%s" % (base, n, suffix)
        self._f = open(self.path, "xb")

    def write(self, data):
        header = struct.pack("<Q", len(data))
        self._f.write(header + struct.pack("<I", _masked_crc(header)) + data
                      + struct.pack("<I", _masked_crc(data)))

    def flush(self):
        self._f.flush()

    def close(self):
        self._f.close()


class FileWriter:
    """``FileWriter(logdir, graph=None, max_queue=10, flush_secs=120, filename_suffix=None)``:
    writes TensorBoard event files (``events.out.tfevents.*``) in ``logdir``.  Events are
    written as they are added (buffered by the file); ``flush`` and ``close`` push them out."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        _pb()
        self._logdir = str(logdir)
        self._suffix = filename_suffix or ""
        self._closed = True
        self.reopen()

    def reopen(self):
        if self._closed:
            _, event_pb2 = _pb()
            self._writer = _EventFile(self._logdir, self._suffix)
            self._writer.write(event_pb2.Event(wall_time=time.time(),
                                               file_version="brain.Event:2").SerializeToString())
            self._closed = False

    def get_logdir(self):
        return self._logdir

    def add_event(self, event):
        self._writer.write(event.SerializeToString())

    def add_summary(self, summary, global_step=None):
        """Write ``summary`` (serialized bytes, a ``Summary`` proto or a summary op) at
        ``global_step`` (an int or the global-step variable)."""
        summary_pb2, event_pb2 = _pb()
        if isinstance(summary, SummaryOp):
            summary = summary()
        if isinstance(summary, (bytes, bytearray)):
            proto = summary_pb2.Summary()
            proto.ParseFromString(bytes(summary))
            summary = proto
        event = event_pb2.Event(wall_time=time.time(), summary=summary)
        if global_step is not None:
            event.step = int(global_step.item() if isinstance(global_step, torch.Tensor)
                             else global_step)
        self.add_event(event)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Accepted for TF's API; scopevar has no graph def to write."""

    def add_session_log(self, session_log, global_step=None):
        _, event_pb2 = _pb()
        event = event_pb2.Event(wall_time=time.time(), session_log=session_log)
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def flush(self):
        self._writer.flush()

    def close(self):
        if not self._closed:
            self._writer.close()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileWriterCache:
    """One ``FileWriter`` per log directory."""
    _cache = {}

    @staticmethod
    def get(logdir):
        w = FileWriterCache._cache.get(logdir)
        if w is None:
            w = FileWriterCache._cache[logdir] = FileWriter(logdir)
        return w

    @staticmethod
    def clear():
        for w in FileWriterCache._cache.values():
            w.close()
        FileWriterCache._cache.clear()
