"""Placing an order: pre-trade checks, intent before send, one send, never a blind resend.

Rules:
- Pre-trade checks run before anything is journaled or sent; a refusal names the rule and
  the nearest valid value (``oms.core.checks``). Funds are checked against balances that
  reflect every fill applied so far (``settle_balances``).
- Intent before send: the order is journaled, then marked sent, then its request leaves.
- An ``OutcomeUnknown`` send is handed to the resolver and never resent
  (binance-spot-api.md §3: client ids are unique only among open orders); a definite
  refusal (``RemoteError``, ``RateLimited``, ``Disconnected`` before sending) marks the
  order rejected and is raised.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from oms.core.checks import SymbolRules, check_order
from oms.core.order import Order
from oms.errors import (
    Disconnected,
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
from oms.wire.requests import NewOrder

__all__ = ["PlaceOptions", "Placer", "symbol_rules"]


class PlaceOptions(NamedTuple):
    """The keyword options of ``execute_spot_buy`` / ``execute_spot_sell``."""

    time_in_force: TimeInForce | None
    quote_quantity: Decimal | None
    client_order_id: str | None
    order_type: OrderType | None


def symbol_rules(rules: Mapping[str, SymbolRules], symbol: str) -> SymbolRules:
    """The trading rules of ``symbol``.

    Raises:
        OrderValidationError: the exchange lists no such symbol.
    """
    found = rules.get(symbol)
    if found is None:
        raise OrderValidationError(f"unknown symbol {symbol!r}", rule="symbol")
    return found


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

    async def place(
        self,
        side: Side,
        symbol: str,
        quantity: Decimal | None,
        price: Decimal | None,
        options: PlaceOptions,
    ) -> Order:
        """Place one order; see ``OrderManager.execute_spot_buy`` for the contract."""
        otype = options.order_type or (OrderType.LIMIT if price is not None else OrderType.MARKET)
        tif = options.time_in_force
        if otype is OrderType.LIMIT and tif is None:
            tif = TimeInForce.GTC
        await self.settle_balances()
        quote_quantity = options.quote_quantity
        self._precheck(
            side, symbol, otype, quantity=quantity, price=price, quote_quantity=quote_quantity
        )
        order = self.engine.create_order(
            symbol=symbol,
            side=side,
            order_type=otype,
            quantity=quantity,
            quote_order_qty=quote_quantity,
            price=price,
            time_in_force=tif,
            client_order_id=options.client_order_id,
        )
        self.dispatch.record_intent(order)
        await self._send(order)
        return order

    async def _send(self, order: Order, request: NewOrder | None = None) -> None:
        """Send ``order`` (``request``: its request when built from a spec with fields the
        order does not hold, such as a stop price)."""
        if request is None:
            request = self.engine.new_order_request(order)
        self.dispatch.mark("sent", order, self.engine.mark_sent(order))
        sending = self.dispatch.sending
        sending.add(order.client_order_id)  # while here, nothing may call it never placed
        try:
            response = await self.transport.place_spot_order(request)
        except OutcomeUnknown as exc:
            sending.discard(order.client_order_id)
            self.dispatch.mark("unknown", order, self.engine.mark_unknown(order, str(exc)))
            await self.resolver.resolve(order, exc.request_time_ms, exc.recv_window_ms)
            return
        except (RemoteError, RateLimited, Disconnected, LocalError) as exc:
            # Definite: refused, or never sent (no connection, no key): it does not exist.
            code = getattr(exc, "code", None) or 0
            msg = getattr(exc, "msg", None) or str(exc)
            rejected = self.engine.mark_rejected(order, code, msg)
            self.dispatch.mark("rejected", order, rejected, code=code, msg=msg)
            self.metrics.inc("orders_rejected_total")
            raise
        except OmsError as exc:
            # Anything else after the request may have left: unknown, never "failed". The
            # send is over: no longer in flight, or -2013 could never settle it.
            sending.discard(order.client_order_id)
            self.dispatch.mark("unknown", order, self.engine.mark_unknown(order, str(exc)))
            await self.resolver.resolve(order, None, None)
            return
        finally:
            sending.discard(order.client_order_id)
        self.dispatch.apply(response)
        self.metrics.inc("orders_placed_total")

    def _precheck(
        self,
        side: Side,
        symbol: str,
        otype: OrderType,
        *,
        quantity: Decimal | None,
        price: Decimal | None,
        quote_quantity: Decimal | None,
    ) -> None:
        try:
            rules = symbol_rules(self._rules, symbol)
            spend = rules.quote_asset if side is Side.BUY else rules.base_asset
            check_order(
                rules,
                side=side,
                order_type=otype,
                quantity=quantity,
                price=price,
                quote_order_qty=quote_quantity,
                reference_price=self.dispatch.last_price.get(symbol),
                free_balance=self.engine.balances.free(spend),
            )
        except OrderValidationError:
            self.metrics.inc("precheck_refused_total")
            raise

    async def settle_balances(self) -> None:
        """Make sure balances reflect every fill applied so far before checking funds.

        A fill applied from a REST answer arrives before the stream's
        ``outboundAccountPosition`` (binance-spot-api.md §5 "Ordering"); wait briefly for
        it, and fetch the account if it does not come.
        """
        dispatch = self.dispatch
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
