"""The simulated Binance Spot exchange: accounts, orders, matching, fees and user data.

Rules:
- Pure and synchronous: the clock is injected (``clock() -> ms``), randomness comes only
  from ``random.Random(seed)`` (the prefix of generated client order ids), so the same
  seed and the same calls give byte-identical outputs and events.
- Every request is checked completely before anything changes; a refusal raises
  ``SimError`` with Binance's code and message and leaves no trace (no event, no id used).
- Locks (faqs/commission_faq.md and issue 3): a BUY LIMIT / LIMIT_MAKER locks
  ``price * qty`` quote; any SELL locks its base quantity (a ``quoteOrderQty`` SELL locks
  the base its walk of the book will sell); a MARKET BUY by quantity locks exactly what the
  walk of the book will cost *now* (matching is synchronous, so the estimate is the cost;
  STP can only make it smaller); a MARKET BUY by ``quoteOrderQty`` locks that amount.
  Too little free balance is -2010 "Account has insufficient balance for requested
  action.". Fills pay out of the lock, price improvement returns to free, and closing an
  order unlocks whatever its lock still holds.
- Commission is charged in the received asset at the maker or taker rate, rounded down to
  the asset's commission precision, and credited to the fee account (``fees``), so every
  asset is conserved exactly across accounts plus fees.
- Events (user-data-stream.md, Order Update): an action queues all its ``executionReport``s (taker
  and makers, whoever owns them) in the order they happened, then one ``outboundAccountPosition``
  per account whose balances it touched, with exactly the assets touched. ``I`` (execution id)
  increases across all events; order ids, trade ids and prevented-match ids increase per symbol; all
  times come from the one clock read the action makes.
- An ``audience`` (``set_listener``) says whose events anyone reads: the events of an account
  outside it are not built at all (its execution ids are still used, so every listened
  account's events are exactly what they would have been). Everything else is built as
  always: state, trade records (myTrades, FULL fills), answers; an order's first fill is
  reported to the fill listener whoever listens (rest-api.md, Unfilled Order Count).
- The reference price of PERCENT_PRICE_BY_SIDE and of market notional checks is the last
  trade price, starting from ``SimConfig.reference_prices`` (filters.md, PERCENT_PRICE_BY_SIDE
  allows the last price).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

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
from oms.wire.events import (
    BalanceDelta,
    BalanceUpdate,
    ExternalLockUpdate,
    OutboundAccountPosition,
    UserDataEvent,
)
from oms.wire.money import ZERO
from oms.wire.orderlists import OrderListAnswer
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import (
    AccountBalance,
    AccountInfo,
    CancelResponse,
    CommissionRates,
    CommissionResponse,
    ExchangeInfo,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    PlacementPreventedMatch,
    QueryOrderResponse,
)
from transports.sim import errors, reports
from transports.sim.accounts import Ledger
from transports.sim.advanced import SimAdvanced
from transports.sim.book import MARKET_TYPES, OrderBook, SimOrder
from transports.sim.config import SimConfig
from transports.sim.exchange_filters import check_exchange_limit
from transports.sim.filters import (
    CLIENT_ID_RANGE,
    SymbolFilters,
    check_filters,
    check_max_position,
    check_params,
    effective_time_in_force,
    valid_client_id,
)
from transports.sim.market_data import MarketData, MarketUpdate
from transports.sim.matching import (
    Estimate,
    effective_mode,
    match,
    simulate,
    transfers,
    whole_steps,
)
from transports.sim.sor import SimSor
from transports.sim.sor_shapes import SorExchangeInfo
from transports.sim.triggers import ALGO_TYPES

__all__ = ["Clock", "ManualClock", "SimExchange"]

Clock = Callable[[], int]
Listener = Callable[[str, UserDataEvent], None]
# Whether anyone reads ``account``'s events now (the server's subscriptions).
Audience = Callable[[str], bool]
FillListener = Callable[[str], None]
MarketListener = Callable[[MarketUpdate], None]
_ALNUM = string.ascii_letters + string.digits
_BALANCE_QUANTUM = Decimal("0.00000001")
_MAX_TRADES_LIMIT = 1000
_DAY_MS = 24 * 60 * 60 * 1000


def _refuse_thin_book(market: _Market, taker: SimOrder) -> None:
    """A quote quantity MARKET order needs liquidity to size against (errors.md, -2010
    messages): none on the book is "Order book liquidity is less than symbol minimum
    quantity."; less than the LOT_SIZE (MARKET_LOT_SIZE) minimum quantity is "Order book
    liquidity is less than LOT_SIZE (MARKET_LOT_SIZE) filter minimum quantity." (the table
    writes the filter names in backticks, markdown we read as formatting; CHANGELOG
    2024-08-16: new messages for "reverse market orders ... rejected in low-liquidity
    situations").

    Raises:
        SimError: -2010 with the message above; nothing has changed.
    """
    side = market.book.opposite(taker.side)
    if not side:
        raise errors.SimError(-2010, "Order book liquidity is less than symbol minimum quantity.")
    rules = market.rules
    for f, name in ((rules.lot, "LOT_SIZE"), (rules.market_lot, "MARKET_LOT_SIZE")):
        if f is None or not f.min_qty:
            continue
        liquidity = ZERO
        for maker in side.orders_best_first():
            liquidity += maker.remaining
            if liquidity >= f.min_qty:
                break
        else:
            raise errors.SimError(
                -2010, f"Order book liquidity is less than {name} filter minimum quantity."
            )


def _check_sized_quantity(rules: SymbolFilters, qty: Decimal) -> None:
    """The quantity a quoteOrderQty MARKET order works out to keeps the quantity filters:
    it "will not break LOT_SIZE filter rules" (rest-api.md, New order) - so a budget too small
    for LOT_SIZE's minQty is refused -, and "MARKET_LOT_SIZE filter now correctly rejects
    reverse market orders that go over the symbol's maxQty" (CHANGELOG 2023-07-11). A zero
    bound is no bound, as in every filter here.

    Raises:
        SimError: -1013 "Filter failure: LOT_SIZE" / "Filter failure: MARKET_LOT_SIZE".
    """
    lot = rules.lot
    if lot is not None and lot.min_qty and qty < lot.min_qty:
        raise errors.filter_failure("LOT_SIZE")
    market_lot = rules.market_lot
    if market_lot is not None and 0 < market_lot.max_qty < qty:
        raise errors.filter_failure("MARKET_LOT_SIZE")


class ManualClock:
    """A clock you set by hand (ms), for tests and replays."""

    __slots__ = ("now_ms",)

    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> int:
        self.now_ms += ms
        return self.now_ms


class _Market:
    """One symbol's rules, book, reference price and id counters."""

    __slots__ = (
        "book",
        "data",
        "next_order_id",
        "next_prevented_id",
        "next_trade_id",
        "orders",
        "reference_price",
        "rules",
        "step",
    )

    def __init__(self, rules: SymbolFilters, reference_price: Decimal) -> None:
        self.rules = rules
        self.book = OrderBook(rules.symbol)
        self.data = MarketData(self.book)
        self.reference_price = reference_price
        # quoteOrderQty orders buy whole LOT_SIZE steps; without one, whole base units.
        self.step = rules.step or rules.base_quantum
        self.next_order_id = 1
        self.next_trade_id = 1
        self.next_prevented_id = 1
        self.orders: dict[int, SimOrder] = {}


class SimExchange(SimAdvanced, SimSor):
    """An in-memory Binance Spot exchange driven step by step (see the module rules)."""

    def __init__(self, *, clock: Clock, config: SimConfig | None = None, seed: int = 0) -> None:
        self._clock = clock
        self.config = config or SimConfig()
        self._rng = random.Random(seed)
        # Generated client ids: a seeded 10-character prefix and a counter, 22 alphanumerics
        # like Binance's (rest-api.md, New order), unique per exchange and reproducible per seed.
        self._id_prefix = "".join(self._rng.choices(_ALNUM, k=10))
        self._next_client_id = 0
        self._markets: dict[str, _Market] = {}
        for info in self.config.symbols:
            ref = self.config.reference_prices.get(info.symbol, ZERO)
            self._markets[info.symbol] = _Market(SymbolFilters(info), ref)
        self._ledger = Ledger()
        self._next_execution_id = 1
        # (account, symbol, clientOrderId) -> the latest order with that id
        self._by_client: dict[tuple[str, str, str], SimOrder] = {}
        self._open: dict[str, dict[tuple[str, int], SimOrder]] = {}
        self._open_count: dict[tuple[str, str], int] = {}
        self._trades: dict[tuple[str, str], list[reports.TradeRecord]] = {}
        self._queues: dict[str, list[UserDataEvent]] = {}
        self._listener: Listener | None = None
        self._audience: Audience | None = None  # None: everyone's events are built
        self._fill_listener: FillListener | None = None
        self._market_listener: MarketListener | None = None
        # The action in progress: its time, reports and the taker's FULL fills.
        self._now = 0
        self._reports: list[tuple[str, UserDataEvent]] = []
        self._fills: list[reports.TradeRecord] = []
        # This placement's prevented matches, by taker: its FULL answer's ``preventedMatches``.
        self._prevented_now: list[tuple[SimOrder, PlacementPreventedMatch]] = []
        self._uids: dict[str, int] = {}
        # account -> tradeGroupId; absent is -1, no group (faqs/stp_faq.md, Trade Group Id).
        self._groups: dict[str, int] = {}
        # (account, symbol) -> prevented matches, oldest first (myPreventedMatches).
        self._prevented: dict[tuple[str, str], list[dict[str, object]]] = {}
        self._init_advanced()
        self._init_sor()

    # --- accounts --------------------------------------------------------------------

    def create_account(self, account: str, balances: Mapping[str, Decimal] | None = None) -> None:
        """Open an account with free balances; no events.

        Raises:
            ValueError: the account already exists or a balance is negative.
        """
        self._ledger.create(account, balances)
        self._open[account] = {}
        self._queues[account] = []
        self._uids[account] = len(self._uids) + 1

    def set_trade_group(self, account: str, group: int) -> None:
        """Put ``account`` in trade group ``group`` (-1: none). Orders placed afterwards are
        self-trades with the group's other accounts (faqs/stp_faq.md, Trade Group Id)."""
        self._ledger.require(account)
        if group == -1:
            self._groups.pop(account, None)
        else:
            self._groups[account] = group

    def deposit(self, account: str, asset: str, amount: Decimal) -> None:
        """Credit (or, negative, debit) free balance: ``balanceUpdate`` then the position.

        Raises:
            KeyError: unknown account.
            ValueError: a debit larger than the free balance.
        """
        self._ledger.require(account)
        self._begin()
        self._ledger.deposit(account, asset, amount)
        delta = amount.quantize(_BALANCE_QUANTUM)
        event = BalanceUpdate(event_time=self._now, asset=asset, delta=delta, clear_time=self._now)
        self._reports.append((account, event))
        self._publish()

    def external_lock(self, account: str, asset: str, delta: Decimal) -> None:
        """Lock (``delta`` > 0) or unlock free balance from outside trading, e.g. as
        collateral: ``externalLockUpdate`` then the position (user-data-stream.md,
        External Lock Update).

        Raises:
            KeyError: unknown account.
            ValueError: more than is free to lock, or locked to unlock.
        """
        self._ledger.require(account)
        free, locked = self._ledger.balance(account, asset)
        if (delta > ZERO and delta > free) or (delta < ZERO and -delta > locked):
            raise ValueError(f"cannot move {delta} {asset} between free and locked")
        self._begin()
        if delta > ZERO:
            self._ledger.lock(account, asset, delta)
        else:
            self._ledger.unlock(account, asset, -delta)
        event = ExternalLockUpdate(
            event_time=self._now,
            asset=asset,
            delta=delta.quantize(_BALANCE_QUANTUM),
            transaction_time=self._now,
        )
        self._reports.append((account, event))
        self._publish()

    def balance(self, account: str, asset: str) -> tuple[Decimal, Decimal]:
        """``(free, locked)`` of one asset. Raises: KeyError: unknown account."""
        return self._ledger.balance(account, asset)

    def accounts(self) -> list[str]:
        return self._ledger.accounts()

    def fees(self, asset: str) -> Decimal:
        """Commission collected so far in ``asset`` (the fee account)."""
        return self._ledger.fees.get(asset, ZERO)

    def total(self, asset: str) -> Decimal:
        """``asset`` held by every account (free + locked) plus the fee account."""
        return self._ledger.total(asset)

    # --- trading ---------------------------------------------------------------------

    def test_order(self, account: str, order: NewOrder) -> None:
        """Validate a new order as ``POST /api/v3/order/test`` does; nothing changes.

        Raises:
            KeyError: unknown account.
            SimError: the refusal ``place_order`` would give before the engine.
        """
        self._ledger.require(account)
        market = self._market(order.symbol)
        self._validate(account, market, order)
        if order.order_type in ALGO_TYPES:
            # TRAILING_DELTA, MAX_NUM_ALGO_ORDERS and EXCHANGE_MAX_NUM_ALGO_ORDERS are filters
            # (filters.md) like the others, and the test order "Creates and validates a new
            # order" (rest-api.md, Test new order): it refuses what placing would refuse.
            self._algo_checks(account, market, order)

    def place_order(
        self, account: str, order: NewOrder, *, checked: bool = False
    ) -> NewOrderAck | NewOrderResult | NewOrderFull:
        """Place, match and (for GTC leftovers) rest a new order. ``checked``: ``order`` was
        built by the local server's ``new_order_from_params``, whose refusals come first, so
        the parameter checks it already made are not made again (``check_params``).

        Returns:
            The ACK, RESULT or FULL body by ``newOrderRespType`` (default FULL for MARKET
            and LIMIT, ACK otherwise; rest-api.md, New order).

        Raises:
            KeyError: unknown account. SimError: any refusal (filters.md, Symbol filters filters,
            errors.md codes); nothing has changed then.
        """
        self._ledger.require(account)
        if order.order_type in ALGO_TYPES:
            return self._place_algo(account, order, checked=checked)
        market = self._market(order.symbol)
        taker = self._validate(account, market, order, checked=checked)
        estimate = self._lock(market, taker)
        self._begin()
        self._accept(market, taker)
        self._execute(market, taker, estimate)
        self._settle_market(market)
        self._publish()
        return self._response(market, taker, order.effective_response_type())

    def cross(self, account: str, symbol: str, side: Side, price: Decimal, qty: Decimal) -> Decimal:
        """A trade elsewhere in the market: ``account`` takes up to ``qty`` at ``price`` or
        better as an IOC LIMIT, filling the resting orders it crosses at *their* prices.

        Filters and STP are skipped (the trade happened elsewhere; only its effect on this
        book matters); balances and events are as for any order. Returns the filled qty.

        Raises:
            KeyError: unknown account.
            SimError: -1121 unknown symbol; -2010 insufficient balance for the lock.
        """
        self._ledger.require(account)
        market = self._market(symbol)
        taker = SimOrder(
            account=account,
            symbol=symbol,
            order_id=0,
            client_order_id="",
            side=side,
            type=OrderType.LIMIT,
            time_in_force=TimeInForce.IOC,
            price=price,
            orig_qty=qty,
            quote_order_qty=ZERO,
            stp=SelfTradePreventionMode.NONE,
            time=0,
        )
        self._lock(market, taker)
        self._begin()
        self._accept(market, taker)
        self._execute(market, taker, None)
        self._settle_market(market)
        self._publish()
        return taker.executed

    def cancel_order(self, account: str, cancel: CancelOrder) -> CancelResponse:
        """Cancel one open order by ``orderId`` and/or ``origClientOrderId``.

        Raises:
            KeyError: unknown account.
            SimError: -1121 unknown symbol; -1102 neither id; -1100 a bad new client id;
                -2011 "Unknown order sent." for an unknown or closed order.
        """
        self._ledger.require(account)
        market = self._market(cancel.symbol)
        order = self._find(account, market, cancel.order_id, cancel.orig_client_order_id)
        if order is None or not order.is_open:
            raise errors.unknown_order()
        cancel_id = self._checked_client_id(cancel.new_client_order_id)
        self._begin()
        response = self._cancel_leg(market, order, cancel_id)
        self.cancel_leg_list(market, order)
        self._publish()
        return response

    def cancel_order_or_list(
        self, account: str, cancel: CancelOrder
    ) -> CancelResponse | OrderListAnswer:
        """``order.cancel``: ``cancel_order``, but cancelling an order of an open order list
        (which cancels the whole list) answers with the list's cancel answer, every order's
        report under the cancel's client id (web-socket-api.md, Cancel order, "When an
        order list is canceled").

        Raises:
            The errors of ``cancel_order``.
        """
        self._ledger.require(account)
        market = self._market(cancel.symbol)
        order = self._find(account, market, cancel.order_id, cancel.orig_client_order_id)
        lst = None if order is None or not order.is_open else order.order_list
        if order is None or lst is None or not lst.is_open:
            return self.cancel_order(account, cancel)
        cancel_id = self._checked_client_id(cancel.new_client_order_id)
        self._begin()
        reports: list[CancelResponse] = [self._cancel_leg(market, order, cancel_id)]
        reports += self._cancel_list(market, lst, cancel_id)
        self._publish()
        place = {leg.order_id: i for i, leg in enumerate(lst.orders)}
        answer: OrderListAnswer = lst.answer(
            tuple(sorted(reports, key=lambda r: place[r.order_id])), self._now
        )
        return answer

    def cancel_open_orders(self, account: str, symbol: str) -> list[CancelResponse]:
        """Cancel every open order of the account on ``symbol`` in one action: each cancelled
        order, those of order lists included (``cancel_all`` gives the answer's shape).

        Raises:
            KeyError: unknown account.
            SimError: -1121 unknown symbol; -2011 when there is no open order.
        """
        return [r for _, cancelled in self._cancel_all(account, symbol) for r in cancelled]

    def query_order(self, account: str, query: QueryOrder) -> QueryOrderResponse:
        """Raises: KeyError: unknown account. SimError: -1121, -1102, -2013, -2039."""
        self._ledger.require(account)
        market = self._market(query.symbol)
        if query.order_id is not None and query.orig_client_order_id is not None:
            by_id = market.orders.get(query.order_id)
            if (
                by_id is not None
                and by_id.account == account
                and by_id.client_order_id != query.orig_client_order_id
            ):
                raise errors.SimError(-2039, "Client order ID is not correct for this order ID.")
        order = self._find(account, market, query.order_id, query.orig_client_order_id)
        if order is None:
            raise errors.no_such_order()
        return reports.query_response(order, market.rules)

    def open_orders(self, account: str, symbol: str | None = None) -> list[QueryOrderResponse]:
        """Raises: KeyError: unknown account. SimError: -1121 unknown symbol."""
        self._ledger.require(account)
        if symbol is not None:
            self._market(symbol)
        return [
            reports.query_response(o, self._markets[s].rules)
            for (s, _), o in self._open[account].items()
            if symbol is None or s == symbol
        ]

    # --- account and market data -------------------------------------------------------

    def account_info(self, account: str, *, omit_zero_balances: bool = False) -> AccountInfo:
        """``GET /api/v3/account``. Raises: KeyError: unknown account."""
        balances = tuple(
            AccountBalance(
                asset=asset,
                free=free.quantize(_BALANCE_QUANTUM),
                locked=locked.quantize(_BALANCE_QUANTUM),
            )
            for asset, (free, locked) in self._ledger.assets(account).items()
            if not (omit_zero_balances and free == ZERO and locked == ZERO)
        )
        rates = self._rates()
        return AccountInfo(
            # Integer bips (faqs/commission_faq.md).
            maker_commission=int(self.config.maker_commission * 10000),
            taker_commission=int(self.config.taker_commission * 10000),
            buyer_commission=int(self.config.buyer_commission * 10000),
            seller_commission=int(self.config.seller_commission * 10000),
            commission_rates=rates,
            can_trade=True,
            can_withdraw=True,
            can_deposit=True,
            brokered=False,
            require_self_trade_prevention=False,
            prevent_sor=False,
            update_time=self._ledger.update_time[account],
            account_type="SPOT",
            balances=balances,
            permissions=("SPOT",),
            uid=self._uids[account],
            trade_group_id=self._groups.get(account),
        )

    def _rates(self, symbol: str | None = None) -> CommissionRates:
        """The account's rates (``symbol=None``: those for every symbol) or one symbol's."""
        rates = self.config.commission(symbol)
        return CommissionRates(
            maker=rates.maker.quantize(_BALANCE_QUANTUM),
            taker=rates.taker.quantize(_BALANCE_QUANTUM),
            buyer=rates.buyer.quantize(_BALANCE_QUANTUM),
            seller=rates.seller.quantize(_BALANCE_QUANTUM),
        )

    def my_trades(
        self,
        account: str,
        symbol: str,
        *,
        order_id: int | None = None,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
    ) -> list[MyTrade]:
        """``GET /api/v3/myTrades`` with Binance's parameter combinations (rest-api.md, Account
        trade list).

        Raises:
            KeyError: unknown account.
            SimError: -1121 unknown symbol; -1128 a forbidden combination; -1127 more than
                24 hours between startTime and endTime; -1130 a bad limit.
        """
        self._ledger.require(account)
        self._market(symbol)
        if not 1 <= limit <= _MAX_TRADES_LIMIT:
            raise errors.SimError(-1130, "Data sent for parameter 'limit' is not valid.")
        timed = start_time is not None or end_time is not None
        if (order_id is not None and timed) or (from_id is not None and timed):
            raise errors.SimError(-1128, "Combination of optional parameters invalid.")
        if start_time is not None and end_time is not None and end_time - start_time > _DAY_MS:
            raise errors.SimError(-1127, "More than 24 hours between startTime and endTime.")
        trades = [
            t
            for t in self._trades.get((account, symbol), [])
            if (order_id is None or t.order.order_id == order_id)
            and (from_id is None or t.trade_id >= from_id)
            and (start_time is None or t.time >= start_time)
            and (end_time is None or t.time <= end_time)
        ]
        # Without fromId or startTime Binance answers the most recent trades.
        chosen = trades[-limit:] if from_id is None and start_time is None else trades[:limit]
        rules = self._markets[symbol].rules
        return [reports.my_trade(t, rules) for t in chosen]

    def all_orders(
        self,
        account: str,
        symbol: str,
        *,
        order_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
    ) -> list[QueryOrderResponse]:
        """``GET /api/v3/allOrders`` (rest-api.md, All orders): with a time range ``orderId``
        is ignored and orders are filtered by their last update; with ``orderId`` the orders
        from that id; otherwise the most recent ones.

        Raises:
            KeyError: unknown account.
            SimError: -1121 unknown symbol; -1127 a range longer than 24 hours.
        """
        self._ledger.require(account)
        market = self._market(symbol)
        if start_time is not None and end_time is not None and end_time - start_time > _DAY_MS:
            raise errors.SimError(-1127, "More than 24 hours between startTime and endTime.")
        timed = start_time is not None or end_time is not None
        mine = [
            o
            for o in market.orders.values()
            if o.account == account
            and (timed or order_id is None or o.order_id >= order_id)
            and (start_time is None or o.update_time >= start_time)
            and (end_time is None or o.update_time <= end_time)
        ]
        chosen = mine[:limit] if order_id is not None or start_time is not None else mine[-limit:]
        return [reports.query_response(o, market.rules) for o in chosen]

    def prevented_matches(self, account: str, symbol: str) -> list[dict[str, object]]:
        """Every prevented match of ``account`` on ``symbol``, oldest first
        (rest-api.md, Query Prevented Matches). Raises: KeyError, SimError -1121."""
        self._ledger.require(account)
        self._market(symbol)
        return list(self._prevented.get((account, symbol), []))

    def commission(self, account: str, symbol: str) -> CommissionResponse:
        """``GET /api/v3/account/commission`` (faqs/commission_faq.md). Raises: KeyError, SimError
        -1121."""
        self._ledger.require(account)
        self._market(symbol)
        zero = ZERO.quantize(_BALANCE_QUANTUM)
        nil = CommissionRates(maker=zero, taker=zero, buyer=zero, seller=zero)
        return CommissionResponse(
            symbol=symbol,
            standard_commission=self._rates(symbol),
            tax_commission=nil,
            special_commission=nil,
            discount={
                "enabledForAccount": False,
                "enabledForSymbol": False,
                "discountAsset": "BNB",
                "discount": "0.25000000",
            },
        )

    def exchange_info(self, symbols: Sequence[str] | None = None) -> ExchangeInfo:
        """``GET /api/v3/exchangeInfo``. Raises: SimError: -1121 for an unknown symbol."""
        chosen = (
            [self._market(s).rules.info for s in symbols]
            if symbols
            else [m.rules.info for m in self._markets.values()]
        )
        sors = self.sors()
        if sors:  # faqs/sor_faq.md: ``sors`` is omitted when SOR is not available
            return SorExchangeInfo(
                server_time=self._clock(),
                rate_limits=self.config.rate_limits,
                exchange_filters=self.config.exchange_limits.filters(),
                symbols=tuple(chosen),
                sors=sors,
            )
        return ExchangeInfo(
            server_time=self._clock(),
            rate_limits=self.config.rate_limits,
            exchange_filters=self.config.exchange_limits.filters(),
            symbols=tuple(chosen),
        )

    def server_time(self) -> int:
        return self._clock()

    def book(
        self, symbol: str
    ) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """``(bids best-first, asks best-first)`` as ``(price, total qty)`` levels.

        Raises:
            SimError: -1121 unknown symbol.
        """
        book = self._market(symbol).book
        return book.bids.depth(), book.asks.depth()

    def crosses(self, symbol: str, side: Side, price: Decimal) -> bool:
        """Would a trade on ``side`` at ``price`` (``cross``) fill a resting order? A cheap
        test a replay makes before each trade. Raises: SimError: -1121 unknown symbol."""
        return self._market(symbol).book.crosses(side, price)

    def reference_price(self, symbol: str) -> Decimal:
        """Raises: SimError: -1121 unknown symbol."""
        return self._market(symbol).reference_price

    def set_reference_price(self, symbol: str, price: Decimal) -> None:
        """Move the reference price (a trade elsewhere, e.g. a replayed one).

        Raises:
            SimError: -1121 unknown symbol.
        """
        self._market(symbol).reference_price = price
        self.record_trade_price(symbol, price)

    def symbol_filters(self, symbol: str) -> SymbolFilters:
        """Raises: SimError: -1121 unknown symbol."""
        return self._market(symbol).rules

    # --- user data -------------------------------------------------------------------

    def drain_events(self, account: str) -> list[UserDataEvent]:
        """Every queued event of ``account``, oldest first. Raises: KeyError: unknown."""
        events = self._queues[account]
        self._queues[account] = []
        return events

    def set_listener(self, listener: Listener | None, audience: Audience | None = None) -> None:
        """Pass each event to ``listener(account, event)`` once its action has completed,
        instead of queueing it; ``None`` queues again.

        With ``audience``, an account's events are built (and passed) only while
        ``audience(account)`` is true, asked once per event; the rest are never built. An
        account that becomes heard gets exactly the events it would have had from then on.
        """
        self._listener = listener
        self._audience = audience if listener is not None else None

    def set_fill_listener(self, listener: FillListener | None) -> None:
        """Call ``listener(account)`` when one of the account's orders trades for the first
        time (inside the action that filled it), whether or not its events are heard."""
        self._fill_listener = listener

    def _heard(self, account: str) -> bool:
        audience = self._audience
        return audience is None or audience(account)

    def set_market_listener(self, listener: MarketListener | None) -> None:
        """Pass each action's public ``MarketUpdate`` (trades, changed levels) to
        ``listener`` once the action has completed; ``None`` stops."""
        self._market_listener = listener

    def market_data(self, symbol: str) -> MarketData:
        """The public trade tape, klines and book of ``symbol``.

        Raises:
            SimError: -1121 unknown symbol.
        """
        return self._market(symbol).data

    # --- internals: validation --------------------------------------------------------

    def _market(self, symbol: str) -> _Market:
        market = self._markets.get(symbol)
        if market is None:
            raise errors.invalid_symbol()
        return market

    def _validate(
        self,
        account: str,
        market: _Market,
        order: NewOrder,
        *,
        quantity_pending: bool = False,
        ahead: int = 0,
        checked: bool = False,
        maker_check: bool = True,
    ) -> SimOrder:
        """Every check before the engine; returns the order to place (id not yet given).
        ``quantity_pending``: a pending OPO order, whose quantity comes later; ``ahead``: the
        orders of its list before it (they count in MAX_NUM_ORDERS); ``checked``: parsed by
        the local server (see ``place_order``); ``maker_check`` False: the caller refuses a
        LIMIT_MAKER that would take itself, later (an OCO's price relationship first)."""
        rules = market.rules
        if rules.info.status != "TRADING":
            # HALT, BREAK, END_OF_DAY, CANCEL_ONLY: no new orders; cancels still go through.
            raise errors.market_closed()
        stp = check_params(rules, order, quantity_pending=quantity_pending, checked=checked)
        count = self._open_count.get((account, rules.symbol), 0) + ahead
        check_filters(rules, order, market.reference_price, count)
        if rules.max_position is not None and order.side is Side.BUY:
            check_max_position(rules, order, self._position(account, rules))
        # filters.md, EXCHANGE_MAX_NUM_ORDERS: this order and its list's before it count.
        check_exchange_limit(
            "EXCHANGE_MAX_NUM_ORDERS",
            self.config.exchange_limits.max_num_orders,
            self._open[account].values(),
            adding=1 + ahead,
        )
        if order.iceberg_qty is not None:
            self._iceberg_checks(account, market)
        client_id = order.client_order_id
        if client_id is not None:
            held = self._by_client.get((account, rules.symbol, client_id))
            if held is not None and held.is_open:
                raise errors.duplicate_order()
        if maker_check:
            self._refuse_taking_maker(market, order)
        return SimOrder(
            account=account,
            symbol=rules.symbol,
            order_id=0,
            client_order_id=client_id or "",
            side=order.side,
            type=order.order_type,
            time_in_force=effective_time_in_force(order),
            price=order.price or ZERO,
            orig_qty=order.quantity or ZERO,
            quote_order_qty=order.quote_order_qty or ZERO,
            stp=stp,
            time=0,
            strategy_id=order.strategy_id,
            strategy_type=order.strategy_type,
            iceberg_qty=order.iceberg_qty or ZERO,
            group=self._groups.get(account, -1),
        )

    def _position(self, account: str, rules: SymbolFilters) -> Decimal:
        """MAX_POSITION's position: free + locked base asset + the open BUY orders' quantity
        left on the symbol (filters.md, MAX_POSITION)."""
        free, locked = self._ledger.balance(account, rules.base)
        buys = sum(
            (
                o.remaining
                for (s, _), o in self._open[account].items()
                if s == rules.symbol and o.side is Side.BUY
            ),
            start=ZERO,
        )
        return free + locked + buys

    @staticmethod
    def _refuse_taking_maker(market: _Market, order: NewOrder) -> None:
        """A LIMIT_MAKER that would match is refused: -2010 "Order would immediately match
        and take." (errors.md, -2010 messages)."""
        if order.order_type is OrderType.LIMIT_MAKER and market.book.crosses(
            order.side, order.price or ZERO
        ):
            raise errors.would_match()

    def _checked_client_id(self, client_id: str | None) -> str:
        if client_id is None:
            return self._new_client_id()
        if not valid_client_id(client_id):
            raise errors.illegal_chars("newClientOrderId", CLIENT_ID_RANGE)
        return client_id

    def _new_client_id(self) -> str:
        # Binance generates 22 alphanumerics when no id is sent (rest-api.md, New order).
        self._next_client_id += 1
        return f"{self._id_prefix}{self._next_client_id:012d}"

    def _lock(self, market: _Market, taker: SimOrder) -> Estimate | None:
        """Size and take the order's lock (see the module rules); None when no walk ran.

        Raises:
            SimError: -2010 insufficient balance; nothing is locked then.
        """
        rules = market.rules
        estimate: Estimate | None = None
        if taker.quote_order_qty:
            _refuse_thin_book(market, taker)
        if taker.type in MARKET_TYPES or taker.time_in_force is TimeInForce.FOK:
            estimate = simulate(market.book, taker, market.step)
            if taker.quote_order_qty:
                taker.orig_qty = self._quote_order_qty_size(market, taker, estimate)
                _check_sized_quantity(rules, taker.orig_qty)
        buy = taker.side is Side.BUY
        if not buy:
            asset, amount = rules.base, taker.orig_qty
        elif taker.type not in MARKET_TYPES:
            asset, amount = rules.quote, taker.price * taker.orig_qty
        elif taker.quote_order_qty:
            asset, amount = rules.quote, taker.quote_order_qty
        else:
            asset, amount = rules.quote, estimate.spent if estimate else ZERO
        if not self._ledger.lock(taker.account, asset, amount):
            raise errors.insufficient_balance()
        taker.lock_asset = asset
        taker.locked = amount
        return estimate

    def _quote_order_qty_size(
        self, market: _Market, taker: SimOrder, estimate: Estimate
    ) -> Decimal:
        """The quantity a quoteOrderQty order stands for: what its walk fills, plus what
        the rest of its budget buys at the last (or reference) price when liquidity ends
        first. It is the order's ``origQty`` in reports, so FILLED means all of it traded
        and EXPIRED keeps ``executedQty < origQty`` (our choice; the docs are silent)."""
        if estimate.complete:
            return estimate.qty
        price = estimate.last_price or market.reference_price
        if not price:
            return estimate.qty
        left = taker.quote_order_qty - estimate.spent
        return estimate.qty + whole_steps(left, price, market.step)

    # --- internals: execution ---------------------------------------------------------

    def _begin(self) -> None:
        self._now = self._clock()
        self._reports = []
        self._fills = []
        self._prevented_now = []

    def _accept(self, market: _Market, taker: SimOrder) -> None:
        taker.order_id = market.next_order_id
        market.next_order_id += 1
        taker.time = taker.update_time = self._now
        if not taker.client_order_id:
            taker.client_order_id = self._new_client_id()
        key = (taker.account, taker.symbol)
        market.orders[taker.order_id] = taker
        self._by_client[(taker.account, taker.symbol, taker.client_order_id)] = taker
        self._open[taker.account][(taker.symbol, taker.order_id)] = taker
        self._open_count[key] = self._open_count.get(key, 0) + 1
        self._report(market, taker, ExecutionType.NEW)

    def _execute(self, market: _Market, taker: SimOrder, estimate: Estimate | None) -> None:
        fok = taker.time_in_force is TimeInForce.FOK
        if fok and estimate is not None and not estimate.complete:
            self._expire(market, taker, ExpiryReason.UNFILLED_FOK_ORDER_EXPIRED)
            return
        match(market.book, taker, market.step, _Sink(self, market))
        if taker.status is OrderStatus.EXPIRED_IN_MATCH or taker.status is OrderStatus.FILLED:
            self._close(taker)
        elif taker.type in MARKET_TYPES:
            self._expire(market, taker, ExpiryReason.INSUFFICIENT_LIQUIDITY)
        elif taker.time_in_force is not TimeInForce.GTC:
            self._expire(market, taker, ExpiryReason.UNFILLED_IOC_QUANTITY_EXPIRED)
        else:
            taker.refill()  # an iceberg rests with its first visible part
            market.book.side(taker.side).add(taker)
            market.data.touch(taker.side, taker.price)

    def _expire(self, market: _Market, order: SimOrder, reason: ExpiryReason) -> None:
        """IOC / FOK / MARKET leftovers: ``x=EXPIRED`` with ``eR`` (user-data-stream.md, Order
        Expiry Reason)."""
        order.status = OrderStatus.EXPIRED
        order.expiry_reason = reason.value
        order.update_time = self._now
        self._close(order)
        self._report(market, order, ExecutionType.EXPIRED)

    def _cancel(
        self, market: _Market, order: SimOrder, cancel_id: str, *, on_book: bool = True
    ) -> CancelResponse:
        if on_book:  # a stop not yet triggered or a pending list leg is not on the book
            market.book.side(order.side).remove(order)
            market.data.touch(order.side, order.price)
        order.status = OrderStatus.CANCELED
        order.update_time = self._now
        self._close(order)
        self._report(
            market,
            order,
            ExecutionType.CANCELED,
            client_order_id=cancel_id,
            orig_client_order_id=order.client_order_id,
        )
        return reports.cancel_response(order, market.rules, self._now, cancel_id)

    def _close(self, order: SimOrder) -> None:
        """The order left the open set: unlock what its lock still holds."""
        if self._open[order.account].pop((order.symbol, order.order_id), None) is None:
            return
        self._open_count[(order.account, order.symbol)] -= 1
        if order.locked:
            self._ledger.unlock(order.account, order.lock_asset, order.locked)
            order.locked = ZERO

    def _report(
        self,
        market: _Market,
        order: SimOrder,
        execution_type: ExecutionType,
        **extra: Any,
    ) -> int:
        """Queue ``order``'s report (built only when its account is heard); its ``I``."""
        execution_id = self._next_execution_id
        self._next_execution_id += 1
        if not self._heard(order.account):
            return execution_id
        if extra:
            report = reports.execution_report(
                order,
                market.rules,
                now=self._now,
                execution_id=execution_id,
                execution_type=execution_type,
                **extra,
            )
        else:  # NEW, EXPIRED: a plain call (an empty ** expansion takes the slow call path)
            report = reports.execution_report(
                order,
                market.rules,
                now=self._now,
                execution_id=execution_id,
                execution_type=execution_type,
            )
        self._reports.append((order.account, report))
        return execution_id

    def _response(
        self, market: _Market, taker: SimOrder, kind: OrderResponseType
    ) -> NewOrderAck | NewOrderResult | NewOrderFull:
        if kind is OrderResponseType.ACK:
            return reports.ack(taker, self._now)
        if kind is OrderResponseType.RESULT:
            return reports.result(taker, market.rules, self._now, self._prevented_now)
        return reports.full(taker, market.rules, self._now, self._fills, self._prevented_now)

    def _publish(self) -> None:
        """Queue (or hand to the listener) the action's reports, then the positions."""
        self._publish_market()
        events = self._reports
        audience = self._audience
        for account, assets in self._ledger.take_touched(self._now).items():
            if audience is not None and not audience(account):
                continue
            balances = []
            for asset in assets:
                free, locked = self._ledger.balance(account, asset)
                balances.append(
                    BalanceDelta(
                        asset=asset,
                        free=free.quantize(_BALANCE_QUANTUM),
                        locked=locked.quantize(_BALANCE_QUANTUM),
                    )
                )
            position = OutboundAccountPosition(
                event_time=self._now, last_update_time=self._now, balances=tuple(balances)
            )
            events.append((account, position))
        self._reports = []
        listener = self._listener
        if listener is not None:
            for account, event in events:
                if audience is None or audience(account):
                    listener(account, event)
            return
        queues = self._queues
        for account, event in events:
            queues[account].append(event)

    def _publish_market(self) -> None:
        listening = self._market_listener is not None
        for market in self._markets.values():
            update = market.data.finish(self._now, build=listening)
            if update is not None and self._market_listener is not None:
                self._market_listener(update)

    def _find(
        self, account: str, market: _Market, order_id: int | None, client_id: str | None
    ) -> SimOrder | None:
        """The account's order by id (checked against the client id if both are given)."""
        if order_id is None and client_id is None:
            raise errors.one_of_mandatory("orderId", "origClientOrderId")
        if order_id is not None:
            order = market.orders.get(order_id)
            if order is None or order.account != account:
                return None
            if client_id is not None and order.client_order_id != client_id:
                return None
            return order
        return self._by_client.get((account, market.rules.symbol, client_id or ""))

    def _sink_for(self, market: _Market) -> _Sink:
        """The fill and prevention settler of ``market`` (used by the SOR taker phase)."""
        return _Sink(self, market)


class _Sink:
    """Settles each fill or prevented match of one action and writes its reports."""

    __slots__ = ("_ex", "_market")

    def __init__(self, exchange: SimExchange, market: _Market) -> None:
        self._ex = exchange
        self._market = market

    def fill(self, taker: SimOrder, maker: SimOrder, qty: Decimal, price: Decimal) -> None:
        ex = self._ex
        market = self._market
        trade_id = market.next_trade_id
        market.next_trade_id += 1
        market.reference_price = price
        ex.record_trade_price(market.rules.symbol, price)
        now = ex._now
        market.data.trade(
            trade_id,
            price,
            qty,
            now,
            buyer_maker=maker.side is Side.BUY,
            taker=taker.order_id,
        )
        market.data.touch(maker.side, maker.price)
        taker.update_time = maker.update_time = now
        rates = ex.config.commission(market.rules.symbol)
        t_rate = rates.rate(is_maker=False, is_buyer=taker.side is Side.BUY)
        m_rate = rates.rate(is_maker=True, is_buyer=maker.side is Side.BUY)
        t_fee, t_asset = self._settle(taker, qty, price, t_rate)
        m_fee, m_asset = self._settle(maker, qty, price, m_rate)
        rules = market.rules
        queued = ex._reports
        first_fill = ex._fill_listener
        for order, fee, asset, is_maker in (
            (taker, t_fee, t_asset, False),
            (maker, m_fee, m_asset, True),
        ):
            if ex._heard(order.account):
                # ``SimExchange._report`` inlined: no keyword dict on the busiest path.
                report = reports.execution_report(
                    order,
                    rules,
                    now=now,
                    execution_id=ex._next_execution_id,
                    execution_type=ExecutionType.TRADE,
                    trade_id=trade_id,
                    last_qty=qty,
                    last_price=price,
                    commission=fee,
                    commission_asset=asset,
                    is_maker=is_maker,
                )
                queued.append((order.account, report))
            ex._next_execution_id += 1
            if first_fill is not None and order.executed == qty:
                first_fill(order.account)  # rest-api.md, Unfilled Order Count
            record = reports.TradeRecord(
                order,
                trade_id=trade_id,
                qty=qty,
                price=price,
                commission=fee,
                commission_asset=asset,
                time=now,
                is_maker=is_maker,
            )
            ex._trades.setdefault((order.account, order.symbol), []).append(record)
            if not is_maker:
                ex._fills.append(record)
        if maker.status is OrderStatus.FILLED:
            ex._close(maker)

    def _settle(
        self, order: SimOrder, qty: Decimal, price: Decimal, rate: Decimal
    ) -> tuple[Decimal, str]:
        """Move one side of a fill through the ledger; return (commission, its asset)."""
        rules = self._market.rules
        quote_qty = qty * price
        if order.side is Side.BUY:
            paid = quote_qty
            # A limit BUY locked at its own price; the improvement returns to free.
            released = order.price * qty if order.type not in MARKET_TYPES else paid
            pay_asset, get_asset, received = rules.quote, rules.base, qty
            quantum = rules.base_commission_quantum
        else:
            paid = released = qty
            pay_asset, get_asset, received = rules.base, rules.quote, quote_qty
            quantum = rules.quote_commission_quantum
        fee = (received * rate).quantize(quantum, rounding=ROUND_DOWN)
        order.locked -= released
        self._ex._ledger.settle(
            order.account,
            pay_asset=pay_asset,
            released=released,
            paid=paid,
            get_asset=get_asset,
            received=received,
            fee=fee,
        )
        if order.order_list is not None and order.side is Side.BUY:
            # An OPO's working order locks what it buys (transports.sim.opo), on every path
            # that settles a fill (its own book's, an SOR taker's on that book).
            self._ex._received(order, qty, fee)
        return fee, get_asset

    def prevent(
        self,
        taker: SimOrder,
        maker: SimOrder,
        qty: Decimal,
        price: Decimal,
        *,
        taker_prevented: Decimal,
        maker_prevented: Decimal,
        expire_taker: bool,
        expire_maker: bool,
    ) -> None:
        ex = self._ex
        market = self._market
        match_id = market.next_prevented_id
        market.next_prevented_id += 1
        if maker_prevented:
            market.data.touch(maker.side, maker.price)
        mode = effective_mode(taker, maker)
        # rest-api.md, Query Prevented Matches: price and quantities are the symbol's
        # fixed-precision strings ("1.100000", "1.300000"), as in every other answer.
        bq, qq = market.rules.base_quantum, market.rules.quote_quantum
        record: dict[str, object] = {
            "symbol": taker.symbol,
            "preventedMatchId": match_id,
            "takerOrderId": taker.order_id,
            "makerSymbol": maker.symbol,
            "makerOrderId": maker.order_id,
            "tradeGroupId": taker.group,
            "selfTradePreventionMode": mode.value,
            "price": price.quantize(qq),
        }
        # faqs/stp_faq.md, What is a Prevented Match?: "takerPreventedQuantity ... Only appears
        # if the STP mode is EXPIRE_TAKER, EXPIRE_BOTH or DECREMENT", "makerPreventedQuantity
        # ... EXPIRE_MAKER, EXPIRE_BOTH, or DECREMENT": each side's prevented quantity, the
        # whole remainder for the EXPIRE_ modes (Scenario D: taker 3, maker 1). An
        # EXPIRE_TAKER match used to list the would-be match quantity as the maker's.
        taker_q = taker_prevented.quantize(bq) if taker_prevented else None
        maker_q = maker_prevented.quantize(bq) if maker_prevented else None
        if taker_q is not None:
            record["takerPreventedQuantity"] = taker_q
        if maker_q is not None:
            record["makerPreventedQuantity"] = maker_q
        record["transactTime"] = ex._now
        ex._prevented_now.append(
            (
                taker,
                PlacementPreventedMatch(
                    prevented_match_id=match_id,
                    maker_symbol=maker.symbol,
                    maker_order_id=maker.order_id,
                    price=price.quantize(qq),
                    taker_prevented_quantity=taker_q,
                    maker_prevented_quantity=maker_q,
                ),
            )
        )
        ex._prevented.setdefault((taker.account, taker.symbol), []).append(record)
        if maker.account != taker.account:  # a trade group: each account sees its match
            ex._prevented.setdefault((maker.account, maker.symbol), []).append(record)
        moved = transfers(taker, maker)
        if moved:
            # TRANSFER: "the last prevented quantity and its notional are transferred between
            # the two accounts" (faqs/stp_faq.md, Scenario H: at the match price, no commission).
            self._settle(taker, qty, price, ZERO)
            self._settle(maker, qty, price, ZERO)
        for order, counter, cut, expire in (
            (maker, taker, maker_prevented, expire_maker),
            (taker, maker, taker_prevented, expire_taker),
        ):
            if not cut:
                continue
            order.prevented_match_id = match_id
            order.update_time = ex._now
            prevention = reports.Prevention(
                match_id=match_id,
                counter_order_id=counter.order_id,
                counter_symbol=counter.symbol,
                last_prevented=cut,
                qty=qty,
                price=price,
            )
            if expire and order is maker:
                ex._close(maker)
            elif not expire and not moved:
                self._release(order, cut)
            ex._report(market, order, ExecutionType.TRADE_PREVENTION, prevention=prevention)

    def _release(self, order: SimOrder, qty: Decimal) -> None:
        """A DECREMENT left ``order`` open with ``qty`` less to trade: free its share of the
        lock (a MARKET-type BUY keeps its walk's lock until it closes)."""
        if order.side is Side.SELL:
            amount = qty
        elif order.type not in MARKET_TYPES:
            amount = order.price * qty
        else:
            return
        amount = min(amount, order.locked)
        order.locked -= amount
        self._ex._ledger.unlock(order.account, order.lock_asset, amount)
