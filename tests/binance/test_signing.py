"""Known-answer tests for every signature vector of rest-api.md, Request Security, plus round
trips."""

from __future__ import annotations

import base64
import pickle

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from transports.binance.signing import (
    Ed25519Signer,
    HmacSigner,
    KeyType,
    RsaSigner,
    Secret,
    load_private_key_signer,
    rest_payload,
    ws_payload,
)

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
# The docs' non-ASCII symbol: six full-width digits.
FULL_WIDTH_123456 = "\uff11\uff12\uff13\uff14\uff15\uff16"
HMAC = HmacSigner(Secret(SECRET))


def test_rest_vector_1_ascii() -> None:
    params = [
        ("symbol", "LTCBTC"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
        ("recvWindow", "5000"),
        ("timestamp", "1499827319559"),
    ]
    payload = rest_payload(params)
    assert payload == (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
        "&recvWindow=5000&timestamp=1499827319559"
    )
    assert HMAC.sign(payload) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"


def test_rest_vector_2_non_ascii_is_percent_encoded_before_signing() -> None:
    params = [
        ("symbol", FULL_WIDTH_123456),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
        ("recvWindow", "5000"),
        ("timestamp", "1499827319559"),
    ]
    payload = rest_payload(params)
    assert payload == (
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
        "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    )
    assert HMAC.sign(payload) == "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"


def test_rest_vector_3_query_and_body_concatenate_without_separator() -> None:
    query = rest_payload(
        [("symbol", "LTCBTC"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC")]
    )
    body = rest_payload(
        [
            ("quantity", "1"),
            ("price", "0.1"),
            ("recvWindow", "5000"),
            ("timestamp", "1499827319559"),
        ]
    )
    assert query + body == (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1"
        "&recvWindow=5000&timestamp=1499827319559"
    )
    assert HMAC.sign(query + body) == (
        "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
    )


# The rest-api.md, Request Security WS-API table: params as sent (unsorted on purpose), the signed
# payload, the signature.
WS_VECTORS = [
    (
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.01000000",
            "price": "52000.00",
            "recvWindow": 100,
            "timestamp": 1645423376532,
            "apiKey": API_KEY,
        },
        f"apiKey={API_KEY}&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL"
        "&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
    ),
    (
        {
            "symbol": FULL_WIDTH_123456,
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            # Doc quirk (rest-api.md, Request Security): the request block shows 0.01000000, the
            # signature is over 1.00000000.
            "quantity": "1.00000000",
            "price": "0.10000000",
            "recvWindow": 5000,
            "timestamp": 1645423376532,
            "apiKey": API_KEY,
        },
        f"apiKey={API_KEY}&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY"
        f"&symbol={FULL_WIDTH_123456}&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
        "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd",
    ),
    (
        {"timestamp": 1649729878532, "apiKey": API_KEY},
        f"apiKey={API_KEY}&timestamp=1649729878532",
        "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed",
    ),
    (
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.00847000",
            "price": "23416.10000000",
            "timestamp": 1660801715431,
            "apiKey": API_KEY,
        },
        f"apiKey={API_KEY}&price=23416.10000000&quantity=0.00847000&side=SELL&symbol=BTCUSDT"
        "&timeInForce=GTC&timestamp=1660801715431&type=LIMIT",
        "15af09e41c36f3cc61378c2fbe2c33719a03dd5eba8d0f9206fbda44de717c88",
    ),
    (
        {
            "symbol": "BTCUSDT",
            "origClientOrderId": "4d96324ff9d44481926157",
            "timestamp": 1660801715830,
            "apiKey": API_KEY,
        },
        f"apiKey={API_KEY}&origClientOrderId=4d96324ff9d44481926157&symbol=BTCUSDT"
        "&timestamp=1660801715830",
        "33d5b721f278ae17a52f004a82a6f68a70c68e7dd6776ed0be77a455ab855282",
    ),
    (
        {
            "symbol": "BTCUSDT",
            "orderId": 12569099453,
            "timestamp": 1660801720951,
            "apiKey": API_KEY,
        },
        f"apiKey={API_KEY}&orderId=12569099453&symbol=BTCUSDT&timestamp=1660801720951",
        "2c3aab5a078ee4ea465ecd95523b77289f61476c2f238ec10c55ea6cb11a6f35",
    ),
    (
        {"timestamp": 1660801839480, "apiKey": API_KEY},
        f"apiKey={API_KEY}&timestamp=1660801839480",
        "83303b4a136ac1371795f465808367242685a9e3a42b22edb4d977d0696eb45c",
    ),
    (
        {"symbol": "BTCUSDT", "timestamp": 1660805557200, "apiKey": API_KEY},
        f"apiKey={API_KEY}&symbol=BTCUSDT&timestamp=1660805557200",
        "773f01b6e3c2c9e0c1d217bc043ce383c1ddd6f0e25f8d6070f2b66a6ceaf3a5",
    ),
    (
        {
            "symbol": "BTCUSDT",
            "startTime": 1660780800000,
            "endTime": 1660867200000,
            "timestamp": 1661955125250,
            "apiKey": API_KEY,
        },
        f"apiKey={API_KEY}&endTime=1660867200000&startTime=1660780800000&symbol=BTCUSDT"
        "&timestamp=1661955125250",
        "c5a5ffb79fd4f2e10a92f895d488943a57954edf5933bde3338dfb6ea6d6eefc",
    ),
]


@pytest.mark.parametrize(("params", "payload", "signature"), WS_VECTORS)
def test_ws_api_vectors(params: dict[str, str | int], payload: str, signature: str) -> None:
    assert ws_payload(params) == payload
    assert HMAC.sign(payload) == signature


def test_ws_payload_excludes_signature_and_lowercases_booleans() -> None:
    params: dict[str, str | int | bool] = {"b": True, "a": False, "signature": "x", "apiKey": "k"}
    assert ws_payload(params) == "a=false&apiKey=k&b=true"


def test_rest_payload_percent_encodes_base64_signature_characters() -> None:
    assert rest_payload([("signature", "a+b/c=")]) == "signature=a%2Bb%2Fc%3D"


def test_ed25519_sign_verify_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    signer = Ed25519Signer(key)
    payload = (
        "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2"
        "&timestamp=1668481559918&recvWindow=5000"
    )
    sig = signer.sign(payload)
    assert len(sig) == 88 and signer.key_type is KeyType.ED25519
    key.public_key().verify(base64.b64decode(sig), payload.encode())
    # Ed25519 is deterministic: the same payload signs the same way.
    assert signer.sign(payload) == sig
    with pytest.raises(InvalidSignature):
        key.public_key().verify(base64.b64decode(sig), (payload + "0").encode())


def test_rsa_sign_verify_round_trip() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = RsaSigner(key)
    sig = signer.sign("apiKey=k&timestamp=1")
    key.public_key().verify(
        base64.b64decode(sig), b"apiKey=k&timestamp=1", padding.PKCS1v15(), hashes.SHA256()
    )


def test_private_key_pem_loading_with_password() -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    signer = load_private_key_signer(pem, Secret("pw"))
    assert isinstance(signer, Ed25519Signer)
    with pytest.raises(ValueError, match="wrong password"):
        load_private_key_signer(pem, Secret("nope"))
    with pytest.raises(ValueError, match="cannot load"):
        load_private_key_signer(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_secrets_hide_in_repr_str_and_refuse_pickling() -> None:
    secret = Secret(SECRET)
    for text in (repr(secret), str(secret), f"{secret}", repr(HMAC), repr([secret])):
        assert SECRET not in text
    assert secret.reveal() == SECRET
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        pickle.dumps(HMAC)
