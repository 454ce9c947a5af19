"""Positions: average cost, realised PnL in quote, fees per asset, base fees reduce holdings."""

from __future__ import annotations

import random
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from oms.core.outputs import FillApplied
from oms.core.positions import Position
from oms.runtime.metrics import Metrics
from oms.wire.enums import Side
from tests.manager.support import bare_dispatcher


def test_buy_with_base_fee_reduces_holding_and_raises_average() -> None:
    p = Position("BTCUSDT", "BTC", "USDT")
    p.apply_fill(Side.BUY, D("1"), D("100"), D("0.001"), "BTC")
    assert p.net_quantity == D("0.999")
    assert p.avg_entry_price * p.net_quantity == D("100")
    assert p.fees == {}  # in the cost basis, so not listed apart (positions.py)


def test_sell_realises_pnl_net_of_quote_fee() -> None:
    p = Position("BTCUSDT", "BTC", "USDT")
    p.apply_fill(Side.BUY, D("2"), D("100"), D("0"), None)
    p.apply_fill(Side.SELL, D("1"), D("110"), D("0.11"), "USDT")
    assert p.net_quantity == D("1")
    assert p.realized_pnl == D("9.89")
    assert p.avg_entry_price == D("100")


def test_round_trip_flat_position_resets_average() -> None:
    p = Position("ETHUSDT", "ETH", "USDT")
    p.apply_fill(Side.BUY, D("1.5"), D("2000"), D("0"), None)
    p.apply_fill(Side.SELL, D("1.5"), D("1900"), D("0"), None)
    assert p.net_quantity == 0 and p.avg_entry_price == 0
    assert p.realized_pnl == D("-150")


def test_third_asset_fee_only_recorded() -> None:
    p = Position("ETHUSDT", "ETH", "USDT")
    p.apply_fill(Side.BUY, D("1"), D("2000"), D("0.01"), "BNB")
    assert p.net_quantity == D("1") and p.avg_entry_price == D("2000")
    assert p.fees == {"BNB": D("0.01")}


amounts = st.decimals(min_value=D("0.001"), max_value=D("10"), places=3)
prices = st.decimals(min_value=D("1"), max_value=D("1000"), places=2)


@given(st.lists(st.tuples(st.sampled_from(Side), amounts, prices), min_size=1, max_size=30))
def test_net_quantity_and_cash_are_conserved(fills: list[tuple[Side, D, D]]) -> None:
    """Without fees, realised PnL + open position at avg cost == cash flow of all fills."""
    p = Position("X", "B", "Q")
    cash = D(0)
    net = D(0)
    for side, qty, price in fills:
        p.apply_fill(side, qty, price, D(0), None)
        cash += qty * price if side is Side.SELL else -qty * price
        net += qty if side is Side.BUY else -qty
    # Never short: a sell beyond the position is listed apart (sold beyond, its proceeds).
    assert p.net_quantity - p.unattributed_sold == net and p.net_quantity >= 0
    # cash + value of the open position at its average entry == realised PnL + proceeds of
    # what was sold beyond
    open_value = p.net_quantity * p.avg_entry_price
    assert abs((cash + open_value) - p.realized_pnl - p.unattributed_proceeds) < D("1e-18")


@given(
    st.lists(st.tuples(st.sampled_from(Side), amounts, prices), min_size=1, max_size=20),
    st.randoms(use_true_random=False),
)
def test_fills_accounted_together_when_read_equal_one_by_one(
    fills: list[tuple[Side, D, D]], rng: random.Random
) -> None:
    """The dispatcher accounts fills when the positions are read (``apply_all``), in
    whatever order they came: the same position as each applied on arrival."""
    applied = [
        FillApplied("c", "X", 1, side, k, qty, price, qty * price, D("0.1"), "Q", False, 1000 + k)
        for k, (side, qty, price) in enumerate(fills)
    ]
    one_by_one = Position("X", "B", "Q")
    for fill in applied:
        one_by_one.apply(fill)
    arrived = applied[:]
    rng.shuffle(arrived)
    together = Position("X", "B", "Q")
    together.apply_all(arrived)
    assert repr(together) == repr(one_by_one) and together.trades == one_by_one.trades


def test_queued_fills_are_accounted_in_batches_when_nobody_reads_the_positions() -> None:
    """Fills wait for the positions to be read; a process that never reads them still
    accounts them every few thousand, so the queue stays bounded, and what is read at any
    point equals every fill applied one by one."""
    with bare_dispatcher() as dispatcher:
        one_by_one = Position("X", "X", "")
        for k in range(10_000):
            side = Side.BUY if k % 3 else Side.SELL
            fill = FillApplied("c", "X", 1, side, k, D("0.01"), D(100 + k % 7), D(1), D(0), None,
                               False, 1000 + k)  # fmt: skip
            dispatcher.account([fill])
            one_by_one.apply(fill)
            assert sum(map(len, dispatcher._unaccounted.values())) < 4096
        assert repr(dispatcher.positions.position("X", "X", "")) == repr(one_by_one)


def test_fills_total_counts_queued_fills_of_every_symbol_before_and_after_a_read() -> None:
    """``fills_total`` is read from the dispatcher's queues: a fill counts once, whether its
    position was accounted yet or not, in the snapshot and in the Prometheus text."""
    metrics = Metrics()

    def fill(symbol: str, k: int) -> FillApplied:
        return FillApplied("c", symbol, 1, Side.BUY, k, D("0.01"), D(100), D(1), D(0), None,
                           False, 1000 + k)  # fmt: skip

    with bare_dispatcher(metrics) as dispatcher:
        dispatcher.account([fill("X", 1), fill("Y", 2)])
        assert metrics.snapshot().fills_total == 2
        assert dispatcher.positions.position("Y", "Y", "").trades == 1  # read: both accounted
        dispatcher.account([fill("X", 3)])
        assert metrics.get("fills_total") == 3
        assert "oms_fills_total 3\n" in metrics.prometheus_text()
