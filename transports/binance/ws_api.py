"""Orders over the WebSocket API: one persistent connection, answers matched to requests by id.

Rules (web-socket-api.md, "General API Information", "Request format", "Response format"):
- Opt-in (``BinanceConfig.order_api``): ``BinanceClient`` sends ``order.place``,
  ``order.test``, ``order.cancel`` and ``order.status`` here; everything else stays REST.
- Its own connection, not the user-data stream's: a stream reconnect (backoff, resubscribe)
  never holds an order, a dropped order connection never costs the stream a gap, and each
  connection has one reader.
- Every request is SIGNED on its own (web-socket-api.md, "SIGNED request security": params
  sorted, not percent-encoded, ``apiKey`` inside; ``signing.ws_payload``), stamped after the
  governor's wait; with an Ed25519 key the connection logs on once instead (web-socket-api.md,
  "Session Authentication": ``session.logon``, Ed25519 only) and requests carry only their
  ``timestamp``; a session the server revokes (``{"id": null, "status": 401}``) is replaced.
- Same outcomes as REST (``rest.py``): a 2xx ``result`` decodes into the REST answer's
  ``oms.wire.rest`` shape (the WS API answers "with the same fields", web-socket-api.md,
  "Trading requests"); an ``error`` and its ``status`` go through
  ``errors.error_from_response`` like an HTTP answer (5xx, -1006, -1007: unknown); the
  answer's ``rateLimits`` settle the shared ``RateGovernor``; ``-1021`` re-measures the
  clock and retries once.
- Unknown is not failed: a request whose frame was handed to the socket and whose answer
  does not come (its deadline passed, the connection dropped, the client closed) raises
  ``OutcomeUnknown``; one that never left (cannot connect, the send failed) is
  ``Disconnected``. Nothing is ever resent.
- Ids are a counter never reused in the client's life; an answer for an id no longer
  waited for is dropped and counted (``late_answers``), never matched to another request.
- The lifecycle DISCONNECTED -> CONNECTING -> OPEN -> ... -> CLOSED is declared as data for
  ``transitions`` (``LIFECYCLE``, ``machine()``); the channel moves through ``NEXT``, the
  table compiled from it (a property test proves the two agree). It connects on the first
  request, reconnects on the next request after a drop, and retires a connection that is
  older than ``stream_max_age_s`` (web-socket-api.md, "General API Information": 24 h),
  announced ``serverShutdown`` (web-socket-api.md, "Connection events") or answered a 5xx
  (web-socket-api.md, "Status codes") at the next request that finds it idle. Pings are
  answered by aiohttp (``autoping``).
- Logs name the method and the outcome, never the key, the signature or the params.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from enum import StrEnum
from typing import Any, TypeVar

import aiohttp
import msgspec

from oms.errors import (
    AuthError,
    ClockSkewError,
    Disconnected,
    IpBanned,
    LocalError,
    OmsError,
    OutcomeUnknown,
    RateLimited,
)
from oms.wire.requests import Params
from oms.wire.rest import RateLimitCount
from transports.binance.clock import ServerClock
from transports.binance.config import BinanceConfig
from transports.binance.deadlines import Deadlines
from transports.binance.errors import RequestMeta, WsError, error_from_response, ws_retry_after_s
from transports.binance.governor import WEIGHTS, RateGovernor
from transports.binance.rest import Empty, RestClient, decode_answer, retry_after_skew, wait_turn
from transports.binance.signing import KeyType, ws_payload
from transports.binance.stream import lifecycle_machine
from transports.wire import encode_json

__all__ = ["LIFECYCLE", "NEXT", "ApiState", "WsApiClient", "machine"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class ApiState(StrEnum):
    DISCONNECTED = "DISCONNECTED"
    CONNECTING = "CONNECTING"
    OPEN = "OPEN"
    CLOSED = "CLOSED"


A = ApiState
# The connection lifecycle as data: (trigger, sources, destination).
LIFECYCLE: tuple[tuple[str, tuple[ApiState, ...], ApiState], ...] = (
    ("connect", (A.DISCONNECTED,), A.CONNECTING),
    ("connected", (A.CONNECTING,), A.OPEN),
    ("lost", (A.CONNECTING, A.OPEN), A.DISCONNECTED),  # connect failed, or a drop
    ("retire", (A.OPEN,), A.DISCONNECTED),  # too old, or serverShutdown: reconnect
    ("close", (A.DISCONNECTED, A.CONNECTING, A.OPEN), A.CLOSED),
)
# The table the channel runs: (state, trigger) -> next state.
NEXT: dict[tuple[ApiState, str], ApiState] = {
    (source, trigger): dest for trigger, sources, dest in LIFECYCLE for source in sources
}


class _Model:
    state: ApiState


def machine() -> tuple[Any, _Model]:
    """A ``transitions`` machine of ``LIFECYCLE`` and its model (the formal definition)."""
    model = _Model()
    built = lifecycle_machine(model, ApiState, LIFECYCLE)
    return built, model


class _Answer(msgspec.Struct, frozen=True):
    """A WS API frame: an answer (web-socket-api.md, "Response format") or an event."""

    id: int | str | None = None
    status: int | None = None
    # Raw, empty when absent (msgspec takes no ``Raw | None``).
    result: msgspec.Raw = msgspec.Raw()
    error: msgspec.Raw = msgspec.Raw()
    rate_limits: list[RateLimitCount] | None = msgspec.field(default=None, name="rateLimits")
    event: msgspec.Raw = msgspec.Raw()


_ANSWER = msgspec.json.Decoder(_Answer)
_ERROR = msgspec.json.Decoder(WsError)
# web-socket-api.md, "Connection events": the server is about to close this connection.
_SHUTDOWN = b'"serverShutdown"'


# A refused session.logon that is an answer in itself (the others become ``Disconnected``).
_LOGON_REFUSALS = (AuthError, ClockSkewError, RateLimited, IpBanned)


class _DroppedError(Exception):
    """The connection ended with the request's answer outstanding (``reason``: no secrets)."""


class WsApiClient:
    """Signed requests over one WebSocket API connection, opened on first use."""

    def __init__(
        self, config: BinanceConfig, rest: RestClient, clock: ServerClock, governor: RateGovernor
    ) -> None:
        self._config = config
        self._rest = rest
        self._clock = clock
        self._governor = governor
        self._deadlines = Deadlines(config.request_timeout_s)
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[_Answer]] = {}
        self._lock = asyncio.Lock()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._opened_s = 0.0
        self._retire_why: str | None = None  # why the connection should be replaced
        self._closed = False
        self._logged_on = False  # the open connection's session.logon succeeded
        self.state = A.DISCONNECTED
        self.connects = 0
        self.logons = 0  # session.logon answered 200 (Ed25519 keys)
        self.late_answers = 0  # answers for ids nobody waits for any more (dropped)

    @property
    def retire_reason(self) -> str | None:
        """Why the open connection will be replaced at the next idle request, if it will."""
        return self._retire_why

    def __repr__(self) -> str:
        return f"WsApiClient({self._config.ws_api_url!r}, {self.state.value})"

    # --- requests -----------------------------------------------------------------------

    async def signed(
        self,
        method: str,
        params: Params,
        shape: type[T],
        *,
        weight: int,
        orders: int = 0,
        mutating: bool,
    ) -> T:
        """A SIGNED request (web-socket-api.md, "Request security"), retried once after
        ``-1021``.

        Raises:
            LocalError: no API key is configured.
            RemoteError: Binance refused (typed by code, as over REST).
            RateLimited, IpBanned: 429 / 418, or the governor would have to wait too long.
            OutcomeUnknown: sent, and may have executed (5xx, -1006, -1007, no answer
                before the deadline, the connection dropped, an unreadable answer to a
                request that changes state).
            Disconnected: not sent (cannot connect, the send failed, the client closed).
            DecodeError: a read's answer is not the expected JSON.
        """
        return await retry_after_skew(
            method,
            lambda: self._signed_once(method, params, shape, weight, orders, mutating),
            self._rest.sync_clock,
        )

    async def _signed_once(  # noqa: PLR0917
        self,
        method: str,
        params: Params,
        shape: type[T],
        weight: int,
        orders: int,
        mutating: bool,
    ) -> T:
        config = self._config
        if config.api_key is None or config.signer is None:
            raise LocalError(f"{method} is SIGNED: configure OMS_API_KEY and a secret or key")
        if self._clock.is_stale():
            await self._rest.fresh_clock(method)
        # The governor's wait BEFORE stamping (web-socket-api.md, "Timing security").
        await wait_turn(self._governor, config.max_rate_wait_s, method, weight, orders)
        ws = await self._connection()
        signed, meta = self._stamp(method, params, mutating, sign=not self._logged_on)
        answer = await self._call(ws, method, signed, meta, weight, orders)
        return self._outcome(answer, shape, meta)

    def _stamp(
        self, method: str, params: Params, mutating: bool, *, sign: bool
    ) -> tuple[dict[str, str | int], RequestMeta]:
        """The request's params, stamped now, signed unless the session is logged on
        (web-socket-api.md, "Session Authentication": no ``apiKey`` nor ``signature`` then,
        a ``timestamp`` still)."""
        config = self._config
        assert config.api_key is not None and config.signer is not None  # checked by callers
        key = config.api_key.reveal()
        signed: dict[str, str | int] = dict(params)
        signed["recvWindow"] = config.recv_window_ms
        signed["timestamp"] = timestamp = self._clock.now_ms()
        secrets: tuple[str, ...] = (key,)
        if sign:
            signed["apiKey"] = key
            signed["signature"] = signature = config.signer.sign(ws_payload(signed))
            secrets = (signature, key)
        meta = RequestMeta(
            method="WS",
            path=method,
            mutating=mutating,
            request_time_ms=timestamp,
            recv_window_ms=config.recv_window_ms,
            secrets=secrets,
        )
        return signed, meta

    async def _call(  # noqa: PLR0917
        self,
        ws: aiohttp.ClientWebSocketResponse,
        method: str,
        params: dict[str, str | int],
        meta: RequestMeta,
        weight: int,
        orders: int,
    ) -> _Answer:
        request_id = next(self._ids)
        frame = encode_json({"id": request_id, "method": method, "params": params})
        answer: _Answer | None = None
        self._governor.reserve(weight, orders)
        try:
            answer = await self._exchange(ws, request_id, frame, meta)
        finally:
            self._governor.settle_counts(weight, orders, answer.rate_limits if answer else None)
        return answer

    async def _exchange(
        self, ws: aiohttp.ClientWebSocketResponse, request_id: int, frame: bytes, meta: RequestMeta
    ) -> _Answer:
        if ws is not self._ws:  # dropped while the governor held the request
            raise Disconnected(f"{meta.label}: not sent (the connection dropped)")
        future: asyncio.Future[_Answer] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        task = self._deadlines.start()
        try:
            try:
                await ws.send_frame(frame, aiohttp.WSMsgType.TEXT)
            except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
                self._pending.pop(request_id, None)
                raise self._send_failed(meta, exc) from None
            return await future
        except asyncio.CancelledError:
            self._pending.pop(request_id, None)  # abandoned: a late answer is dropped
            if not self._deadlines.finish(task) or task is None or task.cancelling():
                raise  # the caller's cancellation, not (only) our deadline
            timeout = self._config.request_timeout_s
            log.warning("%s: no answer within %.1f s", meta.label, timeout)
            raise meta.unknown(f"no answer within {timeout:g} s") from None
        except _DroppedError as dropped:
            log.warning("%s: connection lost after sending (%s)", meta.label, dropped)
            raise meta.unknown(f"connection lost after sending ({dropped})") from None
        finally:
            self._deadlines.finish(task)

    @staticmethod
    def _send_failed(meta: RequestMeta, exc: BaseException) -> Disconnected | OutcomeUnknown:
        """aiohttp refuses a frame for a closing transport before writing any of it
        (``ClientConnectionResetError("Cannot write to closing transport")``): not sent.
        Anything else may come after the frame was written (the drain): unknown."""
        kind = type(exc).__name__
        if isinstance(exc, aiohttp.ClientConnectionResetError) and str(exc).startswith(
            "Cannot write"
        ):
            log.warning("%s: not sent (%s)", meta.label, kind)
            return Disconnected(f"{meta.label}: not sent ({kind}: the connection is closing)")
        log.warning("%s: the send failed (%s)", meta.label, kind)
        return meta.unknown(f"the send failed ({kind})")

    def _outcome(self, answer: _Answer, shape: type[T], meta: RequestMeta) -> T:
        status = answer.status or 0
        if 200 <= status < 300 and answer.result:
            return decode_answer(bytes(answer.result), shape, meta, status=status, headers={})
        body = bytes(answer.error)
        headers: dict[str, str] = {}
        if status >= 500:
            # web-socket-api.md, "Status codes": after a 5xx "you might also want to
            # establish a new WebSocket connection".
            self._retire_why = f"status {status}"
        if status in (429, 418):
            # web-socket-api.md, "Rate limits": the wait is data.retryAfter (epoch ms), not
            # a Retry-After header; the governor holds every request until then.
            wait = self._retry_after(body)
            if wait is not None:
                headers["retry-after"] = f"{wait:.3f}"
                self._governor.block(wait, banned=status == 418)
        raise error_from_response(status, headers, body, meta)

    def _retry_after(self, body: bytes) -> float | None:
        try:
            return ws_retry_after_s(_ERROR.decode(body), self._clock.now_ms())
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None

    # --- the connection -------------------------------------------------------------------

    async def _connection(self) -> aiohttp.ClientWebSocketResponse:
        ws = self._ws
        if ws is not None and not self._due():
            return ws
        async with self._lock:
            ws = self._ws
            if ws is not None and self._due() and not self._pending:
                await self._retire(ws)
                ws = None
            return ws if ws is not None else await self._open()

    def _due(self) -> bool:
        """Whether the open connection should be replaced (too old, or shutting down)."""
        age = time.monotonic() - self._opened_s
        return self._retire_why is not None or age >= self._config.stream_max_age_s

    async def _retire(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        why = self._retire_why or "its maximum age"
        log.info("WS API: replacing the connection (%s)", why)
        self._ws = None
        self._move("retire")
        await ws.close()

    async def _open(self) -> aiohttp.ClientWebSocketResponse:
        if self._closed:
            raise Disconnected("the client is closed")
        self._move("connect")
        try:
            await wait_turn(
                self._governor, self._config.max_rate_wait_s, "WS connect", WEIGHTS["WS connect"], 0
            )
            self._governor.reserve(WEIGHTS["WS connect"])
            self._governor.settle(WEIGHTS["WS connect"])
            ws = await self._rest.session().ws_connect(
                self._config.ws_api_url,
                autoping=True,
                timeout=aiohttp.ClientWSTimeout(ws_close=self._config.stream_status_timeout_s),
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._move("lost")
            log.warning("WS API: cannot connect (%s)", type(exc).__name__)
            raise Disconnected(f"WS API: cannot connect ({type(exc).__name__})") from None
        except BaseException:
            self._move("lost")
            raise
        if self._closed:  # closed while connecting
            await ws.close()
            raise Disconnected("the client is closed")
        self._move("connected")
        self.connects += 1
        self._ws, self._opened_s, self._retire_why = ws, time.monotonic(), None
        self._reader = asyncio.create_task(self._read(ws))
        self._logged_on = False
        log.info("WS API: connected")
        signer = self._config.signer
        if signer is not None and signer.key_type is KeyType.ED25519:
            await self._logon(ws)
        return ws

    async def _logon(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """``session.logon`` (web-socket-api.md, "Log in with API key": Ed25519 keys only):
        later requests on this connection carry no ``apiKey`` nor ``signature``.

        Raises:
            AuthError, ClockSkewError, RateLimited, IpBanned: refused (the connection is
                closed; -1021 is retried by ``signed`` on a new one).
            Disconnected: any other failure; the request that opened the connection was
                not sent.
        """
        params, meta = self._stamp("session.logon", [], False, sign=True)
        try:
            answer = await self._call(ws, "session.logon", params, meta, WEIGHTS["WS request"], 0)
            self._outcome(answer, Empty, meta)
        except BaseException as exc:
            await ws.close()
            if isinstance(exc, OmsError) and not isinstance(exc, _LOGON_REFUSALS):
                raise Disconnected(f"WS API: session.logon failed ({exc}); not sent") from None
            raise
        self._logged_on = True
        self.logons += 1
        log.info("WS API: session logged on")

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Hand every answer to its request until the connection ends, then fail the
        requests still waiting on it (their outcome is unknown)."""
        reason = "closed"
        try:
            while True:
                msg = await ws.receive()
                if msg.type is aiohttp.WSMsgType.TEXT:
                    self._deliver(msg.data)
                elif msg.type is not aiohttp.WSMsgType.BINARY:
                    reason = f"{msg.type.name}, code {ws.close_code}"
                    break
        except Exception as exc:  # whatever ended the reader, its requests end unknown
            reason = f"reader failed ({type(exc).__name__})"
        finally:
            if self._ws is ws:
                self._ws = None
                self._move("lost")
                log.info("WS API: connection lost (%s)", reason)
            pending, self._pending = self._pending, {}
            for future in pending.values():
                if not future.done():
                    future.set_exception(_DroppedError(reason))

    def _deliver(self, text: str) -> None:
        try:
            answer = _ANSWER.decode(text)
        except (msgspec.DecodeError, msgspec.ValidationError):
            # Nothing to match it to: its request (if any) ends at its deadline, unknown.
            log.warning("WS API: unreadable frame (%d chars) dropped", len(text))
            return
        if answer.event:
            if _SHUTDOWN in bytes(answer.event):
                self._retire_why = "serverShutdown"
            return
        if answer.id is None and (answer.status or 0) >= 400:
            # web-socket-api.md, "Session Authentication": a key that became invalid ends
            # the session with {"id": null, "status": 401, ...}; log on again afresh.
            self._retire_why = "session revoked"
            log.warning("WS API: the server ended the session (status %s)", answer.status)
            return
        future = self._pending.pop(answer.id, None) if isinstance(answer.id, int) else None
        if future is None or future.done():
            self.late_answers += 1
            log.info("WS API: answer for id %r that nobody waits for, dropped", answer.id)
            return
        future.set_result(answer)

    def _move(self, trigger: str) -> None:
        if self.state is not A.CLOSED:
            self.state = NEXT[self.state, trigger]

    async def close(self) -> None:
        """Close the connection; requests still waiting end as ``OutcomeUnknown``."""
        self._move("close")
        self._closed = True
        self._deadlines.close()
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            await self._reader
