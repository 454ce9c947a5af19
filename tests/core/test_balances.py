"""The balance ledger: snapshots vs positions (by ``u``) vs deltas, stale never wins."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from oms.core.balances import DEDUP_WINDOW, BalanceLedger
from oms.core.outputs import BalanceChanged, ReportConflict, ReportIgnored
from oms.wire.decoding import decode_user_data
from oms.wire.events import BalanceDelta, BalanceUpdate, ExternalLockUpdate, OutboundAccountPosition

from .helpers import new_engine
from .payloads import account, balance_update_json, frame, lock_update_json, position_json

D = Decimal


def position(u: int, **assets: tuple[str, str]) -> OutboundAccountPosition:
    event = decode_user_data(frame(position_json(u, dict(assets))))
    assert isinstance(event, OutboundAccountPosition)
    return event


def deposit(asset: str, delta: str, t: int) -> BalanceUpdate:
    event = decode_user_data(frame(balance_update_json(asset, delta, t)))
    assert isinstance(event, BalanceUpdate)
    return event


def lock(asset: str, delta: str, t: int) -> ExternalLockUpdate:
    event = decode_user_data(frame(lock_update_json(asset, delta, t)))
    assert isinstance(event, ExternalLockUpdate)
    return event


def test_snapshot_sets_and_a_newer_position_replaces() -> None:
    ledger = BalanceLedger()
    out = ledger.apply_account(
        account({"BTC": ("1.5", "0.5"), "USDT": ("100", "0")}, update_time=10)
    )
    assert [o.asset for o in out if isinstance(o, BalanceChanged)] == ["BTC", "USDT"]
    out = ledger.apply_position(position(20, BTC=("1.0", "1.0")))
    assert out == [
        BalanceChanged(asset="BTC", free=D("1.0"), locked=D("1.0"), version=20,
                       previous=(D("1.5"), D("0.5")))
    ]  # fmt: skip
    assert ledger.as_dict()["USDT"] == (D(100), D(0))


def test_stale_snapshot_never_overwrites_a_newer_update() -> None:
    ledger = BalanceLedger()
    ledger.apply_position(position(50, BTC=("2", "0")))
    out = ledger.apply_account(account({"BTC": ("9", "0"), "ETH": ("3", "0")}, update_time=40))
    assert ledger.free("BTC") == D(2)
    assert ledger.free("ETH") == D(3)  # an asset we had no news of is taken
    assert any(isinstance(o, ReportIgnored) and o.key == "BTC" for o in out)


def test_old_position_is_ignored() -> None:
    ledger = BalanceLedger()
    ledger.apply_position(position(50, BTC=("2", "0")))
    out = ledger.apply_position(position(49, BTC=("7", "0")))
    assert isinstance(out[0], ReportIgnored) and ledger.free("BTC") == D(2)


def test_deltas_move_free_and_locked_and_bump_the_version() -> None:
    ledger = BalanceLedger()
    ledger.apply_account(account({"BTC": ("1", "0")}, update_time=10))
    ledger.apply_balance_update(deposit("BTC", "0.5", 11))
    ledger.apply_lock_update(lock("BTC", "0.25", 12))
    bal = ledger.get("BTC")
    assert bal is not None
    assert (bal.free, bal.locked, bal.version) == (D("1.25"), D("0.25"), 12)
    ledger.apply_lock_update(lock("BTC", "-0.25", 13))  # unlock
    assert (ledger.free("BTC"), ledger.locked("BTC")) == (D("1.5"), D(0))
    # A position older than the deltas is stale.
    ledger.apply_position(position(12, BTC=("9", "9")))
    assert ledger.free("BTC") == D("1.5")


def test_delta_already_inside_a_newer_snapshot_is_skipped() -> None:
    ledger = BalanceLedger()
    ledger.apply_position(position(100, BTC=("5", "0")))  # includes the deposit at T=90
    out = ledger.apply_balance_update(deposit("BTC", "1", 90))
    assert isinstance(out[0], ReportIgnored) and ledger.free("BTC") == D(5)


def test_redelivered_delta_is_applied_once_and_distinct_deltas_are_not_merged() -> None:
    ledger = BalanceLedger()
    for _ in range(3):
        ledger.apply_balance_update(deposit("BTC", "1", 5))
    ledger.apply_balance_update(deposit("BTC", "1", 6))
    ledger.apply_balance_update(deposit("BTC", "2", 6))
    assert ledger.free("BTC") == D(4)


def test_dedup_window_is_bounded() -> None:
    ledger = BalanceLedger()
    for t in range(DEDUP_WINDOW + 10):
        ledger.apply_balance_update(deposit("BTC", "1", t + 1))
    assert len(ledger._seen) == DEDUP_WINDOW  # the memory of deltas stays bounded
    assert ledger.free("BTC") == D(DEDUP_WINDOW + 10)


def test_delta_that_would_go_negative_is_a_conflict() -> None:
    ledger = BalanceLedger()
    ledger.apply_account(account({"BTC": ("1", "0")}, update_time=10))
    out = ledger.apply_balance_update(deposit("BTC", "-2", 11))
    assert isinstance(out[0], ReportConflict) and out[0].what == "negative balance"
    out = ledger.apply_lock_update(lock("BTC", "-1", 12))  # unlock more than locked
    assert isinstance(out[0], ReportConflict)
    assert (ledger.free("BTC"), ledger.locked("BTC")) == (D(1), D(0))


def test_engine_routes_balance_reports() -> None:
    engine = new_engine()
    engine.apply(account({"USDT": ("10", "0")}, update_time=1))
    engine.apply(position(2, USDT=("8", "2")))
    engine.apply(deposit("USDT", "5", 3))
    engine.apply(lock("USDT", "1", 4))
    assert engine.balances.as_dict() == {"USDT": (D(12), D(3))}


AMOUNT = st.decimals(min_value=0, max_value=10**6, places=8, allow_nan=False)


@given(
    positions=st.lists(st.tuples(st.integers(1, 50), AMOUNT, AMOUNT), min_size=1, max_size=12),
    order=st.randoms(use_true_random=False),
)
def test_positions_in_any_order_end_at_the_newest(
    positions: list[tuple[int, Decimal, Decimal]], order: object
) -> None:
    # Distinct u per position: the newest is the truth whatever the delivery order.
    unique = {u: (f, lk) for u, f, lk in positions}
    events = [position(u, BTC=(str(f), str(lk))) for u, (f, lk) in unique.items()]
    order.shuffle(events)  # type: ignore[attr-defined]
    ledger = BalanceLedger()
    for event in events:
        ledger.apply_position(event)
    newest = max(unique)
    assert (ledger.free("BTC"), ledger.locked("BTC")) == unique[newest]
    bal = ledger.get("BTC")
    assert bal is not None and bal.version == newest


def test_a_same_ms_disagreement_asks_for_a_fresh_snapshot() -> None:
    ledger = BalanceLedger()

    def position(free: str) -> OutboundAccountPosition:
        return OutboundAccountPosition(
            event_time=10,
            last_update_time=5,
            balances=(BalanceDelta(asset="BTC", free=Decimal(free), locked=Decimal(0)),),
        )

    ledger.apply_position(position("1"))
    assert not ledger.refresh_wanted
    ledger.apply_position(position("1"))  # a repeat: ignored, nothing to settle
    ledger.apply_position(position("2"))  # same ms, other values: the later holds, in doubt
    assert ledger.free("BTC") == Decimal("2")
    assert ledger.refresh_wanted and not ledger.trusted("BTC")  # issue 12: ask the account
    # A REST snapshot of the same ms with other values: which of the two is newer?
    ledger.apply_account(account({"BTC": ("3", "0")}, update_time=5))
    assert ledger.refresh_wanted and ledger.free("BTC") == Decimal("3")
    assert ledger.trusted("BTC")
