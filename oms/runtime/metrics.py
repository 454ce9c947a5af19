"""Observability of correctness: counters and gauges the manager keeps, as a typed snapshot
and in Prometheus text format.

Rules:
- Counters only go up; gauges are set. Names follow Prometheus conventions (``oms_`` prefix,
  ``_total`` for counters). A figure its owner already counts (``derive``: fills, from the
  dispatcher's queues) is read from it when the metrics are read, not counted twice.
- No label ever carries a secret; order ids are not labels (unbounded cardinality) — they go
  to structured logs instead.
- The text format is written here (it is a few lines); ``register_prometheus`` additionally
  exposes the same figures through the optional ``prometheus_client`` library for
  applications that already run its HTTP exporter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

__all__ = ["Metrics", "MetricsSnapshot", "register_prometheus"]


class MetricsSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """The manager's correctness figures at one instant."""

    orders_placed_total: int = 0
    orders_rejected_total: int = 0
    precheck_refused_total: int = 0
    fills_total: int = 0
    unknown_outcomes_open: int = 0
    unknown_resolved_found_total: int = 0
    unknown_resolved_not_placed_total: int = 0
    reconciliations_total: int = 0
    reconcile_corrections_total: int = 0
    orders_adopted_total: int = 0
    duplicate_reports_total: int = 0
    stale_reports_total: int = 0
    conflicting_reports_total: int = 0
    bad_frames_total: int = 0
    background_failures_total: int = 0
    stream_gaps_total: int = 0
    last_stream_gap_ms: int = 0
    clock_offset_ms: float = 0.0
    used_weight_1m: int = 0
    order_count_10s: int = 0
    order_count_1d: int = 0


_HELP = {
    "orders_placed_total": "Orders acknowledged or resolved as placed",
    "orders_rejected_total": "Orders refused by the exchange",
    "precheck_refused_total": "Orders refused by local pre-trade checks",
    "fills_total": "Distinct fills applied (by trade id)",
    "unknown_outcomes_open": "Orders whose send outcome is still unknown",
    "unknown_resolved_found_total": "Unknown outcomes resolved: the order existed",
    "unknown_resolved_not_placed_total": "Unknown outcomes resolved: never placed",
    "reconciliations_total": "Reconciliations run",
    "reconcile_corrections_total": "Differences corrected by reconciliation",
    "orders_adopted_total": "Orders opened outside this process and adopted",
    "duplicate_reports_total": "Duplicate reports ignored",
    "stale_reports_total": "Late (stale) reports absorbed",
    "conflicting_reports_total": "Reports contradicting known state",
    "bad_frames_total": "Frames that failed to decode (kept in the journal)",
    "background_failures_total": "Stream or check loop failures (each logged, then retried)",
    "stream_gaps_total": "User data stream (re)subscriptions (each a gap)",
    "last_stream_gap_ms": "Length of the last stream gap in milliseconds",
    "clock_offset_ms": "Server clock minus local clock, milliseconds",
    "used_weight_1m": "Request weight used in the current minute",
    "order_count_10s": "Unfilled order count, 10 s window",
    "order_count_1d": "Unfilled order count, 1 day window",
}


class Metrics:
    """Mutable counters behind ``MetricsSnapshot``; the manager owns one."""

    def __init__(self) -> None:
        self._values: dict[str, float] = dict.fromkeys(MetricsSnapshot.__struct_fields__, 0)
        self._derived: dict[str, Callable[[], float]] = {}

    def inc(self, name: str, by: int = 1) -> None:
        self._values[name] += by

    def set(self, name: str, value: float) -> None:
        self._values[name] = value

    def derive(self, name: str, source: Callable[[], float]) -> None:
        """``name`` reads ``source()`` from now on (its owner counts it)."""
        self._derived[name] = source

    def get(self, name: str) -> float:
        return self.values()[name]

    def values(self) -> dict[str, float]:
        """Every figure now, by name."""
        values = dict(self._values)
        for name, source in self._derived.items():
            values[name] = source()
        return values

    def snapshot(self) -> MetricsSnapshot:
        return msgspec.convert(self.values(), MetricsSnapshot, strict=False)

    def prometheus_text(self) -> str:
        """The figures in the Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        for name, value in self.values().items():
            kind = "counter" if name.endswith("_total") else "gauge"
            full = f"oms_{name}"
            lines.append(f"# HELP {full} {_HELP[name]}")
            lines.append(f"# TYPE {full} {kind}")
            lines.append(f"{full} {value:g}" if isinstance(value, float) else f"{full} {value}")
        return "\n".join(lines) + "\n"


def register_prometheus(metrics: Metrics, registry: Any = None) -> object:
    """Expose ``metrics`` through ``prometheus_client`` (optional dependency).

    Returns the collector registered. Raises ImportError when prometheus_client is missing.
    """
    from prometheus_client.core import (  # type: ignore[import-not-found]  # noqa: PLC0415
        REGISTRY,
        CounterMetricFamily,
        GaugeMetricFamily,
    )

    class _Collector:
        def collect(self) -> object:
            for name, value in metrics.values().items():
                family = CounterMetricFamily if name.endswith("_total") else GaugeMetricFamily
                full = (
                    f"oms_{name.removesuffix('_total')}"
                    if name.endswith("_total")
                    else f"oms_{name}"
                )
                yield family(full, _HELP[name], value=value)

    collector = _Collector()
    (registry or REGISTRY).register(collector)
    return collector
