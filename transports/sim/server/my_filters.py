"""The filters relevant to an account on a symbol: ``GET /api/v3/myFilters`` and the WebSocket
API's ``myFilters``.

Rules (rest-api.md, Query relevant filters; web-socket-api.md, Query Relevant Filters;
filters.md):
- USER_DATA: a signed request (or a logged-on WebSocket session); weight 40; ``symbol``
  mandatory, an unknown one is -1121.
- The answer is what exchangeInfo says for the symbol, so the two never disagree:
  ``exchangeFilters`` are exchangeInfo's ``exchangeFilters``, ``symbolFilters`` the symbol's
  ``filters``. ``assetFilters`` holds the account's ``MAX_ASSET`` filters (filters.md,
  MAX_ASSET; rest-api.md, Query relevant filters: "the only endpoint that shows if an account
  has MAX_ASSET filters"); the simulated exchange sets none, so it is empty.
"""

from __future__ import annotations

from transports.sim.server.core import ServerState
from transports.sim.server.params import ApiError, Params
from transports.sim.server.rest import Endpoint, _fixed

__all__ = ["ENDPOINTS", "WS_METHODS"]


def _my_filters(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.require("symbol")
    params.finish()
    if symbol not in state.symbols:
        raise ApiError(-1121, "Invalid symbol.")
    info = state.exchange.exchange_info([symbol])
    return {
        "exchangeFilters": list(info.exchange_filters),
        "symbolFilters": list(info.symbols[0].filters),
        "assetFilters": [],
    }


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/myFilters"): Endpoint(_my_filters, _fixed(40)),
}

WS_METHODS: dict[str, Endpoint] = {"myFilters": ENDPOINTS[("GET", "/api/v3/myFilters")]}
