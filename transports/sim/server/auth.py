"""Who is asking, and did they sign it: API keys, signatures and timing, as Binance checks them.

Rules (rest-api.md, Request Security):
- REST: the key is the ``X-MBX-APIKEY`` header. The signed payload is the raw query string
  without its ``signature`` pair, concatenated with no separator to the raw form body
  without its ``signature`` pair: exactly the percent-encoded bytes the client sent (the
  2026-01-15 rule). WebSocket API: every param except ``signature``, sorted by name, joined
  ``k=v&...``, *not* percent-encoded.
- HMAC-SHA256 signatures are hex, compared case-insensitively; Ed25519 and RSA
  (RSASSA-PKCS1-v1_5 with SHA-256, rest-api.md, Request Security: RSA Keys) signatures are
  base64 and case-sensitive. Comparisons are constant-time.
- ``timestamp`` is ms or µs; ``recvWindow`` defaults to 5000 ms, may carry 3 decimals and
  may not exceed 60000. Accepted iff ``timestamp < serverTime + 1000 ms`` and
  ``serverTime - timestamp <= recvWindow``; otherwise ``-1021`` with one of its two messages.
- A secret never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from transports.sim.server.params import ApiError, mandatory_missing

__all__ = [
    "DEMO_API_KEY",
    "DEMO_API_SECRET",
    "ApiAccount",
    "bad_signature",
    "Credential",
    "KeyRing",
    "check_timing",
    "rest_payload",
    "ws_payload",
]

# A demo key pair printed by ``oms exchange``; not a secret of any real account.
DEMO_API_KEY = "omsDemoKey0000000000000000000000000000000000000000000000000000001"
DEMO_API_SECRET = "omsDemoSecret000000000000000000000000000000000000000000000000001"

# Binance keys are 64 alphanumerics; anything that is not a plausible key is -2014 rather than -2015
# (errors.md, -2014). We accept 1..100 of [A-Za-z0-9_-] so configured test keys stay short.
_KEY_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_RECV_WINDOW = re.compile(r"^[0-9]{1,5}(\.[0-9]{1,3})?$")
_TIMESTAMP = re.compile(r"^[0-9]{1,20}$")
DEFAULT_RECV_WINDOW_US = 5_000_000
MAX_RECV_WINDOW_US = 60_000_000
# A timestamp this large is in microseconds (ms timestamps stay below it until year 5138).
_MICROSECONDS_FROM = 10**14
# Since 2024-12 timestamps before 2017-01-01 are refused (rest-api.md, Timing security).
_EARLIEST_MS = 1_483_228_800_000


def bad_key_format() -> ApiError:
    return ApiError(-2014, "API-key format invalid.", 401)


def rejected_key() -> ApiError:
    return ApiError(-2015, "Invalid API-key, IP, or permissions for action.", 401)


def bad_signature() -> ApiError:
    return ApiError(-1022, "Signature for this request is not valid.", 400)


OUTSIDE_WINDOW = "Timestamp for this request is outside of the recvWindow."
AHEAD = "Timestamp for this request was 1000ms ahead of the server's time."


class ApiAccount(msgspec.Struct, frozen=True, kw_only=True):
    """An API key of a SimExchange account: HMAC (``secret``), Ed25519 or RSA (PEM public
    key). "We support HMAC, RSA, and Ed25519 keys" (rest-api.md, General API Information)."""

    account: str
    api_key: str
    secret: str | None = None
    ed25519_public_key: str | None = None
    rsa_public_key: str | None = None

    @property
    def kind(self) -> str:
        if self.secret is not None:
            return "HMAC"
        return "RSA" if self.rsa_public_key is not None else "Ed25519"

    def __repr__(self) -> str:
        kind = self.kind
        return f"ApiAccount(account={self.account!r}, key=<{kind} key ...{self.api_key[-4:]}>)"

    __str__ = __repr__


class Credential:
    """A configured key, ready to verify signatures; ``repr`` never shows the secret."""

    __slots__ = ("_keyed", "_public", "_rsa", "_secret", "account", "api_key")

    def __init__(self, spec: ApiAccount) -> None:
        if not _KEY_FORMAT.match(spec.api_key):
            raise ValueError(f"API key of account {spec.account!r} is not a valid key format")
        given = (spec.secret, spec.ed25519_public_key, spec.rsa_public_key)
        if sum(v is not None for v in given) != 1:
            raise ValueError(
                f"account {spec.account!r}: give exactly one of secret / Ed25519 key / RSA key"
            )
        self.account = spec.account
        self.api_key = spec.api_key
        self._secret = spec.secret.encode() if spec.secret is not None else None
        # The HMAC keyed once; each check copies it (the key's pads are not hashed again).
        self._keyed = (
            hmac.new(self._secret, digestmod=hashlib.sha256) if self._secret is not None else None
        )
        self._public: Ed25519PublicKey | None = None
        if spec.ed25519_public_key is not None:
            key = load_pem_public_key(spec.ed25519_public_key.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"account {spec.account!r}: not an Ed25519 public key")
            self._public = key
        self._rsa: RSAPublicKey | None = None
        if spec.rsa_public_key is not None:
            rsa_key = load_pem_public_key(spec.rsa_public_key.encode())
            if not isinstance(rsa_key, RSAPublicKey):
                raise ValueError(f"account {spec.account!r}: not an RSA public key")
            self._rsa = rsa_key

    def __repr__(self) -> str:
        return f"Credential(account={self.account!r})"

    @property
    def is_ed25519(self) -> bool:
        return self._public is not None

    def verify(self, payload: bytes, signature: str) -> bool:
        """True iff ``signature`` signs ``payload`` with this key (rest-api.md, Request
        Security)."""
        if self._keyed is not None:
            keyed = self._keyed.copy()
            keyed.update(payload)
            expected = keyed.hexdigest()
            # HMAC signatures are accepted case-insensitively (rest-api.md, Request Security step
            # 4).
            return hmac.compare_digest(expected, signature.lower())
        try:
            # A '+' sent unencoded arrives as a space after form decoding.
            raw = base64.b64decode(signature.replace(" ", "+"), validate=True)
            if self._rsa is not None:
                # rest-api.md, Request Security, RSA Keys: RSASSA-PKCS1-v1_5 with SHA-256.
                self._rsa.verify(raw, payload, PKCS1v15(), SHA256())
            else:
                assert self._public is not None
                self._public.verify(raw, payload)
        except (binascii.Error, InvalidSignature, ValueError):
            return False
        return True


class KeyRing:
    """The API keys the server accepts, by key."""

    def __init__(self, accounts: Sequence[ApiAccount]) -> None:
        self._by_key: dict[str, Credential] = {}
        for spec in accounts:
            if spec.api_key in self._by_key:
                raise ValueError(f"API key of account {spec.account!r} is configured twice")
            self._by_key[spec.api_key] = Credential(spec)

    def accounts(self) -> list[str]:
        return list(dict.fromkeys(c.account for c in self._by_key.values()))

    def lookup(self, api_key: str | None) -> Credential:
        """The credential of ``api_key``.

        Raises:
            ApiError: -2014 for a missing or malformed key, -2015 for an unknown one.
        """
        found = self._by_key.get(api_key) if api_key else None
        if found is not None:
            return found  # a configured key: its format was checked when configured
        if not api_key or not _KEY_FORMAT.match(api_key):
            raise bad_key_format()
        raise rejected_key()


def _drop_signature(part: bytes) -> bytes:
    at = part.find(b"signature=")
    if at < 0:
        return part
    # The usual shape: one ``&signature=...`` pair, last.
    if at > 0 and part[at - 1] == 0x26 and part.find(b"&", at) < 0:
        return part[: at - 1]
    return b"&".join(p for p in part.split(b"&") if not p.startswith(b"signature="))


def rest_payload(query: bytes, body: bytes) -> bytes:
    """The bytes a REST client signed: query + body as sent, minus ``signature`` (rest-api.md,
    Request Security)."""
    if not body:
        return _drop_signature(query)
    return _drop_signature(query) + _drop_signature(body)


def ws_payload(params: Iterable[tuple[str, str]]) -> bytes:
    """The bytes a WebSocket API client signed: sorted ``k=v&...``, raw UTF-8 (rest-api.md, Request
    Security)."""
    pairs = sorted((k, v) for k, v in params if k != "signature")
    return "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8")


def check_timing(timestamp: str | None, recv_window: str | None, server_time_ms: int) -> None:
    """Apply rest-api.md, Timing security to a request's ``timestamp`` and ``recvWindow``.

    Raises:
        ApiError: -1102 for a missing or malformed timestamp, -1100 for a malformed
            recvWindow, -1131 for a recvWindow above 60000, -1021 when outside the window.
    """
    if timestamp is None or not _TIMESTAMP.match(timestamp):
        raise mandatory_missing("timestamp")
    window_us = DEFAULT_RECV_WINDOW_US
    if recv_window is not None:
        if not _RECV_WINDOW.match(recv_window):
            raise ApiError(
                -1100,
                "Illegal characters found in parameter 'recvWindow'; legal range is "
                f"'{_RECV_WINDOW.pattern}'.",
            )
        window_us = int(Decimal(recv_window) * 1000)
        if window_us > MAX_RECV_WINDOW_US:
            raise ApiError(-1131, "'recvWindow' must be less than 60000.")
    stamp = int(timestamp)
    stamp_us = stamp if stamp >= _MICROSECONDS_FROM else stamp * 1000
    now_us = server_time_ms * 1000
    if stamp_us >= now_us + 1_000_000:
        raise ApiError(-1021, AHEAD)
    if now_us - stamp_us > window_us or stamp_us < _EARLIEST_MS * 1000:
        raise ApiError(-1021, OUTSIDE_WINDOW)
