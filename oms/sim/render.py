"""The report on the terminal (rich) and the progress bar of long runs.

Rules:
- Everything goes to stderr except the report itself (stdout), so ``--quiet`` and pipes
  behave; the bar shows only on a terminal unless asked for.
- Figures are shown as computed (``Decimal`` text); nothing is rounded into a guess, and
  none is cut to the terminal's width ("3385.5649…"): a narrow terminal wraps them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from oms.sim.report import Report
from oms.sim.runner import Outcome
from oms.wire.money import show

__all__ = ["progress_bar", "render_report"]


@contextlib.contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[Callable[[int, int], None] | None]:
    """A callback ``(events, market_ms)`` that updates a live line on stderr, or None."""
    console = Console(stderr=True)
    if enabled is None:
        enabled = console.is_terminal
    if not enabled:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("replaying", total=None)

        def update(events: int, market_ms: int) -> None:
            bar.update(
                task, description=f"replaying: {events:,} events, market at {_when(market_ms)}"
            )

        yield update


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _pct(fraction: object) -> str:
    return f"{float(str(fraction)) * 100:.2f}%"


def render_report(report: Report, outcome: Outcome, written: list[Path]) -> None:
    console = Console()
    if not console.is_terminal:  # piped: each row on one line, no figure cut to 80 columns
        console = Console(width=10_000)
    head = Table(title="simulation", show_header=False, title_justify="left")
    head.add_column(style="bold", overflow="fold")
    head.add_column(justify="right", overflow="fold")  # a narrow terminal wraps, never cuts
    rows = [
        ("period (UTC)", f"{_when(report.start_ms)} .. {_when(report.end_ms)}"),
        ("market events", f"{outcome.events:,}"),
        ("orders / fills", f"{report.orders} / {report.fills}"),
        (f"opening equity ({report.currency})", show(report.opening_equity)),
        (f"final equity ({report.currency})", show(report.final_equity)),
        (f"PnL ({report.currency})", show(report.pnl)),
        ("max drawdown", _pct(report.max_drawdown)),
        ("exposure mean / max", f"{_pct(report.mean_exposure)} / {_pct(report.max_exposure)}"),
        ("turnover", f"{report.turnover}x"),
        ("fees", ", ".join(f"{show(v)} {k}" for k, v in report.fees.items()) or "none"),
    ]
    if outcome.faults:
        rows.append(("faults injected", ", ".join(f"{k} {v}" for k, v in outcome.faults.items())))
    rows.append(("discrepancies", str(len(outcome.discrepancies))))
    for name, value in rows:
        head.add_row(name, value)
    console.print(head)
    per = Table(title="per symbol", title_justify="left")
    for col in ("symbol", "fills", "position", "avg entry", "last", "realised", "unrealised"):
        per.add_column(col, justify="left" if col == "symbol" else "right", overflow="fold")
    for s in report.symbols:
        per.add_row(
            s.symbol,
            str(s.fills),
            show(s.net_quantity),
            show(s.avg_entry_price),
            show(s.last_price) if s.last_price is not None else "-",
            f"{show(s.realized_pnl)} {s.quote}",
            f"{show(s.unrealized_pnl)} {s.quote}",
        )
    console.print(per)
    for line in outcome.discrepancies[:20]:
        console.print(f"[red]discrepancy:[/red] {line}")
    if report.unpriced:
        console.print(f"not valued (no {report.currency} price): {', '.join(report.unpriced)}")
    console.print("wrote " + ", ".join(str(p) for p in written))
    if not sys.stdout.isatty():
        console.file.flush()
