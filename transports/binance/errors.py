"""Mapping Binance's HTTP answers to the typed errors of ``oms.errors``.

Rules (rest-api.md, "HTTP Return Codes"; errors.md):
- 429 -> ``RateLimited`` and 418 -> ``IpBanned``, with ``Retry-After`` (seconds) kept.
- HTTP 5xx, and the codes -1006 / -1007 with any status, mean the execution status is
  UNKNOWN: ``OutcomeUnknown`` carrying the request's ``timestamp`` and ``recvWindow``.
- Any other ``{"code", "msg"}`` body is a definite refusal: ``oms.errors.remote_error``.
- A body that is not Binance JSON (an HTML error page, a truncated answer, a wrong content
  type) is named as such. For a request that changes state (order, cancel) an unreadable
  answer is ``OutcomeUnknown``, since it may have executed; for a read it is ``DecodeError``
  (a 2xx) or a ``RemoteError`` with code 0 (a 4xx page from a proxy or WAF, rest-api.md,
  "HTTP Return Codes").
- Messages name the method and path, never the query string, the signature or the key;
  body excerpts are short and scrubbed of the given secrets. Binance's own ``msg`` is
  scrubbed too: an error body that echoes the request (``{"code":-1000,"msg":"...
  signature=..."}``) must not carry the key or the signature into a message, a log line or
  the journal. Scrubbing removes the request's known secrets and anything that looks like
  a ``signature=``, ``apiKey=`` or ``X-MBX-APIKEY`` value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import msgspec

from oms.errors import (
    DecodeError,
    IpBanned,
    OmsError,
    OutcomeUnknown,
    RateLimited,
    RemoteError,
    remote_error,
)
from oms.wire.rest import ErrorBody
from transports.binance.amend_errors import CANCEL_REPLACE_CODES, cancel_replace_error

__all__ = [
    "RequestMeta",
    "WsError",
    "WsErrorData",
    "error_from_response",
    "excerpt",
    "redact",
    "retry_after_s",
    "scrub",
    "ws_retry_after_s",
]

# errors.md, "-1006 UNEXPECTED_RESP" and "-1007 TIMEOUT": the two answers that leave the
# execution status unknown.
UNKNOWN_CODES = frozenset({-1006, -1007})
_ERROR_BODY = msgspec.json.Decoder(ErrorBody)
# 418 bans last 2 minutes to 3 days (rest-api.md, "HTTP Return Codes"); when a server omits
# Retry-After, assume the least.
DEFAULT_RETRY_AFTER_S = {429: 1.0, 418: 120.0}


class RequestMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What an error needs to know about the request; never its signed text."""

    method: str
    path: str
    mutating: bool = False
    request_time_ms: int | None = None
    recv_window_ms: int | None = None
    secrets: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Never the secrets (signature, API key): a traceback-with-locals tool prints reprs.
        return (
            f"RequestMeta(method={self.method!r}, path={self.path!r}, mutating={self.mutating},"
            f" request_time_ms={self.request_time_ms}, recv_window_ms={self.recv_window_ms},"
            f" secrets=<{len(self.secrets)} hidden>)"
        )

    __str__ = __repr__

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def unknown(self, why: str, *, code: int | None = None) -> OutcomeUnknown:
        return OutcomeUnknown(
            f"{self.label}: {why}; the request may have executed",
            code=code,
            request_time_ms=self.request_time_ms,
            recv_window_ms=self.recv_window_ms,
        )


# A value after a secret-bearing name, in a query string, JSON or a header echo.
_SECRET_FIELD = re.compile(
    r"""(?i)(signature|apikey|api_key|x-mbx-apikey|secret)(["']?\s*[=:]\s*["']?)[^&\s"',}]+"""
)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` without the given secrets nor any ``signature=``/``apiKey=`` value."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRET_FIELD.sub(r"\1\2***", text)


def scrub(msg: str, meta: RequestMeta) -> str:
    """Binance's ``msg``, scrubbed of the request's secrets (it may echo the request)."""
    return redact(msg, meta.secrets)


def excerpt(raw: bytes, secrets: Iterable[str] = (), limit: int = 120) -> str:
    """A short, printable, scrubbed excerpt of a body for an error message."""
    text = raw[: limit * 4].decode("utf-8", errors="replace")
    text = " ".join(redact(text, secrets).split())
    return text[:limit] + ("..." if len(text) > limit else "")


def retry_after_s(status: int, headers: Mapping[str, str]) -> float:
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), "").strip()
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_RETRY_AFTER_S.get(status, 1.0)
    return max(value, 0.0)


class WsErrorData(msgspec.Struct, frozen=True):
    # web-socket-api.md, "Rate limits" (IP limits, Unfilled Order Count): a 429/418 error
    # carries data.retryAfter (epoch ms) and data.serverTime.
    retry_after: int | None = msgspec.field(default=None, name="retryAfter")
    server_time: int | None = msgspec.field(default=None, name="serverTime")


class WsError(msgspec.Struct, frozen=True):
    """A WebSocket API answer's ``error`` (web-socket-api.md, "Response format")."""

    code: int
    msg: str
    data: WsErrorData | None = None


def ws_retry_after_s(error: WsError, now_ms: int) -> float | None:
    """Seconds until a WS API 429/418 answer's ``retryAfter`` (None when it has none)."""
    data = error.data
    if data is None or data.retry_after is None:
        return None
    now = data.server_time if data.server_time is not None else now_ms
    return max(data.retry_after - now, 0) / 1000.0


def _error_body(raw: bytes) -> ErrorBody | None:
    try:
        return _ERROR_BODY.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        return None


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    raw: bytes,
    meta: RequestMeta,
    content_type: str = "application/json",
) -> OmsError:
    """The typed error for a non-2xx answer (or an undecodable 2xx one)."""
    body = _error_body(raw)
    if body is not None:
        body = ErrorBody(code=body.code, msg=scrub(body.msg, meta))
    code = body.code if body else None
    if status in (429, 418):
        wait = retry_after_s(status, headers)
        cls = IpBanned if status == 418 else RateLimited
        msg = body.msg if body else f"HTTP {status}"
        return cls(f"{meta.label}: {msg} (retry after {wait:g} s)", retry_after=wait, code=code)
    if body is not None and body.code in UNKNOWN_CODES:
        return meta.unknown(f"Binance error {body.code}: {body.msg}", code=body.code)
    if status >= 500:
        detail = f"{body.code}: {body.msg}" if body else _describe(raw, content_type, meta)
        return meta.unknown(f"HTTP {status} ({detail})", code=code)
    if body is not None and status >= 400:
        if body.code in CANCEL_REPLACE_CODES:
            return cancel_replace_error(status, raw, body)
        return remote_error(body.code, body.msg, http_status=status)
    what = _describe(raw, content_type, meta)
    if meta.mutating:
        return meta.unknown(f"HTTP {status} with an unreadable answer ({what})")
    if status >= 300:
        return RemoteError(0, f"{meta.label}: HTTP {status} ({what})", http_status=status)
    return DecodeError(
        f"{meta.label}: HTTP {status} body is not the expected JSON ({what})", raw=raw
    )


def _describe(raw: bytes, content_type: str, meta: RequestMeta) -> str:
    if not raw:
        return f"empty body, {content_type}"
    return f"{content_type}, {len(raw)} bytes: {excerpt(raw, meta.secrets)!r}"
