"""SOR allocations on the local server: ``GET /api/v3/myAllocations`` and the WebSocket API's
``myAllocations``.

Rules (rest-api.md, Query Allocations; web-socket-api.md, Account allocations; faqs/sor_faq.md):
- Allocations come only from orders placed using smart order routing (``sor.py``): the
  account's allocations on ``symbol`` (the symbol the order was submitted to), oldest first,
  filtered by ``orderId``, ``fromAllocationId`` and the time range; with only ``endTime``, the
  newest ``limit`` until then ("newest allocations until endTime").
- USER_DATA: signed; weight 20. Parameters are checked as documented: ``symbol`` mandatory
  (an unknown one is -1121), only the documented combinations of ``startTime``, ``endTime``,
  ``fromAllocationId`` and ``orderId`` (-1128 otherwise), at most 24 hours between
  ``startTime`` and ``endTime`` (-1127), ``limit`` 1..1000 (default 500).
"""

from __future__ import annotations

from transports.sim.server.core import ServerState
from transports.sim.server.market import _limit
from transports.sim.server.params import ApiError, Params
from transports.sim.server.rest import Endpoint, _fixed

__all__ = ["ENDPOINTS", "WS_METHODS"]

# rest-api.md, Query Allocations: "Supported parameter combinations" (besides ``symbol``).
_COMBOS = frozenset(
    {
        frozenset(),
        frozenset({"startTime"}),
        frozenset({"endTime"}),
        frozenset({"startTime", "endTime"}),
        frozenset({"fromAllocationId"}),
        frozenset({"orderId"}),
        frozenset({"orderId", "fromAllocationId"}),
    }
)
_DAY_MS = 86_400_000


def _my_allocations(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.require("symbol")
    names = ("startTime", "endTime", "fromAllocationId", "orderId")
    values = {name: params.integer(name) for name in names}
    limit = _limit(params, 500, 1000)
    params.finish()
    given = frozenset(name for name, value in values.items() if value is not None)
    if given not in _COMBOS:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    start, end = values["startTime"], values["endTime"]
    # "The time between startTime and endTime can't be longer than 24 hours."
    if start is not None and end is not None and end - start > _DAY_MS:
        raise ApiError(-1127, "More than 24 hours between startTime and endTime.")
    if symbol not in state.symbols:
        raise ApiError(-1121, "Invalid symbol.")
    return state.exchange.my_allocations(
        account,
        symbol,
        order_id=values["orderId"],
        from_allocation_id=values["fromAllocationId"],
        start_time=start,
        end_time=end,
        limit=limit,
    )


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/myAllocations"): Endpoint(_my_allocations, _fixed(20)),
}

WS_METHODS: dict[str, Endpoint] = {"myAllocations": ENDPOINTS[("GET", "/api/v3/myAllocations")]}
