"""Stops, trailing stops, order lists and amends: the half of ``SimExchange`` beyond plain orders.

Rules:
- ``SimExchange`` inherits this mixin; everything here runs inside the exchange's actions
  (``_begin`` ... ``_publish``), checks everything before changing anything, and refuses with
  Binance's codes and messages (``SimError``).
- Triggers run on the last trade price (``transports.sim.triggers``): every trade of an action
  (own fills, ``cross``, and so a replayed trade file) is recorded in order, and after the
  action's matching each recorded price is shown to every waiting stop of the symbol, oldest
  order first. Triggered orders then execute (and may trade, which records more prices), and
  the lists' contingencies run (``transports.sim.lists``), until nothing moves. Deterministic:
  no randomness, insertion order everywhere.
- A triggered order emits an ``executionReport`` ``x=NEW`` with ``w`` true and ``W`` set (it
  is now working; user-data-stream.md, Order update, ``W``), then executes as a MARKET order
  (STOP_LOSS, TAKE_PROFIT) or as a LIMIT order at its price (the _LIMIT types).
- Locks: a waiting SELL locks its base quantity and a waiting BUY _LIMIT its ``price * qty``
  at placement; a BUY STOP_LOSS / TAKE_PROFIT locks what its walk of the book costs when it
  triggers (it expires with ``eR`` REJECTED if that is more than the free balance).
- Amend keep priority lowers the quantity in place (faqs/order_amend_keep_priority.md): same
  order id and queue place, ``x=REPLACED``, a new client id (generated unless given; the
  current one may be reused), ``listStatus`` ``l=UPDATED`` for a leg whose client id changed.
  An amend to the executed quantity or below fills the order. MAX_NUM_ORDER_AMENDS bounds
  the amends per order (filters.md).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from oms.wire.amends import (
    AmendedOrder,
    AmendKeepPriority,
    AmendResponse,
    CancelReplace,
    CancelReplaceAnswer,
    OrderAmendment,
    QueryAmendments,
)
from oms.wire.enums import (
    CancelReplaceMode,
    CancelReplaceResult,
    ContingencyType,
    ExecutionType,
    ExpiryReason,
    ListStatusType,
    OrderResponseType,
    OrderStatus,
    Side,
    TimeInForce,
)
from oms.wire.money import ZERO
from oms.wire.orderlists import (
    CancelOrderList,
    NewOco,
    NewOrderList,
    NewOto,
    NewOtoco,
    OrderListAnswer,
    OrderListStatus,
    QueryOrderList,
)
from oms.wire.requests import CancelOrder, NewOrder
from oms.wire.rest import (
    CancelResponse,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    PlacementPreventedMatch,
)
from transports.sim import errors, reports
from transports.sim.book import MARKET_TYPES, SimOrder
from transports.sim.exchange_filters import check_exchange_limit, is_algo, is_iceberg
from transports.sim.filters import (
    CLIENT_ID_RANGE,
    check_amend_quantity,
    check_filters,
    check_params,
    valid_client_id,
)
from transports.sim.lists import (
    OCO_ABOVE_TYPES,
    OCO_BELOW_TYPES,
    SimList,
    check_oco_leg_kinds,
    leg_order,
    oco_prices_ok,
)
from transports.sim.matching import simulate
from transports.sim.opo import (
    NewOpo,
    NewOpoco,
    OpoState,
    check_opo,
    hold_received,
    lock_holder,
    pending_quantity,
)
from transports.sim.triggers import ALGO_TYPES, Trigger, check_trailing_delta, rises_to_trigger
from transports.wire import encode_json

if TYPE_CHECKING:
    from transports.sim.accounts import Ledger
    from transports.sim.config import SimConfig

# The exchange's per-symbol state (transports.sim.exchange._Market), not imported: the
# exchange imports this module.
_Market = Any

__all__ = ["CancelReplaceFailedError", "SimAdvanced"]


class CancelReplaceFailedError(errors.SimError):
    """-2021 / -2022 of a cancel-replace: the error body carries ``data`` with both results
    (rest-api.md, Cancel an Existing Order and Send a New Order, "Response")."""

    def __init__(self, code: int, msg: str, http_status: int, data: CancelReplaceAnswer) -> None:
        super().__init__(code, msg, http_status)
        self.data = data


def _raw(value: object) -> msgspec.Raw:
    return msgspec.Raw(encode_json(value))


# An OCO leg that ended, for any reason, ends the pair (rest-api.md, New Order list - OCO:
# "activation of one order immediately cancels the other"). EXPIRED_IN_MATCH (self-trade
# prevention expired the leg: faqs/stp_faq.md) counts too: the SELL pair's one lock of the base
# quantity goes with the leg that held it, so the other must not go on working unlocked.
_DONE = (
    OrderStatus.FILLED,
    OrderStatus.CANCELED,
    OrderStatus.EXPIRED,
    OrderStatus.EXPIRED_IN_MATCH,
)


class SimAdvanced:
    """Stops, lists and amends for ``SimExchange`` (see the module rules)."""

    # Provided by SimExchange.
    config: SimConfig
    _markets: dict[str, Any]
    _open: dict[str, dict[tuple[str, int], SimOrder]]
    _now: int
    _reports: list[tuple[str, Any]]
    _fills: list[reports.TradeRecord]
    _prevented_now: list[tuple[SimOrder, PlacementPreventedMatch]]
    _ledger: Ledger
    _by_client: dict[tuple[str, str, str], SimOrder]
    _market: Callable[[str], Any]
    _validate: Callable[..., SimOrder]
    _refuse_taking_maker: Callable[[_Market, NewOrder], None]
    _begin: Callable[[], None]
    _publish: Callable[[], None]
    _accept: Callable[[Any, SimOrder], None]
    _execute: Callable[[Any, SimOrder, Any], None]
    _expire: Callable[[Any, SimOrder, ExpiryReason], None]
    _close: Callable[[SimOrder], None]
    _report: Callable[..., Any]
    _response: Callable[
        [Any, SimOrder, OrderResponseType], NewOrderAck | NewOrderResult | NewOrderFull
    ]
    _lock: Callable[[Any, SimOrder], Any]
    _cancel: Callable[..., CancelResponse]
    _checked_client_id: Callable[[str | None], str]
    _new_client_id: Callable[[], str]
    _find: Callable[[str, Any, int | None, str | None], SimOrder | None]
    cancel_order: Callable[[str, CancelOrder], CancelResponse]
    place_order: Callable[[str, NewOrder], NewOrderAck | NewOrderResult | NewOrderFull]

    def _init_advanced(self) -> None:
        # Per symbol: trade prices not yet shown to the triggers, waiting stops, lists.
        self._prices: dict[str, list[Decimal]] = {s: [] for s in self._markets}
        self._waiting: dict[str, dict[int, SimOrder]] = {s: {} for s in self._markets}
        self._lists: dict[str, dict[int, SimList]] = {s: {} for s in self._markets}
        self._list_by_client: dict[tuple[str, str, str], SimList] = {}
        self._amendments: dict[tuple[str, int], list[OrderAmendment]] = {}
        # Armed plain stops by level (heaps of (level, arm order, order id)) and trailing ones.
        self._rises: dict[str, list[tuple[Decimal, int, int]]] = {s: [] for s in self._markets}
        self._falls: dict[str, list[tuple[Decimal, int, int]]] = {s: [] for s in self._markets}
        self._trailing: dict[str, dict[int, tuple[int, SimOrder]]] = {s: {} for s in self._markets}
        self._arm_seq = 0

    def record_trade_price(self, symbol: str, price: Decimal) -> None:
        """A trade happened at ``price`` (ours or the market's): the triggers will see it."""
        self._prices[symbol].append(price)

    # --- stop / take-profit orders --------------------------------------------------------

    def _algo_checks(self, account: str, market: _Market, order: NewOrder, extra: int = 0) -> None:
        """TRAILING_DELTA, MAX_NUM_ALGO_ORDERS and EXCHANGE_MAX_NUM_ALGO_ORDERS (filters.md);
        raises SimError."""
        rules = market.rules
        if order.trailing_delta is not None:
            if not rules.info.allow_trailing_stop:
                raise errors.SimError(
                    -2010, "Trailing stop orders are not supported for this symbol."
                )
            check_trailing_delta(rules.trailing, order.order_type, order.side, order.trailing_delta)
        limit = rules.max_num_algo_orders
        if limit is not None:
            open_algos = self._open_on(account, rules.symbol, lambda o: o.type in ALGO_TYPES)
            if open_algos + 1 + extra > limit:
                raise errors.filter_failure("MAX_NUM_ALGO_ORDERS")
        check_exchange_limit(
            "EXCHANGE_MAX_NUM_ALGO_ORDERS",
            self.config.exchange_limits.max_num_algo_orders,
            self._open[account].values(),
            adding=1 + extra,
            kind=is_algo,
        )

    def _iceberg_checks(self, account: str, market: _Market, extra: int = 0) -> None:
        """MAX_NUM_ICEBERG_ORDERS, then EXCHANGE_MAX_NUM_ICEBERG_ORDERS (filters.md): the
        account's open orders on the symbol (on the exchange) with ``icebergQty`` > 0, this
        one and ``extra`` more legs of its list included, stay within the limit. Raises
        SimError -1013 "Filter failure: MAX_NUM_ICEBERG_ORDERS" (or EXCHANGE_...; errors.md,
        Filter failures)."""
        rules = market.rules
        limit = rules.max_num_iceberg_orders
        symbol = rules.symbol
        if limit is not None and self._open_on(account, symbol, is_iceberg) + 1 + extra > limit:
            raise errors.filter_failure("MAX_NUM_ICEBERG_ORDERS")
        check_exchange_limit(
            "EXCHANGE_MAX_NUM_ICEBERG_ORDERS",
            self.config.exchange_limits.max_num_iceberg_orders,
            self._open[account].values(),
            adding=1 + extra,
            kind=is_iceberg,
        )

    def _open_on(self, account: str, symbol: str, kind: Callable[[SimOrder], bool]) -> int:
        """How many of ``account``'s open orders on ``symbol`` are of ``kind``."""
        return sum(1 for (s, _), o in self._open[account].items() if s == symbol and kind(o))

    def _make_waiting(self, market: _Market, sim: SimOrder, order: NewOrder) -> Trigger:
        trigger = Trigger(order.order_type, order.side, order.stop_price, order.trailing_delta)
        trigger.refuse_if_immediate(market.reference_price)
        sim.algo = trigger
        return trigger

    def _lock_waiting(self, market: _Market, sim: SimOrder) -> None:
        """The placement lock of an order that waits (module rules). Raises: -2010."""
        rules = market.rules
        if sim.side is Side.SELL:
            asset, amount = rules.base, sim.orig_qty
        elif sim.type not in MARKET_TYPES:
            asset, amount = rules.quote, sim.price * sim.orig_qty
        else:
            return
        if not self._ledger.lock(sim.account, asset, amount):
            raise errors.insufficient_balance()
        sim.lock_asset, sim.locked = asset, amount

    def _place_algo(
        self, account: str, order: NewOrder, *, checked: bool = False
    ) -> NewOrderAck | NewOrderResult | NewOrderFull:
        """``POST /api/v3/order`` for a stop / take-profit order (trailing or not)."""
        market = self._market(order.symbol)
        sim = self._validate(account, market, order, checked=checked)
        self._algo_checks(account, market, order)
        trigger = self._make_waiting(market, sim, order)
        self._lock_waiting(market, sim)
        self._begin()
        # Tracking begins before the NEW report, so that it carries ``D`` as the answer carries
        # ``trailingTime`` (faqs/trailing-stop-faq.md, Scenario E: "starts tracking price
        # changes once placed"); the report said -1 while the answer gave the time.
        trigger.start(market.reference_price, self._now)
        self._accept(market, sim)
        self._arm(market, sim)
        self._settle_market(market)
        self._publish()
        return self._response(market, sim, order.effective_response_type())

    def _settle_market(self, market: _Market) -> None:
        """Run triggers and contingencies until nothing moves (module rules)."""
        symbol = market.rules.symbol
        prices = self._prices[symbol]
        while True:
            self._run_contingencies(market)
            if not prices:
                return
            if not self._waiting[symbol]:
                prices.clear()  # no stop waits: no trade can trigger one (the usual case)
                continue
            batch = list(prices)
            prices.clear()
            fired: list[SimOrder] = []
            for price in batch:
                fired += self._fired_at(symbol, price)
            for order in fired:
                if order.is_open:
                    self._trigger(market, order)

    def _arm(self, market: _Market, sim: SimOrder) -> None:
        """Start watching a waiting stop. A plain stop waits in a heap by its stop price (the
        rising ones lowest first, the falling ones highest first), so a trade looks only at
        the stops it reaches; a trailing stop sees every trade (its level moves)."""
        symbol = market.rules.symbol
        self._arm_seq += 1
        seq = self._arm_seq
        self._waiting[symbol][sim.order_id] = sim
        trigger: Trigger = sim.algo
        stop = trigger.stop_price
        if trigger.trailing_delta is not None or stop is None:
            self._trailing[symbol][sim.order_id] = (seq, sim)
        elif rises_to_trigger(trigger.order_type, trigger.side):
            heapq.heappush(self._rises[symbol], (stop, seq, sim.order_id))
        else:
            heapq.heappush(self._falls[symbol], (-stop, seq, sim.order_id))

    def _fired_at(self, symbol: str, price: Decimal) -> list[SimOrder]:
        """The stops a trade at ``price`` triggers, in the order they were armed. Entries of
        stops no longer waiting (canceled, expired) are dropped as they surface."""
        waiting = self._waiting[symbol]
        hits: list[tuple[int, SimOrder]] = []
        rises, falls = self._rises[symbol], self._falls[symbol]
        while rises and rises[0][0] <= price:
            _, seq, oid = heapq.heappop(rises)
            order = waiting.pop(oid, None)
            if order is not None:
                hits.append((seq, order))
        while falls and -falls[0][0] >= price:
            _, seq, oid = heapq.heappop(falls)
            order = waiting.pop(oid, None)
            if order is not None:
                hits.append((seq, order))
        trailing = self._trailing[symbol]
        for oid, (seq, order) in list(trailing.items()):
            if oid not in waiting:
                del trailing[oid]
            elif order.algo.observe(price, self._now):
                del trailing[oid]
                del waiting[oid]
                hits.append((seq, order))
        hits.sort(key=lambda hit: hit[0])
        return [order for _, order in hits]

    def _trigger(self, market: _Market, order: SimOrder) -> None:
        order.algo.triggered = True
        order.algo.working_time = self._now
        order.update_time = self._now
        lst = order.order_list
        if lst is not None and order in lst.oco:
            self._oco_fire(market, lst, order)
        self._go_live(market, order)

    def _go_live(self, market: _Market, order: SimOrder) -> None:
        """The order starts working: ``x=NEW`` with ``w`` true, then it executes. A BUY
        STOP_LOSS / TAKE_PROFIT (or pending MARKET) locks its walk of the book now."""
        estimate = None
        if order.side is Side.BUY and order.type in MARKET_TYPES:
            try:
                estimate = self._lock(market, order)
            except errors.SimError:
                self._expire(market, order, ExpiryReason.REJECTED)
                return
        elif order.type in MARKET_TYPES or order.time_in_force is TimeInForce.FOK:
            estimate = simulate(market.book, order, market.step)
        self._report(market, order, ExecutionType.NEW)
        self._execute(market, order, estimate)

    # --- order lists ----------------------------------------------------------------------

    def place_order_list(
        self, account: str, request: NewOrderList | NewOpo | NewOpoco
    ) -> OrderListAnswer:
        """``POST /api/v3/orderList/oco|oto|otoco|opo|opoco`` (see ``transports.sim.lists``
        and, for OPO / OPOCO, ``transports.sim.opo``).

        Raises:
            KeyError: unknown account.
            SimError: any refusal of the list or of a leg; nothing has changed then.
        """
        self._ledger.require(account)
        market = self._market(request.symbol)
        rules = market.rules
        symbol = rules.symbol
        opo = isinstance(request, NewOpo | NewOpoco)
        if isinstance(request, NewOpo | NewOpoco):
            check_opo(rules.info, request)
        lid = request.list_client_order_id
        if lid is not None:
            if not valid_client_id(lid):
                raise errors.illegal_chars("listClientOrderId", CLIENT_ID_RANGE)
            held = self._list_by_client.get((account, symbol, lid))
            if held is not None and held.is_open:
                raise errors.duplicate_order()
        limit = rules.max_num_order_lists
        open_lists = sum(
            1 for x in self._lists[symbol].values() if x.account == account and x.is_open
        )
        if limit is not None and open_lists >= limit:
            raise errors.filter_failure("MAX_NUM_ORDER_LISTS")
        check_exchange_limit(
            "EXCHANGE_MAX_NUM_ORDER_LISTS",
            self.config.exchange_limits.max_num_order_lists,
            (x for lists in self._lists.values() for x in lists.values() if x.account == account),
            adding=1,
            kind=lambda x: x.is_open,
        )
        legs, roles = self._list_legs(request)
        sims = self._validate_legs(account, market, legs, roles, opo=opo)
        self._begin()
        lst = SimList(
            account=account,
            symbol=symbol,
            order_list_id=len(self._lists[symbol]),
            list_client_order_id=lid or self._new_client_id(),
            contingency=ContingencyType.OCO if isinstance(request, NewOco) else ContingencyType.OTO,
            time=self._now,
        )
        if opo:
            lst.opo = OpoState(legs[1:])  # every leg but the working order
        self._lists[symbol][lst.order_list_id] = lst
        self._list_by_client[(account, symbol, lst.list_client_order_id)] = lst
        self._open_list(market, lst, sims, legs, roles)
        self._reports.append((account, lst.event(self._now)))
        self._settle_market(market)
        self._publish()
        kind = request.response_type or OrderResponseType.RESULT
        return lst.answer(tuple(self._list_report(market, o, kind) for o in lst.orders), self._now)

    def _list_report(self, market: _Market, order: SimOrder, kind: OrderResponseType) -> Any:
        """One leg's report in the placement answer; a FULL one lists that leg's own fills."""
        if kind is not OrderResponseType.FULL:
            return self._response(market, order, kind)
        fills = [f for f in self._fills if f.order is order]
        return reports.full(order, market.rules, self._now, fills, self._prevented_now)

    @staticmethod
    def _list_legs(request: NewOrderList | NewOpo | NewOpoco) -> tuple[list[NewOrder], list[str]]:
        """Each leg as a single order, with its role: above / below / working / pending."""
        s = request.symbol
        if isinstance(request, NewOco):
            above = leg_order(s, request.above, request.side, request.quantity)
            below = leg_order(s, request.below, request.side, request.quantity)
            return [above, below], ["above", "below"]
        if isinstance(request, NewOto | NewOpo):
            return [leg_order(s, request.working), leg_order(s, request.pending)], [
                "working",
                "pending",
            ]
        # An OPOCO's pair has no quantity yet (None).
        qty = request.pending_quantity if isinstance(request, NewOtoco) else None
        legs = [
            leg_order(s, request.working),
            leg_order(s, request.pending_above, request.pending_side, qty),
        ]
        roles = ["working", "above"]
        if request.pending_below is not None:
            legs.append(leg_order(s, request.pending_below, request.pending_side, qty))
            roles.append("below")
            if isinstance(request, NewOpoco):
                # The OPOCO's below order comes before its above order (rest-api.md, New Order
                # List - OPOCO "Response"; fix-api.md, the order-list table: working, pending
                # below, pending above).
                legs[1:], roles[1:] = legs[:0:-1], roles[:0:-1]
        return legs, roles

    def _validate_legs(
        self,
        account: str,
        market: _Market,
        legs: list[NewOrder],
        roles: list[str],
        *,
        opo: bool = False,
    ) -> list[SimOrder]:
        """Every check of every leg before anything changes; the locks come after. An OPO's
        pending legs are checked without their quantity (``transports.sim.opo``)."""
        last = market.reference_price
        # Each id is "unique among open orders" (rest-api.md, New Order list - OCO / OTO /
        # OTOCO / OPO / OPOCO), the list's own orders included.
        named = [leg.client_order_id for leg in legs if leg.client_order_id is not None]
        if len(set(named)) < len(named):
            raise errors.duplicate_order()
        sims: list[SimOrder] = []
        algos = sum(1 for leg in legs if leg.order_type in ALGO_TYPES)
        icebergs = sum(1 for leg in legs if leg.iceberg_qty is not None)
        for leg, role in zip(legs, roles, strict=True):
            if role in ("above", "below"):
                _check_oco_iceberg_tif(leg, role)
            if role == "above" and leg.order_type not in OCO_ABOVE_TYPES:
                raise errors.SimError(-1158, "Order type not supported in OCO.")
            if role == "below" and leg.order_type not in OCO_BELOW_TYPES:
                raise errors.SimError(-1158, "Order type not supported in OCO.")
            if role == "working" and leg.order_type.value not in ("LIMIT", "LIMIT_MAKER"):
                raise errors.SimError(-1158, "Order type not supported in OCO.")
        pair = "above" in roles and "below" in roles
        if pair:
            # Of the supported types, each leg must be of its side's kind (lists.py).
            above, below = legs[roles.index("above")], legs[roles.index("below")]
            check_oco_leg_kinds(above.side, above.order_type, below.order_type)
        # A standalone OCO's price relationship is judged before either leg's own engine
        # refusal (errors.md: "The relationship of the prices for the orders is not correct."
        # covers "BUY: LIMIT_MAKER price < Last Traded Price < stopPrice" and the SELL
        # mirror), so those refusals wait for it.
        oco = pair and "working" not in roles
        for ahead, (leg, role) in enumerate(zip(legs, roles, strict=True)):
            # Each order of a list counts in MAX_NUM_ORDERS (rest-api.md: "OPOs add 2 orders to
            # the EXCHANGE_MAX_NUM_ORDERS filter and MAX_NUM_ORDERS filter", and so on).
            sim = self._validate(
                account,
                market,
                leg,
                quantity_pending=opo and role != "working",
                ahead=ahead,
                maker_check=not oco,
            )
            if leg.iceberg_qty is not None and icebergs > 1:
                self._iceberg_checks(account, market, extra=icebergs - 1)
            if leg.order_type in ALGO_TYPES:
                self._algo_checks(account, market, leg, extra=algos - 1)
                sim.algo = Trigger(leg.order_type, leg.side, leg.stop_price, leg.trailing_delta)
            sims.append(sim)
        if oco:
            # "above" and "below" name the legs' price levels on either side (web-socket-api.md,
            # Place new Order list - OCO: the BUY example's STOP_LOSS_LIMIT is its above order,
            # its LIMIT_MAKER the below one, "LIMIT_MAKER price < Last Traded Price < stopPrice").
            if not oco_prices_ok(above, below, last):
                raise errors.SimError(
                    -2010, "The relationship of the prices for the orders is not correct."
                )
            for leg, sim in zip(legs, sims, strict=True):
                self._refuse_taking_maker(market, leg)
                if sim.algo is not None:
                    sim.algo.refuse_if_immediate(last)
        return sims

    def _open_list(
        self,
        market: _Market,
        lst: SimList,
        sims: list[SimOrder],
        legs: list[NewOrder],
        roles: list[str],
    ) -> None:
        """Take the locks, accept every leg (reports in order) and arm the contingency."""
        working = "working" in roles
        locked: list[SimOrder] = []
        try:
            for sim, role in zip(sims, roles, strict=True):
                if working and role != "working":
                    continue  # pending legs lock when they are placed
                if role == "below" and sim.side is Side.SELL and not working:
                    continue  # the OCO pair shares one lock of the base quantity
                if sim.algo is not None:
                    self._lock_waiting(market, sim)
                else:
                    self._lock(market, sim)
                locked.append(sim)
        except errors.SimError:
            for sim in locked:
                if sim.locked:
                    self._ledger.unlock(sim.account, sim.lock_asset, sim.locked)
            raise
        for sim, role in zip(sims, roles, strict=True):
            sim.order_list = lst
            lst.orders.append(sim)
            if working and role != "working":
                lst.pending.append(sim)
            if role in ("above", "below"):
                lst.oco.append(sim)
        lst.working = sims[0] if working else None
        for sim in sims:
            pending = sim in lst.pending
            if pending:
                sim.status = OrderStatus.PENDING_NEW
            if not pending and sim.algo is not None:  # before its NEW report, as above
                sim.algo.start(market.reference_price, self._now)
            self._accept(market, sim)
            if not pending and sim.algo is not None:
                self._arm(market, sim)
        if lst.working is not None:
            estimate = None
            if lst.working.time_in_force is TimeInForce.FOK:  # all or nothing (enums.md, FOK)
                estimate = simulate(market.book, lst.working, market.step)
            self._execute(market, lst.working, estimate)
        else:
            for sim in lst.oco:
                if sim.algo is None:
                    self._execute(market, sim, None)

    def _run_contingencies(self, market: _Market) -> None:
        lists = self._lists[market.rules.symbol]
        if not lists:  # the usual case: no order list on the symbol
            return
        for lst in list(lists.values()):
            if not lst.is_open:
                continue
            if (
                lst.working is not None
                and lst.pending
                and lst.pending[0].status is OrderStatus.PENDING_NEW
            ):
                self._oto_phase(market, lst)
            elif lst.oco:
                for leg in lst.oco:
                    if leg.executed > ZERO or leg.status in _DONE:
                        self._oco_fire(market, lst, leg)
                        break
            if lst.is_open and all(not o.is_open for o in lst.orders):
                self._list_done(lst)

    def _oto_phase(self, market: _Market, lst: SimList) -> None:
        working = lst.working
        assert working is not None
        if working.status is OrderStatus.FILLED:
            if lst.opo is not None and not self._size_opo(market, lst):
                for sim in lst.pending:
                    self._expire(market, sim, ExpiryReason.REJECTED)
                self._list_done(lst)
                return
            lst.placed_time = self._now
            for sim in lst.pending:
                # An OPO's pending orders are locked for already (transports.sim.opo).
                self._place_pending(market, sim, held=lst.opo is not None)
            lst.list_status_type = ListStatusType.EXEC_STARTED
            self._reports.append((lst.account, lst.event(self._now)))
        elif working.status in (
            OrderStatus.CANCELED,
            OrderStatus.EXPIRED,
            OrderStatus.EXPIRED_IN_MATCH,
        ):
            for sim in lst.pending:
                self._expire(market, sim, ExpiryReason.OTO_PHASE_ONE_EXPIRED)
            self._list_done(lst)

    def _place_pending(self, market: _Market, sim: SimOrder, *, held: bool = False) -> None:
        """The working order filled: a pending order goes live (module rules); ``held``: its
        lock (or the pair's shared one) is already taken."""
        sim.status = OrderStatus.NEW
        sim.update_time = self._now
        pair = sim.order_list.oco
        # The pending SELL OCO pair shares the first leg's lock of the base quantity.
        shared = sim.side is Side.SELL and len(pair) > 1 and sim is pair[-1]
        try:
            if shared or held:
                pass
            elif sim.algo is not None:
                self._lock_waiting(market, sim)
            elif not (sim.side is Side.BUY and sim.type in MARKET_TYPES):
                self._lock(market, sim)
        except errors.SimError:
            self._expire(market, sim, ExpiryReason.REJECTED)
            return
        if sim.algo is None:
            self._go_live(market, sim)
            return
        sim.algo.start(market.reference_price, self._now)
        self._arm(market, sim)
        self._report(market, sim, ExecutionType.NEW)

    def _size_opo(self, market: _Market, lst: SimList) -> bool:
        """An OPO's working order filled: give the pending orders the quantity the lock holds,
        adjusted to the lot filters, unlock the rest and check every filter; False (nothing
        changed) when a pending order fails one (``transports.sim.opo``)."""
        opo = lst.opo
        assert opo is not None
        rules = market.rules
        holder = lock_holder(lst.pending)
        qty = pending_quantity(rules, opo.legs, holder.locked)
        try:
            for leg in opo.legs:
                sized = msgspec.structs.replace(leg, quantity=qty)
                check_params(rules, sized)
                check_filters(rules, sized, market.reference_price, 0)
        except errors.SimError:
            return False
        surplus = holder.locked - qty
        if surplus > ZERO:
            self._ledger.unlock(holder.account, holder.lock_asset, surplus)
            holder.locked = qty
        for sim in lst.pending:
            sim.orig_qty = qty
            if sim.report is not None:  # the template of later reports carries the quantity
                sim.report = msgspec.structs.replace(
                    sim.report, quantity=qty.quantize(rules.base_quantum)
                )
        opo.sized = True
        return True

    def _received(self, order: SimOrder, qty: Decimal, fee: Decimal) -> None:
        """``order`` bought ``qty`` (``fee`` charged in it): the working order of an OPO locks
        it for its pending orders (``transports.sim.opo``)."""
        lst = order.order_list
        if lst is None or lst.opo is None or order is not lst.working:
            return
        base = self._markets[order.symbol].rules.base
        hold_received(self._ledger, lock_holder(lst.pending), base, qty, fee)

    def _oco_fire(self, market: _Market, lst: SimList, leg: SimOrder) -> None:
        """``leg`` filled or triggered: the other expires (OCO_TRIGGER), the list is done."""
        if not lst.is_open:
            return
        for other in lst.oco:
            if other is leg or not other.is_open:
                continue
            if other.locked and not leg.locked and other.lock_asset:
                # The shared lock passes to the leg that goes on.
                leg.lock_asset, leg.locked, other.locked = other.lock_asset, other.locked, ZERO
            self._waiting[lst.symbol].pop(other.order_id, None)
            if other.algo is None:
                market.book.side(other.side).remove(other)
                # The level changed: an order book update like any other, or a local book
                # kept by web-socket-streams.md, "How to manage a local order book
                # correctly" keeps the expired leg forever.
                market.data.touch(other.side, other.price)
            self._expire(market, other, ExpiryReason.OCO_TRIGGER)
        self._list_done(lst)

    def _list_done(self, lst: SimList) -> None:
        if lst.is_open:
            lst.finish()
            self._reports.append((lst.account, lst.event(self._now)))

    def cancel_order_list(self, account: str, cancel: CancelOrderList) -> OrderListAnswer:
        """``DELETE /api/v3/orderList``: cancel every open order of the list.

        Raises:
            SimError: -1102 neither id; -2011 "Unknown order list sent." for an unknown or
                finished list.
        """
        self._ledger.require(account)
        market = self._market(cancel.symbol)
        lst = self._find_list(
            account, market.rules.symbol, cancel.order_list_id, cancel.list_client_order_id
        )
        if lst is None or not lst.is_open:
            raise errors.SimError(-2011, "Unknown order list sent.")
        cancel_id = self._checked_client_id(cancel.new_client_order_id)
        self._begin()
        answers = self._cancel_list(market, lst, cancel_id)
        self._publish()
        return lst.answer(tuple(answers), self._now)

    def _cancel_list(self, market: _Market, lst: SimList, cancel_id: str) -> list[Any]:
        answers = []
        for order in lst.orders:
            if order.is_open:
                answers.append(self._cancel_leg(market, order, cancel_id))
        lst.finish()
        self._reports.append((lst.account, lst.event(self._now)))
        return answers

    def _cancel_leg(self, market: _Market, order: SimOrder, cancel_id: str) -> CancelResponse:
        """Cancel one order, whether on the book or waiting off it (a stop not triggered, a
        pending leg)."""
        waiting = order.status is OrderStatus.PENDING_NEW or (
            order.algo is not None and not order.algo.triggered
        )
        if waiting:
            self._waiting[order.symbol].pop(order.order_id, None)
        return self._cancel(market, order, cancel_id, on_book=not waiting)

    def cancel_leg_list(self, market: _Market, order: SimOrder) -> None:
        """A single cancel hit a leg: the rest of its list goes too (rest-api.md, Cancel Order
        list, Notes)."""
        lst = order.order_list
        if lst is None or not lst.is_open:
            return
        self._cancel_list(market, lst, self._new_client_id())

    def cancel_all(self, account: str, symbol: str) -> list[CancelResponse | OrderListAnswer]:
        """``DELETE /api/v3/openOrders`` / ``openOrders.cancelAll``: every open order of the
        account on ``symbol``, order lists included, in one action. The answer holds each
        single order as its cancel report and each open list as its cancel answer, ALL_DONE
        (rest-api.md, Cancel All Open Orders on a Symbol; web-socket-api.md, Cancel open
        orders); the stream gets the legs' CANCELED reports, then the list's ``listStatus``.

        Raises:
            KeyError: unknown account.
            SimError: -1121 unknown symbol; -2011 when there is no open order.
        """
        return [
            cancelled[0] if lst is None else lst.answer(tuple(cancelled), self._now)
            for lst, cancelled in self._cancel_all(account, symbol)
        ]

    def _cancel_all(
        self, account: str, symbol: str
    ) -> list[tuple[SimList | None, list[CancelResponse]]]:
        """Cancel the open orders on ``symbol``: (None, [report]) per single order (a leg
        still working after its list ended is one), (list, its legs' reports) per open list,
        in the order of their first open order."""
        self._ledger.require(account)
        market = self._market(symbol)
        orders = [o for (s, _), o in self._open[account].items() if s == symbol]
        if not orders:
            raise errors.unknown_order()
        self._begin()
        out: list[tuple[SimList | None, list[CancelResponse]]] = []
        for order in orders:
            if not order.is_open:  # a leg of a list this action already cancelled
                continue
            lst = order.order_list
            if lst is not None and lst.is_open:
                out.append((lst, self._cancel_list(market, lst, self._new_client_id())))
            else:
                out.append((None, [self._cancel_leg(market, order, self._new_client_id())]))
        self._publish()
        return out

    def query_order_list(self, account: str, query: QueryOrderList) -> OrderListStatus:
        """``GET /api/v3/orderList``. Raises: SimError -2011 for an unknown list."""
        self._ledger.require(account)
        if query.order_list_id is None and query.list_client_order_id is None:
            raise errors.one_of_mandatory("orderListId", "origClientOrderId")
        for symbol in self._lists:
            lst = self._find_list(account, symbol, query.order_list_id, query.list_client_order_id)
            if lst is not None:
                return lst.status()
        raise errors.SimError(-2011, "Order list does not exist.")

    def open_order_lists(self, account: str) -> list[OrderListStatus]:
        self._ledger.require(account)
        return [
            lst.status()
            for lists in self._lists.values()
            for lst in lists.values()
            if lst.account == account and lst.is_open
        ]

    def all_order_lists(
        self,
        account: str,
        limit: int = 500,
        *,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
    ) -> list[OrderListStatus]:
        """``GET /api/v3/allOrderList`` (rest-api.md, Query all Order lists), oldest first
        ("Data is returned in chronological order", General API Information): from
        ``from_id`` on; from ``start_time`` (not past ``end_time``); the latest up to
        ``end_time``; else the latest. The server refuses the combinations the docs do."""
        self._ledger.require(account)
        mine = sorted(
            (lst for lists in self._lists.values() for lst in lists.values()),
            key=lambda lst: (lst.time, lst.order_list_id),
        )
        rows = [
            lst
            for lst in mine
            if lst.account == account
            and (from_id is None or lst.order_list_id >= from_id)
            # "Order lists are filtered by transactionTime of the last order list execution
            # status update" (web-socket-api.md, Query all Order lists).
            and (start_time is None or lst.updated >= start_time)
            and (end_time is None or lst.updated <= end_time)
        ]
        picked = rows[:limit] if from_id is not None or start_time is not None else rows[-limit:]
        return [lst.status() for lst in picked]

    def _find_list(
        self, account: str, symbol: str, order_list_id: int | None, client_id: str | None
    ) -> SimList | None:
        if order_list_id is not None:
            lst = self._lists.get(symbol, {}).get(order_list_id)
            if lst is None or lst.account != account:
                return None
            if client_id is not None and lst.list_client_order_id != client_id:
                return None
            return lst
        if client_id is None:
            return None
        return self._list_by_client.get((account, symbol, client_id))

    # --- cancel-replace ---------------------------------------------------------------------

    def cancel_replace(
        self,
        account: str,
        request: CancelReplace,
        *,
        only_if: OrderStatus | None = None,
        refuse_new: tuple[int, str] | None = None,
    ) -> CancelReplaceAnswer:
        """``POST /api/v3/order/cancelReplace``: cancel, then (by the mode) place.

        Args:
            only_if: ``cancelRestrictions``: cancel only an order in this status; another
                status fails the cancel with -2011 "Order was not canceled due to cancel
                restrictions." (rest-api.md, Regarding cancelRestrictions).
            refuse_new: ``orderRateLimitExceededMode=CANCEL_ONLY`` over the unfilled order
                count: the cancel is still attempted, the new order fails with this
                ``(code, msg)`` and every failure answers HTTP 429 (rest-api.md, Cancel an
                Existing Order and Send a New Order, the table of modes).

        Raises:
            CancelReplaceFailedError: -2022 (400) when the new order was not placed, -2021
                (409) when one half failed; both carry the two results as ``data``.
            SimError: a malformed request, or -1013 a new order that fails a filter
                (``_filters_first``): nothing attempted.
        """
        self._ledger.require(account)
        market = self._market(request.symbol)
        if not market.rules.info.cancel_replace_allowed:
            raise errors.SimError(-2010, "Order cancel-replace is not supported for this symbol.")
        if request.cancel_order_id is None and request.cancel_orig_client_order_id is None:
            raise errors.one_of_mandatory("cancelOrderId", "cancelOrigClientOrderId")
        cancel = CancelOrder(
            symbol=request.symbol,
            order_id=request.cancel_order_id,
            orig_client_order_id=request.cancel_orig_client_order_id,
            new_client_order_id=request.cancel_new_client_order_id,
        )
        if refuse_new is None:
            self._filters_first(account, market, request.new_order)
        ok, fail = CancelReplaceResult.SUCCESS, CancelReplaceResult.FAILURE
        limited = refuse_new is not None
        try:
            if only_if is not None:
                self._check_cancel_restriction(account, market, cancel, only_if)
            cancel_result, cancel_raw = ok, _raw(self.cancel_order(account, cancel))
        except errors.SimError as exc:
            cancel_result, cancel_raw = fail, _raw({"code": exc.code, "msg": exc.msg})
        if cancel_result is fail and request.mode is CancelReplaceMode.STOP_ON_FAILURE:
            data = CancelReplaceAnswer(
                cancel_result=fail,
                new_order_result=CancelReplaceResult.NOT_ATTEMPTED,
                cancel_response=cancel_raw,
            )
            status = 429 if limited else 400
            raise CancelReplaceFailedError(-2022, "Order cancel-replace failed.", status, data)
        if refuse_new is not None:
            new_result, new_raw = fail, _raw({"code": refuse_new[0], "msg": refuse_new[1]})
        else:
            try:
                new_result, new_raw = ok, _raw(self.place_order(account, request.new_order))
            except errors.SimError as exc:
                new_result, new_raw = fail, _raw({"code": exc.code, "msg": exc.msg})
        answer = CancelReplaceAnswer(
            cancel_result=cancel_result,
            new_order_result=new_result,
            cancel_response=cancel_raw,
            new_order_response=new_raw,
        )
        if cancel_result is fail and new_result is fail:
            status = 429 if limited else 400
            raise CancelReplaceFailedError(-2022, "Order cancel-replace failed.", status, answer)
        if fail in (cancel_result, new_result):
            raise CancelReplaceFailedError(
                -2021, "Order cancel-replace partially failed.", 429 if limited else 409, answer
            )
        return answer

    def _filters_first(self, account: str, market: _Market, order: NewOrder) -> None:
        """The new order's filters first: "Filters and Order Count are evaluated before the
        processing of the cancellation and order placement occurs" (rest-api.md, Cancel an
        Existing Order and Send a New Order; CHANGELOG 2022-06-15: with MAX_NUM_ORDERS full,
        "both the cancel order placement and new order will fail because of the filter").
        So a new order that fails a filter (-1013, errors.md Filter failures) refuses the
        whole request as it is, and nothing is canceled; the order being replaced still
        counts. The matching engine's refusals (-2010: a duplicate id, which the cancel may
        free, a LIMIT_MAKER that would take, ...) come after the cancel as before.

        Raises:
            SimError: -1013 for the first filter the new order fails.
        """
        try:
            self._validate(account, market, order)
            if order.order_type in ALGO_TYPES:
                self._algo_checks(account, market, order)
        except errors.SimError as exc:
            if exc.code == -1013:
                raise

    def _check_cancel_restriction(
        self, account: str, market: _Market, cancel: CancelOrder, only_if: OrderStatus
    ) -> None:
        """An order found in another status than ``only_if`` is not canceled (rest-api.md,
        Regarding cancelRestrictions); an unknown one fails as the cancel itself would."""
        order = self._find(account, market, cancel.order_id, cancel.orig_client_order_id)
        if order is not None and order.status is not only_if:
            raise errors.SimError(-2011, "Order was not canceled due to cancel restrictions.")

    # --- amend keep priority --------------------------------------------------------------

    def amend_keep_priority(self, account: str, amend: AmendKeepPriority) -> AmendResponse:
        """``PUT /api/v3/order/amend/keepPriority`` (module rules).

        Raises:
            SimError: -2011 unknown or closed order (as -2038's "Unknown order sent."),
                -2038 a quantity not lower, -1111 / -1013 LOT_SIZE a ``newQty`` of too
                much precision or off the filter (``check_amend_quantity``), -2038
                "Filter failure: MAX_NUM_ORDER_AMENDS".
        """
        self._ledger.require(account)
        market = self._market(amend.symbol)
        rules = market.rules
        if not rules.info.amend_allowed:
            raise errors.SimError(-2038, "Order amend is not supported for this symbol.")
        check_amend_quantity(rules, amend.new_qty)
        order = self._find(account, market, amend.order_id, amend.orig_client_order_id)
        if order is None or not order.is_open:
            raise errors.SimError(-2038, "Unknown order sent.")
        lst = order.order_list
        if lst is not None and lst.opo is not None and not lst.opo.sized and order in lst.pending:
            # faqs/opo.md: "may not be amended until the working order has been fully filled".
            raise errors.SimError(-2038, "Order amend (pending OPO order) is not supported.")
        if amend.new_qty == order.orig_qty:
            raise errors.SimError(-2038, "The requested action would change no state; rejecting")
        if amend.new_qty > order.orig_qty or amend.new_qty <= ZERO:
            raise errors.SimError(-2038, "Order amend (quantity increase) is not supported.")
        history = self._amendments.setdefault((rules.symbol, order.order_id), [])
        if rules.max_num_amends is not None and len(history) >= rules.max_num_amends:
            # filters.md, MAX_NUM_ORDER_AMENDS: "you will receive the -2038 error code", with
            # errors.md's Filter failures message.
            raise errors.SimError(-2038, "Filter failure: MAX_NUM_ORDER_AMENDS")
        new_cid = self._checked_client_id(amend.new_client_order_id)
        self._begin()
        old_cid, old_qty = order.client_order_id, order.orig_qty
        execution_id = self._amend_one(market, order, amend.new_qty, new_cid)
        if lst is not None and order in lst.oco:
            # "OCO order pairs must have the same quantity ... amending either order affects
            # both orders" (faqs/order_amend_keep_priority.md, Can Order lists be amended?).
            for other in lst.oco:
                if other is not order and other.is_open:
                    self._amend_one(market, other, amend.new_qty, other.client_order_id)
        history.append(
            OrderAmendment(
                symbol=rules.symbol,
                order_id=order.order_id,
                execution_id=execution_id,
                orig_client_order_id=old_cid,
                new_client_order_id=new_cid,
                orig_qty=old_qty.quantize(rules.base_quantum),
                new_qty=order.orig_qty.quantize(rules.base_quantum),
                time=self._now,
            )
        )
        list_status = None
        if lst is not None:
            if new_cid != old_cid:
                lst.list_status_type = ListStatusType.UPDATED
                self._reports.append((account, lst.event(self._now)))
                lst.list_status_type = ListStatusType.EXEC_STARTED
            list_status = lst.status()
        # An amend down to the executed quantity fills the order: an OTO's (or OPO's) pending
        # orders go on now, as on any other fill.
        self._settle_market(market)
        self._publish()
        return AmendResponse(
            transact_time=self._now,
            execution_id=execution_id,
            amended_order=_amended(order, rules, old_cid),
            list_status=list_status,
        )

    def _amend_one(self, market: _Market, order: SimOrder, new_qty: Decimal, new_cid: str) -> int:
        """Lower one order's quantity in place and report it (``x=REPLACED``); its ``I``."""
        rules = market.rules
        old_cid = order.client_order_id
        self._reduce(order, new_qty)
        if order.status is not OrderStatus.PENDING_NEW and (
            order.algo is None or order.algo.triggered
        ):
            # On the book: its level's quantity changed, an order book update (the diff
            # depth stream and lastUpdateId; web-socket-streams.md, Diff. Depth Stream).
            market.data.touch(order.side, order.price)
        if new_cid != old_cid:
            self._by_client[(order.account, rules.symbol, new_cid)] = order
            order.client_order_id = new_cid
        if order.report is not None:
            # The template of later reports carries the order's id and quantity.
            order.report = msgspec.structs.replace(
                order.report,
                client_order_id=order.client_order_id,
                quantity=order.orig_qty.quantize(rules.base_quantum),
            )
        execution_id: int = self._report(
            market, order, ExecutionType.REPLACED, orig_client_order_id=old_cid
        )
        if order.remaining <= ZERO:
            # Amended down to what has traded (or was prevented): nothing is left to work.
            order.status = OrderStatus.FILLED
            if order.algo is None or order.algo.triggered:
                market.book.side(order.side).remove(order)
            self._waiting[order.symbol].pop(order.order_id, None)
            self._close(order)
        return execution_id

    def _reduce(self, order: SimOrder, new_qty: Decimal) -> None:
        """Lower the quantity in place; the lock shrinks with it (same queue position)."""
        freed = order.orig_qty - max(new_qty, order.executed + order.prevented_qty)
        order.orig_qty = new_qty
        order.update_time = self._now
        if order.locked and freed > ZERO:
            per_unit = order.price if order.side is Side.BUY else Decimal(1)
            release = min(order.locked, freed * per_unit)
            self._ledger.unlock(order.account, order.lock_asset, release)
            order.locked -= release

    def order_amendments(self, account: str, query: QueryAmendments) -> list[OrderAmendment]:
        """``GET /api/v3/order/amendments``. Raises: SimError -2013 for an unknown order."""
        self._ledger.require(account)
        market = self._market(query.symbol)
        order = self._find(account, market, query.order_id, None)
        if order is None:
            raise errors.no_such_order()
        rows = self._amendments.get((market.rules.symbol, order.order_id), [])
        if query.from_execution_id is not None:
            rows = [r for r in rows if r.execution_id >= query.from_execution_id]
        return rows[: query.limit or 500]


def _check_oco_iceberg_tif(leg: NewOrder, role: str) -> None:
    """errors.md, -1160 OCO_ICEBERGQTY_TIMEINFORCE: an OCO leg with ``icebergQty`` and a
    timeInForce other than GTC. The message is errors.md's template with the leg's parameter
    name put in (UNVERIFIED: which name Binance puts there)."""
    if leg.iceberg_qty is None or leg.time_in_force in (None, TimeInForce.GTC):
        return
    raise errors.SimError(
        -1160,
        f"Parameter '{role}IcebergQty' is not supported if "
        "aboveTimeInForce/belowTimeInForce is not GTC.",
    )


_AMEND_CONDITIONAL = ("stop_price", "trailing_delta", "trailing_time")


def _amended(order: SimOrder, rules: Any, old_cid: str) -> AmendedOrder:
    bq, qq = rules.base_quantum, rules.quote_quantum
    lst = order.order_list
    prevented = order.prevented_match_id is not None
    conditional = reports.advanced_keys(order, rules, stream=False)
    return AmendedOrder(
        symbol=order.symbol,
        order_id=order.order_id,
        order_list_id=-1 if lst is None else lst.order_list_id,
        orig_client_order_id=old_cid,
        client_order_id=order.client_order_id,
        price=order.price.quantize(qq),
        qty=order.orig_qty.quantize(bq),
        executed_qty=order.executed.quantize(bq),
        prevented_qty=order.prevented_qty.quantize(bq),
        quote_order_qty=order.quote_order_qty.quantize(qq),
        cumulative_quote_qty=order.cum_quote.quantize(qq),
        status=order.status,
        time_in_force=order.time_in_force,
        type=order.type,
        side=order.side,
        # Absent while the order is not on the book, as ``W`` (reports.advanced_keys).
        working_time=reports.advanced_keys(order, rules, stream=True).get(
            "working_time", order.time
        ),
        self_trade_prevention_mode=order.stp.value,
        # rest-api.md, Order Amend Keep Priority: see Conditional fields in Order Responses.
        iceberg_qty=order.iceberg_qty.quantize(bq) if order.iceberg_qty else None,
        prevented_match_id=order.prevented_match_id,
        prevented_quantity=order.prevented_qty.quantize(bq) if prevented else None,
        strategy_id=order.strategy_id,
        strategy_type=order.strategy_type,
        **{k: v for k, v in conditional.items() if k in _AMEND_CONDITIONAL},
        **reports.sor_keys(order),
    )
