"""JSON *encoding* of typed Structs for the wire, Decimals in plain notation.

Rules:
- ``encode_json`` is how a server or a test writes Binance-shaped JSON: keys exactly as the
  Struct declares them (conditional ones omitted), every Decimal through ``to_wire`` so
  ``Decimal("0E-8")`` is written ``"0.00000000"``, never ``"0E-8"``.
- Decoding never happens here (see ``oms.wire.decoding``); orjson only ever encodes.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
import orjson

from oms.wire.money import to_wire

__all__ = ["encode_json"]


def _default(value: object) -> str | orjson.Fragment:
    if type(value) is Decimal and value.is_finite():
        # to_wire's text, inline (reports are full of zeros: one call each, not two).
        text = f"{value:f}"
        return text if value or text[0] != "-" else text[1:]  # "-0.00" is "0.00"
    if isinstance(value, Decimal):
        return to_wire(value)  # a subclass, or not finite (raises InvalidAmount)
    if isinstance(value, msgspec.Raw):  # JSON kept as received (oms.wire.amends)
        return orjson.Fragment(bytes(value))
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_json(value: object) -> bytes:
    """Encode a Struct, list of Structs or plain data as compact JSON bytes."""
    builtins = msgspec.to_builtins(value, builtin_types=(Decimal, msgspec.Raw))
    return orjson.dumps(builtins, default=_default)
