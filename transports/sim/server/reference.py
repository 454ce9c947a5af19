"""Price Range execution rules and reference prices on the local server (REST and WebSocket API).

Rules (faqs/price_range_execution_rules.md; rest-api.md, Query Execution Rules, Query Reference
Price, Query Reference Price Calculation; web-socket-api.md, the same sections):
- The simulated exchange configures no ``PRICE_RANGE`` rule and calculates no reference price,
  so the rule is never enforced ("What happens if a symbol has no execution rule of type
  PRICE_RANGE and no reference price?": not enforced) and the filters that would use a
  reference price keep their previous behaviour (CHANGELOG.md, PERCENT_PRICE ... use reference
  price "when it exists"). The answers say exactly that: every symbol is listed with no rules,
  and the reference price queries answer -2043 "This symbol doesn't have a reference price."
  (the documented answer when a reference price "has never been set" / "is not being
  calculated").
- Parameters are checked as documented before anything is answered: ``symbol`` / ``symbols`` /
  ``symbolStatus`` are mutually exclusive on executionRules (-1128), an unknown symbol is -1121,
  a bad ``symbolStatus`` -1122 and a status that does not match -1220 (as on the other market
  data endpoints).
- Weights: executionRules 2 for ``symbol``, 2 per symbol capped at 40 for ``symbols``, 40
  otherwise; both reference price queries 2.
"""

from __future__ import annotations

from transports.sim.server.core import ServerState
from transports.sim.server.market import _check_status
from transports.sim.server.params import ApiError, Params
from transports.sim.server.rest import Endpoint, _fixed, _symbols_param

__all__ = ["ENDPOINTS", "WS_METHODS", "execution_rules_weight"]

_STATUSES = ("TRADING", "HALT", "BREAK")


def execution_rules_weight(params: Params) -> int:
    # rest-api.md, Query Execution Rules: symbol 2; symbols 2 each, capped at 40; else 40.
    if "symbol" in params:
        return 2
    raw = params.raw("symbols")
    if raw is None:
        return 40
    return min(2 * max(1, raw.count(",") + 1), 40)


def _execution_rules(state: ServerState, params: Params, account: str | None) -> object:
    status = params.text("symbolStatus")
    symbols = _symbols_param(params)
    # "No combination of multiple parameters is allowed." (rest-api.md, Query Execution Rules)
    if status is not None and symbols is not None:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    if status is not None and status not in _STATUSES:
        raise ApiError(-1122, "Invalid symbolStatus.")
    params.finish()
    listed = state.exchange.exchange_info(symbols).symbols
    if status is not None:
        listed = tuple(s for s in listed if s.status == status)
    # No PRICE_RANGE rule is configured on any simulated symbol (module docstring).
    return {"symbolRules": [{"symbol": s.symbol, "rules": []} for s in listed]}


def _known_symbol(state: ServerState, params: Params) -> str:
    symbol = params.require("symbol")
    if symbol not in state.symbols:
        raise ApiError(-1121, "Invalid symbol.")
    return symbol


def _no_reference_price() -> ApiError:
    # errors.md, -2043 NO_REFERENCE_PRICE; rest-api.md, Query Reference Price: "If no reference
    # price has ever been set". web-socket-api.md shows this answer once under status 200
    # (Query Reference Price) and once as a 400 error (Query Reference Price Calculation); it
    # is sent here as the error it is, on both APIs (HTTP 400).
    return ApiError(-2043, "This symbol doesn't have a reference price.")


def _reference_price(state: ServerState, params: Params, account: str | None) -> object:
    _known_symbol(state, params)
    params.finish()
    raise _no_reference_price()


def _reference_calculation(state: ServerState, params: Params, account: str | None) -> object:
    symbol = _known_symbol(state, params)
    _check_status(state, params, symbol)
    params.finish()
    raise _no_reference_price()


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/executionRules"): Endpoint(
        _execution_rules, execution_rules_weight, signed=False
    ),
    ("GET", "/api/v3/referencePrice"): Endpoint(_reference_price, _fixed(2), signed=False),
    ("GET", "/api/v3/referencePrice/calculation"): Endpoint(
        _reference_calculation, _fixed(2), signed=False
    ),
}

# web-socket-api.md, Query Execution Rules / Query Reference Price / ... Calculation.
WS_METHODS: dict[str, Endpoint] = {
    "executionRules": ENDPOINTS[("GET", "/api/v3/executionRules")],
    "referencePrice": ENDPOINTS[("GET", "/api/v3/referencePrice")],
    "referencePrice.calculation": ENDPOINTS[("GET", "/api/v3/referencePrice/calculation")],
}
