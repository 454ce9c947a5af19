"""The registry of tracked orders: by exchange order id, by client id, and the open set.

Rules:
- Exchange order ids are unique per symbol, not across symbols. The id index is keyed by
  the id alone, for the first symbol that used it (an int key: no hashing of the report's
  freshly decoded symbol string per report), and the caller compares the symbol; the rare
  order sharing its id with another symbol's goes to a second index keyed by (symbol, id).
- Client order ids are unique only among *open* orders (rest-api.md, New order
  ``newClientOrderId``): the client-id index points at the latest order that used the id.
- A report is matched by exchange order id ``i`` first, then by a non-empty original client
  id ``C`` (on a cancel, ``c`` is the cancel request's own id, rest-api.md, Cancel order), then by
  client id ``c``. A client-id match that already has a different exchange order id is another
  order.
- The open set holds the orders not in a terminal state; the engine updates it after every
  change. Nothing here decides a state.
"""

from __future__ import annotations

from collections.abc import Iterator

from oms.core.order import Order
from oms.core.state import TERMINAL_STATES

__all__ = ["OrderRegistry"]


class OrderRegistry:
    """Tracked orders, indexed for the lookups reports need."""

    __slots__ = ("_by_client", "_by_id", "_by_symbol_id", "_displaced", "_open")

    def __init__(self) -> None:
        self._by_client: dict[str, Order] = {}
        self._by_id: dict[int, Order] = {}
        self._by_symbol_id: dict[tuple[str, int], Order] = {}  # ids also used by another symbol
        # Keyed by the order itself (hashed by identity): two tracked orders may share a
        # client id while the older one's end is not yet known (see Engine._find_or_adopt).
        self._open: dict[Order, None] = {}
        # Open orders whose client id a newer order took over in _by_client (usually none).
        self._displaced: dict[Order, None] = {}

    def __len__(self) -> int:
        return len(self._by_client) + len(self._displaced)

    def add(self, order: Order) -> None:
        """Track ``order`` (it becomes the one its client id names)."""
        held = self._by_client.get(order.client_order_id)
        if held is not None and held is not order and held in self._open:
            self._displaced[held] = None
        self._by_client[order.client_order_id] = order
        if order.order_id is not None:
            self.bind(order)
        self.update_open(order)

    def bind(self, order: Order) -> None:
        """Index ``order`` by its exchange order id, once known."""
        oid = order.order_id
        if oid is None:
            return
        held = self._by_id.get(oid)
        if held is None or held.symbol == order.symbol:
            self._by_id[oid] = order
        else:  # the same id on another symbol (rest-api.md, New order: ids are per symbol)
            self._by_symbol_id[order.symbol, oid] = order

    def update_open(self, order: Order) -> None:
        """Keep the open set in step with ``order``'s state."""
        if order.state not in TERMINAL_STATES:  # order.is_open, inlined (per terminal report)
            self._open[order] = None
        else:
            self._open.pop(order, None)
            if self._displaced:
                self._displaced.pop(order, None)

    def forget(self, order: Order) -> None:
        """Stop tracking ``order`` (the caller has archived a terminal order)."""
        if self._by_client.get(order.client_order_id) is order:
            del self._by_client[order.client_order_id]
        self._open.pop(order, None)
        self._displaced.pop(order, None)
        oid = order.order_id
        if oid is not None:
            if self._by_id.get(oid) is order:
                del self._by_id[oid]
            elif self._by_symbol_id.get((order.symbol, oid)) is order:
                del self._by_symbol_id[order.symbol, oid]

    def by_client_id(self, client_order_id: str) -> Order | None:
        return self._by_client.get(client_order_id)

    def by_order_id(self, symbol: str, order_id: int) -> Order | None:
        order = self._by_id.get(order_id)
        if order is not None and order.symbol == symbol:
            return order
        return self._by_symbol_id.get((symbol, order_id)) if self._by_symbol_id else None

    def open_by_client_id(self, client_order_id: str) -> Order | None:
        """The open order using ``client_order_id``, if any."""
        order = self._by_client.get(client_order_id)
        if order is not None and order in self._open:
            return order
        for order in self._displaced:  # rare: an older open order that lost the client id
            if order.client_order_id == client_order_id:
                return order
        return None

    def find(
        self, symbol: str, order_id: int | None, orig_client_order_id: str, client_order_id: str
    ) -> Order | None:
        """The tracked order a report is about, or None (see the module rules)."""
        if order_id is not None:
            found = self.by_order_id(symbol, order_id)
            if found is not None:
                return found
        for cid in (orig_client_order_id, client_order_id):
            if cid:
                named = self._by_client_on(symbol, cid)
                if named:
                    for found in named:
                        if found.order_id is None or order_id is None or found.order_id == order_id:
                            return found
                    return None
        return None

    def rename(self, order: Order, client_order_id: str) -> None:
        """``order`` is now known by ``client_order_id`` (an amend gave it a new one)."""
        if self._by_client.get(order.client_order_id) is order:
            del self._by_client[order.client_order_id]
        self._displaced.pop(order, None)
        order.client_order_id = client_order_id
        self.add(order)

    def _by_client_on(self, symbol: str, client_order_id: str) -> list[Order]:
        """The orders of ``symbol`` that ``client_order_id`` names, newest first: the one the
        index holds, then displaced ones (an order awaiting its ack whose client id a late
        report about an older order took over)."""
        named = []
        found = self._by_client.get(client_order_id)
        if found is not None and found.symbol == symbol:
            named.append(found)
        for order in self._displaced:
            if order.client_order_id == client_order_id and order.symbol == symbol:
                named.append(order)
        return named

    def orders(self) -> Iterator[Order]:
        yield from self._by_client.values()
        yield from list(self._displaced)

    def open_orders(self) -> Iterator[Order]:
        return iter(self._open)
