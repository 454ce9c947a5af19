"""What only the simulated-exchange tests share: invariants and short names (the order
builders and funded exchanges are public: ``oms.testing.sim``)."""

from __future__ import annotations

from decimal import Decimal

from oms.testing.sim import BTC
from oms.wire.events import ExecutionReport, UserDataEvent
from transports.sim.exchange import SimExchange

D = Decimal
Z = Decimal(0)


def reports(events: list[UserDataEvent]) -> list[ExecutionReport]:
    return [e for e in events if isinstance(e, ExecutionReport)]


def assets_conserved(ex: SimExchange, initial: dict[str, Decimal]) -> None:
    for asset, amount in initial.items():
        assert ex.total(asset) == amount, asset


def book_not_crossed(ex: SimExchange, symbol: str = BTC) -> None:
    bids, asks = ex.book(symbol)
    if bids and asks:
        assert bids[0][0] < asks[0][0]
