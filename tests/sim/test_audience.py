"""Events built only for heard accounts (``SimExchange.set_listener(..., audience)``).

The same actions run on two exchanges with the same seed and clock: one builds everyone's
events, the other only those of the accounts its audience names. Every answer is identical,
and an account's events are identical from the moment it is heard on (execution ids, the
order's report template built later, fills of an order whose NEW nobody heard).
"""

from __future__ import annotations

from collections.abc import Callable

from oms.testing.sim import BTC, limit, make_exchange, market
from oms.wire.amends import AmendKeepPriority
from oms.wire.enums import Side
from oms.wire.requests import CancelOrder
from transports.sim.exchange import SimExchange
from transports.wire import encode_json

from .support import D

BUY, SELL = Side.BUY, Side.SELL
Log = list[tuple[str, bytes]]


def _pair() -> tuple[list[SimExchange], Log, Log, set[str]]:
    every, _ = make_exchange("m", "t", seed=7)
    heard_only, _ = make_exchange("m", "t", seed=7)
    all_events: Log = []
    heard_events: Log = []
    heard = {"t"}
    every.set_listener(lambda a, e: all_events.append((a, encode_json(e))))
    heard_only.set_listener(
        lambda a, e: heard_events.append((a, encode_json(e))), heard.__contains__
    )
    return [every, heard_only], all_events, heard_events, heard


def _both(exchanges: list[SimExchange], action: Callable[[SimExchange], object]) -> None:
    answers = [encode_json(action(ex)) for ex in exchanges]
    assert answers[0] == answers[1]


def test_an_account_heard_later_gets_exactly_the_events_it_would_have_had() -> None:
    exchanges, every, heard_only, heard = _pair()
    _both(exchanges, lambda ex: ex.place_order("m", limit(SELL, "0.5", "60000", cid="ask")))
    _both(exchanges, lambda ex: ex.place_order("t", market(BUY, "0.1")))
    amend = AmendKeepPriority(symbol=BTC, orig_client_order_id="ask", new_qty=D("0.4"))
    _both(exchanges, lambda ex: ex.amend_keep_priority("m", amend))
    # Until now nothing of "m" was built; "t" got all of its events.
    assert [a for a, _ in heard_only] == ["t"] * 3  # NEW, TRADE, position
    assert heard_only == [(a, e) for a, e in every if a == "t"]

    heard.add("m")
    since = len(every), len(heard_only)
    _both(exchanges, lambda ex: ex.place_order("t", market(BUY, "0.1")))
    _both(
        exchanges,
        lambda ex: ex.cancel_order("m", CancelOrder(symbol=BTC, orig_client_order_id="ask")),
    )
    _both(exchanges, lambda ex: ex.place_order("m", limit(BUY, "0.1", "59000", cid="bid")))
    _both(exchanges, lambda ex: ex.deposit("m", "USDT", D("5")))
    assert heard_only[since[1] :] == every[since[0] :]
    assert {a for a, _ in every[since[0] :]} == {"m", "t"}

    heard.discard("m")  # unsubscribed again: nothing more is built for it
    since = len(every), len(heard_only)
    _both(
        exchanges,
        lambda ex: ex.cancel_order("m", CancelOrder(symbol=BTC, orig_client_order_id="bid")),
    )
    assert heard_only[since[1] :] == [] and len(every) > since[0]
    # The state behind the events is the same: trades, open orders, balances.
    for account in ("m", "t"):
        _both(exchanges, lambda ex, a=account: ex.my_trades(a, BTC))  # type: ignore[misc]
        _both(exchanges, lambda ex, a=account: ex.account_info(a))  # type: ignore[misc]


def test_the_first_fill_of_each_order_is_reported_heard_or_not() -> None:
    ex, _ = make_exchange("m", "t")
    firsts: list[str] = []
    ex.set_listener(lambda a, e: None, lambda a: False)
    ex.set_fill_listener(firsts.append)
    ex.place_order("m", limit(SELL, "0.3", "60000"))
    ex.place_order("t", market(BUY, "0.1"))  # the maker's and the taker's first fills
    ex.place_order("t", market(BUY, "0.1"))  # a new taker's first, the maker's second
    assert firsts == ["t", "m", "t"]
    ex.set_fill_listener(None)
    ex.place_order("t", market(BUY, "0.1"))
    assert firsts == ["t", "m", "t"]
