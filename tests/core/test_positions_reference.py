"""Position's inlined paths (``apply_all``'s common case, ``_account``) against a plain
reference implementation of the rules in ``oms.core.positions``' docstring: the same fills,
in any arrival order, with fees in the base, the quote, a third asset or none, give the same
position, field by field."""

from __future__ import annotations

import random
from decimal import Decimal as D
from decimal import localcontext

from hypothesis import given
from hypothesis import strategies as st

from oms.core.outputs import FillApplied
from oms.core.positions import Position
from oms.wire.enums import Side
from oms.wire.money import MONEY


class Reference:
    """The rules, plainly: fills sorted by (time, trade id), each accounted in turn."""

    def __init__(self, base: str, quote: str) -> None:
        self.base, self.quote = base, quote
        self.net = self.avg = self.pnl = self.sold_beyond = self.beyond_proceeds = D(0)
        self.fees: dict[str, D] = {}
        self.trades = 0

    def run(self, fills: list[FillApplied]) -> Reference:
        with localcontext(MONEY):
            for f in sorted(fills, key=lambda f: (f.time_ms, f.trade_id)):
                self.account(f)
        return self

    def account(self, f: FillApplied) -> None:
        self.trades += 1
        asset, fee = f.commission_asset, f.commission
        base_fee = fee if asset == self.base else D(0)
        quote_fee = fee if asset == self.quote else D(0)
        if asset is not None and asset not in (self.base, self.quote) and fee:
            self.fees[asset] = self.fees.get(asset, D(0)) + fee
        value = f.quantity * f.price
        if f.side is Side.BUY:
            self.buy(f.quantity - base_fee, value + quote_fee)
        else:
            self.sell(f.quantity + base_fee, value - quote_fee)

    def buy(self, quantity: D, cost: D) -> None:
        if quantity <= 0:
            self.pnl -= cost
            if quantity < 0:
                self.sell(-quantity, D(0))
            return
        total = self.net + quantity
        self.avg = (self.net * self.avg + cost) / total
        self.net = total

    def sell(self, quantity: D, proceeds: D) -> None:
        closing = min(quantity, self.net)
        beyond = quantity - closing
        if beyond:
            closing_proceeds = closing * (proceeds / quantity)
            self.sold_beyond += beyond
            self.beyond_proceeds += proceeds - closing_proceeds
            proceeds = closing_proceeds
        if closing:
            self.pnl += proceeds - closing * self.avg
        self.net -= closing
        if not self.net:
            self.avg = D(0)


amounts = st.decimals(min_value=D("0.00000001"), max_value=D(1000), places=8)
fees = st.sampled_from([D(0), D("0.00000001"), D("0.001"), D("0.5")])
fills_strategy = st.lists(
    st.tuples(
        st.sampled_from(Side),
        amounts,
        amounts,
        fees,
        st.sampled_from(["B", "Q", "BNB", None]),
        st.integers(0, 5),  # few distinct times: ties broken by trade id
    ),
    min_size=1,
    max_size=25,
)


def _fills(rows: list[tuple[Side, D, D, D, str | None, int]]) -> list[FillApplied]:
    return [
        FillApplied("c", "X", 1, side, k, qty, price, qty * price, fee, asset, False, t)
        for k, (side, qty, price, fee, asset, t) in enumerate(rows)
    ]


def _same(p: Position, ref: Reference) -> None:
    assert (p.net_quantity, p.avg_entry_price, p.realized_pnl) == (ref.net, ref.avg, ref.pnl)
    assert (p.unattributed_sold, p.unattributed_proceeds) == (
        ref.sold_beyond,
        ref.beyond_proceeds,
    )
    assert (p.fees, p.trades) == (ref.fees, ref.trades)


@given(fills_strategy, st.randoms(use_true_random=False), st.integers(1, 4))
def test_apply_all_in_any_arrival_order_equals_the_reference(
    rows: list[tuple[Side, D, D, D, str | None, int]], rng: random.Random, batches: int
) -> None:
    fills = _fills(rows)
    arrived = fills[:]
    rng.shuffle(arrived)
    together = Position("X", "B", "Q")
    size = -(-len(arrived) // batches)
    for start in range(0, len(arrived), size):  # read a few times, as an application does
        together.apply_all(arrived[start : start + size])
    _same(together, Reference("B", "Q").run(fills))


@given(fills_strategy)
def test_one_by_one_equals_the_reference(rows: list[tuple[Side, D, D, D, str | None, int]]) -> None:
    fills = _fills(rows)
    one_by_one = Position("X", "B", "Q")
    for fill in fills:
        one_by_one.apply(fill)
    _same(one_by_one, Reference("B", "Q").run(fills))
