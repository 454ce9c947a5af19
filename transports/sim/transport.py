"""``SimTransport``: the simulated exchange behind the ``oms.runtime.ports.Transport`` interface.

Rules:
- Same typed results and the same ``oms.errors`` exceptions as the real Binance transport:
  a ``SimError`` becomes ``oms.errors.remote_error(code, msg)``; an injected ``ERROR_5XX``,
  ``ERROR_1007`` or ``TIMEOUT`` becomes ``OutcomeUnknown`` *after* the order executed (or was
  refused: the client cannot know which); ``RATE_LIMITED`` becomes ``RateLimited``
  (-1015, ``retry_after`` to the end of the 10 s window) and nothing executes.
- Clock skew: the transport's local clock is the exchange's minus ``clock_skew_ms``; signed
  requests carry ``local + offset`` and are refused with -1021 outside ``recvWindow``
  (rest-api.md, Timing security). ``get_server_time()`` learns the offset, as a client syncs.
- ``user_data()`` yields a ``StreamGap`` after every (re)subscription, the first included,
  then the account's events, each action's batch passed through the ``FaultInjector`` and
  round-tripped through the wire (``encode_json`` in the WS API envelope -> ``decode_user_data``) as
  the real stream's would be. After an injected disconnect it resubscribes and replays nothing:
  events produced while it was down are gone (web-socket-api.md, User Data Stream requests), and the
  gap says so.
- No wall clock and no network: time is the exchange's injected clock; the only waiting is
  ``asyncio`` waits for new events (``poll_interval_s``) and an injected timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TypeVar

import msgspec

from oms.errors import (
    CancelReplaceFailed,
    DecodeError,
    OutcomeUnknown,
    RateLimited,
    remote_error,
)
from oms.runtime.ports import NewOrderResponse, TransportStats
from oms.wire.decoding import decode_user_data
from oms.wire.events import OutboundAccountPosition, UserDataEvent
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    ExchangeInfo,
    MyAllocation,
    MyTrade,
    QueryOrderResponse,
)
from oms.wire.stream import BadFrame, StreamGap, StreamItem
from transports.sim.advanced import CancelReplaceFailedError
from transports.sim.errors import SimError
from transports.sim.exchange import SimExchange
from transports.sim.faults import TIMEOUT_MSG, FaultConfig, FaultInjector, RequestFault
from transports.sim.list_transport import SimListCalls
from transports.wire import encode_json

__all__ = ["SimTransport"]

T = TypeVar("T")
_WINDOW_MS = 10_000
_UNKNOWN = (RequestFault.ERROR_5XX, RequestFault.ERROR_1007, RequestFault.TIMEOUT)


class SimTransport(SimListCalls):
    """An in-process ``Transport`` for one account of a ``SimExchange``."""

    def __init__(
        self,
        exchange: SimExchange,
        account: str,
        *,
        faults: FaultConfig | None = None,
        recv_window_ms: int = 5000,
        request_timeout_s: float = 0.05,
        poll_interval_s: float = 0.002,
    ) -> None:
        """Raises: KeyError: ``account`` does not exist on ``exchange``."""
        exchange.balance(account, "")  # KeyError for an unknown account
        self._ex = exchange
        self._account = account
        self._recv_window_ms = recv_window_ms
        self._timeout_s = request_timeout_s
        self._poll_s = poll_interval_s
        self._faults = FaultInjector(faults, clock=exchange.server_time) if faults else None
        self._skew_ms = faults.clock_skew_ms if faults else 0
        self._offset_ms = 0
        self._closed = False
        self._wake = asyncio.Event()
        self._reconnects = 0
        self._connected = False
        self._last_event_ms: int | None = None
        self._window = (0, 0)  # (10 s window, orders placed in it)

    # --- clock -------------------------------------------------------------------------

    @property
    def recv_window_ms(self) -> int:
        return self._recv_window_ms

    @property
    def faults(self) -> FaultInjector | None:
        return self._faults

    def _local_ms(self) -> int:
        return self._ex.server_time() - self._skew_ms

    def server_time_ms(self) -> int:
        return self._local_ms() + self._offset_ms

    def stats(self) -> TransportStats:
        window, count = self._window
        now_window = self._ex.server_time() // _WINDOW_MS
        return TransportStats(
            clock_offset_ms=float(self._offset_ms),
            order_count_10s=count if window == now_window else 0,
            reconnects=self._reconnects,
            connected=self._connected,
        )

    def _signed(self) -> int:
        """Stamp a signed request; raises ClockSkewError when the exchange refuses it."""
        timestamp = self.server_time_ms()
        if self._faults is not None:
            error = self._faults.check_timestamp(
                timestamp, self._ex.server_time(), self._recv_window_ms
            )
            if error is not None:
                raise remote_error(error.code, error.msg, http_status=error.http_status)
        return timestamp

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except CancelReplaceFailedError as exc:
            raise CancelReplaceFailed(
                exc.code, exc.msg, http_status=exc.http_status, answer=exc.data
            ) from None
        except SimError as exc:
            raise remote_error(exc.code, exc.msg, http_status=exc.http_status) from None
        finally:
            self._wake.set()

    # --- orders --------------------------------------------------------------------------

    async def place_spot_order(self, order: NewOrder) -> NewOrderResponse:
        """Raises: RemoteError, RateLimited, OutcomeUnknown (see the module rules)."""
        return await self._placement(lambda: self._ex.place_order(self._account, order))

    async def _placement(self, execute: Callable[[], T]) -> T:
        """A placement (an order, a list, a cancel-replace) under the request faults."""
        timestamp = self._signed()
        now = self._ex.server_time()
        fault = RequestFault.NONE
        if self._faults is not None:
            fault = self._faults.on_order_request(now)
        if fault is RequestFault.RATE_LIMITED:
            assert self._faults is not None
            limit = self._faults.config.orders_per_10s
            raise RateLimited(
                f"Too many new orders; current limit is {limit} orders per 10 SECOND.",
                retry_after=float(self._faults.retry_after_s(now)),
                code=-1015,
            )
        if fault is RequestFault.LOST:
            raise await self._unknown(RequestFault.TIMEOUT, timestamp)
        try:
            result = self._call(execute)
        except Exception:
            if fault not in _UNKNOWN:
                raise
        else:
            self._count_order(now)
            if fault not in _UNKNOWN:
                return result
        raise await self._unknown(fault, timestamp)

    def _count_order(self, now: int) -> None:
        window, count = self._window
        current = now // _WINDOW_MS
        self._window = (current, count + 1 if window == current else 1)

    async def _unknown(self, fault: RequestFault, timestamp: int) -> OutcomeUnknown:
        common = {"request_time_ms": timestamp, "recv_window_ms": self._recv_window_ms}
        if fault is RequestFault.ERROR_5XX:
            return OutcomeUnknown("HTTP 503 after the order was sent; outcome unknown", **common)
        if fault is RequestFault.ERROR_1007:
            return OutcomeUnknown(TIMEOUT_MSG, code=-1007, **common)
        await asyncio.sleep(self._timeout_s)
        return OutcomeUnknown(f"no answer within {self._timeout_s}s; outcome unknown", **common)

    async def cancel_spot_order(self, cancel: CancelOrder) -> CancelResponse:
        self._signed()
        return self._call(lambda: self._ex.cancel_order(self._account, cancel))

    async def get_order(self, query: QueryOrder) -> QueryOrderResponse:
        self._signed()
        return self._call(lambda: self._ex.query_order(self._account, query))

    async def get_open_orders(self, symbol: str | None = None) -> list[QueryOrderResponse]:
        self._signed()
        return self._call(lambda: self._ex.open_orders(self._account, symbol))

    async def cancel_open_orders(self, symbol: str) -> list[CancelResponse]:
        self._signed()
        return self._call(lambda: self._ex.cancel_open_orders(self._account, symbol))

    async def get_account(self, *, omit_zero_balances: bool = False) -> AccountInfo:
        self._signed()
        return self._call(
            lambda: self._ex.account_info(self._account, omit_zero_balances=omit_zero_balances)
        )

    async def get_my_trades(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> list[MyTrade]:
        self._signed()
        return self._call(
            lambda: self._ex.my_trades(
                self._account,
                symbol,
                order_id=order_id,
                from_id=from_id,
                start_time=start_time,
                end_time=end_time,
                limit=limit if limit is not None else 500,
            )
        )

    async def get_my_allocations(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        from_allocation_id: int | None = None,
        limit: int | None = None,
    ) -> list[MyAllocation]:
        self._signed()
        rows = self._call(
            lambda: self._ex.my_allocations(
                self._account,
                symbol,
                order_id=order_id,
                from_allocation_id=from_allocation_id,
                limit=limit if limit is not None else 500,
            )
        )
        return [msgspec.convert(row, MyAllocation, from_attributes=True) for row in rows]

    async def get_exchange_info(self, symbols: Sequence[str] | None = None) -> ExchangeInfo:
        return self._call(lambda: self._ex.exchange_info(symbols))

    async def get_server_time(self) -> int:
        """The exchange's time; also sets the clock offset, as a client's time sync does."""
        server = self._ex.server_time()
        self._offset_ms = server - self._local_ms()
        return server

    async def test_order(self, order: NewOrder) -> None:
        self._signed()
        self._call(lambda: self._ex.test_order(self._account, order))

    # --- user data -------------------------------------------------------------------

    def user_data(self) -> AsyncIterator[StreamItem]:
        return self._user_data()

    async def _user_data(self) -> AsyncIterator[StreamItem]:
        since: int | None = None
        while not self._closed:
            # A new subscription sees only what happens from now on (web-socket-api.md, User Data
            # Stream requests).
            self._ex.drain_events(self._account)
            if self._faults is not None:
                self._faults.discard_held()
            now = self._ex.server_time()
            reason = "subscribed" if since is None else "reconnected after a disconnect"
            self._connected = True
            self._last_event_ms = now
            yield StreamGap(reason=reason, since_ms=since, at_ms=now)
            async for item in self._subscription():
                yield item
            since = self._last_event_ms
            if not self._closed:
                self._reconnects += 1
        self._connected = False

    async def _subscription(self) -> AsyncIterator[StreamItem]:
        """Events until an injected disconnect (returns) or ``close()``."""
        while not self._closed:
            events = self._ex.drain_events(self._account)
            if not events:
                held = self._faults.flush() if self._faults is not None else []
                for item in self._wire(held):
                    yield item
                await self._wait()
                continue
            for batch in _actions(events):
                delivered = self._faults.deliver(batch) if self._faults is not None else batch
                for item in self._wire(delivered):
                    yield item
                self._last_event_ms = self._ex.server_time()
                if self._faults is not None and self._faults.should_disconnect():
                    self._connected = False
                    return

    def _wire(self, events: list[UserDataEvent]) -> list[StreamItem]:
        out: list[StreamItem] = []
        for event in events:
            # The WS API's envelope, as the local server and Binance send it (web-socket-api.md,
            # Event format).
            raw = b'{"subscriptionId":%d,"event":%s}' % (self._reconnects, encode_json(event))
            try:
                out.append(decode_user_data(raw))
            except DecodeError as exc:
                out.append(BadFrame.from_error(exc))
        return out

    async def _wait(self) -> None:
        self._wake.clear()
        # ``asyncio.timeout``, not ``wait_for``: on 3.11 ``wait_for`` returns a wake-up that
        # coincides with a cancellation and swallows the cancellation (the stream then polls
        # for ever and whoever cancelled it waits for ever).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll_s):
                await self._wake.wait()

    def notify(self) -> None:
        """Events were queued by someone else (a replayed trade filled a resting order):
        deliver them now rather than at the next poll."""
        self._wake.set()

    async def close(self) -> None:
        self._closed = True
        self._wake.set()


def _actions(events: list[UserDataEvent]) -> list[list[UserDataEvent]]:
    """Split queued events into actions: each ends with its account position (user-data-stream.md,
    Balance Update; a deposit's balanceUpdate is followed by one too)."""
    batches: list[list[UserDataEvent]] = []
    current: list[UserDataEvent] = []
    for event in events:
        current.append(event)
        if type(event) is OutboundAccountPosition:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches
