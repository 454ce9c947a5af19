"""An order placed with smart order routing, tracked by the engine: its allocations (fills
with no trade id, ``t`` / ``tradeId`` -1, but an allocation id; faqs/sor_faq.md;
user-data-stream.md, Order Update) are fills, each applied once, from the stream and from the
FULL answer alike, in any order of arrival, and positions account them.

The reports are the simulated exchange's own (faqs/sor_faq.md, example 2, on the default
markets), encoded to Binance's JSON and decoded by oms as any frame or body would be."""

from __future__ import annotations

import itertools
from decimal import Decimal

from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.order import allocation_key
from oms.core.outputs import FillApplied, Output, ReportConflict
from oms.core.positions import Position
from oms.core.state import OrderState
from oms.wire.decoding import decode_body, decode_user_data
from oms.wire.enums import Side
from oms.wire.events import ExecutionReport
from oms.wire.rest import NewOrderFull
from tests.sim.test_sor import FAQ_ASKS, faq_exchange, limit
from transports.wire import encode_json

D = Decimal


def example_2() -> tuple[NewOrderFull, list[ExecutionReport]]:
    """faqs/sor_faq.md, example 2: a LIMIT GTC BUY of 5 at 31,000 on BTCUSDT using SOR, filled
    by four allocations (1 at 28,000, 1 at 29,000, 1 at 30,000, 2 at 30,500). Returns its FULL
    answer and its executionReports, each through oms's decoders."""
    ex = faq_exchange(FAQ_ASKS)
    answer = ex.place_sor_order("taker", limit("BTCUSDT", Side.BUY, "5", "31000"))
    full = decode_body(encode_json(answer), NewOrderFull)
    frames = [encode_json(event) for event in ex.drain_events("taker")]
    reports = [e for e in map(decode_user_data, frames) if isinstance(e, ExecutionReport)]
    return full, reports


def fills(outputs: list[Output]) -> list[FillApplied]:
    return [o for o in outputs if isinstance(o, FillApplied)]


def test_allocations_decode_with_their_ids() -> None:
    full, reports = example_2()
    assert [(f.trade_id, f.alloc_id, f.match_type) for f in full.fills] == [
        (-1, n, "ONE_PARTY_TRADE_REPORT") for n in range(4)
    ]
    trades = [r for r in reports if r.execution_type == "TRADE"]
    assert [(r.trade_id, r.allocation_id) for r in trades] == [(-1, n) for n in range(4)]


def test_every_delivery_order_gives_the_same_four_fills() -> None:
    full, reports = example_2()
    sources: list[object] = [full, *reports]
    expected = {allocation_key(n) for n in range(4)}
    for order_of_arrival in itertools.permutations(sources):
        engine = Engine(clock=lambda: 0, new_client_order_id=SequentialIds())
        outputs: list[Output] = []
        for item in order_of_arrival:
            outputs += engine.apply(item)  # type: ignore[arg-type]
        applied = fills(outputs)
        # A duplicate of any of them changes nothing.
        for item in sources:
            assert fills(engine.apply(item)) == []  # type: ignore[arg-type]
        (order,) = engine.orders()
        assert {f.trade_id for f in applied} == expected
        assert (order.state, order.filled, order.cum_quote) == (
            OrderState.FILLED,
            D(5),
            D(148000),  # the FAQ: "In total, you spend 148,000 USDT"
        )
        assert not [o for o in outputs if isinstance(o, ReportConflict)]


def test_the_stream_alone_and_the_answer_alone_each_bring_the_four_fills() -> None:
    full, reports = example_2()
    for sources in ([full], reports):
        engine = Engine(clock=lambda: 0, new_client_order_id=SequentialIds())
        applied = [f for item in sources for f in fills(engine.apply(item))]
        assert [(f.trade_id, f.quantity, f.price) for f in applied] == [
            (allocation_key(0), D(1), D(28000)),
            (allocation_key(1), D(1), D(29000)),
            (allocation_key(2), D(1), D(30000)),
            (allocation_key(3), D(2), D(30500)),
        ]
        (order,) = engine.orders()
        assert (order.state, order.filled, order.awaiting_fills) == (
            OrderState.FILLED,
            D(5),
            False,
        )


def test_positions_account_the_allocations() -> None:
    full, reports = example_2()
    engine = Engine(clock=lambda: 0, new_client_order_id=SequentialIds())
    position = Position("BTCUSDT", "BTC", "USDT")
    for item in [*reports, full]:
        for fill in fills(engine.apply(item)):
            position.apply(fill)
    assert (position.net_quantity, position.avg_entry_price, position.trades) == (
        D(5),
        D(29600),  # 148,000 USDT for 5 BTC
        4,
    )


def test_allocation_keys_never_meet_trade_ids_or_no_trade() -> None:
    keys = [allocation_key(n) for n in range(1000)]
    assert len(set(keys)) == 1000
    assert max(keys) == -2  # below Binance's "no trade" (-1), and trade ids are >= 0
