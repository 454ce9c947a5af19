"""Charts of a run (the ``oms[plot]`` extra): equity and price with the fills marked, as a PNG
and as a self-contained HTML page (the chart inlined as SVG, the figures as a table).

Rules:
- matplotlib is imported here only, with the non-interactive Agg backend; without it the
  caller gets an ``ImportError`` that names the extra to install.
- Floats exist only here, for drawing; the figures in the page are the report's decimals.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oms.sim.record import Recorder
from oms.sim.report import Report
from oms.wire.money import show

__all__ = ["write_charts"]


def _pyplot() -> Any:
    try:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        raise ImportError("charts need matplotlib: pip install 'oms[plot]'") from None
    return plt


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _figure(rec: Recorder) -> Any:
    plt = _pyplot()
    symbol = next(iter(rec.symbols))
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": (3, 2)}
    )
    points = [p for p in rec.curve if any(s == symbol for s, _ in p.prices)]
    times = [_time(p.time_ms) for p in points]
    prices = [float(dict(p.prices)[symbol]) for p in points]
    top.plot(times, prices, color="#444444", linewidth=0.8, label=f"{symbol} price")
    for side, marker, color in (("BUY", "^", "#1a9850"), ("SELL", "v", "#d73027")):
        fills = [f for f in rec.fills if f.symbol == symbol and f.side == side]
        top.scatter(
            [_time(f.time_ms) for f in fills],
            [float(f.price) for f in fills],
            marker=marker,
            color=color,
            s=28,
            label=f"{side.lower()} fills",
            zorder=3,
        )
    top.set_ylabel(f"{symbol} ({rec.symbols[symbol].quote})")
    top.legend(loc="best", fontsize=8)
    top.grid(alpha=0.3)
    bottom.plot(
        [_time(p.time_ms) for p in rec.curve],
        [float(p.equity) for p in rec.curve],
        color="#2c7bb6",
        linewidth=1.0,
    )
    bottom.set_ylabel(f"equity ({rec.currency})")
    bottom.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return plt, fig


def write_charts(rec: Recorder, report: Report, out: Path) -> list[Path]:
    """chart.png and chart.html in ``out``. Raises: ImportError: no matplotlib."""
    plt, fig = _figure(rec)
    png = out / "chart.png"
    fig.savefig(png, dpi=90, metadata={"Software": None})
    svg = io.StringIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    plt.close(fig)
    page = out / "chart.html"
    page.write_text(_page(report, svg.getvalue()), encoding="utf-8")
    return [png, page]


def _page(report: Report, svg: str) -> str:
    rows = [
        ("orders / fills", f"{report.orders} / {report.fills}"),
        (f"opening equity ({report.currency})", show(report.opening_equity)),
        (f"final equity ({report.currency})", show(report.final_equity)),
        (f"PnL ({report.currency})", show(report.pnl)),
        ("max drawdown", f"{report.max_drawdown * 100}%"),
        ("turnover", f"{report.turnover}x"),
        ("fees", ", ".join(f"{show(v)} {k}" for k, v in report.fees.items()) or "none"),
    ]
    table = "\n".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
    )
    start = svg.find("<svg")
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'><title>oms simulation</title>"
        "<style>body{font-family:sans-serif;margin:2em}th{text-align:left;padding-right:2em}"
        "</style></head><body><h1>oms simulation</h1>\n"
        f"<table>{table}</table>\n{svg[start:]}\n</body></html>\n"
    )
