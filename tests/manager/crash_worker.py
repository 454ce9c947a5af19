"""A program embedding the OrderManager, for the crash test: it trades a fixed script through
``BinanceClient`` against a local server, with an on-disk journal, and is SIGKILLed at random
moments by ``test_crash.py``; each run resumes the script on the same journal.

Usage: ``python crash_worker.py REST_URL WS_URL JOURNAL {run|window|final}``. ``run`` trades
the script, then idles until killed; ``window`` does the same but SIGKILLs itself inside the
group commit's window: in the callback of the first fill it applies, after the fill's report
was recorded and before its loop turn's rows are committed (it prints ``window N``, N the
rows that die uncommitted); ``final`` trades what is left, waits until no order is in doubt,
reconciles and prints its state as one JSON line.

The script is deterministic: step ``i`` places the order ``crash-i`` (a market buy, a resting
limit sell or a resting limit buy) or cancels the limit buy of the step before. A step whose
order the manager already knows (restored from the journal) is not placed again: that is the
point of the test. Only the manager's public API is used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from decimal import Decimal
from typing import Any

from oms.core.outputs import FillApplied, Output
from oms.core.state import OrderState
from oms.errors import OmsError
from oms.runtime.journal import Journal
from oms.runtime.manager import ManagerConfig, OrderManager
from oms.runtime.recovery import journaled_fills
from oms.wire.money import to_wire
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, Environment
from transports.binance.signing import HmacSigner, Secret

KEY = "omsCrashTestKey00000000000000000000000000000000000000000000000001"
SECRET = "omsCrashTestSecret000000000000000000000000000000000000000000001"
SYMBOL = "BTCUSDT"
STEPS = 24
RECV_WINDOW_MS = 1000
IN_DOUBT = (OrderState.CREATED, OrderState.PENDING_ACK, OrderState.UNKNOWN)


def cid(step: int) -> str:
    return f"crash-{step}"


async def step(manager: OrderManager, i: int) -> None:
    kind = i % 4
    if kind == 3:
        target = manager.order(cid(i - 1))
        if target is not None and target.state in (OrderState.NEW, OrderState.PARTIALLY_FILLED):
            await manager.cancel(target)
        return
    if manager.order(cid(i)) is not None:
        return  # placed (or at least journaled) by an earlier run
    if kind == 0:
        await manager.execute_spot_buy(SYMBOL, Decimal("0.001"), client_order_id=cid(i))
    elif kind == 1:
        price = Decimal(60500 + i).quantize(Decimal("0.01"))
        await manager.execute_spot_sell(SYMBOL, Decimal("0.002"), price, client_order_id=cid(i))
    else:
        price = Decimal(59000 - i).quantize(Decimal("0.01"))
        await manager.execute_spot_buy(SYMBOL, Decimal("0.002"), price, client_order_id=cid(i))


def dump(manager: OrderManager) -> dict[str, Any]:
    orders = [
        {
            "client_order_id": o.client_order_id,
            "order_id": o.order_id,
            "state": o.state.name,
            "filled": to_wire(o.filled),
            "fills": [[tid, to_wire(f.quantity), to_wire(f.price)] for tid, f in o.fills.items()],
        }
        for o in manager.orders()
    ]
    pos = manager.positions_by_symbol().get(SYMBOL)
    snap = manager.metrics_snapshot()
    return {
        "orders": orders,
        "balances": {a: [to_wire(f), to_wire(lk)] for a, (f, lk) in manager.balances().items()},
        "position_trades": pos.trades if pos is not None else 0,
        # What a replay of the journal alone applies: each fill exactly once.
        "journal_fills": len(journaled_fills(manager.journal)),
        "fills_total": snap.fills_total,
        "unknown_resolved_found": snap.unknown_resolved_found_total,
        "unknown_resolved_not_placed": snap.unknown_resolved_not_placed_total,
    }


def _kill_in_window(manager: OrderManager, out: Output) -> None:
    """SIGKILL this process on a fill whose report is recorded but not yet committed."""
    uncommitted = len(manager.journal._pending)
    if isinstance(out, FillApplied) and uncommitted:
        print(f"window {uncommitted}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


async def main(rest_url: str, ws_url: str, journal_path: str, mode: str) -> int:
    config = BinanceConfig(
        environment=Environment.LOCAL,
        rest_url=rest_url,
        ws_api_url=ws_url,
        api_key=Secret(KEY),
        signer=HmacSigner(Secret(SECRET)),
        recv_window_ms=RECV_WINDOW_MS,
        time_samples=1,
        backoff_initial_s=0.01,
        backoff_max_s=0.1,
        request_timeout_s=2.0,
    )
    settings = ManagerConfig(
        resolve_initial_delay=0.01,
        resolve_max_delay=0.1,
        not_found_margin_ms=200,
        # No rate limit and one-sample clock syncs here: a request is stamped within ~2 s
        # of its order's creation (the 15 s default covers a governor wait and slow syncs).
        unstamped_margin_ms=2000,
        stream_start_timeout=5.0,
    )
    manager = OrderManager(BinanceClient(config), journal=Journal(journal_path), config=settings)
    await manager.start()
    print("started", flush=True)
    if mode == "window":
        manager.on_update(lambda out: _kill_in_window(manager, out))
    for i in range(STEPS):
        print(f"step {i}", flush=True)
        try:
            await step(manager, i)
        except OmsError as exc:
            print(f"step {i}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        await asyncio.sleep(0.01)
    if mode != "final":
        print("script done", flush=True)
        await asyncio.sleep(3600)
        return 0
    await manager.wait_for(
        lambda: all(o.state not in IN_DOUBT for o in manager.orders()), timeout=20.0
    )
    await manager.reconcile("final")
    print(json.dumps(dump(manager)), flush=True)
    await manager.close()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    sys.exit(asyncio.run(main(*sys.argv[1:5])))
