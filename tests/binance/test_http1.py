"""oms's HTTP/1.1 client against scripted servers on 127.0.0.1: framing, keep-alive, and
every way an answer can fail to come whole."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from transports.binance.http1 import AnswerLost, ConnectFailed, HttpClient

pytestmark = pytest.mark.timeout(20)

# A script reads one request's head and answers (or does not); it gets the reader, the
# writer and the request's head as bytes.
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[None]]


class Scripted:
    """A TCP server on 127.0.0.1 that runs ``script`` for every request it reads."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.heads: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.handlers: set[asyncio.Task[None]] = set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                await self.script(reader, writer, head)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ssl_context)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in self.handlers:
            task.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)


def answer(body: bytes = b'{"ok":1}', *, extra: str = "", status: str = "200 OK") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json;charset=UTF-8\r\n"
        f"Content-Length: {len(body)}\r\nX-MBX-USED-WEIGHT-1M: 3\r\n{extra}\r\n"
    ).encode() + body


async def reply(body: bytes = b'{"ok":1}', **kw: str) -> Script:
    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        writer.write(answer(body, **kw))
        await writer.drain()

    return script


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Script], Awaitable[tuple[Scripted, HttpClient]]]]:
    made: list[tuple[Scripted, HttpClient]] = []

    async def start(script: Script) -> tuple[Scripted, HttpClient]:
        server = Scripted(script)
        port = await server.start()
        client = HttpClient(f"http://127.0.0.1:{port}/api", connect_timeout_s=2.0)
        made.append((server, client))
        return server, client

    yield start
    for server, client in made:
        await client.close()
        await server.stop()


async def test_keep_alive_one_connection_and_the_request_as_written(serve: Callable) -> None:
    server, client = await serve(await reply())
    for _ in range(5):
        got = await client.request("POST", "/v3/order?symbol=BTCUSDT&signature=ab", {"K": "v"})
        assert got.status == 200 and got.body == b'{"ok":1}'
        assert got.content_type == "application/json"
        assert got.headers["x-mbx-used-weight-1m"] == "3"  # names lowercased
    got = await client.request("GET", "/v3/time", {})
    assert server.connections == 1
    port = server.server.sockets[0].getsockname()[1] if server.server else 0
    assert (
        server.heads[0]
        == (
            "POST /api/v3/order?symbol=BTCUSDT&signature=ab HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nUser-Agent: oms\r\nAccept: */*\r\nK: v\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode()
    )
    assert server.heads[-1].startswith(b"GET /api/v3/time HTTP/1.1\r\n")
    assert b"Content-Length" not in server.heads[-1]


async def test_chunked_answers_with_extensions_and_trailers(serve: Callable) -> None:
    async def chunked(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n")
        writer.write(b"Content-Type: application/json\r\n\r\n")
        for part in (b"4;ext=1\r\n", b'{"a"', b"\r\n", b"5\r\n:1234\r\n", b"1\r\n}\r\n"):
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.001)  # arrives in pieces
        writer.write(b"0\r\nX-Trailer: t\r\n\r\n")
        await writer.drain()

    server, client = await serve(chunked)
    for _ in range(2):
        got = await client.request("GET", "/v3/x", {})
        assert got.body == b'{"a":1234}'
    assert server.connections == 1  # a chunked answer keeps the connection


async def test_interim_answers_are_skipped_and_gzip_undone(serve: Callable) -> None:
    body = gzip.compress(b'{"zipped":true}')

    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(answer(body, extra="Content-Encoding: gzip\r\n"))
        await writer.drain()

    _, client = await serve(script)
    got = await client.request("GET", "/v3/x", {})
    assert got.body == b'{"zipped":true}'


async def test_connection_close_and_a_body_until_close_open_a_new_connection(
    serve: Callable,
) -> None:
    calls = [0]

    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        calls[0] += 1
        if calls[0] == 1:
            writer.write(answer(extra="Connection: close\r\n"))
        else:  # HTTP/1.0 style: no length, the body ends when the server closes
            writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"end":')
            await writer.drain()
            writer.write(b"1}")
        await writer.drain()
        writer.close()

    server, client = await serve(script)
    assert (await client.request("GET", "/v3/a", {})).body == b'{"ok":1}'
    assert (await client.request("GET", "/v3/b", {})).body == b'{"end":1}'
    assert server.connections == 2


async def test_no_whole_answer_is_answer_lost_and_the_connection_is_not_reused(
    serve: Callable,
) -> None:
    calls = [0]

    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        calls[0] += 1
        if calls[0] == 1:  # promises 100 bytes, sends 5, closes
            writer.write(answer(b"12345")[:-5].replace(b": 5\r", b": 100\r") + b"12345")
            await writer.drain()
            writer.close()
        elif calls[0] == 2:
            writer.write(b"HTTP/1.1 OK\r\n\r\n")  # no status code
            await writer.drain()
        elif calls[0] == 3:
            writer.close()  # read the request, never answer
        else:
            writer.write(answer())
            await writer.drain()

    server, client = await serve(script)
    with pytest.raises(AnswerLost, match="closed before the whole answer"):
        await client.request("POST", "/v3/order", {})
    with pytest.raises(AnswerLost, match="malformed answer"):
        await client.request("POST", "/v3/order", {})
    with pytest.raises(AnswerLost):
        await client.request("POST", "/v3/order", {})
    assert (await client.request("GET", "/v3/time", {})).status == 200
    assert server.connections == 4


async def test_a_cancelled_request_never_lends_its_late_answer_to_the_next(
    serve: Callable,
) -> None:
    calls = [0]

    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        calls[0] += 1
        if calls[0] == 1:
            await asyncio.sleep(0.2)  # answers after the caller gave up
            writer.write(answer(b'{"late":1}'))
        else:
            writer.write(answer(b'{"second":1}'))
        await writer.drain()

    server, client = await serve(script)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await client.request("POST", "/v3/order", {})
    got = await client.request("POST", "/v3/order", {})
    assert got.body == b'{"second":1}'
    assert server.connections == 2


async def test_bytes_beyond_the_answer_end_the_connection(serve: Callable) -> None:
    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        writer.write(answer() + b"HTTP/1.1 200 OK\r\n")  # a stray second answer
        await writer.drain()

    server, client = await serve(script)
    assert (await client.request("GET", "/v3/a", {})).body == b'{"ok":1}'
    assert (await client.request("GET", "/v3/b", {})).body == b'{"ok":1}'
    assert server.connections == 2


async def test_idle_connections_expire_and_a_server_close_is_noticed(serve: Callable) -> None:
    calls = [0]

    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        calls[0] += 1
        writer.write(answer())
        await writer.drain()
        if calls[0] == 1:
            await asyncio.sleep(0.01)
            writer.close()  # the server's keep-alive ends while the client is idle

    server, client = await serve(script)
    await client.request("GET", "/v3/a", {})
    await asyncio.sleep(0.05)
    await client.request("GET", "/v3/b", {})  # not written into the closed connection
    assert server.connections == 2
    client._idle_s = 0.0  # every idle connection is now too old to trust
    await client.request("GET", "/v3/c", {})
    assert server.connections == 3


async def test_at_most_limit_connections_and_the_rest_wait(serve: Callable) -> None:
    gate = asyncio.Event()

    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: bytes) -> None:
        await gate.wait()
        writer.write(answer())
        await writer.drain()

    server, client = await serve(script)
    client._limit = 2
    tasks = [asyncio.create_task(client.request("GET", f"/v3/{i}", {})) for i in range(6)]
    await asyncio.sleep(0.1)
    assert server.connections == 2 and len(server.heads) == 2
    gate.set()
    assert all(t.status == 200 for t in await asyncio.gather(*tasks))
    assert server.connections == 2


async def test_refused_connection_and_closed_client_are_connect_failed() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    client = HttpClient(f"http://127.0.0.1:{port}/api", connect_timeout_s=2.0)
    with pytest.raises(ConnectFailed, match="ConnectionRefusedError"):
        await client.request("GET", "/v3/time", {})
    await client.close()
    with pytest.raises(ConnectFailed, match="closed"):
        await client.request("GET", "/v3/time", {})


async def test_a_line_break_cannot_reach_the_request_head(serve: Callable) -> None:
    server, client = await serve(await reply())
    with pytest.raises(ValueError, match="line break"):
        await client.request("GET", "/v3/time", {"X-MBX-APIKEY": "key\r\nInjected: 1"})
    with pytest.raises(ValueError):
        await client.request("GET", "/v3/time HTTP/1.1\r\nX: y", {})
    assert server.heads == []


def _certificate(tmp_path: Path, *, ip_san: bool = True) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost")]
                + ([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))] if ip_san else [])
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_is_verified_against_the_systems_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_path, key_path = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    server = Scripted(await reply(b'{"tls":1}'))
    port = await server.start(context)
    try:
        # Not trusted: the handshake fails before anything is sent.
        untrusted = HttpClient(f"https://127.0.0.1:{port}/api", connect_timeout_s=2.0)
        with pytest.raises(ConnectFailed, match="SSL"):
            await untrusted.request("GET", "/v3/time", {})
        await untrusted.close()
        assert server.heads == []
        # Trusted through the system's own setting (OpenSSL's SSL_CERT_FILE).
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
        trusted = HttpClient(f"https://localhost:{port}/api", connect_timeout_s=2.0)
        for _ in range(2):
            assert (await trusted.request("GET", "/v3/time", {})).body == b'{"tls":1}'
        await trusted.close()
        assert server.heads[0].startswith(b"GET /api/v3/time HTTP/1.1\r\nHost: localhost:")
        assert server.connections == 1  # one kept alive (the refused handshake never got in)
    finally:
        await server.stop()


def test_the_client_runs_on_uvloop() -> None:
    """uvloop's transports are not ``asyncio.Transport`` subclasses (``OMS_UVLOOP=1``)."""
    uvloop = pytest.importorskip("uvloop")

    async def run() -> bytes:
        server = Scripted(await reply(b'{"uv":1}'))
        port = await server.start()
        client = HttpClient(f"http://127.0.0.1:{port}/api", connect_timeout_s=2.0)
        try:
            return (await client.request("GET", "/v3/time", {})).body
        finally:
            await client.close()
            await server.stop()

    assert uvloop.run(run()) == b'{"uv":1}'
