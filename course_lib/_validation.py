"""Argument checks for every public function, in scikit-learn's style.

Each check names the argument, says what was expected and shows what was received, and
returns the value in its canonical form (a Python ``int``, a ``float``, a float64 array):

>>> check_int("epochs", 3)
3
>>> check_int("epochs", 0)
Traceback (most recent call last):
...
course_lib._validation.ArgumentValueError: epochs must be a positive int, got 0
>>> check_int("epochs", 2.0)
Traceback (most recent call last):
...
course_lib._validation.ArgumentTypeError: epochs must be a positive int, got 2.0 (float)

There is one exception type per kind of mistake, each a subclass of the built-in one a
caller would expect, so ``except ValueError`` keeps working:

* :class:`ArgumentTypeError` (a ``TypeError`` and a ``ValueError``, like scikit-learn's
  ``InvalidParameterError``): the wrong kind of thing, such as a string or a bool where a
  number belongs;
* :class:`ArgumentValueError` (a ``ValueError``): the right kind, but out of range or not
  one of the allowed choices;
* :class:`ShapeError` (an ``ArgumentValueError``): an array of the wrong rank or shape, or
  one holding NaN or infinity.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (also a ValueError, as scikit-learn's InvalidParameterError is)."""


class ArgumentValueError(ValueError):
    """An argument of the right type with a value that is not allowed."""


class ShapeError(ArgumentValueError):
    """An array argument of the wrong rank or shape, or with non-finite entries."""


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# numbers.Integral and numbers.Real include NumPy's scalars without importing NumPy, which keeps
# `import course_lib` (and so `course --help`) light; bools are numbers to Python but not here.
def _is_bool(value) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not _is_bool(value)


def check_int(name: str, value, minimum: int | None = 1, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]`` (either bound may be ``None``)."""
    if minimum is not None and maximum is not None:
        expected = f"an int in [{minimum}, {maximum}]"
    elif minimum in (0, 1):
        expected = "a non-negative int" if minimum == 0 else "a positive int"
    elif minimum is not None:
        expected = f"an int >= {minimum}"
    elif maximum is not None:
        expected = f"an int <= {maximum}"
    else:
        expected = "an int"
    if not _is_int(value):
        raise ArgumentTypeError(f"{name} must be {expected}, got {_shown(value)} ({type(value).__name__})")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ArgumentValueError(f"{name} must be {expected}, got {_shown(value)}")
    return int(value)


def check_number(name: str, value, low: float = -math.inf, high: float = math.inf, *,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite float in the interval from ``low`` to ``high``.

    ``low_open``/``high_open`` exclude the bound itself, e.g. a learning rate is a number in (0, inf).

    >>> check_number("lr", 0.1, 0, low_open=True)
    0.1
    """
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open or high == math.inf else ']'}"
    if low == -math.inf and high == math.inf:
        expected = "a finite number"
    elif low == 0 and high == math.inf:
        expected = "a positive number" if low_open else "a non-negative number"
    else:
        expected = f"a number in {interval}"
    if not _is_number(value):
        raise ArgumentTypeError(f"{name} must be {expected}, got {_shown(value)} ({type(value).__name__})")
    number = float(value)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if not math.isfinite(number) or too_low or too_high:
        raise ArgumentValueError(f"{name} must be {expected}, got {_shown(value)}")
    return number


def check_choice(name: str, value, allowed: Iterable):
    """``value`` itself, when it is one of ``allowed``."""
    allowed = tuple(allowed)
    try:
        ok = value in allowed
    except TypeError:  # an unhashable or oddly comparing value is simply not a choice
        ok = False
    if not ok:
        raise ArgumentValueError(f"{name} must be one of {allowed}, got {_shown(value)}")
    return value


def check_selection(name: str, values, allowed: Iterable) -> tuple:
    """A non-empty selection from ``allowed``, as a tuple (a single string counts as one item)."""
    allowed = tuple(allowed)
    items = (values,) if isinstance(values, str) else tuple(values) if isinstance(values, Iterable) else None
    if not items or any(v not in allowed for v in items):
        raise ArgumentValueError(f"{name} must be a non-empty selection from {allowed}, got {_shown(values)}")
    return items


def check_seed(name: str, value, *, default: int | None = None) -> int:
    """A seed: a non-negative int, or ``None`` for ``default`` (when one is given)."""
    if value is None and default is not None:
        value = default
    accepted = "a non-negative int or None" if default is not None else "a non-negative int"
    if not _is_int(value):
        raise ArgumentTypeError(f"{name} must be {accepted}, got {_shown(value)} ({type(value).__name__})")
    if value < 0:
        raise ArgumentValueError(f"{name} must be {accepted}, got {_shown(value)}")
    return int(value)


def check_array(name: str, value, *, ndim: int | Sequence[int] | None = None, shape: Sequence | None = None,
                finite: bool = True, dtype="float64", what: str = ""):
    """``value`` as a numpy array of ``dtype``, checked for rank, shape and finiteness.

    ``shape`` may hold ``None`` for any length along that axis; ``what`` describes the
    expected layout in the message, e.g. ``"(n_samples, n_features)"``.

    >>> check_array("X", [[1, 2]], ndim=2).shape
    (1, 2)
    >>> check_array("X", [1, 2], ndim=2, what="(n_samples, n_features)")
    Traceback (most recent call last):
    ...
    course_lib._validation.ShapeError: X must be a 2-D array of shape (n_samples, n_features), got shape (2,)
    """
    import numpy as np

    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be an array of numbers, got {type(value).__name__}") from None
    layout = f" of shape {what}" if what else ""
    if ndim is not None:
        ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in ranks:
            ranks_text = " or ".join(f"{r}-D" for r in ranks)
            raise ShapeError(f"{name} must be a {ranks_text} array{layout}, got shape {array.shape}")
    if shape is not None:
        shape = tuple(shape)
        if array.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, array.shape)):
            wanted = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            raise ShapeError(f"{name} must have shape {what or wanted}, got shape {array.shape}")
    if finite and np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        raise ShapeError(f"{name} contains NaN or infinite values")
    return array
