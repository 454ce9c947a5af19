"""Structured logs carry order ids as fields; metrics come out as Prometheus text."""

from __future__ import annotations

import json
import logging
import re
import sys

from oms.runtime.logs import JsonFormatter, OneLineFormatter
from oms.runtime.metrics import Metrics


def _record(**extra: object) -> logging.LogRecord:
    logger = logging.getLogger("oms.test")
    return logger.makeRecord(
        "oms.test", logging.WARNING, __file__, 1, "order %s", ("x",), None, extra=extra
    )


def test_json_formatter_writes_ids_as_fields() -> None:
    line = JsonFormatter().format(_record(client_order_id="oms-1", order_id=42))
    data = json.loads(line)
    assert data["message"] == "order x" and data["level"] == "WARNING"
    assert data["client_order_id"] == "oms-1" and data["order_id"] == 42
    assert "\n" not in line


def test_one_line_formatter_never_prints_a_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        rec = logging.getLogger("oms.test").makeRecord(
            "oms.test",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            sys.exc_info(),
            extra={"client_order_id": "c9"},
        )
    text = OneLineFormatter("%(levelname)s %(message)s").format(rec)
    assert "\n" not in text and "Traceback" not in text
    assert "client_order_id=c9" in text and "error=ValueError: boom" in text


def test_prometheus_text_format() -> None:
    m = Metrics()
    m.inc("fills_total", 3)
    m.set("clock_offset_ms", -12.5)
    text = m.prometheus_text()
    assert "# TYPE oms_fills_total counter\noms_fills_total 3\n" in text
    assert "# TYPE oms_clock_offset_ms gauge\noms_clock_offset_ms -12.5\n" in text
    sample = re.compile(r"^oms_[a-z0-9_]+ -?[0-9.e+]+$")
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line
    assert m.snapshot().fills_total == 3
