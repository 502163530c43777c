"""TF-Slim's ``arg_scope``: default keyword arguments for decorated functions, by scope.

``arg_scope([f, g], k=v)`` makes ``k=v`` the default of ``f`` and ``g`` inside the block;
explicit keyword arguments win; nested scopes merge (inner values win); passing a captured
scope dict re-enters it (replacing the current defaults).  The stack is per thread.

>>> @add_arg_scope
... def f(a, b=1, c=2):
...     return a, b, c
>>> with arg_scope([f], b=10):
...     f(0), f(0, b=5)
((0, 10, 2), (0, 5, 2))
"""
import contextlib
import functools
import threading

from ..errors import ArgScopeError, ArgScopeTypeError

__all__ = ["arg_scope", "add_arg_scope", "current_arg_scope", "has_arg_scope",
           "arg_scoped_arguments", "arg_scope_func_key"]


class _Stack(threading.local):
    def __init__(self):
        self.stack = [{}]


_STACK = _Stack()
_DECORATED_OPS = {}


def current_arg_scope():
    """The current scope: ``{function key: {kwarg: value}}``."""
    return _STACK.stack[-1]


def arg_scope_func_key(op):
    return getattr(op, "_key_op", str(op))


def _kwarg_names(func):
    """Names of the parameters that have defaults."""
    n = len(func.__defaults__) if func.__defaults__ else 0
    return func.__code__.co_varnames[func.__code__.co_argcount - n:func.__code__.co_argcount]


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """Set default kwargs of the listed ``@add_arg_scope`` functions inside the block."""
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ArgScopeError("When attempting to re-use a scope by suppling adictionary, kwargs "
                                "must be empty. Enter the dict alone, then nest a new arg_scope.")
        scope = list_ops_or_scope.copy()
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise ArgScopeTypeError("list_ops_or_scope must either be a list/tuple or reused scope "
                                    "(i.e. dict): arg_scope([slim.conv2d], ...) or "
                                    "arg_scope(saved_scope)")
        scope = current_arg_scope().copy()
        for op in list_ops_or_scope:
            if not has_arg_scope(op):
                raise ArgScopeError(
                    "%s.%s is not decorated with @add_arg_scope. Decorate it with "
                    "@slim.add_arg_scope to give it defaults through arg_scope."
                    % (getattr(op, "__module__", "?"), getattr(op, "__name__", op)))
            key = arg_scope_func_key(op)
            merged = dict(scope.get(key, {}))
            merged.update(kwargs)
            scope[key] = merged
    stack = _STACK.stack
    stack.append(scope)
    try:
        yield scope
    finally:
        stack.pop()


def add_arg_scope(func):
    """Decorate ``func`` so ``arg_scope`` can set defaults of its keyword arguments."""
    key = arg_scope_func_key(func)

    @functools.wraps(func)
    def func_with_args(*args, **kwargs):
        scoped = _STACK.stack[-1].get(key)
        if scoped:
            merged = dict(scoped)
            merged.update(kwargs)
            kwargs = merged
        return func(*args, **kwargs)

    _DECORATED_OPS[key] = _kwarg_names(func)
    func_with_args._key_op = key
    return func_with_args


def has_arg_scope(func):
    return arg_scope_func_key(func) in _DECORATED_OPS


def arg_scoped_arguments(func):
    assert has_arg_scope(func)
    return _DECORATED_OPS[arg_scope_func_key(func)]
