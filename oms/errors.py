"""The exception hierarchy: who is at fault decides what the caller does next.

Rules:
- ``LocalError``: the caller asked for something illegal; nothing was sent or changed.
- ``RemoteError``: the exchange answered with a definite refusal; carries Binance's
  ``code`` and ``msg`` unchanged (errors.md).
- ``TransportError``: the wire failed. ``OutcomeUnknown`` is *not* a failure: the request
  may have executed (HTTP 5xx, -1006, -1007, timeout or drop after sending; errors.md, -1006 "HTTP
  status"). Only the exchange's own answer to a query resolves it.
- ``DecodeError``: a frame or body could not be decoded; it names the field and keeps the
  raw bytes for inspection.
- No exception here holds a secret. Transports define none of their own types outside this
  tree, so applications need not import aiohttp to catch them.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CancelRejected",
    "CancelReplaceFailed",
    "ClockSkewError",
    "DecodeError",
    "DuplicateClientOrderId",
    "FilterFailure",
    "InsufficientBalance",
    "InvalidTransition",
    "IpBanned",
    "LocalError",
    "ManagerClosed",
    "NoSuchOrder",
    "OmsError",
    "NewOrderRejected",
    "OrderValidationError",
    "OutcomeUnknown",
    "RateLimited",
    "RemoteError",
    "TransportError",
    "Disconnected",
    "UnknownOrder",
    "remote_error",
]


class OmsError(Exception):
    """Base of every error raised by oms."""


# --- local: the caller's misuse ---------------------------------------------------------


class LocalError(OmsError):
    """An illegal request by the caller; nothing was sent and no state changed."""


class InvalidTransition(LocalError):
    """A command that the order's current state does not allow (e.g. cancel a FILLED order)."""


class UnknownOrder(LocalError):
    """No tracked order matches the given id."""


class DuplicateClientOrderId(LocalError):
    """A client order id already used by a tracked open order."""


class OrderValidationError(LocalError):
    """A pre-trade check failed; ``rule`` names it and ``suggestion`` is the nearest valid value."""

    def __init__(self, message: str, *, rule: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.suggestion = suggestion


# --- remote: the exchange said no ------------------------------------------------------


class RemoteError(OmsError):
    """A definite refusal from the exchange, with Binance's ``code`` and ``msg``."""

    def __init__(self, code: int, msg: str, *, http_status: int | None = None) -> None:
        super().__init__(f"Binance error {code}: {msg}")
        self.code = code
        self.msg = msg
        self.http_status = http_status


class NewOrderRejected(RemoteError):
    """A new order was refused (-2010 and the -11xx parameter errors); it does not exist."""


class FilterFailure(NewOrderRejected):
    """-1013 "Filter failure: NAME"; ``filter_name`` is NAME."""

    @property
    def filter_name(self) -> str:
        prefix = "Filter failure: "
        return self.msg[len(prefix) :] if self.msg.startswith(prefix) else ""


class InsufficientBalance(NewOrderRejected):
    """-2010 "Account has insufficient balance for requested action." """


class CancelRejected(RemoteError):
    """-2011: the cancel was refused (the order is unknown, already closed, or restricted)."""


class CancelReplaceFailed(RemoteError):
    """-2021 "Order cancel-replace partially failed." / -2022 "Order cancel-replace failed."
    (rest-api.md, Cancel an Existing Order and Send a New Order). ``answer`` holds both
    results (``oms.wire.amends.CancelReplaceAnswer``) when the body carried them: with -2021
    exactly one of the cancel and the new order happened, with -2022 the new order was not
    placed."""

    def __init__(
        self, code: int, msg: str, *, http_status: int | None = None, answer: object = None
    ) -> None:
        super().__init__(code, msg, http_status=http_status)
        self.answer = answer


class NoSuchOrder(RemoteError):
    """-2013 "Order does not exist.": the definite answer that resolves an unknown outcome."""


class AuthError(RemoteError):
    """-2014 / -2015 / -1022 / -1002: the key, its permissions or the signature were refused."""


class ClockSkewError(RemoteError):
    """-1021: the request's timestamp was outside ``recvWindow``; it did not execute."""


# --- transport: the wire failed ---------------------------------------------------------


class TransportError(OmsError):
    """The request's fate is decided by the wire, not the exchange's rules."""


class RateLimited(TransportError):
    """HTTP 429 (-1003/-1015): stop every request for ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float, code: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code


class IpBanned(RateLimited):
    """HTTP 418: the IP is banned for ``retry_after`` seconds after continued 429s."""


class OutcomeUnknown(TransportError):
    """The request was sent and may have executed: HTTP 5xx, -1006, -1007, timeout, drop.

    Never treat as failed; query the order by client id until the exchange answers.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_time_ms: int | None = None,
        recv_window_ms: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        # The request's own ``timestamp`` (server clock estimate) and ``recvWindow``: past
        # ``request_time_ms + recv_window_ms`` by the server's clock, the request can no
        # longer start executing (rest-api.md, Timing security).
        self.request_time_ms = request_time_ms
        self.recv_window_ms = recv_window_ms


class Disconnected(TransportError):
    """The connection failed before the request was sent: it certainly did not execute."""


class ManagerClosed(OmsError):
    """The ``OrderManager`` is closed: nothing more is sent, applied or journaled.

    A call made after ``close()`` sent nothing. A call still in flight when ``close()`` ran
    ends with this error, its answer (if one came) not applied: the order keeps the state
    the journal recorded (e.g. sent, outcome unknown), and the next ``start()`` on the same
    journal resolves it by client id. Not a ``LocalError``: such a request may have left.
    """

    def __init__(self, message: str = "the order manager is closed") -> None:
        super().__init__(message)


class DecodeError(OmsError):
    """A frame or body that cannot be decoded; ``field`` is its JSON path, ``raw`` the bytes."""

    def __init__(self, reason: str, *, raw: bytes, field: str | None = None) -> None:
        where = f" at {field}" if field else ""
        super().__init__(f"cannot decode frame{where}: {reason}")
        self.reason = reason
        self.raw = raw
        self.field = field


_BY_CODE: dict[int, type[RemoteError]] = {
    -1002: AuthError,
    -1013: FilterFailure,
    -1021: ClockSkewError,
    -1022: AuthError,
    -2011: CancelRejected,
    -2013: NoSuchOrder,
    -2014: AuthError,
    -2015: AuthError,
    -2021: CancelReplaceFailed,
    -2022: CancelReplaceFailed,
}


def remote_error(code: int, msg: str, *, http_status: int | None = None) -> RemoteError:
    """Build the typed ``RemoteError`` for a Binance ``{"code", "msg"}`` refusal.

    Codes that mean "unknown outcome" (-1006, -1007) are *not* handled here: a transport
    raises ``OutcomeUnknown`` for them before calling this.
    """
    if code == -2010:
        if msg.startswith("Account has insufficient balance"):
            return InsufficientBalance(code, msg, http_status=http_status)
        return NewOrderRejected(code, msg, http_status=http_status)
    cls = _BY_CODE.get(code)
    if cls is None:
        cls = NewOrderRejected if -1199 <= code <= -1100 else RemoteError
    return cls(code, msg, http_status=http_status)
