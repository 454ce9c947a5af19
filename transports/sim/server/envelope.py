"""The WebSocket API request envelope, ``{"id", "method", "params"}``, read and refused as Binance
does.

Rules (web-socket-api.md, Request format):
- A request is a JSON object in a text frame. Numbers keep their JSON text (the signature is
  over the values as sent): fractions are decoded as ``JsonNumber`` strings.
- ``id`` is "INT / STRING / null". Binance accepts a 64-bit integer, a string matching
  ``^[a-zA-Z0-9-_]{1,36}$`` (a UUID fits) or ``null``; anything else (a fraction, a boolean,
  an object, a 37-character string) is refused with ``id: null`` and ``-1135`` "Invalid 'id' in
  JSON request; expected an integer, a string matching '^[a-zA-Z0-9-_]{1,36}$', or null." (the
  answer Binance's WebSocket API sends; the same id rule as web-socket-streams.md, Live
  Subscribing/Unsubscribing to streams: "64-bit signed integer", "max length 36", ``null``).
- A frame that is not JSON, or not a JSON object, is ``-1135`` "Invalid JSON Request" (errors.md,
  -1135 INVALID_JSON), ``id: null``; ``params`` that is not an object is ``-1135`` "Invalid
  'params' in JSON request; expected an object.".
- These refusals happen before the request is weighed: their answers carry no ``rateLimits``
  (as Binance's envelope errors, which have none).
- A missing ``id`` is answered with ``id: null``, and unknown top-level fields are ignored
  (the documents are silent on both; UNVERIFIED).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from transports.sim.server.params import ApiError

__all__ = ["WsRequest", "JsonNumber", "read_envelope"]

_ID = re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")
_ID_MIN, _ID_MAX = -(2**63), 2**63 - 1
BAD_ID = (
    "Invalid 'id' in JSON request; expected an integer, a string matching "
    "'^[a-zA-Z0-9-_]{1,36}$', or null."
)
BAD_JSON = "Invalid JSON Request"
BAD_PARAMS = "Invalid 'params' in JSON request; expected an object."


class JsonNumber(str):
    """A JSON number with a fraction or exponent, kept as the text it was written as."""

    __slots__ = ()


# Made once: ``json.loads(text, parse_float=...)`` would build a decoder per frame.
_DECODER = json.JSONDecoder(parse_float=JsonNumber)


class EnvelopeError(ApiError):
    """A request refused before it was read; answered with ``request_id`` (null unless the
    frame had a valid id)."""

    def __init__(self, msg: str, request_id: object = None) -> None:
        super().__init__(-1135, msg, 400)
        self.request_id = request_id


class WsRequest:
    """A well-formed request: its id, method (possibly not a string) and raw params."""

    __slots__ = ("method", "params", "request_id")

    def __init__(self, request_id: object, method: object, params: dict[str, Any]) -> None:
        self.request_id = request_id
        self.method = method
        self.params = params


def valid_id(value: object) -> bool:
    """Whether ``value`` is an ``id`` Binance accepts (see the module rules)."""
    if value is None:
        return True
    if type(value) is int:
        return _ID_MIN <= value <= _ID_MAX
    return type(value) is str and _ID.match(value) is not None


def read_envelope(text: str) -> WsRequest:
    """The envelope of one request frame.

    Raises:
        EnvelopeError: ``-1135`` for malformed JSON, a bad ``id`` or non-object ``params``.
    """
    try:
        frame = _DECODER.decode(text)
    except (ValueError, RecursionError):
        raise EnvelopeError(BAD_JSON) from None
    if not isinstance(frame, dict):
        raise EnvelopeError(BAD_JSON)
    request_id = frame.get("id")
    if not valid_id(request_id):
        raise EnvelopeError(BAD_ID)
    try:
        # A frame nested past the encoder's depth or carrying a lone surrogate could not be
        # answered (its values echoed) nor signed: refuse it like malformed JSON.
        orjson.dumps(frame)
    except TypeError:
        raise EnvelopeError(BAD_JSON) from None
    params = frame.get("params")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise EnvelopeError(BAD_PARAMS, request_id)
    return WsRequest(request_id, frame.get("method"), params)
