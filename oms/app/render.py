"""Rendering for the ``oms`` command and the demo: tables, rows, watch lines.

Rules:
- Amounts are shown exactly (``oms.wire.money.show``: plain notation, never ``1E-8``); a
  symbol's prices and quantities are padded to its tick and step, so they line up.
- Tables are drawn with rich: numbers right-aligned; colour and rules on a terminal (no
  colour when ``NO_COLOR`` is set), plain columns when piped (the header is the first line,
  one row per line, no colour codes). A table is never cut to the terminal's width: no
  figure is ever shortened to "0.0…".
- Averages (a quotient) are shown at 8 decimals, as Binance shows its own; every other
  amount exactly as it is.
- JSON rows carry decimals as strings and ids as integers; ``watch --json`` writes one
  object per line, schema in docs/watch-json.md.
- Nothing here talks to an exchange or reads the environment (but ``NO_COLOR``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any

from oms.wire.money import show

__all__ = [
    "BALANCE_COLUMNS",
    "FILL_COLUMNS",
    "ORDER_COLUMNS",
    "POSITION_COLUMNS",
    "Precision",
    "UpdatePrinter",
    "balance_rows",
    "describe",
    "order_row",
    "table",
    "timestamp",
]

ORDER_COLUMNS = (
    "symbol",
    "side",
    "type",
    "state",
    "quantity",
    "filled",
    "price",
    "avg_price",
    "notional",
    "fee",
    "client_order_id",
    "order_id",
)
BALANCE_COLUMNS = ("asset", "free", "locked")
FILL_COLUMNS = (
    "time",
    "symbol",
    "side",
    "quantity",
    "price",
    "notional",
    "fee",
    "role",
    "order_id",
    "trade_id",
)
POSITION_COLUMNS = ("symbol", "net", "avg_entry_price", "realized_pnl", "fees", "trades")
# Columns that hold numbers: right-aligned.
NUMERIC = frozenset(
    {
        "quantity",
        "filled",
        "price",
        "avg_price",
        "notional",
        "free",
        "locked",
        "net",
        "avg_entry_price",
        "realized_pnl",
        "trades",
        "order_id",
        "trade_id",
    }
)
STATE_STYLES = {
    "FILLED": "green",
    "NEW": "cyan",
    "PARTIALLY_FILLED": "cyan",
    "CANCELED": "dim",
    "EXPIRED": "dim",
    "REJECTED": "red",
    "UNKNOWN": "bold red",
    "NOT_FOUND": "red",
}


class Precision:
    """A symbol's decimals: its price tick and quantity step (None: show as given)."""

    def __init__(self, tick: Decimal | None = None, step: Decimal | None = None) -> None:
        self.tick = tick
        self.step = step

    @classmethod
    def of(cls, rules: Any) -> Precision:
        price = getattr(rules, "price", None)
        lot = getattr(rules, "lot", None)
        return cls(
            getattr(price, "tick_size", None) or None, getattr(lot, "step_size", None) or None
        )

    def price(self, value: Decimal | None) -> str:
        return _padded(value, self.tick)

    def qty(self, value: Decimal | None) -> str:
        return _padded(value, self.step)


def _padded(value: Decimal | None, step: Decimal | None) -> str:
    if value is None:
        return ""
    if step is None or step <= 0:
        return show(value)
    places = max(-step.normalize().as_tuple().exponent, 0)  # type: ignore[operator]
    if value == value.quantize(Decimal(1).scaleb(-places)):
        return show(value.quantize(Decimal(1).scaleb(-places)))
    return show(value)  # finer than the step (never rounded away): shown in full


# An average (an order's average fill price, a position's average entry) is a quotient, so it
# may have endless digits (60019.50768316831683168316832): shown at 8 decimals, as Binance
# shows its own average (rest-api.md, Current average price: "price": "9.35751834").
AVERAGE_PLACES = Decimal("0.00000001")


def average(value: Decimal | None) -> Decimal | None:
    """An average at 8 decimals when it has more (exact ones are left as they are)."""
    if value is None or not value.is_finite():
        return value
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -8:
        return value.quantize(AVERAGE_PLACES).normalize()
    return value


def _fees(fees: Mapping[str, Decimal]) -> str:
    return " ".join(f"{show(v.normalize())} {asset}" for asset, v in sorted(fees.items()) if v)


def order_row(order: Any, precision: Precision | None = None) -> dict[str, Any]:
    p = precision or Precision()
    avg = average(order.avg_price)
    notional = order.cum_quote if order.filled else None  # exact: the fills' quote sum
    return {
        "symbol": order.symbol,
        "side": str(order.side),
        "type": str(order.order_type),
        "state": order.state.name,
        "quantity": p.qty(order.quantity),
        "filled": p.qty(order.filled),
        "price": p.price(order.price),
        "avg_price": p.price(avg),
        "notional": "" if notional is None else show(notional.normalize()),
        "fee": _fees(order.fees),
        "client_order_id": order.client_order_id,
        "order_id": order.order_id,
        "fees": {asset: show(v) for asset, v in order.fees.items()},
    }


def balance_rows(balances: dict[str, tuple[Decimal, Decimal]]) -> list[dict[str, Any]]:
    return [
        {
            "asset": asset,
            "free": show(free.normalize() if free else Decimal(0)),
            "locked": show(locked.normalize() if locked else Decimal(0)),
        }
        for asset, (free, locked) in sorted(balances.items())
    ]


def fill_row(trade: Any, precision: Precision | None = None) -> dict[str, Any]:
    p = precision or Precision()
    return {
        "time": timestamp(trade.time),
        "symbol": trade.symbol,
        "side": "BUY" if trade.is_buyer else "SELL",
        "quantity": p.qty(trade.qty),
        "price": p.price(trade.price),
        "notional": show(trade.quote_qty),
        "fee": f"{show(trade.commission)} {trade.commission_asset}",
        "role": "maker" if trade.is_maker else "taker",
        "order_id": trade.order_id,
        "trade_id": trade.id,
    }


def position_row(position: Any) -> dict[str, Any]:
    # Without the symbol's rules (``--offline``) the runtime names the base asset after the
    # symbol and leaves the quote empty: show the amounts bare rather than "1.01 BTCUSDT".
    known = bool(position.quote_asset) and position.base_asset != position.symbol
    base = f" {position.base_asset}" if known else ""
    quote = f" {position.quote_asset}" if known else ""
    return {
        "symbol": position.symbol,
        "net": f"{show(position.net_quantity.normalize())}{base}",
        "avg_entry_price": show(average(position.avg_entry_price).normalize()),  # type: ignore[union-attr]
        "realized_pnl": f"{show(position.realized_pnl.normalize())}{quote}",
        "fees": _fees(position.fees),
        "trades": position.trades,
    }


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    out: IO[str] | None = None,
    title: str | None = None,
) -> str:
    """A table of ``rows``: rich on a terminal, plain aligned columns when piped."""
    from rich import box  # noqa: PLC0415
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    stream = out if out is not None else sys.stdout
    terminal = stream.isatty()
    colour = terminal and not os.environ.get("NO_COLOR")  # https://no-color.org
    grid = Table(
        box=box.SIMPLE_HEAD if terminal else None,
        show_edge=False,
        pad_edge=False,
        title=title if terminal else None,
        header_style="bold" if colour else "",
    )
    for column in columns:
        right = column in NUMERIC
        grid.add_column(column.upper(), justify="right" if right else "left", no_wrap=True)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            text = "" if value is None else str(value)
            style = STATE_STYLES.get(text, "") if column == "state" and colour else ""
            cells.append(f"[{style}]{_escape(text)}[/]" if style else _escape(text))
        grid.add_row(*cells)
    import io  # noqa: PLC0415

    buffer = io.StringIO()
    # As wide as the table needs, even on a narrow terminal: a figure cut to "0.0…" would be
    # a wrong figure (the terminal wraps the line instead).
    console = Console(
        file=buffer,
        width=10_000,
        force_terminal=colour,
        no_color=not colour,
        highlight=False,
        color_system="auto" if colour else None,
    )
    console.print(grid)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    if title and not terminal:
        text = f"# {title}\n{text}"
    return text


def _escape(text: str) -> str:
    from rich.markup import escape  # noqa: PLC0415

    return escape(text)


def timestamp(ms: int | None = None) -> str:
    """ISO 8601 UTC with milliseconds, e.g. ``2026-12-07T05:03:44.123Z``."""
    when = datetime.now(UTC) if ms is None else datetime.fromtimestamp(ms / 1000, UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class UpdatePrinter:
    """Prints manager outputs as they happen: state changes, fills, balances, conflicts.

    Text lines start with a UTC timestamp; ``json_output`` writes ``watch_event`` objects.
    """

    def __init__(
        self,
        *,
        json_output: bool = False,
        write: Callable[[str], None] = print,
        stamped: bool = False,
    ) -> None:
        self.json_output = json_output
        self.write = write
        self.stamped = stamped

    def __call__(self, out: Any) -> None:
        line = describe(out)
        if line is None:
            return
        if self.json_output:
            self.write(json.dumps(watch_event(out, line)))
        elif self.stamped:
            self.write(f"{timestamp()}  {line}")
        else:
            self.write(f"  - {line}")

    def notice(self, kind: str, text: str, **fields: Any) -> None:
        """A line of the watch's own: stream up/down, reconciliation."""
        if self.json_output:
            self.write(json.dumps({"time": timestamp(), "event": kind, "text": text, **fields}))
        else:
            self.write(f"{timestamp()}  {text}")


def watch_event(out: Any, text: str) -> dict[str, Any]:
    """The JSON object for one output (docs/watch-json.md)."""
    name = type(out).__name__
    event: dict[str, Any] = {"time": timestamp(), "event": "order", "type": name, "text": text}
    if name == "FillApplied":
        event.update(
            event="fill",
            symbol=out.symbol,
            client_order_id=out.client_order_id,
            order_id=out.order_id,
            side=str(out.side),
            quantity=show(out.quantity),
            price=show(out.price),
            quote_quantity=show(out.quote_quantity),
            commission=show(out.commission),
            commission_asset=out.commission_asset,
            trade_id=out.trade_id,
            is_maker=out.is_maker,
            trade_time=timestamp(out.time_ms),
        )
    elif name == "BalanceChanged":
        event.update(event="balance", asset=out.asset, free=show(out.free), locked=show(out.locked))
    elif name == "ReportConflict":
        event.update(
            event="conflict",
            symbol=out.symbol,
            order_id=out.order_id,
            what=out.what,
            ours=out.ours,
            theirs=out.theirs,
        )
    else:
        event.update(
            symbol=getattr(out, "symbol", None),
            client_order_id=getattr(out, "client_order_id", None),
            order_id=getattr(out, "order_id", None),
            state=getattr(getattr(out, "state", None), "name", None),
            previous_state=getattr(getattr(out, "previous_state", None), "name", None),
        )
    return event


def describe(out: Any) -> str | None:
    """One human line for an output, or None for outputs not worth showing."""
    name = type(out).__name__
    if name == "FillApplied":
        return (
            f"fill {out.symbol} {out.side} {show(out.quantity)} @ {show(out.price)}"
            f" (trade {out.trade_id}, fee {show(out.commission)} {out.commission_asset or ''})"
        )
    if name == "BalanceChanged":
        return f"balance {out.asset}: free {show(out.free)}, locked {show(out.locked)}"
    if name == "ReportConflict":
        return (
            f"CONFLICT {out.symbol or ''} order {out.order_id}: {out.what}"
            f" (ours {out.ours}, exchange {out.theirs})"
        )
    if hasattr(out, "previous_state") and hasattr(out, "state"):
        prev = getattr(out.previous_state, "name", out.previous_state)
        new = getattr(out.state, "name", out.state)
        if prev == new:
            return None
        if name == "ListStateChanged":
            return f"list {out.list_client_order_id}: {prev} -> {new}"
        return f"order {getattr(out, 'client_order_id', '?')}: {prev} -> {new}"
    if name == "OrderAdopted":
        return f"order {out.client_order_id}: adopted from the exchange ({out.state.name})"
    return None
