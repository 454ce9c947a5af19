"""Security over HTTP exactly as rest-api.md, Request Security: the doc vectors, keys, timing."""

from __future__ import annotations

from decimal import Decimal

from oms.wire.decoding import decode_body
from oms.wire.rest import NewOrderFull
from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    BOB_KEY,
    CAROL_KEY,
    START_MS,
    Harness,
    ServeFactory,
    ed25519_sign,
)
from transports.sim.config import SimConfig, default_symbols, make_symbol
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.server.app import ApiAccount

DOC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_TIME = 1_499_827_319_559
V1 = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
V1_SIG = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
V2 = (
    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
    "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
)
V2_SIG = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
V3_QUERY = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
V3_BODY = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
V3_SIG = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"


async def _doc_server(serve: ServeFactory) -> Harness:
    """An exchange at the docs' moment that trades LTCBTC, with the docs' key."""
    clock = ManualClock(DOC_TIME + 100)
    ltc = make_symbol("LTCBTC", "LTC", "BTC", tick="0.000001", step="0.001", min_notional="0.0001")
    config = SimConfig(
        symbols=(*default_symbols(), ltc),
        reference_prices={"LTCBTC": Decimal("0.1"), "BTCUSDT": Decimal("60000")},
    )
    exchange = SimExchange(clock=clock, config=config)
    exchange.create_account("doc", {"BTC": Decimal("10")})
    doc = ApiAccount(account="doc", api_key=DOC_KEY, secret=DOC_SECRET)
    return await serve(exchange=exchange, api_accounts=[doc], clock=clock)


async def test_doc_vectors_accepted_and_one_changed_character_refused(
    serve: ServeFactory,
) -> None:
    h = await _doc_server(serve)
    client = h.rest(DOC_KEY, DOC_SECRET)
    # Vector 1: all in the query string; the order is placed.
    ok = await client.raw("POST", "/v3/order", f"{V1}&signature={V1_SIG}")
    assert ok.status == 200, ok.body
    placed = decode_body(ok.body, NewOrderFull)
    assert (placed.symbol, placed.price, placed.orig_qty) == ("LTCBTC", Decimal("0.1"), Decimal(1))
    # Vector 3: query string + body, concatenated with no separator.
    split = await client.raw("POST", "/v3/order", V3_QUERY, f"{V3_BODY}&signature={V3_SIG}")
    assert split.status == 200, split.body
    # Vector 2 (non-ASCII symbol, percent-encoded before signing): the signature is
    # accepted, so the refusal is about the symbol, not the signature.
    unicode = await client.raw("POST", "/v3/order", f"{V2}&signature={V2_SIG}")
    assert (unicode.status, unicode.code) == (400, -1121)
    # HMAC hex is case-insensitive (rest-api.md, Request Security step 4).
    upper = await client.raw("POST", "/v3/order/test", f"{V1}&signature={V1_SIG.upper()}")
    assert upper.status == 200, upper.body
    # One character changed, in the payload or in the signature: -1022.
    for query in (
        f"{V1.replace('quantity=1', 'quantity=2')}&signature={V1_SIG}",
        f"{V1}&signature={V1_SIG[:-1]}2",
    ):
        bad = await client.raw("POST", "/v3/order/test", query)
        assert (bad.status, bad.code) == (400, -1022)
        assert bad.json()["msg"] == "Signature for this request is not valid."
    moved = await client.raw("POST", "/v3/order", V3_QUERY + "&", f"{V3_BODY}&signature={V3_SIG}")
    assert moved.code == -1022  # an extra '&' is a different payload
    assert len(h.exchange.open_orders("doc")) == 2


async def test_ed25519_rest_signature(harness: Harness) -> None:
    carol = harness.rest(CAROL_KEY, None)
    ok = await carol.signed("GET", "/v3/account")
    assert ok.status == 200, ok.body
    sig_query = f"timestamp={START_MS}"
    wrong = ed25519_sign(b"timestamp=1")
    bad = await carol.raw("GET", "/v3/account", f"{sig_query}&signature={wrong}")
    assert bad.code == -1022


async def test_stale_and_future_timestamps(harness: Harness) -> None:
    client = harness.rest()
    stale = await client.signed("GET", "/v3/account", timestamp=START_MS - 5001)
    assert (stale.status, stale.code) == (400, -1021)
    assert stale.json()["msg"] == "Timestamp for this request is outside of the recvWindow."
    ahead = await client.signed("GET", "/v3/account", timestamp=START_MS + 1000)
    assert ahead.json() == {
        "code": -1021,
        "msg": "Timestamp for this request was 1000ms ahead of the server's time.",
    }
    wide = await client.signed(
        "GET", "/v3/account", {"recvWindow": "6000.5"}, timestamp=START_MS - 6000
    )
    assert wide.status == 200
    micro = await client.signed("GET", "/v3/account", timestamp=START_MS * 1000 - 4_999_999)
    assert micro.status == 200
    too_wide = await client.signed("GET", "/v3/account", {"recvWindow": "60001"})
    assert too_wide.code == -1131
    harness.clock.advance(5001)  # the request was signed, then sat for 5 s
    late = await client.signed("GET", "/v3/account", timestamp=START_MS)
    assert late.code == -1021


async def test_keys_missing_malformed_unknown(harness: Harness) -> None:
    client = harness.rest()
    no_key = await client.signed("GET", "/v3/account")
    assert no_key.status == 200
    for key, status, code in (
        ("", 401, -2014),
        ("not a key!", 401, -2014),
        ("x" * 64, 401, -2015),
    ):
        reply = await client.raw(
            "GET", "/v3/account", f"timestamp={START_MS}&signature=00", key=key
        )
        assert (reply.status, reply.code) == (status, code), reply.body
    # Bob's key with Alice's secret: -1022, and nothing learnt about Alice's account.
    forged = harness.rest(BOB_KEY, ALICE_SECRET)
    reply = await forged.signed("GET", "/v3/account")
    assert reply.code == -1022
    missing_sig = await client.raw("GET", "/v3/account", f"timestamp={START_MS}")
    assert missing_sig.code == -1102 and "'signature'" in missing_sig.json()["msg"]
    missing_ts = await client.raw("GET", "/v3/account", "signature=00")
    assert missing_ts.code == -1102
    assert ALICE_KEY not in missing_ts.body.decode()
