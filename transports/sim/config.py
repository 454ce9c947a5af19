"""Configuration of the simulated exchange: symbols, filters, commission, rate limits.

Rules:
- Symbols are ``oms.wire.rest.SymbolInfo`` exactly as ``GET /api/v3/exchangeInfo`` carries them,
  filters as Binance's raw dicts (rest-api.md, Exchange information exchangeInfo, filters.md, Symbol
  filters), so what the simulator enforces is what it serves.
- The defaults copy the live BTCUSDT / ETHUSDT / BNBUSDT filters (tick 0.01; steps
  0.00001 / 0.0001 / 0.001). BNBUSDT carries the legacy ``MIN_NOTIONAL`` filter instead of
  ``NOTIONAL`` so that both notional rules are exercised.
- LIMIT, LIMIT_MAKER, MARKET and the stop types (STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT,
  TAKE_PROFIT_LIMIT, trailing or not) are simulated; OCO / OTO / OTOCO / OPO / OPOCO lists,
  cancel-replace and amend keep priority are allowed (``ocoAllowed``, ``otoAllowed``,
  ``opoAllowed``, ``allowTrailingStop``, ``cancelReplaceAllowed``, ``amendAllowed``;
  rest-api.md, Exchange information). ``make_symbol(opo_allowed=False)`` (``[[markets]]``
  ``opo_allowed = false``) lists a symbol without OPO, which then refuses it (faqs/opo.md).
  LIMIT (GTC) and LIMIT_MAKER orders, and STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT (GTC) ones, may
  be icebergs (``icebergAllowed`` true, ICEBERG_PARTS 100, MAX_NUM_ICEBERG_ORDERS 5 per account
  and symbol as in filters.md's example).
- Every STP mode is simulated and allowed, ``DECREMENT`` and ``TRANSFER`` included
  (faqs/stp_faq.md); trade groups are set with ``SimExchange.set_trade_group``.
- Commission is zero by default, as on testnet (faqs/commission_faq.md).
- Smart order routing (faqs/sor_faq.md) is configured by ``SimConfig.sors``: groups of
  symbols with one base asset and interchangeable quote assets. None by default (exchangeInfo
  then lists no ``sors``, as rest-api.md, Exchange information says of an exchange without SOR).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.rest import FilterValue, RateLimit, SymbolInfo
from transports.sim.exchange_filters import ExchangeLimits

__all__ = [
    "DEFAULT_REFERENCE_PRICES",
    "Commission",
    "SimConfig",
    "SorGroup",
    "default_rate_limits",
    "default_symbols",
    "make_symbol",
]

DEFAULT_REFERENCE_PRICES: dict[str, Decimal] = {
    "BTCUSDT": Decimal("60000.00"),
    "ETHUSDT": Decimal("3000.00"),
    "BNBUSDT": Decimal("600.00"),
}

SIMULATED_ORDER_TYPES = (
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)
SIMULATED_STP_MODES = (
    "NONE",
    "EXPIRE_TAKER",
    "EXPIRE_MAKER",
    "EXPIRE_BOTH",
    "DECREMENT",
    "TRANSFER",
)


def _d8(value: str) -> str:
    """Binance writes filter decimals with 8 places: ``"0.01000000"``."""
    return f"{Decimal(value):.8f}"


def make_symbol(
    symbol: str,
    base: str,
    quote: str,
    *,
    tick: str = "0.01",
    step: str = "0.00001",
    min_qty: str | None = None,
    max_qty: str = "9000",
    market_max_qty: str = "100",
    min_notional: str = "5",
    legacy_min_notional: bool = False,
    percent_up: str = "5",
    percent_down: str = "0.2",
    max_num_orders: int = 200,
    max_num_iceberg_orders: int = 5,
    default_stp: str = "EXPIRE_MAKER",
    opo_allowed: bool = True,
    status: str = "TRADING",
) -> SymbolInfo:
    """A symbol in exchangeInfo's shape with Binance's usual filter set (filters.md, Symbol
    filters)."""
    filters: list[dict[str, FilterValue]] = [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": _d8(tick),
            "maxPrice": _d8("1000000"),
            "tickSize": _d8(tick),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": _d8(min_qty or step),
            "maxQty": _d8(max_qty),
            "stepSize": _d8(step),
        },
        {"filterType": "ICEBERG_PARTS", "limit": 100},
        # Live symbols use stepSize 0 here, which disables the step check (filters.md, Symbol
        # filters).
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": _d8("0"),
            "maxQty": _d8(market_max_qty),
            "stepSize": _d8("0"),
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": percent_up,
            "bidMultiplierDown": percent_down,
            "askMultiplierUp": percent_up,
            "askMultiplierDown": percent_down,
            "avgPriceMins": 5,
        },
        _notional_filter(min_notional, legacy=legacy_min_notional),
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": max_num_orders},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        {"filterType": "MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": max_num_iceberg_orders},
        {
            "filterType": "TRAILING_DELTA",
            "minTrailingAboveDelta": 10,
            "maxTrailingAboveDelta": 2000,
            "minTrailingBelowDelta": 10,
            "maxTrailingBelowDelta": 2000,
        },
        {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
        {"filterType": "MAX_NUM_ORDER_AMENDS", "maxNumOrderAmends": 10},
    ]
    return SymbolInfo(
        symbol=symbol,
        status=status,
        base_asset=base,
        quote_asset=quote,
        order_types=SIMULATED_ORDER_TYPES,
        quote_order_qty_market_allowed=True,
        oco_allowed=True,
        oto_allowed=True,
        opo_allowed=opo_allowed,
        allow_trailing_stop=True,
        cancel_replace_allowed=True,
        amend_allowed=True,
        iceberg_allowed=True,
        filters=tuple(filters),
        permission_sets=(("SPOT",),),
        default_self_trade_prevention_mode=default_stp,
        allowed_self_trade_prevention_modes=SIMULATED_STP_MODES,
    )


def _notional_filter(min_notional: str, *, legacy: bool) -> dict[str, FilterValue]:
    if legacy:
        return {
            "filterType": "MIN_NOTIONAL",
            "minNotional": _d8(min_notional),
            "applyToMarket": True,
            "avgPriceMins": 5,
        }
    return {
        "filterType": "NOTIONAL",
        "minNotional": _d8(min_notional),
        "applyMinToMarket": True,
        "maxNotional": _d8("9000000"),
        "applyMaxToMarket": False,
        "avgPriceMins": 5,
    }


def default_symbols() -> tuple[SymbolInfo, ...]:
    """BTCUSDT, ETHUSDT and BNBUSDT with live-like filters."""
    return (
        make_symbol("BTCUSDT", "BTC", "USDT", step="0.00001", market_max_qty="100"),
        make_symbol("ETHUSDT", "ETH", "USDT", step="0.0001", market_max_qty="2000"),
        make_symbol(
            "BNBUSDT", "BNB", "USDT", step="0.001", market_max_qty="9000", legacy_min_notional=True
        ),
    )


def default_rate_limits() -> tuple[RateLimit, ...]:
    """The live limits (rest-api.md, LIMITS): weight 6000/min, 100 orders/10 s, 200000
    orders/day."""
    return (
        RateLimit(rate_limit_type="REQUEST_WEIGHT", interval="MINUTE", interval_num=1, limit=6000),
        RateLimit(rate_limit_type="ORDERS", interval="SECOND", interval_num=10, limit=100),
        RateLimit(rate_limit_type="ORDERS", interval="DAY", interval_num=1, limit=200000),
        RateLimit(rate_limit_type="RAW_REQUESTS", interval="MINUTE", interval_num=5, limit=300000),
    )


class Commission(msgspec.Struct, frozen=True, kw_only=True):
    """One symbol's standard commission rates, e.g. ``maker=Decimal("0.001")`` (0.1 %).

    A trade's commission is the received amount times (maker or taker) + (buyer or seller)
    (faqs/commission_faq.md, How is the commission calculated?).
    """

    maker: Decimal = Decimal(0)
    taker: Decimal = Decimal(0)
    buyer: Decimal = Decimal(0)
    seller: Decimal = Decimal(0)

    def rate(self, *, is_maker: bool, is_buyer: bool) -> Decimal:
        """The summed rate one side of a trade pays."""
        return (self.maker if is_maker else self.taker) + (self.buyer if is_buyer else self.seller)


class SorGroup(msgspec.Struct, frozen=True, kw_only=True):
    """One SOR configuration: ``{"baseAsset": "BTC", "symbols": ["BTCUSDT", "BTCUSDC"]}``
    (rest-api.md, Exchange information, ``sors``; faqs/sor_faq.md, What symbols support SOR?).
    Every symbol has ``base_asset`` as its base; their quote assets trade 1:1."""

    base_asset: str
    symbols: tuple[str, ...]


class SimConfig(msgspec.Struct, kw_only=True):
    """What the simulated exchange trades and charges."""

    symbols: tuple[SymbolInfo, ...] = default_symbols()
    # Rates, e.g. Decimal("0.001"); zero as on testnet (faqs/commission_faq.md). These apply
    # to every symbol without its own entry in ``symbol_commission``.
    maker_commission: Decimal = Decimal(0)
    taker_commission: Decimal = Decimal(0)
    buyer_commission: Decimal = Decimal(0)
    seller_commission: Decimal = Decimal(0)
    # Per-symbol standard rates (``[[markets]]`` ``commission``): Binance's commission is per
    # account and symbol (rest-api.md, Query Commission Rates).
    symbol_commission: dict[str, Commission] = msgspec.field(default_factory=dict)
    rate_limits: tuple[RateLimit, ...] = default_rate_limits()
    # Start price per symbol: the reference price of PERCENT_PRICE_BY_SIDE and of the
    # market notional checks until the first trade (filters.md, PERCENT_PRICE_BY_SIDE).
    reference_prices: dict[str, Decimal] = msgspec.field(
        default_factory=lambda: dict(DEFAULT_REFERENCE_PRICES)
    )
    # SOR configurations (faqs/sor_faq.md); empty: no SOR, exchangeInfo lists no ``sors``.
    sors: tuple[SorGroup, ...] = ()
    # Exchange filters (filters.md, Exchange Filters); none by default: exchangeFilters is [].
    exchange_limits: ExchangeLimits = msgspec.field(default_factory=ExchangeLimits)

    def commission(self, symbol: str | None = None) -> Commission:
        """``symbol``'s standard rates: its own entry, else (and for ``None``) the rates for
        every symbol."""
        own = self.symbol_commission.get(symbol) if symbol is not None else None
        if own is not None:
            return own
        return Commission(
            maker=self.maker_commission,
            taker=self.taker_commission,
            buyer=self.buyer_commission,
            seller=self.seller_commission,
        )
