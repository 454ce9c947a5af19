"""An order parsed by the local server is trusted by the exchange (``checked=True``).

``new_order_from_params`` refuses every shape, range, precision and ``strategyType`` error
first, so ``check_params(..., checked=True)`` may skip those checks; this proves, over the
parameters a client can send, that every order the parse accepts gets the same verdict
(the same STP mode, or the same code and message) from the checks with and without the flag.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oms.testing.sim import make_exchange
from transports.sim.errors import SimError
from transports.sim.filters import SymbolFilters, check_params
from transports.sim.server.params import Params, new_order_from_params

_EX, _ = make_exchange("a")
_INFO = {s.symbol: s for s in _EX.exchange_info().symbols}
_RULES = {name: SymbolFilters(info) for name, info in _INFO.items()}

_AMOUNTS = st.sampled_from(
    ["", "0", "0.0", "1", "0.001", "0.00000001", "0.000000001", "50000.00", "50000.123456789",
     "99999999999999999999", "-1", "1e3", "12.50000000000"]
)  # fmt: skip
_OPTIONAL = {
    "timeInForce": st.sampled_from(["GTC", "IOC", "FOK", "BAD", ""]),
    "quantity": _AMOUNTS,
    "quoteOrderQty": _AMOUNTS,
    "price": _AMOUNTS,
    "stopPrice": _AMOUNTS,
    "icebergQty": _AMOUNTS,
    "trailingDelta": st.sampled_from(["10", "0", "x"]),
    "newClientOrderId": st.sampled_from(["abc", "a" * 36, "a" * 37, "bad id", "x\n"]),
    "strategyType": st.sampled_from(["999999", "1000000", "7"]),
    "strategyId": st.sampled_from(["1", "x"]),
    "selfTradePreventionMode": st.sampled_from(["NONE", "EXPIRE_TAKER", "DECREMENT", "BAD"]),
    "newOrderRespType": st.sampled_from(["ACK", "RESULT", "FULL"]),
}


_TYPES = ["LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT",
          "TAKE_PROFIT_LIMIT"]  # fmt: skip


# What each type needs (rest-api.md, New order), sent with legal values, so that most drawn
# requests pass the parse; the extras then add refusals and the rare combinations.
_NEEDS = {
    "LIMIT": ("timeInForce", "quantity", "price"),
    "MARKET": ("quantity",),
    "LIMIT_MAKER": ("quantity", "price"),
    "STOP_LOSS": ("quantity", "stopPrice"),
    "STOP_LOSS_LIMIT": ("timeInForce", "quantity", "price", "stopPrice"),
    "TAKE_PROFIT": ("quantity", "trailingDelta"),
    "TAKE_PROFIT_LIMIT": ("timeInForce", "quantity", "price", "stopPrice"),
}
_LEGAL = {"timeInForce": "GTC", "quantity": "0.001", "price": "50000.00", "stopPrice": "49000",
          "trailingDelta": "10"}  # fmt: skip


@st.composite
def _params(draw: st.DrawFn) -> dict[str, str]:
    kind = draw(st.sampled_from(_TYPES))
    values = {
        "symbol": draw(st.sampled_from(sorted(_INFO))),
        "side": draw(st.sampled_from(["BUY", "SELL"])),
        "type": kind,
    }
    for name in _NEEDS[kind]:
        values[name] = _LEGAL[name]
    if kind == "MARKET":  # quantity, quoteOrderQty (maybe zero) or both
        sent = draw(
            st.sampled_from([("quantity",), ("quoteOrderQty",), ("quantity", "quoteOrderQty")])
        )
        values.pop("quantity")
        for name in sent:
            values[name] = draw(st.sampled_from(["0.001", "10", "0", "0.00"]))
    for name in draw(st.sets(st.sampled_from(sorted(_OPTIONAL)), max_size=2)):
        values[name] = draw(_OPTIONAL[name])
    return values


def _verdict(values: dict[str, str], checked: bool) -> object:
    order = new_order_from_params(Params(dict(values)), _INFO)
    try:
        return check_params(_RULES[order.symbol], order, checked=checked)
    except SimError as exc:
        return exc.code, exc.msg


@given(_params())
def test_a_parsed_order_gets_the_same_verdict_checked_or_not(values: dict[str, str]) -> None:
    try:
        new_order_from_params(Params(dict(values)), _INFO)
    except SimError:
        return  # refused by the parse: the exchange never sees it
    assert _verdict(values, checked=True) == _verdict(values, checked=False)


def test_the_checks_the_parse_cannot_make_are_still_made() -> None:
    both = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1",
            "quoteOrderQty": "10"}  # fmt: skip
    not_required = (-1106, "Parameter 'quoteOrderQty' sent when not required.")
    assert _verdict(both, checked=True) == not_required
    zero = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "0"}
    assert _verdict(zero, checked=True) == _verdict(zero, checked=False)
    assert isinstance(_verdict(zero, checked=True), tuple)
