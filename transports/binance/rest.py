"""The signed REST client: typed answers, typed errors, over oms's lean HTTP/1.1 client.

Rules:
- Requests go through ``http1.HttpClient`` (keep-alive connections to the one REST origin),
  or aiohttp's client with ``rest_http=aiohttp``. The ``aiohttp.ClientSession`` of
  ``session()`` also opens the WebSocket API connections (``ws_api.py``).
- Parameters come from ``oms.wire.requests`` ``.params()`` (Decimals already through
  ``to_wire``); the transport adds ``recvWindow`` and ``timestamp`` and signs.
- Signing (rest-api.md, "SIGNED Endpoint security"): percent-encode, sign ``query + body``
  with no separator, and send exactly the signed bytes: the target is sent pre-encoded.
  Every method sends its parameters in the query string and no body (rest-api.md,
  "General Information on Endpoints": POST, PUT and DELETE may send them "as a query
  string or in the request body"): one write per request, and on aiohttp a body costs a
  writer task and a loop turn per request on Python < 3.12.
- Answers decode with ``oms.wire.decoding.decode_body`` into ``oms.wire.rest`` Structs
  (never orjson).
- Errors: only ``oms.errors`` types leave this module; no aiohttp or asyncio exception does
  (``errors.py`` holds the mapping). A connection that could not be opened in time, or
  a deadline that passed before the request was written, is ``Disconnected`` (nothing
  was sent); a timeout or drop after sending is ``OutcomeUnknown``. An error is raised
  outside the handler of the HTTP client's error (aiohttp's texts hold the signed URL).
- ``-1021`` (the timestamp was outside ``recvWindow``: the request did not execute,
  rest-api.md "Timing security") re-measures the clock and retries once.
- Every request passes the shared ``RateGovernor`` first and reports its headers back.
- Logs name method, path, status and timing only: never the query, body, key or signature.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import msgspec
from yarl import URL

from oms.errors import (
    ClockSkewError,
    DecodeError,
    Disconnected,
    IpBanned,
    LocalError,
    OmsError,
    OutcomeUnknown,
    RateLimited,
)
from oms.wire.decoding import decode_body
from oms.wire.requests import Params
from oms.wire.rest import ServerTime
from transports.binance.clock import ServerClock
from transports.binance.config import BinanceConfig, RestHttp
from transports.binance.deadlines import Deadlines
from transports.binance.errors import RequestMeta, error_from_response, retry_after_s
from transports.binance.governor import RateGovernor
from transports.binance.http1 import AnswerLost, ConnectFailed, HttpAnswer, HttpClient
from transports.binance.signing import quote_value, rest_payload

__all__ = [
    "Empty",
    "RestClient",
    "decode_answer",
    "retry_after_skew",
    "wait_turn",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Empty(msgspec.Struct, frozen=True):
    """An answer whose content we do not use (``{}`` from ``POST /api/v3/order/test``)."""


class RestClient:
    """Binance Spot REST under ``config.rest_url`` (which ends in ``/api``)."""

    def __init__(self, config: BinanceConfig, clock: ServerClock, governor: RateGovernor) -> None:
        self._config = config
        self._clock = clock
        self._governor = governor
        self._base = config.rest_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._http = HttpClient(self._base, connect_timeout_s=config.request_timeout_s)
        self._lean = config.rest_http is RestHttp.OMS
        self._closed = False
        self._deadlines = Deadlines(config.request_timeout_s)
        # Per request: no total (``_deadlines`` keeps it), a connect timeout when a new
        # connection is opened (nothing was sent: ``Disconnected``).
        self._timeout = aiohttp.ClientTimeout(total=None, connect=config.request_timeout_s)
        self._total_timeout = aiohttp.ClientTimeout(total=config.request_timeout_s)

    def session(self) -> aiohttp.ClientSession:
        """The one session of this client (created on first use, inside the event loop)."""
        if self._closed:
            raise Disconnected("the client is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._total_timeout, raise_for_status=False
            )
        return self._session

    async def close(self) -> None:
        self._closed = True
        self._deadlines.close()
        await self._http.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- public (unsigned) --------------------------------------------------------------

    async def public(self, path: str, params: Params, shape: type[T], *, weight: int) -> T:
        """A ``GET`` of a public endpoint, e.g. ``/v3/time``.

        Raises:
            RemoteError, RateLimited, IpBanned, OutcomeUnknown, Disconnected, DecodeError.
        """
        meta = RequestMeta(method="GET", path=path)
        await self._wait_turn(meta, weight, 0)
        answer = await self._exchange(meta, rest_payload(params), weight=weight)
        return self._decode(answer, shape, meta)

    async def server_time(self) -> int:
        """``GET /api/v3/time`` (rest-api.md, "Check server time"), the raw server clock;
        weight 1."""
        answer = await self.public("/v3/time", [], ServerTime, weight=1)
        return answer.server_time

    async def sync_clock(self, *, force: bool = False) -> None:
        await self._clock.sync(self.server_time, force=force)

    async def fresh_clock(self, label: str) -> None:
        """Re-measure a stale server clock before a signed request is stamped.

        Raises:
            RateLimited, Disconnected: ``/time`` could not be asked; the request was not sent.
        """
        try:
            await self.sync_clock()
        except (RateLimited, Disconnected):
            raise
        except OmsError as exc:
            # Nothing of this request has left yet: whatever /time did, it is not unknown.
            raise Disconnected(f"{label} not sent: server clock unavailable ({exc})") from None

    # --- signed ---------------------------------------------------------------------------

    async def signed(
        self,
        method: str,
        path: str,
        params: Params,
        shape: type[T],
        *,
        weight: int,
        orders: int = 0,
    ) -> T:
        """A SIGNED request (TRADE / USER_DATA, rest-api.md "Request Security"), retried once
        after ``-1021``.

        Raises:
            LocalError: no API key is configured.
            RemoteError: Binance refused (typed by code: ``NewOrderRejected``, ``AuthError``...).
            RateLimited, IpBanned: 429 / 418, or the governor would have to wait too long.
            OutcomeUnknown: sent, and may have executed (5xx, -1006, -1007, timeout, drop,
                or an unreadable answer to an order or cancel).
            Disconnected: the connection could not be opened; nothing was sent.
            DecodeError: a read's answer is not the expected JSON.
        """
        return await retry_after_skew(
            f"{method} {path}",
            lambda: self._signed_once(method, path, params, shape, weight=weight, orders=orders),
            self.sync_clock,
        )

    async def _signed_once(
        self, method: str, path: str, params: Params, shape: type[T], *, weight: int, orders: int
    ) -> T:
        config = self._config
        if config.api_key is None or config.signer is None:
            raise LocalError(
                f"{method} {path} is SIGNED: configure OMS_API_KEY and a secret or key"
            )
        if self._clock.is_stale():  # the common case skips the clock's lock
            await self.fresh_clock(f"{method} {path}")
        # Wait for the rate governor BEFORE stamping: a request held for seconds must not
        # leave with a timestamp already older than its recvWindow (rest-api.md, "Timing
        # security").
        await self._wait_turn(RequestMeta(method=method, path=path), weight, orders)
        timestamp = self._clock.now_ms()
        payload = rest_payload(
            [*params, ("recvWindow", str(config.recv_window_ms)), ("timestamp", str(timestamp))]
        )
        signature = config.signer.sign(payload)
        # One urlencode: the signature alone is quoted (hex needs nothing, Ed25519's base64
        # its '+', '/' and '='), exactly as urlencode would.
        signed = payload + "&signature=" + quote_value(signature)
        meta = RequestMeta(
            method=method,
            path=path,
            mutating=method != "GET",
            request_time_ms=timestamp,
            recv_window_ms=config.recv_window_ms,
            secrets=(signature, config.api_key.reveal()),
        )
        answer = await self._exchange(
            meta, signed, weight=weight, orders=orders, api_key=config.api_key.reveal()
        )
        return self._decode(answer, shape, meta)

    # --- the wire -------------------------------------------------------------------------

    async def _exchange(
        self,
        meta: RequestMeta,
        query: str,
        *,
        weight: int,
        orders: int = 0,
        api_key: str | None = None,
    ) -> HttpAnswer:
        # The caller has waited its turn (``_wait_turn``) in this same loop turn: nothing
        # was sent in between, so the governor's answer cannot have changed.
        target = meta.path + ("?" + query if query else "")
        headers = {"X-MBX-APIKEY": api_key} if api_key else {}
        self._governor.reserve(weight, orders)
        answer: HttpAnswer | None = None
        started = time.perf_counter()
        try:
            if self._lean:
                answer = await self._send(meta, target, headers)
            else:
                answer = await self._send_aiohttp(
                    meta, URL(self._base + target, encoded=True), headers
                )
        finally:
            self._governor.settle(weight, orders, answer.headers if answer else None)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s -> HTTP %d in %.1f ms (weight %s used %s)",
                meta.label,
                answer.status,
                (time.perf_counter() - started) * 1000,
                weight,
                answer.headers.get("x-mbx-used-weight-1m", "?"),
            )
        if answer.status in (429, 418):
            self._governor.block(
                retry_after_s(answer.status, answer.headers), banned=answer.status == 418
            )
        if not 200 <= answer.status < 300:
            raise error_from_response(
                answer.status, answer.headers, answer.body, meta, answer.content_type
            )
        return answer

    async def _send(self, meta: RequestMeta, target: str, headers: dict[str, str]) -> HttpAnswer:
        # The request's deadline is kept by ``Deadlines`` (one timer for all requests); the
        # HTTP client keeps only the connect timeout, when a new connection is opened.
        if self._closed:
            raise Disconnected("the client is closed")
        http = self._http
        task = self._deadlines.start()
        written = False
        try:
            conn = http.take() or await http.connect()
            written = True  # from here on the request may have been written
            return await http.send(conn, meta.method, target, headers)
        except asyncio.CancelledError:
            if not self._deadlines.finish(task) or task is None or task.cancelling():
                raise  # the caller's cancellation, not (only) our deadline
            if not written:  # the deadline passed waiting for, or opening, a connection
                log.warning("%s: no connection within the deadline", meta.label)
                raise Disconnected(f"{meta.label}: no connection within the deadline") from None
            raise self._timed_out(meta) from None
        except ConnectFailed as exc:
            # The connection was never opened: the request certainly did not execute.
            log.warning("%s: cannot connect (%s)", meta.label, exc)
            raise Disconnected(f"{meta.label}: cannot connect ({exc})") from None
        except AnswerLost as exc:
            log.warning("%s: connection failed after sending (%s)", meta.label, exc)
            raise meta.unknown(f"connection failed after sending ({exc})") from None
        finally:
            self._deadlines.finish(task)

    async def _send_aiohttp(
        self, meta: RequestMeta, url: URL, headers: dict[str, str]
    ) -> HttpAnswer:
        # The request's deadline is kept by ``Deadlines`` (one timer for all requests);
        # aiohttp keeps only the connect timeout, when a new connection is opened.
        task = self._deadlines.start()
        failure: OmsError
        try:
            async with self.session().request(
                meta.method,
                url,
                headers=headers,
                allow_redirects=False,
                timeout=self._timeout if task is not None else self._total_timeout,
            ) as resp:
                raw = await resp.read()
                return HttpAnswer(
                    resp.status,
                    {k.lower(): v for k, v in resp.headers.items()},
                    raw,
                    resp.content_type,
                )
        except asyncio.CancelledError:
            if not self._deadlines.finish(task) or task is None or task.cancelling():
                raise  # the caller's cancellation, not (only) our deadline
            failure = self._timed_out(meta)
        except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as exc:
            # The connection was never opened: the request certainly did not execute.
            log.warning("%s: cannot connect (%s)", meta.label, type(exc).__name__)
            failure = Disconnected(f"{meta.label}: cannot connect ({type(exc).__name__})")
        except TimeoutError:
            failure = self._timed_out(meta)
        except aiohttp.ClientError as exc:
            log.warning("%s: connection failed after sending (%s)", meta.label, type(exc).__name__)
            failure = meta.unknown(f"connection failed after sending ({type(exc).__name__})")
        finally:
            self._deadlines.finish(task)
        # Raised outside the handlers: aiohttp's errors hold the URL, signature and all, and
        # would stay reachable as the __context__ even of an error raised "from None".
        raise failure

    def _timed_out(self, meta: RequestMeta) -> OutcomeUnknown:
        log.warning("%s: no answer within %.1f s", meta.label, self._config.request_timeout_s)
        return meta.unknown(f"no answer within {self._config.request_timeout_s:g} s")

    async def _wait_turn(self, meta: RequestMeta, weight: int, orders: int) -> None:
        await wait_turn(self._governor, self._config.max_rate_wait_s, meta.label, weight, orders)

    def _decode(self, answer: HttpAnswer, shape: type[T], meta: RequestMeta) -> T:
        return decode_answer(
            answer.body,
            shape,
            meta,
            status=answer.status,
            headers=answer.headers,
            content_type=answer.content_type,
        )


async def retry_after_skew(
    label: str, once: Callable[[], Awaitable[T]], sync_clock: Callable[..., Awaitable[None]]
) -> T:
    """``once()``, retried once after ``-1021`` with the server clock re-measured (the
    refusal means the request did not execute: rest-api.md and web-socket-api.md, "Timing
    security").

    Raises:
        ClockSkewError: the retry was refused too, or the clock could not be re-measured.
    """
    for attempt in (1, 2):
        try:
            return await once()
        except ClockSkewError as skew:
            if attempt == 2:
                raise
            log.info("%s: -1021, re-measuring the server clock and retrying once", label)
            try:
                await sync_clock(force=True)
            except OmsError:
                # The -1021 refusal stands (it did not execute); a failed re-sync must
                # not turn it into an unknown outcome.
                raise skew from None
    raise AssertionError("unreachable")  # pragma: no cover


async def wait_turn(
    governor: RateGovernor, max_wait_s: float, label: str, weight: int, orders: int
) -> None:
    """Wait until the governor lets a request of this weight (and order count) go.

    Raises:
        RateLimited, IpBanned: the wait would exceed ``max_wait_s``.
    """
    while (delay := governor.delay_s(weight, orders)) > 0:
        if delay > max_wait_s:
            cls = IpBanned if governor.banned else RateLimited
            raise cls(f"{label}: held by the rate governor for {delay:.1f} s", retry_after=delay)
        log.info("%s: rate governor holds the request for %.3f s", label, delay)
        await asyncio.sleep(delay)


def decode_answer(
    body: bytes,
    shape: type[T],
    meta: RequestMeta,
    *,
    status: int,
    headers: dict[str, str],
    content_type: str = "application/json",
) -> T:
    """A 2xx answer's body as ``shape``; an unreadable one is the error ``errors.py`` names
    (``OutcomeUnknown`` for a request that changes state, ``DecodeError`` for a read).

    Raises:
        DecodeError, OutcomeUnknown, RemoteError.
    """
    try:
        if content_type != "application/json":
            # Binance answers JSON only; anything else is a proxy's or a broken
            # server's page, however well it might happen to parse.
            raise DecodeError(f"content type {content_type!r}", raw=body)
        return decode_body(body, shape)
    except DecodeError as exc:
        err = error_from_response(status, headers, body, meta, content_type)
        if isinstance(err, DecodeError):  # a read: say where the body went wrong
            where = f" at {exc.field}" if exc.field else ""
            err = DecodeError(f"{err.reason}: {exc.reason}{where}", raw=body, field=exc.field)
        raise err from None
