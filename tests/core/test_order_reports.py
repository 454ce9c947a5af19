# mypy: disable-error-code="comparison-overlap"
"""Applying reports: the real-world races and contradictions, one scenario each."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from oms.core.commands import CancelRefused, SendUnknown
from oms.core.engine import Engine
from oms.core.order import Order
from oms.core.outputs import (
    FillApplied,
    OrderAccepted,
    OrderAdopted,
    OrderFilled,
    ReconcileNeeded,
    ReportConflict,
    ReportIgnored,
)
from oms.core.state import OrderState
from oms.errors import DecodeError, DuplicateClientOrderId, InvalidTransition, OrderValidationError
from oms.wire.decoding import decode_body
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.events import Unrecognised
from oms.wire.money import show
from oms.wire.rest import NewOrderAck, NewOrderFull
from oms.wire.stream import BadFrame, StreamGap

from .helpers import command, create, limit_order, new_engine, order_in, report, sent, trade
from .payloads import (
    Trade,
    ack,
    answer_json,
    body,
    cancel_response,
    execution_report,
    history,
    my_trade,
    w,
)

D = Decimal
S = OrderState


def kinds(outputs: Sequence[object]) -> list[str]:
    return [type(o).__name__ for o in outputs]


def test_ws_new_before_the_rest_ack_is_found_by_client_id() -> None:
    engine, order = order_in(S.PENDING_ACK)
    out = engine.apply(report(order, i=777))
    assert order.state is S.NEW and order.order_id == 777
    assert isinstance(out[0], OrderAccepted)
    assert engine.order_by_id("BTCUSDT", 777) is order
    assert isinstance(engine.apply(ack(order_id=777))[0], ReportIgnored)  # the late ACK


def test_rest_full_after_the_ws_fills_counts_each_trade_once() -> None:
    h = history(
        order_type="MARKET",
        tif="GTC",
        qty=D(1),
        price=D(0),
        trades=[Trade(1, D("0.4"), D(100)), Trade(2, D("0.6"), D(101))],
        final="FILLED",
    )
    engine, order = order_in(S.PENDING_ACK)
    for r in h.reports:
        engine.apply(r)
    assert order.state is S.FILLED
    out = engine.apply(h.answer)
    assert kinds(out) == ["ReportIgnored"]
    assert order.filled == D(1) and order.cum_quote == D("100.6")
    assert order.fees == {"BNB": D("0.002")}


def test_trade_after_the_cancel_confirmation_is_counted_and_status_stays() -> None:
    engine, order = order_in(S.NEW)
    out = engine.apply(report(order, x="CANCELED", X="CANCELED", z=w("0.3")))
    assert order.state is S.CANCELED and order.awaiting_fills
    assert engine.take_checks() == [order]  # closed with fills we have not seen
    out = engine.apply(trade(order, 5, "0.3", "PARTIALLY_FILLED", "0.3"))
    assert order.state is S.CANCELED and order.filled == D("0.3")
    assert kinds(out) == ["FillApplied"] and not order.awaiting_fills


def test_duplicate_canceled_is_ignored_as_a_duplicate() -> None:
    engine, _ = order_in(S.CANCELED)
    out = engine.apply(cancel_response(executed="0.4"))
    assert len(out) == 1 and isinstance(out[0], ReportIgnored) and out[0].duplicate


def test_fill_racing_our_cancel_then_filled_wins() -> None:
    engine, order = order_in(S.CANCEL_REQUESTED)  # 0.4 filled
    engine.apply(trade(order, 2, "0.3", "PARTIALLY_FILLED", "0.7"))
    assert order.state is S.CANCEL_REQUESTED and order.filled == D("0.7")
    out = engine.apply(trade(order, 3, "0.3", "FILLED", "1"))
    assert order.state is S.FILLED and isinstance(out[-1], OrderFilled)
    # The cancel's late -2011.
    command(engine, CancelRefused, order, code=-2011, msg="Unknown order sent.")
    assert order.state is S.FILLED


def test_filled_report_before_its_fills_is_held_until_the_last_fill() -> None:
    engine, order = order_in(S.NEW)
    engine.apply(trade(order, 3, "0.5", "FILLED", "1"))  # trades 1, 2 still in flight
    assert order.state is S.PARTIALLY_FILLED and order.awaiting_fills
    assert engine.take_checks() == [order]
    engine.apply(trade(order, 1, "0.2", "PARTIALLY_FILLED", "0.2"))
    assert order.state is S.PARTIALLY_FILLED
    out = engine.apply(trade(order, 2, "0.3", "PARTIALLY_FILLED", "0.5"))
    assert order.state is S.FILLED and isinstance(out[-1], OrderFilled)


def test_result_answer_filled_without_fills_waits_for_my_trades() -> None:
    engine, order = order_in(S.PENDING_ACK)
    result = history(
        order_type="LIMIT",
        tif="GTC",
        qty=D(1),
        price=D(100),
        trades=[Trade(1, D("0.4"), D(100)), Trade(2, D("0.6"), D(100))],
        final="FILLED",
        full=False,
    )
    engine.apply(result.answer)
    assert order.state is S.NEW and order.executed_qty == D(1) and order.filled == 0
    assert engine.take_checks() == [order]
    for row in result.trades:
        engine.apply(row)
    assert order.state is S.FILLED and order.filled == D(1)


def test_over_fill_is_refused_and_flagged() -> None:
    engine, order = order_in(S.PARTIALLY_FILLED)  # 0.4 of 1
    out = engine.apply(trade(order, 9, "0.7", "PARTIALLY_FILLED", "1"))
    conflict = next(o for o in out if isinstance(o, ReportConflict))
    assert conflict.what == "over-fill" and order.filled == D("0.4")
    assert 9 not in order.fills and engine.take_checks() == [order]


def test_cumulative_beyond_quantity_is_refused() -> None:
    engine, order = order_in(S.NEW)
    out = engine.apply(report(order, x="REPLACED", X="NEW", z=w("1.5")))
    assert [o.what for o in out if isinstance(o, ReportConflict)] == ["cumulative quantity"]
    assert order.executed_qty == 0


def test_trade_id_seen_with_another_quantity_is_a_conflict() -> None:
    engine, order = order_in(S.PARTIALLY_FILLED)
    out = engine.apply(trade(order, 1, "0.5", "PARTIALLY_FILLED", "0.5"))
    conflict = next(o for o in out if isinstance(o, ReportConflict))
    assert conflict.what == "trade 1" and order.filled == D("0.4")


def test_fill_completing_a_canceled_order_is_a_conflict() -> None:
    engine, order = order_in(S.CANCELED)  # 0.4 filled
    out = engine.apply(trade(order, 8, "0.6", "PARTIALLY_FILLED", "1"))
    assert any(isinstance(o, ReportConflict) for o in out)
    assert order.filled == D("0.4") and order.state is S.CANCELED


def test_fill_on_a_rejected_order_is_a_conflict() -> None:
    engine, order = order_in(S.REJECTED)
    out = engine.apply(trade(order, 8, "0.1", "PARTIALLY_FILLED", "0.1"))
    assert next(o.what for o in out if isinstance(o, ReportConflict)) == "fill on a REJECTED order"
    assert order.filled == 0


def test_market_by_quote_takes_its_quantity_from_the_first_report() -> None:
    engine = new_engine()
    order = create(
        engine,
        symbol="BTCUSDT",
        side=Side.BUY,
        order_type=OrderType.MARKET,
        quote_order_qty=D(50),
        client_order_id="q-1",
    )
    assert order.quantity is None
    request = engine.new_order_request(order)
    assert request.quantity is None and request.quote_order_qty == D(50)
    sent(engine, order)
    engine.apply(report(order, o="MARKET", q=w("0.5"), Q=w(50)))
    assert order.quantity == D("0.5")


def test_amend_lowers_the_quantity() -> None:
    engine, order = order_in(S.PARTIALLY_FILLED)
    engine.apply(report(order, x="REPLACED", X="PARTIALLY_FILLED", q=w("0.6"), z=w("0.4")))
    assert order.quantity == D("0.6") and order.state is S.PARTIALLY_FILLED
    out = engine.apply(report(order, x="NEW", X="NEW", q=w("2")))
    assert [o.what for o in out if isinstance(o, ReportConflict)] == ["quantity"]


def test_cancel_report_is_found_by_original_client_id() -> None:
    engine, order = order_in(S.CANCEL_REQUESTED)
    # A cancel report of an order whose id we never learned: ``c`` is the cancel's own id.
    order.order_id = None
    out = engine.apply(
        report(
            order,
            c="cancel-xyz",
            C=order.client_order_id,
            i=1001,
            x="CANCELED",
            X="CANCELED",
            z=w("0.4"),
        )
    )
    assert order.state is S.CANCELED and not any(isinstance(o, OrderAdopted) for o in out)


def test_unknown_order_is_adopted_in_the_reported_state() -> None:
    engine = new_engine()
    r = trade(limit_order(new_engine(), cid="elsewhere"), 4, "0.25", "PARTIALLY_FILLED", "0.25")
    out = engine.apply(r)
    assert isinstance(out[0], OrderAdopted) and out[0].state is S.PARTIALLY_FILLED
    adopted = engine.order("elsewhere")
    assert adopted is not None and adopted.state is S.PARTIALLY_FILLED
    assert adopted.filled == D("0.25") and adopted in engine.open_orders()


def test_query_answer_adopts_with_the_answers_state() -> None:
    engine = new_engine()
    h = history(
        order_type="LIMIT",
        tif="GTC",
        qty=D(2),
        price=D(10),
        cid="x-9",
        order_id=9,
        trades=[Trade(1, D(2), D(10))],
        final="FILLED",
    )
    out = engine.apply(h.query)
    assert kinds(out)[0] == "OrderAdopted"
    adopted = engine.order("x-9")
    assert adopted is not None and adopted.state is S.NEW and adopted.awaiting_fills
    engine.apply(h.trades[0])
    assert adopted.state is S.FILLED


def test_a_client_id_reused_after_close_is_another_order() -> None:
    engine, first = order_in(S.CANCELED)
    second = limit_order(engine)  # same client id: allowed once the first is closed
    sent(engine, second)
    engine.apply(report(second, i=2002))
    assert second.state is S.NEW and first.state is S.CANCELED
    assert engine.order_by_id("BTCUSDT", 1001) is first
    # A report with the old order id still reaches the old order.
    engine.apply(report(first, i=1001, x="CANCELED", X="CANCELED", z=w("0.4")))
    assert second.state is S.NEW


def test_create_order_refuses_a_client_id_of_an_open_order_and_bad_amounts() -> None:
    engine, _ = order_in(S.NEW)
    with pytest.raises(DuplicateClientOrderId):
        limit_order(engine)
    with pytest.raises(OrderValidationError, match="positive"):
        limit_order(engine, cid="other", qty="0")
    with pytest.raises(OrderValidationError, match="must match"):
        limit_order(engine, cid="bad id!")
    with pytest.raises(OrderValidationError, match="MARKET"):
        create(
            engine,
            symbol="BTCUSDT",
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            quote_order_qty=D(5),
        )


def test_send_unknown_after_the_ws_report_changes_nothing() -> None:
    engine, order = order_in(S.NEW)
    assert command(engine, SendUnknown, order, reason="timeout") == []
    assert order.state is S.NEW


def test_my_trade_of_an_untracked_order_is_ignored() -> None:
    out = new_engine().apply(my_trade(5, Trade(1, D(1), D(1))))
    assert isinstance(out[0], ReportIgnored) and "untracked" in out[0].why


def test_stream_items_without_state() -> None:
    engine = new_engine()
    assert isinstance(engine.apply(StreamGap(reason="resubscribed"))[0], ReconcileNeeded)
    assert isinstance(engine.apply(BadFrame(raw=b"{", error="truncated"))[0], ReconcileNeeded)
    out = engine.apply(Unrecognised(event_type="newThing", raw=b"{}"))
    assert isinstance(out[0], ReportIgnored) and "newThing" in out[0].why
    assert isinstance(engine.apply(object())[0], ReportIgnored)  # type: ignore[arg-type]


def test_take_checks_clears_and_forget_needs_a_closed_order() -> None:
    engine, order = order_in(S.NEW)
    engine.apply(trade(order, 3, "1.5", "PARTIALLY_FILLED", "1.5"))
    assert engine.take_checks() == [order] and engine.take_checks() == []
    with pytest.raises(InvalidTransition):
        engine.forget(order)
    engine.apply(report(order, x="CANCELED", X="CANCELED"))
    engine.forget(order)
    assert engine.order(order.client_order_id) is None and engine.orders() == []


def test_full_answer_of_a_docs_example_fills_the_order() -> None:
    # rest-api.md, New order, verbatim values (its cummulativeQuoteQty is
    # inconsistent, so cum_quote is the sum of the fills instead).
    engine = new_engine()
    order = create(
        engine,
        symbol="BTCUSDT",
        side=Side.SELL,
        order_type=OrderType.MARKET,
        quantity=D(10),
        client_order_id="6gCrw2kRUAF9CvJDGP16IP",
    )
    sent(engine, order)
    payload = answer_json(
        cid="6gCrw2kRUAF9CvJDGP16IP",
        order_id=28,
        order_type="MARKET",
        tif="GTC",
        side="SELL",
        qty=D(10),
        price=D(0),
        executed=D(10),
        quote=D(10),
        status="FILLED",
        time=1507725176595,
        fills=[
            Trade(56, D(1), D(4000), D(4), "USDT"),
            Trade(57, D(5), D(3999), D("19.995"), "USDT"),
            Trade(58, D(2), D(3998), D("7.996"), "USDT"),
            Trade(59, D(1), D(3997), D("3.997"), "USDT"),
            Trade(60, D(1), D(3995), D("3.995"), "USDT"),
        ],
    )
    out = engine.apply(decode_body(body(payload), NewOrderFull))
    assert kinds(out) == ["FillApplied"] * 5 + ["OrderFilled"]
    assert order.cum_quote == sum(f.quantity * f.price for f in out if isinstance(f, FillApplied))
    assert order.fees == {"USDT": D("39.983")} and order.avg_price == D("39983") / 10


def test_the_same_order_id_on_two_symbols_reaches_each_order() -> None:
    # Exchange order ids are unique per symbol only (rest-api.md, New order): ETHBTC's order 1001 is
    # not BTCUSDT's, whichever was bound first, and forgetting one leaves the other found.
    engine, btc = order_in(S.NEW)  # BTCUSDT, order id 1001
    eth = create(
        engine, symbol="ETHBTC", side=Side.SELL, order_type=OrderType.LIMIT, quantity=D(2),
        price=D("0.05"), time_in_force=TimeInForce.GTC, client_order_id="eth-1",
    )  # fmt: skip
    sent(engine, eth)
    engine.apply(report(eth, s="ETHBTC", S="SELL", p=w("0.05")))
    assert eth.state is S.NEW and eth.order_id == btc.order_id == 1001
    assert engine.order_by_id("ETHBTC", 1001) is eth
    assert engine.order_by_id("BTCUSDT", 1001) is btc
    out = engine.apply(trade(eth, 9, "0.5", "PARTIALLY_FILLED", "0.5", s="ETHBTC", S="SELL"))
    assert eth.filled == D("0.5") and btc.filled == 0 and "OrderAdopted" not in kinds(out)
    engine.apply(trade(btc, 10, "1", "FILLED", "1"))
    assert btc.state is S.FILLED and eth.state is S.PARTIALLY_FILLED
    engine.forget(btc)
    assert engine.order_by_id("BTCUSDT", 1001) is None
    assert engine.order_by_id("ETHBTC", 1001) is eth
    engine.apply(trade(eth, 11, "1.5", "FILLED", "2", s="ETHBTC", S="SELL"))
    assert eth.state is S.FILLED and eth.filled == D(2)


# --- found by the review of 2026-11-27 --------------------------------------------------


def test_an_amend_is_announced_and_older_reports_with_the_old_quantity_stay_quiet() -> None:
    engine, order = order_in(S.PARTIALLY_FILLED)  # quantity 1, 0.4 filled by trade 1
    before = order.updated_ms
    out = engine.apply(report(order, x="REPLACED", X="PARTIALLY_FILLED", q=w("0.6"), z=w("0.4"),
                              T=order.updated_ms + 5))  # fmt: skip
    assert kinds(out) == ["OrderAmended"]
    assert (out[0].previous_quantity, out[0].quantity) == (D(1), D("0.6"))  # type: ignore[union-attr]
    assert order.quantity == D("0.6") and order.updated_ms > before
    assert order.prior_quantities == (D(1),) and not order.needs_check
    # The first trade's report, redelivered with the quantity of before the amend.
    out = engine.apply(trade(order, 1, "0.4", "PARTIALLY_FILLED", "0.4", q=w(1)))
    assert kinds(out) == ["ReportIgnored"] and not order.needs_check
    # A quantity the order never had is still a contradiction.
    out = engine.apply(report(order, X="PARTIALLY_FILLED", q=w("0.7"), z=w("0.4")))
    assert "ReportConflict" in kinds(out) and order.needs_check
    assert order.quantity == D("0.6")


def test_an_amend_cannot_raise_the_quantity_or_go_below_the_fills() -> None:
    for q in ("1.5", "0.3"):
        engine, order = order_in(S.PARTIALLY_FILLED)  # 0.4 filled
        out = engine.apply(report(order, x="REPLACED", X="PARTIALLY_FILLED", q=w(q), z=w("0.4")))
        assert "ReportConflict" in kinds(out) and order.quantity == D(1), q


def test_a_client_id_reused_by_another_order_flags_ours_and_keeps_both() -> None:
    # Client ids are unique among *open* orders: another open order with ours means ours
    # ended unseen. Both stay tracked and listed; ours is queued for a check.
    engine, ours = order_in(S.NEW)  # order id 1001
    out = engine.apply(report(ours, i=2002))
    assert kinds(out) == ["ReportConflict", "OrderAdopted", "OrderAccepted"]
    other = engine.order_by_id("BTCUSDT", 2002)
    assert other is not None and other is not ours
    assert set(engine.open_orders()) == {ours, other} and len(engine.orders()) == 2
    assert engine.take_checks() == [ours] and ours.is_open
    engine.apply(report(ours, x="CANCELED", X="CANCELED"))  # the check's answer, by its id
    assert ours.state is S.CANCELED and engine.open_orders() == [other]


def test_a_trade_of_no_quantity_is_a_conflict() -> None:
    for qty in ("0", "-0"):
        engine, order = order_in(S.NEW)
        out = engine.apply(trade(order, 7, qty, "PARTIALLY_FILLED", "0"))
        # The fill is refused; the status claim follows the table, as any status does.
        assert kinds(out)[0] == "ReportConflict" and "FillApplied" not in kinds(out), qty
        assert order.filled == 0 and not order.fills and order.needs_check


def test_a_trade_reported_with_status_new_is_a_conflict_but_the_fill_counts() -> None:
    engine, order = order_in(S.NEW)
    out = engine.apply(trade(order, 7, "0.25", "NEW", "0.25"))
    assert kinds(out) == ["FillApplied", "ReportConflict"]
    assert order.filled == D("0.25") and order.needs_check


def test_a_gigantic_exponent_never_reaches_an_order_and_is_shown_compactly() -> None:
    # Refused at decode since issue 12 (more than 8 decimal places); ``show`` stays compact
    # for whatever else might hold one.
    with pytest.raises(DecodeError):
        execution_report(q="1E-999999999")
    assert show(D("1E-999999999")) == "1E-999999999"


# --- found by the second review of 2026-11-27 -------------------------------------------


def _quote_market_order_with_a_fill() -> tuple[Engine, Order]:
    """A MARKET buy by quote (no quantity yet) whose myTrades row arrived first: 0.5."""
    engine = new_engine()
    order = create(
        engine, symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.MARKET, quote_order_qty=D(50),
        client_order_id="m1",
    )  # fmt: skip
    sent(engine, order)
    engine.apply(report(order, i=7, o="MARKET", p=w(0), Q=w(50), q=w(0)))
    engine.apply(my_trade(7, Trade(1, D("0.5"), D(100))))
    assert order.quantity is None and order.filled == D("0.5")
    return engine, order


def test_a_first_quantity_below_the_fills_is_a_conflict_not_taken() -> None:
    engine, order = _quote_market_order_with_a_fill()
    out = engine.apply(report(order, i=7, o="MARKET", p=w(0), Q=w(50), q=w("0.3"),
                              X="PARTIALLY_FILLED", z=w("0.5")))  # fmt: skip
    assert "ReportConflict" in kinds(out) and order.needs_check
    assert order.quantity is None and order.executed_qty <= order.filled


def test_a_cancel_status_for_an_order_whose_fills_add_up_completes_it() -> None:
    # Binance cannot cancel a filled order: the fill is the fact, CANCELED the contradiction.
    engine, order = order_in(S.PARTIALLY_FILLED)  # 0.4 of 1 filled
    out = engine.apply(trade(order, 2, "0.6", "CANCELED", "1"))
    assert order.state is S.FILLED and order.filled == D(1)
    assert "ReportConflict" in kinds(out) and "OrderFilled" in kinds(out)
    assert order.needs_check


def test_an_order_displaced_by_another_symbols_client_id_is_still_found() -> None:
    # Client ids are unique among open orders of a symbol; another symbol may reuse ours.
    engine = new_engine()
    ours = create(
        engine, symbol="ETHBTC", side=Side.BUY, order_type=OrderType.LIMIT, quantity=D(1),
        price=D("0.05"), time_in_force=TimeInForce.GTC, client_order_id="x",
    )  # fmt: skip
    sent(engine, ours)
    engine.apply(report(ours, s="BTCUSDT", c="x", i=5))  # the other symbol's order: adopted
    ack_eth = {"symbol": "ETHBTC", "orderId": 9, "orderListId": -1, "clientOrderId": "x",
               "transactTime": 1_700_000_000_000}  # fmt: skip
    out = engine.apply(decode_body(body(ack_eth), NewOrderAck))
    assert ours.order_id == 9 and ours.state is S.NEW, kinds(out)
    engine.apply(report(ours, s="ETHBTC", c="x", i=9, p=w("0.05")))
    assert len(engine.open_orders()) == 2 and len(engine.orders()) == 2


def test_fills_are_kept_once_whatever_their_number_and_share_equal_values() -> None:
    # One fill is held as itself, more in a dict (oms.core.order, module rules): a
    # redelivered trade is counted once in either form, and the fills keep their order.
    engine, order = order_in(S.NEW)
    engine.apply(trade(order, 7, "0.25", "PARTIALLY_FILLED", "0.25"))
    assert kinds(engine.apply(trade(order, 7, "0.25", "PARTIALLY_FILLED", "0.25"))) == [
        "ReportIgnored"
    ]
    assert list(order.fills) == [7] and order.filled == D("0.25")
    for trade_id, cum in ((3, "0.5"), (9, "0.75")):
        engine.apply(trade(order, trade_id, "0.25", "PARTIALLY_FILLED", cum))
    for trade_id in (7, 3):  # redelivered: nothing new
        out = engine.apply(trade(order, trade_id, "0.25", "PARTIALLY_FILLED", "0.75"))
        assert kinds(out) == ["ReportIgnored"]
    out = engine.apply(trade(order, 3, "0.3", "PARTIALLY_FILLED", "0.75"))
    assert kinds(out) == ["ReportConflict"]  # the same trade with another quantity
    engine.apply(trade(order, 4, "0.25", "FILLED", "1"))
    assert list(order.fills) == [7, 3, 9, 4] and order.state is S.FILLED
    assert order.filled == D(1) and order.cum_quote == D(100) and order.fees == {"BNB": D("0.004")}
    first, second = order.fills[7], order.fills[3]
    # Equal values are one object: the limit price, the first fill's fee and asset, and the
    # FILLED order's fills' sum, which is its quantity.
    assert first.price is second.price is order.price
    assert first.commission is second.commission
    assert first.commission_asset is second.commission_asset
    assert order.filled is order.quantity and order.executed_qty is order.quantity
