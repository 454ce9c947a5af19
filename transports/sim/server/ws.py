"""The WebSocket API face of the local Binance server (``/ws-api/v3``) and its user-data hub.

Rules (rest-api.md, General API Information, rest-api.md, Request Security, user-data-stream.md,
Order Update, errors.md, rest-api.md, LIMITS):
- A request is ``{"id", "method", "params"}``; the answer is ``{"id", "status", "result"}``
  or ``{"id", "status", "error": {"code", "msg"[, "data"]}}``, with ``rateLimits`` unless
  the connection or the request said ``returnRateLimits=false``. Malformed frames, bad ids
  and non-object params are refused by ``envelope.py`` (-1135, no ``rateLimits``); a refused
  placement's answer also carries the ORDERS counts (web-socket-api.md, Response format).
- The upgrade is refused (``handshake.py``) for a bad ``timeUnit`` (-1194), SBE
  (``responseFormat=sbe``: not enabled), and an IP over its connection attempts, over its
  weight or banned; a 418 answer closes the connection (web-socket-api.md, IP limits).
- Signing follows the WebSocket rule: params sorted by name, ``k=v&...``, not percent-encoded,
  over the values *as sent* (numbers keep their JSON text). ``session.logon`` takes Ed25519
  keys only (another key's logon is -1022); after it, requests may omit ``apiKey`` and
  ``signature``, and an explicit pair overrides the session for that request.
- User data: ``userDataStream.subscribe`` (after logon) or ``.subscribe.signature`` (any
  key type); at most one subscription per account per connection, 1,000 active and 65,535
  over the connection's life (web-socket-api.md, User Data Stream subscription); events are
  pushed as ``{"subscriptionId": N, "event": {...}}`` in the order the exchange produced
  them, each action's events as one batch through the account's ``FaultInjector`` when
  faults are on. A dropped connection loses its events: nothing is ever replayed.
- The hub is the exchange's audience: an account's events are built only while a
  connection is subscribed to it (or faults are on: the injectors then see every event,
  as they always did), so an order nobody listens to costs no reports and no flush.
- A ping frame every ``ping_interval``, a pong due within ``pong_timeout``; the connection is
  closed after ``max_connection_age``; ``{"event": {"e": "serverShutdown", ...}}`` goes to
  every connection before the server shuts down.
- One writer task per connection sends every frame, so responses and events never
  interleave mid-frame and keep their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

import msgspec
import orjson
from aiohttp import WSMsgType, web

from oms.wire.events import EventStreamTerminated, ServerShutdown, UserDataEvent
from transports.sim.errors import SimError
from transports.sim.faults import FaultInjector, RequestFault
from transports.sim.server import account as account_calls
from transports.sim.server.auth import Credential, bad_signature
from transports.sim.server.core import FaultAfterExecutionError, ServerState, per_account_faults
from transports.sim.server.envelope import EnvelopeError, read_envelope
from transports.sim.server.handshake import (
    BinanceWebSocket,
    error_response,
    time_unit_refusal,
    ws_format_refusal,
)
from transports.sim.server.outbox import Outbox
from transports.sim.server.params import (
    ApiError,
    Params,
    new_order_from_params,
    query_from_params,
)
from transports.sim.server.rest import _cancel as rest_cancel
from transports.sim.server.time_unit import micro, parse_time_unit
from transports.sim.server.ws_values import loose_value
from transports.wire import encode_json

__all__ = ["Connection", "EventHub", "WsApi"]

# What a method returns: the result, the account it acted for, whether it placed an order.
Outcome = tuple[object, str | None, bool]
Method = Callable[["WsApi", "Connection", Params, dict[str, str]], Outcome]

_SESSION_WEIGHT = 2
_TIMEOUT_MSG = (
    "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown."
)
_MALFORMED = "A mandatory parameter was not sent, was empty/null, or malformed."
_UNKNOWN_MSG = "An unknown error occurred while processing the request."
_UNAUTHORIZED = "You are not authorized to execute this request."
# Refusals that came before the request's account was known: no ORDERS counts in the answer.
_NOT_AUTHENTICATED = frozenset({-1002, -1003, -1021, -1022, -2014, -2015})
_REMOVED = frozenset({"userDataStream.start", "userDataStream.ping", "userDataStream.stop"})


class Connection(Outbox):
    """One WebSocket API connection: its session, subscriptions and outgoing queue."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, now: int, queue_frames: int = 0
    ) -> None:
        super().__init__(ws, request, queue_frames)
        self.ip = request.remote or "unknown"
        self.connected_since = now
        self.session: Credential | None = None
        self.authorized_since: int | None = None
        self.return_rate_limits = request.query.get("returnRateLimits", "true") != "false"
        # timeUnit=MICROSECOND: every time field in answers and events in µs.
        self.micros = parse_time_unit(request.query.get("timeUnit")) is True
        # subscription id -> (account, made by session logon?)
        self.subscriptions: dict[int, tuple[str, bool]] = {}
        self.next_subscription = 0
        self.writer: asyncio.Task[None] | None = None
        # Set by a 418 answer: the connection is closed once that answer is sent.
        self.banned = False

    def send_event(self, subscription: int, event: bytes) -> None:
        if self.micros:
            event = orjson.dumps(micro(orjson.loads(event)))
        self.send(b'{"subscriptionId":%d,"event":%s}' % (subscription, event))


class EventHub:
    """Routes the exchange's user-data events to the connections subscribed to each account."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.connections: set[Connection] = set()
        self._subs: dict[str, dict[Connection, int]] = defaultdict(dict)
        self._pending: list[tuple[str, UserDataEvent]] = []
        self._scheduled = False
        self._delay_scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0
        self._injectors: dict[str, FaultInjector] = {}

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self.state.exchange.set_listener(self._on_event, self.listens)
        self.state.exchange.set_fill_listener(self.state.limiter.first_fill)

    def stop(self) -> None:
        self.state.exchange.set_listener(None)
        self.state.exchange.set_fill_listener(None)
        self._loop = None

    def listens(self, account: str) -> bool:
        """Whether ``account``'s events go anywhere: a subscription, or the fault injectors
        (which draw from their seeded generators for every event, subscribed or not)."""
        return self.state.options.faults is not None or bool(self._subs.get(account))

    def subscribe(self, account: str, conn: Connection, subscription: int) -> None:
        self._subs[account][conn] = subscription

    def unsubscribe(self, account: str, conn: Connection) -> None:
        self._subs[account].pop(conn, None)

    def forget(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for account, _ in conn.subscriptions.values():
            self.unsubscribe(account, conn)

    def _on_event(self, account: str, event: UserDataEvent) -> None:
        # Called by the exchange inside the action that produced the event: collect it and
        # deliver the whole batch once the action is done (on the next loop iteration).
        # (An order's first fill is counted by the exchange's fill listener, heard or not.)
        self._pending.append((account, event))
        if not self._scheduled and self._loop is not None:
            self._scheduled = True
            if threading.get_ident() == self._thread:
                self._loop.call_soon(self.flush)  # no self-pipe write and wake-up
            else:
                self._loop.call_soon_threadsafe(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        batches: dict[str, list[UserDataEvent]] = {}
        for account, event in pending:
            batches.setdefault(account, []).append(event)
        for account, events in batches.items():
            self._deliver(account, events)

    def reset_faults(self) -> None:
        """Forget the per-account injectors (the fault config changed at run time)."""
        self._injectors.clear()

    def _injector(self, account: str) -> FaultInjector | None:
        config = self.state.options.faults
        if config is None:
            return None
        found = self._injectors.get(account)
        if found is None:
            found = self._injectors[account] = per_account_faults(config, account)
        return found

    def _deliver(self, account: str, events: list[UserDataEvent]) -> None:
        injector = self._injector(account)
        out = injector.deliver(events) if injector is not None else events
        self._push(account, out)
        if injector is not None:
            if injector.should_disconnect():
                for conn in list(self._subs[account]):
                    conn.drop()
            self._schedule_delayed()

    def _push(self, account: str, events: list[UserDataEvent]) -> None:
        subs = self._subs.get(account)
        if not subs:
            return
        for event in events:
            body = encode_json(event)
            for conn, subscription in subs.items():
                conn.send_event(subscription, body)

    def _schedule_delayed(self) -> None:
        if self._delay_scheduled or self._loop is None:
            return
        self._delay_scheduled = True
        self._loop.call_later(self.state.options.delayed_event_flush, self._flush_delayed)

    def _flush_delayed(self) -> None:
        self._delay_scheduled = False
        for account, injector in self._injectors.items():
            late = injector.flush()
            if late:
                self._push(account, late)

    async def shutdown(self, grace: float = 0.0) -> None:
        """Send ``serverShutdown`` to every connection, then close them (rest-api.md, General API
        Information): at once, or ``grace`` seconds later, the connection serving meanwhile
        (web-socket-api.md, Server Shutdown: sent when the server "is about to shut down";
        "establish a new connection as soon as possible to prevent interruption")."""
        now = self.state.clock()
        frame = b'{"event":%s}' % encode_json(ServerShutdown(event_time=now))
        # timeUnit=MICROSECOND: the event's time too (web-socket-api.md, General API Information).
        frame_us = b'{"event":%s}' % encode_json(ServerShutdown(event_time=now * 1000))
        writers = []
        loop = asyncio.get_running_loop()
        for conn in list(self.connections):
            conn.send(frame_us if conn.micros else frame)
            if grace > 0:
                loop.call_later(grace, conn.close_after_queue)
                continue
            conn.close_after_queue()
            if conn.writer is not None:
                writers.append(conn.writer)
        if writers:
            await asyncio.wait(writers, timeout=2.0)


def _stringify(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    return loose_value(value)  # arrays of strings (ws_values.py)


class WsApi:
    """Answers WebSocket API requests for one server run."""

    def __init__(self, state: ServerState, hub: EventHub) -> None:
        self.state = state
        self.hub = hub

    async def handle(self, request: web.Request) -> web.StreamResponse:
        state = self.state
        refused = time_unit_refusal(request.query.get("timeUnit")) or ws_format_refusal(request)
        if refused is not None:
            return refused
        try:
            # web-socket-api.md, IP limits: connecting to the WebSocket API costs 2 weight
            # (handshake.py: an IP past its limit, or banned, is refused).
            state.limiter.connect(request.remote or "unknown")
            state.limiter.charge(request.remote or "unknown", _SESSION_WEIGHT)
        except SimError as exc:
            return error_response(exc)
        ws = BinanceWebSocket(state.options.ping_interval, state.options.pong_timeout)
        await ws.prepare(request)
        conn = Connection(ws, request, state.clock(), state.options.stream_queue_frames)
        self.hub.connections.add(conn)
        conn.writer = writer = asyncio.create_task(conn.write_loop())
        loop = asyncio.get_running_loop()
        expiry = loop.call_later(state.options.max_connection_age, conn.close_after_queue)
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    answer = self.answer(conn, message.data)
                    if answer is not None:
                        conn.send(answer)
                    if conn.banned:
                        break
        finally:
            expiry.cancel()
            self.hub.forget(conn)
            conn.close_after_queue()
            conn.closed = True
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(writer, 2.0)
        return ws

    # --- framing ---------------------------------------------------------------------

    def _rate_limits(self, conn: Connection, account: str | None, orders: bool) -> list[Any]:
        limits = self.state.limiter
        out: list[Any] = [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": limits.limits.weight_per_minute,
                "count": limits.used_weight(conn.ip),
            }
        ]
        if orders and account is not None:
            ten, day = limits.order_counts(account)
            out.append(
                {
                    "rateLimitType": "ORDERS",
                    "interval": "SECOND",
                    "intervalNum": 10,
                    "limit": limits.limits.orders_per_10s,
                    "count": ten,
                }
            )
            out.append(
                {
                    "rateLimitType": "ORDERS",
                    "interval": "DAY",
                    "intervalNum": 1,
                    "limit": limits.limits.orders_per_day,
                    "count": day,
                }
            )
        return out

    def _frame(
        self,
        conn: Connection,
        request_id: object,
        status: int,
        key: str,
        value: object,
        *,
        account: str | None = None,
        orders: bool = False,
        rate_limits: bool = True,
    ) -> bytes:
        if conn.micros and key == "result":
            value = micro(msgspec.to_builtins(value, builtin_types=(Decimal,)))
        frame: dict[str, object] = {"id": request_id, "status": status, key: value}
        if rate_limits:
            frame["rateLimits"] = self._rate_limits(conn, account, orders)
        return encode_json(frame)

    def _error(
        self,
        conn: Connection,
        request_id: object,
        exc: SimError,
        rate_limits: bool,
        account: str | None = None,
    ) -> bytes:
        error: dict[str, object] = {"code": exc.code, "msg": exc.msg}
        data = getattr(exc, "data", None)
        if data is not None:  # cancel-replace -2021 / -2022 (web-socket-api.md)
            error["data"] = data
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            # web-socket-api.md, IP limits: "retryAfter field indicates the timestamp when the
            # ban will be lifted" (418), or when to retry (429): the limiter's own instant.
            now = self.state.clock()
            until = getattr(exc, "until_ms", None) or now + retry_after * 1000
            scale = 1000 if conn.micros else 1  # timeUnit=MICROSECOND: these are times too
            error["data"] = {"serverTime": now * scale, "retryAfter": until * scale}
        return self._frame(
            conn,
            request_id,
            exc.http_status,
            "error",
            error,
            account=account,
            orders=account is not None,
            rate_limits=rate_limits,
        )

    def answer(self, conn: Connection, text: str) -> bytes | None:
        """The response frame to one request frame (None: the answer is withheld)."""
        try:
            envelope = read_envelope(text)
        except EnvelopeError as exc:
            # Refused before it was weighed: no rateLimits (envelope.py).
            return self._error(conn, exc.request_id, exc, False)
        request_id, method = envelope.request_id, envelope.method
        try:
            if not isinstance(method, str):
                raise ApiError(
                    -1102, "A mandatory parameter was not sent, was empty/null, or malformed."
                )
            values = {
                k: v if type(v) is str else _stringify(v)
                for k, v in envelope.params.items()
                if v is not None
            }
        except SimError as exc:
            return self._error(conn, request_id, exc, conn.return_rate_limits)
        params = Params(values, ip=conn.ip)
        rate_limits = conn.return_rate_limits
        try:
            flag = params.boolean("returnRateLimits")
            rate_limits = rate_limits if flag is None else flag
            result, account, orders = self._dispatch(conn, method, params, values)
        except FaultAfterExecutionError as exc:
            return self._misbehave(conn, request_id, exc.fault, rate_limits)
        except SimError as exc:
            return self._refusal(conn, request_id, (method, params), exc, rate_limits)
        return self._frame(
            conn,
            request_id,
            200,
            "result",
            result,
            account=account,
            orders=orders,
            rate_limits=rate_limits,
        )

    def _refusal(
        self,
        conn: Connection,
        request_id: object,
        request: tuple[str, Params],
        exc: SimError,
        rate_limits: bool,
    ) -> bytes:
        """The error answer to a request that was read; a ban also ends the connection
        (web-socket-api.md, IP limits: "Repeatedly violating rate limits ... will result in
        an automated IP ban and you will be disconnected")."""
        if exc.http_status == 418:
            conn.banned = True
        account = self._placing_account(conn, *request, exc)
        return self._error(conn, request_id, exc, rate_limits, account)

    def _placing_account(
        self, conn: Connection, method: str, params: Params, exc: SimError
    ) -> str | None:
        """The account of a refused placement that got past authentication: its answer carries
        the ORDERS counts too, as the documented failed ``order.place`` does (web-socket-api.md,
        Response format, "Example of failed response")."""
        if exc.code in _NOT_AUTHENTICATED or method.removeprefix("v3/") not in self._PLACEMENTS:
            return None
        api_key = params.sent.get("apiKey")
        if api_key is None:
            return conn.session.account if conn.session is not None else None
        try:
            return self.state.keys.lookup(api_key).account
        except SimError:
            return None

    def _misbehave(
        self, conn: Connection, request_id: object, fault: RequestFault, rate_limits: bool
    ) -> bytes | None:
        timeout = ApiError(-1007, _TIMEOUT_MSG, 408)
        if fault is RequestFault.ERROR_5XX:
            unknown = ApiError(
                -1000, "An unknown error occurred while processing the request.", 500
            )
            return self._error(conn, request_id, unknown, rate_limits)
        if fault is RequestFault.TIMEOUT:
            # No answer; Binance gives up on the backend after 10 s with -1007 (rest-api.md, General
            # API Information).
            late = self._error(conn, request_id, timeout, rate_limits)
            loop = asyncio.get_running_loop()
            loop.call_later(self.state.options.request_timeout, conn.send, late)
            return None
        return self._error(conn, request_id, timeout, rate_limits)

    # --- methods ------------------------------------------------------------------------

    def _dispatch(
        self, conn: Connection, method: str, params: Params, values: dict[str, str]
    ) -> Outcome:
        state = self.state
        if method not in self._METHODS and method.startswith("v3/"):
            # "Request method names may be prefixed with explicit version: e.g.,
            # "v3/order.place"" (web-socket-api.md, Request format); checked only on a miss.
            method = method[3:]
        if method in _REMOVED:
            raise ApiError(
                -1020,
                f"{method} was removed (listenKey streams are gone since 2026-02-20); "
                "use userDataStream.subscribe or userDataStream.subscribe.signature.",
                410,
            )
        handler = self._METHODS.get(method)
        if handler is None:
            # errors.md, -1020 UNSUPPORTED_OPERATION, its documented text.
            raise ApiError(-1020, "This operation is not supported.")
        dynamic = account_calls.WS_WEIGHTS.get(method)
        weight = dynamic(params) if dynamic else self._WEIGHTS.get(method, _SESSION_WEIGHT)
        state.limiter.charge(conn.ip, weight)
        result, account, orders = handler(self, conn, params, values)
        if method in self._FREE_ON_SUCCESS:
            state.limiter.refund(conn.ip, weight)
        return result, account, orders

    def _ping(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        params.finish()
        return {}, None, False

    def _time(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        params.finish()
        return {"serverTime": self.state.server_time()}, None, False

    def _status(self, conn: Connection) -> dict[str, object]:
        return {
            "apiKey": conn.session.api_key if conn.session is not None else None,
            "authorizedSince": conn.authorized_since,
            "connectedSince": conn.connected_since,
            "returnRateLimits": conn.return_rate_limits,
            "serverTime": self.state.server_time(),
            "userDataStream": bool(conn.subscriptions),
        }

    def _logon(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        credential = self.state.authenticate_ws(params, values, None)
        params.finish()
        if not credential.is_ed25519:
            # "Only Ed25519 keys are supported for this feature" (web-socket-api.md, Session
            # Authentication): Binance reads every logon signature as Ed25519, so a good HMAC or
            # RSA signature is -1022 "Signature for this request is not valid." (what clients
            # logging on with HMAC keys report; the documents name no code).
            raise bad_signature()
        conn.session = credential
        conn.authorized_since = self.state.clock()
        return self._status(conn), credential.account, False

    def _session_status(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        params.finish()
        return self._status(conn), None, False

    def _logout(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        params.finish()
        # Logout ends only the logon subscription, not the signature ones (web-socket-api.md, User
        # Data Stream requests).
        for subscription, (account, by_logon) in list(conn.subscriptions.items()):
            if by_logon:
                self._end_subscription(conn, subscription, account)
        conn.session = None
        conn.authorized_since = None
        return self._status(conn), None, False

    def _add_subscription(self, conn: Connection, account: str, by_logon: bool) -> dict[str, int]:
        if any(acc == account for acc, _ in conn.subscriptions.values()):
            raise ApiError(-2035, "User Data Stream subscription already active.")
        # web-socket-api.md, User Data Stream subscription, Limits: 65,535 subscriptions over
        # a session's lifetime, then -2042 until a new connection (errors.md, -2042
        # MAXIMUM_SUBSCRIPTION_IDS); 1,000 active at once, "beyond this limit will result in an
        # error" (the code is undocumented: -1191 TOO_MANY_SUBSCRIPTIONS's text, UNVERIFIED).
        options = self.state.options
        if conn.next_subscription >= options.max_subscription_ids:
            raise ApiError(-2042, "Maximum subscription ID reached for this connection.")
        if len(conn.subscriptions) >= options.max_user_data_subscriptions:
            limit = options.max_user_data_subscriptions
            raise ApiError(
                -1191,
                f"Too many subscriptions. Connection may create up to '{limit}' subscriptions "
                "at a time.",
            )
        subscription = conn.next_subscription
        conn.next_subscription += 1
        conn.subscriptions[subscription] = (account, by_logon)
        self.hub.subscribe(account, conn, subscription)
        return {"subscriptionId": subscription}

    def _end_subscription(self, conn: Connection, subscription: int, account: str) -> None:
        del conn.subscriptions[subscription]
        self.hub.unsubscribe(account, conn)
        ended = EventStreamTerminated(event_time=self.state.clock())
        conn.send_event(subscription, encode_json(ended))

    def _subscribe(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        params.finish()
        if conn.session is None:
            # "requires an authenticated WebSocket connection" (web-socket-api.md, Subscribe to
            # User Data Stream); errors.md, -1002 UNAUTHORIZED, its documented text.
            raise ApiError(-1002, _UNAUTHORIZED, 401)
        account = conn.session.account
        return self._add_subscription(conn, account, True), account, False

    def _subscribe_signature(
        self, conn: Connection, params: Params, values: dict[str, str]
    ) -> Outcome:
        credential = self.state.authenticate_ws(params, values, None)
        params.finish()
        return self._add_subscription(conn, credential.account, False), credential.account, False

    def _unsubscribe(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        wanted = params.integer("subscriptionId")
        params.finish()
        if wanted is not None:
            found = conn.subscriptions.get(wanted)
            if found is None:
                raise ApiError(-2036, "User Data Stream subscription not active.")
            self._end_subscription(conn, wanted, found[0])
        else:
            for subscription, (account, _) in list(conn.subscriptions.items()):
                self._end_subscription(conn, subscription, account)
        return {}, None, False

    def _subscriptions(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        params.finish()
        return [{"subscriptionId": s} for s in sorted(conn.subscriptions)], None, False

    def _order_place(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        account = self.state.authenticate_ws(params, values, conn.session).account
        order = new_order_from_params(params, self.state.symbols)
        params.finish()
        return self.state.place_order(conn.ip, account, order), account, True

    def _order_cancel(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        account = self.state.authenticate_ws(params, values, conn.session).account
        # REST's rules, cancelRestrictions included; an order of a list answers with the
        # list (web-socket-api.md, Cancel order).
        return rest_cancel(self.state, params, account, list_answer=True), account, False

    def _order_status(self, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        account = self.state.authenticate_ws(params, values, conn.session).account
        query = query_from_params(params)
        params.finish()
        return self.state.exchange.query_order(account, query), account, False

    _METHODS: ClassVar[
        dict[str, Callable[[WsApi, Connection, Params, dict[str, str]], Outcome]]
    ] = {
        "ping": _ping,
        "time": _time,
        "session.logon": _logon,
        "session.status": _session_status,
        "session.logout": _logout,
        "userDataStream.subscribe": _subscribe,
        "userDataStream.subscribe.signature": _subscribe_signature,
        "userDataStream.unsubscribe": _unsubscribe,
        "session.subscriptions": _subscriptions,
        "order.place": _order_place,
        "order.cancel": _order_cancel,
        "order.status": _order_status,
        **account_calls.WS_METHODS,
    }
    # Successful placements and cancels weigh 0 since 2026-04-02 (CHANGELOG.md, 2026-03-27);
    # the list methods add themselves (lists.add_list_methods).
    _FREE_ON_SUCCESS: ClassVar[set[str]] = {"order.place", "order.cancel", "openOrders.cancelAll"}
    # Methods that place orders (the list and SOR methods add themselves): a refused one's
    # answer carries the ORDERS counts (``_placing_account``).
    _PLACEMENTS: ClassVar[set[str]] = {"order.place"}
    # Weights as on REST (rest-api.md, LIMITS); the session and subscription methods weigh 2.
    _WEIGHTS: ClassVar[dict[str, int]] = {
        "ping": 1,
        "time": 1,
        "order.place": 1,
        "order.cancel": 1,
        "order.status": 4,
    }
