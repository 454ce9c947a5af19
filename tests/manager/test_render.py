"""Tables for the terminal: numbers right-aligned at each symbol's precision, colour on a
terminal, plain columns when piped (issue 15)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from oms.app.render import Precision, UpdatePrinter, table
from oms.core.outputs import ReportConflict


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


ROWS = [
    {"symbol": "BTCUSDT", "state": "FILLED", "price": "60000.00", "quantity": "0.01000"},
    {"symbol": "ETHUSDT", "state": "REJECTED", "price": "2900.5", "quantity": "12"},
]
COLUMNS = ("symbol", "state", "price", "quantity")


def test_piped_tables_are_plain_and_numbers_right_aligned() -> None:
    text = table(ROWS, COLUMNS, out=io.StringIO())
    lines = text.splitlines()
    assert lines[0].split() == ["SYMBOL", "STATE", "PRICE", "QUANTITY"]
    assert "\x1b[" not in text
    # Right-aligned: every row of a numeric column ends at the same place.
    ends = {
        line.index(value) + len(value)
        for line, value in zip(lines[1:], ("60000.00", "2900.5"), strict=True)
    }
    assert len(ends) == 1
    assert lines[1].endswith("0.01000") and lines[2].endswith("12")


def test_a_terminal_gets_colour_and_rules() -> None:
    text = table(ROWS, COLUMNS, out=Terminal())
    assert "\x1b[" in text  # the states are coloured
    assert "FILLED" in text and "REJECTED" in text


def test_amounts_are_padded_to_the_symbols_tick_and_step_never_rounded() -> None:
    p = Precision(Decimal("0.01000000"), Decimal("0.00001000"))
    assert p.price(Decimal("60000")) == "60000.00"
    assert p.qty(Decimal("0.01")) == "0.01000"
    assert p.price(Decimal("60120.048")) == "60120.048"  # finer than the tick: shown in full
    assert p.qty(None) == ""
    assert Precision().price(Decimal("1E-8")) == "0.00000001"


def test_conflicts_are_visible_in_watch_lines_and_json() -> None:
    conflict = ReportConflict(
        key="c1", symbol="BTCUSDT", order_id=7, what="cumulative quantity", ours="1", theirs="0.5"
    )
    lines: list[str] = []
    UpdatePrinter(stamped=True, write=lines.append)(conflict)
    assert lines[0].endswith("CONFLICT BTCUSDT order 7: cumulative quantity (ours 1, exchange 0.5)")
    UpdatePrinter(json_output=True, write=lines.append)(conflict)
    event = json.loads(lines[1])
    assert event["event"] == "conflict" and event["order_id"] == 7
    assert (event["what"], event["ours"], event["theirs"]) == ("cumulative quantity", "1", "0.5")
