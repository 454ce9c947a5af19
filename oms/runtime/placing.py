"""Placing an order: pre-trade checks, intent before send, one send, never a blind resend.

Rules:
- Pre-trade checks run before anything is journaled or sent; a refusal names the rule and
  the nearest valid value (``oms.core.checks``). Funds are checked against balances that
  reflect every fill applied so far (``settle_balances``).
- Intent before send: the order's ``Intent`` (its spec) is applied and journaled, then
  ``Sent``; both are committed (``Dispatcher.commit``), then its request
  (``new_order_request``) leaves (specs/durability.md).
- An ``OutcomeUnknown`` send is handed to the resolver and never resent
  (rest-api.md, New order: client ids are unique only among open orders); a definite
  refusal (``RemoteError``, ``RateLimited``, ``Disconnected`` before sending) is applied as
  ``SendRejected`` and raised.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from decimal import Decimal

from oms.core.checks import ALGO_TYPES, SymbolRules, check_spec
from oms.core.commands import SendRejected, SendUnknown, Sent
from oms.core.order import Order
from oms.core.spec import OrderSpec
from oms.errors import (
    Disconnected,
    InvalidTransition,
    LocalError,
    OmsError,
    OrderValidationError,
    OutcomeUnknown,
    RateLimited,
    RemoteError,
)
from oms.runtime.config import ManagerConfig
from oms.runtime.dispatch import Dispatcher, Part
from oms.runtime.ports import Transport
from oms.runtime.resolve import Resolver
from oms.wire.enums import OrderType, Side, TimeInForce

__all__ = ["Placer", "open_algo_orders", "spot_spec", "symbol_rules"]


def spot_spec(
    side: Side,
    symbol: str,
    quantity: Decimal | None,
    price: Decimal | None,
    *,
    time_in_force: TimeInForce | None = None,
    quote_quantity: Decimal | None = None,
    order_type: OrderType | None = None,
) -> OrderSpec:
    """The spec of ``execute_spot_buy`` / ``execute_spot_sell``: MARKET without a price,
    LIMIT with one; a LIMIT order is GTC unless told otherwise."""
    otype = order_type or (OrderType.LIMIT if price is not None else OrderType.MARKET)
    if otype is OrderType.LIMIT and time_in_force is None:
        time_in_force = TimeInForce.GTC
    return OrderSpec(
        symbol=symbol,
        side=side,
        order_type=otype,
        quantity=quantity,
        quote_order_qty=quote_quantity,
        price=price,
        time_in_force=time_in_force,
    )


def symbol_rules(rules: Mapping[str, SymbolRules], symbol: str) -> SymbolRules:
    """The trading rules of ``symbol``.

    Raises:
        OrderValidationError: the exchange lists no such symbol.
    """
    found = rules.get(symbol)
    if found is None:
        raise OrderValidationError(f"unknown symbol {symbol!r}", rule="symbol")
    return found


def open_algo_orders(orders: Iterable[Order], symbol: str) -> int:
    """Our open algo orders on ``symbol`` (filters.md, MAX_NUM_ALGO_ORDERS: STOP_LOSS,
    STOP_LOSS_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT), for the pre-trade check."""
    return sum(1 for o in orders if o.symbol == symbol and o.spec.order_type in ALGO_TYPES)


class Placer(Part):
    """Checks, journals and sends new orders."""

    def __init__(
        self,
        transport: Transport,
        dispatch: Dispatcher,
        config: ManagerConfig,
        rules: Mapping[str, SymbolRules],
        resolver: Resolver,
    ) -> None:
        super().__init__(transport, dispatch, config)
        self.resolver = resolver
        self._rules = rules

    async def place(self, spec: OrderSpec, client_order_id: str | None = None) -> Order:
        """Place one order; see ``OrderManager.place`` for the contract."""
        self.dispatch.check_open()
        await self.settle_balances()
        self.dispatch.check_open()  # closed while balances settled: nothing created or sent
        self._precheck(spec)
        intent = self.engine.new_intent(spec, client_order_id)
        self.dispatch.apply(intent)
        order = self.engine.order(intent.client_order_id)
        if order is None:  # pragma: no cover - new_intent checked the client id is free
            raise InvalidTransition(f"order {intent.client_order_id} was not created")
        await self._send(order)
        return order

    async def _send(self, order: Order) -> None:
        request = self.engine.new_order_request(order)
        cid, dispatch = order.client_order_id, self.dispatch
        dispatch.apply(Sent(client_order_id=cid, at_ms=dispatch.clock()))
        dispatch.commit()  # durable before the request leaves (specs/durability.md)
        try:
            response = await self.transport.place_spot_order(request)
        except OutcomeUnknown as exc:
            self._unknown(order, str(exc))
            await self.resolver.resolve(order, exc.request_time_ms, exc.recv_window_ms)
            return
        except (RemoteError, RateLimited, Disconnected, LocalError) as exc:
            # Definite: refused, or never sent (no connection, no key): it does not exist.
            code = getattr(exc, "code", None) or 0
            msg = getattr(exc, "msg", None) or str(exc)
            dispatch.apply(
                SendRejected(client_order_id=cid, at_ms=dispatch.clock(), code=code, msg=msg)
            )
            self.metrics.inc("orders_rejected_total")
            raise
        except OmsError as exc:
            # Anything else after the request may have left: unknown, never "failed".
            self._unknown(order, str(exc))
            await self.resolver.resolve(order, None, None)
            return
        except BaseException:
            # Interrupted (the caller's task canceled): the request may have left. Unknown,
            # resolved in the background by query, never resent; after close, by the next
            # start (the journal holds it as sent).
            if not dispatch.closed:
                self._unknown(order, "send interrupted")
                self.resolver.begin(order)
            raise
        dispatch.apply(response)
        self.metrics.inc("orders_placed_total")

    def _unknown(self, order: Order, reason: str) -> None:
        """The send is over without a definite answer: no longer in flight, outcome unknown
        (or -2013 could never settle it)."""
        cid, dispatch = order.client_order_id, self.dispatch
        dispatch.apply(SendUnknown(client_order_id=cid, at_ms=dispatch.clock(), reason=reason))

    def _precheck(self, spec: OrderSpec) -> None:
        try:
            rules = symbol_rules(self._rules, spec.symbol)
            spend = rules.quote_asset if spec.side is Side.BUY else rules.base_asset
            algo = None
            if rules.max_algo is not None and spec.order_type in ALGO_TYPES:
                algo = open_algo_orders(self.engine.open_orders(), spec.symbol)
            check_spec(
                rules,
                spec,
                reference_price=self.dispatch.last_price.get(spec.symbol),
                free_balance=self.engine.balances.free(spend),
                open_algo_orders=algo,
            )
        except OrderValidationError:
            self.metrics.inc("precheck_refused_total")
            raise

    async def settle_balances(self) -> None:
        """Make sure balances reflect every fill applied so far before checking funds.

        A fill applied from a REST answer arrives before the stream's
        ``outboundAccountPosition`` (user-data-stream.md, Order Update); wait briefly for
        it, and fetch the account if it does not come.
        """
        dispatch = self.dispatch
        if self.engine.balances.needs_snapshot:
            # Two positions of one ``u`` disagreed (balances.py): the account settles it
            # before the check trusts a balance.
            with contextlib.suppress(OmsError):
                dispatch.apply(await self.transport.get_account())
        if not dispatch.fills_since_balance:
            return
        with contextlib.suppress(TimeoutError):
            await dispatch.wait_for(
                lambda: not dispatch.fills_since_balance, timeout=self.config.balance_settle
            )
        if dispatch.fills_since_balance:
            with contextlib.suppress(OmsError):
                dispatch.apply(await self.transport.get_account())
            dispatch.fills_since_balance = False
