"""Security: no secret anywhere across a full run; the local server's gate holds.

1. A full run of the whole stack (OrderManager -> BinanceClient -> local server, DEBUG
   logging captured): orders, a refusal, a cancel refusal, a reconciliation, a hostile
   frame, a restart from a file journal. No API key, secret, signature or signed query in
   any log record (message, extras, traceback), exception text, repr, metrics text or
   journal row.
2. The local server refuses unsigned, wrongly signed (any one character changed),
   replayed-after-window and wrong-key requests, and never lets one account read, list or
   cancel another's orders or see its trades.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms.errors import OmsError
from oms.runtime.journal import Journal
from oms.wire.enums import Side
from oms.wire.requests import CancelOrder

from .local import (
    KEY,
    OTHER_KEY,
    OTHER_SECRET,
    SECRET,
    SECRETS,
    ServerFactory,
    Stack,
    limit,
    poll_until,
    serve,
    wall_ms,
)

pytestmark = pytest.mark.timeout(60)
D = Decimal
HEX64 = re.compile(r"\b[0-9a-fA-F]{64}\b")


def leaks(text: str) -> list[str]:
    found = [s for s in SECRETS if s in text]
    if "signature=" in text:
        found.append("signature=")
    found += HEX64.findall(text)
    return found


def _journal_text(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        rows = [repr(r) for table in ("entries", "bad_frames")
                for r in db.execute(f"SELECT * FROM {table}")]  # fmt: skip
    finally:
        db.close()
    return "\n".join(rows)


def _record_text(record: logging.LogRecord) -> str:
    extras = {
        k: v
        for k, v in vars(record).items()
        if k not in logging.LogRecord("", 0, "", 0, "", (), None).__dict__
    }
    exc = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
    return f"{record.name} {record.getMessage()} {extras!r} {exc} {record.exc_text or ''}"


async def test_no_secret_in_logs_errors_reprs_or_journal_across_a_full_run(
    aiohttp_server: ServerFactory, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    stack = await serve(aiohttp_server)
    path = tmp_path / "journal.sqlite"
    texts: list[str] = []
    manager = stack.manager(Journal(str(path)))
    async with manager:
        bought = await manager.execute_spot_buy("BTCUSDT", D("0.01"))
        resting = await manager.execute_spot_buy("BTCUSDT", D("0.01"), D("50000"))
        await manager.cancel(resting)
        for attempt in (
            manager.execute_spot_buy("BTCUSDT", D("100"), D("50000")),  # refused locally
            manager.transport.cancel_spot_order(CancelOrder(symbol="BTCUSDT", order_id=999999)),
        ):
            with pytest.raises(OmsError) as caught:
                await attempt
            texts += [str(caught.value), repr(caught.value)]
        assert stack.push_raw("me", b'{"e":"executionReport","E":1,"q":"NaN"}') == 1
        await poll_until(lambda: manager.metrics_snapshot().bad_frames_total >= 1)
        await manager.reconcile("security")
        texts += [repr(manager), repr(manager.transport), repr(manager.transport.stats()),
                  repr(bought), repr(resting), manager.metrics_text(),
                  repr(manager.last_reconcile)]  # fmt: skip
    async with stack.manager(Journal(str(path))) as again:  # a restart replays the journal
        assert again.order(bought.client_order_id) is not None
    texts.append(repr(stack.config()))
    texts += [
        _record_text(r) for r in caplog.records if r.name.startswith(("oms", "transports.binance"))
    ]
    texts.append(_journal_text(path))
    assert any("oms.runtime.manager" in t for t in texts), "the manager logged nothing"
    assert leaks("\n".join(texts)) == []


# --- the local server's gate --------------------------------------------------------------


async def _open_orders(stack: Stack, session: aiohttp.ClientSession, key: str, secret: str) -> int:
    status, body = await stack.signed(session, "GET", "/v3/openOrders", {}, key=key, secret=secret)
    assert status == 200, body
    return len(body)


async def test_server_refuses_unsigned_wrong_key_and_replayed_requests(
    aiohttp_server: ServerFactory,
) -> None:
    stack = await serve(aiohttp_server)
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
              "quantity": "0.01", "price": "50000"}  # fmt: skip
    async with aiohttp.ClientSession() as session:
        query = "&".join(f"{k}={v}" for k, v in params.items()) + f"&timestamp={wall_ms()}"
        refused = [
            await stack.raw(session, "POST", "/v3/order", query, key=KEY),  # unsigned
            await stack.raw(
                session, "POST", "/v3/order", query + "&signature=" + "0" * 64, key=KEY
            ),
            await stack.signed(session, "POST", "/v3/order", params, secret=OTHER_SECRET),
            await stack.signed(session, "POST", "/v3/order", params, key="unknownKey123"),
            await stack.signed(session, "POST", "/v3/order", params, key=""),
        ]
        old = dict(params, timestamp=str(wall_ms() - 60_000))  # replayed after its window
        old_query = "&".join(f"{k}={v}" for k, v in old.items())
        sig = _sign(SECRET, old_query)
        refused.append(
            await stack.raw(session, "POST", "/v3/order", f"{old_query}&signature={sig}", key=KEY)
        )
        for status, body in refused:
            assert status in (400, 401), body
            assert body["code"] in (-1102, -1022, -2014, -2015, -1021), body
        assert stack.sim.open_orders("me") == []
        assert await _open_orders(stack, session, KEY, SECRET) == 0


def _sign(secret: str, query: str) -> str:
    import hashlib  # noqa: PLC0415
    import hmac  # noqa: PLC0415

    return hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(0, 10_000), char=st.sampled_from("0123456789abcdefXYZ%&=-_."))
async def test_any_one_changed_character_of_a_signed_query_is_refused(
    aiohttp_server: ServerFactory, position: int, char: str
) -> None:
    stack = await serve(aiohttp_server)
    order = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000"
    query = f"{order}&timestamp={wall_ms()}"
    signed = f"{query}&signature={_sign(SECRET, query)}"
    at = position % len(signed)
    tampered = signed[:at] + char + signed[at + 1 :]
    async with aiohttp.ClientSession() as session:
        status, body = await stack.raw(session, "POST", "/v3/order", tampered, key=KEY)
    if tampered == signed:
        assert status == 200, body
    else:
        assert status >= 400 and body["code"] < 0, body
        assert stack.sim.open_orders("me") == []


async def test_one_account_never_reads_or_cancels_anothers_orders(
    aiohttp_server: ServerFactory,
) -> None:
    stack = await serve(aiohttp_server)
    theirs = stack.sim.place_order("you", limit(Side.BUY, "0.01", "50000", client_order_id="yours"))
    stack.sim.place_order("you", limit(Side.BUY, "0.01", "60000"))  # trades with the maker
    async with aiohttp.ClientSession() as session:
        for method, path, params in (
            ("GET", "/v3/order", {"symbol": "BTCUSDT", "orderId": str(theirs.order_id)}),
            ("GET", "/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "yours"}),
            ("DELETE", "/v3/order", {"symbol": "BTCUSDT", "orderId": str(theirs.order_id)}),
            ("DELETE", "/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "yours"}),
            ("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"}),
        ):
            status, body = await stack.signed(session, method, path, params)
            assert status == 400 and body["code"] in (-2013, -2011), (path, body)
        status, trades = await stack.signed(session, "GET", "/v3/myTrades", {"symbol": "BTCUSDT"})
        assert status == 200 and trades == []
        assert await _open_orders(stack, session, KEY, SECRET) == 0
        assert await _open_orders(stack, session, OTHER_KEY, OTHER_SECRET) == 1
    assert [o.client_order_id for o in stack.sim.open_orders("you")] == ["yours"]
