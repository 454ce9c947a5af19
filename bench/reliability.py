"""Reliability figures: a bounded fuzzing, hostile-input and SIGKILL campaign.

Usage (from the repository root)::

    python bench/reliability.py                      # the bounded default (~1-2 min)
    python bench/reliability.py --examples 300 --steps 60 --kills 60 --hostile 20000
    python bench/reliability.py --write              # also rewrite bench/reliability_figures.md

It prints, and with ``--write`` records in ``bench/reliability_figures.md``:

- fuzzed steps: the stateful fuzzer of ``tests/reliability/test_fuzz_manager.py`` (a real
  OrderManager over SimTransport, file journal, restarts, crashes mid-placement) run for
  ``--examples`` examples of up to ``--steps`` steps, with the faults it injected by kind;
- hostile inputs tried per entry point (user-data frames, REST bodies, configuration,
  command lines), and how many broke the promise (an exception other than the typed error);
- crashes survived: ``--kills`` SIGKILLs of a trading subprocess (``bench/reliability_worker.py``
  against the local server), a third at random moments, a third between journaling the
  intent and sending, a third between the exchange executing and the answer being applied;
  after each, a manager restarted from the journal must equal the exchange exactly;
- discrepancies found: every difference between oms's view and the exchange's after a
  reconciliation, over all of the above. It must be zero; the exit status is 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402

from bench.reliability_worker import KEY, MANAGER, SECRET, config  # noqa: E402
from oms.app.cli import main as cli_main  # noqa: E402
from oms.core.state import IN_DOUBT  # noqa: E402
from oms.errors import DecodeError, OmsError  # noqa: E402
from oms.runtime.journal import Journal  # noqa: E402
from oms.runtime.manager import OrderManager  # noqa: E402
from oms.wire.decoding import decode_body, decode_user_data  # noqa: E402
from oms.wire.enums import OrderType, Side, TimeInForce  # noqa: E402
from oms.wire.requests import NewOrder  # noqa: E402
from oms.wire.rest import MyTrade  # noqa: E402
from tests.reliability import test_fuzz_manager as fuzz  # noqa: E402
from tests.reliability import test_hostile_inputs as hostile  # noqa: E402
from tests.reliability.harness import exchange_orders  # noqa: E402
from transports.binance.client import BinanceClient  # noqa: E402
from transports.binance.config import ConfigError, load_config  # noqa: E402
from transports.sim.exchange import SimExchange  # noqa: E402
from transports.sim.server.app import ApiAccount, ServerOptions, make_app  # noqa: E402

D = Decimal
FIGURES = ROOT / "bench" / "reliability_figures.md"


# --- 1. stateful fuzzing ------------------------------------------------------------------


def fuzz_campaign(examples: int, steps: int) -> tuple[Counter[str], list[str]]:
    fuzz.ManagerMachine.TOTALS.clear()
    problems: list[str] = []
    chosen = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    try:
        run_state_machine_as_test(fuzz.ManagerMachine, settings=chosen)
    except Exception as exc:  # a failing example: reported as a discrepancy
        problems.append(f"fuzz: {type(exc).__name__}: {str(exc)[:2000]}")
    return Counter(fuzz.ManagerMachine.TOTALS), problems


# --- 2. hostile inputs --------------------------------------------------------------------


def hostile_campaign(n: int, seed: int) -> tuple[Counter[str], list[str]]:
    rng = random.Random(seed)
    tried: Counter[str] = Counter()
    broken: list[str] = []

    def attempt(kind: str, fn: Any, ok: tuple[type[BaseException], ...]) -> None:
        tried[kind] += 1
        try:
            fn()
        except ok:
            pass
        except Exception as exc:
            broken.append(f"{kind}: {type(exc).__name__}: {exc}")

    for _ in range(n):
        frame = dict(rng.choice(hostile.FRAMES))
        key = rng.choice(sorted(frame))
        frame[key] = rng.choice(hostile.HOSTILE_VALUES)
        raw = json.dumps(frame, default=str).encode()
        if rng.random() < 0.2:
            raw = raw[: rng.randrange(len(raw))] + bytes([rng.randrange(256)])
        attempt("user-data frames", lambda raw=raw: decode_user_data(raw), (DecodeError,))
        trade = dict(hostile.TRADE)
        trade[rng.choice(sorted(trade))] = rng.choice(hostile.HOSTILE_VALUES)
        body = json.dumps([trade], default=str).encode()
        attempt("REST bodies", lambda b=body: decode_body(b, list[MyTrade]), (DecodeError,))
        env = {rng.choice(hostile.CONFIG_VARS): rng.choice(hostile.CONFIG_VALUES)}
        attempt("configuration", lambda e=env: load_config(e, env_file=None), (ConfigError,))
    for _ in range(max(1, n // 20)):
        argv = [rng.choice(hostile.ARGV_WORDS) for _ in range(rng.randint(1, 5))]
        attempt("command lines", lambda a=argv: _cli(a, broken), ())
    return tried, broken


def _cli(argv: list[str], broken: list[str]) -> None:
    err = io.StringIO()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({k: v for k, v in saved.items() if not k.startswith("OMS_")})
    os.environ.update(
        OMS_ENV="local",
        OMS_REST_URL="http://127.0.0.1:1/api",
        OMS_WS_API_URL="ws://127.0.0.1:1/ws-api/v3",
    )
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            contextlib.chdir(tmp),
            contextlib.redirect_stderr(err),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            try:
                status = cli_main(argv)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.environ.clear()
        os.environ.update(saved)
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    if "Traceback" in err.getvalue() or (status != 0 and len(lines) != 1):
        broken.append(f"command line {argv!r}: {err.getvalue()!r}")


# --- 3. SIGKILL campaign ------------------------------------------------------------------


def _exchange() -> SimExchange:
    sim = SimExchange(clock=lambda: time.time_ns() // 1_000_000)
    sim.create_account("maker", {"BTC": D("1000"), "USDT": D("100000000")})
    sim.create_account("me", {"USDT": D("1000000"), "BTC": D("50")})
    for i in range(90):  # deep liquidity on both sides (MAX_NUM_ORDERS is 200)
        for side, price in ((Side.SELL, 60000 + i), (Side.BUY, 59980 - i)):
            sim.place_order(
                "maker",
                NewOrder(
                    symbol="BTCUSDT",
                    side=side,
                    order_type=OrderType.LIMIT,
                    time_in_force=TimeInForce.GTC,
                    quantity=D("1"),
                    price=D(price),
                ),
            )
    return sim


async def crash_campaign(kills: int, seed: int) -> tuple[Counter[str], list[str]]:
    sim = _exchange()
    # Rate limits are not what this campaign tests: lift them (tests/server covers them).
    lifted = ServerOptions(
        request_weight_per_minute=10**9, orders_per_10s=10**9, orders_per_day=10**9
    )
    app = make_app(sim, [ApiAccount(account="me", api_key=KEY, secret=SECRET)], lifted)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rest, ws = f"http://127.0.0.1:{port}/api", f"ws://127.0.0.1:{port}/ws-api/v3"
    rng = random.Random(seed)
    figures: Counter[str] = Counter()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="oms-kill-") as tmp:
        journal = str(Path(tmp) / "journal.sqlite")
        try:
            for i in range(kills):
                mode = ("random", "before-send", "after-send")[i % 3]
                await _one_kill(rest, ws, journal, mode, seed + i, rng, figures)
                try:
                    problems += await _check(sim, rest, ws, journal, figures)
                except OmsError as exc:
                    problems.append(f"restart after kill {i}: {type(exc).__name__}: {exc}")
        finally:
            await runner.cleanup()
    return figures, problems


async def _one_kill(
    rest: str,
    ws: str,
    journal: str,
    mode: str,
    seed: int,
    rng: random.Random,
    figures: Counter[str],
) -> None:
    cmd = [sys.executable, str(ROOT / "bench" / "reliability_worker.py"), "--rest", rest,
           "--ws", ws, "--journal", journal, "--seed", str(seed), "--actions", "400"]  # fmt: skip
    if mode != "random":
        cmd += ["--crash-at", mode, "--nth", str(rng.randint(1, 8))]
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT)
    )
    assert proc.stdout is not None
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.stdout.readline(), 20)  # "ready": started and reconciled
    if mode == "random":
        await asyncio.sleep(rng.uniform(0.02, 0.6))
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
    try:
        code = await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        code = await proc.wait()
    killed = code == -signal.SIGKILL
    figures[f"kills: {mode}" if killed else f"worker exited {code} ({mode})"] += 1
    if not killed and proc.stderr is not None:
        tail = (await proc.stderr.read())[-500:].decode(errors="replace")
        figures[f"worker stderr: {tail.strip().splitlines()[-1] if tail.strip() else ''}"] += 1


async def _check(
    sim: SimExchange, rest: str, ws: str, journal: str, figures: Counter[str]
) -> list[str]:
    """Restart from the journal, resolve everything in doubt, compare with the exchange."""
    manager = OrderManager(
        BinanceClient(config(rest, ws)), journal=Journal(journal), config=MANAGER
    )
    problems: list[str] = []
    async with manager:
        with contextlib.suppress(TimeoutError):
            await manager.wait_for(
                lambda: not any(o.state in IN_DOUBT for o in manager.orders()), timeout=15
            )
        report = await manager.reconcile("bench check")
        await asyncio.sleep(0.05)
        problems += [f"reconcile error: {e}" for e in report.errors]
        remote = exchange_orders(sim, "me")
        counts = Counter(o.client_order_id for o in remote)
        problems += [f"{cid} placed {n} times" for cid, n in counts.items() if n > 1]
        for sim_order in remote:
            order = manager.order(sim_order.client_order_id)
            if order is None:
                problems.append(f"{sim_order.client_order_id}: lost")
                continue
            if (order.state.value, order.filled, order.cum_quote) != (
                sim_order.status.value,
                sim_order.executed,
                sim_order.cum_quote,
            ):
                problems.append(
                    f"{order!r} != exchange {sim_order.status.value} {sim_order.executed}"
                )
            trades = {
                t.id
                for t in sim.my_trades("me", "BTCUSDT", order_id=sim_order.order_id, limit=1000)
            }
            if set(order.fills) != trades:
                problems.append(
                    f"{order.client_order_id} fills {sorted(order.fills)} != {sorted(trades)}"
                )
        in_doubt = [o for o in manager.orders() if o.state in IN_DOUBT]
        problems += [f"still in doubt: {o!r}" for o in in_doubt]
        account = sim.account_info("me")
        mine = manager.balances()
        problems += [
            f"balance {b.asset}"
            for b in account.balances
            if mine.get(b.asset) != (b.free, b.locked)
        ]
        figures["orders checked"] = len(remote)
        figures["fills checked"] = sum(len(o.fills) for o in manager.orders())
        figures["restarts checked"] += 1
    return problems


# --- the report ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=60, help="fuzzed examples")
    parser.add_argument("--steps", type=int, default=40, help="max steps per example")
    parser.add_argument("--hostile", type=int, default=3000, help="hostile inputs per kind")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs of the worker")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", action="store_true", help=f"rewrite {FIGURES.name}")
    args = parser.parse_args()
    started = time.monotonic()
    fuzzed, fuzz_problems = fuzz_campaign(args.examples, args.steps)
    tried, broken = hostile_campaign(args.hostile, args.seed)
    kills, crash_problems = asyncio.run(crash_campaign(args.kills, args.seed))
    problems = fuzz_problems + broken + crash_problems
    lines = _report(args, fuzzed, tried, kills, problems, time.monotonic() - started)
    print("\n".join(lines))
    for problem in problems[:20]:
        print("  !", problem)
    if args.write:
        FIGURES.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if problems else 0


def _report(
    args: argparse.Namespace,
    fuzzed: Counter[str],
    tried: Counter[str],
    kills: Counter[str],
    problems: list[str],
    seconds: float,
) -> list[str]:
    faults = {k.removeprefix("fault: "): v for k, v in fuzzed.items() if k.startswith("fault: ")}
    crashes = {k: v for k, v in fuzzed.items() if k.startswith("crash: ")}
    killed = {k.removeprefix("kills: "): v for k, v in kills.items() if k.startswith("kills: ")}
    cmd = (f"python bench/reliability.py --examples {args.examples} --steps {args.steps} "
           f"--hostile {args.hostile} --kills {args.kills} --seed {args.seed}")  # fmt: skip
    out = [
        "# Reliability figures",
        "",
        f"Reproduce: `{cmd}` (took {seconds:.0f} s on this machine).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| fuzzed examples (passed) | {fuzzed['examples']} |",
        f"| fuzzed steps | {fuzzed['steps']} |",
        f"| manager restarts from the journal | {fuzzed['restarts']} |",
        f"| restarts with a skewed clock (-1021) | {fuzzed['clock skew restarts (-1021)']} |",
    ]
    out += [f"| fuzz {k} | {v} |" for k, v in sorted(crashes.items())]
    out += [f"| fault injected: {k} | {v} |" for k, v in sorted(faults.items())]
    out += [f"| hostile {k} tried | {v} |" for k, v in sorted(tried.items())]
    out += [f"| SIGKILL {k} survived | {v} |" for k, v in sorted(killed.items())]
    out += [f"| {k} | {v} |" for k, v in sorted(kills.items()) if not k.startswith("kills: ")]
    out += [f"| **discrepancies found** | **{len(problems)}** |", ""]
    return out


if __name__ == "__main__":
    sys.exit(main())
