"""TF1's ``TensorShape`` and ``Dimension``, for the shape-reading idioms of TF1 code.

``x.get_shape().as_list()``, ``x.get_shape()[-1].value`` and ``x.get_shape().ndims`` are
everywhere in TF1 model code, so scopevar adds one method, ``get_shape()``, to
``torch.Tensor`` (torch has no attribute of that name).  ``Dimension`` is an ``int``, so a
dimension can be used directly wherever a number is expected.

>>> s = TensorShape([3, None, 5])
>>> s.as_list(), s.ndims, s[0].value, s[1].value
([3, None, 5], 3, 3, None)
>>> torch.zeros(2, 4).get_shape()[-1] + 1
5
"""
import torch

from .errors import ShapeError


class Dimension(int):
    """A known dimension: an ``int`` with TF1's ``.value``."""

    @property
    def value(self):
        return int(self)

    def __repr__(self):
        return "Dimension(%d)" % self


class _UnknownDimension:
    """An unknown dimension (``None``): ``.value`` is None."""
    value = None

    def __repr__(self):
        return "Dimension(None)"

    def __eq__(self, other):
        return None

    __hash__ = None


def as_dimension(d):
    if isinstance(d, Dimension):
        return d
    v = getattr(d, "value", d)
    return _UNKNOWN if v is None else Dimension(int(v))


_UNKNOWN = _UnknownDimension()


class TensorShape:
    """A possibly partially known shape.  ``TensorShape(None)`` has unknown rank."""

    __slots__ = ("_dims",)

    def __init__(self, dims):
        if dims is None:
            self._dims = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, int):
            self._dims = (dims,)
        elif all(type(d) is int for d in dims):
            self._dims = tuple(dims)
        else:
            self._dims = tuple(None if getattr(d, "value", d) is None else int(getattr(d, "value", d))
                               for d in dims)

    @property
    def dims(self):
        return None if self._dims is None else [as_dimension(d) for d in self._dims]

    @property
    def ndims(self):
        return None if self._dims is None else len(self._dims)

    rank = ndims

    def as_list(self):
        if self._dims is None:
            raise ShapeError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def is_fully_defined(self):
        return self._dims is not None and None not in self._dims

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def is_compatible_with(self, other):
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ShapeError("Shapes %s and %s are incompatible" % (self, as_shape(other)))

    def __len__(self):
        if self._dims is None:
            raise ShapeError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise ShapeError("Cannot iterate over a shape with unknown rank.")
        return iter(self.dims)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return TensorShape(None if self._dims is None else self._dims[key])
        if self._dims is None:
            return _UNKNOWN
        return as_dimension(self._dims[key])

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except TypeError:
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self):
        return hash(self._dims)

    def __bool__(self):
        return self._dims is not None

    def __repr__(self):
        return "TensorShape(%s)" % (None if self._dims is None else list(self._dims))

    def __str__(self):
        """TF's ``str(TensorShape)``, used in its error messages: ``(3,)``, ``(2, 3)``, ``()``."""
        if self._dims is None:
            return "<unknown>"
        parts = ["?" if d is None else str(d) for d in self._dims]
        return "(%s,)" % parts[0] if len(parts) == 1 else "(%s)" % ", ".join(parts)

    def concatenate(self, other):
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)


def as_shape(shape):
    """A ``TensorShape`` from a list, tuple, ``torch.Size``, int, None or ``TensorShape``."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def _get_shape(self):
    """TF1's ``Tensor.get_shape()``: this tensor's ``TensorShape``."""
    return TensorShape(self.shape)


if not hasattr(torch.Tensor, "get_shape"):
    torch.Tensor.get_shape = _get_shape
