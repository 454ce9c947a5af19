"""Configuration from the environment and .env: defaults, opt-ins, clear errors, no secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from transports.binance.config import (
    ConfigError,
    Environment,
    OrderApi,
    RestHttp,
    StreamAuth,
    load_config,
    parse_dotenv,
)
from transports.binance.signing import KeyType

KEY = "k3yk3yk3yAPIKEYvalue0123456789"
SECRET = "s3cr3tHMACsecretvalue0123456789"


def test_defaults_are_testnet_without_credentials(tmp_path: Path) -> None:
    config = load_config({}, env_file=tmp_path / "missing.env")
    assert config.environment is Environment.TESTNET
    assert config.rest_url == "https://testnet.binance.vision/api"
    assert config.ws_api_url == "wss://ws-api.testnet.binance.vision/ws-api/v3"
    assert config.api_key is None and config.signer is None
    assert config.recv_window_ms == 5000


def test_production_requires_explicit_opt_in() -> None:
    with pytest.raises(ConfigError, match="OMS_ALLOW_PRODUCTION=yes"):
        load_config({"OMS_ENV": "production"}, env_file=None)
    with pytest.raises(ConfigError, match="OMS_ALLOW_PRODUCTION=yes"):
        load_config({"OMS_ENV": "production", "OMS_ALLOW_PRODUCTION": "true"}, env_file=None)
    config = load_config({"OMS_ENV": "production", "OMS_ALLOW_PRODUCTION": "yes"}, env_file=None)
    assert config.rest_url == "https://api.binance.com/api"
    assert config.ws_api_url == "wss://ws-api.binance.com:443/ws-api/v3"


def test_local_needs_both_urls() -> None:
    with pytest.raises(ConfigError, match="OMS_REST_URL and OMS_WS_API_URL"):
        load_config({"OMS_ENV": "local", "OMS_REST_URL": "http://127.0.0.1:1/api"}, env_file=None)
    config = load_config(
        {
            "OMS_ENV": "local",
            "OMS_REST_URL": "http://127.0.0.1:8765/api/",
            "OMS_WS_API_URL": "ws://127.0.0.1:8765/ws-api/v3",
        },
        env_file=None,
    )
    assert config.rest_url == "http://127.0.0.1:8765/api"


def test_unknown_environment_and_bad_numbers_are_named() -> None:
    with pytest.raises(ConfigError, match="OMS_ENV='mainnet' is not one of"):
        load_config({"OMS_ENV": "mainnet"}, env_file=None)
    with pytest.raises(ConfigError, match="OMS_RECV_WINDOW_MS='soon'"):
        load_config({"OMS_RECV_WINDOW_MS": "soon"}, env_file=None)
    with pytest.raises(ConfigError, match=r"1\.\.60000"):
        load_config({"OMS_RECV_WINDOW_MS": "60001"}, env_file=None)


def test_dotenv_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\n"
        f"export OMS_API_KEY='{KEY}'\n"
        f'OMS_API_SECRET="{SECRET}"\n'
        "OMS_RECV_WINDOW_MS=3000 # trailing comment\n"
        "\n"
    )
    config = load_config({"OMS_RECV_WINDOW_MS": "2500"}, env_file=env_file)
    assert config.api_key is not None and config.api_key.reveal() == KEY
    assert config.signer is not None and config.signer.key_type is KeyType.HMAC_SHA256
    assert config.recv_window_ms == 2500
    text = repr(config) + str(config)
    assert KEY not in text and SECRET not in text


def test_dotenv_rejects_a_line_without_equals() -> None:
    with pytest.raises(ConfigError, match="line 2"):
        parse_dotenv("A=1\nnonsense\n")


def test_credentials_must_be_complete_and_unambiguous(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs OMS_API_SECRET or OMS_PRIVATE_KEY_PATH"):
        load_config({"OMS_API_KEY": KEY}, env_file=None)
    with pytest.raises(ConfigError, match="OMS_API_KEY is empty"):
        load_config({"OMS_API_SECRET": SECRET}, env_file=None)
    with pytest.raises(ConfigError, match="not both"):
        load_config(
            {"OMS_API_KEY": KEY, "OMS_API_SECRET": SECRET, "OMS_PRIVATE_KEY_PATH": "x"},
            env_file=None,
        )
    with pytest.raises(ConfigError, match="cannot read the file") as info:
        load_config(
            {"OMS_API_KEY": KEY, "OMS_PRIVATE_KEY_PATH": str(tmp_path / "nope.pem")},
            env_file=None,
        )
    assert KEY not in str(info.value)


def test_ed25519_key_file_and_logon_stream_auth(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    values = {"OMS_API_KEY": KEY, "OMS_PRIVATE_KEY_PATH": str(pem), "OMS_STREAM_AUTH": "logon"}
    config = load_config(values, env_file=None)
    assert config.signer is not None and config.signer.key_type is KeyType.ED25519
    assert config.stream_auth is StreamAuth.LOGON
    with pytest.raises(ConfigError, match="needs an Ed25519 key"):
        load_config(
            {"OMS_API_KEY": KEY, "OMS_API_SECRET": SECRET, "OMS_STREAM_AUTH": "logon"},
            env_file=None,
        )


def test_env_example_documents_every_variable_the_loader_reads() -> None:
    root = Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text()
    source = "".join(
        p.read_text()
        for p in [root / "transports" / "binance" / "config.py", *root.glob("oms/*.py")]
    )

    names = set(re.findall(r'"(OMS_[A-Z0-9_]+)"', source))
    assert names, "the loader reads OMS_ variables"
    missing = sorted(n for n in names if n not in example)
    assert not missing, f".env.example does not document {missing}"


@pytest.mark.parametrize("env", ["testnet", "local"])
@pytest.mark.parametrize(
    "url",
    [
        "https://api.binance.com/api",
        "https://api3.binance.com/api",
        "wss://ws-api.binance.com:443/ws-api/v3",
        "https://api.binance.com./api",  # a trailing dot is the same host
        "https://api.binance.us/api",  # another real-money venue
    ],
)
def test_a_url_override_cannot_reach_production_without_the_opt_in(env: str, url: str) -> None:
    values = {"OMS_ENV": env, "OMS_REST_URL": url, "OMS_WS_API_URL": url}
    with pytest.raises(ConfigError, match="OMS_ALLOW_PRODUCTION=yes"):
        load_config(values, env_file=None)
    # The demo-mode hosts are not real money; production itself still needs the opt-in.
    demo = {
        "OMS_ENV": env,
        "OMS_REST_URL": "https://demo-api.binance.com/api",
        "OMS_WS_API_URL": "wss://demo-ws-api.binance.com/ws-api/v3",
    }
    assert load_config(demo, env_file=None).rest_url == "https://demo-api.binance.com/api"
    name = "OMS_REST_URL" if url.startswith("https") else "OMS_WS_API_URL"
    opted = {"OMS_ENV": "production", "OMS_ALLOW_PRODUCTION": "yes", name: url}
    config = load_config(opted, env_file=None)
    assert url.rstrip("/") in (config.rest_url, config.ws_api_url)


def test_dotenv_quotes_and_comments_are_read_as_a_shell_would() -> None:
    """Issue 15: ``A="abc" # comment`` kept its quotes (python-dotenv reads it right)."""
    parsed = parse_dotenv(
        'A="abc" # comment\nB=\'x y\'   # another\nC=plain # trailing\nD="has # inside"\nE=a#b\n'
    )
    assert parsed == {"A": "abc", "B": "x y", "C": "plain", "D": "has # inside", "E": "a#b"}


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("OMS_REST_URL", "ftp://127.0.0.1:8765/api"),
        ("OMS_REST_URL", "127.0.0.1:8765/api"),
        ("OMS_WS_API_URL", "http://127.0.0.1:8765/ws-api/v3"),
        ("OMS_WS_API_URL", "ftp://127.0.0.1/ws"),
    ],
)
def test_a_url_of_the_wrong_scheme_is_a_configuration_error(name: str, url: str) -> None:
    """Issue 15: an ``ftp://`` URL used to end as "the order may have executed"."""
    values = {
        "OMS_ENV": "local",
        "OMS_REST_URL": "http://127.0.0.1:8765/api",
        "OMS_WS_API_URL": "ws://127.0.0.1:8765/ws-api/v3",
        name: url,
    }
    with pytest.raises(ConfigError, match=name):
        load_config(values, env_file=None)


def test_order_api_from_the_environment() -> None:
    assert load_config({}, env_file=None).order_api is OrderApi.REST
    config = load_config({"OMS_ORDER_API": "WebSocket"}, env_file=None)
    assert config.order_api is OrderApi.WEBSOCKET and "order_api='websocket'" in repr(config)
    with pytest.raises(ConfigError, match="OMS_ORDER_API='grpc' is not one of: rest, websocket"):
        load_config({"OMS_ORDER_API": "grpc"}, env_file=None)


def test_rest_http_from_the_environment() -> None:
    assert load_config({}, env_file=None).rest_http is RestHttp.OMS
    config = load_config({"OMS_REST_HTTP": "aiohttp"}, env_file=None)
    assert config.rest_http is RestHttp.AIOHTTP and "rest_http='aiohttp'" in repr(config)
    with pytest.raises(ConfigError, match="OMS_REST_HTTP='curl' is not one of: oms, aiohttp"):
        load_config({"OMS_REST_HTTP": "curl"}, env_file=None)
