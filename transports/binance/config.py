"""Configuration of the Binance transport from environment variables and a ``.env`` file.

Rules:
- Variables are documented in ``.env.example``; the process environment wins over ``.env``.
- ``OMS_ENV`` is ``testnet`` (default), ``production`` or ``local``. Production is refused
  unless ``OMS_ALLOW_PRODUCTION=yes``: real money needs an explicit opt-in. ``local`` (the
  simulated exchange served by ``oms exchange``) needs ``OMS_REST_URL`` and
  ``OMS_WS_API_URL``; those two also override any environment's defaults.
- A key is an API key plus either an HMAC secret (``OMS_API_SECRET``) or a PEM private key
  file (``OMS_PRIVATE_KEY_PATH``, Ed25519 or RSA). Secrets are held in ``Secret`` and
  signers, so ``repr(config)`` shows none of them; errors name the variable, never its value.
- ``.env`` is read with python-dotenv's parser (``A="abc" # comment`` is ``abc``); no
  interpolation. A line that is not ``NAME=VALUE`` is an error naming its line.
- ``OMS_ORDER_API`` is ``rest`` (default) or ``websocket``: which API carries orders, cancels
  and order queries (``ws_api.py``); everything else is REST either way.
- URLs must be ``http(s)://`` (``OMS_REST_URL``) and ``ws(s)://`` (``OMS_WS_API_URL``);
  anything else is a configuration error, never a request that "may have executed".
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from dotenv.parser import parse_stream

from transports.binance.signing import (
    HmacSigner,
    KeyType,
    Secret,
    Signer,
    load_private_key_signer,
)

__all__ = [
    "BinanceConfig",
    "ConfigError",
    "Environment",
    "OrderApi",
    "RestHttp",
    "StreamAuth",
    "load_config",
    "parse_dotenv",
]


class ConfigError(ValueError):
    """The configuration is missing, contradictory or unsafe; the message names the variable."""


class Environment(StrEnum):
    TESTNET = "testnet"
    PRODUCTION = "production"
    LOCAL = "local"


class StreamAuth(StrEnum):
    """How the user-data stream authenticates (user-data-stream.md; web-socket-api.md,
    "User Data Stream requests")."""

    # userDataStream.subscribe.signature: any key type, no logon.
    SIGNATURE = "signature"
    # session.logon + userDataStream.subscribe: Ed25519 keys only.
    LOGON = "logon"


class OrderApi(StrEnum):
    """Which API carries orders, cancels and order queries (web-socket-api.md, "Trading
    requests": the WebSocket API's order.place / order.cancel / order.status are the REST
    endpoints' twins, answered with the same fields)."""

    REST = "rest"
    WEBSOCKET = "websocket"


class RestHttp(StrEnum):
    """Which HTTP client carries REST requests: oms's own keep-alive HTTP/1.1 client
    (``transports/binance/http1.py``, the default: a third of aiohttp's CPU per request) or
    aiohttp's (kept as a fallback for an environment the lean client does not handle)."""

    OMS = "oms"
    AIOHTTP = "aiohttp"


# rest-api.md and web-socket-api.md, "General API Information": the REST base ends at /api
# (paths add /v3/...), the WS API at /ws-api/v3.
DEFAULT_URLS: dict[Environment, tuple[str, str]] = {
    Environment.TESTNET: (
        "https://testnet.binance.vision/api",
        "wss://ws-api.testnet.binance.vision/ws-api/v3",
    ),
    Environment.PRODUCTION: (
        "https://api.binance.com/api",
        "wss://ws-api.binance.com:443/ws-api/v3",
    ),
}
E = TypeVar("E", bound=StrEnum)
N = TypeVar("N", int, float)

# rest-api.md, "Timing security": recvWindow default 5000, maximum 60000 ms.
MAX_RECV_WINDOW_MS = 60_000


@dataclass(frozen=True, kw_only=True, repr=False)
class BinanceConfig:
    """Everything the transport needs to reach one Binance account; secrets stay hidden."""

    environment: Environment = Environment.TESTNET
    rest_url: str = DEFAULT_URLS[Environment.TESTNET][0]
    ws_api_url: str = DEFAULT_URLS[Environment.TESTNET][1]
    api_key: Secret | None = None
    signer: Signer | None = None
    recv_window_ms: int = 5000
    stream_auth: StreamAuth = StreamAuth.SIGNATURE
    order_api: OrderApi = OrderApi.REST
    rest_http: RestHttp = RestHttp.OMS
    # A request that has not answered after this long is OUTCOME UNKNOWN (Binance itself
    # gives up after 10 s with -1007: errors.md, "-1007 TIMEOUT").
    request_timeout_s: float = 10.0
    # Server clock: samples per measurement and how often it is re-measured.
    time_samples: int = 5
    time_refresh_s: float = 600.0
    # Rate governor: waits up to this long for a limit to clear; longer -> RateLimited.
    max_rate_wait_s: float = 10.0
    # WebSocket API connections: the stream's reconnect backoff, the age at which the stream
    # and the order connection (ws_api.py) are replaced before Binance's 24 h limit
    # (web-socket-api.md, "General API Information"), and the stream's silence after which
    # the connection is checked with session.status.
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    stream_max_age_s: float = 23.5 * 3600
    stream_silence_s: float = 60.0
    stream_status_timeout_s: float = 10.0

    def __repr__(self) -> str:
        key = "***" if self.api_key else None
        kind = self.signer.key_type.value if self.signer else None
        return (
            f"BinanceConfig(environment={self.environment.value!r}, rest_url={self.rest_url!r}, "
            f"ws_api_url={self.ws_api_url!r}, api_key={key}, key_type={kind}, "
            f"recv_window_ms={self.recv_window_ms}, order_api={self.order_api.value!r}, "
            f"rest_http={self.rest_http.value!r})"
        )

    __str__ = __repr__


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse ``.env`` text into a dict, with python-dotenv's parser (quotes, ``#`` comments
    after a value, ``export``, escapes) and no interpolation.

    Raises:
        ConfigError: a line that is not ``NAME=VALUE`` (the message gives its line number).
    """
    out: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original
        line = original.line + len(original.string) - len(original.string.lstrip("\n"))
        if binding.error or (binding.key is not None and binding.value is None):
            raise ConfigError(f".env line {line}: expected NAME=VALUE")
        if binding.key is not None and binding.value is not None:
            out[binding.key] = binding.value
    return out


def load_config(
    environ: Mapping[str, str] | None = None, *, env_file: str | Path | None = ".env"
) -> BinanceConfig:
    """Build the configuration from ``environ`` (default ``os.environ``) over ``env_file``.

    Raises:
        ConfigError: an unknown ``OMS_ENV``, production without ``OMS_ALLOW_PRODUCTION=yes``,
            ``local`` without both URLs, a secret without a key (or the reverse), both an HMAC
            secret and a private key, an unreadable key file, or a bad number.
    """
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update(parse_dotenv(Path(env_file).read_text(encoding="utf-8")))
    values.update(os.environ if environ is None else environ)
    env = _environment(values)
    rest_url, ws_url = _urls(env, values)
    api_key, signer = _credentials(values)
    stream_auth = _choice(values, "OMS_STREAM_AUTH", StreamAuth, StreamAuth.SIGNATURE)
    if stream_auth is StreamAuth.LOGON and (
        signer is None or signer.key_type is not KeyType.ED25519
    ):
        raise ConfigError(
            "OMS_STREAM_AUTH=logon needs an Ed25519 key (session.logon accepts no other)"
        )
    recv_window = _number(values, "OMS_RECV_WINDOW_MS", 5000, int)
    if not 0 < recv_window <= MAX_RECV_WINDOW_MS:
        raise ConfigError(f"OMS_RECV_WINDOW_MS must be in 1..{MAX_RECV_WINDOW_MS}")
    return BinanceConfig(
        environment=env,
        rest_url=rest_url,
        ws_api_url=ws_url,
        api_key=api_key,
        signer=signer,
        recv_window_ms=recv_window,
        stream_auth=stream_auth,
        order_api=_choice(values, "OMS_ORDER_API", OrderApi, OrderApi.REST),
        rest_http=_choice(values, "OMS_REST_HTTP", RestHttp, RestHttp.OMS),
        request_timeout_s=_number(values, "OMS_REQUEST_TIMEOUT_S", 10.0, float),
        stream_max_age_s=_number(values, "OMS_STREAM_MAX_AGE_S", 23.5 * 3600, float),
        stream_silence_s=_number(values, "OMS_STREAM_SILENCE_S", 60.0, float),
    )


def _environment(values: Mapping[str, str]) -> Environment:
    env = _choice(values, "OMS_ENV", Environment, Environment.TESTNET)
    if env is Environment.PRODUCTION and values.get("OMS_ALLOW_PRODUCTION", "").lower() != "yes":
        raise ConfigError(
            "OMS_ENV=production trades real money: set OMS_ALLOW_PRODUCTION=yes to opt in"
        )
    return env


def _urls(env: Environment, values: Mapping[str, str]) -> tuple[str, str]:
    rest = values.get("OMS_REST_URL", "").strip()
    ws = values.get("OMS_WS_API_URL", "").strip()
    if env is Environment.LOCAL and (not rest or not ws):
        raise ConfigError("OMS_ENV=local needs both OMS_REST_URL and OMS_WS_API_URL")
    if env is not Environment.LOCAL:
        default_rest, default_ws = DEFAULT_URLS[env]
        rest, ws = rest or default_rest, ws or default_ws
    _refuse_production_hosts(env, rest, ws)
    _check_scheme("OMS_REST_URL", rest, ("http", "https"))
    _check_scheme("OMS_WS_API_URL", ws, ("ws", "wss"))
    return rest.rstrip("/"), ws


def _check_scheme(name: str, url: str, schemes: tuple[str, ...]) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme.lower() not in schemes or not parts.hostname:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{name}={url!r} must be an {allowed} URL with a host")


# Real-money Binance domains (binance.us is a separate real venue); demo-* hosts are demo mode.
_PRODUCTION_DOMAINS = ("binance.com", "binance.us")


def _refuse_production_hosts(env: Environment, *urls: str) -> None:
    # A URL override must not reach real money behind OMS_ENV=testnet or local: only
    # OMS_ENV=production (which needs OMS_ALLOW_PRODUCTION=yes) may name a production host.
    if env is Environment.PRODUCTION:
        return
    for url in urls:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        real_money = any(
            host == domain or host.endswith("." + domain) for domain in _PRODUCTION_DOMAINS
        )
        if real_money and not host.startswith("demo-"):
            raise ConfigError(
                f"OMS_ENV={env.value} with a production Binance URL ({host}): "
                "use OMS_ENV=production and OMS_ALLOW_PRODUCTION=yes for real money"
            )


def _credentials(values: Mapping[str, str]) -> tuple[Secret | None, Signer | None]:
    key = values.get("OMS_API_KEY", "").strip()
    secret = values.get("OMS_API_SECRET", "").strip()
    pem_path = values.get("OMS_PRIVATE_KEY_PATH", "").strip()
    if secret and pem_path:
        raise ConfigError("set OMS_API_SECRET (HMAC) or OMS_PRIVATE_KEY_PATH, not both")
    if not key:
        if secret or pem_path:
            raise ConfigError("OMS_API_KEY is empty but a secret or private key is set")
        return None, None
    if secret:
        return Secret(key), HmacSigner(Secret(secret))
    if not pem_path:
        raise ConfigError("OMS_API_KEY needs OMS_API_SECRET or OMS_PRIVATE_KEY_PATH")
    try:
        pem = Path(pem_path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigError(f"OMS_PRIVATE_KEY_PATH: cannot read the file ({exc.strerror})") from None
    except ValueError:  # a NUL byte: no path can hold one (open() refuses it before the OS)
        raise ConfigError("OMS_PRIVATE_KEY_PATH: not a file path (it holds a NUL byte)") from None
    password = values.get("OMS_PRIVATE_KEY_PASSWORD", "")
    try:
        signer = load_private_key_signer(pem, Secret(password) if password else None)
    except ValueError as exc:
        raise ConfigError(f"OMS_PRIVATE_KEY_PATH: {exc}") from None
    return Secret(key), signer


def _choice(values: Mapping[str, str], name: str, kind: type[E], default: E) -> E:
    raw = values.get(name, "").strip().lower()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ConfigError(f"{name}={raw!r} is not one of: {allowed}") from None


def _number(values: Mapping[str, str], name: str, default: N, kind: type[N]) -> N:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    # ``not value > 0`` (not ``value <= 0``): NaN compares false both ways, and an infinite
    # timeout or window is no limit at all.
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive finite number")
    return value
