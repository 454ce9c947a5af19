"""What every bench section shares: timing helpers and the one table they all print into.

Rules:
- A figure is a median over repeats; a ratio is the median of per-repeat ratios against a
  peer or limit measured in the same repeat (interleaved), so machine noise hits both sides.
- A goal is a predicate on the ratio (or on the value when there is no peer); the table says
  whether it was met. Nothing here asserts: benchmarks print, tests assert behaviour.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Row", "interleaved", "median", "print_table", "ratio", "timed"]


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    section: str
    name: str
    value: float
    unit: str
    peer: str = ""
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}x"
        met = {None: "", True: "yes", False: "NO"}[self.met]
        return [self.section, self.name, _number(self.value), self.unit, self.peer, ratio,
                self.goal, met]  # fmt: skip


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes (garbage collected before, not during)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(runs: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Call every run once per repeat, in turn; each returns a rate. Rates per run name."""
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            rates[name].append(run())
    return rates


def ratio(rates: dict[str, list[float]], name: str, peer: str) -> float:
    """Median of the per-repeat ratios ``name / peer``."""
    return median([a / b for a, b in zip(rates[name], rates[peer], strict=True)])


HEADER = ["section", "figure", "median", "unit", "against", "ratio", "goal", "met"]


def print_table(rows: list[Row]) -> str:
    """Print the rows as one Markdown table (also returned)."""
    cells = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
             for line in cells]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    text = "\n".join(lines)
    print(text, flush=True)
    return text
