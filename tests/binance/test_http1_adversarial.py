"""An adversarial review of oms's HTTP/1.1 client: every attempt to break it, each against a
real scripted server on 127.0.0.1 (RFC 9112 framing, connection reuse, concurrency, TLS,
secrets, leaks). The money rule under test: a request that may have been written ends in a
whole, correctly framed answer or in ``AnswerLost`` (``OutcomeUnknown``), never in another
request's answer; one never written ends in ``ConnectFailed`` (``Disconnected``)."""

from __future__ import annotations

import asyncio
import gc
import gzip
import logging
import socket
import ssl
import struct
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import msgspec
import pytest

from oms.errors import Disconnected, OmsError, OutcomeUnknown
from oms.wire.rest import NewOrderAck
from transports.binance import http1
from transports.binance.client import BinanceClient
from transports.binance.config import RestHttp
from transports.binance.http1 import AnswerLost, ConnectFailed, HttpClient
from transports.wire import encode_json

from .hostile import ACK, API_KEY, config_for
from .test_hostile_rest import ORDER
from .test_http1 import _certificate

pytestmark = pytest.mark.timeout(30)

# A handler owns one accepted connection: its reader and writer.
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Raw:
    """A TCP (or TLS) server on 127.0.0.1 whose ``handler`` plays each connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.heads: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            await self.handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.transport.abort()

    async def head(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        return head

    async def start(self, ssl_context: ssl.SSLContext | None = None, port: int = 0) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port, ssl=ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()


Start = Callable[[Handler], Awaitable[tuple[Raw, HttpClient]]]


@pytest.fixture
async def raw() -> AsyncIterator[Start]:
    made: list[tuple[Raw, HttpClient]] = []

    async def start(handler: Handler) -> tuple[Raw, HttpClient]:
        server = Raw(handler)
        port = await server.start()
        client = HttpClient(f"http://127.0.0.1:{port}/api", connect_timeout_s=2.0)
        made.append((server, client))
        return server, client

    yield start
    for server, client in made:
        await client.close()
        await server.stop()
        assert client._open == 0 and not client._conns  # every connection given back


def ok(body: bytes = b'{"ok":1}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


async def send(writer: asyncio.StreamWriter, data: bytes, *, bytewise: bool) -> None:
    if not bytewise:
        writer.write(data)
        await writer.drain()
        return
    for i in range(len(data)):  # every byte boundary: one byte a write, one a loop turn
        writer.write(data[i : i + 1])
        await writer.drain()
        await asyncio.sleep(0)


# --- framing (RFC 9112, section 6) -------------------------------------------------------

# (name, the answer's bytes, the body expected (None: AnswerLost), reusable afterwards)
GOOD = b'{"ok":1}'
JSON = b"Content-Type: application/json\r\n"
FRAMING: list[tuple[str, bytes, bytes | None, bool]] = [
    (
        "length with leading zeros",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0008\r\n\r\n" + GOOD,
        GOOD,
        True,
    ),
    # RFC 9112 section 6.3 item 5: a list of identical values is that one value.
    (
        "length repeated, same value",
        b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nContent-Length: 8\r\n\r\n" + GOOD,
        GOOD,
        True,
    ),
    (
        "length list, same value",
        b"HTTP/1.1 200 OK\r\nContent-Length: 8, 8\r\n\r\n" + GOOD,
        GOOD,
        True,
    ),
    (
        "lengths in conflict",
        b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nContent-Length: 7\r\n\r\n" + GOOD,
        None,
        False,
    ),
    ("length signed", b"HTTP/1.1 200 OK\r\nContent-Length: +8\r\n\r\n" + GOOD, None, False),
    (
        "length not ASCII digits",
        b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\n" + GOOD,
        None,
        False,
    ),
    (
        "length beyond any body we accept",
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n" + GOOD,
        None,
        False,
    ),
    # Section 6.3 item 3: Transfer-Encoding overrides Content-Length; the connection is not
    # trusted again (the pair may be response splitting).
    (
        "length and chunked",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"8\r\n" + GOOD + b"\r\n0\r\n\r\n",
        GOOD,
        False,
    ),
    (
        "chunk sizes in upper case",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n" + GOOD + b"xy\r\n0\r\n\r\n",
        GOOD + b"xy",
        True,
    ),
    (
        "chunk extensions with spaces",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'8 ; name="v;x" ; flag\r\n' + GOOD + b"\r\n0;last\r\n\r\n",
        GOOD,
        True,
    ),
    (
        "trailers",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"8\r\n" + GOOD + b"\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n",
        GOOD,
        True,
    ),
    (
        "huge chunk size",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n" + GOOD,
        None,
        False,
    ),
    (
        "negative chunk size",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n" + GOOD + b"\r\n0\r\n\r\n",
        None,
        False,
    ),
    (
        "chunk size with 0x",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x8\r\n" + GOOD + b"\r\n0\r\n\r\n",
        None,
        False,
    ),
    (
        "chunk size with an underscore",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0_8\r\n" + GOOD + b"\r\n0\r\n\r\n",
        None,
        False,
    ),
    # We never send TE (RFC 9112 section 7.4): a transfer coding other than chunked is not ours
    # to guess at, and a gzip one left on the body would hand back compressed bytes.
    (
        "gzip transfer coding under chunked",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        + b"%x\r\n" % len(gzip.compress(GOOD))
        + gzip.compress(GOOD)
        + b"\r\n0\r\n\r\n",
        None,
        False,
    ),
    (
        "chunk data longer than its size",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n" + GOOD + b"\r\n0\r\n\r\n",
        None,
        False,
    ),
    (
        "1xx and the answer in one packet",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ok(),
        GOOD,
        True,
    ),
    ("204 with a body", b"HTTP/1.1 204 No Content\r\nContent-Length: 8\r\n\r\n" + GOOD, b"", False),
    ("304 with a length", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 8\r\n\r\n", b"", True),
    (
        "304 with a body in the same packet",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 8\r\n\r\n" + GOOD,
        b"",
        False,
    ),
    (
        "status line without a reason",
        b"HTTP/1.1 200\r\nContent-Length: 8\r\n\r\n" + GOOD,
        GOOD,
        True,
    ),
    (
        "status code of four digits",
        b"HTTP/1.1 2000 OK\r\nContent-Length: 8\r\n\r\n" + GOOD,
        None,
        False,
    ),
    ("not HTTP/1.x", b"HTTP/2.0 200 OK\r\nContent-Length: 8\r\n\r\n" + GOOD, None, False),
    # RFC 9112 section 5.2: a user agent replaces an obs-fold with SP.
    (
        "obs-fold",
        b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n \tb\r\nContent-Length: 8\r\n\r\n" + GOOD,
        GOOD,
        True,
    ),
    (
        "obs-fold on the first line",
        b"HTTP/1.1 200 OK\r\n X: a\r\nContent-Length: 8\r\n\r\n" + GOOD,
        None,
        False,
    ),
    # RFC 9112 section 2.2: a recipient MAY take a lone LF as a line terminator.
    ("LF-only line endings", b"HTTP/1.1 200 OK\nContent-Length: 8\n\n" + GOOD, GOOD, True),
    (
        "LF-only, CRLF in the body",
        b"HTTP/1.1 200 OK\nContent-Length: 12\n\n\r\n\r\n" + GOOD,
        b"\r\n\r\n" + GOOD,
        True,
    ),
    ("mixed line endings", b"HTTP/1.1 200 OK\r\nContent-Length: 8\n\r\n" + GOOD, GOOD, True),
    (
        "header names in odd case",
        b"HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 8\r\n\r\n" + GOOD,
        GOOD,
        True,
    ),
    (
        "space before the colon",
        b"HTTP/1.1 200 OK\r\nContent-Length : 8\r\n\r\n" + GOOD,
        None,
        False,
    ),
    (
        "HTTP/1.0 without keep-alive",
        b"HTTP/1.0 200 OK\r\nContent-Length: 8\r\n\r\n" + GOOD,
        GOOD,
        False,
    ),
    (
        "HTTP/1.0 with keep-alive and close",
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 8\r\n\r\n" + GOOD,
        GOOD,
        False,
    ),
    (
        "HTTP/1.0 with keep-alive",
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 8\r\n\r\n" + GOOD,
        GOOD,
        True,
    ),
    ("HTTP/1.0 until close", b"HTTP/1.0 200 OK\r\n\r\n" + GOOD, GOOD, False),
    # RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; close after.
    (
        "HTTP/1.0 chunked",
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"8\r\n" + GOOD + b"\r\n0\r\n\r\n",
        GOOD,
        False,
    ),
    (
        "Connection: close among tokens",
        b"HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 8\r\n\r\n" + GOOD,
        GOOD,
        False,
    ),
]


def _close_after(data: bytes, reusable: bool) -> bool:
    # A body read until close (no length, not chunked) needs the server to close.
    return b"Content-Length" not in data and b"chunked" not in data and b" 20" in data[:13]


# A body after a 304 that arrives after the answer is indistinguishable from the next
# request's answer: the module's documented limit, so only sent in one packet.
CASES = [
    pytest.param(*case, bytewise, id=f"{case[0]}-{'bytewise' if bytewise else 'whole'}")
    for case in FRAMING
    for bytewise in (False, True)
    if not (bytewise and case[0] == "304 with a body in the same packet")
]


@pytest.mark.parametrize(("name", "data", "body", "reusable", "bytewise"), CASES)
async def test_framing(
    raw: Start, name: str, data: bytes, body: bytes | None, reusable: bool, bytewise: bool
) -> None:
    first = [True]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await server.head(reader)
            if first[0]:
                first[0] = False
                await send(writer, data, bytewise=bytewise)
                if body is not None and not reusable and _close_after(data, reusable):
                    writer.close()
                    return
            else:
                writer.write(ok(b'{"next":1}'))
                await writer.drain()

    server, client = await raw(handler)
    if body is None:
        with pytest.raises(AnswerLost, match="malformed answer"):
            await client.request("GET", "/v3/x", {})
    else:
        got = await client.request("GET", "/v3/x", {})
        assert got.body == body
        if name == "obs-fold":
            assert got.headers["x-folded"] == "a b"
    # The next request gets its own answer, on the same connection only if trusted.
    assert (await client.request("GET", "/v3/y", {})).body == b'{"next":1}'
    assert server.connections == (1 if reusable else 2)


@pytest.mark.parametrize("split", [False, True], ids=["one-packet", "in-packets"])
async def test_a_header_section_over_64_kib_fails_at_once(raw: Start, split: bool) -> None:
    big = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\nContent-Length: 8\r\n\r\n" + GOOD

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        for i in range(0, len(big), 1000 if split else len(big)):
            writer.write(big[i : i + (1000 if split else len(big))])
            await writer.drain()
        await reader.read()

    server, client = await raw(handler)
    with pytest.raises(AnswerLost, match="header section too long"):
        await client.request("GET", "/v3/a", {})


async def test_a_gzip_body_inflating_past_the_limit_fails(
    raw: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http1, "_MAX_BODY", 64 * 1024)  # the limit, scaled to a test
    bomb = gzip.compress(b"0" * (64 * 1024 + 1))  # ~100 bytes that inflate past it

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        writer.write(ok(bomb, b"Content-Encoding: gzip\r\n"))
        await writer.drain()
        await reader.read()

    server, client = await raw(handler)
    with pytest.raises(AnswerLost, match="body too long"):
        await client.request("GET", "/v3/a", {})


# --- connection reuse --------------------------------------------------------------------


def _linger_zero(writer: asyncio.StreamWriter) -> None:
    """Make the coming close an RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("rst", [False, True], ids=["fin", "rst"])
async def test_a_keep_alive_connection_closed_as_the_next_request_is_written(
    raw: Start, rst: bool
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        writer.write(ok())
        await writer.drain()
        await server.head(reader)  # the next request arrives: the server's keep-alive ends
        if rst:
            _linger_zero(writer)
            writer.transport.abort()
        else:
            writer.close()

    server, client = await raw(handler)
    assert (await client.request("GET", "/v3/a", {})).body == GOOD
    with pytest.raises(AnswerLost, match="closed before the whole answer"):
        await client.request("POST", "/v3/order", {})  # written: the outcome is unknown
    assert server.connections == 1 and len(server.heads) == 2


async def test_a_server_closing_right_after_its_answer_never_hangs_nor_misleads(
    raw: Start,
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        writer.write(ok(b'{"n":%d}' % server.connections))
        await writer.drain()
        writer.close()  # FIN right after the answer: it races the client's next request

    server, client = await raw(handler)
    outcomes = {"answer": 0, "lost": 0}
    for _ in range(20):
        try:
            got = await client.request("GET", "/v3/a", {})
        except AnswerLost:
            outcomes["lost"] += 1
        else:
            assert got.body == b'{"n":%d}' % server.connections  # its own connection's answer
            outcomes["answer"] += 1
    assert outcomes["answer"] >= 1 and sum(outcomes.values()) == 20


async def test_a_second_answer_to_one_request_ends_the_connection(raw: Start) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        writer.write(ok(b'{"first":1}'))
        await writer.drain()
        await asyncio.sleep(0.02)
        writer.write(ok(b'{"again":1}'))  # the same answer again, while the client is idle
        await writer.drain()
        while True:
            await server.head(reader)
            writer.write(ok(b'{"later":1}'))
            await writer.drain()

    server, client = await raw(handler)
    assert (await client.request("GET", "/v3/a", {})).body == b'{"first":1}'
    await asyncio.sleep(0.1)
    assert (await client.request("GET", "/v3/b", {})).body == b'{"first":1}'  # a new one
    assert server.connections == 2 and len(server.heads) == 2


async def test_an_answer_before_the_request_is_read_is_its_answer(raw: Start) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.heads.append(await reader.readuntil(b"\r\n"))  # the request line only
        writer.write(ok(b'{"early":1}'))
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        await server.head(reader)
        writer.write(ok())
        await writer.drain()

    server, client = await raw(handler)
    assert (await client.request("GET", "/v3/a", {})).body == b'{"early":1}'
    assert (await client.request("GET", "/v3/b", {})).body == GOOD
    assert server.connections == 1


async def test_rst_in_the_middle_of_an_answer_is_answer_lost(raw: Start) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        writer.write(ok()[:-3])
        await writer.drain()
        await asyncio.sleep(0.01)
        _linger_zero(writer)
        writer.transport.abort()

    server, client = await raw(handler)
    with pytest.raises(AnswerLost):
        await client.request("POST", "/v3/order", {})


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (ok(), GOOD),  # whole and kept alive: the half-close ends it for the next request
        (ok()[:-2], None),  # the body cut short
        (b"HTTP/1.1 200 OK\r\n\r\n" + GOOD, GOOD),  # a body until close: the FIN ends it
    ],
    ids=["after-answer", "mid-answer", "until-close"],
)
async def test_half_close(raw: Start, data: bytes, body: bytes | None) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        writer.write(data)
        writer.write_eof()  # FIN on our side, still reading
        await writer.drain()
        await reader.read()

    server, client = await raw(handler)
    if body is None:
        with pytest.raises(AnswerLost, match="closed before the whole answer"):
            await client.request("GET", "/v3/a", {})
    else:
        assert (await client.request("GET", "/v3/a", {})).body == body
        await asyncio.sleep(0.05)  # the FIN is seen while idle (racing it: the test above)
        assert (await client.request("GET", "/v3/b", {})).body == body
    assert server.connections == (2 if body else 1)


# --- concurrency -------------------------------------------------------------------------


async def _serve_slowly(
    server: Raw, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
) -> None:
    while True:
        head = await server.head(reader)
        await asyncio.sleep(delay)
        writer.write(ok(head.split(b" ", 2)[1]))
        await writer.drain()


async def test_200_in_flight_with_a_limit_of_100(raw: Start) -> None:
    server, client = await raw(lambda r, w: _serve_slowly(server, r, w, 0.05))
    busy = [0, 0]  # now, most

    async def one(i: int) -> None:
        busy[0] += 1
        busy[1] = max(busy[1], client._open)
        got = await client.request("GET", f"/v3/{i}", {})
        assert got.body == f"/api/v3/{i}".encode()  # each request its own answer
        busy[0] -= 1

    await asyncio.gather(*(one(i) for i in range(200)))
    assert busy[1] <= 100 and server.connections == 100 and len(server.heads) == 200
    assert client._open == 100 and not client._waiters


async def test_cancelled_while_waiting_for_a_slot(raw: Start) -> None:
    gate = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await server.head(reader)
            await gate.wait()
            writer.write(ok())
            await writer.drain()

    server, client = await raw(handler)
    client._limit = 1
    first = asyncio.create_task(client.request("GET", "/v3/a", {}))
    waiting = [asyncio.create_task(client.request("GET", f"/v3/{i}", {})) for i in range(3)]
    await asyncio.sleep(0.05)
    waiting[0].cancel()
    waiting[2].cancel()
    gate.set()
    assert (await first).body == GOOD
    assert (await waiting[1]).body == GOOD  # the turn passed on past the cancelled ones
    for task in (waiting[0], waiting[2]):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert server.connections == 1 and len(server.heads) == 2
    assert client._open == 1 and not client._waiters


async def test_a_request_cancelled_after_its_turn_came_passes_the_turn_on(raw: Start) -> None:
    server, client = await raw(lambda r, w: _serve_slowly(server, r, w, 0.02))
    client._limit = 1
    first = asyncio.create_task(client.request("GET", "/v3/a", {}))
    second = asyncio.create_task(client.request("GET", "/v3/b", {}))
    third = asyncio.create_task(client.request("GET", "/v3/c", {}))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await first
    second.cancel()  # its turn came with first's return: cancelled in flight
    with pytest.raises(asyncio.CancelledError):
        await second
    assert (await third).body == b"/api/v3/c"
    assert client._open == 1 and not client._waiters


async def _stalled_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # reads the ClientHello, never answers


async def test_cancelled_while_connecting_gives_the_slot_back() -> None:
    server = Raw(_stalled_tls)
    port = await server.start()
    client = HttpClient(f"https://127.0.0.1:{port}/api", connect_timeout_s=5.0, limit=1)
    try:
        for _ in range(3):  # each cancellation gives the one slot back
            task = asyncio.create_task(client.request("GET", "/v3/a", {}))
            await asyncio.sleep(0.05)
            assert client._open == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert client._open == 0
        assert server.connections == 3
    finally:
        await client.close()
        await server.stop()
    gc.collect()  # an unclosed transport would warn here, and warnings are errors


async def test_a_connect_timeout_is_connect_failed() -> None:
    server = Raw(_stalled_tls)
    port = await server.start()
    client = HttpClient(f"https://127.0.0.1:{port}/api", connect_timeout_s=0.05)
    try:
        with pytest.raises(ConnectFailed, match="timeout"):
            await client.request("GET", "/v3/a", {})
        assert client._open == 0
    finally:
        await client.close()
        await server.stop()
    await asyncio.sleep(0.05)
    gc.collect()  # an unclosed transport would warn here, and warnings are errors


async def test_close_ends_requests_in_flight_and_those_waiting(raw: Start) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.head(reader)
        await asyncio.sleep(10)  # never answers in time

    server, client = await raw(handler)
    client._limit = 2
    tasks = [asyncio.create_task(client.request("POST", f"/v3/{i}", {})) for i in range(4)]
    await asyncio.sleep(0.1)
    assert len(server.heads) == 2
    await client.close()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 1)
    assert [type(r) for r in results] == [AnswerLost, AnswerLost, ConnectFailed, ConnectFailed]
    assert "closed" in str(results[0])
    assert client._open == 0 and not client._conns


async def test_close_while_a_connection_is_opening_writes_nothing(raw: Start) -> None:
    server, client = await raw(lambda r, w: _serve_slowly(server, r, w, 0))
    task = asyncio.create_task(client.request("POST", "/v3/order", {}))
    await asyncio.sleep(0)  # inside the connect
    assert client._open == 1 and not client._conns
    await client.close()
    with pytest.raises(ConnectFailed, match="closed"):
        await task
    await asyncio.sleep(0.05)
    assert client._open == 0 and server.heads == []


# --- the REST transport: deadlines, unknown against disconnected -------------------------

# What a request's answer is, given its head; None: the script plays the connection itself.
Reply = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]


def binance(server: Raw, script: Reply) -> Handler:
    """Answers ``/api/v3/time`` truly, and every other request with ``script`` (which says
    whether the connection goes on)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await server.head(reader)
            if b" /api/v3/time " in head:
                writer.write(ok(b'{"serverTime":%d}' % int(time.time() * 1000), JSON))
                await writer.drain()
            elif not await script(head, writer):
                return

    return handler


async def rest_client(server: Raw, scheme: str = "http", **overrides: object) -> BinanceClient:
    url = f"{scheme}://127.0.0.1:{server.port}/api"
    return BinanceClient(config_for(url, f"ws://127.0.0.1:{server.port}/ws-api/v3", **overrides))


async def test_rest_a_drop_after_writing_an_order_is_unknown_and_never_resent() -> None:
    server = Raw(_stalled_tls)

    async def drop(head: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.close()  # the order was read; the connection drops with no answer
        return False

    server.handler = binance(server, drop)
    await server.start()
    async with await rest_client(server) as client:
        with pytest.raises(OutcomeUnknown, match="may have executed"):
            await client.place_spot_order(ORDER)
    orders = [h for h in server.heads if h.startswith(b"POST /api/v3/order?")]
    assert len(orders) == 1  # never resent blind
    await server.stop()


async def test_rest_a_late_answer_is_never_the_next_orders() -> None:
    server = Raw(_stalled_tls)
    orders = [0]

    async def late_then_prompt(head: bytes, writer: asyncio.StreamWriter) -> bool:
        orders[0] += 1
        n = orders[0]
        if n == 1:
            await asyncio.sleep(0.4)  # past the deadline: the answer arrives late
        ack = msgspec.structs.replace(ACK, order_id=n, client_order_id=f"c{n}")
        writer.write(ok(encode_json(ack), JSON))
        await writer.drain()
        return True

    server.handler = binance(server, late_then_prompt)
    await server.start()
    async with await rest_client(server, request_timeout_s=0.2) as client:
        with pytest.raises(OutcomeUnknown):
            await client.place_spot_order(ORDER)
        for n in (2, 3):
            got = await client.place_spot_order(
                msgspec.structs.replace(ORDER, client_order_id=f"c{n}")
            )
            assert isinstance(got, NewOrderAck) and got.order_id == n
            await asyncio.sleep(0.3)  # the late answer lands meanwhile: on a closed socket
    await server.stop()


async def test_rest_a_deadline_while_connecting_is_disconnected() -> None:
    server = Raw(_stalled_tls)  # TLS never completes: the deadline fires in the handshake
    await server.start()
    async with await rest_client(server, "https", request_timeout_s=0.2) as client:
        with pytest.raises(Disconnected, match="no connection"):
            await client.get_avg_price("BTCUSDT")
        assert client._rest._http._open == 0
    assert server.heads == []
    await server.stop()


async def test_rest_a_deadline_waiting_for_a_slot_is_disconnected() -> None:
    server = Raw(_stalled_tls)

    async def hold(head: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)  # never answers in time
        return False

    server.handler = binance(server, hold)
    await server.start()
    async with await rest_client(server, request_timeout_s=0.2) as client:
        http = client._rest._http
        http._limit = 1
        holder = asyncio.create_task(http.request("GET", "/v3/held", {}))  # takes the slot
        await asyncio.sleep(0.05)
        with pytest.raises(Disconnected, match="no connection"):  # never written
            await client.get_avg_price("BTCUSDT")
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
    assert [h.split(b" ")[1] for h in server.heads] == [b"/api/v3/held"]
    await server.stop()


async def test_rest_close_ends_an_order_in_flight_as_unknown() -> None:
    server = Raw(_stalled_tls)

    async def hold(head: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    server.handler = binance(server, hold)
    await server.start()
    client = await rest_client(server, request_timeout_s=5.0)
    order = asyncio.create_task(client.place_spot_order(ORDER))
    while not any(h.startswith(b"POST") for h in server.heads):
        await asyncio.sleep(0.01)
    await client.close()
    with pytest.raises(OutcomeUnknown):
        await asyncio.wait_for(order, 1)  # not left hanging with its deadline gone
    await server.stop()


# --- TLS ---------------------------------------------------------------------------------


def _tls_server_context(tmp_path: Path, *, ip_san: bool) -> tuple[ssl.SSLContext, Path]:
    cert_path, key_path = _certificate(tmp_path, ip_san=ip_san)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


async def _answer_all(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ok())
        await writer.drain()


@pytest.mark.parametrize("ip_san", [True, False], ids=["ip-in-cert", "name-only"])
async def test_tls_with_an_ip_address_url_checks_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ip_san: bool
) -> None:
    context, cert_path = _tls_server_context(tmp_path, ip_san=ip_san)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    server = Raw(_answer_all)
    port = await server.start(context)
    client = HttpClient(f"https://127.0.0.1:{port}/api", connect_timeout_s=2.0)
    try:
        if ip_san:
            assert (await client.request("GET", "/v3/a", {})).body == GOOD
        else:
            with pytest.raises(ConnectFailed, match="SSLCertVerificationError"):
                await client.request("GET", "/v3/a", {})
        assert client._open == (1 if ip_san else 0)
    finally:
        await client.close()
        await server.stop()


@pytest.mark.parametrize("reply", [b"", b"HTTP/1.1 400 Bad Request\r\n\r\n"], ids=["close", "http"])
async def test_tls_handshake_cut_or_answered_in_plain_http(reply: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(10)  # part of the ClientHello
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = Raw(handler)
    port = await server.start()
    client = HttpClient(f"https://127.0.0.1:{port}/api", connect_timeout_s=2.0)
    try:
        with pytest.raises(ConnectFailed):
            await client.request("POST", "/v3/order", {})
        assert client._open == 0
    finally:
        await client.close()
        await server.stop()
    await asyncio.sleep(0.1)
    gc.collect()


async def test_an_ipv6_origin_is_bracketed_in_host() -> None:
    heads: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(ok())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    try:
        server = await asyncio.start_server(handler, "::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    port = server.sockets[0].getsockname()[1]
    client = HttpClient(f"http://[::1]:{port}/api", connect_timeout_s=2.0)
    try:
        assert (await client.request("GET", "/v3/a", {})).body == GOOD
        assert f"\r\nHost: [::1]:{port}\r\n".encode() in heads[0]  # RFC 9110, section 7.2
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


async def test_tls_on_the_default_port_leaves_it_out_of_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context, cert_path = _tls_server_context(tmp_path, ip_san=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    heads: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(ok())
        await writer.drain()

    server = Raw(handler)
    try:
        await server.start(context, port=443)
    except OSError:  # 443 is taken or not ours to bind here
        pytest.skip("cannot bind 127.0.0.1:443")
    client = HttpClient("https://127.0.0.1/api", connect_timeout_s=2.0)
    try:
        assert (await client.request("GET", "/v3/a", {})).body == GOOD
        assert b"\r\nHost: 127.0.0.1\r\n" in heads[0]  # RFC 9110 section 7.2: no :443
    finally:
        await client.close()
        await server.stop()


# --- secrets -----------------------------------------------------------------------------


def _echoes(head: bytes) -> dict[str, bytes]:
    line = head.split(b"\r\n", 1)[0]
    return {
        "the request as the answer": head,
        "in the status line": b"HTTP/1.1 " + line + b"\r\n\r\n",
        "in Transfer-Encoding": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + line + b"\r\n\r\n",
        "in Content-Encoding": ok(GOOD, b"Content-Encoding: " + line + b"\r\n" + JSON),
        "in a bad gzip body": ok(line, b"Content-Encoding: gzip\r\n" + JSON),
        "in a header line": b"HTTP/1.1 200 OK\r\n" + line + b"\r\nContent-Length: 0\r\n\r\n",
        "in a 500's body": b"HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n%s" % (len(head), head),
        "in a JSON error": b"HTTP/1.1 400 Bad\r\nContent-Type: application/json\r\n"
        b'Content-Length: %d\r\n\r\n{"code":-1102,"msg":"%s"}' % (len(line) + 25, line),
        "in a truncated body": ok(head)[:-5],
        "in a chunk size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + line
        + b"\r\n",
    }


ECHOES = [*_echoes(b"GET / HTTP/1.1\r\n\r\n"), "rst", "drop"]


@pytest.mark.parametrize("rest_http", list(RestHttp))
@pytest.mark.parametrize("echo", ECHOES)
async def test_no_error_path_shows_the_signature_or_the_key(
    caplog: pytest.LogCaptureFixture, echo: str, rest_http: RestHttp
) -> None:
    server = Raw(_stalled_tls)
    queries: list[bytes] = []

    async def hostile(head: bytes, writer: asyncio.StreamWriter) -> bool:
        queries.append(head.split(b" ")[1].split(b"?", 1)[1])
        if echo == "rst":
            _linger_zero(writer)
            writer.transport.abort()
        elif echo != "drop":
            writer.write(_echoes(head)[echo])
            await writer.drain()
            return True  # the client decides whether the connection goes on
        writer.close()
        return False

    server.handler = binance(server, hostile)
    await server.start()
    caplog.set_level(logging.DEBUG)
    failures: list[BaseException] = []
    async with await rest_client(server, request_timeout_s=0.3, rest_http=rest_http) as client:
        for call in (client.place_spot_order(ORDER), client.get_account()):
            try:
                await call
            except OmsError as exc:
                failures.append(exc)
    await server.stop()
    assert len(failures) == 2
    # One POST: an order is never resent (aiohttp's client, the fallback, may resend the GET
    # on a reused connection: a read, which is safe).
    posts = [h for h in server.heads if h.startswith(b"POST")]
    assert len(posts) == 1 and 2 <= len(queries) <= 3
    texts = [caplog.text]
    for exc in failures:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        inner = exc.__cause__ or exc.__context__
        while inner is not None:  # even a suppressed context holds no secret
            texts += [str(inner), repr(inner)]
            inner = inner.__cause__ or inner.__context__
    for query in queries:
        signature = query.rsplit(b"signature=", 1)[1].decode()
        assert len(signature) == 64
        for text in texts:
            assert signature not in text and API_KEY not in text
            assert query.decode() not in text
