"""Request signing for Binance Spot: payload canonicalisation and signatures. Pure, no I/O.

Rules (rest-api.md, "Request Security"; web-socket-api.md, "Request security"):
- REST: percent-encode the parameters first (``urllib.parse.urlencode`` semantics, UTF-8),
  then sign ``queryString + requestBody`` concatenated with *no* separator, and send exactly
  the bytes that were signed. Mandatory since 2026-01-15 (testnet 2025-12-17).
- WebSocket API: sort the params by name, join as ``k=v&k=v`` and do *not* percent-encode;
  sign the raw UTF-8. ``apiKey`` is part of the signed payload.
- HMAC-SHA256 signatures are lowercase hex; Ed25519 and RSA (PKCS#1 v1.5, SHA-256)
  signatures are base64, percent-encoded only when they travel in a REST payload.
- Secrets live in ``Secret``, whose ``repr``/``str`` never show the value and which refuses to
  be pickled; signers hold keys the same way. Nothing here logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import NoReturn, Protocol
from urllib.parse import quote_plus, urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = [
    "Ed25519Signer",
    "HmacSigner",
    "KeyType",
    "RsaSigner",
    "Secret",
    "Signer",
    "load_private_key_signer",
    "rest_payload",
    "ws_payload",
    "ws_value",
]

WsParam = str | int | bool


class Secret:
    """A secret string (API secret, API key) whose text never reaches a log or a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret text itself: only for signing or for the one header that carries it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


class KeyType(StrEnum):
    """Binance API key types (faqs/api_key_types.md)."""

    HMAC_SHA256 = "HMAC_SHA256"
    ED25519 = "ED25519"
    RSA = "RSA"


class Signer(Protocol):
    """Turns a canonical payload into Binance's signature text."""

    @property
    def key_type(self) -> KeyType: ...

    def sign(self, payload: str) -> str: ...


class HmacSigner:
    """HMAC-SHA256 over the payload, lowercase hex (rest-api.md, "HMAC Keys")."""

    def __init__(self, secret: Secret) -> None:
        # The keyed HMAC state, built once: each signature copies it (the key's pads are
        # not hashed again per request).
        self._keyed = hmac.new(secret.reveal().encode("utf-8"), digestmod=hashlib.sha256)

    @property
    def key_type(self) -> KeyType:
        return KeyType.HMAC_SHA256

    def sign(self, payload: str) -> str:
        mac = self._keyed.copy()
        mac.update(payload.encode("utf-8"))
        return mac.hexdigest()

    def __repr__(self) -> str:
        return "HmacSigner(secret=***)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a signer cannot be pickled")


class Ed25519Signer:
    """Ed25519 over the payload, base64 (rest-api.md, "Ed25519 Keys")."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @property
    def key_type(self) -> KeyType:
        return KeyType.ED25519

    def sign(self, payload: str) -> str:
        return base64.b64encode(self._key.sign(payload.encode("utf-8"))).decode("ascii")

    def __repr__(self) -> str:
        return "Ed25519Signer(private_key=***)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a signer cannot be pickled")


class RsaSigner:
    """RSASSA-PKCS1-v1_5 with SHA-256 over the payload, base64 (rest-api.md, "RSA Keys")."""

    def __init__(self, key: RSAPrivateKey) -> None:
        self._key = key

    @property
    def key_type(self) -> KeyType:
        return KeyType.RSA

    def sign(self, payload: str) -> str:
        raw = self._key.sign(payload.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode("ascii")

    def __repr__(self) -> str:
        return "RsaSigner(private_key=***)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a signer cannot be pickled")


def load_private_key_signer(
    pem: bytes, password: Secret | None = None
) -> Ed25519Signer | RsaSigner:
    """Build a signer from a PEM private key (Ed25519, or RSA).

    Raises:
        ValueError: the PEM is not a private key, the password is wrong, or the key type is
            neither Ed25519 nor RSA. The message never contains key material.
    """
    secret = password.reveal().encode("utf-8") if password else None
    try:
        key = serialization.load_pem_private_key(pem, password=secret)
    except (ValueError, TypeError) as exc:
        kind = type(exc).__name__
        raise ValueError(f"cannot load the private key PEM ({kind}; wrong password?)") from None
    if isinstance(key, Ed25519PrivateKey):
        return Ed25519Signer(key)
    if isinstance(key, RSAPrivateKey):
        return RsaSigner(key)
    raise ValueError(f"unsupported private key type {type(key).__name__}; use Ed25519 or RSA")


def rest_payload(params: Sequence[tuple[str, str]]) -> str:
    """The percent-encoded REST payload, in the order given (rest-api.md, "SIGNED Endpoint
    Examples for POST /api/v3/order").

    ``urllib.parse.urlencode`` with UTF-8 is exactly what the docs' Python example does, so
    a full-width digit one (U+FF11) becomes ``%EF%BC%91``. The result is both what is signed
    and what is sent.
    """
    pairs = list(params)
    if _unreserved("".join([k + v for k, v in pairs])):
        # Nothing to percent-encode (the common case: symbols, enums, decimals, client
        # ids): urlencode would return exactly this join.
        return "&".join([k + "=" + v for k, v in pairs])
    return urlencode(pairs, encoding="utf-8")


def quote_value(value: str) -> str:
    """One value as ``rest_payload`` encodes it (a signature appended to a payload)."""
    return value if _unreserved(value) else quote_plus(value, encoding="utf-8")


# The characters urlencode never escapes (urllib.parse's always-safe set).
_unreserved = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def ws_value(value: WsParam) -> str:
    """A WebSocket API parameter as it appears in the signed payload (JSON booleans lowercase)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def ws_payload(params: Mapping[str, WsParam]) -> str:
    """The WebSocket API payload: every param but ``signature``, sorted by name, not encoded.

    Binance quirk (web-socket-api.md, "SIGNED request security"): unlike REST, nothing is
    percent-encoded here.
    """
    return "&".join(f"{k}={ws_value(v)}" for k, v in sorted(params.items()) if k != "signature")
