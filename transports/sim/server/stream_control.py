"""The texts of the market streams' control errors, as web-socket-streams.md, Error Messages gives
them.

Rules (web-socket-streams.md, Live Subscribing/Unsubscribing to streams, Error Messages):
- ``id`` is a 64-bit signed integer, a string of at most 36 characters, or ``null``; a missing
  or other ``id`` is code 2 "Invalid request: request ID must be an unsigned integer" (the
  documented text, though signed integers and strings are accepted). Strings follow the
  WebSocket API's rule ``^[a-zA-Z0-9-_]{1,36}$`` (envelope.py): UUIDs, which Binance's SDK
  sends, are accepted.
- The texts are the server's JSON parser's: ``Invalid JSON: <reason> at line L column C``
  (code 3), ``Invalid request: missing field `method` at line L column C`` and
  ``Invalid request: unknown variant `X`, expected one of ... at line L column C`` (code 2).
  Line and column are where the parser stood: the end of the object for a missing field, the
  end of the method's string for an unknown one, the offending character for bad JSON (the
  reasons of Python's decoder mapped to the documented ``expected value`` family).
"""

from __future__ import annotations

import json
import re

__all__ = ["bad_json", "missing_method", "unknown_variant"]

_METHODS = "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"
_METHOD_VALUE = re.compile(r'"method"\s*:\s*("(?:[^"\\]|\\.)*"|[^,}\s]+)')
# Python's decoder reasons, as the documented parser words them.
_REASONS = (
    ("Expecting value", "expected value"),
    ("Expecting property name enclosed in double quotes", "key must be a string"),
    ("Expecting ',' delimiter", "expected `,` or `}`"),
    ("Expecting ':' delimiter", "expected `:`"),
    ("Extra data", "trailing characters"),
    ("Unterminated string", "EOF while parsing a string"),
    ("Invalid control character", "control character found while parsing a string"),
)


def _place(text: str, end: int) -> str:
    """``line L column C`` of the character just before offset ``end`` (1-based)."""
    line = text.count("\n", 0, end) + 1
    column = end - (text.rfind("\n", 0, end) + 1)
    return f"line {line} column {column}"


def bad_json(text: str, exc: ValueError) -> str:
    """``Invalid JSON: expected value at line 1 column 1`` and its kin."""
    if isinstance(exc, json.JSONDecodeError):
        stripped = len(text.rstrip())
        if exc.pos >= stripped and exc.msg != "Extra data":
            return f"Invalid JSON: EOF while parsing a value at {_place(text, stripped)}"
        reason = next((r for p, r in _REASONS if exc.msg.startswith(p)), "expected value")
        return f"Invalid JSON: {reason} at {_place(text, exc.pos + 1)}"
    return f"Invalid JSON: expected value at {_place(text, 1)}"


def missing_method(text: str) -> str:
    """``Invalid request: missing field `method` at line L column C`` (C: the closing brace)."""
    return f"Invalid request: missing field `method` at {_place(text, len(text.rstrip()))}"


def unknown_variant(text: str, method: object) -> str:
    """``Invalid request: unknown variant `X`, expected one of ... at line L column C``."""
    found = _METHOD_VALUE.search(text)
    end = found.end() if found else len(text.rstrip())
    return (
        f"Invalid request: unknown variant `{method}`, expected one of {_METHODS} "
        f"at {_place(text, end)}"
    )
