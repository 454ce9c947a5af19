"""Binance's refusals as the simulated exchange raises them.

Rules:
- A ``SimError`` is a definite refusal: ``code`` and ``msg`` are Binance's exact code and
  message (errors.md) and ``http_status`` is the status Binance answers with.
- Nothing has changed when a ``SimError`` is raised: every check runs before any state moves.
- The helpers below are the only places a message is spelled, so a test can compare
  against them and a server can serve them unchanged as ``{"code": .., "msg": ..}``.
"""

from __future__ import annotations

__all__ = [
    "DECIMAL_RANGE",
    "SimError",
    "bad_precision",
    "duplicate_order",
    "filter_failure",
    "illegal_chars",
    "insufficient_balance",
    "invalid_symbol",
    "mandatory",
    "market_closed",
    "no_such_order",
    "not_required",
    "one_of_mandatory",
    "unknown_order",
    "would_match",
]

# The legal decimal range seen in -1100 messages (rest-api.md, General API Information).
DECIMAL_RANGE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"


class SimError(Exception):
    """A Binance refusal: code, msg and the HTTP status Binance answers with."""

    def __init__(self, code: int, msg: str, http_status: int = 400) -> None:
        super().__init__(f"Binance error {code}: {msg}")
        self.code = code
        self.msg = msg
        self.http_status = http_status

    def __repr__(self) -> str:
        return f"SimError({self.code}, {self.msg!r}, {self.http_status})"


def filter_failure(name: str) -> SimError:
    """-1013 "Filter failure: NAME" (filters.md, Symbol filters)."""
    return SimError(-1013, f"Filter failure: {name}")


def invalid_symbol() -> SimError:
    return SimError(-1121, "Invalid symbol.")


def unknown_order() -> SimError:
    """-2011: cancel of an order that is unknown or already closed (rest-api.md, Cancel order)."""
    return SimError(-2011, "Unknown order sent.")


def no_such_order() -> SimError:
    """-2013: query of an unknown order (rest-api.md, Query order)."""
    return SimError(-2013, "Order does not exist.")


def insufficient_balance() -> SimError:
    return SimError(-2010, "Account has insufficient balance for requested action.")


def duplicate_order() -> SimError:
    """-2010: the client id is held by an order that is still open (rest-api.md, New order
    (newClientOrderId))."""
    return SimError(-2010, "Duplicate order sent.")


def would_match() -> SimError:
    """-2010: a LIMIT_MAKER that would take (rest-api.md, New order mandatory params)."""
    return SimError(-2010, "Order would immediately match and take.")


def market_closed() -> SimError:
    """-2010: a new order on a symbol that is not TRADING (errors.md, -2010 messages: "Market
    is closed." - "The symbol is not trading."; enums.md, Symbol status)."""
    return SimError(-2010, "Market is closed.")


def mandatory(param: str) -> SimError:
    return SimError(
        -1102, f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed."
    )


def one_of_mandatory(first: str, second: str) -> SimError:
    return SimError(-1102, f"Param '{first}' or '{second}' must be sent, but both were empty/null!")


def not_required(param: str) -> SimError:
    if param == "timeInForce":
        return SimError(-1114, "TimeInForce parameter sent when not required.")
    return SimError(-1106, f"Parameter '{param}' sent when not required.")


def bad_precision(param: str) -> SimError:
    return SimError(-1111, f"Parameter '{param}' has too much precision.")


def illegal_chars(param: str, legal: str = DECIMAL_RANGE) -> SimError:
    return SimError(
        -1100, f"Illegal characters found in parameter '{param}'; legal range is '{legal}'."
    )
