"""``is_amount``'s fast path (a range comparison, then ``same_quantum`` with 8 places) admits
exactly what its definition admits: finite, ``0 <= value < 10**20``, at most 8 places; with
InvalidOperation trapped (the default) and without."""

from __future__ import annotations

import decimal
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from oms.wire.money import is_amount

_EDGES = [
    "0", "0.00000000", "-0", "-0.00000000", "0E-999999", "0E+50", "1E-999999", "1E+5",
    "0.00000001", "0.000000001", "1.000000000", "99999999999999999999.99999999",
    "100000000000000000000", "1E+20", "-0.00000001", "NaN", "-NaN", "Infinity", "-Infinity",
    "sNaN", "12345678901234567890.12345678", "0.1", "5", "50000.00000000",
]  # fmt: skip
_TEXT = st.one_of(
    st.sampled_from(_EDGES),
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(str),
    st.decimals().map(str),
    st.decimals(min_value=0, max_value=Decimal(10) ** 21).map(str),
)


def _definition(value: Decimal) -> bool:
    if not value.is_finite() or (value.is_signed() and value != 0):
        return False
    exponent = value.as_tuple().exponent
    return value < Decimal(10) ** 20 and isinstance(exponent, int) and exponent >= -8


@given(_TEXT, st.booleans())
def test_is_amount_admits_exactly_its_definition(text: str, trapped: bool) -> None:
    value = Decimal(text)
    with decimal.localcontext() as ctx:
        ctx.traps[decimal.InvalidOperation] = trapped
        assert is_amount(value) == _definition(value)
