"""What a connection asks for before its first frame: time unit, response format, the IP's limits.

Rules:
- ``timeUnit`` (WebSocket API and Streams URL) and ``X-MBX-TIME-UNIT`` (REST header) take
  ``MILLISECOND`` / ``millisecond`` / ``MICROSECOND`` / ``microsecond``; anything else is HTTP
  400 ``-1194`` "Invalid value for time unit; expected either MICROSECOND or MILLISECOND."
  (errors.md, -1194 INVALID_TIME_UNIT).
- This server has no SBE: it is an exchange where "SBE is not enabled" (faqs/sbe_faq.md, How to
  get an SBE response). REST: an ``Accept`` that takes only ``application/sbe`` is HTTP 406;
  one that also takes JSON falls back to JSON. WebSocket API: ``responseFormat=sbe`` in the URL
  (alone or with ``responseFormat=json``) is HTTP 400 before the upgrade, the body JSON with
  ``Content-Type: application/json;charset=UTF-8``. The bodies say ``-1155`` "SBE is not
  enabled." (errors.md, -1155 SBE_DISABLED).
- The server pings every ``ping_interval`` (20 s) and waits ``pong_timeout`` (a minute) for the
  pong before it disconnects (web-socket-api.md, General API Information; web-socket-streams.md,
  General WSS information), not aiohttp's ``heartbeat / 2``.
- Opening a WebSocket API connection costs 2 weight (web-socket-api.md, IP limits); an IP past
  its limit or banned is refused before the upgrade with the request's own 429 / 418 answer and
  ``Retry-After`` (the documents do not say how a refused upgrade looks; UNVERIFIED). So is an
  IP past its 300 connection attempts in 5 minutes, streams included (``limits.py``).
"""

from __future__ import annotations

from aiohttp import web

from transports.sim.errors import SimError
from transports.sim.server.time_unit import parse_time_unit
from transports.wire import encode_json

__all__ = [
    "BinanceWebSocket",
    "bad_time_unit",
    "error_response",
    "rest_accepts_json",
    "sbe_not_acceptable",
    "time_unit_refusal",
    "ws_format_refusal",
]


def bad_time_unit() -> SimError:
    return SimError(
        -1194, "Invalid value for time unit; expected either MICROSECOND or MILLISECOND.", 400
    )


def sbe_disabled() -> SimError:
    return SimError(-1155, "SBE is not enabled.", 400)


_JSON_UTF8 = "application/json;charset=UTF-8"


def error_response(exc: SimError, status: int | None = None) -> web.Response:
    """A handshake refusal: Binance's JSON error body (and ``Retry-After`` for 429 / 418)."""
    headers = {"Content-Type": _JSON_UTF8}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    body = encode_json({"code": exc.code, "msg": exc.msg})
    return web.Response(status=status or exc.http_status, body=body, headers=headers)


def time_unit_refusal(value: str | None) -> web.Response | None:
    """HTTP 400 ``-1194`` for a ``timeUnit`` that is not one of the four accepted spellings."""
    return error_response(bad_time_unit()) if parse_time_unit(value) is None else None


def ws_format_refusal(request: web.Request) -> web.Response | None:
    """HTTP 400 for a WebSocket API URL asking for anything but JSON responses."""
    formats = request.query.getall("responseFormat", [])
    if any(f != "json" for f in formats):
        return error_response(sbe_disabled())
    return None


def rest_accepts_json(accept: str | None) -> bool:
    """False when ``Accept`` names ``application/sbe`` and nothing JSON can satisfy."""
    if accept is None or "application/sbe" not in accept:
        return True
    kinds = {part.split(";")[0].strip() for part in accept.split(",")}
    return bool(kinds & {"application/json", "application/*", "*/*"})


def sbe_not_acceptable() -> web.Response:
    """REST's answer to ``Accept: application/sbe`` alone on an exchange without SBE."""
    return error_response(sbe_disabled(), 406)


class BinanceWebSocket(web.WebSocketResponse):
    """aiohttp's WebSocket response pinging every ``ping_interval`` and waiting ``pong_timeout``
    for each pong (aiohttp waits ``heartbeat / 2``: 10 s where Binance waits a minute)."""

    def __init__(self, ping_interval: float, pong_timeout: float, *, autoping: bool = True) -> None:
        # Any frame received, a pong included, counts as the answer: aiohttp resets its
        # heartbeat on data, with or without ``autoping``.
        super().__init__(heartbeat=ping_interval, autoping=autoping)
        self._pong_heartbeat = pong_timeout
