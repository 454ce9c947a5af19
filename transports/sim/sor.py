"""Smart order routing (SOR): the part of ``SimExchange`` that places orders across the books of
one SOR configuration, and the allocations that fill them.

Rules (faqs/sor_faq.md; rest-api.md, New order using SOR, Query Allocations):
- ``SimExchange`` inherits this mixin; ``place_sor_order`` runs as one action (``_begin`` ...
  ``_publish``), checks everything first and refuses with Binance's codes (``SimError``).
- Only LIMIT and MARKET orders, on a symbol of a SOR configuration (``SimConfig.sors``); the
  order is validated as an order on the submitted symbol (filters, STP modes, client id,
  balance) and gets that symbol's next order id.
- Taker phase: the order takes the best price across every book of its SOR configuration,
  level by level, oldest order first, while its limit crosses (example 2: 28,000 on BTCUSDC,
  29,000 on BTCUSDP, 30,000 on BTCUSDC, then 30,500 on BTCUSDT). At one price the submitted
  symbol's book goes first, then the others in configuration order (the FAQ is silent on
  ties; our choice).
- Every fill of the taker phase, on its own book too, is an allocation: ``tradeId`` -1,
  ``matchType`` ONE_PARTY_TRADE_REPORT, ``allocId`` (from 0, per submitted symbol), listed by
  ``myAllocations`` and not by ``myTrades`` (examples 1-4 report every taker fill so). The
  maker trades normally on its own book: a trade id of that symbol, its own executionReport
  and trade record, the public trade stream.
- Settlement (faqs/sor_faq.md, What are allocations?: "a transfer of an asset from the
  exchange to your account"): the taker pays or receives the *submitted* symbol's quote asset
  ("you will always receive the quote asset of the symbol in your order"; example 1 spends
  USDT, not USDC) and the maker its own book's; the exchange's SOR account (``Ledger.routed``)
  takes the difference, so each asset is conserved. The taker pays the submitted symbol's
  taker commission in the asset it receives; the maker its book's maker commission.
- ``workingFloor`` (faqs/sor_faq.md, "where the order's last activity occurred"): SOR from
  acceptance through the taker phase (its NEW, TRADE and EXPIRED reports, and the answer of an
  order that ends there); EXCHANGE once a LIMIT GTC remainder rests on the submitted book
  (FAQ note: "LIMIT GTC orders will place the remaining quantity on the order book you
  originally submitted the order to"), for the answer and everything after (its trades there
  are ordinary trades with trade ids). ``usedSor`` is true throughout.
- LIMIT IOC and MARKET remainders expire (FAQ note; example 3); LIMIT FOK expires unfilled
  unless the whole quantity is available across the books (our reading of FOK for SOR).
- Self-trade prevention applies across the books with the taker's mode (myPreventedMatches
  gained ``makerSymbol`` with SOR, CHANGELOG 2023-08-08); a TRANSFER between two books acts as
  DECREMENT (the transferred notional would be in two different quote assets; our choice).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from oms.wire.enums import (
    ExecutionType,
    ExpiryReason,
    OrderResponseType,
    OrderStatus,
    OrderType,
    SelfTradePreventionMode,
    Side,
    TimeInForce,
)
from oms.wire.money import ZERO
from oms.wire.requests import NewOrder
from oms.wire.rest import MyAllocation, NewOrderAck, NewOrderFull, NewOrderResult, OrderFill
from transports.sim import errors, reports
from transports.sim.book import SimOrder
from transports.sim.config import SimConfig
from transports.sim.matching import _iceberg_taken, _prevent, _trade, effective_mode, same_party
from transports.sim.sor_shapes import ALLOCATION_MATCH, SorInfo

if TYPE_CHECKING:
    from transports.sim.accounts import Ledger

__all__ = ["SimSor"]

# The exchange's per-symbol state (transports.sim.exchange._Market), not imported: the
# exchange imports this module.
_Market = Any
_SOR = "SOR"
_EXCHANGE = "EXCHANGE"
_SOR_TYPES = (OrderType.LIMIT, OrderType.MARKET)
_DAY_MS = 24 * 60 * 60 * 1000


class _Allocation:
    """One allocation of one order: kept raw, shaped only when answered."""

    __slots__ = ("allocation_id", "commission", "commission_asset", "order", "price", "qty", "time")

    def __init__(
        self,
        order: SimOrder,
        *,
        allocation_id: int,
        qty: Decimal,
        price: Decimal,
        commission: Decimal,
        commission_asset: str,
        time: int,
    ) -> None:
        self.order = order
        self.allocation_id = allocation_id
        self.qty = qty
        self.price = price
        self.commission = commission
        self.commission_asset = commission_asset
        self.time = time


class SimSor:
    """Orders placed using SOR for ``SimExchange`` (see the module rules)."""

    # Provided by SimExchange.
    config: SimConfig
    _markets: dict[str, Any]
    _ledger: Ledger
    _now: int
    _reports: list[tuple[str, Any]]
    _trades: dict[tuple[str, str], list[reports.TradeRecord]]
    _next_execution_id: int
    _fill_listener: Callable[[str], None] | None
    _market: Callable[[str], Any]
    _validate: Callable[[str, Any, NewOrder], SimOrder]
    _begin: Callable[[], None]
    _publish: Callable[[], None]
    _accept: Callable[[Any, SimOrder], None]
    _expire: Callable[[Any, SimOrder, ExpiryReason], None]
    _close: Callable[[SimOrder], None]
    _heard: Callable[[str], bool]
    _settle_market: Callable[[Any], None]
    _sink_for: Callable[[Any], Any]
    _response: Callable[
        [Any, SimOrder, OrderResponseType], NewOrderAck | NewOrderResult | NewOrderFull
    ]
    record_trade_price: Callable[[str, Decimal], None]

    def _init_sor(self) -> None:
        # symbol -> the symbols of its SOR configuration, itself first, then the others in
        # configuration order (the tie order of the taker phase).
        self._sor_books: dict[str, tuple[str, ...]] = {}
        for group in self.config.sors:
            for symbol in group.symbols:
                others = tuple(s for s in group.symbols if s != symbol)
                self._sor_books[symbol] = (symbol, *others)
        self._allocations: dict[tuple[str, str], list[_Allocation]] = {}
        self._next_allocation: dict[str, int] = {}
        self._sor_fills: list[_Allocation] = []

    # --- public API --------------------------------------------------------------------

    def sors(self) -> tuple[SorInfo, ...]:
        """exchangeInfo's ``sors`` (empty when SOR is not configured)."""
        return tuple(SorInfo(base_asset=g.base_asset, symbols=g.symbols) for g in self.config.sors)

    def test_sor_order(self, account: str, order: NewOrder) -> None:
        """Validate an order as ``POST /api/v3/sor/order/test`` does; nothing changes.

        Raises:
            KeyError: unknown account.
            SimError: the refusal ``place_sor_order`` would give before the engine.
        """
        self._ledger.require(account)
        markets = self._sor_markets(order)
        self._validate(account, markets[0], order)

    def place_sor_order(
        self, account: str, order: NewOrder
    ) -> NewOrderAck | NewOrderResult | NewOrderFull:
        """Place an order using SOR (rest-api.md, New order using SOR; module rules).

        Returns:
            The ACK, RESULT or FULL body by ``newOrderRespType`` (default FULL); FULL's
            ``fills`` are the taker phase's allocations.

        Raises:
            KeyError: unknown account.
            SimError: any refusal; nothing has changed then. -1116 for a type other than
                LIMIT / MARKET, -1020 for a symbol in no SOR configuration.
        """
        self._ledger.require(account)
        markets = self._sor_markets(order)
        market = markets[0]
        taker = self._validate(account, market, order)
        taker.working_floor = _SOR
        complete = self._sor_lock(market, markets, taker)
        self._begin()
        self._sor_fills = []
        self._accept(market, taker)
        if taker.time_in_force is TimeInForce.FOK and not complete:
            self._expire(market, taker, ExpiryReason.UNFILLED_FOK_ORDER_EXPIRED)
        else:
            self._route(market, markets, taker)
            self._finish(market, taker)
        for touched in markets:
            self._settle_market(touched)
        self._publish()
        answer = self._response(market, taker, order.effective_response_type())
        if isinstance(answer, NewOrderFull):
            rules = market.rules
            fills = tuple(_fill(a, rules) for a in self._sor_fills)
            answer = msgspec.structs.replace(answer, fills=fills)
        self._sor_fills = []
        return answer

    def my_allocations(
        self,
        account: str,
        symbol: str,
        *,
        order_id: int | None = None,
        from_allocation_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
    ) -> list[MyAllocation]:
        """``GET /api/v3/myAllocations`` (rest-api.md, Query Allocations): oldest first; with
        only ``endTime`` the newest until then.

        Raises:
            KeyError: unknown account.
            SimError: -1121 unknown symbol; -1127 more than 24 hours between the times.
        """
        self._ledger.require(account)
        market = self._market(symbol)
        if start_time is not None and end_time is not None and end_time - start_time > _DAY_MS:
            raise errors.SimError(-1127, "More than 24 hours between startTime and endTime.")
        found = [
            a
            for a in self._allocations.get((account, symbol), [])
            if (order_id is None or a.order.order_id == order_id)
            and (from_allocation_id is None or a.allocation_id >= from_allocation_id)
            and (start_time is None or a.time >= start_time)
            and (end_time is None or a.time <= end_time)
        ]
        newest = end_time is not None and start_time is None
        chosen = found[-limit:] if newest else found[:limit]
        return [_allocation(a, market.rules) for a in chosen]

    # --- checks and locks --------------------------------------------------------------

    def _sor_markets(self, order: NewOrder) -> list[_Market]:
        """The order's SOR books, the submitted one first. Raises: SimError."""
        if order.order_type not in _SOR_TYPES:
            # rest-api.md, New order using SOR: "only supports LIMIT and MARKET orders".
            raise errors.SimError(-1116, "Invalid orderType.")
        market = self._market(order.symbol)
        books = self._sor_books.get(order.symbol)
        if books is None:
            # errors.md names no SOR refusal; the symbol has no SOR configuration
            # (exchangeInfo ``sors``), so the operation is unsupported for it. UNVERIFIED.
            raise errors.SimError(
                -1020, "This operation is not supported. (The symbol is in no SOR.)"
            )
        return [market, *(self._markets[s] for s in books[1:])]

    def _sor_lock(self, market: _Market, markets: list[_Market], taker: SimOrder) -> bool:
        """Take the order's lock (a MARKET BUY locks what its walk across the books costs);
        return whether the books can fill it completely now. Raises: -2010."""
        qty, spent = _walk(markets, taker)
        rules = market.rules
        if taker.side is Side.SELL:
            asset, amount = rules.base, taker.orig_qty
        elif taker.type is OrderType.LIMIT:
            asset, amount = rules.quote, taker.price * taker.orig_qty
        else:
            asset, amount = rules.quote, spent
        if not self._ledger.lock(taker.account, asset, amount):
            raise errors.insufficient_balance()
        taker.lock_asset = asset
        taker.locked = amount
        return qty >= taker.orig_qty

    # --- the taker phase ---------------------------------------------------------------

    def _route(self, market: _Market, markets: list[_Market], taker: SimOrder) -> None:
        """Take the best price across the books until filled, out of range or prevented."""
        buy = taker.side is Side.BUY
        limit = taker.price if taker.type is OrderType.LIMIT else None
        while taker.remaining > ZERO:
            best = _best(markets, taker.side)
            if best is None:
                return
            book, price = best
            if limit is not None and (price > limit if buy else price < limit):
                return
            side = book.book.opposite(taker.side)
            maker = next(iter(side.levels[price].values()))
            if taker.stp is not SelfTradePreventionMode.NONE and same_party(taker, maker):
                if self._sor_prevent(book, side, taker, maker, price):
                    return
                continue
            qty = min(maker.shown, taker.remaining)
            _trade(taker, maker, qty, price)
            if maker.status is OrderStatus.FILLED:
                side.remove(maker)
            elif maker.iceberg_qty:
                _iceberg_taken(side, maker, qty)
            self._maker_trade(book, taker, maker, qty, price)
            self._allocate(market, book, taker, qty, price)

    def _sor_prevent(
        self, book: _Market, side: Any, taker: SimOrder, maker: SimOrder, price: Decimal
    ) -> bool:
        """STP against one maker (``matching``'s rules); True if the taker expired."""
        mode = taker.stp
        cross_transfer = (
            maker.symbol != taker.symbol
            and effective_mode(taker, maker) is SelfTradePreventionMode.TRANSFER
        )
        if cross_transfer:
            taker.stp = SelfTradePreventionMode.DECREMENT  # module rules: DECREMENT across books
        try:
            return _prevent(side, taker, maker, price, self._sink_for(book))
        finally:
            taker.stp = mode

    def _finish(self, market: _Market, taker: SimOrder) -> None:
        """After the taker phase: close, expire, or rest a LIMIT GTC remainder."""
        if taker.status is OrderStatus.EXPIRED_IN_MATCH or taker.status is OrderStatus.FILLED:
            self._close(taker)
        elif taker.type is OrderType.MARKET:
            self._expire(market, taker, ExpiryReason.INSUFFICIENT_LIQUIDITY)
        elif taker.time_in_force is not TimeInForce.GTC:
            self._expire(market, taker, ExpiryReason.UNFILLED_IOC_QUANTITY_EXPIRED)
        else:
            # The remainder works on the submitted book: its floor is the exchange now.
            taker.working_floor = _EXCHANGE
            if taker.report is not None:
                taker.report = msgspec.structs.replace(taker.report, working_floor=_EXCHANGE)
            taker.refill()
            market.book.side(taker.side).add(taker)
            market.data.touch(taker.side, taker.price)

    def _maker_trade(
        self, book: _Market, taker: SimOrder, maker: SimOrder, qty: Decimal, price: Decimal
    ) -> None:
        """The maker's side of one fill: an ordinary trade on its own book."""
        now = self._now
        rules = book.rules
        trade_id = book.next_trade_id
        book.next_trade_id += 1
        book.reference_price = price
        self.record_trade_price(rules.symbol, price)
        buyer_maker = maker.side is Side.BUY
        book.data.trade(trade_id, price, qty, now, buyer_maker=buyer_maker, taker=taker.order_id)
        book.data.touch(maker.side, maker.price)
        taker.update_time = maker.update_time = now
        rate = self.config.commission(rules.symbol).rate(is_maker=True, is_buyer=buyer_maker)
        fee, asset = self._sink_for(book)._settle(maker, qty, price, rate)
        self._trade_report(book, maker, qty, price, fee=fee, asset=asset, trade_id=trade_id)
        record = reports.TradeRecord(
            maker,
            trade_id=trade_id,
            qty=qty,
            price=price,
            commission=fee,
            commission_asset=asset,
            time=now,
            is_maker=True,
        )
        self._trades.setdefault((maker.account, maker.symbol), []).append(record)
        if maker.status is OrderStatus.FILLED:
            self._close(maker)

    def _allocate(
        self, market: _Market, book: _Market, taker: SimOrder, qty: Decimal, price: Decimal
    ) -> None:
        """The taker's side of one fill: an allocation in the submitted symbol's quote asset,
        the exchange's SOR account evening out the two quote assets (module rules)."""
        rules = market.rules
        buy = taker.side is Side.BUY
        rate = self.config.commission(rules.symbol).rate(is_maker=False, is_buyer=buy)
        fee, asset = self._sink_for(market)._settle(taker, qty, price, rate)
        notional = qty * price
        self._ledger.route(rules.quote, notional if buy else -notional)
        self._ledger.route(book.rules.quote, -notional if buy else notional)
        symbol = rules.symbol
        allocation_id = self._next_allocation.get(symbol, 0)
        self._next_allocation[symbol] = allocation_id + 1
        now = self._now
        # user-data-stream.md, Conditional Fields in Execution Report: ``b`` and ``a``.
        self._trade_report(
            market, taker, qty, price, fee=fee, asset=asset, allocation_id=allocation_id
        )
        allocation = _Allocation(
            taker,
            allocation_id=allocation_id,
            qty=qty,
            price=price,
            commission=fee,
            commission_asset=asset,
            time=now,
        )
        self._allocations.setdefault((taker.account, symbol), []).append(allocation)
        self._sor_fills.append(allocation)

    def _trade_report(
        self,
        market: _Market,
        order: SimOrder,
        qty: Decimal,
        price: Decimal,
        *,
        fee: Decimal,
        asset: str,
        trade_id: int = -1,
        allocation_id: int | None = None,
    ) -> None:
        """Queue one side's TRADE report (built only when its account is heard): a maker's
        with its trade id, or the taker's allocation (``t`` -1, ``b``, ``a``); then the
        unfilled order count's first fill."""
        if self._heard(order.account):
            report = reports.execution_report(
                order,
                market.rules,
                now=self._now,
                execution_id=self._next_execution_id,
                execution_type=ExecutionType.TRADE,
                trade_id=trade_id,
                last_qty=qty,
                last_price=price,
                commission=fee,
                commission_asset=asset,
                is_maker=allocation_id is None,
            )
            if allocation_id is not None:
                report = msgspec.structs.replace(
                    report, match_type=ALLOCATION_MATCH, allocation_id=allocation_id
                )
            self._reports.append((order.account, report))
        self._next_execution_id += 1
        listener = self._fill_listener
        if listener is not None and order.executed == qty:
            listener(order.account)  # rest-api.md, Unfilled Order Count


def _levels(market: _Market, side: Side, rank: int) -> Iterator[tuple[Decimal, int, SimOrder]]:
    """One book's makers for a ``side`` taker, best first, keyed for a merge across books."""
    buy = side is Side.BUY
    for order in market.book.opposite(side).orders_best_first():
        yield (order.price if buy else -order.price), rank, order


def _walk(markets: list[_Market], taker: SimOrder) -> tuple[Decimal, Decimal]:
    """What the taker phase would fill and spend now, without changing anything (as
    ``matching.simulate`` for one book): the basis of a MARKET BUY's lock and of FOK."""
    buy = taker.side is Side.BUY
    limit = taker.price if taker.type is OrderType.LIMIT else None
    want = taker.orig_qty
    filled = spent = ZERO
    merged = heapq.merge(*(_levels(m, taker.side, r) for r, m in enumerate(markets)))
    for _, _, maker in merged:
        price = maker.price
        if filled >= want or (limit is not None and (price > limit if buy else price < limit)):
            break
        if taker.stp is not SelfTradePreventionMode.NONE and same_party(taker, maker):
            mode = effective_mode(taker, maker)
            if mode is SelfTradePreventionMode.EXPIRE_MAKER:
                continue
            if mode in (SelfTradePreventionMode.DECREMENT, SelfTradePreventionMode.TRANSFER):
                want -= min(maker.remaining, want - filled)
                continue
            break
        qty = min(maker.remaining, want - filled)
        filled += qty
        spent += qty * price
    return filled, spent


def _best(markets: list[_Market], side: Side) -> tuple[_Market, Decimal] | None:
    """The book with the best opposite price for a ``side`` taker; the first one on a tie."""
    buy = side is Side.BUY
    found: tuple[_Market, Decimal] | None = None
    for market in markets:
        price = market.book.opposite(side).best()
        if price is None:
            continue
        if found is None or (price < found[1] if buy else price > found[1]):
            found = (market, price)
    return found


def _fill(allocation: _Allocation, rules: Any) -> OrderFill:
    """One allocation in a FULL answer's ``fills`` (faqs/sor_faq.md, examples; the local
    server sends it in the FAQ's key order: ``sor_shapes.in_binance_order``)."""
    return OrderFill(
        match_type=ALLOCATION_MATCH,
        price=allocation.price.quantize(rules.quote_quantum),
        qty=allocation.qty.quantize(rules.base_quantum),
        commission=allocation.commission,
        commission_asset=allocation.commission_asset,
        trade_id=-1,
        alloc_id=allocation.allocation_id,
    )


def _allocation(allocation: _Allocation, rules: Any) -> MyAllocation:
    """One element of ``myAllocations`` (rest-api.md, Query Allocations)."""
    order = allocation.order
    return MyAllocation(
        symbol=order.symbol,
        allocation_id=allocation.allocation_id,
        allocation_type="SOR",  # enums.md, AllocationType
        order_id=order.order_id,
        order_list_id=reports.list_id(order),
        price=allocation.price.quantize(rules.quote_quantum),
        qty=allocation.qty.quantize(rules.base_quantum),
        quote_qty=(allocation.qty * allocation.price).quantize(rules.quote_quantum),
        commission=allocation.commission,
        commission_asset=allocation.commission_asset,
        time=allocation.time,
        is_buyer=order.side is Side.BUY,
        is_maker=False,
        is_allocator=False,
    )
