"""``tf.logging``: TF1's logging functions, on Python's ``logging`` logger ``"tensorflow"``.

>>> import scopevar as tf
>>> tf.logging.set_verbosity(tf.logging.INFO)
>>> tf.logging.get_verbosity() == tf.logging.INFO
True
"""
import logging as _logging
import sys

DEBUG, INFO, WARN, ERROR, FATAL = (_logging.DEBUG, _logging.INFO, _logging.WARNING,
                                   _logging.ERROR, _logging.FATAL)

_logger = _logging.getLogger("tensorflow")
if not _logging.getLogger().handlers and not _logger.handlers:
    # as TF1: messages go to stderr as "INFO:tensorflow:..." unless the program set up logging
    _handler = _logging.StreamHandler()
    _handler.setFormatter(_logging.Formatter("%(levelname)s:tensorflow:%(message)s"))
    _logger.addHandler(_handler)
_counts = {}


def get_logger():
    """The ``logging.Logger`` behind ``tf.logging``."""
    return _logger


def set_verbosity(v):
    _logger.setLevel(v)


def get_verbosity():
    return _logger.getEffectiveLevel()


def log(level, msg, *args, **kwargs):
    _logger.log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    _logger.debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    _logger.info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    _logger.warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    _logger.error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    _logger.fatal(msg, *args, **kwargs)


def log_every_n(level, msg, n, *args):
    """Log ``msg`` on the 1st, (n+1)th, (2n+1)th ... time it is reached from one source line."""
    if _count_call() % n == 0:
        log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    """Log ``msg`` only the first ``n`` times it is reached from one source line."""
    if _count_call() < n:
        log(level, msg, *args)


def log_if(level, msg, condition, *args):
    if condition:
        log(level, msg, *args)


def _count_call():
    """How many times the caller's caller reached this source line before."""
    caller = sys._getframe(2)
    key = (caller.f_code.co_filename, caller.f_lineno)
    count = _counts.get(key, 0)
    _counts[key] = count + 1
    return count
