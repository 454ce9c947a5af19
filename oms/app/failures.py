"""How the ``oms`` command fails: one line naming the fix, and an exit status.

Rules:
- Every failure is ``CliError``: one line (``oms: ...``) on stderr, never a traceback, never
  a log line, never a secret. The line speaks in the flags and variables the user typed
  (``OMS_API_KEY``, ``--timeout``), and says what to do.
- Exit statuses: 0 done; 1 the exchange refused, could not be reached, or the journal is
  not usable; 2 bad usage or configuration; 3 an order's outcome is IN DOUBT (it may have
  executed; the message says how to check it later); 130 interrupted (Ctrl-C), 143 stopped
  by SIGTERM (``oms.app.loop``), both after everything was closed.
- ``explain`` turns any exception into the ``CliError`` to print; the session supplies what
  the user configured (``Where``) so the line can name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["EXIT_FAILED", "EXIT_IN_DOUBT", "EXIT_USAGE", "CliError", "Where", "explain"]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_IN_DOUBT = 3


class CliError(Exception):
    """A user-facing failure: one line and an exit status."""

    def __init__(self, message: str, *, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Where:
    """What the command was pointed at, for naming it in an error."""

    environment: str
    rest_url: str
    journal: str
    timeout_s: float
    key_variable: str = "OMS_API_SECRET"


def explain(exc: BaseException, where: Where) -> CliError:
    """The one line for ``exc`` (any exception a command may meet)."""
    from oms.errors import (  # noqa: PLC0415
        AuthError,
        ClockSkewError,
        Disconnected,
        OmsError,
        OrderValidationError,
        OutcomeUnknown,
        RateLimited,
        RemoteError,
    )
    from oms.runtime.ownership import (  # noqa: PLC0415
        JournalBusy,
        JournalMismatch,
        JournalUnavailable,
    )

    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, TimeoutError):
        return CliError(
            f"no answer from {_exchange(where)} within {where.timeout_s:g} s"
            " (raise it with --timeout SECONDS)"
        )
    if isinstance(exc, Disconnected):
        return CliError(_unreachable(where))
    if isinstance(exc, AuthError):
        return CliError(
            f"{_exchange(where)} refused the API key ({exc.code} {exc.msg}):"
            f" check OMS_API_KEY / {where.key_variable}"
        )
    if isinstance(exc, ClockSkewError):
        return CliError(
            f"{_exchange(where)} refused the request's timestamp ({exc.code}): check this"
            " computer's clock, or raise OMS_RECV_WINDOW_MS"
        )
    if isinstance(exc, JournalBusy):
        return CliError(
            f"{exc}: wait for it to finish, or set OMS_JOURNAL to another file for this one"
        )
    if isinstance(exc, JournalMismatch):
        return CliError(_mismatch(exc, where))
    if isinstance(exc, JournalUnavailable):
        if "not a database" in exc.reason:  # SQLite's words for a file of something else
            return CliError(
                f"{exc}: it is not an oms journal; move it away, or set OMS_JOURNAL to another file"
            )
        return CliError(f"{exc}: set OMS_JOURNAL to a writable file path")
    if isinstance(exc, OrderValidationError):
        return CliError(f"refused before sending ({exc.rule}): {exc}")
    if isinstance(exc, RateLimited):
        return CliError(f"rate limited by {_exchange(where)}: retry in {exc.retry_after:g} s")
    if isinstance(exc, OutcomeUnknown):
        return CliError(f"{exc}; check with `oms orders` before trying again", status=EXIT_IN_DOUBT)
    if isinstance(exc, RemoteError):
        return CliError(f"{_exchange(where)} refused: {exc.code} {exc.msg}")
    if isinstance(exc, OmsError):
        return CliError(f"{type(exc).__name__}: {exc}")
    return CliError(f"unexpected {type(exc).__name__}: {exc}")


def _exchange(where: Where) -> str:
    if where.environment == "local":
        return "the local exchange"
    return f"Binance {where.environment}"


def _unreachable(where: Where) -> str:
    if where.environment == "local":
        parts = urlsplit(where.rest_url)
        return (
            f"cannot reach the local exchange at {where.rest_url}: is `oms exchange` running"
            f" at {parts.hostname}:{parts.port}? (or fix OMS_REST_URL)"
        )
    return (
        f"cannot reach Binance {where.environment} at {where.rest_url}: check the network"
        " connection (or OMS_REST_URL)"
    )


def _mismatch(exc: BaseException, where: Where) -> str:
    field = getattr(exc, "field", "")
    if field == "exchange_run":
        return (
            f"the local exchange at {where.rest_url} was restarted since journal"
            f" {where.journal} was written, so the orders and balances it records are gone:"
            f" start afresh by removing {where.journal} (or set OMS_JOURNAL to a new file)"
        )
    return (
        f"{exc}: each environment, exchange and account needs its own journal;"
        " set OMS_JOURNAL to another file"
    )
