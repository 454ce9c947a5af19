"""Issue 12, item 4: the core's remaining edge cases, each fed through the real decoders and
``Engine.apply`` (or the ledger and positions the runtime uses)."""

from __future__ import annotations

from decimal import Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.core.engine import Engine
from oms.core.order import Order
from oms.core.outputs import FillApplied, OrderAmended, ReportConflict
from oms.core.positions import Position
from oms.core.state import OrderState
from oms.errors import DecodeError
from oms.wire.decoding import decode_body, decode_user_data
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.events import OutboundAccountPosition
from oms.wire.money import MONEY, MONEY_PRECISION
from oms.wire.rest import MyTrade, QueryOrderResponse

from .helpers import create, limit_order, new_engine, order_in, report, sent, trade
from .payloads import (
    Trade,
    account,
    ack,
    answer_json,
    body,
    cancel_response,
    execution_report_json,
    frame,
    my_trade,
    position_json,
    query_json,
    w,
)

D = Decimal
S = OrderState


# --- amounts refused at decode ------------------------------------------------------------


@pytest.mark.parametrize("text", ["1E-999999", "0E-999999", "0.000000001", "1.000000000"])
@pytest.mark.parametrize("key", ["l", "L", "n", "q", "Y"])
def test_an_amount_with_more_than_eight_places_is_refused_at_decode(text: str, key: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_user_data(frame(execution_report_json(**{key: text})))
    assert err.value.field == f"$.{key}"


@pytest.mark.parametrize("text", ["1E-999999", "0.123456789"])
def test_position_delta_and_rest_amounts_with_absurd_exponents_are_refused(text: str) -> None:
    with pytest.raises(DecodeError):
        decode_user_data(frame(position_json(5, {"BTC": (text, "0")})))
    with pytest.raises(DecodeError):
        decode_user_data(frame({"e": "balanceUpdate", "E": 1, "a": "BTC", "d": text, "T": 1}))
    row = my_trade(7, Trade(1, D("0.5"), D(100)))
    bad = {"symbol": "BTCUSDT", "id": 1, "orderId": 7, "orderListId": -1, "price": "100",
           "qty": text, "quoteQty": "1", "commission": "0", "commissionAsset": "BNB",
           "time": 1, "isBuyer": True, "isMaker": False, "isBestMatch": True}  # fmt: skip
    with pytest.raises(DecodeError):
        decode_body(body(bad), MyTrade)
    assert row.qty == D("0.5")


_ADMITTED = st.decimals(min_value=0, max_value=D("99999999999999999999.99999999"), places=8)


@given(qty=_ADMITTED, price=_ADMITTED, fee=_ADMITTED, sell=_ADMITTED, sell_price=_ADMITTED)
def test_no_admitted_fill_makes_engine_or_positions_raise_and_money_is_exact(
    qty: Decimal, price: Decimal, fee: Decimal, sell: Decimal, sell_price: Decimal
) -> None:
    tick = D("0.00000001")  # a zero quantity or price is a conflict (tested below)
    q, sell, price, sell_price = (max(v, tick) for v in (qty, sell, price, sell_price))
    engine = new_engine()
    order = limit_order(engine, qty=w(q))
    sent(engine, order)
    out = engine.apply(
        report(
            order,
            x="TRADE",
            X="FILLED",
            t=1,
            l=w(q),
            L=w(price),
            z=w(q),
            Y=w(price),
            Z=w(price),
            n=w(fee),
            N="BNB",
        )
    )
    out += engine.apply(my_trade(1001, Trade(2, q, D(1))))  # over-fill: a conflict
    assert order.filled == q and order.state is S.FILLED
    pos = Position("BTCUSDT", "BTC", "USDT")
    for fill in out:
        if isinstance(fill, FillApplied):
            pos.apply(fill)
    pos.apply_fill(Side.SELL, sell, sell_price, D(0), "USDT", time_ms=2 * 10**12, trade_id=2)
    # Exact: 28-digit amounts, products of 56 digits, within MONEY's 64.
    closing = min(sell, q)
    assert MONEY_PRECISION >= 56
    wide = Context(prec=100)  # the truth, computed far wider than MONEY
    expected = wide.subtract(wide.multiply(closing, sell_price), wide.multiply(closing, price))
    assert pos.realized_pnl == expected
    assert pos.unattributed_sold == sell - closing
    pos.apply_fill(Side.BUY, sell, sell_price, fee, "BTC", time_ms=1, trade_id=3)  # late


# --- amends ----------------------------------------------------------------------------------


def test_an_amend_with_a_new_client_id_is_followed_and_the_cancel_names_its_order_id() -> None:
    engine, order = order_in(S.NEW)
    out = engine.apply(report(order, x="REPLACED", q=w("0.6"), c="amended-1", C="cid-1"))
    assert any(isinstance(o, OrderAmended) for o in out)
    assert engine.order("amended-1") is order and order.client_order_id == "amended-1"
    # By order id alone: right whether or not the rename was seen (rest-api.md, Cancel order).
    cancel = engine.cancel_request(order)
    assert (cancel.order_id, cancel.orig_client_order_id) == (order.order_id, None)
    # Later reports by the new id (and the order id) still find the order.
    engine.apply(report(order, c="amended-1", x="TRADE", X="PARTIALLY_FILLED", t=5,
                        l=w("0.2"), z=w("0.2"), L=w(100), q=w("0.6")))  # fmt: skip
    assert order.filled == D("0.2") and len(engine.orders()) == 1


def test_a_lost_amend_then_a_fill_and_a_query_at_the_reduced_quantity_end_filled() -> None:
    engine, order = order_in(S.NEW)
    # The x=REPLACED report (1 -> 0.6) is lost; the fill and the query carry q=0.6.
    out = engine.apply(trade(order, 1, "0.6", "FILLED", "0.6", q=w("0.6")))
    assert order.state is S.FILLED
    answer = answer_json(
        cid="cid-1", order_id=1001, order_type="LIMIT", tif="GTC", side="BUY", qty=D("0.6"),
        price=D(100), executed=D("0.6"), quote=D(60), status="FILLED", time=1_700_000_000_500,
        fills=None,
    )  # fmt: skip
    query = decode_body(body(query_json(answer, update_time=1_700_000_000_600)), QueryOrderResponse)
    out += engine.apply(query)
    assert order.state is S.FILLED and order.quantity == D("0.6")
    assert not any(isinstance(o, ReportConflict) for o in out)
    assert not engine.take_checks()


# --- a late report about an older order with our client id ----------------------------------


def test_a_late_report_of_an_older_order_with_our_client_id_does_not_bind_to_ours() -> None:
    engine = new_engine()
    order = limit_order(engine, cid="reused", qty="1")
    sent(engine, order)
    # An older order that used "reused" (another id, quantity and creation time) closes late.
    old = dict(c="reused", i=500, q=w(3), x="CANCELED", X="CANCELED", O=1_699_999_000_000,
               T=1_699_999_100_000)  # fmt: skip
    engine.apply(decode_user_data(frame(execution_report_json(**old))))  # type: ignore[arg-type]
    assert order.order_id is None and order.state is S.PENDING_ACK
    assert not order.needs_check
    # Our own acknowledgement is applied to our order, not ignored or adopted.
    engine.apply(ack("reused", order_id=777))
    assert order.order_id == 777 and order.state is S.NEW
    assert engine.order_by_id("BTCUSDT", 777) is order
    assert engine.order_by_id("BTCUSDT", 500) is not order


def test_a_late_report_of_the_same_quantity_created_before_ours_does_not_bind() -> None:
    engine = new_engine()
    engine.apply(_position(1_699_999_500_000, "100", "0"))  # the exchange's clock, known
    order = limit_order(engine, cid="reused", qty="1")
    sent(engine, order)
    # Same client id and quantity, but created on the exchange before the newest exchange
    # time we knew when we created ours: another, older order.
    old = dict(c="reused", i=500, x="CANCELED", X="CANCELED", O=1_699_999_000_000,
               T=1_699_999_600_000)  # fmt: skip
    engine.apply(decode_user_data(frame(execution_report_json(**old))))  # type: ignore[arg-type]
    assert order.order_id is None and order.state is S.PENDING_ACK
    engine.apply(report(order, i=777, O=1_699_999_700_000))  # ours: NEW, created later
    assert order.order_id == 777 and order.state is S.NEW


# --- fills and statuses ----------------------------------------------------------------------


def test_fills_learned_only_from_my_trades_move_a_new_order_to_partially_filled() -> None:
    engine, order = order_in(S.NEW)
    engine.apply(my_trade(1001, Trade(9, D("0.4"), D(100))))
    assert order.filled == D("0.4") and order.state is S.PARTIALLY_FILLED


def test_a_trade_of_price_zero_is_a_conflict_not_a_fill() -> None:
    engine, order = order_in(S.NEW)
    out = engine.apply(report(order, x="TRADE", X="PARTIALLY_FILLED", t=1, l=w("0.4"), z=w("0.4")))
    assert order.filled == 0 and any(isinstance(o, ReportConflict) for o in out)
    out = engine.apply(my_trade(1001, Trade(2, D("0.4"), D(0))))
    assert order.filled == 0 and any(isinstance(o, ReportConflict) for o in out)


def test_a_canceled_answer_with_an_executed_quantity_and_no_fills_queues_a_trades_check() -> None:
    engine, order = order_in(S.NEW)
    engine.apply(cancel_response(executed="0.4"))
    assert order.state is S.CANCELED and order.awaiting_fills
    assert engine.take_checks() == [order]


# --- balances --------------------------------------------------------------------------------


def _position(u: int, free: str, locked: str) -> OutboundAccountPosition:
    event = decode_user_data(frame(position_json(u, {"USDT": (free, locked)})))
    assert isinstance(event, OutboundAccountPosition)
    return event


def test_a_redelivered_position_with_the_same_u_never_rolls_a_balance_back() -> None:
    engine = new_engine()
    first, second = _position(10, "100", "0"), _position(10, "60", "40")
    for event in (first, second, first):  # the first redelivered after the second
        engine.apply(event)
    assert engine.balances.locked("USDT") == D(40)
    assert engine.balances.free("USDT") == D(60)


def test_two_positions_with_one_u_ask_for_a_snapshot_before_the_balance_is_trusted() -> None:
    engine = new_engine()
    engine.apply(_position(10, "100", "0"))
    assert engine.balances.trusted("USDT")
    engine.apply(_position(10, "60", "40"))
    assert engine.balances.needs_snapshot and not engine.balances.trusted("USDT")
    engine.apply(account({"USDT": ("60", "40")}, update_time=10))
    assert engine.balances.trusted("USDT") and not engine.balances.needs_snapshot


# --- positions -------------------------------------------------------------------------------


def _sell_order(engine: Engine, qty: str) -> Order:
    order = create(
        engine, "s", symbol="BTCUSDT", side=Side.SELL, order_type=OrderType.LIMIT,
        quantity=D(qty), price=D(100), time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    sent(engine, order)
    return order


def _fills() -> list[FillApplied]:
    """A buy of 2 at 100, a buy of 1 at 130, a sell of 2 at 120 (times 1, 2, 3)."""
    engine = new_engine()
    buy = limit_order(engine, cid="b", qty="3")
    sent(engine, buy)
    out = engine.apply(report(buy, i=1, x="TRADE", X="PARTIALLY_FILLED", t=1, l=w(2), z=w(2),
                              L=w(100), Y=w(200), T=1_700_000_000_001))  # fmt: skip
    out += engine.apply(report(buy, i=1, x="TRADE", X="FILLED", t=2, l=w(1), z=w(3),
                               L=w(130), Y=w(130), T=1_700_000_000_002))  # fmt: skip
    sell = _sell_order(engine, "2")
    out += engine.apply(report(sell, i=2, S="SELL", x="TRADE", X="FILLED", t=3, l=w(2),
                               z=w(2), L=w(120), Y=w(240), T=1_700_000_000_003))  # fmt: skip
    return [o for o in out if isinstance(o, FillApplied)]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_positions_do_not_depend_on_the_order_fills_arrive_in(order: tuple[int, ...]) -> None:
    fills = _fills()
    pos = Position("BTCUSDT", "BTC", "USDT")
    for i in order:
        pos.apply(fills[i])
    assert pos.net_quantity == D(1)
    avg = MONEY.divide(D(330), D(3))
    assert pos.avg_entry_price == avg
    assert pos.realized_pnl == D(240) - 2 * avg


def test_a_late_my_trades_fill_after_a_gap_is_accounted_in_exchange_order() -> None:
    engine, _ = order_in(S.NEW)
    pos = Position("BTCUSDT", "BTC", "USDT")
    # The stream delivered the sell-side order's fill (time 5); the buy at time 1 is learned
    # from myTrades after a gap.
    sell = _sell_order(engine, "1")
    for o in engine.apply(report(sell, i=2, S="SELL", x="TRADE", X="FILLED", t=8, l=w(1),
                                 z=w(1), L=w(150), Y=w(150), T=1_700_000_000_005)):  # fmt: skip
        if isinstance(o, FillApplied):
            pos.apply(o)
    assert pos.unattributed_sold == D(1)  # sold before any buy was seen
    for o in engine.apply(my_trade(1001, Trade(1, D(1), D(100)))):  # time 1_700_000_000_001
        if isinstance(o, FillApplied):
            pos.apply(o)
    assert pos.realized_pnl == D(50) and pos.net_quantity == 0
    assert pos.unattributed_sold == 0


def test_base_and_quote_fees_are_in_the_cost_basis_only_and_bnb_fees_listed_apart() -> None:
    pos = Position("BTCUSDT", "BTC", "USDT")
    pos.apply_fill(Side.BUY, D(1), D(100), D("0.01"), "BTC", time_ms=1, trade_id=1)
    pos.apply_fill(Side.BUY, D(1), D(100), D(1), "USDT", time_ms=2, trade_id=2)
    pos.apply_fill(Side.BUY, D(1), D(100), D("0.5"), "BNB", time_ms=3, trade_id=3)
    assert pos.net_quantity == D("2.99")
    assert pos.avg_entry_price == MONEY.divide(D(301), D("2.99"))
    assert pos.fees == {"BNB": D("0.5")}  # base and quote fees are in the basis, not here


def test_a_sell_beyond_what_oms_saw_bought_is_reported_not_a_short() -> None:
    pos = Position("BTCUSDT", "BTC", "USDT")
    pos.apply_fill(Side.BUY, D(1), D(100), D(0), None, time_ms=1, trade_id=1)
    pos.apply_fill(Side.SELL, D(3), D(110), D(0), None, time_ms=2, trade_id=2)
    assert pos.net_quantity == 0 and pos.avg_entry_price == 0
    assert pos.realized_pnl == D(10)
    assert pos.unattributed_sold == D(2) and pos.unattributed_proceeds == D(220)
    assert "sold beyond" in repr(pos)


def _query(order: Order, cid: str, qty: str, status: str) -> QueryOrderResponse:
    answer = answer_json(
        cid=cid, order_id=1001, order_type="LIMIT", tif="GTC", side="BUY", qty=D(qty),
        price=D(100), executed=D(0), quote=D(0), status=status, time=1_700_000_000_500,
        fills=None,
    )  # fmt: skip
    return decode_body(body(query_json(answer, update_time=1_700_000_000_600)), QueryOrderResponse)


def test_a_query_answer_with_a_new_client_id_renames_an_open_order_whose_amend_went_unseen() -> (
    None
):
    engine, order = order_in(S.NEW)
    # The x=REPLACED report (1 -> 0.6, renamed amended-2) is lost; a query by order id says.
    engine.apply(_query(order, "amended-2", "0.6", "NEW"))
    assert order.quantity == D("0.6") and order.state is S.NEW
    assert engine.order("amended-2") is order and order.client_order_id == "amended-2"
    assert engine.order("cid-1") is None


def test_a_closed_orders_query_answer_does_not_rename_it() -> None:
    engine, order = order_in(S.NEW)
    engine.apply(_query(order, "other-id", "1", "CANCELED"))
    assert order.state is S.CANCELED and order.client_order_id == "cid-1"


def test_a_closing_report_under_a_new_client_id_renames_an_order_whose_amend_went_unseen() -> None:
    engine, order = order_in(S.NEW)
    # The x=REPLACED report (1 -> 0.6, renamed amended-3) is lost; the fill closes it.
    engine.apply(trade(order, 1, "0.6", "FILLED", "0.6", q=w("0.6"), c="amended-3"))
    assert order.state is S.FILLED and order.client_order_id == "amended-3"
    assert engine.order("amended-3") is order and engine.order("cid-1") is None


def test_a_cancel_report_renames_by_its_original_client_id_not_the_cancels() -> None:
    engine, order = order_in(S.NEW)
    engine.apply(report(order, x="CANCELED", X="CANCELED", c="cancel-9", C="amended-4"))
    assert order.state is S.CANCELED and engine.order("amended-4") is order
