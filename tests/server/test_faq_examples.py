"""Binance's FAQ worked examples, reproduced on the local exchange over REST and the WebSocket API.

Each test sets up the book and account state the FAQ describes, sends the FAQ's requests and
asserts its outcome exactly (faqs/stp_faq.md, faqs/market_orders_faq.md,
faqs/trailing-stop-faq.md, faqs/order_amend_keep_priority.md, faqs/order_count_decrement.md,
faqs/commission_faq.md, faqs/sor_faq.md), and that what is not simulated is refused as
Binance refuses it (faqs/pegged_orders.md, faqs/price_range_execution_rules.md). Absolute ids
are not asserted: the FAQs' ids (orderId 0, preventedMatchId 0, ...) come from symbols with
their own history; the relations between ids are. Where an FAQ is ambiguous the test says so
(and docs/local-exchange-coverage.md, Binance's FAQ examples).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from oms.testing.sim import limit
from oms.wire.enums import Side
from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    BOB_KEY,
    BOB_SECRET,
    START_MS,
    Harness,
    RestClient,
    ServeFactory,
    WsClient,
    accounts,
)
from tests.sim.test_sor import FAQ_BIDS, faq_exchange, fill
from transports.sim.config import Commission, SimConfig, make_symbol
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.server.app import ApiAccount, ServerOptions

D = Decimal
BTC = "BTCUSDT"


def _exchange(clock: ManualClock, reference: str, **config: Any) -> SimExchange:
    """BTCUSDT alone, priced around ``reference``, with a minimum notional small enough for the
    FAQs' 1-USDT orders; alice (the FAQs' "you"), bob, carol and maker funded."""
    symbol = make_symbol(BTC, "BTC", "USDT", min_notional="0.01")
    exchange = SimExchange(
        clock=clock,
        config=SimConfig(symbols=(symbol,), reference_prices={BTC: D(reference)}, **config),
    )
    for name in ("alice", "bob", "carol", "maker"):
        exchange.create_account(name, {"USDT": D("1000000"), "BTC": D("100"), "BNB": D("1000")})
    return exchange


async def _serve(serve: ServeFactory, reference: str, **config: Any) -> Harness:
    clock = ManualClock(START_MS)
    return await serve(exchange=_exchange(clock, reference, **config), clock=clock)


def _limit(side: str, qty: str, price: str, stp: str = "NONE", **extra: str) -> dict[str, str]:
    return {
        "symbol": BTC, "side": side, "type": "LIMIT", "timeInForce": "GTC", "quantity": qty,
        "price": price, "selfTradePreventionMode": stp, **extra,
    }  # fmt: skip


async def _place(rest: RestClient, params: dict[str, str]) -> dict[str, Any]:
    reply = await rest.signed("POST", "/v3/order", {**params, "newOrderRespType": "FULL"})
    assert reply.status == 200, reply.body
    return reply.json()  # type: ignore[no-any-return]


async def _query(rest: RestClient, order_id: int) -> dict[str, Any]:
    reply = await rest.signed("GET", "/v3/order", {"symbol": BTC, "orderId": order_id})
    assert reply.status == 200, reply.body
    return reply.json()  # type: ignore[no-any-return]


def _pick(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: data.get(k, "<absent>") for k in keys}


_STATE = ("status", "executedQty", "cummulativeQuoteQty")


async def _user_stream(h: Harness) -> WsClient:
    ws = await h.ws()
    params = ws.signed_params(ALICE_KEY, ALICE_SECRET)
    assert (await ws.call("userDataStream.subscribe.signature", params))["status"] == 200
    return ws


async def _reports(ws: WsClient) -> list[dict[str, Any]]:
    frames = await ws.events_for(0.3)
    return [f["event"] for f in frames if f["event"].get("e") == "executionReport"]


# faqs/stp_faq.md, STP Examples -------------------------------------------------------------


async def test_stp_scenario_a_none_matches(serve: ServeFactory) -> None:
    """Scenario A: maker and taker NONE: no STP, the orders match."""
    h = await _serve(serve, "1")
    rest = h.rest()
    maker = await _place(rest, _limit("BUY", "1", "1"))
    taker = await _place(rest, _limit("SELL", "1", "1"))
    assert _pick(taker, *_STATE, "selfTradePreventionMode") == {
        "status": "FILLED", "executedQty": "1.00000000", "cummulativeQuoteQty": "1.00000000",
        "selfTradePreventionMode": "NONE",
    }  # fmt: skip
    assert [_pick(f, "price", "qty", "commission", "commissionAsset") for f in taker["fills"]] == [
        {"price": "1.00000000", "qty": "1.00000000", "commission": "0.00000000",
         "commissionAsset": "USDT"},
    ]  # fmt: skip
    assert "preventedMatches" not in taker
    made = await _query(rest, maker["orderId"])
    assert _pick(made, *_STATE, "isWorking") == {
        "status": "FILLED", "executedQty": "1.00000000", "cummulativeQuoteQty": "1.00000000",
        "isWorking": True,
    }  # fmt: skip
    assert "preventedMatchId" not in made


async def _three_makers(rest: RestClient) -> list[int]:
    ids = []
    for qty, price in (("1.2", "1.2"), ("1.3", "1.1"), ("8.1", "1")):
        ids.append((await _place(rest, _limit("BUY", qty, price)))["orderId"])
    return ids


async def test_stp_scenario_b_expire_maker_expires_every_maker(serve: ServeFactory) -> None:
    """Scenario B: an EXPIRE_MAKER taker expires the three makers it would match, one
    prevented match each, and goes on the book."""
    h = await _serve(serve, "1")
    rest = h.rest()
    makers = await _three_makers(rest)
    taker = await _place(rest, _limit("SELL", "3", "1", "EXPIRE_MAKER"))
    assert _pick(taker, *_STATE, "fills", "selfTradePreventionMode") == {
        "status": "NEW", "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000",
        "fills": [], "selfTradePreventionMode": "EXPIRE_MAKER",
    }  # fmt: skip
    matches = taker["preventedMatches"]
    first = matches[0]["preventedMatchId"]
    # Ambiguous: Scenarios B-F (2023) show no "makerSymbol"; Scenario H (2025) does, and
    # CHANGELOG.md 2023-08-08 added it "for all prevented matches": it is shown.
    assert matches == [
        {"preventedMatchId": first, "makerSymbol": BTC, "makerOrderId": makers[0],
         "price": "1.20000000", "makerPreventedQuantity": "1.20000000"},
        {"preventedMatchId": first + 1, "makerSymbol": BTC, "makerOrderId": makers[1],
         "price": "1.10000000", "makerPreventedQuantity": "1.30000000"},
        {"preventedMatchId": first + 2, "makerSymbol": BTC, "makerOrderId": makers[2],
         "price": "1.00000000", "makerPreventedQuantity": "8.10000000"},
    ]  # fmt: skip
    # The taker's own answer has no preventedQuantity: none of its quantity was prevented.
    assert "preventedQuantity" not in taker
    for n, (order_id, qty) in enumerate(zip(makers, ("1.2", "1.3", "8.1"), strict=True)):
        made = await _query(rest, order_id)
        assert _pick(made, *_STATE, "preventedMatchId", "preventedQuantity") == {
            "status": "EXPIRED_IN_MATCH", "executedQty": "0.00000000",
            "cummulativeQuoteQty": "0.00000000", "preventedMatchId": first + n,
            "preventedQuantity": f"{D(qty):.8f}",
        }  # fmt: skip
    depth = (await rest.public("/v3/depth", {"symbol": BTC})).json()
    assert (depth["bids"], depth["asks"]) == ([], [["1.00000000", "3.00000000"]])


async def test_stp_scenario_c_expire_taker_keeps_the_makers(serve: ServeFactory) -> None:
    """Scenario C: an EXPIRE_TAKER taker expires, whole; the makers stay on the book."""
    h = await _serve(serve, "1")
    rest = h.rest()
    makers = await _three_makers(rest)
    answer = await _place(rest, _limit("SELL", "3", "1", "EXPIRE_TAKER"))
    taker = await _query(rest, answer["orderId"])
    assert _pick(taker, *_STATE, "selfTradePreventionMode", "preventedQuantity") == {
        "status": "EXPIRED_IN_MATCH", "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000", "selfTradePreventionMode": "EXPIRE_TAKER",
        "preventedQuantity": "3.00000000",
    }  # fmt: skip
    assert taker["preventedMatchId"] == answer["preventedMatches"][0]["preventedMatchId"]
    (match,) = answer["preventedMatches"]
    assert _pick(match, "makerOrderId", "takerPreventedQuantity", "makerPreventedQuantity") == {
        "makerOrderId": makers[0], "takerPreventedQuantity": "3.00000000",
        "makerPreventedQuantity": "<absent>",
    }  # fmt: skip
    # What is a Prevented Match?: "makerPreventedQuantity ... Only appears if the STP mode is
    # EXPIRE_MAKER, EXPIRE_BOTH, or DECREMENT".
    (record,) = (await rest.signed("GET", "/v3/myPreventedMatches", {"symbol": BTC,
                 "orderId": answer["orderId"]})).json()  # fmt: skip
    assert _pick(record, "takerPreventedQuantity", "makerPreventedQuantity") == {
        "takerPreventedQuantity": "3.00000000", "makerPreventedQuantity": "<absent>",
    }  # fmt: skip
    for order_id in makers:
        made = await _query(rest, order_id)
        assert (made["status"], made["executedQty"]) == ("NEW", "0.00000000")
        assert "preventedMatchId" not in made and "preventedQuantity" not in made


async def test_stp_scenario_d_expire_both(serve: ServeFactory) -> None:
    """Scenario D: EXPIRE_BOTH expires the maker (1) and the taker (3)."""
    h = await _serve(serve, "1")
    rest = h.rest()
    maker = await _place(rest, _limit("BUY", "1", "1"))
    taker = await _place(rest, _limit("SELL", "3", "1", "EXPIRE_BOTH"))
    assert _pick(taker, *_STATE, "fills", "preventedQuantity") == {
        "status": "EXPIRED_IN_MATCH", "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000", "fills": [], "preventedQuantity": "3.00000000",
    }  # fmt: skip
    (match,) = taker["preventedMatches"]
    assert _pick(match, "makerOrderId", "price", "takerPreventedQuantity",
                 "makerPreventedQuantity") == {
        "makerOrderId": maker["orderId"], "price": "1.00000000",
        "takerPreventedQuantity": "3.00000000", "makerPreventedQuantity": "1.00000000",
    }  # fmt: skip
    made = await _query(rest, maker["orderId"])
    assert _pick(made, "status", "preventedMatchId", "preventedQuantity") == {
        "status": "EXPIRED_IN_MATCH", "preventedMatchId": match["preventedMatchId"],
        "preventedQuantity": "1.00000000",
    }  # fmt: skip
    # What is a Prevented Match?: the record, in the sample's order (plus makerSymbol).
    reply = await rest.signed("GET", "/v3/myPreventedMatches", {"symbol": BTC,
                              "preventedMatchId": match["preventedMatchId"]})  # fmt: skip
    (record,) = reply.json()
    assert record == {
        "symbol": BTC, "preventedMatchId": match["preventedMatchId"],
        "takerOrderId": taker["orderId"], "makerSymbol": BTC, "makerOrderId": maker["orderId"],
        "tradeGroupId": -1, "selfTradePreventionMode": "EXPIRE_BOTH", "price": "1.00000000",
        "takerPreventedQuantity": "3.00000000", "makerPreventedQuantity": "1.00000000",
        "transactTime": taker["transactTime"],
    }  # fmt: skip
    assert list(record)[-3:] == ["takerPreventedQuantity", "makerPreventedQuantity",
                                 "transactTime"]  # fmt: skip
    # Ambiguous: the FAQ's taker answer shows "tradeGroupId": 1 though the scenario is one
    # account; no other example without a trade group shows it, nor does rest-api.md's
    # response for an account outside a group. It is left out here.
    assert "tradeGroupId" not in taker


async def test_stp_prevented_quantity_on_the_user_data_stream(serve: ServeFactory) -> None:
    """What is "prevented quantity?": a TRADE_PREVENTION report per order cut, with ``A``
    (cumulative) equal to ``B`` (this event) for the EXPIRE_ modes, here Scenario D's
    EXPIRE_BOTH: the maker's 1 and the taker's 3, each naming the other (``U``)."""
    h = await _serve(serve, "1")
    rest = h.rest()
    maker = await _place(rest, _limit("BUY", "1", "1"))
    ws = await _user_stream(h)
    taker = await _place(rest, _limit("SELL", "3", "1", "EXPIRE_BOTH"))
    match_id = taker["preventedMatches"][0]["preventedMatchId"]
    keys = ("X", "i", "v", "A", "B", "U", "z", "l")
    prevented = {
        r["i"]: _pick(r, *keys) for r in await _reports(ws) if r["x"] == "TRADE_PREVENTION"
    }
    assert prevented == {
        maker["orderId"]: {
            "X": "EXPIRED_IN_MATCH", "i": maker["orderId"], "v": match_id, "A": "1.00000000",
            "B": "1.00000000", "U": taker["orderId"], "z": "0.00000000", "l": "0.00000000",
        },
        taker["orderId"]: {
            "X": "EXPIRED_IN_MATCH", "i": taker["orderId"], "v": match_id, "A": "3.00000000",
            "B": "3.00000000", "U": maker["orderId"], "z": "0.00000000", "l": "0.00000000",
        },
    }  # fmt: skip


async def test_stp_mode_not_allowed_on_the_symbol(serve: ServeFactory) -> None:
    """How do I know which symbol uses STP?: a symbol with default NONE and allowed NONE,
    EXPIRE_TAKER, EXPIRE_BOTH: no mode sent is NONE; EXPIRE_MAKER is -1013 "This symbol does
    not allow the specified self-trade prevention mode."."""
    clock = ManualClock(START_MS)
    symbol = msgspec.structs.replace(
        make_symbol(BTC, "BTC", "USDT", min_notional="0.01", default_stp="NONE"),
        allowed_self_trade_prevention_modes=("NONE", "EXPIRE_TAKER", "EXPIRE_BOTH"),
    )
    exchange = SimExchange(
        clock=clock, config=SimConfig(symbols=(symbol,), reference_prices={BTC: D(1)})
    )
    exchange.create_account("alice", {"USDT": D(100), "BTC": D(100)})
    h = await serve(exchange=exchange, clock=clock)
    rest = h.rest()
    plain = _limit("BUY", "1", "1")
    del plain["selfTradePreventionMode"]
    assert (await _place(rest, plain))["selfTradePreventionMode"] == "NONE"
    for mode in ("NONE", "EXPIRE_TAKER", "EXPIRE_BOTH"):
        assert (await _place(rest, _limit("BUY", "1", "1", mode)))["status"] == "NEW"
    refused = await rest.signed("POST", "/v3/order", _limit("BUY", "1", "1", "EXPIRE_MAKER"))
    msg = "This symbol does not allow the specified self-trade prevention mode."
    assert (refused.status, refused.json()) == (400, {"code": -1013, "msg": msg})


async def test_stp_scenario_e_the_takers_mode_decides(serve: ServeFactory) -> None:
    """Scenario E: maker EXPIRE_MAKER, taker EXPIRE_TAKER: the taker's mode applies."""
    h = await _serve(serve, "1")
    rest = h.rest()
    maker = await _place(rest, _limit("BUY", "1", "1", "EXPIRE_MAKER"))
    taker = await _place(rest, _limit("SELL", "1", "1", "EXPIRE_TAKER"))
    assert _pick(taker, "status", "fills", "preventedQuantity", "selfTradePreventionMode") == {
        "status": "EXPIRED_IN_MATCH", "fills": [], "preventedQuantity": "1.00000000",
        "selfTradePreventionMode": "EXPIRE_TAKER",
    }  # fmt: skip
    (match,) = taker["preventedMatches"]
    assert _pick(match, "makerOrderId", "price", "takerPreventedQuantity",
                 "makerPreventedQuantity") == {
        "makerOrderId": maker["orderId"], "price": "1.00000000",
        "takerPreventedQuantity": "1.00000000", "makerPreventedQuantity": "<absent>",
    }  # fmt: skip
    made = await _query(rest, maker["orderId"])
    assert _pick(made, "status", "selfTradePreventionMode", "preventedQuantity") == {
        "status": "NEW", "selfTradePreventionMode": "EXPIRE_MAKER",
        "preventedQuantity": "<absent>",
    }  # fmt: skip


async def test_stp_result_answers_carry_the_prevented_matches(serve: ServeFactory) -> None:
    """CHANGELOG.md 2023-01-26: ``preventedMatches`` "will appear for all order placement
    endpoints if there was a prevented match": a RESULT answer (Scenario E's orders) too,
    and not an ACK."""
    h = await _serve(serve, "1")
    rest = h.rest()
    maker = await _place(rest, _limit("BUY", "1", "1", "EXPIRE_MAKER"))
    answers = []
    for kind in ("RESULT", "ACK"):
        order = {**_limit("SELL", "1", "1", "EXPIRE_TAKER"), "newOrderRespType": kind}
        answers.append((await rest.signed("POST", "/v3/order", order)).json())
    result, ack = answers
    (match,) = result["preventedMatches"]
    assert (result["status"], match["makerOrderId"], match["takerPreventedQuantity"]) == (
        "EXPIRED_IN_MATCH", maker["orderId"], "1.00000000",
    )  # fmt: skip
    assert "preventedMatches" not in ack and "status" not in ack


async def test_stp_scenario_f_market_expire_maker(serve: ServeFactory) -> None:
    """Scenario F: a MARKET EXPIRE_MAKER taker expires the maker (EXPIRED_IN_MATCH) and
    itself expires EXPIRED for want of liquidity."""
    h = await _serve(serve, "1")
    rest = h.rest()
    maker = await _place(rest, _limit("BUY", "1", "1"))
    market = {"symbol": BTC, "side": "SELL", "type": "MARKET", "quantity": "1",
              "selfTradePreventionMode": "EXPIRE_MAKER"}  # fmt: skip
    taker = await _place(rest, market)
    assert _pick(taker, *_STATE, "price", "fills", "timeInForce", "preventedQuantity") == {
        "status": "EXPIRED", "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000",
        "price": "0.00000000", "fills": [], "timeInForce": "GTC", "preventedQuantity": "<absent>",
    }  # fmt: skip
    (match,) = taker["preventedMatches"]
    assert _pick(match, "makerOrderId", "price", "makerPreventedQuantity") == {
        "makerOrderId": maker["orderId"], "price": "1.00000000",
        "makerPreventedQuantity": "1.00000000",
    }  # fmt: skip
    made = await _query(rest, maker["orderId"])
    assert _pick(made, "status", "preventedMatchId", "preventedQuantity") == {
        "status": "EXPIRED_IN_MATCH", "preventedMatchId": match["preventedMatchId"],
        "preventedQuantity": "1.00000000",
    }  # fmt: skip


async def test_stp_scenario_g_decrement_over_rest(serve: ServeFactory) -> None:
    """Scenario G: DECREMENT: both orders' preventedQuantity 2; the taker (its whole 2)
    expires, the maker of 6 stays NEW."""
    h = await _serve(serve, "2")
    rest = h.rest()
    maker = await _place(rest, _limit("BUY", "6", "2"))
    answer = await _place(rest, _limit("SELL", "2", "2", "DECREMENT"))
    taker = await _query(rest, answer["orderId"])
    made = await _query(rest, maker["orderId"])
    assert _pick(taker, *_STATE, "preventedQuantity") == {
        "status": "EXPIRED_IN_MATCH", "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000", "preventedQuantity": "2.00000000",
    }  # fmt: skip
    assert _pick(made, *_STATE, "preventedQuantity", "preventedMatchId") == {
        "status": "NEW", "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000",
        "preventedQuantity": "2.00000000", "preventedMatchId": taker["preventedMatchId"],
    }  # fmt: skip
    # What is "prevented quantity?": original - executed - prevented = available: 6 - 0 - 2.
    depth = (await rest.public("/v3/depth", {"symbol": BTC})).json()
    assert depth["bids"] == [["2.00000000", "4.00000000"]]
    # Ambiguous: the FAQ's maker shows "selfTradePreventionMode": "DECREMENT" though it was
    # placed with NONE; an order keeps the mode it was placed with (rest-api.md, Query order).
    assert made["selfTradePreventionMode"] == "NONE"


async def test_stp_scenario_h_transfer_balances(serve: ServeFactory) -> None:
    """Scenario H: TRANSFER between two accounts of trade group 1, both at 20000 BTC and 20000
    USDT: the balances after are the FAQ's to the last digit."""
    clock = ManualClock(START_MS)
    exchange = _exchange(clock, "0.2")
    for name in ("alice", "bob"):
        exchange.create_account(name + "2", {"BTC": D("20000"), "USDT": D("20000")})
        exchange.set_trade_group(name + "2", 1)
    keys = [
        ApiAccount(account=a.account + "2", api_key=a.api_key, secret=a.secret)
        for a in accounts()
        if a.account in ("alice", "bob")
    ]
    h = await serve(exchange=exchange, clock=clock, api_accounts=keys)
    maker_rest, taker_rest = h.rest(), h.rest(BOB_KEY, BOB_SECRET)
    maker = await _place(maker_rest, _limit("BUY", "0.6", "0.2", "TRANSFER"))
    taker = await _place(taker_rest, _limit("SELL", "0.2", "0.2", "TRANSFER"))
    assert _pick(taker, *_STATE, "preventedQuantity", "tradeGroupId") == {
        "status": "EXPIRED_IN_MATCH", "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000", "preventedQuantity": "0.20000000",
        "tradeGroupId": 1,
    }  # fmt: skip
    (match,) = taker["preventedMatches"]
    assert _pick(match, "makerSymbol", "makerOrderId", "price", "takerPreventedQuantity",
                 "makerPreventedQuantity") == {
        "makerSymbol": BTC, "makerOrderId": maker["orderId"], "price": "0.20000000",
        "takerPreventedQuantity": "0.20000000", "makerPreventedQuantity": "0.20000000",
    }  # fmt: skip
    made = await _query(maker_rest, maker["orderId"])
    assert _pick(made, "status", "preventedQuantity") == {
        "status": "NEW", "preventedQuantity": "0.20000000",
    }  # fmt: skip
    # What is a Trade Group Id?: GET /api/v3/account shows it.
    for client in (maker_rest, taker_rest):
        assert (await client.signed("GET", "/v3/account")).json()["tradeGroupId"] == 1
    assert await _balances(maker_rest) == {
        "BTC": ("20000.20000000", "0.00000000"), "USDT": ("19999.88000000", "0.08000000"),
    }  # fmt: skip
    assert await _balances(taker_rest) == {
        "BTC": ("19999.80000000", "0.00000000"), "USDT": ("20000.04000000", "0.00000000"),
    }  # fmt: skip


async def _balances(rest: RestClient) -> dict[str, tuple[str, str]]:
    account = (await rest.signed("GET", "/v3/account", {"omitZeroBalances": "true"})).json()
    return {b["asset"]: (b["free"], b["locked"]) for b in account["balances"]}


# faqs/market_orders_faq.md ------------------------------------------------------------------


async def test_market_order_expires_for_want_of_liquidity(serve: ServeFactory) -> None:
    """A MARKET BUY of 6 against 2 + 2 at 1: 4 filled, the rest expired: status EXPIRED, and
    the user data stream's NEW, TRADE, TRADE, EXPIRED reports with the sample's fields.

    The sample's symbol is LTCBNB and its commission is paid in BNB (0.001 a fill); here
    BTCUSDT with a taker rate of 0.0005 charges the same 0.001, in the received BTC (paying
    commission in BNB is not simulated)."""
    h = await _serve(serve, "1", taker_commission=D("0.0005"))
    for _ in range(2):
        h.exchange.place_order("maker", limit(Side.SELL, "2", "1"))
    ws = await _user_stream(h)
    rest = h.rest()
    market = {"symbol": BTC, "side": "BUY", "type": "MARKET", "quantity": "6"}
    answer = await _place(rest, market)
    assert _pick(answer, *_STATE, "price", "origQty", "timeInForce", "type", "side") == {
        "status": "EXPIRED", "executedQty": "4.00000000", "cummulativeQuoteQty": "4.00000000",
        "price": "0.00000000", "origQty": "6.00000000", "timeInForce": "GTC", "type": "MARKET",
        "side": "BUY",
    }  # fmt: skip
    assert answer["workingTime"] == answer["transactTime"]
    fills = [_pick(f, "price", "qty", "commission", "commissionAsset") for f in answer["fills"]]
    assert fills == 2 * [
        {"price": "1.00000000", "qty": "2.00000000", "commission": "0.00100000",
         "commissionAsset": "BTC"},
    ]  # fmt: skip
    trade_ids = [f["tradeId"] for f in answer["fills"]]
    assert trade_ids[1] == trade_ids[0] + 1
    keys = ("x", "X", "l", "z", "L", "n", "N", "t", "w", "m", "Z", "Y", "q", "p", "f", "o")
    frames = [f["event"] for f in await ws.events_for(0.3)]
    got = [_pick(r, *keys) for r in frames if r["e"] == "executionReport"]
    # Then one outboundAccountPosition: 4 BTC less 0.002 commission in, 4 USDT out.
    (position,) = [f for f in frames if f["e"] == "outboundAccountPosition"]
    assert frames[-1] is position
    assert {b["a"]: (b["f"], b["l"]) for b in position["B"]} == {
        "BTC": ("103.99800000", "0.00000000"), "USDT": ("999996.00000000", "0.00000000"),
    }  # fmt: skip
    base = {"q": "6.00000000", "p": "0.00000000", "f": "GTC", "o": "MARKET", "m": False}
    zero = {"l": "0.00000000", "L": "0.00000000", "n": "0", "N": None, "t": -1, "Y": "0.00000000"}
    assert got == [
        {**base, **zero, "x": "NEW", "X": "NEW", "z": "0.00000000", "w": True,
         "Z": "0.00000000"},
        {**base, "x": "TRADE", "X": "PARTIALLY_FILLED", "l": "2.00000000", "z": "2.00000000",
         "L": "1.00000000", "n": "0.00100000", "N": "BTC", "t": trade_ids[0], "w": False,
         "Z": "2.00000000", "Y": "2.00000000"},
        {**base, "x": "TRADE", "X": "PARTIALLY_FILLED", "l": "2.00000000", "z": "4.00000000",
         "L": "1.00000000", "n": "0.00100000", "N": "BTC", "t": trade_ids[1], "w": False,
         "Z": "4.00000000", "Y": "2.00000000"},
        {**base, **zero, "x": "EXPIRED", "X": "EXPIRED", "z": "4.00000000", "w": False,
         "Z": "4.00000000"},
    ]  # fmt: skip


async def test_market_order_without_the_balance_is_rejected(serve: ServeFactory) -> None:
    """ "If you do not have sufficient balance for the order to be completely filled, the order
    will be rejected." carol holds 5 USDT; a MARKET BUY of 6 at 1 is refused, nothing trades."""
    clock = ManualClock(START_MS)
    exchange = _exchange(clock, "1")
    exchange.create_account("carol2", {"USDT": D(5)})
    exchange.place_order("maker", limit(Side.SELL, "10", "1"))
    h = await serve(
        exchange=exchange,
        clock=clock,
        api_accounts=[ApiAccount(account="carol2", api_key=BOB_KEY, secret=BOB_SECRET)],
    )
    rest = h.rest(BOB_KEY, BOB_SECRET)
    market = {"symbol": BTC, "side": "BUY", "type": "MARKET", "quantity": "6"}
    reply = await rest.signed("POST", "/v3/order", market)
    assert (reply.status, reply.json()) == (
        400, {"code": -2010, "msg": "Account has insufficient balance for requested action."},
    )  # fmt: skip
    assert (await rest.public("/v3/depth", {"symbol": BTC})).json()["asks"] == [
        ["1.00000000", "10.00000000"]
    ]


# faqs/trailing-stop-faq.md, Trailing Stop Order Scenarios -----------------------------------


def _trade(h: Harness, price: Decimal) -> int:
    """One trade of 0.001 at ``price`` between two other accounts, a second after the last;
    its time."""
    now = h.clock.advance(1000)
    h.exchange.place_order("maker", limit(Side.SELL, "0.001", str(price)))
    h.exchange.place_order("bob", limit(Side.BUY, "0.001", str(price)))
    return now


def _walk(h: Harness, start: Decimal, end: Decimal) -> dict[Decimal, int]:
    """ "A series of linear trades" from ``start`` (excluded) to ``end``, 500 apart: the
    time of each trade by price."""
    step = D(500) if end > start else D(-500)
    times: dict[Decimal, int] = {}
    price = start
    while price != end:
        price = price + step if abs(end - price) > 500 else end
        times[price] = _trade(h, price)
    return times


async def _dormant(rest: RestClient, order_id: int) -> dict[str, Any]:
    """The order still waits off the book."""
    order = await _query(rest, order_id)
    assert _pick(order, "status", "isWorking", "workingTime") == {
        "status": "NEW", "isWorking": False, "workingTime": -1,
    }, order  # fmt: skip
    return order


async def _scenario(
    serve: ServeFactory,
    order: dict[str, str],
    waypoints: list[str],
    tracking_from: str | None,
    just_short: str,
    trigger: str,
) -> None:
    """Place ``order`` after a trade at 40,000, walk the market through ``waypoints``
    (checking the order stays dormant), then to one tick short of ``trigger`` (dormant), then to
    ``trigger``: the order triggers and works at its limit price. ``tracking_from``: the
    stopPrice whose first trade starts the tracking (trailingTime), None: from placement."""
    h = await _serve(serve, "40000")
    rest = h.rest()
    ws = await _user_stream(h)
    _trade(h, D(40000))
    params = {"symbol": BTC, "timeInForce": "GTC", "quantity": "0.01", **order}
    placed = await _place(rest, params)
    assert (placed["status"], placed["trailingDelta"]) == ("NEW", int(order["trailingDelta"]))
    # rest-api.md, Conditional fields in Order Responses: trailingTime -1 until the order
    # tracks; without stopPrice it tracks from its placement (Scenario E).
    assert placed["trailingTime"] == (-1 if tracking_from else placed["transactTime"])
    oid = placed["orderId"]
    times: dict[Decimal, int] = {}
    last = D(40000)
    for point in waypoints:
        times = _walk(h, last, D(point)) | times  # the first trade at each price
        last = D(point)
        await _dormant(rest, oid)
    waiting = await _dormant(rest, oid)
    if tracking_from is not None:
        # "the first trade that meets this condition sets the lowest/highest price"
        assert waiting["trailingTime"] == times[D(tracking_from)]
    _walk(h, last, D(just_short))
    await _dormant(rest, oid)
    armed = await _reports(ws)
    when = _trade(h, D(trigger))
    # user-data-stream.md, Order Update: the placement's NEW (w false, no W), then at the
    # trigger a NEW with w true, W the trigger's time and D the time tracking began.
    keys = ("x", "X", "w", "W", "d", "D", "P")
    stop = f"{D(order.get('stopPrice', 0)):.8f}"
    tracking = placed["transactTime"] if tracking_from is None else waiting["trailingTime"]
    delta = int(order["trailingDelta"])
    assert [_pick(r, *keys) for r in armed] == [
        {"x": "NEW", "X": "NEW", "w": False, "W": "<absent>", "d": delta,
         "D": -1 if tracking_from else tracking, "P": stop},
    ]  # fmt: skip
    assert [_pick(r, *keys) for r in await _reports(ws)] == [
        {"x": "NEW", "X": "NEW", "w": True, "W": when, "d": delta, "D": tracking, "P": stop},
    ]  # fmt: skip
    worked = await _query(rest, oid)
    assert _pick(worked, "status", "isWorking", "workingTime", "price", "executedQty") == {
        "status": "NEW", "isWorking": True, "workingTime": when,
        "price": f"{D(order['price']):.8f}", "executedQty": "0.00000000",
    }  # fmt: skip
    depth = (await rest.public("/v3/depth", {"symbol": BTC})).json()
    side = "bids" if order["side"] == "BUY" else "asks"
    assert depth[side] == [[f"{D(order['price']):.8f}", "0.01000000"]]


async def test_trailing_scenario_a_stop_loss_limit_buy(serve: ServeFactory) -> None:
    """Scenario A: stop 44,000, 500 BIPS, limit 45,000: tracks from 44,000, lowest 42,000,
    triggers at 44,100 = 42,000 * 1.05."""
    order = {"side": "BUY", "type": "STOP_LOSS_LIMIT", "stopPrice": "44000",
             "trailingDelta": "500", "price": "45000"}  # fmt: skip
    await _scenario(serve, order, ["37000", "45000", "46000", "42000"], "44000", "44099.99",
                    "44100")  # fmt: skip


async def test_trailing_scenario_b_stop_loss_limit_sell(serve: ServeFactory) -> None:
    """Scenario B: stop 39,000, 1000 BIPS, limit 38,000: highest 41,000, triggers at 36,900."""
    order = {"side": "SELL", "type": "STOP_LOSS_LIMIT", "stopPrice": "39000",
             "trailingDelta": "1000", "price": "38000"}  # fmt: skip
    await _scenario(serve, order, ["41500", "37000", "41000"], "39000", "36900.01", "36900")


async def test_trailing_scenario_c_take_profit_limit_buy(serve: ServeFactory) -> None:
    """Scenario C: stop 38,000, 850 BIPS, limit 38,500: lowest 37,000, triggers at 40,145."""
    order = {"side": "BUY", "type": "TAKE_PROFIT_LIMIT", "stopPrice": "38000",
             "trailingDelta": "850", "price": "38500"}  # fmt: skip
    await _scenario(serve, order, ["42000", "37000", "39000", "38000"], "38000", "40144.99",
                    "40145")  # fmt: skip


async def test_trailing_scenario_d_take_profit_limit_sell(serve: ServeFactory) -> None:
    """Scenario D: stop 42,000, 750 BIPS, limit 41,000: highest 46,500, triggers at
    43,012.5."""
    order = {"side": "SELL", "type": "TAKE_PROFIT_LIMIT", "stopPrice": "42000",
             "trailingDelta": "750", "price": "41000"}  # fmt: skip
    await _scenario(serve, order, ["41500", "39000", "45000", "44000", "46500"], "42000",
                    "43012.51", "43012.50")  # fmt: skip


async def test_trailing_scenario_e_without_stop_price(serve: ServeFactory) -> None:
    """Scenario E: no stopPrice, 700 BIPS, limit 39,000: tracks from 40,000 at placement,
    highest 45,500, triggers at 42,315 = 45,500 * 0.93."""
    order = {"side": "SELL", "type": "STOP_LOSS_LIMIT", "trailingDelta": "700", "price": "39000"}
    await _scenario(serve, order, ["42000", "39500", "45500"], None, "42315.01", "42315")


async def test_trailing_stop_in_an_oco_ends_the_limit_leg(serve: ServeFactory) -> None:
    """What order types can be trailing stop orders?: an OCO's contingent leg may trail; when
    it triggers, the limit leg ends (the FAQ says "canceled"; Binance's list reports the leg
    EXPIRED, as user-data-stream.md's OCO legs do, so EXPIRED is asserted)."""
    h = await _serve(serve, "40000")
    rest = h.rest()
    ws = await _user_stream(h)
    _trade(h, D(40000))
    oco = {"symbol": BTC, "side": "SELL", "quantity": "0.01", "aboveType": "LIMIT_MAKER",
           "abovePrice": "45000", "belowType": "STOP_LOSS_LIMIT", "belowPrice": "37500",
           "belowTimeInForce": "GTC", "belowTrailingDelta": "250"}  # fmt: skip
    reply = await rest.signed("POST", "/v3/orderList/oco", oco)
    assert reply.status == 200, reply.body
    reports = reply.json()["orderReports"]
    stop, limit_maker = sorted(reports, key=lambda r: r["type"] != "STOP_LOSS_LIMIT")
    placed_at = reply.json()["transactionTime"]
    assert (stop["trailingDelta"], stop["trailingTime"]) == (250, placed_at)
    # The leg's NEW report says the same: tracking since the placement (D).
    (new,) = [r for r in await _reports(ws) if r["i"] == stop["orderId"]]
    assert _pick(new, "x", "w", "d", "D") == {"x": "NEW", "w": False, "d": 250, "D": placed_at}
    _walk(h, D(40000), D(42000))
    assert (await _query(rest, limit_maker["orderId"]))["status"] == "NEW"
    _trade(h, D("40950.01"))
    await _dormant(rest, stop["orderId"])
    _trade(h, D("40950"))  # 42,000 * 0.975
    assert (await _query(rest, limit_maker["orderId"]))["status"] == "EXPIRED"
    assert (await _query(rest, stop["orderId"]))["isWorking"] is True
    listed = await rest.signed("GET", "/v3/orderList", {"orderListId": stop["orderListId"]})
    assert listed.json()["listOrderStatus"] == "ALL_DONE"


async def test_trailing_delta_filter_above_and_below(serve: ServeFactory) -> None:
    """How do I pass the TRAILING_DELTA filter?: the *above* bounds for STOP_LOSS BUY and
    TAKE_PROFIT SELL (and _LIMIT), the *below* bounds for STOP_LOSS SELL and TAKE_PROFIT BUY;
    here above 10..2000, below 10..1000."""
    clock = ManualClock(START_MS)
    symbol = make_symbol(BTC, "BTC", "USDT", min_notional="0.01")
    filters = tuple(
        {**f, "maxTrailingBelowDelta": 1000} if f["filterType"] == "TRAILING_DELTA" else f
        for f in symbol.filters
    )
    symbol = msgspec.structs.replace(symbol, filters=filters)
    exchange = SimExchange(
        clock=clock, config=SimConfig(symbols=(symbol,), reference_prices={BTC: D(40000)})
    )
    exchange.create_account("alice", {"USDT": D(100000), "BTC": D(100)})
    h = await serve(exchange=exchange, clock=clock)
    rest = h.rest()
    outcomes = {}
    for side, kind in (("BUY", "STOP_LOSS"), ("SELL", "TAKE_PROFIT"), ("SELL", "STOP_LOSS"),
                       ("BUY", "TAKE_PROFIT")):  # fmt: skip
        order = {"symbol": BTC, "side": side, "type": kind, "quantity": "0.01",
                 "trailingDelta": "1500"}  # fmt: skip
        reply = await rest.signed("POST", "/v3/order", order)
        outcomes[side, kind] = "placed" if reply.status == 200 else reply.json()["msg"]
    assert outcomes == {
        ("BUY", "STOP_LOSS"): "placed",
        ("SELL", "TAKE_PROFIT"): "placed",
        ("SELL", "STOP_LOSS"): "Filter failure: TRAILING_DELTA",
        ("BUY", "TAKE_PROFIT"): "Filter failure: TRAILING_DELTA",
    }


_EXAMPLES = [
    ("BUY", "STOP_LOSS_LIMIT", "42000", "500", "43000"),
    ("SELL", "STOP_LOSS_LIMIT", "37500", "250", "39000"),
    ("BUY", "TAKE_PROFIT_LIMIT", "38000", "500", "36000"),
    ("SELL", "TAKE_PROFIT_LIMIT", "41500", "175", "42500"),
]


async def test_trailing_stop_order_examples(serve: ServeFactory) -> None:
    """Trailing Stop Order Examples: at a last price of 40,000, each of the eight requests
    (with and without stopPrice) is accepted and waits off the book: none is on it."""
    h = await _serve(serve, "40000")
    rest = h.rest()
    _trade(h, D(40000))
    for side, kind, price, delta, stop in _EXAMPLES:
        for stop_price in (None, stop):
            params = {"symbol": BTC, "side": side, "type": kind, "timeInForce": "GTC",
                      "quantity": "0.01", "price": price, "trailingDelta": delta}  # fmt: skip
            if stop_price is not None:
                params["stopPrice"] = stop_price
            placed = await _place(rest, params)
            assert _pick(placed, "status", "type", "side", "trailingDelta", "stopPrice") == {
                "status": "NEW", "type": kind, "side": side, "trailingDelta": int(delta),
                "stopPrice": f"{D(stop_price or 0):.8f}",
            }, placed  # fmt: skip
            await _dormant(rest, placed["orderId"])
            # MAX_NUM_ALGO_ORDERS is 5 (filters.md's example): one at a time.
            gone = {"symbol": BTC, "orderId": placed["orderId"]}
            assert (await rest.signed("DELETE", "/v3/order", gone)).status == 200
    depth = (await rest.public("/v3/depth", {"symbol": BTC})).json()
    assert (depth["bids"], depth["asks"]) == ([], [])


# faqs/order_amend_keep_priority.md ---------------------------------------------------------


async def _amend_book(serve: ServeFactory) -> tuple[Harness, RestClient, dict[str, Any]]:
    """The FAQ's book: User A 1.00, YOU 5.50, User B 4.00 at 87,000 (in that time order), User C
    2.00 at 86,999. A is bob, B carol, C maker; YOU is alice, over REST."""
    h = await _serve(serve, "87000")
    rest = h.rest()
    h.exchange.place_order("bob", limit(Side.BUY, "1", "87000"))
    you = await _place(rest, _limit("BUY", "5.5", "87000"))
    h.exchange.place_order("carol", limit(Side.BUY, "4", "87000"))
    h.exchange.place_order("maker", limit(Side.BUY, "2", "86999"))
    return h, rest, you


def _sell_into_the_bids(h: Harness) -> None:
    """A SELL of 6 at 87,000: it takes the queue at 87,000 in priority order."""
    h.exchange.place_order("maker", limit(Side.SELL, "6", "87000"))


async def test_amend_keep_priority_keeps_the_place_in_the_queue(serve: ServeFactory) -> None:
    """Amending YOU from 5.50 to 5.00 keeps orderId and second place at 87,000; the stream
    says REPLACED; the unfilled order count does not move (faqs/order_amend_keep_priority.md,
    What is the difference ... and Does Order Amend Keep Priority affect unfilled order
    count?)."""
    h, rest, you = await _amend_book(serve)
    ws = await _user_stream(h)
    amend = {"symbol": BTC, "orderId": you["orderId"], "newQty": "5.00"}
    reply = await rest.signed("PUT", "/v3/order/amend/keepPriority", amend)
    assert reply.status == 200, reply.body
    amended = reply.json()["amendedOrder"]
    assert _pick(amended, "orderId", "origClientOrderId", "qty", "price", "status") == {
        "orderId": you["orderId"], "origClientOrderId": you["clientOrderId"],
        "qty": "5.00000000", "price": "87000.00000000", "status": "NEW",
    }  # fmt: skip
    # "By default, amended orders get a random new client order ID".
    assert amended["clientOrderId"] != you["clientOrderId"]
    (report,) = await _reports(ws)
    assert _pick(report, "x", "X", "i", "q", "p", "z", "c", "C") == {
        "x": "REPLACED", "X": "NEW", "i": you["orderId"], "q": "5.00000000",
        "p": "87000.00000000", "z": "0.00000000", "c": amended["clientOrderId"],
        "C": you["clientOrderId"],
    }  # fmt: skip
    depth = (await rest.public("/v3/depth", {"symbol": BTC})).json()
    assert depth["bids"] == [
        ["87000.00000000", "10.00000000"],
        ["86999.00000000", "2.00000000"],
    ]
    # Unfilled order count: YOU was 1; the amend charged 0, the next order makes 2.
    nxt = await rest.signed("POST", "/v3/order", _limit("BUY", "0.001", "80000"))
    assert nxt.headers["X-MBX-ORDER-COUNT-10S"] == "2"
    _sell_into_the_bids(h)
    # A (1.00) then YOU (5.00): YOU filled, User B untouched.
    done = await _query(rest, you["orderId"])
    assert _pick(done, *_STATE, "origQty") == {
        "status": "FILLED", "executedQty": "5.00000000",
        "cummulativeQuoteQty": "435000.00000000", "origQty": "5.00000000",
    }  # fmt: skip
    depth = (await rest.public("/v3/depth", {"symbol": BTC})).json()
    assert depth["bids"][:2] == [
        ["87000.00000000", "4.00000000"],
        ["86999.00000000", "2.00000000"],
    ]


async def test_amend_failure_leaves_the_order_and_amendments_are_listed(
    serve: ServeFactory,
) -> None:
    """What happens if my amend request does not succeed?: the order stays as it was. How do I
    know if my order has been amended?: ``GET /api/v3/order/amendments`` lists each one."""
    _, rest, you = await _amend_book(serve)
    path = "/v3/order/amend/keepPriority"
    oid = you["orderId"]
    refused = await rest.signed("PUT", path, {"symbol": BTC, "orderId": oid, "newQty": "6"})
    assert refused.status == 400, refused.body
    unchanged = await _query(rest, oid)
    assert (unchanged["origQty"], unchanged["clientOrderId"]) == (
        "5.50000000",
        you["clientOrderId"],
    )
    first = await rest.signed("PUT", path, {"symbol": BTC, "orderId": oid, "newQty": "5"})
    second = await rest.signed("PUT", path, {"symbol": BTC, "orderId": oid, "newQty": "4.5"})
    cids = [you["clientOrderId"]] + [
        r.json()["amendedOrder"]["clientOrderId"] for r in (first, second)
    ]
    rows = (
        await rest.signed("GET", "/v3/order/amendments", {"symbol": BTC, "orderId": oid})
    ).json()
    assert [_pick(r, "orderId", "origClientOrderId", "newClientOrderId", "origQty", "newQty")
            for r in rows] == [
        {"orderId": oid, "origClientOrderId": cids[0], "newClientOrderId": cids[1],
         "origQty": "5.50000000", "newQty": "5.00000000"},
        {"orderId": oid, "origClientOrderId": cids[1], "newClientOrderId": cids[2],
         "origQty": "5.00000000", "newQty": "4.50000000"},
    ]  # fmt: skip
    assert [r["executionId"] for r in rows] == [
        first.json()["executionId"], second.json()["executionId"],
    ]  # fmt: skip


async def test_amend_an_iceberg(serve: ServeFactory) -> None:
    """Can Iceberg Orders be amended?: yes; the visible quantity changes only when newQty is
    below it."""
    h = await _serve(serve, "87000")
    rest = h.rest()
    iceberg = await _place(rest, _limit("SELL", "1", "88000", icebergQty="0.2"))
    path = "/v3/order/amend/keepPriority"
    shown = []
    for qty in ("0.5", "0.1"):
        amend = {"symbol": BTC, "orderId": iceberg["orderId"], "newQty": qty}
        assert (await rest.signed("PUT", path, amend)).status == 200
        shown.append((await rest.public("/v3/depth", {"symbol": BTC})).json()["asks"])
    assert shown == [[["88000.00000000", "0.20000000"]], [["88000.00000000", "0.10000000"]]]


async def test_amend_oto_orders_individually(serve: ServeFactory) -> None:
    """Can Order lists be amended?: an OTO's working and pending orders are amended one at a
    time; a new client order ID on a list order brings a listStatus "l": "UPDATED" (How do I
    know if my order has been amended?)."""
    h = await _serve(serve, "60000")
    rest = h.rest()
    oto = {"symbol": BTC, "workingType": "LIMIT", "workingSide": "BUY", "workingPrice": "59000",
           "workingQuantity": "1", "workingTimeInForce": "GTC", "pendingType": "LIMIT_MAKER",
           "pendingSide": "SELL", "pendingPrice": "61000", "pendingQuantity": "1"}  # fmt: skip
    placed = await rest.signed("POST", "/v3/orderList/oto", oto)
    assert placed.status == 200, placed.body
    working, pending = (o["orderId"] for o in placed.json()["orders"])
    ws = await _user_stream(h)
    path = "/v3/order/amend/keepPriority"
    for oid, qty in ((pending, "0.5"), (working, "0.8")):
        reply = await rest.signed("PUT", path, {"symbol": BTC, "orderId": oid, "newQty": qty})
        assert reply.status == 200, reply.body
        assert reply.json()["listStatus"]["orderListId"] == placed.json()["orderListId"]
    assert [(await _query(rest, oid))["origQty"] for oid in (working, pending)] == [
        "0.80000000", "0.50000000",
    ]  # fmt: skip
    frames = [f["event"] for f in await ws.events_for(0.3)]
    # (The working BUY's smaller lock also brings an outboundAccountPosition.)
    lists = ("executionReport", "listStatus")
    got = [(e["e"], e.get("x") or e.get("l")) for e in frames if e["e"] in lists]
    assert got == [
        ("executionReport", "REPLACED"), ("listStatus", "UPDATED"),
        ("executionReport", "REPLACED"), ("listStatus", "UPDATED"),
    ]  # fmt: skip
    # The same client order ID kept: no listStatus ("if ... the client order ID has changed").
    cid = (await _query(rest, pending))["clientOrderId"]
    same = {"symbol": BTC, "orderId": pending, "newQty": "0.4", "newClientOrderId": cid}
    assert (await rest.signed("PUT", path, same)).status == 200
    frames = [f["event"] for f in await ws.events_for(0.3)]
    assert [(e["e"], e.get("x")) for e in frames] == [("executionReport", "REPLACED")]


async def test_cancel_replace_loses_the_place_in_the_queue(serve: ServeFactory) -> None:
    """The same reduction by cancel-replace: a new orderId behind User B, so the SELL of 6 fills
    A 1.00 and B 4.00 before it, and it gets 1.00."""
    h, rest, you = await _amend_book(serve)
    replace = {**_limit("BUY", "5", "87000"), "cancelReplaceMode": "STOP_ON_FAILURE",
               "cancelOrderId": you["orderId"]}  # fmt: skip
    reply = await rest.signed("POST", "/v3/order/cancelReplace", replace)
    assert reply.status == 200, reply.body
    new = reply.json()["newOrderResponse"]
    assert new["orderId"] > you["orderId"]
    _sell_into_the_bids(h)
    assert _pick(await _query(rest, new["orderId"]), "status", "executedQty") == {
        "status": "PARTIALLY_FILLED", "executedQty": "1.00000000",
    }  # fmt: skip
    assert (await _query(rest, you["orderId"]))["status"] == "CANCELED"


async def test_amend_keep_priority_over_the_websocket_api(serve: ServeFactory) -> None:
    """``order.amend.keepPriority`` (the FAQ's WebSocket API request), keeping the current
    client order ID ("Is it possible to reuse the current clientOrderId?": yes)."""
    h, rest, you = await _amend_book(serve)
    ws = await h.ws()
    cid = you["clientOrderId"]
    params = ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol=BTC, origClientOrderId=cid,
                              newClientOrderId=cid, newQty="5.00")  # fmt: skip
    answer = await ws.call("order.amend.keepPriority", params)
    assert answer["status"] == 200, answer
    amended = answer["result"]["amendedOrder"]
    assert _pick(amended, "orderId", "origClientOrderId", "clientOrderId", "qty") == {
        "orderId": you["orderId"], "origClientOrderId": cid, "clientOrderId": cid,
        "qty": "5.00000000",
    }  # fmt: skip
    _sell_into_the_bids(h)
    assert (await _query(rest, you["orderId"]))["status"] == "FILLED"


# faqs/order_count_decrement.md ---------------------------------------------------------------


async def _counts(rest: RestClient) -> tuple[int, int]:
    """(10-second, day) unfilled order counts (rest-api.md, Query Unfilled Order Count)."""
    reply = await rest.signed("GET", "/v3/rateLimit/order")
    assert reply.status == 200, reply.body
    ten, day = reply.json()
    assert (ten["interval"], day["interval"]) == ("SECOND", "DAY")
    return ten["count"], day["count"]


async def _ten(rest: RestClient) -> int:
    return (await _counts(rest))[0]


def _bob_sells(h: Harness, qty: str, price: str) -> None:
    h.exchange.place_order("bob", limit(Side.SELL, qty, price))


async def test_unfilled_count_example_1_taker(serve: ServeFactory) -> None:
    """Example 1: every taker order that trades at once is taken back after it is counted;
    later fills of an order that already traded change nothing."""
    h = await _serve(serve, "60000")
    rest = h.rest()
    assert await _ten(rest) == 0
    h.clock.advance(1000)
    await _place(rest, _limit("BUY", "0.1", "50000"))  # A
    assert await _ten(rest) == 1
    h.clock.advance(1000)
    _bob_sells(h, "0.5", "60000")
    b = await _place(rest, _limit("BUY", "1", "60000"))  # B, partially filled as a taker
    assert b["status"] == "PARTIALLY_FILLED"
    assert await _ten(rest) == 1
    h.clock.advance(1000)
    await _place(rest, _limit("BUY", "0.1", "50000"))  # C
    assert await _ten(rest) == 2
    h.clock.advance(1000)
    _bob_sells(h, "0.2", "60000")  # B partially filled
    _bob_sells(h, "0.3", "60000")  # B filled
    assert (await _query(rest, b["orderId"]))["status"] == "FILLED"
    assert await _ten(rest) == 2
    h.clock.advance(1000)
    _bob_sells(h, "0.1", "61000")
    market = {"symbol": BTC, "side": "BUY", "type": "MARKET", "quantity": "0.1"}
    reply = await rest.signed("POST", "/v3/order", market)  # D, fully filled
    assert reply.json()["status"] == "FILLED"
    # The placement's own answer already shows 3 - 1.
    assert reply.headers["X-MBX-ORDER-COUNT-10S"] == "2"
    assert await _ten(rest) == 2


async def test_unfilled_count_example_1_over_the_websocket_api(serve: ServeFactory) -> None:
    """Example 1 over the WebSocket API: each ``order.place`` answer's ``rateLimits`` shows the
    ORDERS count after the placement (a taker's first fill already taken back)."""
    h = await _serve(serve, "60000")
    ws = await h.ws()

    async def place(**order: str) -> tuple[str, int]:
        params = ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol=BTC, **order)
        answer = await ws.call("order.place", params)
        assert answer["status"] == 200, answer
        (ten,) = [r for r in answer["rateLimits"] if r["rateLimitType"] == "ORDERS"
                  and r["interval"] == "SECOND"]  # fmt: skip
        return answer["result"]["status"], ten["count"]

    lim = {"type": "LIMIT", "timeInForce": "GTC", "side": "BUY"}
    seen = [await place(**lim, quantity="0.1", price="50000")]  # A
    _bob_sells(h, "0.5", "60000")
    seen.append(await place(**lim, quantity="1", price="60000"))  # B
    seen.append(await place(**lim, quantity="0.1", price="50000"))  # C
    _bob_sells(h, "0.5", "60000")  # B filled
    _bob_sells(h, "0.1", "61000")
    seen.append(await place(side="BUY", type="MARKET", quantity="0.1"))  # D
    assert seen == [("NEW", 1), ("PARTIALLY_FILLED", 1), ("NEW", 2), ("FILLED", 2)]


async def test_unfilled_count_is_per_account_across_keys_and_apis(serve: ServeFactory) -> None:
    """Is the unfilled order count tracked by IP address?: "by (sub)account ... shared across
    all IP addresses, all API keys, and all APIs": alice's two keys, one on REST and one on the
    WebSocket API, count together; bob's count is his own."""
    clock = ManualClock(START_MS)
    keys = [*accounts(), ApiAccount(account="alice", api_key=BOB_KEY + "2", secret=BOB_SECRET)]
    h = await serve(exchange=_exchange(clock, "60000"), clock=clock, api_accounts=keys)
    rest = h.rest()
    await _place(rest, _limit("BUY", "0.1", "50000"))
    ws = await h.ws()
    params = ws.signed_params(BOB_KEY + "2", BOB_SECRET, **_limit("BUY", "0.1", "50000"))
    placed = await ws.call("order.place", params)
    assert placed["status"] == 200, placed
    assert await _ten(rest) == 2
    assert await _ten(h.rest(BOB_KEY + "2", BOB_SECRET)) == 2
    assert await _ten(h.rest(BOB_KEY, BOB_SECRET)) == 0


async def test_orders_that_trade_keep_trading_under_the_limit(serve: ServeFactory) -> None:
    """ "So long as your orders trade, you can keep trading": with 3 orders per 10 seconds, six
    taker orders that fill are all accepted; then three that rest fill the count and the
    next is 429 -1015 "Too many new orders" (How does the unfilled ORDERS rate limit
    work?)."""
    clock = ManualClock(START_MS)
    h = await serve(
        exchange=_exchange(clock, "60000"), clock=clock, options=ServerOptions(orders_per_10s=3)
    )
    rest = h.rest()
    h.exchange.place_order("bob", limit(Side.SELL, "1", "60000"))
    for _ in range(6):
        reply = await rest.signed("POST", "/v3/order", _limit("BUY", "0.1", "60000"))
        assert (reply.status, reply.json()["status"]) == (200, "FILLED"), reply.body
    for _ in range(3):
        assert (await rest.signed("POST", "/v3/order", _limit("BUY", "0.1", "50000"))).status == 200
    refused = await rest.signed("POST", "/v3/order", _limit("BUY", "0.1", "50000"))
    assert (refused.status, refused.code) == (429, -1015)
    assert refused.json()["msg"].startswith("Too many new orders")


async def test_unfilled_count_example_2_maker(serve: ServeFactory) -> None:
    """Example 2, the sequence of a maker's first fills. Ambiguous: the FAQ takes 5 back for
    each ("may be decremented by more than one order ... The examples only give a general
    idea"), while its next-day example takes 1 back for each of orders 1..5, filled hours
    after their placement, that is as makers. The local exchange takes 1 back for every
    first fill, maker or taker, so the counts here are the FAQ's shape with -1 steps."""
    h = await _serve(serve, "60000")
    rest = h.rest()
    ids = []
    for price in ("59000", "58900", "58800", "58700", "58600"):  # A .. E
        ids.append((await _place(rest, _limit("BUY", "0.2", price)))["orderId"])
    assert await _ten(rest) == 5
    _bob_sells(h, "0.1", "59000")  # A partially filled: its first fill, as a maker
    assert await _ten(rest) == 4
    for _ in range(2):  # F, G
        await _place(rest, _limit("BUY", "0.1", "50000"))
    assert await _ten(rest) == 6
    _bob_sells(h, "0.1", "59000")  # A filled: no change
    _bob_sells(h, "0.1", "58900")  # B partially filled: its first fill
    assert await _ten(rest) == 5


async def test_unfilled_count_cancel_and_expiry_change_nothing(serve: ServeFactory) -> None:
    """How do canceled or expired orders affect the unfilled order count?, the example: 1, 1,
    2, 3 then 2, 3, 4, 4, 4, 5."""
    h = await _serve(serve, "60000")
    rest = h.rest()
    seen = []

    async def cancel(order_id: int) -> None:
        gone = await rest.signed("DELETE", "/v3/order", {"symbol": BTC, "orderId": order_id})
        assert gone.status == 200, gone.body

    a = await _place(rest, _limit("BUY", "0.1", "50000"))
    seen.append(await _ten(rest))
    await cancel(a["orderId"])
    seen.append(await _ten(rest))
    await _place(rest, _limit("BUY", "0.1", "50000"))  # B
    seen.append(await _ten(rest))
    _bob_sells(h, "0.1", "61000")
    c = await _place(rest, {**_limit("BUY", "0.1", "61000"), "timeInForce": "FOK"})
    assert c["status"] == "FILLED"
    seen.append(await _ten(rest))
    d = await _place(rest, _limit("BUY", "0.1", "50000"))
    seen.append(await _ten(rest))
    e = await _place(rest, {**_limit("BUY", "0.1", "61000"), "timeInForce": "FOK"})
    assert (e["status"], e["executedQty"]) == ("EXPIRED", "0.00000000")
    seen.append(await _ten(rest))
    await cancel(d["orderId"])
    seen.append(await _ten(rest))
    await _place(rest, _limit("BUY", "0.1", "50000"))  # F
    seen.append(await _ten(rest))
    assert seen == [1, 1, 2, 2, 3, 4, 4, 5]


async def test_unfilled_count_fills_the_next_day(serve: ServeFactory) -> None:
    """What happens if I placed an order yesterday but it is filled the next day?: the DAY
    count 5, reset to 0, 10, 5, 0, 2, 0 (no credit below zero)."""
    h = await _serve(serve, "60000")
    rest = h.rest()
    day = 86_400_000
    hour = 3_600_000
    midnight = (h.clock() // day + 1) * day
    h.clock.now_ms = midnight + 9 * hour
    for _ in range(5):  # orders 1..5
        await _place(rest, _limit("BUY", "0.001", "50000"))
    assert (await _counts(rest))[1] == 5
    h.clock.now_ms = midnight + day  # the DAY interval resets (UTC)
    assert (await _counts(rest))[1] == 0
    h.clock.now_ms = midnight + day + 9 * hour
    for _ in range(10):  # orders 6..15
        await _place(rest, _limit("BUY", "0.001", "50000"))
    steps = []
    for at, fills in ((12, 5), (13, 5)):  # orders 1..5, then 6..10
        h.clock.now_ms = midnight + day + at * hour
        _bob_sells(h, str(D("0.001") * fills), "50000")
        steps.append((await _counts(rest))[1])
    h.clock.now_ms = midnight + day + 14 * hour
    for _ in range(2):  # orders 16, 17, below the others
        await _place(rest, _limit("BUY", "0.001", "49000"))
    steps.append((await _counts(rest))[1])
    h.clock.now_ms = midnight + day + 15 * hour
    _bob_sells(h, "0.005", "50000")  # orders 11..15
    steps.append((await _counts(rest))[1])
    assert steps == [5, 0, 2, 0]


# faqs/commission_faq.md -----------------------------------------------------------------------

_FAQ_RATES = Commission(
    maker=D("0.00000010"), taker=D("0.00000020"), buyer=D("0.00000030"), seller=D("0.00000040")
)


async def test_commission_how_is_it_calculated(serve: ServeFactory) -> None:
    """How is the commission calculated?: a MARKET SELL of 0.49975 filled at 35,000 in one
    trade pays 17491.25 * (0.00000020 + 0.00000040) = 0.01049475 USDT, standard commission.
    Tax and special commission and the BNB discount are not simulated (their rates are 0)."""
    h = await _serve(serve, "35000", symbol_commission={BTC: _FAQ_RATES})
    rest = h.rest()
    h.exchange.place_order("maker", limit(Side.BUY, "0.49975", "35000"))
    before = await _balances(rest)
    sell = {"symbol": BTC, "side": "SELL", "type": "MARKET", "quantity": "0.49975"}
    answer = await _place(rest, sell)
    assert _pick(answer, *_STATE) == {
        "status": "FILLED", "executedQty": "0.49975000", "cummulativeQuoteQty": "17491.25000000",
    }  # fmt: skip
    assert [_pick(f, "price", "qty", "commission", "commissionAsset") for f in answer["fills"]] == [
        {"price": "35000.00000000", "qty": "0.49975000", "commission": "0.01049475",
         "commissionAsset": "USDT"},
    ]  # fmt: skip
    after = await _balances(rest)
    received = D(after["USDT"][0]) - D(before["USDT"][0])
    assert received == D("17491.25") - D("0.01049475")
    # Not simulated, and said so: tax and special rates 0, no BNB discount.
    rates = (await rest.signed("GET", "/v3/account/commission", {"symbol": BTC})).json()
    nil = dict.fromkeys(("maker", "taker", "buyer", "seller"), "0.00000000")
    assert (rates["taxCommission"], rates["specialCommission"]) == (nil, nil)
    assert rates["discount"]["enabledForAccount"] is False
    (trade,) = (await rest.signed("GET", "/v3/myTrades", {"symbol": BTC})).json()
    assert _pick(trade, "commission", "commissionAsset", "isMaker") == {
        "commission": "0.01049475", "commissionAsset": "USDT", "isMaker": False,
    }  # fmt: skip


async def test_commission_test_order_versus_query(serve: ServeFactory) -> None:
    """What is the difference between ... computeCommissionRates vs ... querying commission
    rates?: the FAQ's standard rates maker 0.00000040, taker 0.00000050, buyer and seller
    0.00000010 answer 0.00000050 / 0.00000060 for the order (the side is already counted)."""
    rates = Commission(maker=D("0.0000004"), taker=D("0.0000005"), buyer=D("0.0000001"),
                       seller=D("0.0000001"))  # fmt: skip
    h = await _serve(serve, "60000", symbol_commission={BTC: rates})
    rest = h.rest()
    query = (await rest.signed("GET", "/v3/account/commission", {"symbol": BTC})).json()
    assert query["standardCommission"] == {
        "maker": "0.00000040", "taker": "0.00000050", "buyer": "0.00000010",
        "seller": "0.00000010",
    }  # fmt: skip
    for side in ("BUY", "SELL"):
        order = {"symbol": BTC, "side": side, "type": "MARKET", "quantity": "0.1",
                 "computeCommissionRates": "true"}  # fmt: skip
        tested = (await rest.signed("POST", "/v3/order/test", order)).json()
        assert tested["standardCommissionForOrder"] == {
            "maker": "0.00000050", "taker": "0.00000060",
        }, tested  # fmt: skip
        # The FAQ's answer has these four keys, in this order (special and tax: 0 here).
        assert list(tested) == ["standardCommissionForOrder", "specialCommissionForOrder",
                                "taxCommissionForOrder", "discount"]  # fmt: skip


# faqs/pegged_orders.md, faqs/price_range_execution_rules.md: not simulated, refused clearly ----


async def test_pegged_orders_are_refused_as_binance_refuses_them(serve: ServeFactory) -> None:
    """pegged_orders.md, "Which symbols allow pegged orders?": ``pegInstructionsAllowed``; no
    simulated symbol allows them, so a pegged order gets errors.md's -2010 "Pegged orders are
    not supported for this symbol." over REST and the WebSocket API, and nothing is placed."""
    h = await _serve(serve, "60000")
    rest = h.rest()
    info = (await rest.public("/v3/exchangeInfo", {"symbol": BTC})).json()
    assert info["symbols"][0]["pegInstructionsAllowed"] is False
    pegged = {**_limit("BUY", "0.1", "59000"), "pegPriceType": "PRIMARY_PEG",
              "pegOffsetType": "PRICE_LEVEL", "pegOffsetValue": "1"}  # fmt: skip
    del pegged["price"]
    reply = await rest.signed("POST", "/v3/order", pegged)
    assert (reply.status, reply.json()) == (
        400, {"code": -2010, "msg": "Pegged orders are not supported for this symbol."},
    )  # fmt: skip
    ws = await h.ws()
    answer = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **pegged))
    assert answer["error"] == {
        "code": -2010, "msg": "Pegged orders are not supported for this symbol.",
    }  # fmt: skip
    assert (await rest.signed("GET", "/v3/openOrders", {"symbol": BTC})).json() == []


async def test_no_price_range_rule_is_configured(serve: ServeFactory) -> None:
    """price_range_execution_rules.md, How can I query ...?: ``executionRules`` lists no rule
    and there is no reference price (-2043), so no order expires with
    EXECUTION_RULE_PRICE_RANGE_EXCEEDED."""
    h = await _serve(serve, "60000")
    rest = h.rest()
    rules = (await rest.public("/v3/executionRules", {"symbol": BTC})).json()
    assert rules == {"symbolRules": [{"symbol": BTC, "rules": []}]}
    reference = await rest.public("/v3/referencePrice", {"symbol": BTC})
    assert reference.json()["code"] == -2043


# faqs/sor_faq.md, What is Smart Order Routing (SOR)? (Example 2: tests/server/test_sor.py) ----


async def _sor_server(serve: ServeFactory, bids: bool = False) -> Harness:
    clock = ManualClock(START_MS)
    exchange = faq_exchange(FAQ_BIDS, clock=clock) if bids else faq_exchange(clock=clock)
    api = [ApiAccount(account="taker", api_key=ALICE_KEY, secret=ALICE_SECRET)]
    return await serve(exchange=exchange, api_accounts=api, clock=clock)


# selfTradePreventionMode is left out: the FAQ's symbols default to NONE, the default markets
# to EXPIRE_MAKER as live BTCUSDT does (defaultSelfTradePreventionMode, exchangeInfo).
_SOR_KEYS = (*_STATE, "price", "origQty", "timeInForce", "type", "side", "fills",
             "workingFloor", "usedSor")  # fmt: skip


async def test_sor_example_1_best_ask_across_the_books(serve: ServeFactory) -> None:
    """Example 1: a LIMIT GTC BUY of 0.5 at 31,000: 15,250 USDT on BTCUSDT alone; 14,000 USDT
    (not USDC) using SOR, at BTCUSDC's 28,000."""
    h = await _sor_server(serve)
    rest = h.rest()
    order = {**_limit("BUY", "0.5", "31000"), "newOrderRespType": "FULL"}
    del order["selfTradePreventionMode"]
    plain = (await rest.signed("POST", "/v3/order", order)).json()
    assert (plain["cummulativeQuoteQty"], plain["fills"][0]["price"]) == (
        "15250.00000000", "30500.00000000",
    )  # fmt: skip
    sor = (await rest.signed("POST", "/v3/sor/order", order)).json()
    assert _pick(sor, *_SOR_KEYS) == {
        "status": "FILLED", "executedQty": "0.50000000", "cummulativeQuoteQty": "14000.00000000",
        "price": "31000.00000000", "origQty": "0.50000000", "timeInForce": "GTC",
        "type": "LIMIT", "side": "BUY", "fills": [fill("28000", "0.5", 0)],
        "workingFloor": "SOR", "usedSor": True,
    }  # fmt: skip


async def test_sor_example_3_market_buy_expires_the_rest(serve: ServeFactory) -> None:
    """Example 3: a MARKET BUY of 11 using SOR: the 10 BTC of the three books, then EXPIRED."""
    h = await _sor_server(serve)
    order = {"symbol": BTC, "side": "BUY", "type": "MARKET", "quantity": "11"}
    sor = (await h.rest().signed("POST", "/v3/sor/order", order)).json()
    assert _pick(sor, *_SOR_KEYS) == {
        "status": "EXPIRED", "executedQty": "10.00000000",
        "cummulativeQuoteQty": "305900.00000000", "price": "0.00000000",
        "origQty": "11.00000000", "timeInForce": "GTC", "type": "MARKET", "side": "BUY",
        "fills": [fill("28000", "1", 0), fill("29000", "1", 1), fill("30000", "1", 2),
                  fill("30500", "3", 3), fill("30800", "3", 4), fill("35000", "1", 5)],
        "workingFloor": "SOR", "usedSor": True,
    }  # fmt: skip


async def test_sor_example_4_limit_sell_across_the_bids(serve: ServeFactory) -> None:
    """Example 4: a LIMIT GTC SELL of 10 at 29,000 using SOR sells 5 at 35,000 and 5 at
    30,000 on BTCUSDC for 325,000 USDT."""
    h = await _sor_server(serve, bids=True)
    order = _limit("SELL", "10", "29000")
    del order["selfTradePreventionMode"]
    sor = (await h.rest().signed("POST", "/v3/sor/order", order)).json()
    assert _pick(sor, *_SOR_KEYS) == {
        "status": "FILLED", "executedQty": "10.00000000",
        "cummulativeQuoteQty": "325000.00000000", "price": "29000.00000000",
        "origQty": "10.00000000", "timeInForce": "GTC", "type": "LIMIT", "side": "SELL",
        "fills": [fill("35000", "5", 0, "USDT"), fill("30000", "5", 1, "USDT")],
        "workingFloor": "SOR", "usedSor": True,
    }  # fmt: skip
