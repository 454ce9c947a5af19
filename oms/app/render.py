"""Rendering for the ``oms`` command and the demo: tables, order rows, update lines.

Rules: plain text, amounts through ``show`` (plain notation, never ``1E-8``); nothing here
talks to an exchange or reads the environment.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from oms.wire.money import show

ORDER_COLUMNS = (
    "symbol",
    "side",
    "type",
    "state",
    "quantity",
    "filled",
    "price",
    "avg_price",
    "client_order_id",
    "order_id",
)
BALANCE_COLUMNS = ("asset", "free", "locked")


def order_row(order: Any) -> dict[str, Any]:
    def dec(value: Decimal | None) -> str:
        return "" if value is None else show(value)

    return {
        "symbol": order.symbol,
        "side": str(order.side),
        "type": str(order.order_type),
        "state": order.state.name,
        "quantity": dec(order.quantity),
        "filled": dec(order.filled),
        "price": dec(order.price),
        "avg_price": dec(order.avg_price),
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


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain fixed-width text table."""
    cells = [
        [str(row.get(c, "") if row.get(c) is not None else "") for c in columns] for row in rows
    ]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


class UpdatePrinter:
    """Prints manager outputs as they happen: state changes, fills, balance changes."""

    def __init__(self, *, json_output: bool = False, write: Callable[[str], None] = print) -> None:
        self.json_output = json_output
        self.write = write

    def __call__(self, out: Any) -> None:
        line = describe(out)
        if line is None:
            return
        if self.json_output:
            self.write(json.dumps({"event": type(out).__name__, "text": line}))
        else:
            self.write(f"  - {line}")


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
    if hasattr(out, "previous_state") and hasattr(out, "state"):
        prev = getattr(out.previous_state, "name", out.previous_state)
        new = getattr(out.state, "name", out.state)
        if prev == new:
            return None
        if name == "ListStateChanged":
            return f"list {out.list_client_order_id}: {prev} -> {new}"
        return f"order {getattr(out, 'client_order_id', '?')}: {prev} -> {new}"
    if name in ("ReportConflict", "OrderAdopted"):
        return f"{name}: {out}"
    return None
