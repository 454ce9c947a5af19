"""A lean HTTP/1.1 client for the REST API: keep-alive connections to one origin.

Why: Binance's REST API needs little of HTTP (a request line, a host, one key header, no
body; a JSON answer), and aiohttp's client costs ~300k CPU instructions per request for
its generality: as much as the rest of an order's path in oms (docs/performance.md, "An
order's client cost"). This module does only what the REST client needs, on asyncio's own
transports (TLS included).

Rules:
- One origin: the scheme, host and port of the configured ``rest_url``. Connections are
  opened on demand (https: TLS with the system's default certificate verification and the
  host's name, an IP address checked against the certificate's addresses), kept alive and
  reused most recent first; at most ``limit`` are open at once and further requests wait
  for one to come back. A connection idle longer than ``idle_s`` is closed rather than
  reused (a server may close it at any moment after its own keep-alive timeout; a request
  written into that close is an unknown outcome).
- A request is ``take()`` or ``connect()``, then ``send()`` with no await in between (or
  ``request()``, both): what fails or is cancelled before ``send()`` was never written.
  It is one write: request line, ``Host`` (without the scheme's default port),
  the caller's headers and ``Content-Length: 0`` for methods other than GET; never a body
  (the REST client sends every parameter in the query string: rest-api.md, "General
  Information on Endpoints").
- An answer is read whole (RFC 9112, section 6.3): status line and headers (at most
  64 KiB; lines end in CRLF or a lone LF, section 2.2; obs-fold is unfolded, section 5.2),
  then the body by ``Transfer-Encoding: chunked`` (the only transfer coding: we send no
  TE), by ``Content-Length`` (repeated identical values are one), or until the server
  closes; none for 204 and 304; 1xx answers are skipped; ``gzip`` and zlib ``deflate`` are
  undone (we never ask for them). A body over 256 MiB, inflated or not, is malformed.
- A connection goes back to the pool only after a whole answer that does not end it
  (``Connection: close``, HTTP/1.0 without keep-alive, a body read until close, framing
  not to trust again: chunked with Content-Length or in HTTP/1.0, a 204 with a length).
  Any other end of a request (cancellation, timeout, error, malformed answer, bytes past
  the answer, bytes while idle) closes the connection, so a late answer can never be read
  as the next request's.
- Errors: ``ConnectFailed`` when no connection could be opened or it closed before the
  request was written (nothing was sent); ``AnswerLost`` once the request may have been
  written and no whole answer came (the outcome is unknown), including every request in
  flight when ``close()`` is called. Their text is a short reason: never the target, whose
  query holds the signature, nor a value the server sent (it may echo the request).
- Nothing is retried, not even a GET: the caller decides (the REST client never resends
  blind).

Deliberate limits (not built; Binance's REST API needs none): no proxies (``HTTP_PROXY``
and the like are ignored), no HTTP/2, no HEAD (its answer would be read as if it had a
body), no request bodies, no redirects, no pipelining. And two that no HTTP/1.1 client can
close: a server's FIN that races the next request written on a reused connection makes that
request an unknown outcome (``AnswerLost``), never a resend; and a server that answers one
request twice, the second time after the next request was written on that connection, is
read as answering the next one (only bytes that arrive while the connection is idle, or
with the first answer, are caught).
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections import deque
from typing import NamedTuple, cast
from urllib.parse import urlsplit

__all__ = ["AnswerLost", "ConnectFailed", "HttpConnection", "HttpAnswer", "HttpClient"]

_MAX_HEAD = 64 * 1024
_MAX_BODY = 256 * 1024 * 1024
_NO_BODY = frozenset({204, 304})
_VERSIONS = ("HTTP/1.1", "HTTP/1.0")
_HEX = b"0123456789abcdefABCDEF"


class ConnectFailed(Exception):
    """No connection could be opened: the request was not sent."""


class AnswerLost(Exception):
    """The request may have been written and no whole answer came back."""


class HttpAnswer(NamedTuple):
    status: int
    headers: dict[str, str]  # names lowercased; repeated names joined with ", "
    body: bytes
    content_type: str  # the media type, lowercased, without parameters


class HttpClient:
    """Keep-alive HTTP/1.1 connections to the origin of ``base_url``."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout_s: float,
        limit: int = 100,
        idle_s: float = 15.0,
        user_agent: str = "oms",
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.prefix = parts.path.rstrip("/")
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._tls else 80)
        host = f"[{self._host}]" if ":" in self._host else self._host
        default = self._port == (443 if self._tls else 80)
        authority = host if default else f"{host}:{self._port}"
        self._fixed = f"Host: {authority}\r\nUser-Agent: {user_agent}\r\nAccept: */*\r\n"
        self._connect_timeout_s = connect_timeout_s
        self._limit = limit
        self._idle_s = idle_s
        self._ssl: ssl.SSLContext | None = None
        self._idle: list[HttpConnection] = []
        self._conns: set[HttpConnection] = set()  # every open connection, idle or busy
        self._open = 0  # connections open or opening
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def request(self, method: str, target: str, headers: dict[str, str]) -> HttpAnswer:
        """Send ``method target`` (target: the path and pre-encoded query) and read the answer.

        Raises:
            ConnectFailed: no connection could be opened; nothing was sent.
            AnswerLost: no whole answer after the request may have been written.
        """
        self._head(method, target, headers)  # a bad target fails before any connection
        return await self.send(self.take() or await self.connect(), method, target, headers)

    def take(self) -> HttpConnection | None:
        """An idle connection fit for reuse, or None (then ``connect()``)."""
        idle = self._idle
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.loop.time() - conn.idle_since < self._idle_s:
                return conn
            self._discard(conn)
        return None

    async def connect(self) -> HttpConnection:
        """A new connection, once fewer than ``limit`` are open (waiting for one if not).

        Raises:
            ConnectFailed: no connection could be opened, or the client is closed.
        """
        while True:
            if self._closed:
                raise ConnectFailed("the client is closed")
            if (conn := self.take()) is not None:
                return conn
            if self._open < self._limit:
                break
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                    self._wake()  # woken and cancelled at once: pass the turn on
                raise
        self._open += 1
        try:
            conn = await self._open_connection()
        except BaseException:
            self._open -= 1
            self._wake()
            raise
        if self._closed:  # closed while this one was opening: nothing was written
            conn.close("the client is closed")
            self._open -= 1
            raise ConnectFailed("the client is closed")
        self._conns.add(conn)
        return conn

    async def send(
        self, conn: HttpConnection, method: str, target: str, headers: dict[str, str]
    ) -> HttpAnswer:
        """Write the request on ``conn`` (from ``take()`` or ``connect()``, with no await in
        between) and read its answer; ``conn`` goes back to the pool or is closed.

        Raises:
            ConnectFailed: the connection closed before the request was written.
            AnswerLost: no whole answer after the request may have been written.
        """
        try:
            answer = await conn.exchange(self._head(method, target, headers))
        except BaseException:
            self._discard(conn)
            raise
        if conn.reusable and not self._closed:
            conn.idle_since = conn.loop.time()
            self._idle.append(conn)
            self._wake()
        else:
            self._discard(conn)
        return answer

    async def close(self) -> None:
        """Close every connection; a request in flight ends in ``AnswerLost``, one waiting
        for a connection in ``ConnectFailed``."""
        self._closed = True
        self._idle = []
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectFailed("the client is closed"))
        conns = list(self._conns)
        for conn in conns:
            self._discard(conn)
        if conns:  # the sockets close a loop turn or two after the abort: wait for it
            await asyncio.wait([conn.lost for conn in conns], timeout=1.0)

    # --- connections ----------------------------------------------------------------------

    def _head(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        if not target.startswith("/") or " " in target or "\r" in target or "\n" in target:
            raise ValueError("an HTTP target must be a path without spaces or line breaks")
        lines = [f"{method} {self.prefix}{target} HTTP/1.1\r\n", self._fixed]
        for name, value in headers.items():
            if "\r" in value or "\n" in value:
                raise ValueError(f"header {name} holds a line break")
            lines.append(f"{name}: {value}\r\n")
        lines.append("\r\n" if method == "GET" else "Content-Length: 0\r\n\r\n")
        return "".join(lines).encode("latin-1")

    async def _open_connection(self) -> HttpConnection:
        loop = asyncio.get_running_loop()
        if self._tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                _, conn = await loop.create_connection(
                    lambda: HttpConnection(loop),
                    self._host,
                    self._port,
                    ssl=self._ssl if self._tls else None,
                    server_hostname=self._host if self._tls else None,
                )
        except TimeoutError:
            raise ConnectFailed("no connection within the timeout") from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            raise ConnectFailed(type(exc).__name__) from None
        return conn

    def _discard(self, conn: HttpConnection) -> None:
        if not conn.counted:
            return
        conn.counted = False
        self._conns.discard(conn)
        conn.close("the client is closed" if self._closed else "connection closed")
        self._open -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


class HttpConnection(asyncio.Protocol):
    """One connection: writes a request, parses its answer into a future."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.counted = True  # owned by the client's count of open connections
        self.reusable = False
        self.idle_since = 0.0
        self.lost: asyncio.Future[None] = loop.create_future()  # done: the socket is closed
        self._waiter: asyncio.Future[HttpAnswer] | None = None
        self._buf = bytearray()
        self._reader = _AnswerReader()

    # --- the client's side ----------------------------------------------------------------

    async def exchange(self, head: bytes) -> HttpAnswer:
        if self.closed or self.transport is None:  # closed before a byte was written
            raise ConnectFailed("connection closed before the request was written")
        waiter: asyncio.Future[HttpAnswer] = self.loop.create_future()
        self._waiter = waiter
        self._reader = _AnswerReader()
        self.reusable = False
        self.transport.write(head)
        return await waiter

    def close(self, why: str = "connection closed") -> None:
        """Abort the connection; a request waiting for its answer ends in ``AnswerLost``."""
        self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(AnswerLost(why))
        if self.transport is not None:
            self.transport.abort()

    # --- asyncio's side -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport, though not always an asyncio.Transport subclass (uvloop's).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            self.close()  # bytes nobody asked for: this connection can no longer be trusted
            return
        buf = self._buf
        buf += data
        try:
            answer = self._reader.feed(buf, eof=False)
        except ValueError as exc:
            self._fail(f"malformed answer ({exc})")
            return
        if answer is not None:
            self._done(answer)

    def eof_received(self) -> bool:
        self._end()
        return False  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self._end()
        self.closed = True
        if not self.lost.done():
            self.lost.set_result(None)

    def _end(self) -> None:
        waiter = self._waiter
        self.reusable = False
        if waiter is None or waiter.done():
            self.closed = True
            return
        try:
            answer = self._reader.feed(self._buf, eof=True)
        except ValueError as exc:
            self._fail(f"malformed answer ({exc})")
            return
        if answer is None:
            self._fail("connection closed before the whole answer")
        else:
            self._done(answer, reusable=False)

    def _done(self, answer: HttpAnswer, *, reusable: bool = True) -> None:
        assert self._waiter is not None
        self.reusable = reusable and self._reader.keep_alive and not self._buf
        self._buf.clear()
        self._waiter.set_result(answer)

    def _fail(self, why: str) -> None:
        self.close(why)


class _AnswerReader:
    """Parses one answer out of a buffer, consuming it; ``feed`` returns it once whole."""

    def __init__(self) -> None:
        self.keep_alive = False
        self._status = 0
        self._headers: dict[str, str] | None = None
        self._length: int | None = None  # body bytes expected; None: chunked or until close
        self._chunked = False
        self._body = bytearray()

    def feed(self, buf: bytearray, *, eof: bool) -> HttpAnswer | None:
        while self._headers is None:
            # The head ends at its first empty line: CRLF CRLF, or with a lone LF for either
            # (RFC 9112, section 2.2: a recipient MAY take LF alone as a line terminator).
            end = buf.find(b"\n\r\n")
            lf = buf.find(b"\n\n", 0, len(buf) if end < 0 else end + 1)
            if lf >= 0:
                end, skip = lf, 2
            elif end >= 0:
                skip = 3
            else:
                if len(buf) > _MAX_HEAD:
                    raise ValueError("header section too long")
                return None
            if end > _MAX_HEAD:
                raise ValueError("header section too long")
            head = bytes(buf[:end])
            del buf[: end + skip]
            self._read_head(head)
        if self._chunked:
            done = self._read_chunks(buf)
        elif self._length is not None:
            done = len(buf) >= self._length
            if done:
                self._body += buf[: self._length]
                del buf[: self._length]
        else:  # read until the server closes
            self._body += buf
            buf.clear()
            done = eof
        if len(self._body) > _MAX_BODY:
            raise ValueError("body too long")
        if not done:
            return None
        return self._answer()

    def _read_head(self, head: bytes) -> None:
        # Lines end in LF; a CR before it is stripped with the value's whitespace.
        lines = head.decode("latin-1").split("\n")
        version, _, rest = lines[0].rstrip("\r").partition(" ")
        code = rest[:3]
        if (
            version not in _VERSIONS
            or not (code.isdigit() and code.isascii())
            or rest[3:4] not in ("", " ")
        ):
            raise ValueError("bad status line")
        status = int(code)
        headers: dict[str, str] = {}
        name = ""
        for line in lines[1:]:
            key, sep, value = line.partition(":")
            if not sep or not key or key != key.strip():
                if name and line[:1] in (" ", "\t"):  # obs-fold: RFC 9112, section 5.2
                    headers[name] = f"{headers[name]} {line.strip()}"
                    continue
                raise ValueError("bad header line")
            name = key.lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        if 100 <= status < 200:
            return  # an interim answer (100 Continue, 103 Early Hints): the real one follows
        connection = headers.get("connection", "").lower()
        if version == "HTTP/1.0":
            self.keep_alive = "keep-alive" in connection and "close" not in connection
        else:
            self.keep_alive = "close" not in connection
        self._status, self._headers = status, headers
        encoding = headers.get("transfer-encoding")
        if status in _NO_BODY:
            self._length = 0
            if status == 204 and (encoding or headers.get("content-length", "0") != "0"):
                # A 204 with a body's framing (RFC 9110, section 8.6): the body may follow.
                self.keep_alive = False
        elif encoding is not None:
            # We send no TE, so chunked is the only coding a server may use (RFC 9112,
            # section 7.4); with Content-Length or in HTTP/1.0 it is framing not to trust
            # again (section 6.1 and 6.3).
            if encoding.lower() != "chunked":
                raise ValueError("a transfer coding other than chunked")
            self._chunked = True
            if version == "HTTP/1.0" or "content-length" in headers:
                self.keep_alive = False
        elif "content-length" in headers:
            self._length = _content_length(headers["content-length"])
        else:
            self.keep_alive = False  # the body ends when the server closes

    def _read_chunks(self, buf: bytearray) -> bool:
        while True:
            line_end = buf.find(b"\r\n")
            if line_end < 0:
                if len(buf) > _MAX_HEAD:
                    raise ValueError("chunk size line too long")
                return False
            if self._length == -1:  # the trailer section, after the last chunk
                del buf[: line_end + 2]
                if line_end == 0:
                    return True
                continue
            size_text = bytes(buf[:line_end]).split(b";", 1)[0].strip()
            if not size_text or size_text.strip(_HEX):  # chunk-size = 1*HEXDIG
                raise ValueError("bad chunk size")
            size = int(size_text, 16)
            if size > _MAX_BODY - len(self._body):
                raise ValueError("body too long")
            if size == 0:
                del buf[: line_end + 2]
                self._length = -1
                continue
            if len(buf) < line_end + 2 + size + 2:
                return False
            start = line_end + 2
            if buf[start + size : start + size + 2] != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
            self._body += buf[start : start + size]
            del buf[: start + size + 2]

    def _answer(self) -> HttpAnswer:
        assert self._headers is not None
        headers = self._headers
        body = bytes(self._body)
        coding = headers.get("content-encoding", "identity").lower()
        if coding in ("gzip", "x-gzip", "deflate"):
            inflate = zlib.decompressobj(47)  # 32 + 15: gzip or zlib header, detected
            try:
                body = inflate.decompress(body, _MAX_BODY)
            except zlib.error:
                raise ValueError(f"body is not valid {coding}") from None
            if inflate.unconsumed_tail:
                raise ValueError("body too long")
        elif coding != "identity":
            raise ValueError("an unknown content coding")
        media = headers.get("content-type", "application/octet-stream")
        content_type = media.partition(";")[0].strip().lower()
        return HttpAnswer(self._status, headers, body, content_type)


def _content_length(text: str) -> int:
    """The body's length (RFC 9112, section 6.3): digits, or a list of one value repeated
    (what repeated ``Content-Length`` fields join into)."""
    if not (text.isdigit() and text.isascii()):
        values = {value.strip() for value in text.split(",")}
        text = values.pop()
        if values or not (text.isdigit() and text.isascii()):
            raise ValueError("bad Content-Length")
    length = int(text)
    if length > _MAX_BODY:
        raise ValueError("body too long")
    return length
