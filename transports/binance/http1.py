"""A lean HTTP/1.1 client for the REST API: keep-alive connections to one origin.

Why: Binance's REST API needs little of HTTP (a request line, a host, one key header, no
body; a JSON answer), and aiohttp's client costs ~300k CPU instructions per request for
its generality: as much as the rest of an order's path in oms (docs/performance.md, "An
order's client cost"). This module does only what the REST client needs, on asyncio's own
transports (TLS included).

Rules:
- One origin: the scheme, host and port of the configured ``rest_url``. Connections are
  opened on demand (https: TLS with the system's default certificate verification and the
  host's name), kept alive and reused most recent first; at most ``limit`` are open at once
  and further requests wait for one to come back. A connection idle longer than
  ``idle_s`` is closed rather than reused (a server may close it at any moment after its
  own keep-alive timeout; a request written into that close is an unknown outcome).
- A request is one write: request line, ``Host``, the caller's headers and
  ``Content-Length: 0`` for methods other than GET; never a body (the REST client sends
  every parameter in the query string: rest-api.md, "General Information on Endpoints").
- An answer is read whole (RFC 9112, section 6.3): status line and headers (at most
  64 KiB), then the body by ``Transfer-Encoding: chunked``, by ``Content-Length``, or until
  the server closes; none for 204 and 304; 1xx answers are skipped; ``gzip`` and
  ``deflate`` are undone (we never ask for them).
- A connection goes back to the pool only after a whole answer that does not end it
  (``Connection: close``, HTTP/1.0 without keep-alive, a body read until close). Any
  other end of a request (cancellation, timeout, error, malformed answer) closes the
  connection, so a late answer can never be read as the next request's.
- Errors: ``ConnectFailed`` when no connection could be opened (nothing was sent);
  ``AnswerLost`` once the request may have been written and no whole answer came (the
  outcome is unknown). Their text is a short reason: never the target, whose query holds
  the signature.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections import deque
from typing import NamedTuple
from urllib.parse import urlsplit

__all__ = ["AnswerLost", "ConnectFailed", "HttpAnswer", "HttpClient"]

_MAX_HEAD = 64 * 1024
_MAX_BODY = 256 * 1024 * 1024
_NO_BODY = frozenset({204, 304})


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
        self._idle: list[_Connection] = []
        self._open = 0  # connections open or opening
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def request(self, method: str, target: str, headers: dict[str, str]) -> HttpAnswer:
        """Send ``method target`` (target: the path and pre-encoded query) and read the answer.

        Raises:
            ConnectFailed: no connection could be opened; nothing was sent.
            AnswerLost: no whole answer after the request may have been written.
        """
        head = self._head(method, target, headers)
        conn = self._take() or await self._connect()
        try:
            answer = await conn.exchange(head)
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
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            self._discard(conn)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectFailed("the client is closed"))

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

    def _take(self) -> _Connection | None:
        idle = self._idle
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.loop.time() - conn.idle_since < self._idle_s:
                return conn
            self._discard(conn)
        return None

    async def _connect(self) -> _Connection:
        while True:
            if self._closed:
                raise ConnectFailed("the client is closed")
            if (conn := self._take()) is not None:
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
            return await self._open_connection()
        except BaseException:
            self._open -= 1
            self._wake()
            raise

    async def _open_connection(self) -> _Connection:
        loop = asyncio.get_running_loop()
        if self._tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                _, conn = await loop.create_connection(
                    lambda: _Connection(loop),
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

    def _discard(self, conn: _Connection) -> None:
        if not conn.counted:
            return
        conn.counted = False
        conn.close()
        self._open -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


class _Connection(asyncio.Protocol):
    """One connection: writes a request, parses its answer into a future."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.counted = True  # owned by the client's count of open connections
        self.reusable = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[HttpAnswer] | None = None
        self._buf = bytearray()
        self._reader = _AnswerReader()

    # --- the client's side ----------------------------------------------------------------

    async def exchange(self, head: bytes) -> HttpAnswer:
        if self.closed or self.transport is None:
            raise AnswerLost("connection closed")
        waiter: asyncio.Future[HttpAnswer] = self.loop.create_future()
        self._waiter = waiter
        self._reader = _AnswerReader()
        self.reusable = False
        self.transport.write(head)
        return await waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # --- asyncio's side -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

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
        assert self._waiter is not None
        self.close()
        self._waiter.set_exception(AnswerLost(why))


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
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > _MAX_HEAD:
                    raise ValueError("header section too long")
                return None
            head = bytes(buf[:end])
            del buf[: end + 4]
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
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise ValueError("bad status line")
        status = int(code)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise ValueError("bad header line")
            name = name.lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        if 100 <= status < 200:
            return  # an interim answer (100 Continue, 103 Early Hints): the real one follows
        connection = headers.get("connection", "").lower()
        if version == "HTTP/1.0":
            self.keep_alive = "keep-alive" in connection
        else:
            self.keep_alive = "close" not in connection
        self._status, self._headers = status, headers
        encoding = headers.get("transfer-encoding", "").lower()
        if status in _NO_BODY:
            self._length = 0
        elif encoding:
            if encoding.rsplit(",", 1)[-1].strip() != "chunked":
                raise ValueError(f"transfer coding {encoding!r}")
            self._chunked = True
        elif "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit():
                raise ValueError("bad Content-Length")
            self._length = int(length)
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
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ValueError("bad chunk size") from None
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
            try:
                body = zlib.decompress(body, 47)  # 32 + 15: gzip or zlib header, detected
            except zlib.error:
                raise ValueError(f"body is not valid {coding}") from None
        elif coding != "identity":
            raise ValueError(f"content coding {coding!r}")
        media = headers.get("content-type", "application/octet-stream")
        content_type = media.partition(";")[0].strip().lower()
        return HttpAnswer(self._status, headers, body, content_type)
