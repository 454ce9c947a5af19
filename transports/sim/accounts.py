"""Balances of the simulated accounts: free and locked per asset, plus collected fees.

Rules:
- Every movement is exact ``Decimal`` arithmetic between two places (free, locked, another
  account, the fee account), so each asset's total over all accounts plus the fee account
  only changes by deposits: ``total(asset)`` makes that checkable.
- Balances never go negative: ``lock`` refuses (returns False) rather than overdraw, and the
  engine sizes every lock so that settling fills stays inside it.
- Smart order routing settles through the exchange's own SOR account (``routed``): a taker
  on one book pays its symbol's quote asset to it, the makers on the other books of the SOR
  receive theirs from it (faqs/sor_faq.md, What are allocations?: "a transfer of an asset
  from the exchange to your account"). It may go negative in one quote asset and positive in
  another (they trade 1:1); ``total`` counts it, so every asset stays conserved.
- The ledger records which (account, asset) pairs an action touched, in first-touch order,
  so the engine can send one ``outboundAccountPosition`` per account with exactly those
  assets (user-data-stream.md, Account Update).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from oms.wire.money import ZERO

__all__ = ["Ledger"]


class Ledger:
    """Free and locked balances per account and asset, and the fee account."""

    __slots__ = ("_accounts", "_touched", "fees", "routed", "update_time")

    def __init__(self) -> None:
        # account -> asset -> [free, locked]
        self._accounts: dict[str, dict[str, list[Decimal]]] = {}
        self._touched: dict[str, dict[str, None]] = {}
        self.fees: dict[str, Decimal] = {}
        # The exchange's SOR settlement account: asset -> signed amount (module rules).
        self.routed: dict[str, Decimal] = {}
        self.update_time: dict[str, int] = {}

    # --- accounts ----------------------------------------------------------------------

    def create(self, account: str, balances: Mapping[str, Decimal] | None = None) -> None:
        """Open an account with initial free balances.

        Raises:
            ValueError: the account exists, or a balance is negative.
        """
        if account in self._accounts:
            raise ValueError(f"account {account!r} already exists")
        assets: dict[str, list[Decimal]] = {}
        for asset, amount in (balances or {}).items():
            if amount < ZERO:
                raise ValueError(f"{asset} balance {amount} is negative")
            assets[asset] = [amount, ZERO]
        self._accounts[account] = assets
        self.update_time[account] = 0

    def __contains__(self, account: str) -> bool:
        return account in self._accounts

    def accounts(self) -> list[str]:
        return list(self._accounts)

    def require(self, account: str) -> None:
        """Raises: KeyError: the account is unknown."""
        if account not in self._accounts:
            raise KeyError(account)

    def assets(self, account: str) -> dict[str, tuple[Decimal, Decimal]]:
        """Raises: KeyError: the account is unknown."""
        return {a: (v[0], v[1]) for a, v in self._accounts[account].items()}

    def balance(self, account: str, asset: str) -> tuple[Decimal, Decimal]:
        """``(free, locked)``. Raises: KeyError: the account is unknown."""
        entry = self._accounts[account].get(asset)
        return (entry[0], entry[1]) if entry else (ZERO, ZERO)

    def total(self, asset: str) -> Decimal:
        """The asset held by all accounts (free + locked) plus the fee account."""
        total = self.fees.get(asset, ZERO) + self.routed.get(asset, ZERO)
        for assets in self._accounts.values():
            entry = assets.get(asset)
            if entry:
                total += entry[0] + entry[1]
        return total

    # --- movements ---------------------------------------------------------------------

    def _entry(self, account: str, asset: str) -> list[Decimal]:
        assets = self._accounts[account]
        entry = assets.get(asset)
        if entry is None:
            entry = assets[asset] = [ZERO, ZERO]
        touched = self._touched.get(account)
        if touched is None:
            touched = self._touched[account] = {}
        touched[asset] = None
        return entry

    def deposit(self, account: str, asset: str, amount: Decimal) -> None:
        """Add (or, negative, withdraw) free balance.

        Raises:
            ValueError: a withdrawal larger than the free balance.
        """
        entry = self._accounts[account].get(asset)
        if amount < ZERO and (entry is None or entry[0] + amount < ZERO):
            raise ValueError(f"cannot withdraw {-amount} {asset}: free balance too small")
        self._entry(account, asset)[0] += amount

    def lock(self, account: str, asset: str, amount: Decimal) -> bool:
        """Move ``amount`` from free to locked; False (nothing moved) if free is short."""
        entry = self._accounts[account].get(asset)
        if entry is None or entry[0] < amount:
            return amount <= ZERO
        entry = self._entry(account, asset)
        entry[0] -= amount
        entry[1] += amount
        return True

    def unlock(self, account: str, asset: str, amount: Decimal) -> None:
        entry = self._entry(account, asset)
        entry[1] -= amount
        entry[0] += amount

    def settle(
        self,
        account: str,
        *,
        pay_asset: str,
        released: Decimal,
        paid: Decimal,
        get_asset: str,
        received: Decimal,
        fee: Decimal,
    ) -> None:
        """One side of a fill: release ``released`` from locked, of which ``paid`` leaves and
        the rest returns to free; ``received`` arrives, less ``fee`` to the fee account."""
        entry = self._entry(account, pay_asset)
        entry[1] -= released
        entry[0] += released - paid
        self._entry(account, get_asset)[0] += received - fee
        if fee:
            self.fees[get_asset] = self.fees.get(get_asset, ZERO) + fee

    def route(self, asset: str, amount: Decimal) -> None:
        """Credit (or, negative, debit) the exchange's SOR settlement account."""
        self.routed[asset] = self.routed.get(asset, ZERO) + amount

    # --- per-action bookkeeping ----------------------------------------------------------

    def take_touched(self, now: int) -> dict[str, dict[str, None]]:
        """The (account -> assets) touched since the last call, in first-touch order."""
        touched = self._touched
        self._touched = {}
        for account in touched:
            self.update_time[account] = now
        return touched
