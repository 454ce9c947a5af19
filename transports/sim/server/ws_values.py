"""WebSocket API parameter values written as JSON arrays, read as the text the REST API would
carry.

Rules (web-socket-api.md, Request format: "params" values may be strings, numbers, booleans or
arrays; web-socket-api.md, Exchange information / 24hr ticker price change statistics /
Account information: ``"symbols": ["BNBBTC", "BTCUSDT"]``, ``"permissions": ["SPOT"]``):
- An array of strings is the REST form of the same parameter, compact JSON
  (``["BNBBTC","BTCUSDT"]``), checked afterwards by the same rules as on REST (an unknown
  symbol is -1121, a malformed list -1100).
- Anything else that is not a string, integer or boolean (objects, nested arrays, non-string
  items) is -1100. (Fractional numbers never get here: the frame decoder keeps them as the
  text they were written as.)
"""

from __future__ import annotations

import json

from transports.sim.server.params import ApiError

__all__ = ["loose_value"]


def loose_value(value: object) -> str:
    """The text of a WebSocket API value that is not a string, integer or boolean.

    Raises:
        ApiError: -1100 for a value REST could not have carried.
    """
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise ApiError(-1100, "Illegal characters found in a parameter.")
