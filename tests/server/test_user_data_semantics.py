"""The user data stream checked for meaning against REST, on the served exchange.

For a handful of realistic orders (a LIMIT that rests, fills from two takers and is canceled;
a MARKET across two levels; an IOC that expires partly filled; a STOP_LOSS_LIMIT that triggers;
an OCO whose leg fills; an iceberg), every ``executionReport`` of the subscribed account is
compared with what REST answers for the same order right after the step
(user-data-stream.md, Order Update; rest-api.md, Query order, Account trade list, Account
information, Query Order list):

- ``X``/status, ``z``/executedQty, ``Z``/cummulativeQuoteQty, ``O``/time, ``T`` of the last
  report/updateTime, ``W``/workingTime, ``w``/isWorking, ``Q``/origQuoteOrderQty,
  ``F``/icebergQty, ``P``/stopPrice, ``g``/orderListId, ``V``/selfTradePreventionMode, and
  ``q``, ``p``, ``S``, ``o``, ``f``, ``s``, ``i``;
- each TRADE report against its ``myTrades`` row (``t``/id, ``i``/orderId, ``L``/price,
  ``l``/qty, ``Y``/quoteQty, ``n``/commission, ``N``/commissionAsset, ``T``/time,
  ``m``/isMaker, ``S``/isBuyer, isBestMatch, ``g``/orderListId); ``z`` and ``Z`` are the running
  sums of ``l`` and ``Y``; ``I`` strictly increases;
- the last ``outboundAccountPosition`` balances equal ``/api/v3/account`` balances for the
  assets it names, and its ``u`` the account's ``updateTime``;
- ``listStatus`` against ``GET /api/v3/orderList``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    BOB_KEY,
    BOB_SECRET,
    Harness,
    RestClient,
    ServeFactory,
    WsClient,
)
from transports.sim.config import SimConfig
from transports.sim.exchange import ManualClock, SimExchange

STEP_MS = 1_000
# executionReport key -> GET /api/v3/order field (user-data-stream.md, Order Update;
# rest-api.md, Query order): the same fact under two names.
ORDER_KEYS = {
    "s": "symbol",
    "i": "orderId",
    "S": "side",
    "o": "type",
    "f": "timeInForce",
    "q": "origQty",
    "p": "price",
    "X": "status",
    "z": "executedQty",
    "Z": "cummulativeQuoteQty",
    "O": "time",
    "T": "updateTime",
    "Q": "origQuoteOrderQty",
    "F": "icebergQty",
    "P": "stopPrice",
    "g": "orderListId",
    "V": "selfTradePreventionMode",
}
# listStatus key -> GET /api/v3/orderList field (rest-api.md, Query Order list).
LIST_KEYS = {
    "s": "symbol",
    "g": "orderListId",
    "c": "contingencyType",
    "l": "listStatusType",
    "L": "listOrderStatus",
    "C": "listClientOrderId",
    "T": "transactionTime",
}


def _agree(heard: dict[str, Any], asked: dict[str, Any], keys: dict[str, str]) -> None:
    for key, field in keys.items():
        assert heard[key] == asked[field], (key, field, heard, asked)


class Audit:
    """Alice's user data, heard on the WebSocket API, against her REST answers."""

    def __init__(self, h: Harness, ws: WsClient) -> None:
        self.h = h
        self.ws = ws
        self.alice = h.rest()
        self.bob: RestClient = h.rest(BOB_KEY, BOB_SECRET)
        self.reports: dict[int, list[dict[str, Any]]] = {}
        self.positions: list[dict[str, Any]] = []
        self.lists: list[dict[str, Any]] = []
        self.last_exec_id = 0
        self.heard: dict[str, dict[str, Any]] = {}  # asset -> last balance heard this step
        self.known: dict[str, tuple[Decimal, Decimal]] = {}  # REST balances at the last check

    async def step(self) -> list[dict[str, Any]]:
        """Collect what the last action said, then advance the clock. A ``ping`` round trip
        on the subscribed connection is the barrier: the server queues an action's events
        before its answer is out, and one connection's frames keep their order."""
        assert (await self.ws.call("ping"))["status"] == 200
        events, self.ws.events = [e["event"] for e in self.ws.events], []
        self.h.clock.advance(STEP_MS)
        for event in events:
            if event["e"] == "executionReport":
                assert event["I"] > self.last_exec_id, event  # execution ids increase
                self.last_exec_id = event["I"]
                self.reports.setdefault(event["i"], []).append(event)
            elif event["e"] == "outboundAccountPosition":
                self.positions.append(event)
                self.heard.update({b["a"]: b for b in event["B"]})
            elif event["e"] == "listStatus":
                self.lists.append(event)
        return events

    async def place(self, rest: RestClient, **params: Any) -> dict[str, Any]:
        reply = await rest.signed("POST", "/v3/order", {"symbol": "BTCUSDT", **params})
        assert reply.status == 200, reply.json()
        answer: dict[str, Any] = reply.json()
        await self.step()
        return answer

    async def ws_call(self, method: str, **params: Any) -> Any:
        """Alice's signed WebSocket API request on the subscribed connection (its events are
        kept for the next step)."""
        signed = self.ws.signed_params(ALICE_KEY, ALICE_SECRET, **params)
        answer = await self.ws.call(method, signed)
        assert answer["status"] == 200, answer
        return answer["result"]

    async def place_list(self, path: str, **params: Any) -> dict[str, Any]:
        reply = await self.alice.signed("POST", path, {"symbol": "BTCUSDT", **params})
        assert reply.status == 200, reply.json()
        answer: dict[str, Any] = reply.json()
        await self.step()
        return answer

    async def check_order(self, order_id: int) -> dict[str, Any]:
        """Every field of the order's last report against GET /api/v3/order, and each TRADE
        report against its myTrades row."""
        reports = self.reports[order_id]
        last = reports[-1]
        reply = await self.alice.signed(
            "GET", "/v3/order", {"symbol": "BTCUSDT", "orderId": order_id}
        )
        order = reply.json()
        assert reply.status == 200, order
        # The WebSocket API answers the same (web-socket-api.md, Query order).
        assert await self.ws_call("order.status", symbol="BTCUSDT", orderId=order_id) == order
        _agree(last, order, ORDER_KEYS)
        # ``w``: on the book now; isWorking: put to work at all, so it stays true once the
        # order ends (faqs/stp_faq.md's FILLED and EXPIRED_IN_MATCH orders query true).
        if order["status"] in ("NEW", "PARTIALLY_FILLED"):
            assert last["w"] == order["isWorking"], (last, order)
        else:
            assert order["isWorking"] is (order["workingTime"] != -1), order
        # ``W`` is present while the order works on the book; REST's workingTime says when.
        if "W" in last:
            assert last["W"] == order["workingTime"], (last, order)
        elif order["workingTime"] != -1:
            assert not last["w"] and any("W" in r for r in reports), (last, order)
        if "eR" in last:
            assert last["eR"] == order["expiryReason"], (last, order)
        # The client order id: the order's own, except on a cancel (then it is ``C``).
        own = last["C"] if last["x"] == "CANCELED" else last["c"]
        assert own == order["clientOrderId"], (last, order)
        await self.check_trades(order_id, reports)
        return order

    async def check_trades(self, order_id: int, reports: list[dict[str, Any]]) -> None:
        reply = await self.alice.signed(
            "GET", "/v3/myTrades", {"symbol": "BTCUSDT", "orderId": order_id}
        )
        rows = {row["id"]: row for row in reply.json()}
        assert await self.ws_call("myTrades", symbol="BTCUSDT", orderId=order_id) == reply.json()
        trades = [r for r in reports if r["x"] == "TRADE"]
        assert sorted(rows) == sorted(r["t"] for r in trades), (rows, trades)
        # Execution ids order the order's reports, and trade ids its fills, the same way.
        assert [r["t"] for r in trades] == sorted(r["t"] for r in trades), trades
        z = Z = Decimal(0)
        for report in reports:
            if report["x"] == "TRADE":
                row = rows[report["t"]]
                z += Decimal(report["l"])
                Z += Decimal(report["Y"])
                assert (row["orderId"], row["orderListId"]) == (report["i"], report["g"]), row
                assert (row["price"], row["qty"], row["quoteQty"]) == (
                    report["L"],
                    report["l"],
                    report["Y"],
                ), (row, report)
                assert Decimal(report["Y"]) == Decimal(report["L"]) * Decimal(report["l"])
                assert (row["commission"], row["commissionAsset"]) == (
                    report["n"],
                    report["N"],
                ), (row, report)
                assert row["time"] == report["T"], (row, report)
                assert row["isMaker"] == report["m"], (row, report)
                assert row["isBuyer"] == (report["S"] == "BUY"), (row, report)
                assert row["isBestMatch"] is True
            else:
                assert report["t"] == -1 and Decimal(report["l"]) == Decimal(report["L"]) == 0
                assert (report["n"], report["N"]) == ("0", None), report
            assert Decimal(report["z"]) == z and Decimal(report["Z"]) == Z, report

    async def check_list(self, list_id: int) -> None:
        """The last listStatus against GET /api/v3/orderList (user-data-stream.md, List
        Status; rest-api.md, Query Order list)."""
        last = [e for e in self.lists if e["g"] == list_id][-1]
        reply = await self.alice.signed("GET", "/v3/orderList", {"orderListId": list_id})
        answer = reply.json()
        assert reply.status == 200, answer
        assert await self.ws_call("orderList.status", orderListId=list_id) == answer
        _agree(last, answer, LIST_KEYS)
        heard = [(o["s"], o["i"], o["c"]) for o in last["O"]]
        asked = [(o["symbol"], o["orderId"], o["clientOrderId"]) for o in answer["orders"]]
        assert heard == asked, (last, answer)

    async def check_balances(self) -> None:
        """What outboundAccountPosition said since the last check against GET
        /api/v3/account now: every asset whose balance changed was named ("sent any time an
        account balance has changed", user-data-stream.md, Account Update), with the balance
        REST shows, and ``u`` is the account's ``updateTime``."""
        account = (await self.alice.signed("GET", "/v3/account")).json()
        assert await self.ws_call("account.status") == account  # web-socket-api.md
        balances = {
            b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in account["balances"]
        }
        changed = {a for a, v in balances.items() if self.known.get(a, v) != v}
        assert changed <= set(self.heard), (changed, self.heard)
        for asset, balance in self.heard.items():
            got = (Decimal(balance["f"]), Decimal(balance["l"]))
            assert got == balances[asset], (balance, balances[asset])
        if self.heard:
            last = self.positions[-1]
            assert last["u"] == account["updateTime"], (last, account["updateTime"])
            assert last["u"] <= last["E"]
        self.known = balances
        self.heard = {}


async def _audit(h: Harness) -> Audit:
    ws = await h.ws()
    params = ws.signed_params(ALICE_KEY, ALICE_SECRET)
    assert (await ws.call("userDataStream.subscribe.signature", params))["status"] == 200
    audit = Audit(h, ws)
    await audit.check_balances()  # the balances before
    return audit


def _sell_oco(stop: str) -> dict[str, str]:
    """A SELL OCO of 0.1: LIMIT_MAKER at 65000 above, STOP_LOSS at ``stop`` below."""
    return {
        "side": "SELL",
        "quantity": "0.1",
        "aboveType": "LIMIT_MAKER",
        "abovePrice": "65000",
        "belowType": "STOP_LOSS",
        "belowStopPrice": stop,
    }


def _limit(side: str, qty: str, price: str, tif: str = "GTC") -> dict[str, str]:
    return {"side": side, "type": "LIMIT", "timeInForce": tif, "quantity": qty, "price": price}


async def test_a_resting_limit_filled_twice_then_canceled(harness: Harness) -> None:
    a = await _audit(harness)
    placed = await a.place(a.alice, **_limit("SELL", "1", "60000"), newClientOrderId="rest1")
    oid = placed["orderId"]
    order = await a.check_order(oid)
    assert order["status"] == "NEW" and order["isWorking"] is True
    await a.check_balances()
    for qty in ("0.3", "0.2"):
        await a.place(a.bob, **_limit("BUY", qty, "60000"))
        order = await a.check_order(oid)
        assert a.reports[oid][-1]["m"] is True
        await a.check_balances()
    assert (order["status"], order["executedQty"]) == ("PARTIALLY_FILLED", "0.50000000")
    reply = await a.alice.signed(
        "DELETE", "/v3/order", {"symbol": "BTCUSDT", "orderId": oid, "newClientOrderId": "x1"}
    )
    assert reply.status == 200, reply.json()
    await a.step()
    order = await a.check_order(oid)
    last = a.reports[oid][-1]
    assert (last["x"], last["c"], last["C"], last["w"]) == ("CANCELED", "x1", "rest1", False)
    await a.check_balances()


async def test_a_market_order_across_two_levels(harness: Harness) -> None:
    a = await _audit(harness)
    await a.place(a.bob, **_limit("SELL", "0.1", "61000"))
    await a.place(a.bob, **_limit("SELL", "0.2", "61100"))
    placed = await a.place(a.alice, side="BUY", type="MARKET", quantity="0.25")
    oid = placed["orderId"]
    order = await a.check_order(oid)
    # Put to work (its NEW report has "w": true, faqs/market_orders_faq.md), so isWorking.
    assert order["status"] == "FILLED" and order["isWorking"] is True
    assert [r["x"] for r in a.reports[oid]] == ["NEW", "TRADE", "TRADE"]
    assert all(r["m"] is False for r in a.reports[oid])
    await a.check_balances()
    # By quote amount: ``Q`` is the quoteOrderQty (rest-api.md, New order).
    await a.place(a.bob, **_limit("SELL", "0.1", "61200"))
    placed = await a.place(a.alice, side="BUY", type="MARKET", quoteOrderQty="6110")
    order = await a.check_order(placed["orderId"])
    assert order["origQuoteOrderQty"] == "6110.00000000"
    await a.check_balances()


async def test_an_ioc_that_expires_partly_filled(harness: Harness) -> None:
    a = await _audit(harness)
    await a.place(a.bob, **_limit("SELL", "0.1", "62000"))
    placed = await a.place(a.alice, **_limit("BUY", "0.5", "62000", "IOC"))
    oid = placed["orderId"]
    order = await a.check_order(oid)
    assert (order["status"], order["executedQty"]) == ("EXPIRED", "0.10000000")
    assert [r["x"] for r in a.reports[oid]] == ["NEW", "TRADE", "EXPIRED"]
    await a.check_balances()


async def test_a_stop_loss_limit_that_triggers(harness: Harness) -> None:
    a = await _audit(harness)
    stop = {"side": "SELL", "type": "STOP_LOSS_LIMIT", "timeInForce": "GTC"}
    stop |= {"quantity": "0.1", "price": "57000", "stopPrice": "58000"}
    placed = await a.place(a.alice, **stop)
    oid = placed["orderId"]
    order = await a.check_order(oid)
    assert (order["isWorking"], order["workingTime"]) == (False, -1)
    assert "W" not in a.reports[oid][-1]
    # A trade at the stop price triggers it (bob trades with himself; STP mode NONE).
    await a.place(a.bob, **_limit("BUY", "0.01", "58000"), selfTradePreventionMode="NONE")
    await a.place(a.bob, **_limit("SELL", "0.01", "58000"), selfTradePreventionMode="NONE")
    order = await a.check_order(oid)
    assert order["isWorking"] is True and order["workingTime"] > order["time"]
    await a.check_balances()


async def test_an_oco_whose_leg_fills(harness: Harness) -> None:
    a = await _audit(harness)
    placed = await a.place_list("/v3/orderList/oco", **_sell_oco("50000"))
    list_id = placed["orderListId"]
    ids = [o["orderId"] for o in placed["orders"]]
    for oid in ids:
        await a.check_order(oid)
    await a.check_list(list_id)
    await a.place(a.bob, **_limit("BUY", "0.1", "65000"))
    for oid in ids:
        await a.check_order(oid)
    await a.check_list(list_id)
    await a.check_balances()


async def test_an_iceberg_filled_past_its_visible_part(harness: Harness) -> None:
    a = await _audit(harness)
    placed = await a.place(a.alice, **_limit("SELL", "1", "66000"), icebergQty="0.2")
    oid = placed["orderId"]
    await a.check_order(oid)
    await a.place(a.bob, **_limit("BUY", "0.3", "66000"))
    order = await a.check_order(oid)
    assert (order["executedQty"], order["icebergQty"]) == ("0.30000000", "0.20000000")
    await a.check_balances()


async def test_commission_agrees_on_the_stream_in_trades_and_in_balances(
    serve: ServeFactory,
) -> None:
    """With standard rates, ``n`` / ``N`` are the myTrades commission and the balances REST
    shows are net of it (faqs/commission_faq.md: the commission is taken from the asset
    received)."""
    clock = ManualClock(1_700_000_000_000)
    rates = SimConfig(maker_commission=Decimal("0.001"), taker_commission=Decimal("0.002"))
    exchange = SimExchange(clock=clock, config=rates)
    for name in ("alice", "bob"):
        exchange.create_account(name, {"USDT": Decimal("1000000"), "BTC": Decimal("100")})
    a = await _audit(await serve(exchange=exchange, clock=clock))
    placed = await a.place(a.alice, **_limit("SELL", "0.5", "60000"))
    await a.place(a.bob, **_limit("BUY", "0.2", "60000"))
    await a.check_order(placed["orderId"])
    maker = a.reports[placed["orderId"]][-1]
    assert (Decimal(maker["n"]), maker["N"]) == (Decimal("12"), "USDT"), maker  # 12000 * 0.001
    await a.check_balances()
    await a.place(a.bob, **_limit("SELL", "0.1", "61000"))
    taken = await a.place(a.alice, side="BUY", type="MARKET", quantity="0.1")
    await a.check_order(taken["orderId"])
    taker = a.reports[taken["orderId"]][-1]
    assert (Decimal(taker["n"]), taker["N"]) == (Decimal("0.0002"), "BTC"), taker  # 0.1 * 0.002
    await a.check_balances()


async def test_a_list_is_dated_by_its_last_status_update(harness: Harness) -> None:
    """An OCO done at a later time than it was placed: ``transactionTime`` in GET
    /api/v3/orderList is the ``T`` of its last listStatus, and allOrderList filters by it
    ("Order lists are filtered by transactionTime of the last order list execution status
    update", web-socket-api.md, Query all Order lists)."""
    a = await _audit(harness)
    placed = await a.place_list("/v3/orderList/oco", **_sell_oco("50000"))
    harness.clock.advance(60_000)
    await a.place(a.bob, **_limit("BUY", "0.1", "65000"))
    done = a.lists[-1]
    assert (done["g"], done["l"], done["T"]) == (placed["orderListId"], "ALL_DONE", done["E"])
    assert done["T"] > placed["transactionTime"]
    answer = await a.alice.signed("GET", "/v3/orderList", {"orderListId": done["g"]})
    assert answer.json()["transactionTime"] == done["T"]
    since = await a.alice.signed("GET", "/v3/allOrderList", {"startTime": done["T"]})
    assert [x["orderListId"] for x in since.json()] == [done["g"]], since.json()
    before = await a.alice.signed("GET", "/v3/allOrderList", {"endTime": done["T"] - 1})
    assert before.json() == [], before.json()


async def test_a_self_trade_prevented(harness: Harness) -> None:
    """A taker that would trade with its own account's resting order under EXPIRE_TAKER: its
    TRADE_PREVENTION report's ``v`` / ``A`` are REST's preventedMatchId / preventedQuantity
    and GET /api/v3/myPreventedMatches says the same (user-data-stream.md, Conditional Fields
    in Execution Report; rest-api.md, Query Prevented Matches)."""
    a = await _audit(harness)
    resting = await a.place(a.alice, **_limit("SELL", "0.2", "60000"))
    taker = {**_limit("BUY", "0.5", "60000"), "selfTradePreventionMode": "EXPIRE_TAKER"}
    placed = await a.place(a.alice, **taker)
    oid = placed["orderId"]
    order = await a.check_order(oid)
    last = a.reports[oid][-1]
    assert (order["status"], last["x"]) == ("EXPIRED_IN_MATCH", "TRADE_PREVENTION"), last
    assert (last["v"], last["A"]) == (order["preventedMatchId"], order["preventedQuantity"])
    # EXPIRE_TAKER prevents the taker's whole remaining quantity (faqs/stp_faq.md,
    # takerPreventedQuantity: "Taker's remaining quantity before the STP").
    assert (last["U"], last["B"], last["A"]) == (resting["orderId"], "0.50000000", "0.50000000")
    found = await a.alice.signed(
        "GET", "/v3/myPreventedMatches", {"symbol": "BTCUSDT", "orderId": oid}
    )
    [match] = found.json()
    assert match["preventedMatchId"] == last["v"] and match["makerOrderId"] == last["U"]
    assert (match["tradeGroupId"], match["price"]) == (last["u"], last["pL"]), (match, last)
    await a.check_order(resting["orderId"])
    await a.check_balances()


async def test_an_amend_keep_priority(harness: Harness) -> None:
    """``PUT /api/v3/order/amend/keepPriority``: the REPLACED report says what REST then
    answers, and the balance it unlocks is heard (rest-api.md, Order Amend Keep Priority)."""
    a = await _audit(harness)
    placed = await a.place(a.alice, **_limit("SELL", "1", "60000"))
    oid = placed["orderId"]
    await a.place(a.bob, **_limit("BUY", "0.1", "60000"))
    amend = {"symbol": "BTCUSDT", "orderId": oid, "newQty": "0.6"}
    reply = await a.alice.signed("PUT", "/v3/order/amend/keepPriority", amend)
    assert reply.status == 200, reply.json()
    await a.step()
    order = await a.check_order(oid)
    assert (a.reports[oid][-1]["x"], order["origQty"]) == ("REPLACED", "0.60000000")
    await a.check_balances()


async def test_an_oto_whose_pending_order_is_placed_and_fills(harness: Harness) -> None:
    """An OTO: the working LIMIT fills, the pending LIMIT goes on the book (its ``W`` and
    workingTime are then; -1 / absent before) and fills in turn; every report, trade and
    list status agrees with REST (rest-api.md, New Order list - OTO)."""
    a = await _audit(harness)
    oto = {"workingType": "LIMIT", "workingSide": "BUY"}
    oto |= {"workingPrice": "59000", "workingQuantity": "0.1", "workingTimeInForce": "GTC"}
    oto |= {"pendingType": "LIMIT", "pendingSide": "SELL", "pendingPrice": "64000"}
    oto |= {"pendingQuantity": "0.1", "pendingTimeInForce": "GTC"}
    placed = await a.place_list("/v3/orderList/oto", **oto)
    working, pending = (o["orderId"] for o in placed["orders"])
    assert (await a.check_order(pending))["workingTime"] == -1
    await a.check_list(placed["orderListId"])
    await a.place(a.bob, **_limit("SELL", "0.1", "59000"))
    await a.check_order(working)
    order = await a.check_order(pending)
    assert order["isWorking"] is True and order["workingTime"] == a.reports[pending][-1]["T"]
    await a.check_balances()
    await a.place(a.bob, **_limit("BUY", "0.1", "64000"))
    assert (await a.check_order(pending))["status"] == "FILLED"
    await a.check_list(placed["orderListId"])
    await a.check_balances()


async def test_an_oco_canceled_as_a_list(harness: Harness) -> None:
    """DELETE /api/v3/orderList: both legs' CANCELED reports and the ALL_DONE listStatus agree
    with REST afterwards, and the locked balance comes back (rest-api.md, Cancel Order
    list)."""
    a = await _audit(harness)
    oco = {"side": "BUY", "quantity": "0.1", "aboveType": "STOP_LOSS_LIMIT"}
    oco |= {"aboveStopPrice": "70000", "abovePrice": "70001", "aboveTimeInForce": "GTC"}
    oco |= {"belowType": "LIMIT_MAKER", "belowPrice": "55000"}
    placed = await a.place_list("/v3/orderList/oco", **oco)
    await a.check_balances()
    list_id = placed["orderListId"]
    cancel = {"symbol": "BTCUSDT", "orderListId": list_id}
    assert (await a.alice.signed("DELETE", "/v3/orderList", cancel)).status == 200
    await a.step()
    for leg in placed["orders"]:
        assert (await a.check_order(leg["orderId"]))["status"] == "CANCELED"
    await a.check_list(list_id)
    await a.check_balances()


async def test_a_cancel_replace(harness: Harness) -> None:
    """POST /api/v3/order/cancelReplace on a partly filled order: the old order's CANCELED
    report (``C`` its id, ``c`` the cancel's) and the new order's NEW report agree with REST
    for each (rest-api.md, Cancel an Existing Order and Send a New Order)."""
    a = await _audit(harness)
    placed = await a.place(a.alice, **_limit("SELL", "1", "60000"), newClientOrderId="old")
    await a.place(a.bob, **_limit("BUY", "0.4", "60000"))
    replace = {"symbol": "BTCUSDT", "cancelReplaceMode": "STOP_ON_FAILURE"}
    replace |= {"cancelOrderId": placed["orderId"], "cancelNewClientOrderId": "gone"}
    replace |= {**_limit("SELL", "0.6", "60500"), "newClientOrderId": "new"}
    reply = await a.alice.signed("POST", "/v3/order/cancelReplace", replace)
    assert reply.status == 200, reply.json()
    await a.step()
    old = a.reports[placed["orderId"]][-1]
    assert (old["x"], old["c"], old["C"]) == ("CANCELED", "gone", "old"), old
    await a.check_order(placed["orderId"])
    new_id = reply.json()["newOrderResponse"]["orderId"]
    assert (await a.check_order(new_id))["clientOrderId"] == "new"
    assert a.reports[placed["orderId"]][-1]["I"] < a.reports[new_id][0]["I"]
    await a.check_balances()


async def test_an_oco_whose_stop_leg_triggers_and_fills(harness: Harness) -> None:
    """A SELL OCO whose STOP_LOSS leg triggers on a trade at its stop price and sells into a
    resting bid; the LIMIT_MAKER leg expires; reports, trades (``g`` / orderListId) and the
    list agree with REST."""
    a = await _audit(harness)
    await a.place(a.bob, **_limit("BUY", "0.2", "57500"))
    placed = await a.place_list("/v3/orderList/oco", **_sell_oco("58000"))
    stp = {"selfTradePreventionMode": "NONE"}
    await a.place(a.bob, **_limit("SELL", "0.01", "58000"), **stp)
    await a.place(a.bob, **_limit("BUY", "0.01", "58000"), **stp)
    statuses = [(await a.check_order(o["orderId"]))["status"] for o in placed["orders"]]
    assert sorted(statuses) == ["EXPIRED", "FILLED"], statuses
    await a.check_list(placed["orderListId"])
    await a.check_balances()


async def test_a_fok_that_cannot_fill_and_a_limit_that_takes_then_rests(harness: Harness) -> None:
    """A FOK larger than the book expires whole (NEW, then EXPIRED with nothing done); a GTC
    LIMIT that crosses takes what there is and rests the rest, working from its placement."""
    a = await _audit(harness)
    await a.place(a.bob, **_limit("SELL", "0.1", "60000"))
    fok = await a.place(a.alice, **_limit("BUY", "0.5", "60000", "FOK"))
    order = await a.check_order(fok["orderId"])
    assert (order["status"], order["executedQty"]) == ("EXPIRED", "0.00000000")
    assert [r["x"] for r in a.reports[fok["orderId"]]] == ["NEW", "EXPIRED"]
    await a.check_balances()
    gtc = await a.place(a.alice, **_limit("BUY", "0.5", "60000"))
    order = await a.check_order(gtc["orderId"])
    assert (order["status"], order["isWorking"]) == ("PARTIALLY_FILLED", True)
    assert order["workingTime"] == order["time"]
    assert a.reports[gtc["orderId"]][-1]["m"] is False  # it took
    await a.check_balances()
