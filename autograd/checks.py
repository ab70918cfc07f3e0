"""Checks on arguments, one per concept, for the engine's callers (``nn`` among them).

What a number is here is said once: ``is_number`` (a real number a Value can hold; bools are not),
``is_scalar`` (that, or a Value), ``whole_number`` (an int ≥ a bound, with a message) and
``data_of`` (the float inside a Value, or the number itself). The first and last live beside
``Value``, which uses them; all four are ``autograd``'s public names.
"""

from __future__ import annotations

import numbers

from .value import Value, data_of, is_number, short_repr

__all__ = ["data_of", "is_number", "is_scalar", "whole_number"]


def is_scalar(x: object) -> bool:
    """Whether ``x`` is one number: a Value or a real number (NumPy scalars too; bools are not)."""
    return isinstance(x, Value) or is_number(x)


def whole_number(x: object, what: str, least: int = 0) -> int:
    """``x`` as an int if it is a whole number ≥ ``least`` (NumPy integers too; bools are not),
    else a ``ValueError`` saying ``what`` it was for: ``MLP: nin must be a positive whole number``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < least:
        kind = "a positive whole number" if least == 1 else f"a whole number ≥ {least}"
        raise ValueError(f"{what} must be {kind}, got {short_repr(x)}")
    return int(x)
