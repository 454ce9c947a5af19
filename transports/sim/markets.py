"""Markets of ``oms exchange``: the default listings and the ``[[markets]]`` config format.

Rules:
- The defaults mirror live Binance listings with their filters (config.py ``make_symbol``:
  BTCUSDT, ETHUSDT, BNBUSDT) plus the testnet's Unicode symbol ``这是测试币456`` (base
  ``这是测试币``, quote ``456``): Binance lists symbols whose names are not ASCII since
  2025-12 (rest-api.md, General API Information: symbol names may contain non-ASCII
  characters, sent percent-encoded and answered in UTF-8), so every client's
  percent-encoding and signing of non-ASCII text is exercised.
- A config file's ``[[markets]]`` entries replace the defaults. Each needs ``symbol``,
  ``base``, ``quote`` and ``reference_price``; the filters come from ``make_symbol``'s
  keywords (``tick``, ``step``, ``min_qty``, ``max_qty``, ``market_max_qty``,
  ``min_notional``, ``legacy_min_notional``, ``percent_up``, ``percent_down``,
  ``max_num_orders``, ``opo_allowed``) or, given ``filters``, are exactly those raw filter
  objects (filters.md). ``status`` (enums.md, Symbol status: TRADING by default, END_OF_DAY,
  HALT, BREAK, CANCEL_ONLY) is listed in exchangeInfo and matched by ``symbolStatus``; a
  symbol that is not TRADING refuses new orders with -2010 "Market is closed." and still
  takes cancels.
- ``[commission]`` ``maker`` / ``taker`` / ``buyer`` / ``seller`` are rates (``"0.001"`` =
  0.1 %) for every symbol; a ``[[markets]]`` entry's own ``commission`` table (same keys, the
  missing ones zero) replaces them for that symbol. A trade pays the received amount times
  (maker or taker) + (buyer or seller) (faqs/commission_faq.md, How is the commission
  calculated?).
- The defaults also list BTCUSDC and BTCUSDP (BTCUSDT's filters) and one SOR configuration,
  BTC over BTCUSDT / BTCUSDC / BTCUSDP: the symbols of faqs/sor_faq.md's examples, so its
  examples can be replayed on the default markets. ``[[sors]]`` entries (``base_asset``,
  ``symbols``) replace it; a file with ``[[markets]]`` and no ``[[sors]]`` has no SOR. Each
  symbol of a SOR must be listed, have that base asset, and be in one SOR only.
- ``[exchange_filters]`` ``max_num_orders`` / ``max_num_algo_orders`` /
  ``max_num_iceberg_orders`` / ``max_num_order_lists`` (positive integers) set the exchange filters
  (``transports.sim.exchange_filters``); without the table there are none.
- Every decimal is a string or a number read through ``str``: never a float on the way in.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from oms.wire.rest import FilterValue, SymbolInfo
from transports.sim.config import (
    DEFAULT_REFERENCE_PRICES,
    Commission,
    SimConfig,
    SorGroup,
    default_symbols,
    make_symbol,
)
from transports.sim.exchange_filters import ExchangeLimits

__all__ = ["DEFAULT_SOR", "UNICODE_SYMBOL", "default_markets", "markets_from_config"]

UNICODE_SYMBOL = "这是测试币456"
# faqs/sor_faq.md, What symbols support SOR? (the FAQ's example configuration).
DEFAULT_SOR = SorGroup(base_asset="BTC", symbols=("BTCUSDT", "BTCUSDC", "BTCUSDP"))
_MAKE_SYMBOL_KEYS = frozenset(
    {
        "tick",
        "step",
        "min_qty",
        "max_qty",
        "market_max_qty",
        "min_notional",
        "legacy_min_notional",
        "percent_up",
        "percent_down",
        "max_num_orders",
        "opo_allowed",
        "status",
    }
)
# enums.md, Symbol status (CANCEL_ONLY since CHANGELOG 2026-07-01).
_STATUSES = ("TRADING", "END_OF_DAY", "HALT", "BREAK", "CANCEL_ONLY")


def default_markets() -> SimConfig:
    """The three live-like USDT listings, the Unicode testnet symbol, and BTCUSDC / BTCUSDP
    in one SOR configuration with BTCUSDT."""
    unicode_symbol = make_symbol(
        UNICODE_SYMBOL, "这是测试币", "456", tick="0.0001", step="0.01", min_notional="1"
    )
    stable = tuple(make_symbol(f"BTC{quote}", "BTC", quote) for quote in ("USDC", "USDP"))
    prices = dict(DEFAULT_REFERENCE_PRICES)
    prices[UNICODE_SYMBOL] = Decimal("1.0000")
    for info in stable:
        prices[info.symbol] = DEFAULT_REFERENCE_PRICES["BTCUSDT"]
    return SimConfig(
        symbols=(*default_symbols(), unicode_symbol, *stable),
        reference_prices=prices,
        sors=(DEFAULT_SOR,),
    )


def _sors(data: Mapping[str, Any], symbols: tuple[SymbolInfo, ...]) -> tuple[SorGroup, ...]:
    """The ``[[sors]]`` entries, checked against the markets (see the module rules)."""
    entries = data.get("sors", [])
    if not isinstance(entries, list):
        raise ValueError("sors: expected a list of [[sors]] entries")
    known = {info.symbol: info for info in symbols}
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(entries):
        where = f"sors[{i}]"
        if not isinstance(entry, Mapping) or set(entry) != {"base_asset", "symbols"}:
            raise ValueError(f"{where}: expected base_asset and symbols")
        base, names = str(entry["base_asset"]), entry["symbols"]
        if not isinstance(names, list) or not names:
            raise ValueError(f"{where}: symbols must be a non-empty list")
        for name in map(str, names):
            info = known.get(name)
            if info is None or info.base_asset != base:
                raise ValueError(f"{where}: {name!r} is not a listed {base} market")
            if name in seen:
                raise ValueError(f"{where}: {name!r} is in two SOR configurations")
            seen.add(name)
        out.append(SorGroup(base_asset=base, symbols=tuple(map(str, names))))
    return tuple(out)


def _exchange_limits(table: object) -> ExchangeLimits:
    """The ``[exchange_filters]`` table (see the module rules)."""
    where = "exchange_filters"
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: expected a table")
    keys = ExchangeLimits.__struct_fields__
    unknown = set(table) - set(keys)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{where}.{key}: expected a positive integer")
    return ExchangeLimits(**table)


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: {value!r} is not a decimal") from None
    if not out.is_finite() or out < 0:
        raise ValueError(f"{where}: {value!r} is not a non-negative decimal")
    return out


_RATE_KEYS = ("maker", "taker", "buyer", "seller")


def _commission(table: object, where: str) -> Commission:
    """A ``commission`` table: rates under ``maker`` / ``taker`` / ``buyer`` / ``seller``."""
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: expected a table of maker/taker/buyer/seller rates")
    unknown = set(table) - set(_RATE_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    rates = {k: _decimal(table[k], f"{where}.{k}") for k in _RATE_KEYS if k in table}
    return Commission(**rates)


def _symbol(entry: Mapping[str, Any], where: str) -> tuple[SymbolInfo, Decimal, Commission | None]:
    try:
        symbol, base, quote = str(entry["symbol"]), str(entry["base"]), str(entry["quote"])
        reference = _decimal(entry["reference_price"], f"{where} reference_price")
    except KeyError as exc:
        raise ValueError(f"{where}: missing {exc.args[0]!r}") from None
    unknown = set(entry) - _MAKE_SYMBOL_KEYS - {"symbol", "base", "quote", "reference_price"}
    unknown -= {"filters", "commission"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    kwargs: dict[str, Any] = {}
    for key in _MAKE_SYMBOL_KEYS & set(entry):
        value = entry[key]
        if key == "opo_allowed" and not isinstance(value, bool):
            raise ValueError(f"{where} opo_allowed: expected true or false")
        if key == "status" and value not in _STATUSES:
            raise ValueError(f"{where} status: expected one of {', '.join(_STATUSES)}")
        if key in ("legacy_min_notional", "opo_allowed"):
            kwargs[key] = bool(value)
        elif key == "status":
            kwargs[key] = value
        elif key == "max_num_orders":
            kwargs[key] = int(value)
        else:
            kwargs[key] = str(_decimal(value, f"{where} {key}"))
    info = make_symbol(symbol, base, quote, **kwargs)
    raw_filters = entry.get("filters")
    if raw_filters is not None:
        if not isinstance(raw_filters, list) or not all(
            isinstance(f, dict) and "filterType" in f for f in raw_filters
        ):
            raise ValueError(f"{where}: filters must be a list of objects with a filterType")
        filters: tuple[dict[str, FilterValue], ...] = tuple(
            {k: v if isinstance(v, bool | int | str) else str(v) for k, v in f.items()}
            for f in raw_filters
        )
        info = msgspec.structs.replace(info, filters=filters)
    own = entry.get("commission")
    return info, reference, _commission(own, f"{where} commission") if own is not None else None


def markets_from_config(data: Mapping[str, Any]) -> SimConfig:
    """The ``SimConfig`` a parsed config file describes (defaults where it says nothing).

    Raises:
        ValueError: a market entry without a symbol, assets or reference price, an unknown
            key, a bad decimal, or the same symbol twice.
    """
    base = default_markets()
    entries = data.get("markets")
    symbols, prices, sors = base.symbols, base.reference_prices, base.sors
    own: dict[str, Commission] = {}
    if entries is not None:
        if not isinstance(entries, list) or not entries:
            raise ValueError("markets: expected a list of [[markets]] entries")
        parsed = [_symbol(e, f"markets[{i}]") for i, e in enumerate(entries)]
        symbols = tuple(info for info, _, _ in parsed)
        prices = {info.symbol: ref for info, ref, _ in parsed}
        own = {info.symbol: rates for info, _, rates in parsed if rates is not None}
        if len(prices) != len(symbols):
            raise ValueError("markets: a symbol is listed twice")
        sors = ()
    if "sors" in data:
        sors = _sors(data, symbols)
    every = _commission(data.get("commission", {}), "commission")
    return SimConfig(
        symbols=symbols,
        reference_prices=prices,
        maker_commission=every.maker,
        taker_commission=every.taker,
        buyer_commission=every.buyer,
        seller_commission=every.seller,
        symbol_commission=own,
        sors=sors,
        exchange_limits=_exchange_limits(data.get("exchange_filters", {})),
    )
