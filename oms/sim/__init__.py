"""oms.sim: run a strategy offline over Binance's public market data, or live.

- ``Strategy`` / ``BaseStrategy``: the interface (``oms.sim.strategy``);
- ``Trade``, ``Kline``, ``BookTop``: the market events it receives, ``MarketGap`` a break
  in a live feed, ``Subscription`` what it asks a live feed for (``oms.sim.market``);
- ``DataSource``, ``merge_events``: Binance's trades / aggTrades / klines files, CSV or zip
  (``oms.sim.data``);
- ``VirtualTimeLoop``: the event loop on simulated time (``oms.sim.vloop``);
- ``run_offline`` / ``run_live`` (``oms.sim.runner``); the report (``oms.sim.report``).

The command wires the simulated exchange in: ``oms simulate`` / ``oms run``
(``oms.app.simulate``). This package never imports a transport.
"""

from __future__ import annotations

from oms.sim.data import DataKind, DataSource, merge_events, read_events
from oms.sim.market import BookTop, Kline, MarketEvent, MarketGap, Subscription, Trade
from oms.sim.strategy import BaseStrategy, Strategy, StrategyLoadError, load_strategy
from oms.sim.vloop import SimulationStalled, VirtualTimeLoop

__all__ = [
    "BaseStrategy",
    "BookTop",
    "DataKind",
    "DataSource",
    "Kline",
    "MarketEvent",
    "MarketGap",
    "SimulationStalled",
    "Strategy",
    "StrategyLoadError",
    "Subscription",
    "Trade",
    "VirtualTimeLoop",
    "load_strategy",
    "merge_events",
    "read_events",
]
