"""``oms watch``: a live view of orders, fills, balances, the stream and reconciliations.

Rules:
- Every line starts with its UTC time; ``--json`` writes one object per line instead
  (docs/watch-json.md).
- The stream's state is shown when it changes: while it is down, what is on screen may be
  stale and the view says so; every reconciliation (each reconnect is a gap, and Binance
  replays nothing) is announced with what it corrected. Conflicts are shown as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from oms.app.render import UpdatePrinter

__all__ = ["watch"]

POLL_S = 0.25


async def watch(manager: Any, printer: UpdatePrinter, seconds: float) -> None:
    """Print until ``seconds`` pass (0: until interrupted)."""
    updates = manager.updates()

    async def pump() -> None:
        async for out in updates:
            printer(out)

    async def status() -> None:
        connected: bool | None = None
        last = None
        while True:
            up = bool(manager.transport.stats().connected)
            if up != connected:
                text = (
                    "stream UP: live updates"
                    if up
                    else "stream DOWN: reconnecting; what is shown may be stale"
                )
                printer.notice("stream", text, up=up)
                connected = up
            report = manager.last_reconcile
            if report is not None and report is not last:
                last = report
                printer.notice(
                    "reconcile",
                    f"reconciled ({report.reason}): {report.orders_checked} orders checked,"
                    f" {len(report.corrections)} corrected, {len(report.errors)} errors",
                    reason=report.reason,
                    orders_checked=report.orders_checked,
                    corrections=[str(c) for c in report.corrections],
                    errors=list(report.errors),
                )
            await asyncio.sleep(POLL_S)

    tasks = [asyncio.ensure_future(pump()), asyncio.ensure_future(status())]
    try:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*tasks), seconds)
        else:
            await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
