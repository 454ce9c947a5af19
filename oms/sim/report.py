"""The figures of a run and the files it writes: fills.csv, equity.csv, and charts (``oms[plot]``).

Rules:
- Money stays ``Decimal`` in the figures and in the CSV files (plain notation through
  ``oms.wire.money.to_wire``); only the chart turns numbers into floats.
- Realised PnL is the manager's average-cost accounting (``oms.core.positions``), per symbol
  in its quote asset; unrealised PnL marks each open position at the last price.
- Max drawdown is the largest fall of equity from a previous peak, as a fraction of that
  peak; exposure is the value held in non-currency assets over equity (mean and max over
  the curve); turnover is the traded notional over the opening equity.
- The CSV files are written with ``\\n`` line ends in a fixed column order, so equal runs
  give byte-identical files.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import msgspec

from oms.sim.record import Recorder
from oms.wire.money import ZERO, to_wire

__all__ = ["FILL_COLUMNS", "Report", "SymbolFigures", "write_outputs"]

FILL_COLUMNS = (
    "time_ms",
    "symbol",
    "side",
    "order_id",
    "trade_id",
    "price",
    "qty",
    "quote_qty",
    "commission",
    "commission_asset",
    "maker",
)
_PLACES = Decimal("0.00000001")


class SymbolFigures(msgspec.Struct, frozen=True):
    symbol: str
    quote: str
    fills: int
    net_quantity: Decimal
    avg_entry_price: Decimal
    last_price: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    traded_notional: Decimal


class Report(msgspec.Struct, frozen=True):
    currency: str
    events: int
    orders: int
    fills: int
    fees: dict[str, Decimal]
    symbols: tuple[SymbolFigures, ...]
    opening_equity: Decimal
    final_equity: Decimal
    max_drawdown: Decimal  # fraction of the peak
    mean_exposure: Decimal  # fraction of equity
    max_exposure: Decimal
    turnover: Decimal  # traded notional / opening equity
    start_ms: int | None
    end_ms: int | None
    unpriced: tuple[str, ...]

    @property
    def pnl(self) -> Decimal:
        return self.final_equity - self.opening_equity

    @classmethod
    def build(cls, rec: Recorder, *, manager_orders: int, fees: dict[str, Decimal]) -> Report:
        symbols = []
        traded = ZERO
        for symbol, info in rec.symbols.items():
            pos = rec.positions.get(symbol)
            last = rec.prices.get(symbol)
            notional = sum((f.quote_qty for f in rec.fills if f.symbol == symbol), ZERO)
            if info.quote == rec.currency:
                traded += notional
            net = pos.net_quantity if pos else ZERO
            avg = pos.avg_entry_price if pos else ZERO
            unrealized = net * (last - avg) if (last is not None and net) else ZERO
            symbols.append(
                SymbolFigures(
                    symbol,
                    info.quote,
                    pos.trades if pos else 0,
                    net,
                    avg.quantize(_PLACES),
                    last,
                    (pos.realized_pnl if pos else ZERO).quantize(_PLACES),
                    unrealized.quantize(_PLACES),
                    notional,
                )
            )
        curve = rec.curve
        opening = rec.opening_equity()
        final = curve[-1].equity if curve else opening
        drawdown, mean_exp, max_exp = _curve_figures(rec)
        return cls(
            currency=rec.currency,
            events=rec.market_events,
            orders=manager_orders,
            fills=len(rec.fills),
            fees=fees,
            symbols=tuple(symbols),
            opening_equity=opening.quantize(_PLACES),
            final_equity=final.quantize(_PLACES),
            max_drawdown=drawdown,
            mean_exposure=mean_exp,
            max_exposure=max_exp,
            turnover=(traded / opening).quantize(Decimal("0.0001")) if opening else ZERO,
            start_ms=curve[0].time_ms if curve else None,
            end_ms=curve[-1].time_ms if curve else None,
            unpriced=tuple(sorted(rec.unpriced)),
        )


def _curve_figures(rec: Recorder) -> tuple[Decimal, Decimal, Decimal]:
    peak = None
    drawdown = ZERO
    exposures = []
    for point in rec.curve:
        if peak is None or point.equity > peak:
            peak = point.equity
        if peak and peak > ZERO:
            drawdown = max(drawdown, (peak - point.equity) / peak)
        if point.equity > ZERO:
            exposures.append(point.exposure / point.equity)
    q = Decimal("0.0001")
    mean = sum(exposures, ZERO) / len(exposures) if exposures else ZERO
    return drawdown.quantize(q), mean.quantize(q), max(exposures, default=ZERO).quantize(q)


def write_outputs(rec: Recorder, out: Path) -> list[Path]:
    """Write fills.csv and equity.csv to ``out`` (charts: ``oms.sim.plot.write_charts``);
    returns the paths written.

    Raises:
        OSError: the directory cannot be written.
    """
    out.mkdir(parents=True, exist_ok=True)
    fills = out / "fills.csv"
    with open(fills, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FILL_COLUMNS)
        for f in rec.fills:
            writer.writerow(
                (
                    f.time_ms,
                    f.symbol,
                    f.side,
                    "" if f.order_id is None else f.order_id,
                    f.trade_id,
                    to_wire(f.price),
                    to_wire(f.qty),
                    to_wire(f.quote_qty),
                    to_wire(f.commission),
                    f.commission_asset,
                    "true" if f.maker else "false",
                )
            )
    equity = out / "equity.csv"
    symbols = list(rec.symbols)
    with open(equity, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("time_ms", "equity", "exposure", *symbols))
        for p in rec.curve:
            prices = dict(p.prices)
            row = [
                p.time_ms,
                to_wire(p.equity.quantize(_PLACES)),
                to_wire(p.exposure.quantize(_PLACES)),
            ]
            row += [to_wire(prices[s]) if s in prices else "" for s in symbols]
            writer.writerow(row)
    return [fills, equity]
