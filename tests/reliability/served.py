"""The fuzz rig with the exchange served on 127.0.0.1: SimExchange -> local server (aiohttp,
``oms exchange``'s app) -> BinanceClient (real signing, REST and WebSocket API) -> OrderManager.

Rules:
- Same exchange, accounts, market, journal and ``ManualClock`` as ``harness.Rig``; only the
  way the manager reaches the exchange differs, so every scenario written for the in-process
  rig runs here unchanged (the state machines pick the rig with their ``RIG``).
- One event loop, the rig's, runs the server and the client. The server's clock, the
  client's (``ServerClock(wall_ms=...)``) and the manager's are the exchange's
  ``ManualClock``: deadlines pass when the rig moves it, not with wall time.
- Faults are the server's own, set through its control API (``POST /_oms/faults``, as a
  user's integration test would): request faults on placements (5xx, -1007, an answer held
  until -1007, a lost request, 429), event faults on the user-data stream (lost, doubled,
  delayed, reordered events, the connection dropped) and clock skew (-1021). A fault set by
  ``inject`` lasts until the next restart, like the in-process rig's.
- Wall-clock waits stay short: a held answer lasts 50 ms, delayed events come out after 10 ms.
"""

from __future__ import annotations

import contextlib
import dataclasses

import aiohttp
import msgspec
from aiohttp.test_utils import TestServer

from oms.errors import OutcomeUnknown, RateLimited
from oms.runtime.manager import OrderManager
from oms.runtime.ports import Transport
from transports.binance.client import BinanceClient
from transports.binance.clock import ServerClock
from transports.sim.faults import FaultConfig
from transports.sim.server.app import ApiAccount, ServerOptions, make_app
from transports.sim.server.control import TOKEN_HEADER, add_control_routes
from transports.sim.server.rest import STATE_KEY

from .harness import ME, Rig
from .local import KEY, SECRET, Stack

__all__ = ["ServerRig"]

TOKEN = "reliability-control-token"
# The server's own limits are lifted: a scenario restarts many times within a minute of
# the rig's clock, and a 429 is one of the injected faults (``orders_per_10s``), not chance.
OPTIONS = ServerOptions(
    request_timeout=0.05,
    delayed_event_flush=0.01,
    request_weight_per_minute=10_000_000,
    orders_per_10s=1_000_000,
    raw_requests_per_5m=10_000_000,
)


class ServerRig(Rig):
    """``Rig`` with the manager on the real Binance transport over the local server."""

    # The client's rate governor holds requests for the server's Retry-After, measured from
    # when the 429 was answered, a little past the ORDERS window's end.
    RATE_CLEAR_MS = 30_000

    def __init__(self, journal_path: str, *, seed: int = 0, commission: str = "0.001") -> None:
        super().__init__(journal_path, seed=seed, commission=commission)
        account = ApiAccount(account=ME, api_key=KEY, secret=SECRET)
        app = make_app(self.exchange, [account], OPTIONS, clock=self.clock)
        add_control_routes(app, TOKEN)
        self.server = TestServer(app, host="127.0.0.1")
        self.loop.run_until_complete(self.server.start_server())
        self.session = self.loop.run_until_complete(_session())
        self.stack = Stack(self.exchange, self.server)

    def start(self, *, skew_ms: int = 0, sync_clock: bool = False) -> OrderManager:
        """As ``Rig.start``; a start refused by the client's rate governor (a 429 answered
        while starting) waits out the hold on the rig's clock and starts again. So does a
        start whose read timed out (``OutcomeUnknown``): request faults touch placements
        only, so that is the loaded box missing the rig's 1 s timeout (seen once: a GET
        /v3/exchangeInfo at a restart, the box running three test processes), and a start
        sends no order, so starting again is what an operator would do."""
        for _ in range(3):
            try:
                return super().start(skew_ms=skew_ms, sync_clock=sync_clock)
            except RateLimited:
                self.stop()
                self.clock.advance(self.RATE_CLEAR_MS)
            except OutcomeUnknown:
                self.stop()
        return super().start(skew_ms=skew_ms, sync_clock=sync_clock)

    def _transport(self, faults: FaultConfig) -> Transport:
        self.inject(faults)
        # Never waits for a rate limit: its waits are wall-clock sleeps, this clock is the
        # rig's; a held request fails at once with RateLimited, as SimTransport's does.
        config = dataclasses.replace(
            self.stack.config(), time_samples=1, request_timeout_s=1.0, max_rate_wait_s=0.0
        )
        clock = ServerClock(samples=1, wall_ms=self.clock)
        return BinanceClient(config, rng=lambda: 0.5, clock=clock)

    def inject(self, faults: FaultConfig) -> None:
        self._count_faults()  # the server starts a new injector: keep the old one's counts
        self.run(self._control(faults))

    async def _control(self, faults: FaultConfig) -> None:
        url = self.server.make_url("/_oms/faults")
        body = msgspec.to_builtins(faults)
        async with self.session.post(url, json=body, headers={TOKEN_HEADER: TOKEN}) as resp:
            assert resp.status == 200, await resp.text()

    def _count_faults(self) -> None:
        injector = self.server.app[STATE_KEY].faults
        if injector is not None:
            self.fault_counts.update(injector.counts)
            injector.counts.clear()

    def stop(self) -> None:
        if self.manager is not None:  # what the client saw of the event faults
            seen = self.manager.metrics_snapshot()
            self.fault_counts["client: stream gaps"] += seen.stream_gaps_total
            self.fault_counts["client: duplicate reports"] += seen.duplicate_reports_total
        super().stop()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        try:
            self.loop.run_until_complete(self.session.close())
            self.loop.run_until_complete(self.server.close())
        finally:
            super().close()


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()
