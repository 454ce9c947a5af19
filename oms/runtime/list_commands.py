"""The order manager's public calls for order lists, brackets, amend and cancel-replace.

Rules:
- Each call is one request through ``oms.runtime.lists.ListPlacer`` (journaled intent, one
  send, unknown outcomes resolved by query); see there for the contract.
- Legs are ``OrderSpec``s in Binance's roles: an OCO's above and below orders share one side
  and quantity (rest-api.md, New Order list - OCO); an OTO's working order is LIMIT or
  LIMIT_MAKER and its pending order goes live when the working order is fully filled.
- ``bracket`` is an OTOCO: an entry LIMIT and, once it fills, an OCO exit of a take-profit
  LIMIT_MAKER and a stop-loss (STOP_LOSS, or STOP_LOSS_LIMIT with ``stop_limit_price``), on
  the side that closes the entry; for a BUY entry the take-profit is the above leg, for a
  SELL entry the below leg (rest-api.md, New Order list - OTOCO; price restrictions of OCO).
"""

from __future__ import annotations

from decimal import Decimal

from oms.core.lists import OrderList
from oms.core.order import Order
from oms.core.spec import OrderSpec
from oms.runtime.lists import ListPlacer
from oms.wire.amends import AmendResponse
from oms.wire.enums import CancelReplaceMode, OrderType, Side, TimeInForce

__all__ = ["ListCommands"]


class ListCommands:
    """Mixed into ``OrderManager``."""

    _list_placer: ListPlacer

    async def place_oco(
        self,
        above: OrderSpec,
        below: OrderSpec,
        *,
        list_client_order_id: str | None = None,
        client_order_ids: tuple[str | None, str | None] = (None, None),
    ) -> OrderList:
        """Place an OCO; ``above`` and ``below`` have one symbol, side and quantity."""
        legs = [(above, client_order_ids[0]), (below, client_order_ids[1])]
        return await self._list_placer.place("OCO", legs, list_client_order_id)

    async def place_oto(
        self,
        working: OrderSpec,
        pending: OrderSpec,
        *,
        list_client_order_id: str | None = None,
    ) -> OrderList:
        """Place an OTO: ``pending`` goes live once ``working`` is fully filled."""
        legs = [(working, None), (pending, None)]
        return await self._list_placer.place("OTO", legs, list_client_order_id)

    async def place_otoco(
        self,
        working: OrderSpec,
        pending_above: OrderSpec,
        pending_below: OrderSpec | None,
        *,
        list_client_order_id: str | None = None,
    ) -> OrderList:
        """Place an OTOCO: an OCO pair goes live once ``working`` is fully filled."""
        legs: list[tuple[OrderSpec, str | None]] = [(working, None), (pending_above, None)]
        if pending_below is not None:
            legs.append((pending_below, None))
        return await self._list_placer.place("OTOCO", legs, list_client_order_id)

    async def bracket(
        self,
        symbol: str,
        side: Side,
        quantity: Decimal,
        *,
        entry_price: Decimal,
        take_profit: Decimal,
        stop_loss: Decimal,
        stop_limit_price: Decimal | None = None,
        list_client_order_id: str | None = None,
    ) -> OrderList:
        """Entry LIMIT plus an OCO exit (take-profit and stop-loss), built on OTOCO."""
        exit_side = Side.SELL if side is Side.BUY else Side.BUY
        entry = OrderSpec(symbol=symbol, side=side, order_type=OrderType.LIMIT,
                          quantity=quantity, price=entry_price,
                          time_in_force=TimeInForce.GTC)  # fmt: skip
        profit = OrderSpec(symbol=symbol, side=exit_side, order_type=OrderType.LIMIT_MAKER,
                           quantity=quantity, price=take_profit)  # fmt: skip
        if stop_limit_price is None:
            stop = OrderSpec(symbol=symbol, side=exit_side, order_type=OrderType.STOP_LOSS,
                             quantity=quantity, stop_price=stop_loss)  # fmt: skip
        else:
            stop = OrderSpec(symbol=symbol, side=exit_side, order_type=OrderType.STOP_LOSS_LIMIT,
                             quantity=quantity, stop_price=stop_loss, price=stop_limit_price,
                             time_in_force=TimeInForce.GTC)  # fmt: skip
        above, below = (profit, stop) if side is Side.BUY else (stop, profit)
        return await self.place_otoco(
            entry, above, below, list_client_order_id=list_client_order_id
        )

    async def cancel_list(self, order_list: OrderList) -> OrderList:
        """Cancel every open order of ``order_list``."""
        return await self._list_placer.cancel(order_list)

    async def amend(
        self, order: Order, quantity: Decimal, *, new_client_order_id: str | None = None
    ) -> AmendResponse:
        """Lower ``order``'s quantity, keeping its place in the queue (amend keep priority)."""
        return await self._list_placer.amend(order, quantity, new_client_order_id)

    async def cancel_replace(
        self,
        order: Order,
        spec: OrderSpec,
        *,
        mode: CancelReplaceMode = CancelReplaceMode.STOP_ON_FAILURE,
    ) -> Order:
        """Cancel ``order`` and place ``spec`` in one request; returns the new order.

        Raises:
            CancelReplaceFailed: -2021 / -2022; what did happen has been applied.
        """
        return await self._list_placer.cancel_replace(order, spec, mode)

    def order_lists(self) -> list[OrderList]:
        """Every tracked order list."""
        return list(self._list_placer.engine.lists)
