"""``encode_json``: every Decimal written as ``to_wire`` writes it (plain notation, never
``1E-8``, never ``-0``), whatever its exponent or sign."""

from __future__ import annotations

from decimal import Decimal

import orjson
from hypothesis import given
from hypothesis import strategies as st

from oms.wire.money import to_wire
from transports.wire import encode_json

finite = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: -30 <= d.as_tuple().exponent <= 10  # type: ignore[operator]
)


@given(st.lists(finite, max_size=5))
def test_every_decimal_is_written_as_to_wire_writes_it(values: list[Decimal]) -> None:
    assert orjson.loads(encode_json(values)) == [to_wire(v) for v in values]


def test_zeros_of_every_sign_and_exponent() -> None:
    zeros = [Decimal(t) for t in ("0", "-0", "0E-8", "-0E-8", "0.00", "-0.00000000", "0E+3")]
    assert orjson.loads(encode_json(zeros)) == [
        "0", "0", "0.00000000", "0.00000000", "0.00", "0.00000000", "0"
    ]  # fmt: skip
