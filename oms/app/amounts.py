"""How the ``oms`` command reads an amount an operator typed.

Rule: ASCII digits, one optional point and an optional exponent (``0.05``, ``1e-3``), which
is what Binance writes (its -1100 legal range for a decimal is ``^([0-9]{1,20})(\\.[0-9]{1,20})?$``;
errors.md, -1100 ILLEGAL_CHARS). Python's ``Decimal`` also takes ``0_5`` (5) and other
scripts' digits (U+0661 is 1), which a typo must never become; NaN and infinities are refused.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["NotAnAmount", "typed_decimal"]

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


class NotAnAmount(ValueError):
    """The text is not a plain decimal number; the message says so in the user's words.
    ``non_finite``: it spelled NaN or an infinity."""

    def __init__(self, message: str, *, non_finite: bool = False) -> None:
        super().__init__(message)
        self.non_finite = non_finite


def typed_decimal(text: str) -> Decimal:
    """The decimal ``text`` spells (surrounding blanks ignored).

    Raises:
        NotAnAmount: anything else, NaN and infinities included.
    """
    if not _DECIMAL.fullmatch(text.strip()):
        if text.strip().lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise NotAnAmount(f"{text!r} must be a finite number", non_finite=True)
        raise NotAnAmount(f"{text!r} is not a decimal number (write it like 0.05 or 1e-3)")
    return Decimal(text.strip())
