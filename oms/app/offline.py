"""``--offline``: what the journal last knew, without asking the exchange.

Rules: only on request (never as a fallback when the exchange cannot be reached), never
creating a journal, and always labelled with the time of the journal's last entry, on
stdout with the data (a file it is piped to says it too). The journal must belong to the
environment configured; the label names the exchange it was written with. The journal is
replayed into a fresh manager exactly as a restart would, but nothing is sent. Without the
exchange's symbol list a position's base and quote assets are unknown: shown as nothing
rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oms.app.failures import CliError

__all__ = ["OfflineView", "replay"]


@dataclass
class OfflineView:
    as_of_ms: int | None
    exchange: str | None
    open_orders: list[Any] = field(default_factory=list)
    balances: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    positions: dict[str, Any] = field(default_factory=dict)


def replay(session: Any) -> OfflineView:
    """Replay the session's journal. Raises ``CliError`` when there is none to read."""
    import os  # noqa: PLC0415

    from oms.app.failures import explain  # noqa: PLC0415
    from oms.runtime.journal import Journal  # noqa: PLC0415
    from oms.runtime.manager import OrderManager  # noqa: PLC0415

    if not os.path.isfile(session.journal):
        raise CliError(f"--offline: there is no journal at {session.journal} (OMS_JOURNAL)")
    try:
        journal = Journal.snapshot(session.journal)
        # What can be checked without the exchange: the journal is this environment's (the
        # URLs, the account and the exchange's run are checked by every online command; the
        # label names the exchange the journal was written with).
        journal.claim({"environment": session.config.environment.value})
        exchange = journal.owner().get("rest_url")
    except Exception as exc:
        raise explain(exc, session.where) from None
    client = session.client()  # never used: nothing is sent offline
    try:
        manager = OrderManager(client, journal=journal)
        manager._replay()  # the restart's replay, without the start that follows it
        as_of = max((e.at_ms for e in journal.entries()), default=None)
        return OfflineView(
            as_of,
            exchange,
            manager.open_orders(),
            manager.balances(),
            manager.positions_by_symbol(),
        )
    finally:
        journal.close()
