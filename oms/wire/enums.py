"""Binance Spot enumerations, spelled exactly as Binance spells them.

Rules:
- Every value here is a ``StrEnum`` member whose value is Binance's own wire string
  (enums.md, Order status, rest-api.md, New order),
  so ``OrderStatus("FILLED")`` decodes a wire value and ``str(member)`` encodes it.
- Our *local* lifecycle states (not sent, awaiting ack, outcome unknown, cancel requested)
  are not Binance statuses and live in ``oms.core.state``, not here.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CancelReplaceMode",
    "CancelReplaceResult",
    "ContingencyType",
    "ExecutionType",
    "ExpiryReason",
    "ListOrderStatus",
    "ListStatusType",
    "OrderResponseType",
    "OrderStatus",
    "OrderType",
    "RejectReason",
    "SelfTradePreventionMode",
    "Side",
    "SymbolStatus",
    "TimeInForce",
]


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"
    STOP_LOSS = "STOP_LOSS"
    STOP_LOSS_LIMIT = "STOP_LOSS_LIMIT"
    TAKE_PROFIT = "TAKE_PROFIT"
    TAKE_PROFIT_LIMIT = "TAKE_PROFIT_LIMIT"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class OrderStatus(StrEnum):
    """Order status ``X`` / ``status`` as the exchange reports it (enums.md)."""

    NEW = "NEW"
    # Binance: a pending leg of an order list (OTO/OTOCO/OPO), enums.md, Order status.
    PENDING_NEW = "PENDING_NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    # Binance: "currently unused" (enums.md, Order status); accepted on decode all the same.
    PENDING_CANCEL = "PENDING_CANCEL"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"


class ExecutionType(StrEnum):
    """Execution type ``x``: what happened in this report (never the status, see ``X``)."""

    NEW = "NEW"
    CANCELED = "CANCELED"
    REPLACED = "REPLACED"
    REJECTED = "REJECTED"
    TRADE = "TRADE"
    EXPIRED = "EXPIRED"
    TRADE_PREVENTION = "TRADE_PREVENTION"


class RejectReason(StrEnum):
    """``r`` in executionReport (user-data-stream.md, Order Reject Reason)."""

    NONE = "NONE"
    INSUFFICIENT_BALANCES = "INSUFFICIENT_BALANCES"
    STOP_PRICE_WOULD_TRIGGER_IMMEDIATELY = "STOP_PRICE_WOULD_TRIGGER_IMMEDIATELY"
    WOULD_MATCH_IMMEDIATELY = "WOULD_MATCH_IMMEDIATELY"
    OCO_BAD_PRICES = "OCO_BAD_PRICES"


class ExpiryReason(StrEnum):
    """``expiryReason`` / ``eR`` (user-data-stream.md, Order Expiry Reason, added 2026-03-26)."""

    NONE = "NONE"
    REJECTED = "REJECTED"
    EXCHANGE_CANCELED = "EXCHANGE_CANCELED"
    OCO_TRIGGER = "OCO_TRIGGER"
    OTO_PHASE_ONE_EXPIRED = "OTO_PHASE_ONE_EXPIRED"
    UNFILLED_IOC_QUANTITY_EXPIRED = "UNFILLED_IOC_QUANTITY_EXPIRED"
    UNFILLED_FOK_ORDER_EXPIRED = "UNFILLED_FOK_ORDER_EXPIRED"
    INSUFFICIENT_LIQUIDITY = "INSUFFICIENT_LIQUIDITY"
    EXECUTION_RULE_PRICE_RANGE_EXCEEDED = "EXECUTION_RULE_PRICE_RANGE_EXCEEDED"


class SelfTradePreventionMode(StrEnum):
    NONE = "NONE"
    EXPIRE_MAKER = "EXPIRE_MAKER"
    EXPIRE_TAKER = "EXPIRE_TAKER"
    EXPIRE_BOTH = "EXPIRE_BOTH"
    DECREMENT = "DECREMENT"
    TRANSFER = "TRANSFER"


class OrderResponseType(StrEnum):
    """``newOrderRespType``: FULL is the default for MARKET and LIMIT, ACK for the rest
    (rest-api.md, New order)."""

    ACK = "ACK"
    RESULT = "RESULT"
    FULL = "FULL"


class SymbolStatus(StrEnum):
    TRADING = "TRADING"
    END_OF_DAY = "END_OF_DAY"
    HALT = "HALT"
    BREAK = "BREAK"
    CANCEL_ONLY = "CANCEL_ONLY"


class ContingencyType(StrEnum):
    OCO = "OCO"
    OTO = "OTO"
    OPO = "OPO"


class CancelReplaceMode(StrEnum):
    """``cancelReplaceMode`` (rest-api.md, Cancel an Existing Order and Send a New Order)."""

    STOP_ON_FAILURE = "STOP_ON_FAILURE"
    ALLOW_FAILURE = "ALLOW_FAILURE"


class CancelReplaceResult(StrEnum):
    """``cancelResult`` / ``newOrderResult`` of a cancel-replace (rest-api.md, same section)."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    NOT_ATTEMPTED = "NOT_ATTEMPTED"


class ListStatusType(StrEnum):
    RESPONSE = "RESPONSE"
    EXEC_STARTED = "EXEC_STARTED"
    UPDATED = "UPDATED"
    ALL_DONE = "ALL_DONE"


class ListOrderStatus(StrEnum):
    EXECUTING = "EXECUTING"
    ALL_DONE = "ALL_DONE"
    REJECT = "REJECT"
