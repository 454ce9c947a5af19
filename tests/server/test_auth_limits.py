"""Signature, timing and rate-limit rules of the local server, checked without a network.

The rest-api.md, Request Security vectors of the official docs (specs/binance-notes.md) are
recomputed here against our verifier; the HTTP level (the same vectors sent over 127.0.0.1) is in
``test_rest_security.py``.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from transports.sim.server.auth import (
    ApiAccount,
    KeyRing,
    check_timing,
    rest_payload,
    ws_payload,
)
from transports.sim.server.limits import Limits, RateLimiter
from transports.sim.server.params import ApiError, Params, parse_form

DOC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
VECTOR_1 = (
    b"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    b"&recvWindow=5000&timestamp=1499827319559",
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
)


def _ring() -> KeyRing:
    return KeyRing([ApiAccount(account="doc", api_key=DOC_KEY, secret=DOC_SECRET)])


def test_rest_vectors_verify_and_one_changed_character_does_not() -> None:
    cred = _ring().lookup(DOC_KEY)
    payload, signature = VECTOR_1
    assert cred.verify(payload, signature)
    # HMAC hex is case-insensitive (rest-api.md, Signature Case Sensitivity).
    assert cred.verify(payload, signature.upper())
    assert not cred.verify(payload.replace(b"BUY", b"BUX"), signature)
    assert not cred.verify(payload, signature[:-1] + "0")
    # Vector 3: the query string and the body are concatenated with no separator.
    query = b"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    body = b"quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=x"
    assert cred.verify(
        rest_payload(query, body),
        "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77",
    )


def test_ws_vector_sorted_and_not_percent_encoded() -> None:
    params = {
        "symbol": "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width 123456
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "1.00000000",
        "price": "0.10000000",
        "recvWindow": "5000",
        "timestamp": "1645423376532",
        "apiKey": DOC_KEY,
        "signature": "ignored",
    }
    cred = _ring().lookup(DOC_KEY)
    signature = "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"
    assert cred.verify(ws_payload(params.items()), signature)
    params["quantity"] = "1.00000001"
    assert not cred.verify(ws_payload(params.items()), signature)


def test_ed25519_signature_over_the_same_payload() -> None:
    private = Ed25519PrivateKey.generate()
    pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    ring = KeyRing([ApiAccount(account="a", api_key="edkey", ed25519_public_key=pem.decode())])
    payload = b"symbol=BTCUSDT&timestamp=1"
    signature = base64.b64encode(private.sign(payload)).decode()
    cred = ring.lookup("edkey")
    assert cred.is_ed25519
    assert cred.verify(payload, signature)
    assert not cred.verify(payload, signature.lower())  # Ed25519 is case-sensitive
    assert not cred.verify(payload + b"0", signature)
    assert not cred.verify(payload, "not base64!")


def test_unknown_and_malformed_keys() -> None:
    ring = _ring()
    with pytest.raises(ApiError) as missing:
        ring.lookup(None)
    assert (missing.value.code, missing.value.http_status) == (-2014, 401)
    with pytest.raises(ApiError) as bad:
        ring.lookup("has space")
    assert bad.value.code == -2014
    with pytest.raises(ApiError) as unknown:
        ring.lookup("A" * 64)
    assert (unknown.value.code, unknown.value.http_status) == (-2015, 401)


def test_secret_never_in_repr() -> None:
    spec = ApiAccount(account="doc", api_key=DOC_KEY, secret=DOC_SECRET)
    assert DOC_SECRET not in repr(spec) and DOC_SECRET not in str(spec)
    assert DOC_SECRET not in repr(_ring().lookup(DOC_KEY))


NOW = 1_499_827_319_559


@pytest.mark.parametrize(
    ("timestamp", "window", "message"),
    [
        (str(NOW - 5001), None, "outside of the recvWindow"),
        (str(NOW + 1000), None, "1000ms ahead"),
        (str((NOW - 60_001) * 1000), "60000", "outside of the recvWindow"),  # µs
        (str(NOW - 6001), "6000.999", "outside of the recvWindow"),
        ("1483228799999", "60000", "outside of the recvWindow"),  # before 2017
    ],
)
def test_timing_rejections(timestamp: str, window: str | None, message: str) -> None:
    with pytest.raises(ApiError) as exc:
        check_timing(timestamp, window, NOW)
    assert exc.value.code == -1021 and message in exc.value.msg


def test_timing_accepts_ms_us_and_decimal_window() -> None:
    now = 1_499_827_319_559
    check_timing(str(now - 5000), None, now)
    check_timing(str(now + 999), None, now)
    check_timing(str((now - 5999) * 1000), "6000.346", now)
    with pytest.raises(ApiError) as too_big:
        check_timing(str(now), "60001", now)
    assert too_big.value.code == -1131
    with pytest.raises(ApiError) as missing:
        check_timing(None, None, now)
    assert missing.value.code == -1102


def test_query_wins_over_body_and_duplicates_refused() -> None:
    merged = parse_form(b"symbol=BTCUSDT&a=%2B1", b"symbol=ETHUSDT&b=x+y")
    assert merged == {"symbol": "BTCUSDT", "a": "+1", "b": "x y"}
    with pytest.raises(ApiError) as dup:
        parse_form(b"a=1&a=2", b"")
    assert dup.value.code == -1101
    with pytest.raises(ApiError) as bad:
        parse_form(b"a=%FF", b"")
    assert bad.value.code == -1100


def test_unescaped_parts_parse_as_escaped_ones_do() -> None:
    # The plain fast path (no "%" and no "+") against the same text percent-encoded.
    plain = "symbol=BTCUSDT&price=50000.00&newClientOrderId=a-b_c&empty=&flag&=v&&x=é"
    escaped = plain.replace("-", "%2D").replace("é", "%C3%A9").encode()
    assert parse_form(plain.encode(), b"") == parse_form(escaped, b"")
    assert parse_form(plain.encode(), b"")["empty"] == "" and "flag" in parse_form(b"flag", b"")
    for raw in (b"a=1&a=2", b"a=\xff", b"a=1&b=\xc3"):
        with pytest.raises(ApiError) as refused:
            parse_form(raw, b"")
        assert refused.value.code == (-1101 if raw == b"a=1&a=2" else -1100)


@pytest.mark.parametrize(
    ("part", "payload"),
    [
        (b"a=1&signature=ff", b"a=1"),  # the usual shape: last
        (b"signature=ff&a=1", b"a=1"),
        (b"a=1&signature=ff&b=2", b"a=1&b=2"),
        (b"a=1&xsignature=ff", b"a=1&xsignature=ff"),  # another name that ends alike
        (b"a=signature=ff&signature=ee", b"a=signature=ff"),
        (b"a=1&signature=ff&signature=ee", b"a=1"),
        (b"a=1", b"a=1"),
    ],
)
def test_signature_pairs_dropped_wherever_they_are(part: bytes, payload: bytes) -> None:
    assert rest_payload(part, b"") == payload
    assert rest_payload(b"", part) == payload


def test_unread_parameters_refused() -> None:
    params = Params({"symbol": "BTCUSDT", "typo": "1"})
    params.require("symbol")
    with pytest.raises(ApiError) as exc:
        params.finish()
    assert exc.value.code == -1104 and "read '1'" in exc.value.msg and "sent '2'" in exc.value.msg


def test_weight_window_429_then_418_ban() -> None:
    now = [60_000]
    limiter = RateLimiter(Limits(weight_per_minute=10, ban_after_429s=2), lambda: now[0])
    limiter.charge("ip", 10)
    assert limiter.used_weight("ip") == 10
    statuses = []
    for _ in range(4):
        with pytest.raises(ApiError) as exc:
            limiter.charge("ip", 1)
        statuses.append((exc.value.http_status, exc.value.retry_after))
    # Two 429s are tolerated, the third earns a 2-minute ban, which then persists.
    assert [s for s, _ in statuses] == [429, 429, 418, 418]
    assert statuses[0][1] == 60 and statuses[2][1] == 120
    now[0] += 60_000  # the minute rolled over, but the ban has not expired
    with pytest.raises(ApiError) as banned:
        limiter.charge("ip", 1)
    assert banned.value.http_status == 418
    now[0] += 60_000
    limiter.charge("ip", 1)
    assert limiter.used_weight("ip") == 1


def test_order_count_limit_and_first_fill_decrement() -> None:
    now = [0]
    limiter = RateLimiter(Limits(orders_per_10s=2), lambda: now[0])
    for _ in range(2):
        limiter.check_orders("ip", "a")
        limiter.count_order("a")
    with pytest.raises(ApiError) as exc:
        limiter.check_orders("ip", "a")
    assert (exc.value.code, exc.value.http_status) == (-1015, 429)
    assert "2 orders per 10 SECOND" in exc.value.msg
    limiter.check_orders("ip", "b")  # per account
    limiter.first_fill("a")
    assert limiter.order_counts("a") == (1, 1)
    limiter.check_orders("ip", "a")
    now[0] += 10_000
    assert limiter.order_counts("a") == (0, 1)
