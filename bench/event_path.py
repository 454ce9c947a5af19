"""Frames per second through decode -> apply -> balance update, against the bare decode.

Prints medians over repeats (one core, one process):
- ``bare``: msgspec decode of the same frames into the typed envelope (the limit);
- ``full``: ``oms.wire.decoding.decode_user_data`` + ``Engine.apply`` (table lookups);
- ``naive``: the same path with one ``transitions`` Machine per order driving the status;
and the ratios full/bare and naive/bare, then memory per tracked order and the time of a
full garbage collection with 100k orders tracked.

Frames are realistic WS API frames (``{"subscriptionId":0,"event":{...}}``): per order NEW,
three partial TRADEs, then a final TRADE (FILLED) or a CANCELED, then one
outboundAccountPosition with two assets (user-data-stream.md, Order Update).

Also ``ccxt``: ``json.loads`` + ccxt pro's ``binance.parse_ws_order`` on the same frames
(position frames only ``json.loads``-ed: favourable to ccxt), when ccxt is installed.

Usage: ``python bench/event_path.py [--orders 2000] [--repeats 7]``; the suite
(``python -m bench``) calls ``figures``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import inspect
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
from transitions import Machine, MachineError

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Row, interleaved, median, ratio
from oms.core.commands import Intent, Sent
from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.order import Order
from oms.core.outputs import Output
from oms.core.spec import OrderSpec
from oms.core.state import EDGES, TERMINAL_STATES, OrderState, _transitions_rows
from oms.wire.decoding import Envelope, decode_user_data
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.events import ExecutionReport

D = Decimal
SYMBOL = "BTCUSDT"


def _report(cid: str, oid: int, when: int, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "e": "executionReport", "E": when, "s": SYMBOL, "c": cid, "S": "BUY", "o": "LIMIT",
        "f": "GTC", "q": "1.00000000", "p": "100.00000000", "P": "0.00000000",
        "F": "0.00000000", "g": -1, "C": "", "x": "NEW", "X": "NEW", "r": "NONE", "i": oid,
        "l": "0.00000000", "z": "0.00000000", "L": "0.00000000", "n": "0", "N": None, "T": when,
        "t": -1, "I": when, "w": True, "m": False, "M": False, "O": when, "Z": "0.00000000",
        "Y": "0.00000000", "Q": "0.00000000", "W": when, "V": "NONE",
    }  # fmt: skip
    base.update(over)
    return base


def _frame(event: dict[str, Any]) -> bytes:
    return json.dumps({"subscriptionId": 0, "event": event}, separators=(",", ":")).encode()


def build_frames(orders: int, start_ms: int = 1_700_000_000_000) -> tuple[list[str], list[bytes]]:
    """Client ids and the frames of ``orders`` orders (see the module docstring), the
    exchange's times from ``start_ms`` on."""
    cids, frames, trade_id, t = [], [], 1, start_ms
    for k in range(orders):
        cid, oid = f"bench-{k}", 10_000 + k
        cids.append(cid)
        frames.append(_frame(_report(cid, oid, t)))
        cum = D(0)
        parts = [D("0.25"), D("0.25"), D("0.25")] + ([D("0.25")] if k % 4 else [])
        for n, qty in enumerate(parts, start=1):
            cum += qty
            status = "FILLED" if cum == 1 else "PARTIALLY_FILLED"
            t += 1
            frames.append(_frame(_report(
                cid, oid, t, x="TRADE", X=status, l=f"{qty:.8f}", z=f"{cum:.8f}",
                L="100.00000000", n="0.00025000", N="BNB", t=trade_id, Y=f"{qty * 100:.8f}",
                Z=f"{cum * 100:.8f}", m=n % 2 == 0,
            )))  # fmt: skip
            trade_id += 1
        if cum != 1:
            t += 1
            frames.append(_frame(_report(cid, oid, t, x="CANCELED", X="CANCELED",
                                         z=f"{cum:.8f}", Z=f"{cum * 100:.8f}")))  # fmt: skip
        position = {"e": "outboundAccountPosition", "E": t, "u": t, "B": [
            {"a": "BTC", "f": f"{k}.00000000", "l": "0.00000000"},
            {"a": "USDT", "f": "1000000.00000000", "l": f"{k}.00000000"},
        ]}  # fmt: skip
        frames.append(_frame(position))
    return cids, frames


def order_frames(k: int, fills: int) -> list[bytes]:
    """Order ``k`` (client id ``o-k``, order id ``k``): NEW, then ``fills`` equal trades
    that fill it (none: it stays open). Trade ids ``8k+1...`` are unique per order."""
    cid, oid, t = f"o-{k}", k, 1_700_000_000_000 + k
    frames = [_frame(_report(cid, oid, t))]
    part = D(1) / fills if fills else D(0)
    for n in range(1, fills + 1):
        cum = part * n if n < fills else D(1)
        status = "FILLED" if n == fills else "PARTIALLY_FILLED"
        frames.append(_frame(_report(
            cid, oid, t, x="TRADE", X=status, l=f"{part:.8f}", z=f"{cum:.8f}",
            L="100.00000000", n="0.00025000", N="BNB", t=8 * k + n, Y=f"{part * 100:.8f}",
            Z=f"{cum * 100:.8f}",
        )))  # fmt: skip
    return frames


class _MachineModel:
    """The model a per-order ``transitions`` Machine drives (transitions sets attributes on
    it, so it is a plain object)."""

    def __init__(self, state: OrderState) -> None:
        self.state = state
        self.has_fills = False


class NaiveEngine(Engine):
    """The naive design: one ``transitions`` Machine per order, and every report's status
    fired as a trigger on it (a refused trigger is caught, as the lean path's table miss is
    a conflict). It runs the lean path too, so it is a lower bound on the naive cost."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.machines: dict[str, tuple[_MachineModel, Machine]] = {}

    def machine(self, order: Order) -> _MachineModel:
        entry = self.machines.get(order.client_order_id)
        if entry is None:
            model = _MachineModel(order.state)
            machine = Machine(
                model=model, states=list(OrderState), transitions=_transitions_rows(EDGES),
                initial=order.state, auto_transitions=False, model_override=False,
            )  # fmt: skip
            entry = self.machines[order.client_order_id] = (model, machine)
        return entry[0]

    def apply(self, report: Any) -> list[Output]:
        out = super().apply(report)
        if type(report) is ExecutionReport:
            order = self.book.by_order_id(report.symbol, report.order_id)
            if order is not None:
                model = self.machine(order)
                model.has_fills = order.filled > 0
                with contextlib.suppress(MachineError):
                    model.trigger(report.status.value)  # type: ignore[attr-defined]
        return out


def place(engine: Engine, cid: str) -> Order:
    """Create a LIMIT buy of 1 at 100 (its own spec, as a caller's) and apply ``Sent``."""
    spec = OrderSpec(
        symbol=SYMBOL, side=Side.BUY, order_type=OrderType.LIMIT, quantity=D(1), price=D(100),
        time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    order = engine.create_order(spec, cid)
    engine.apply(Sent(client_order_id=cid, at_ms=0))
    return order


def setup(engine_class: type[Engine], cids: list[str]) -> Engine:
    engine = engine_class(clock=lambda: 0, new_client_order_id=SequentialIds())
    for cid in cids:
        order = place(engine, cid)
        if isinstance(engine, NaiveEngine):
            engine.machine(order)  # built with the order, as the naive design would
    return engine


# Frames applied per event-loop turn on the manager path: aiohttp hands every frame of one
# socket read (up to 256 KiB, ~400 of these frames) to the consumer without a loop turn in
# between, so a busy stream is applied in batches; 32 is a modest one.
BATCH = 32
SPEC = OrderSpec(
    symbol=SYMBOL, side=Side.BUY, order_type=OrderType.LIMIT, quantity=D(1), price=D(100),
    time_in_force=TimeInForce.GTC,
)  # fmt: skip


def manager_path(journal_path: str, cids: list[str], frames: list[bytes], batch: int) -> float:
    """Seconds the OrderManager's one path (``Dispatcher.apply``: engine, journal, positions,
    metrics, subscribers) takes for ``frames``, decoded as the stream does, ``batch`` per
    event-loop turn, its journal at ``journal_path`` (``:memory:`` or a WAL file); the orders
    are placed (Intent + Sent journaled) before the clock starts, and the last turn's rows
    are committed before it stops. The positions are read once per turn (they are accounted
    when read)."""
    from oms.runtime.journal import Journal  # noqa: PLC0415 - the engine rows need none
    from oms.runtime.manager import OrderManager  # noqa: PLC0415
    from transports.sim.exchange import SimExchange  # noqa: PLC0415
    from transports.sim.transport import SimTransport  # noqa: PLC0415

    async def run() -> float:
        ex = SimExchange(clock=lambda: 0)
        ex.create_account("me", {})
        om = OrderManager(SimTransport(ex, "me"), journal=Journal(journal_path))
        apply = om._apply
        for cid in cids:
            apply(Intent(client_order_id=cid, at_ms=0, spec=SPEC))
            apply(Sent(client_order_id=cid, at_ms=0))
        await asyncio.sleep(0)
        # The frame travels with its event, as from ``BinanceClient.user_data_frames``
        # (an older tree, for ``bench.ab``, takes the event only).
        with_raw = "raw" in inspect.signature(apply).parameters
        gc.collect()
        start = time.perf_counter()
        for i in range(0, len(frames), batch):
            if with_raw:
                for raw in frames[i : i + batch]:
                    apply(decode_user_data(raw), raw)
            else:
                for raw in frames[i : i + batch]:
                    apply(decode_user_data(raw))
            om.positions_by_symbol()  # an application reads them once a turn
            await asyncio.sleep(0)  # a loop turn: the group commit runs
        await asyncio.sleep(0)
        elapsed = time.perf_counter() - start
        assert not om.engine.open_orders(), "bench frames went wrong"
        om.journal.close()
        return elapsed

    return asyncio.run(run())


def manager_file(cids: list[str], frames: list[bytes], batch: int = BATCH) -> float:
    """``manager_path`` with a fresh WAL file journal."""
    with tempfile.TemporaryDirectory() as tmp:
        return manager_path(f"{tmp}/journal.sqlite3", cids, frames, batch)


def run_bare(frames: list[bytes]) -> float:
    decode = msgspec.json.Decoder(Envelope).decode
    start = time.perf_counter()
    for raw in frames:
        decode(raw)
    return time.perf_counter() - start


def run_engine(engine: Engine, frames: list[bytes]) -> float:
    apply: Callable[[Any], list[Output]] = engine.apply
    start = time.perf_counter()
    for raw in frames:
        apply(decode_user_data(raw))
    elapsed = time.perf_counter() - start
    assert all(o.state in TERMINAL_STATES for o in engine.orders()), "bench frames went wrong"
    assert not engine.open_orders() and engine.balances.get("USDT") is not None
    return elapsed


def ccxt_parser() -> Callable[[dict[str, Any]], object] | None:
    """ccxt pro's ``binance.parse_ws_order``, or None when ccxt is not installed."""
    try:
        import ccxt.pro  # type: ignore[import-untyped]  # noqa: PLC0415 - optional
    except ImportError:
        return None
    parse: Callable[[dict[str, Any]], object] = ccxt.pro.binance().parse_ws_order
    return parse


def run_ccxt(parse: Callable[[dict[str, Any]], object], frames: list[bytes]) -> float:
    loads = json.loads
    start = time.perf_counter()
    for raw in frames:
        event = loads(raw)["event"]
        if event["e"] == "executionReport":
            parse(event)
    return time.perf_counter() - start


def figures(quick: bool) -> list[Row]:
    """Section 1 of the suite: the event path against bare decode, naive and ccxt."""
    orders, repeats = (300, 3) if quick else (2000, 9)
    cids, frames = build_frames(orders)
    n = len(frames)
    runs: dict[str, Callable[[], float]] = {
        "bare": lambda: n / run_bare(frames),
        "full": lambda: n / run_engine(setup(Engine, cids), frames),
        "naive": lambda: n / run_engine(setup(NaiveEngine, cids), frames),
    }
    parse = ccxt_parser()
    if parse is not None:
        runs["ccxt"] = lambda: n / run_ccxt(parse, frames)
    runs["memory"] = lambda: n / manager_path(":memory:", cids, frames, BATCH)
    runs["file"] = lambda: n / manager_file(cids, frames)
    runs["file1"] = lambda: n / manager_file(cids, frames, 1)
    rates = interleaved(runs, repeats)
    sec = "1 event path"
    full_bare = ratio(rates, "full", "bare")
    rows = [
        Row(sec, "bare typed msgspec decode (limit)", median(rates["bare"]), "frames/s"),
        Row(sec, "decode+state+fills+balances", median(rates["full"]), "frames/s",
            "bare decode", full_bare, ">= 0.7", full_bare >= 0.7),
        Row(sec, "naive: transitions Machine per order", median(rates["naive"]), "frames/s"),
    ]  # fmt: skip
    for name, label, goal in (
        ("memory", f"manager, in-memory journal, {BATCH}/loop turn", 0.7),
        ("file", f"manager, WAL file journal, {BATCH}/loop turn", 0.5),
        ("file1", "manager, WAL file journal, 1/loop turn", None),
    ):
        r = ratio(rates, name, "full")
        rows.append(Row(sec, label, median(rates[name]), "frames/s", "engine path", r,
                        "" if goal is None else f">= {goal}",
                        None if goal is None else r >= goal))  # fmt: skip
    naive = ratio(rates, "full", "naive")
    rows.append(Row(sec, "  full vs naive", median(rates["full"]), "frames/s", "naive", naive,
                    ">= 5", naive >= 5))  # fmt: skip
    if parse is None:
        rows.append(Row(sec, "ccxt parse_ws_order: not installed", 0, ""))
    else:
        vs_ccxt = ratio(rates, "full", "ccxt")
        rows.append(Row(sec, "ccxt pro parse_ws_order (json.loads)", median(rates["ccxt"]),
                        "frames/s"))  # fmt: skip
        rows.append(Row(sec, "  full vs ccxt", median(rates["full"]), "frames/s", "ccxt",
                        vs_ccxt, ">= 10", vs_ccxt >= 10))  # fmt: skip
    return rows


def measure(frames: list[bytes], cids: list[str], repeats: int) -> dict[str, list[float]]:
    """Frames/s of each path, the paths interleaved in every repeat (fair under noise)."""
    runs: dict[str, Callable[[], float]] = {
        "bare": lambda: run_bare(frames),
        "full": lambda: run_engine(setup(Engine, cids), frames),
        "naive": lambda: run_engine(setup(NaiveEngine, cids), frames),
    }
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            rates[name].append(len(frames) / run())
    return rates


def report(rates: dict[str, list[float]]) -> None:
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:<6} {rate:>12,.0f} frames/s  ({1e6 / rate:.2f} us/frame)")
    for name in ("full", "naive"):
        ratios = [a / b for a, b in zip(rates[name], rates["bare"], strict=True)]
        print(f"{name}/bare = {statistics.median(ratios):.0%} (median of per-run ratios)")
    print("target: full/bare >= 50% (issue 2), >= 70% (issue 8)")


def memory_and_gc(count: int, fills: int) -> None:
    """Bytes per tracked order (NEW plus ``fills`` trades each) and a full gc's duration."""
    _, frames = build_frames(1)
    engine = setup(Engine, [])
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for k in range(count):
        cid = f"mem-{k}"
        place(engine, cid)
        for template in frames[: 1 + fills]:  # real frames, decoded, with this order's ids
            raw = template.replace(b"bench-0", cid.encode()).replace(b'"i":10000', b'"i":%d' % k)
            raw = raw.replace(b'"t":1,', b'"t":%d,' % (2 * k + 1))
            engine.apply(decode_user_data(raw.replace(b'"t":2,', b'"t":%d,' % (2 * k + 2))))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert sum(len(o.fills) for o in engine.orders()) == fills * count
    start = time.perf_counter()
    gc.collect()
    pause = time.perf_counter() - start
    print(
        f"memory {used / count:>8,.0f} bytes per tracked order with {fills} fills "
        f"({count:,} orders); a full gc takes {pause * 1e3:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--memory-orders", type=int, default=100_000)
    args = parser.parse_args()
    cids, frames = build_frames(args.orders)
    print(f"{len(frames):,} frames ({args.orders:,} orders), median of {args.repeats} runs")
    report(measure(frames, cids, args.repeats))
    for fills in (0, 2):
        memory_and_gc(args.memory_orders, fills)


if __name__ == "__main__":
    main()
