"""User-data stream events, as typed frozen Structs with readable attribute names.

Rules:
- One Struct per Binance event type, tagged by the wire key ``e`` (user-data-stream.md, Order
  Update), with Binance's single-letter keys mapped to readable names by
  ``msgspec.field(name=...)``.
- Every price, quantity and fee is a ``Decimal`` decoded straight from Binance's strings.
- Every key Binance may send is declared. Keys Binance always sends are required; the
  conditional ones (STP, SOR, pegs, trailing, ``eR``, ``W``) default to ``None`` and, with
  ``omit_defaults``, are left out again on encoding, so a Struct re-encodes to exactly the
  keys of the frame it came from.
- Informational enums that Binance extends over time (reject reason ``r``, expiry reason
  ``eR``, STP mode ``V``) are kept as ``str``: a value added by Binance tomorrow must never
  make a whole execution report undecodable. Compare them with ``oms.wire.enums`` members.
- Fields that drive state (``S``, ``o``, ``f``, ``x``, ``X``) are strict enums: an unknown value
  there is a decode error, because the core cannot apply what it does not understand.
- Decoding (``oms.wire.decoding``) builds its decoders once; nothing here does I/O.
- ``gc=False``: decoded events hold only scalars, strings, Decimals and tuples, so they can
  form no reference cycle; untracked, they cost the garbage collector nothing (hot path).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import (
    ContingencyType,
    ExecutionType,
    ListOrderStatus,
    ListStatusType,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)

__all__ = [
    "BalanceDelta",
    "BalanceUpdate",
    "EventStreamTerminated",
    "ExecutionReport",
    "ExternalLockUpdate",
    "ListStatus",
    "ListStatusOrder",
    "OutboundAccountPosition",
    "ServerShutdown",
    "StreamEvent",
    "Unrecognised",
    "UserDataEvent",
]


class StreamEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="e", gc=False):
    """Base of every user-data event: ``e`` is the tag, ``E`` the event time (ms)."""

    event_time: int = msgspec.field(name="E")


class ExecutionReport(
    StreamEvent, frozen=True, kw_only=True, omit_defaults=True, tag="executionReport"
):
    """``executionReport``: one change of one order (user-data-stream.md, Order Update)."""

    symbol: str = msgspec.field(name="s")
    # On a cancel, ``c`` is the cancel request's own id and ``C`` the order's (rest-api.md, Cancel
    # order).
    client_order_id: str = msgspec.field(name="c")
    side: Side = msgspec.field(name="S")
    order_type: OrderType = msgspec.field(name="o")
    time_in_force: TimeInForce = msgspec.field(name="f")
    quantity: Decimal = msgspec.field(name="q")
    price: Decimal = msgspec.field(name="p")
    stop_price: Decimal = msgspec.field(name="P")
    iceberg_quantity: Decimal = msgspec.field(name="F")
    order_list_id: int = msgspec.field(name="g")
    orig_client_order_id: str = msgspec.field(name="C")
    execution_type: ExecutionType = msgspec.field(name="x")
    status: OrderStatus = msgspec.field(name="X")
    reject_reason: str = msgspec.field(name="r")
    order_id: int = msgspec.field(name="i")
    last_quantity: Decimal = msgspec.field(name="l")
    cumulative_quantity: Decimal = msgspec.field(name="z")
    last_price: Decimal = msgspec.field(name="L")
    commission: Decimal = msgspec.field(name="n")
    # ``N`` is null when the report is not a trade (user-data-stream.md, Order Update).
    commission_asset: str | None = msgspec.field(name="N")
    transaction_time: int = msgspec.field(name="T")
    # ``t`` is -1 when the report is not a trade (user-data-stream.md, Order Update).
    trade_id: int = msgspec.field(name="t")
    # Conditional (an order expired by STP), but between ``t`` and ``I`` where
    # user-data-stream.md, Order Update, shows it.
    prevented_match_id: int | None = msgspec.field(name="v", default=None)
    execution_id: int = msgspec.field(name="I")
    is_working: bool = msgspec.field(name="w")
    is_maker: bool = msgspec.field(name="m")
    ignore_m: bool = msgspec.field(name="M")
    created_time: int = msgspec.field(name="O")
    cumulative_quote_quantity: Decimal = msgspec.field(name="Z")
    last_quote_quantity: Decimal = msgspec.field(name="Y")
    quote_order_quantity: Decimal = msgspec.field(name="Q")
    # Conditional keys (user-data-stream.md, Conditional Fields in Execution Report).
    working_time: int | None = msgspec.field(name="W", default=None)
    self_trade_prevention_mode: str = msgspec.field(name="V")
    trailing_delta: int | None = msgspec.field(name="d", default=None)
    trailing_time: int | None = msgspec.field(name="D", default=None)
    strategy_id: int | None = msgspec.field(name="j", default=None)
    strategy_type: int | None = msgspec.field(name="J", default=None)
    prevented_quantity: Decimal | None = msgspec.field(name="A", default=None)
    last_prevented_quantity: Decimal | None = msgspec.field(name="B", default=None)
    trade_group_id: int | None = msgspec.field(name="u", default=None)
    counter_order_id: int | None = msgspec.field(name="U", default=None)
    counter_symbol: str | None = msgspec.field(name="Cs", default=None)
    prevented_execution_quantity: Decimal | None = msgspec.field(name="pl", default=None)
    prevented_execution_price: Decimal | None = msgspec.field(name="pL", default=None)
    prevented_execution_quote_quantity: Decimal | None = msgspec.field(name="pY", default=None)
    match_type: str | None = msgspec.field(name="b", default=None)
    allocation_id: int | None = msgspec.field(name="a", default=None)
    working_floor: str | None = msgspec.field(name="k", default=None)
    used_sor: bool | None = msgspec.field(name="uS", default=None)
    peg_price_type: str | None = msgspec.field(name="gP", default=None)
    peg_offset_type: str | None = msgspec.field(name="gOT", default=None)
    peg_offset_value: int | None = msgspec.field(name="gOV", default=None)
    pegged_price: Decimal | None = msgspec.field(name="gp", default=None)
    expiry_reason: str | None = msgspec.field(name="eR", default=None)


class BalanceDelta(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One asset of ``outboundAccountPosition.B``: absolute free and locked."""

    asset: str = msgspec.field(name="a")
    free: Decimal = msgspec.field(name="f")
    locked: Decimal = msgspec.field(name="l")


class OutboundAccountPosition(
    StreamEvent, frozen=True, kw_only=True, tag="outboundAccountPosition"
):
    """Absolute balances of the assets that changed; ``u`` orders them (user-data-stream.md, Order
    Update)."""

    last_update_time: int = msgspec.field(name="u")
    balances: tuple[BalanceDelta, ...] = msgspec.field(name="B")


class BalanceUpdate(StreamEvent, frozen=True, kw_only=True, tag="balanceUpdate"):
    """A deposit, withdrawal or transfer: ``d`` is a signed delta of free balance
    (user-data-stream.md, Order Update)."""

    asset: str = msgspec.field(name="a")
    delta: Decimal = msgspec.field(name="d")
    clear_time: int = msgspec.field(name="T")


class ExternalLockUpdate(StreamEvent, frozen=True, kw_only=True, tag="externalLockUpdate"):
    """Part of the balance locked (``d`` > 0) or unlocked externally, e.g. as collateral
    (user-data-stream.md, Order Update)."""

    asset: str = msgspec.field(name="a")
    delta: Decimal = msgspec.field(name="d")
    transaction_time: int = msgspec.field(name="T")


class ListStatusOrder(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One element of ``listStatus.O``: a leg of the list."""

    symbol: str = msgspec.field(name="s")
    order_id: int = msgspec.field(name="i")
    client_order_id: str = msgspec.field(name="c")


class ListStatus(StreamEvent, frozen=True, kw_only=True, tag="listStatus"):
    """Order-list status, sent besides the members' executionReports (user-data-stream.md,
    Order update: "an event named ListStatus will be sent in addition"). ``l`` and ``L``
    drive the list's lifecycle (``oms.core.lists``) and are strict enums."""

    symbol: str = msgspec.field(name="s")
    order_list_id: int = msgspec.field(name="g")
    contingency_type: ContingencyType = msgspec.field(name="c")
    list_status_type: ListStatusType = msgspec.field(name="l")
    list_order_status: ListOrderStatus = msgspec.field(name="L")
    list_reject_reason: str = msgspec.field(name="r")
    list_client_order_id: str = msgspec.field(name="C")
    transaction_time: int = msgspec.field(name="T")
    orders: tuple[ListStatusOrder, ...] = msgspec.field(name="O")


class EventStreamTerminated(StreamEvent, frozen=True, kw_only=True, tag="eventStreamTerminated"):
    """The subscription ended (logout, unsubscribe): events stop; reconnect and reconcile."""


class ServerShutdown(StreamEvent, frozen=True, kw_only=True, tag="serverShutdown"):
    """The server is about to shut down (2026-03): reconnect now (web-socket-api.md, General API
    Information)."""


class Unrecognised(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An event whose type ``e`` this version does not know; carries the raw frame."""

    event_type: str
    raw: bytes


UserDataEvent = (
    ExecutionReport
    | OutboundAccountPosition
    | BalanceUpdate
    | ExternalLockUpdate
    | ListStatus
    | EventStreamTerminated
    | ServerShutdown
)
