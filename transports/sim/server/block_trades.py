"""Historical block trades on the local server: ``GET /api/v3/historicalBlockTrades`` and the
WebSocket API's ``blockTrades.historical``.

Rules (rest-api.md, Historical Block Trades; web-socket-api.md, Historical Block Trades):
- Block trades are negotiated off the book; the simulated exchange has none, so the honest
  answer is an empty list. Parameters are still checked as documented first: ``symbol`` and
  ``fromId`` are mandatory (-1102), an unknown symbol is -1121, ``limit`` is 1..1000
  (default 500), and an unread parameter is -1104.
- Public market data (no API key, no signature); weight 25.
"""

from __future__ import annotations

from transports.sim.server.core import ServerState
from transports.sim.server.market import _limit
from transports.sim.server.params import ApiError, Params
from transports.sim.server.rest import Endpoint, _fixed

__all__ = ["ENDPOINTS", "WS_METHODS"]


def _block_trades(state: ServerState, params: Params, account: str | None) -> object:
    symbol = params.require("symbol")
    params.integer("fromId", required=True)
    _limit(params, 500, 1000)
    params.finish()
    if symbol not in state.symbols:
        raise ApiError(-1121, "Invalid symbol.")
    return []


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/historicalBlockTrades"): Endpoint(_block_trades, _fixed(25), signed=False),
}

WS_METHODS: dict[str, Endpoint] = {
    "blockTrades.historical": ENDPOINTS[("GET", "/api/v3/historicalBlockTrades")],
}
