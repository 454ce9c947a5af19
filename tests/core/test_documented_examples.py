"""Binance's documented answers and events (tests/core/documented.py) through the decoders oms
uses for them (``oms.wire.decoding``): each decodes, and its values land in the right fields,
amounts as the Decimal Binance wrote. The examples already verbatim elsewhere (user-data-stream.md's
events and the ACK / FULL / cancel answers: test_decoding.py; the OCO answer, the -2021
ALLOW_FAILURE answer, the amend of a list's order: test_wire_lists.py; cancel-all:
tests/binance/test_account_calls.py) are not repeated."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from oms.wire.amends import AmendResponse, CancelReplaceAnswer, CancelReplaceFailure, OrderAmendment
from oms.wire.decoding import decode_body, decode_user_data
from oms.wire.enums import (
    CancelReplaceResult,
    ContingencyType,
    ListOrderStatus,
    ListStatusType,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from oms.wire.events import OutboundAccountPosition, ServerShutdown
from oms.wire.orderlists import OrderListAnswer, OrderListStatus
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    CommissionResponse,
    ErrorBody,
    ExchangeInfo,
    MyAllocation,
    MyTrade,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
    RateLimitCount,
)

from . import documented as doc

D = Decimal


def test_new_order_result() -> None:
    answer = decode_body(doc.NEW_ORDER_RESULT, NewOrderResult)
    assert (answer.order_id, answer.order_list_id, answer.status) == (28, -1, OrderStatus.FILLED)
    assert (answer.orig_qty, answer.cummulative_quote_qty) == (D("10.00000000"), D(10))
    assert answer.orig_quote_order_qty == D(0) and answer.working_time == 1507725176595


@pytest.mark.parametrize(
    "raw",
    [doc.SOR_FAQ_EXAMPLE_1, doc.STP_FAQ_TAKER, doc.MARKET_FAQ_EXPIRED],
    ids=["sor", "stp", "market"],
)
def test_full_answers_without_orig_quote_order_qty_decode(raw: bytes) -> None:
    # faqs/sor_faq.md, faqs/stp_faq.md and faqs/market_orders_faq.md show FULL answers
    # without origQuoteOrderQty: they were refused (an order answered FILLED became unknown).
    answer = decode_body(raw, NewOrderFull)
    assert answer.orig_quote_order_qty is None
    assert answer.executed_qty == sum(fill.qty for fill in answer.fills)


def test_faq_answers_values() -> None:
    sor = decode_body(doc.SOR_FAQ_EXAMPLE_1, NewOrderFull)
    assert (sor.used_sor, sor.working_floor, sor.cummulative_quote_qty) == (
        True,
        "SOR",
        D("14000.00000000"),
    )
    (fill,) = sor.fills
    assert (fill.match_type, fill.trade_id, fill.alloc_id) == ("ONE_PARTY_TRADE_REPORT", -1, 0)
    market = decode_body(doc.MARKET_FAQ_EXPIRED, NewOrderFull)
    assert (market.status, market.type, market.executed_qty) == (
        OrderStatus.EXPIRED,
        OrderType.MARKET,
        D(4),
    )
    assert [f.trade_id for f in market.fills] == [7, 8]


def test_cancel_replace_success() -> None:
    answer = decode_body(doc.CANCEL_REPLACE_SUCCESS, CancelReplaceAnswer)
    cancel, placed = answer.cancel(), answer.new_order()
    assert isinstance(cancel, CancelResponse) and cancel.orig_client_order_id == (
        "DnLo3vTAQcjha43lAZhZ0y"
    )
    assert cancel.orig_qty == D("0.0001") and cancel.status is OrderStatus.CANCELED
    assert placed is not None and not isinstance(placed, ErrorBody)
    new = placed.as_answer()
    assert isinstance(new, NewOrderFull) and new.fills == ()
    assert (new.order_id, new.side, new.orig_qty) == (10, Side.BUY, D("0.04"))


@pytest.mark.parametrize(
    ("raw", "code", "results", "cancel_code", "new_code"),
    [
        (doc.CANCEL_REPLACE_CANCEL_FAILED, -2022, ("FAILURE", "NOT_ATTEMPTED"), -2011, None),
        (doc.CANCEL_REPLACE_NEW_FAILED, -2021, ("SUCCESS", "FAILURE"), None, -2010),
        (doc.CANCEL_REPLACE_BOTH_FAILED, -2022, ("FAILURE", "FAILURE"), -2011, -2010),
        (doc.CANCEL_REPLACE_CANCEL_ONLY, -2021, ("SUCCESS", "FAILURE"), None, -1015),
    ],
    ids=["cancel-failed", "new-failed", "both-failed", "cancel-only"],
)
def test_cancel_replace_failures(
    raw: bytes, code: int, results: tuple[str, str], cancel_code: int | None, new_code: int | None
) -> None:
    failure = msgspec.json.decode(raw, type=CancelReplaceFailure)
    data = failure.data
    assert failure.code == code
    assert (data.cancel_result, data.new_order_result) == tuple(
        CancelReplaceResult(r) for r in results
    )
    cancel, placed = data.cancel(), data.new_order()
    if cancel_code is None:
        assert isinstance(cancel, CancelResponse) and cancel.status is OrderStatus.CANCELED
    else:
        assert isinstance(cancel, ErrorBody) and cancel.code == cancel_code
    if new_code is None:
        assert placed is None
    else:
        assert isinstance(placed, ErrorBody) and placed.code == new_code


def test_cancel_replace_cancel_only_amounts_keep_their_places() -> None:
    data = msgspec.json.decode(doc.CANCEL_REPLACE_CANCEL_ONLY, type=CancelReplaceFailure).data
    cancel = data.cancel()
    assert isinstance(cancel, CancelResponse)
    assert (cancel.price, cancel.cummulative_quote_qty, cancel.order_id) == (D("1.00"), D(0), 64)


def test_amend_of_a_single_order() -> None:
    answer = decode_body(doc.AMEND_SINGLE, AmendResponse)
    order = answer.amended_order
    assert (answer.execution_id, answer.list_status) == (75, None)
    assert (order.orig_client_order_id, order.client_order_id) == (
        "5xrgbMyg6z36NzBn2pbT8H",
        "PFaq6hIHxqFENGfdtn4J6Q",
    )
    assert (order.qty, order.price, order.cumulative_quote_qty) == (D(5), D(6), D(0))


@pytest.mark.parametrize(
    ("raw", "legs", "working", "pending"),
    [
        (doc.OLD_OCO, 2, OrderStatus.NEW, None),
        (doc.OTO, 2, OrderStatus.NEW, OrderStatus.PENDING_NEW),
        (doc.OTOCO, 3, OrderStatus.NEW, OrderStatus.PENDING_NEW),
        (doc.OPO, 2, OrderStatus.NEW, OrderStatus.PENDING_NEW),
        (doc.OPOCO, 3, OrderStatus.NEW, OrderStatus.PENDING_NEW),
    ],
    ids=["old-oco", "oto", "otoco", "opo", "opoco"],
)
def test_list_placements(
    raw: bytes, legs: int, working: OrderStatus, pending: OrderStatus | None
) -> None:
    answer = decode_body(raw, OrderListAnswer)
    assert (answer.list_status_type, answer.list_order_status) == (
        ListStatusType.EXEC_STARTED,
        ListOrderStatus.EXECUTING,
    )
    assert len(answer.orders) == len(answer.order_reports) == legs
    assert [r.order_id for r in answer.order_reports] == [o.order_id for o in answer.orders]
    assert answer.order_reports[0].status is working
    if pending is not None:
        # OTO, OTOCO, OPO and OPOCO answer contingencyType OTO (their documented answers).
        assert answer.contingency_type is ContingencyType.OTO
        assert {r.status for r in answer.order_reports[1:]} == {pending}
        assert {r.working_time for r in answer.order_reports[1:]} == {-1}


@pytest.mark.parametrize("raw", [doc.OPO, doc.OPOCO], ids=["opo", "opoco"])
def test_opo_pending_orders_have_no_quantity_yet(raw: bytes) -> None:
    # rest-api.md, New Order List - OPO / OPOCO: a pending order's report has no origQty
    # (its quantity is what the working order buys): decoded as None, never as 0.
    working, *pending = decode_body(raw, OrderListAnswer).order_reports
    assert working.orig_qty is not None and working.orig_qty > 0
    assert [r.orig_qty for r in pending] == [None] * len(pending)
    assert all(r.executed_qty == 0 for r in pending)


def test_opoco_pending_stop_keeps_its_stop_price() -> None:
    below = decode_body(doc.OPOCO, OrderListAnswer).order_reports[1]
    assert (below.type, below.stop_price, below.price) == (
        OrderType.STOP_LOSS_LIMIT,
        D("10100.00000000"),
        D("101613.00000000"),
    )


def test_cancel_list() -> None:
    answer = decode_body(doc.CANCEL_LIST, OrderListAnswer)
    assert answer.list_status_type is ListStatusType.ALL_DONE
    reports = [r.as_answer() for r in answer.order_reports]
    assert all(isinstance(r, CancelResponse) for r in reports)
    assert [r.status for r in reports] == [OrderStatus.CANCELED] * 2


def test_account() -> None:
    account = decode_body(doc.ACCOUNT, AccountInfo)
    assert account.commission_rates.maker == D("0.0015") and account.uid == 354937868
    assert [(b.asset, b.free, b.locked) for b in account.balances] == [
        ("BTC", D("4723846.89208129"), D(0)),
        ("LTC", D("4763368.68006011"), D(0)),
    ]


@pytest.mark.parametrize("raw", [doc.QUERY_ORDER, doc.OPEN_ORDERS], ids=["order", "open-and-all"])
def test_order_queries(raw: bytes) -> None:
    shape: type = QueryOrderResponse if raw.startswith(b"{") else list[QueryOrderResponse]
    decoded = decode_body(raw, shape)
    (order,) = decoded if isinstance(decoded, list) else [decoded]
    assert (order.client_order_id, order.price, order.orig_qty) == ("myOrder1", D("0.1"), D(1))
    assert (order.time_in_force, order.is_working, order.working_time) == (
        TimeInForce.GTC,
        True,
        1499827319559,
    )
    assert order.stop_price == 0 and order.iceberg_qty == 0


@pytest.mark.parametrize(
    "raw",
    [doc.ORDER_LIST, doc.ALL_ORDER_LISTS, doc.OPEN_ORDER_LISTS],
    ids=["one", "all", "open"],
)
def test_order_list_queries(raw: bytes) -> None:
    shape: type = OrderListStatus if raw.startswith(b"{") else list[OrderListStatus]
    decoded = decode_body(raw, shape)
    lists = decoded if isinstance(decoded, list) else [decoded]
    assert lists and all(s.contingency_type is ContingencyType.OCO for s in lists)
    assert all(len(s.orders) == 2 and s.transaction_time for s in lists)


def test_my_trades_and_allocations() -> None:
    (trade,) = decode_body(doc.MY_TRADES, list[MyTrade])
    assert (trade.id, trade.order_id, trade.quote_qty) == (28457, 100234, D("48.000012"))
    assert (trade.commission, trade.commission_asset, trade.is_buyer) == (D("10.1"), "BNB", True)
    (allocation,) = decode_body(doc.MY_ALLOCATIONS, list[MyAllocation])
    assert (allocation.allocation_type, allocation.qty, allocation.is_allocator) == (
        "SOR",
        D(5),
        False,
    )


def test_unfilled_order_count_and_commission() -> None:
    counts = decode_body(doc.UNFILLED_ORDER_COUNT, list[RateLimitCount])
    assert [(c.interval, c.interval_num, c.limit) for c in counts] == [
        ("SECOND", 10, 50),
        ("DAY", 1, 160000),
    ]
    rates = decode_body(doc.COMMISSION, CommissionResponse)
    assert rates.standard_commission.seller == D("0.0000004")
    assert rates.special_commission is not None and rates.special_commission.taker == D("0.02")
    assert rates.tax_commission.buyer == D("0.00000118")
    assert rates.discount["discount"] == "0.75000000"


def test_order_amendments() -> None:
    first, second = decode_body(doc.AMENDMENTS, list[OrderAmendment])
    assert (first.execution_id, first.orig_qty, first.new_qty) == (22, D(5), D(4))
    assert second.orig_client_order_id == first.new_client_order_id


def test_exchange_info_with_its_placeholders() -> None:
    # rest-api.md, Exchange information: ``"rateLimits": [{}]`` (a placeholder, "All limits
    # are optional") was refused; the empty entry is kept and matches no limit.
    info = decode_body(doc.EXCHANGE_INFO, ExchangeInfo)
    (limit,) = info.rate_limits
    assert (limit.rate_limit_type, limit.interval_num) == ("", 0)
    (symbol,) = info.symbols
    assert (symbol.symbol, symbol.opo_allowed, symbol.peg_instructions_allowed) == (
        "ETHBTC",
        True,
        True,
    )
    assert symbol.permission_sets == (("SPOT", "MARGIN"),)


def test_web_socket_api_event_frames() -> None:
    # web-socket-api.md, Event format and Server Shutdown (an envelope without
    # subscriptionId).
    position = decode_user_data(doc.WS_EVENT_FORMAT)
    assert isinstance(position, OutboundAccountPosition)
    assert [(b.asset, b.free, b.locked) for b in position.balances] == [
        ("BTC", D(11818), D(182)),
        ("USDT", D(10580), D(70)),
    ]
    shutdown = decode_user_data(doc.WS_SERVER_SHUTDOWN)
    assert isinstance(shutdown, ServerShutdown) and shutdown.event_time == 1770123456789


def test_conditional_fields_of_queries_and_cancels_are_kept() -> None:
    # web-socket-api.md, Query order and Cancel open orders: trailingDelta, trailingTime,
    # strategyId and strategyType (rest-api.md, Conditional fields in Order Responses) were
    # skipped unread by the query and cancel shapes; an order adopted from them lost them.
    result = msgspec.json.decode(doc.WS_ORDER_STATUS)["result"]
    query = decode_body(msgspec.json.encode(result), QueryOrderResponse)
    assert (query.trailing_delta, query.trailing_time) == (10, -1)
    assert (query.strategy_id, query.strategy_type) == (37463720, 1000000)
    assert (query.prevented_match_id, query.prevented_quantity) == (0, D("1.2"))
    single = msgspec.json.decode(doc.WS_CANCEL_OPEN_ORDERS)["result"][0]
    cancel = decode_body(msgspec.json.encode(single), CancelResponse)
    assert (cancel.trailing_delta, cancel.trailing_time, cancel.strategy_id) == (0, -1, 37463720)
    assert (cancel.strategy_type, cancel.executed_qty) == (1000000, D("0.00001"))
