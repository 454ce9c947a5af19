"""Money: exact ``Decimal`` arithmetic and the one wire formatter.

Rules:
- Every price, quantity, fee and balance is a ``decimal.Decimal`` built from a string
  (Binance sends decimals as strings, binance-spot-api.md §3 "Conventions"); never a float.
- ``to_wire`` is the only way a Decimal becomes wire text. It never emits exponent
  notation: ``str(Decimal("0.00000001"))`` is ``"1E-8"``, which Binance rejects (-1100).
- Rounding to a symbol's tick or step is explicit about its direction (``ROUND_DOWN`` for
  quantities so an order never exceeds what the caller asked for).
- The global decimal context is never changed.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal, InvalidOperation

__all__ = [
    "MAX_AMOUNT",
    "ZERO",
    "InvalidAmount",
    "check_amount",
    "is_multiple",
    "parse_decimal",
    "round_to_step",
    "show",
    "to_wire",
]

ZERO = Decimal(0)
# Binance's legal decimal range is ^([0-9]{1,20})(\.[0-9]{1,20})?$ (§3 "Conventions"):
# anything at or above 10**20 cannot be a real amount.
MAX_AMOUNT = Decimal(10) ** 20


class InvalidAmount(ValueError):
    """A decimal that cannot be money: NaN, infinite, negative, or beyond Binance's range."""


def to_wire(value: Decimal) -> str:
    """Format a Decimal for the wire: plain positional notation, never ``1E-8``.

    Trailing zeros are kept as given (``Decimal("1.50")`` -> ``"1.50"``); Binance accepts
    them. Non-finite values raise ``InvalidAmount``.
    """
    if not value.is_finite():
        raise InvalidAmount(f"cannot send non-finite decimal {value!r}")
    text = f"{value:f}"
    if text.startswith("-0") and value == ZERO:  # Decimal("-0") formats as "-0"
        return text[1:]
    return text


# Decimal places beyond which ``show`` writes the scientific form: positional text of a
# received "1E-999999999" would be a gigabyte (Binance's own limit is 20 places, §3).
SHOW_MAX_PLACES = 40


def show(value: Decimal) -> str:
    """A decimal for messages and displays (conflicts, the command's output): ``to_wire``'s
    text, except that a non-finite value or one with more than ``SHOW_MAX_PLACES`` decimal
    places is written compactly (``str``). Never raises; never used for the wire."""
    exponent = value.as_tuple().exponent  # a str ("n", "N", "F") when not finite
    if isinstance(exponent, int) and exponent >= -SHOW_MAX_PLACES:
        return to_wire(value)
    return str(value)


def parse_decimal(text: str, *, name: str = "value") -> Decimal:
    """Parse an amount from text, rejecting floats' spellings of trouble.

    Raises:
        InvalidAmount: not a decimal number, NaN/Infinity, negative, or >= 10**20.
    """
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidAmount(f"{name}: {text!r} is not a decimal number") from None
    return check_amount(value, name=name)


def check_amount(value: Decimal, *, name: str = "value") -> Decimal:
    """Return ``value`` if it is a finite amount in ``[0, 10**20)``; else ``InvalidAmount``."""
    if not value.is_finite():
        raise InvalidAmount(f"{name}: {value} is not a finite number")
    if value < ZERO:
        raise InvalidAmount(f"{name}: {value} is negative")
    if value >= MAX_AMOUNT:
        raise InvalidAmount(f"{name}: {value} is beyond Binance's 20-digit range")
    return value


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """``value % step == 0`` as Binance checks ticks and steps; a zero step disables the check."""
    if step == ZERO:
        return True
    return value % step == ZERO


def round_to_step(value: Decimal, step: Decimal, *, rounding: str = ROUND_DOWN) -> Decimal:
    """Round ``value`` to a multiple of ``step`` (``ROUND_DOWN``, ``ROUND_UP`` or half-even).

    The result carries the step's exponent, so ``round_to_step(D("1.23456"), D("0.001"))``
    is ``Decimal("1.234")``. A zero step returns ``value`` unchanged.
    """
    if step == ZERO:
        return value
    units = (value / step).quantize(Decimal(1), rounding=rounding)
    return (units * step).quantize(step)


ROUNDINGS = (ROUND_DOWN, ROUND_UP, ROUND_HALF_EVEN)
