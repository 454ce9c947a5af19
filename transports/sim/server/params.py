"""Request parameters of the local Binance server: parsing and validation, as Binance does it.

Rules:
- REST parameters come from the query string and/or an ``x-www-form-urlencoded`` body; when
  a name appears in both, the query string wins (rest-api.md, Request Security "REST HMAC-SHA256
  recipe" step 3). The same name twice *within* one part is ``-1101``.
- Every refusal is an ``ApiError`` with Binance's ``code``, ``msg`` and HTTP status
  (rest-api.md, HTTP Return Codes); nothing here executes anything, so a refused request changes no
  state.
- Endpoints read the parameters they know through ``Params``; whatever was sent and never
  read is ``-1104`` ("Not all sent parameters were read", errors.md, -1104), so a typo never
  silently becomes a default.
- Amounts are parsed straight into ``Decimal`` from the wire text (never a float) and must
  match Binance's decimal range ``^([0-9]{1,20})(\\.[0-9]{1,20})?$`` (rest-api.md, General API
  Information).
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar
from urllib.parse import unquote_to_bytes

from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import SymbolInfo
from transports.sim.errors import (
    DECIMAL_RANGE,
    SimError,
    bad_precision,
    illegal_chars,
    invalid_symbol,
    mandatory,
    not_required,
    one_of_mandatory,
)

__all__ = [
    "ApiError",
    "Params",
    "bad_param",
    "cancel_from_params",
    "mandatory_missing",
    "new_order_from_params",
    "parse_form",
    "query_from_params",
]

E = TypeVar("E", bound=StrEnum)

INTEGER_RANGE = r"^[0-9]{1,20}$"
# newClientOrderId charset and length (rest-api.md, New order).
CLIENT_ID_RANGE = r"^[a-zA-Z0-9-_]{1,36}$"
_DECIMAL = re.compile(DECIMAL_RANGE)
_INTEGER = re.compile(INTEGER_RANGE)
_CLIENT_ID = re.compile(CLIENT_ID_RANGE)
# Order parameters Binance takes that the simulated exchange does not implement.
UNSUPPORTED_ORDER_PARAMS = ("pegPriceType", "pegOffsetValue", "pegOffsetType")
_STOP_TYPES = frozenset(
    {
        OrderType.STOP_LOSS,
        OrderType.STOP_LOSS_LIMIT,
        OrderType.TAKE_PROFIT,
        OrderType.TAKE_PROFIT_LIMIT,
    }
)
# Mandatory parameters by order type (rest-api.md, New order).
_MANDATORY: dict[OrderType, tuple[str, ...]] = {
    OrderType.LIMIT: ("timeInForce", "quantity", "price"),
    OrderType.MARKET: (),
    # Plus stopPrice or trailingDelta (rest-api.md, New order; checked in _check_by_type).
    OrderType.STOP_LOSS: ("quantity",),
    OrderType.TAKE_PROFIT: ("quantity",),
    OrderType.STOP_LOSS_LIMIT: ("timeInForce", "quantity", "price"),
    OrderType.TAKE_PROFIT_LIMIT: ("timeInForce", "quantity", "price"),
    OrderType.LIMIT_MAKER: ("quantity", "price"),
}
_TAKES_PRICE = frozenset(
    {
        OrderType.LIMIT,
        OrderType.LIMIT_MAKER,
        OrderType.STOP_LOSS_LIMIT,
        OrderType.TAKE_PROFIT_LIMIT,
    }
)
_TAKES_TIF = frozenset({OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT})


class ApiError(SimError):
    """A refusal as Binance words it: ``{"code", "msg"}`` plus the HTTP status to answer with.

    ``retry_after`` (seconds) goes to the ``Retry-After`` header of a 429/418 (rest-api.md,
    LIMITS); ``until_ms``, the instant it counts to, to the WebSocket API's ``retryAfter``
    (web-socket-api.md, IP limits).
    """

    def __init__(
        self,
        code: int,
        msg: str,
        http_status: int = 400,
        *,
        retry_after: int | None = None,
        until_ms: int | None = None,
    ) -> None:
        super().__init__(code, msg, http_status)
        self.retry_after = retry_after
        self.until_ms = until_ms


def mandatory_missing(name: str) -> ApiError:
    base = mandatory(name)
    return ApiError(base.code, base.msg)


def bad_param(name: str) -> ApiError:
    return ApiError(-1130, f"Data sent for parameter '{name}' is not valid.")


def _split(raw: bytes) -> dict[str, str]:
    """Decode one ``a=1&b=2`` part; ``+`` is a space as in any form encoding."""
    out: dict[str, str] = {}
    if not raw:
        return out
    if b"%" not in raw and b"+" not in raw:
        # Nothing escaped: decode once ("&" and "=" never occur inside a UTF-8 sequence).
        return _split_plain(raw, out)
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key_raw, _, value_raw = pair.partition(b"=")
        try:
            key = unquote_to_bytes(key_raw.replace(b"+", b" ")).decode("utf-8")
            value = unquote_to_bytes(value_raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(-1100, "Illegal characters found in a parameter.") from None
        if key in out:
            # errors.md, -1101 "Duplicate values for a parameter detected."
            raise ApiError(-1101, "Duplicate values for a parameter detected.")
        out[key] = value
    return out


def _split_plain(raw: bytes, out: dict[str, str]) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(-1100, "Illegal characters found in a parameter.") from None
    for pair in text.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if key in out:
            raise ApiError(-1101, "Duplicate values for a parameter detected.")
        out[key] = value
    return out


def parse_form(query: bytes, body: bytes) -> dict[str, str]:
    """Merge query-string and body parameters; the query string wins on a duplicate (rest-api.md,
    Request Security).

    Raises:
        ApiError: -1100 for bytes that are not UTF-8 after percent-decoding, -1101 for a
            name repeated within the query string or within the body.
    """
    merged = _split(body)
    merged.update(_split(query))
    return merged


class Params:
    """The parameters of one request, read by name; tracks what the endpoint read."""

    __slots__ = ("_read", "_values", "ip")

    def __init__(self, values: dict[str, str], *, ip: str = "") -> None:
        self._values = values
        self._read: set[str] = set()
        # The caller's address: rate limits are per IP (rest-api.md, LIMITS).
        self.ip = ip

    def __contains__(self, name: str) -> bool:
        return name in self._values

    @property
    def sent(self) -> dict[str, str]:
        """The parameters as sent, by name (read-only use: ``name in params.sent``)."""
        return self._values

    def names(self) -> list[str]:
        return list(self._values)

    def raw(self, name: str) -> str | None:
        """The value as sent (marked read), or None when absent."""
        value = self._values.get(name)
        if value is not None:  # only sent names can be left unread (``finish``)
            self._read.add(name)
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A string parameter; empty is ``-1102`` when mandatory, ``-1105`` otherwise."""
        value = self._values.get(name)  # ``raw`` inlined: read for every parameter
        if value:
            self._read.add(name)
            return value
        if required:
            raise mandatory_missing(name)
        if value is None:
            return None
        raise ApiError(-1105, f"Parameter '{name}' was empty.")

    def require(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _DECIMAL.match(value):
            raise illegal_chars(name, DECIMAL_RANGE)
        return Decimal(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _INTEGER.match(value):
            raise illegal_chars(name, INTEGER_RANGE)
        return int(value)

    def enum(self, name: str, kind: type[E], error: tuple[int, str] | None = None) -> E | None:
        value = self.text(name)
        if value is None:
            return None
        # The members by value: what ``kind(value)`` looks up, without its call machinery.
        found: E | None = kind._value2member_map_.get(value)  # type: ignore[assignment]
        if found is None:
            raise ApiError(*error) if error else bad_param(name)
        return found

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise bad_param(name)
        return lowered == "true"

    def finish(self) -> None:
        """Refuse parameters the endpoint never read (errors.md, -1104).

        Raises:
            ApiError: -1104 naming how many were read and how many sent.
        """
        unread = [name for name in self._values if name not in self._read]
        if unread:
            sent = len(self._values)
            raise ApiError(
                -1104,
                f"Not all sent parameters were read; read '{sent - len(unread)}' parameter(s) "
                f"but was sent '{sent}'.",
            )


def _check_precision(name: str, value: Decimal | None, places: int) -> None:
    """More decimals than the asset allows is ``-1111`` (rest-api.md, General API Information)."""
    if value is None:
        return
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= places:
        return  # few enough places as written; normalizing only ever removes some
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise bad_precision(name)


def _client_id(params: Params, name: str) -> str | None:
    value = params.text(name)
    if value is not None and not _CLIENT_ID.match(value):
        raise illegal_chars(name, CLIENT_ID_RANGE)
    return value


_PEG_PARAMS = ("pegPriceType", "pegOffsetValue", "pegOffsetType")
_UNSUPPORTED = frozenset(_PEG_PARAMS + UNSUPPORTED_ORDER_PARAMS)


def _refuse_unsupported(params: Params) -> None:
    if _UNSUPPORTED.isdisjoint(params.sent):
        return
    if any(params.raw(name) is not None for name in _PEG_PARAMS):
        # No simulated symbol has pegInstructionsAllowed (errors.md, "Messages for -1010
        # ERROR_MSG_RECEIVED, -2010 NEW_ORDER_REJECTED, ...": the documented refusal).
        raise ApiError(-2010, "Pegged orders are not supported for this symbol.")
    for name in UNSUPPORTED_ORDER_PARAMS:
        if params.raw(name) is not None:
            raise ApiError(
                -1020, f"This operation is not supported. ('{name}' is not simulated here.)"
            )


def _check_by_type(params: Params, order_type: OrderType, market_qty: bool) -> None:
    # The sent dict itself (no ``Params`` call per name); a mandatory parameter is read
    # (marked) by ``new_order_from_params`` right after, so none is marked here.
    sent = params.sent
    for name in _MANDATORY[order_type]:
        if sent.get(name, "") == "":
            raise mandatory_missing(name)
    if order_type is OrderType.MARKET and not market_qty:
        raise one_of_mandatory("quantity", "quoteOrderQty")
    if order_type in _STOP_TYPES and "stopPrice" not in sent and "trailingDelta" not in sent:
        raise one_of_mandatory("stopPrice", "trailingDelta")
    if order_type not in _STOP_TYPES and "trailingDelta" in sent:
        raise not_required("trailingDelta")
    if order_type not in _TAKES_PRICE and "price" in sent:
        raise not_required("price")
    if order_type not in _TAKES_TIF and "timeInForce" in sent:
        raise not_required("timeInForce")
    if order_type not in _STOP_TYPES and "stopPrice" in sent:
        raise not_required("stopPrice")
    if order_type is not OrderType.MARKET and "quoteOrderQty" in sent:
        raise not_required("quoteOrderQty")


def new_order_from_params(params: Params, symbols: dict[str, SymbolInfo]) -> NewOrder:
    """Build the typed order of ``POST /api/v3/order`` / ``order.place`` (rest-api.md, New order).

    Raises:
        ApiError: -1102/-1105/-1106/-1114 for missing or superfluous parameters by type,
            -1100 for malformed numbers or client ids, -1111 for too much precision,
            -1115/-1116/-1117 for a bad time in force, type or side, -1121 for an unknown
            symbol, -1134 for a ``strategyType`` below 1000000, -1020 for unsimulated features.
    """
    symbol = params.require("symbol")
    side = params.enum("side", Side, (-1117, "Invalid side."))
    if side is None:
        raise mandatory_missing("side")
    order_type = params.enum("type", OrderType, (-1116, "Invalid orderType."))
    if order_type is None:
        raise mandatory_missing("type")
    _refuse_unsupported(params)
    sent = params.sent
    _check_by_type(params, order_type, "quantity" in sent or "quoteOrderQty" in sent)
    info = symbols.get(symbol)
    if info is None:
        raise invalid_symbol()
    # Each optional parameter is read (checked, marked read) only when sent: an absent one
    # reads as None with no side effect, so skipping it changes no answer.
    quantity = params.decimal("quantity") if "quantity" in sent else None
    quote_qty = params.decimal("quoteOrderQty") if "quoteOrderQty" in sent else None
    price = params.decimal("price") if "price" in sent else None
    stop_price = params.decimal("stopPrice") if "stopPrice" in sent else None
    iceberg = params.decimal("icebergQty") if "icebergQty" in sent else None
    for name, value, places in (
        ("quantity", quantity, info.base_asset_precision),
        ("icebergQty", iceberg, info.base_asset_precision),
        ("quoteOrderQty", quote_qty, info.quote_asset_precision),
        ("price", price, info.quote_asset_precision),
        ("stopPrice", stop_price, info.quote_asset_precision),
    ):
        if value is not None:
            _check_precision(name, value, places)
    strategy_type = params.integer("strategyType") if "strategyType" in sent else None
    if strategy_type is not None and strategy_type < 1_000_000:
        raise ApiError(-1134, "`strategyType` was less than 1000000.")
    return NewOrder(
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        quote_order_qty=quote_qty,
        price=price,
        time_in_force=params.enum("timeInForce", TimeInForce, (-1115, "Invalid timeInForce."))
        if "timeInForce" in sent
        else None,
        client_order_id=_client_id(params, "newClientOrderId"),
        response_type=params.enum("newOrderRespType", OrderResponseType)
        if "newOrderRespType" in sent
        else None,
        self_trade_prevention_mode=params.enum("selfTradePreventionMode", SelfTradePreventionMode)
        if "selfTradePreventionMode" in sent
        else None,
        stop_price=stop_price,
        trailing_delta=params.integer("trailingDelta") if "trailingDelta" in sent else None,
        iceberg_qty=iceberg,
        strategy_id=params.integer("strategyId") if "strategyId" in sent else None,
        strategy_type=strategy_type,
    )


def _order_ids(params: Params) -> tuple[str, int | None, str | None]:
    symbol = params.require("symbol")
    order_id = params.integer("orderId")
    orig = params.text("origClientOrderId")
    if order_id is None and orig is None:
        # Neither id: -1102 since 2025-04 (rest-api.md, Cancel order).
        raise one_of_mandatory("origClientOrderId", "orderId")
    return symbol, order_id, orig


def cancel_from_params(params: Params) -> CancelOrder:
    """Build ``DELETE /api/v3/order`` / ``order.cancel`` (rest-api.md, Cancel order); see
    ``_order_ids`` for errors."""
    symbol, order_id, orig = _order_ids(params)
    return CancelOrder(
        symbol=symbol,
        order_id=order_id,
        orig_client_order_id=orig,
        new_client_order_id=_client_id(params, "newClientOrderId"),
    )


def query_from_params(params: Params) -> QueryOrder:
    """Build ``GET /api/v3/order`` / ``order.status`` (rest-api.md, New order)."""
    symbol, order_id, orig = _order_ids(params)
    return QueryOrder(symbol=symbol, order_id=order_id, orig_client_order_id=orig)
