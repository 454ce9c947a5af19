"""Section 6: replay speed of ``oms simulate`` with a passive strategy.

Generates a file of Binance public trades (``trades`` layout, µs times, seeded walk) in a
temporary directory, then times, interleaved per repeat: reading the file with no
simulation (``DataSource.events``: the baseline) and a whole ``Simulation`` over it with a
strategy that never trades (manager, simulated exchange, virtual-time loop, recorder).
Goal (issue 16): at least 1,000,000 trades a minute; the ratio says what the simulation
costs over reading the same file.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bench.common import Row, median
from oms.app.simulate import Simulation
from oms.sim import BaseStrategy, DataSource

__all__ = ["figures", "write_trades"]


def write_trades(path: Path, count: int, *, seed: int = 6) -> None:
    rng = random.Random(seed)
    price = 60000.0
    time_us = 1735689600000000
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(count):
            price = max(1.0, price + rng.choice((-0.01, 0.0, 0.01)) * rng.randint(1, 50))
            time_us += rng.randint(0, 40000)
            qty = rng.randint(1, 50000) / 100000
            fh.write(
                f"{i},{price:.2f},{qty:.8f},{price * qty:.8f},{time_us},{rng.random() < 0.5},True\n"
            )


def _read(path: Path) -> float:
    started = time.perf_counter()
    n = sum(1 for _ in DataSource(path).events())
    assert n
    return time.perf_counter() - started


def _simulate(path: Path) -> float:
    started = time.perf_counter()
    outcome, _, _ = Simulation(BaseStrategy(), [path]).run()
    assert not outcome.discrepancies
    return time.perf_counter() - started


def figures(quick: bool) -> list[Row]:
    count = 100_000 if quick else 1_000_000
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "BTCUSDT-trades-2025-01-01.csv"
        write_trades(path, count)
        reads, sims = [], []
        for _ in range(repeats):
            reads.append(_read(path))
            sims.append(_simulate(path))
    per_minute = count / median(sims) * 60
    read_per_minute = count / median(reads) * 60
    ratios = [s / r for s, r in zip(sims, reads, strict=True)]
    return [
        Row("6 replay", f"read {count:,} trades (no simulation)", read_per_minute, "trades/min"),
        Row(
            "6 replay",
            f"simulate {count:,} trades, passive strategy",
            per_minute,
            "trades/min",
            peer="read only",
            ratio=median(ratios),
            goal=">= 1,000,000 trades/min",
            met=per_minute >= 1_000_000,
        ),
    ]
