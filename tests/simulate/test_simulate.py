"""``oms simulate`` end to end: determinism under a seed, faults with zero discrepancies, the
example strategies on the shipped samples and the report's files (the same strategy live:
test_run_live.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oms.app.simulate import Simulation, parse_faults
from oms.sim import load_strategy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "transports" / "sim" / "data"
MM = str(ROOT / "examples" / "market_maker.py")
TREND = str(ROOT / "examples" / "trend_follower.py")
ETH = str(DATA / "ETHUSDT-aggTrades-sample.csv")
BTC_1M = str(DATA / "BTCUSDT-1m-sample.csv")


def oms(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oms.app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_same_seed_gives_byte_identical_fills_across_processes(tmp_path: Path) -> None:
    runs = []
    for i, hash_seed in enumerate(("1", "2")):
        out = tmp_path / f"run{i}"
        done = oms(
            "simulate", MM, "--data", ETH, "--seed", "7", "--faults", "default",
            "--out", str(out), "--quiet", env={"PYTHONHASHSEED": hash_seed},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs.append((out / "fills.csv").read_bytes())
    assert runs[0] == runs[1]
    assert runs[0].count(b"\n") > 20  # the market maker traded


@pytest.mark.parametrize("seed", [3, 11])
def test_faults_on_still_end_with_zero_discrepancies(seed: int) -> None:
    faults = parse_faults(
        "drop=0.1,duplicate=0.1,delay=0.1,reorder=0.2,error=0.05,timeout=0.05,lose=0.05,"
        "disconnect=40",
        seed,
    )
    outcome, recorder, report = Simulation(load_strategy(MM), [ETH], seed=seed, faults=faults).run()
    assert sum(outcome.faults.values()) > 10, outcome.faults
    assert outcome.discrepancies == []
    assert report.fills == len(recorder.fills) > 10


def test_market_maker_quotes_both_sides_and_its_stop_loss_fires() -> None:
    strategy = load_strategy(MM)
    outcome, recorder, report = Simulation(strategy, [ETH]).run()
    sides = {f.side for f in recorder.fills}
    assert sides == {"BUY", "SELL"} and outcome.discrepancies == []
    assert strategy.stops > 0  # type: ignore[attr-defined]
    # A stop-out is a MARKET sell, filled as a taker at the last trade price.
    assert any(not f.maker and f.side == "SELL" for f in recorder.fills)
    assert report.fees["USDT"] > 0 and report.fees["ETH"] > 0


def test_trend_follower_on_klines_never_sells_more_than_it_bought() -> None:
    outcome, recorder, report = Simulation(load_strategy(TREND), [BTC_1M]).run()
    assert outcome.discrepancies == [] and report.fills > 0
    held = 0
    for fill in recorder.fills:
        held += fill.qty if fill.side == "BUY" else -fill.qty
        assert held >= 0
    assert report.events == 360


def test_report_files_and_charts(tmp_path: Path) -> None:
    done = oms("simulate", TREND, "--data", BTC_1M, "--out", str(tmp_path), "--plot")
    assert done.returncode == 0, done.stderr
    assert "max drawdown" in done.stdout and "discrepancies" in done.stdout
    header = (tmp_path / "fills.csv").read_text().splitlines()[0]
    assert header.startswith("time_ms,symbol,side,order_id,trade_id,price,qty")
    assert (tmp_path / "equity.csv").read_text().startswith("time_ms,equity,exposure,BTCUSDT")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"
    page = (tmp_path / "chart.html").read_text()
    assert "<svg" in page and "final equity" in page


def test_bad_strategy_or_data_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = oms("simulate", "no.such.module:x", "--data", ETH, "--out", str(tmp_path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    done = oms("simulate", MM, "--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path))
    assert done.returncode == 2 and "nope.csv" in done.stderr
