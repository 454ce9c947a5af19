"""Microsecond timestamps on request: ``X-MBX-TIME-UNIT`` (REST) and ``timeUnit`` (WebSocket).

Rules:
- rest-api.md, General API Information / web-socket-api.md, General requests information /
  web-socket-streams.md, General WSS information: ``MICROSECOND`` or ``microsecond`` (also
  ``MILLISECOND`` / ``millisecond``, the default) selects the unit of every time field in
  JSON answers and events. Anything else is refused.
- ``micro`` rewrites a built JSON value (dicts, lists, ints) by key: time keys are multiplied by
  1000; keys whose meaning depends on the event (``u`` is a time only in
  ``outboundAccountPosition``; ``t`` only in a kline) are handled by their context; kline rows
  (12-element arrays) convert their open and close times.
"""

from __future__ import annotations

from typing import Any

__all__ = ["micro", "parse_time_unit"]

_TIME_KEYS = frozenset(
    {
        "serverTime",
        "transactTime",
        "time",
        "updateTime",
        "workingTime",
        "openTime",
        "closeTime",
        "connectedSince",
        "authorizedSince",
        "E",
        "T",
        "O",
        "W",
        "C",
    }
)
_KLINE_ROW = 12


def parse_time_unit(value: str | None) -> bool | None:
    """True for microseconds, False for milliseconds (the default), None when invalid."""
    if value is None or value in ("MILLISECOND", "millisecond"):
        return False
    if value in ("MICROSECOND", "microsecond"):
        return True
    return None


def micro(value: Any, *, kline: bool = False) -> Any:
    """``value`` with its time fields in microseconds (see the module rules)."""
    if isinstance(value, list):
        if len(value) == _KLINE_ROW and isinstance(value[0], int) and isinstance(value[6], int):
            return [value[0] * 1000, *value[1:6], value[6] * 1000, *value[7:]]
        return [micro(v) for v in value]
    if not isinstance(value, dict):
        return value
    event = value.get("e")
    out = {}
    for key, item in value.items():
        is_time = key in _TIME_KEYS or (key == "u" and event == "outboundAccountPosition")
        if kline and key == "t":
            is_time = True
        if is_time and isinstance(item, int) and not isinstance(item, bool):
            out[key] = item * 1000
        else:
            out[key] = micro(item, kline=key == "k")
    return out
