"""Money: exact ``Decimal`` arithmetic and the one wire formatter.

Rules:
- Every price, quantity, fee and balance is a ``decimal.Decimal`` built from a string
  (Binance sends decimals as strings, rest-api.md, General API Information); never a float.
- ``to_wire`` is the only way a Decimal becomes wire text. It never emits exponent
  notation: ``str(Decimal("0.00000001"))`` is ``"1E-8"``, which Binance rejects (-1100).
- Rounding to a symbol's tick or step is explicit about its direction (``ROUND_DOWN`` for
  quantities so an order never exceeds what the caller asked for).
- The global decimal context is never changed. Money is computed in ``MONEY``, a context
  wide enough that sums and products of admitted amounts are exact (see below).

Admitted amounts (what a decoder lets in; ``is_amount``): finite, ``0 <= a < 10**20``, and
written with at most ``AMOUNT_PLACES`` (8) decimal places. Binance writes every amount as a
string formatted to the asset's precision (rest-api.md, General API Information: "decimal"
fields are strings; Exchange information: ``baseAssetPrecision``, ``quoteAssetPrecision``,
``base/quoteCommissionPrecision`` are 8), and its request range is ``[0, 10**20)``
(errors.md, -1100). So an admitted amount is an integer multiple of ``10**-8`` below
``10**20``: at most 28 significant digits. Hence ``MONEY_PRECISION = 64``:
- a sum of ``n`` admitted amounts needs ``28 + log10(n)`` digits;
- a product of two needs ``40 + 16 = 56`` digits, and a sum of up to ``10**8`` such
  products 64: every sum and product of admitted amounts in ``MONEY`` is exact;
- a quotient (an average price) is rounded half-even to 64 digits: the only rounding.
Exponents stay within ``[-16, 40]`` for those results, far inside ``Emin``/``Emax``;
``Overflow``, ``DivisionByZero`` and ``InvalidOperation`` stay trapped.
"""

from __future__ import annotations

from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

__all__ = [
    "AMOUNT_PLACES",
    "AMOUNT_QUANTUM",
    "MAX_AMOUNT",
    "MONEY",
    "MONEY_PRECISION",
    "ZERO",
    "InvalidAmount",
    "check_amount",
    "is_amount",
    "is_signed_amount",
    "is_multiple",
    "parse_decimal",
    "round_to_step",
    "show",
    "to_wire",
]

ZERO = Decimal(0)
# Binance's legal decimal range is ^([0-9]{1,20})(\.[0-9]{1,20})?$ (rest-api.md, General API
# Information): anything at or above 10**20 cannot be a real amount.
MAX_AMOUNT = Decimal(10) ** 20
# Decimal places an admitted amount may be written with (see the module docstring).
AMOUNT_PLACES = 8
AMOUNT_QUANTUM = Decimal(1).scaleb(-AMOUNT_PLACES)
MONEY_PRECISION = 64
MONEY = Context(
    prec=MONEY_PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


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


# Decimal places beyond which ``show`` writes the scientific form: positional text of a received
# "1E-999999999" would be a gigabyte (Binance's own limit is 20 places, rest-api.md, New order).
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


def is_amount(value: Decimal) -> bool:
    """An admitted amount: finite, ``0 <= value < 10**20`` (-0 is a zero), written with at
    most ``AMOUNT_PLACES`` decimal places (so ``"1E-999999"`` and ``"0E-999999"`` are not)."""
    try:
        # A NaN raises here (InvalidOperation, trapped by default) or compares False;
        # an infinity is out of range.
        if not ZERO <= value < MAX_AMOUNT:
            return False
    except InvalidOperation:
        return False
    if value.same_quantum(AMOUNT_QUANTUM):
        return True  # exactly 8 places, as Binance writes amounts: no as_tuple (5x dearer)
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -AMOUNT_PLACES


def is_signed_amount(value: Decimal) -> bool:
    """A signed amount (a balance delta, an 'unavailable' -1): ``abs(value)`` is admitted."""
    return is_amount(value.copy_abs())


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
