"""The balance ledger: free and locked per asset, versioned so old news never wins.

Rules (``specs/order-lifecycle.md`` "Balances"):
- Each asset has ``version`` (ms of the newest information applied) and ``snapshot_version``
  (ms of the newest *absolute* value applied: an account snapshot or a position).
- The account snapshot (``updateTime``) and ``outboundAccountPosition`` (``u``) replace an
  asset only when newer than its ``version``: a slow REST snapshot never overwrites a newer stream
  update (specs/binance-notes.md, Stale snapshots). A tie (same ms) is taken unless it repeats the
  values held: the later-delivered report wins, so a quiescent snapshot always corrects. A tie
  involving a REST snapshot sets ``refresh_wanted``: its owner fetches a fresh snapshot.
- ``balanceUpdate`` adds ``d`` to free; ``externalLockUpdate`` moves ``d`` from free to
  locked (user-data-stream.md, Balance Update). Both raise ``version`` to their time ``T``. A delta
  not newer than the asset's ``snapshot_version`` is already inside that absolute value: skipped.
- Redelivered deltas: the last ``DEDUP_WINDOW`` ``(kind, asset, T, d)`` keys are remembered
  and a repeat is skipped (two genuine equal deltas in one millisecond would merge; the next
  position corrects it).
- A delta that would make free or locked negative is refused with a ``ReportConflict``.
- Same ``u``: a position repeating any values already applied at the asset's version is a
  redelivery and is skipped (it never rolls a balance back). Two *different* positions of
  one ``u`` cannot be ordered from their data: the later-delivered is taken, but the asset
  is untrusted (``trusted``) and ``needs_snapshot`` holds until an account snapshot at
  least as new settles it; the pre-trade check fetches one first.
- Sums are computed in ``oms.wire.money.MONEY`` (exact for every decoded amount).
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

import msgspec

from oms.core.outputs import BalanceChanged, Output, ReportConflict, ReportIgnored
from oms.wire.events import BalanceUpdate, ExternalLockUpdate, OutboundAccountPosition
from oms.wire.money import MONEY, ZERO, show
from oms.wire.rest import AccountInfo

__all__ = ["DEDUP_WINDOW", "Balance", "BalanceLedger"]

DEDUP_WINDOW = 4096


class Balance(msgspec.Struct, frozen=True, gc=False):
    """One asset: free and locked, and the times (ms) of the newest news applied.

    Positional construction is allowed (the ledger builds one per asset per position)."""

    asset: str
    free: Decimal
    locked: Decimal
    version: int
    snapshot_version: int
    # True when the values came from a REST account snapshot, False from the stream.
    from_snapshot: bool = False

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


_DeltaKey = tuple[str, str, int, Decimal]


class BalanceLedger:
    """Per-asset balances from snapshots, positions and deltas."""

    __slots__ = ("_assets", "_seen", "_seen_order", "_tied", "_untrusted", "refresh_wanted")

    def __init__(self) -> None:
        self._assets: dict[str, Balance] = {}
        self._seen: set[_DeltaKey] = set()
        self._seen_order: deque[_DeltaKey] = deque()
        # Set when a same-ms report replaced different values: which one is newer cannot be
        # told from the data, so the owner should fetch a fresh account snapshot soon.
        self.refresh_wanted = False
        # asset -> (version, the (free, locked) pairs applied at that version), kept only once
        # a second position of the same version arrived.
        self._tied: dict[str, tuple[int, set[tuple[Decimal, Decimal]]]] = {}
        # Assets whose value two different positions of one ``u`` left in doubt.
        self._untrusted: set[str] = set()

    def get(self, asset: str) -> Balance | None:
        return self._assets.get(asset)

    def free(self, asset: str) -> Decimal:
        """Free balance of ``asset`` (zero when unknown)."""
        bal = self._assets.get(asset)
        return ZERO if bal is None else bal.free

    def locked(self, asset: str) -> Decimal:
        """Locked balance of ``asset`` (zero when unknown)."""
        bal = self._assets.get(asset)
        return ZERO if bal is None else bal.locked

    def newest_version(self) -> int:
        """The newest time (exchange ms) of any balance information applied, 0 if none."""
        return max((bal.version for bal in self._assets.values()), default=0)

    def trusted(self, asset: str) -> bool:
        """False while two different positions of one ``u`` leave ``asset`` in doubt."""
        return asset not in self._untrusted

    @property
    def needs_snapshot(self) -> bool:
        """Some asset is in doubt: fetch the account before trusting a balance."""
        return bool(self._untrusted)

    def assets(self) -> dict[str, Balance]:
        return dict(self._assets)

    def as_dict(self) -> dict[str, tuple[Decimal, Decimal]]:
        """``{asset: (free, locked)}``."""
        return {a: (b.free, b.locked) for a, b in self._assets.items()}

    # --- absolute values ----------------------------------------------------------------

    def apply_account(self, account: AccountInfo) -> list[Output]:
        """Set the assets of an account snapshot where it is newer than what we hold."""
        out: list[Output] = []
        when = account.update_time
        for row in account.balances:
            self._set(row.asset, row.free, row.locked, when, out, snapshot=True)
            held = self._assets.get(row.asset)
            if held is not None and when >= held.version:
                self._untrusted.discard(row.asset)  # the account settles it
        return out

    def apply_position(self, event: OutboundAccountPosition) -> list[Output]:
        """Replace the assets of ``outboundAccountPosition`` when ``u`` is newer
        (user-data-stream.md, Account Update)."""
        out: list[Output] = []
        when = event.last_update_time
        assets = self._assets
        for row in event.balances:
            asset = row.asset
            old = assets.get(asset)
            if old is not None and when <= old.version:
                if when == old.version:
                    self._tie(asset, old, row.free, row.locked, out)
                else:
                    self._set(asset, row.free, row.locked, when, out)  # stale: the rules
                continue
            # _set()'s common case, inlined (one per asset per position): strictly newer.
            free, locked = row.free, row.locked
            assets[asset] = Balance(asset, free, locked, when, when, False)
            previous = None if old is None else (old.free, old.locked)
            out.append(BalanceChanged(asset, free, locked, when, previous))
        return out

    def _tie(
        self, asset: str, old: Balance, free: Decimal, locked: Decimal, out: list[Output]
    ) -> None:
        """A position of the same ``u`` as the asset's version (see the module rules)."""
        when = old.version
        tied = self._tied.get(asset)
        seen = tied[1] if tied is not None and tied[0] == when else {(old.free, old.locked)}
        if (free, locked) in seen:
            why = f"position as of {when} repeats one applied"
            out.append(ReportIgnored(key=asset, why=why, duplicate=True))
            return
        seen.add((free, locked))
        self._tied[asset] = (when, seen)
        if not old.from_snapshot:
            self._untrusted.add(asset)
            self.refresh_wanted = True
        self._set(asset, free, locked, when, out)

    def _set(
        self,
        asset: str,
        free: Decimal,
        locked: Decimal,
        when: int,
        out: list[Output],
        *,
        snapshot: bool = False,
    ) -> None:
        old = self._assets.get(asset)
        # A tie (same ms) is taken unless it repeats what we hold: times are milliseconds,
        # two actions can share one, and the later-delivered report is the newer one (the
        # stream is ordered; a snapshot is read after what it ties with). Refusing ties
        # would leave a balance wrong for good, since no later snapshot could correct it.
        if old is not None and (
            when < old.version or (when == old.version and (free, locked) == (old.free, old.locked))
        ):
            out.append(ReportIgnored(key=asset, why=f"balance as of {when} is not newer"))
            return
        if old is not None and when == old.version and (snapshot or old.from_snapshot):
            # A REST snapshot can beat the stream's position of the same ms (or the other
            # way round): taken, but confirmed by a fresh snapshot (``refresh_wanted``).
            # Two stream positions of one ms need no check: the stream is ordered.
            self.refresh_wanted = True
        self._assets[asset] = Balance(
            asset=asset,
            free=free,
            locked=locked,
            version=when,
            snapshot_version=when,
            from_snapshot=snapshot,
        )
        previous = None if old is None else (old.free, old.locked)
        out.append(
            BalanceChanged(asset, free, locked, when, previous)  # positional: per position
        )

    # --- deltas -------------------------------------------------------------------------

    def apply_balance_update(self, event: BalanceUpdate) -> list[Output]:
        """Add ``d`` to free (deposit, withdrawal, transfer; user-data-stream.md, Order Update)."""
        return self._delta("balanceUpdate", event.asset, event.delta, event.clear_time)

    def apply_lock_update(self, event: ExternalLockUpdate) -> list[Output]:
        """Move ``d`` from free to locked (negative ``d`` unlocks; user-data-stream.md, Order
        Update)."""
        return self._delta("externalLockUpdate", event.asset, event.delta, event.transaction_time)

    def _delta(self, kind: str, asset: str, delta: Decimal, when: int) -> list[Output]:
        key = (kind, asset, when, delta)
        if key in self._seen:
            return [ReportIgnored(key=asset, why=f"duplicate {kind} at {when}", duplicate=True)]
        old = self._assets.get(asset)
        if old is not None and when <= old.snapshot_version:
            return [ReportIgnored(key=asset, why=f"{kind} at {when} is inside a newer snapshot")]
        d_free, d_locked = (delta, ZERO) if kind == "balanceUpdate" else (-delta, delta)
        free = MONEY.add(ZERO if old is None else old.free, d_free)
        locked = MONEY.add(ZERO if old is None else old.locked, d_locked)
        if free < ZERO or locked < ZERO:
            ours = "unknown" if old is None else f"{show(old.free)}/{show(old.locked)}"
            theirs = f"{kind} {show(d_free)}/{show(d_locked)}"
            return [
                ReportConflict(
                    key=asset,
                    symbol=None,
                    order_id=None,
                    what="negative balance",
                    ours=ours,
                    theirs=theirs,
                )
            ]
        self._remember(key)
        version = when if old is None else max(old.version, when)
        snap = 0 if old is None else old.snapshot_version
        self._assets[asset] = Balance(
            asset=asset, free=free, locked=locked, version=version, snapshot_version=snap
        )
        previous = None if old is None else (old.free, old.locked)
        return [
            BalanceChanged(
                asset=asset, free=free, locked=locked, version=version, previous=previous
            )
        ]

    def _remember(self, key: _DeltaKey) -> None:
        self._seen.add(key)
        self._seen_order.append(key)
        if len(self._seen_order) > DEDUP_WINDOW:
            self._seen.discard(self._seen_order.popleft())
