"""Compiled helpers: a C source shipped in the package, compiled once with the system C compiler
and loaded with :mod:`ctypes` (no Python C API, no build step at install).

The shared library is cached in ``$SCOPEVAR_CACHE_DIR``, else ``$XDG_CACHE_HOME/scopevar``,
else ``~/.cache/scopevar``, under a name keyed by the source's and the flags' hash, the
platform and the interpreter's ABI tag; it is compiled to a temporary file and renamed into
place, so processes starting together are safe.  The compiler is ``$CC``, else ``cc``.
When it cannot be built or loaded (no compiler, a read-only cache...), :func:`load` returns
None and the callers use their numpy code; ``SCOPEVAR_NATIVE=0`` forces that.  The flags keep
IEEE arithmetic exact and portable: no contraction into fused multiply-adds, no fast maths,
no ``-march`` (the cached file may be used on another machine).
"""
import ctypes
import functools
import hashlib
import logging
import os
import subprocess
import sys
import sysconfig
import tempfile

__all__ = ["load"]

FLAGS = ("-O3", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno")
_COMPILE_SECONDS = 120
_log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def load(source):
    """The :class:`ctypes.CDLL` of the package's C file ``source``, compiled at first use, or
    None (``SCOPEVAR_NATIVE=0``, or it could not be built: logged at debug level)."""
    if os.environ.get("SCOPEVAR_NATIVE", "1") == "0":
        return None
    try:
        return ctypes.CDLL(_compiled(os.path.join(os.path.dirname(__file__), source)))
    except (OSError, subprocess.SubprocessError) as e:
        _log.debug("scopevar: %s not compiled (%s); using the numpy code", source, e)
        return None


def _compiled(source):
    """The path of the cached shared library built from ``source``, built if missing."""
    compiler = os.environ.get("CC", "cc")
    with open(source, "rb") as f:
        key = hashlib.sha256(f.read() + repr((compiler, FLAGS)).encode()).hexdigest()[:16]
    tag = "%s-%s" % (sysconfig.get_platform(), sys.implementation.cache_tag)
    name = "%s-%s-%s.so" % (os.path.splitext(os.path.basename(source))[0], key, tag)
    path = os.path.join(_cache_dir(), name)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, temporary = tempfile.mkstemp(suffix=".so", dir=os.path.dirname(path))
        os.close(fd)
        try:
            subprocess.run([compiler, *FLAGS, "-o", temporary, source, "-lm"], check=True,
                           capture_output=True, timeout=_COMPILE_SECONDS)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path


def _cache_dir():
    if os.environ.get("SCOPEVAR_CACHE_DIR"):
        return os.environ["SCOPEVAR_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "scopevar")
