"""oms: an order-management core for Binance Spot.

The public API an embedder needs, importable from ``oms`` directly, so internal moves never
break users. Names resolve lazily: ``import oms.core.engine`` (the pure core) does not load the
async runtime.

Layers (``specs/architecture.md``): ``oms.wire`` (Binance's shapes) and ``oms.core`` (the
lifecycle) are pure and synchronous; ``oms.runtime`` is the async order manager behind the
``Transport`` port; ``oms.app`` is the ``oms`` command and the demo.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oms.core.balances import Balance, BalanceLedger
    from oms.core.commands import (
        CancelRefused,
        CancelRequested,
        CancelUnknown,
        Command,
        Intent,
        NotFound,
        SendRejected,
        SendUnknown,
        Sent,
    )
    from oms.core.engine import Engine, Report
    from oms.core.ids import SequentialIds
    from oms.core.order import Order
    from oms.core.outputs import (
        BalanceChanged,
        FillApplied,
        OrderAccepted,
        OrderAdopted,
        OrderAmended,
        OrderCanceled,
        OrderExpired,
        OrderFilled,
        OrderPartiallyFilled,
        OrderRejected,
        OrderStateChanged,
        Output,
        ReconcileNeeded,
        ReportConflict,
        ReportIgnored,
    )
    from oms.core.positions import Position
    from oms.core.spec import OrderSpec, new_order_request
    from oms.core.state import OrderState
    from oms.errors import (
        AuthError,
        CancelRejected,
        ClockSkewError,
        DecodeError,
        Disconnected,
        FilterFailure,
        InsufficientBalance,
        InvalidTransition,
        IpBanned,
        LocalError,
        ManagerClosed,
        NewOrderRejected,
        NoSuchOrder,
        OmsError,
        OrderValidationError,
        OutcomeUnknown,
        RateLimited,
        RemoteError,
        TransportError,
    )
    from oms.runtime.config import ManagerConfig
    from oms.runtime.journal import Journal
    from oms.runtime.manager import OrderManager
    from oms.runtime.ownership import JournalBusy, JournalMismatch, JournalUnavailable
    from oms.runtime.ports import Transport
    from oms.wire.decoding import decode_user_data
    from oms.wire.enums import (
        OrderStatus,
        OrderType,
        SelfTradePreventionMode,
        Side,
        TimeInForce,
    )

_WHERE = {
    "Balance": "oms.core.balances",
    "BalanceLedger": "oms.core.balances",
    "Engine": "oms.core.engine",
    "Report": "oms.core.engine",
    "SequentialIds": "oms.core.ids",
    "Order": "oms.core.order",
    "Position": "oms.core.positions",
    "OrderSpec": "oms.core.spec",
    "new_order_request": "oms.core.spec",
    "OrderState": "oms.core.state",
    "JournalBusy": "oms.runtime.ownership",
    "JournalMismatch": "oms.runtime.ownership",
    "JournalUnavailable": "oms.runtime.ownership",
    "ManagerConfig": "oms.runtime.config",
    "Journal": "oms.runtime.journal",
    "OrderManager": "oms.runtime.manager",
    "Transport": "oms.runtime.ports",
    "decode_user_data": "oms.wire.decoding",
}
_WHERE.update(
    dict.fromkeys(
        [
            "BalanceChanged",
            "FillApplied",
            "OrderAccepted",
            "OrderAdopted",
            "OrderAmended",
            "OrderCanceled",
            "OrderExpired",
            "OrderFilled",
            "OrderPartiallyFilled",
            "OrderRejected",
            "OrderStateChanged",
            "Output",
            "ReconcileNeeded",
            "ReportConflict",
            "ReportIgnored",
        ],
        "oms.core.outputs",
    )
)
_WHERE.update(
    dict.fromkeys(
        [
            "CancelRefused",
            "CancelRequested",
            "CancelUnknown",
            "Command",
            "Intent",
            "NotFound",
            "SendRejected",
            "SendUnknown",
            "Sent",
        ],
        "oms.core.commands",
    )
)
_WHERE.update(
    dict.fromkeys(
        [
            "AuthError",
            "CancelRejected",
            "ClockSkewError",
            "DecodeError",
            "Disconnected",
            "FilterFailure",
            "InsufficientBalance",
            "InvalidTransition",
            "IpBanned",
            "LocalError",
            "ManagerClosed",
            "NewOrderRejected",
            "NoSuchOrder",
            "OmsError",
            "OrderValidationError",
            "OutcomeUnknown",
            "RateLimited",
            "RemoteError",
            "TransportError",
        ],
        "oms.errors",
    )
)
_WHERE.update(
    dict.fromkeys(
        ["OrderStatus", "OrderType", "SelfTradePreventionMode", "Side", "TimeInForce"],
        "oms.wire.enums",
    )
)

__all__ = [
    "AuthError",
    "Balance",
    "BalanceChanged",
    "BalanceLedger",
    "CancelRefused",
    "CancelRejected",
    "CancelRequested",
    "CancelUnknown",
    "ClockSkewError",
    "Command",
    "DecodeError",
    "Disconnected",
    "Engine",
    "FillApplied",
    "FilterFailure",
    "InsufficientBalance",
    "Intent",
    "InvalidTransition",
    "IpBanned",
    "Journal",
    "JournalBusy",
    "JournalMismatch",
    "JournalUnavailable",
    "LocalError",
    "ManagerClosed",
    "ManagerConfig",
    "NewOrderRejected",
    "NoSuchOrder",
    "NotFound",
    "OmsError",
    "Order",
    "OrderAccepted",
    "OrderAdopted",
    "OrderAmended",
    "OrderCanceled",
    "OrderExpired",
    "OrderFilled",
    "OrderManager",
    "OrderPartiallyFilled",
    "OrderRejected",
    "OrderSpec",
    "OrderState",
    "OrderStateChanged",
    "OrderStatus",
    "OrderType",
    "OrderValidationError",
    "OutcomeUnknown",
    "Output",
    "Position",
    "RateLimited",
    "ReconcileNeeded",
    "RemoteError",
    "Report",
    "ReportConflict",
    "ReportIgnored",
    "SelfTradePreventionMode",
    "SendRejected",
    "SendUnknown",
    "Sent",
    "SequentialIds",
    "Side",
    "TimeInForce",
    "Transport",
    "TransportError",
    "decode_user_data",
    "new_order_request",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'oms' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
