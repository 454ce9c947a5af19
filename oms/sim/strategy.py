"""The strategy interface: one object that runs offline, against ``oms exchange`` and on Binance.

Rules:
- A strategy is given the ``OrderManager`` (the same API live and offline: it never learns
  which) in ``start``, then receives market events (``on_market``) and the outputs of its
  own orders (``on_update``: fills, state changes, balance changes), and ``stop`` at the end.
  All four are coroutines, so a strategy can ``await`` the manager in any of them.
- The runner calls them one at a time, never concurrently, in the order things happened;
  updates caused by a market event are delivered before the next market event.
- A strategy keeps its own state and reads time from the events (``time_us``), never from
  the wall clock, so that a simulation is deterministic under a seed.
- Live, two optional methods matter: ``subscription()`` says which market data to stream
  (``oms.sim.market.Subscription``: symbols, trades, klines, book tops), and ``on_gap``
  hears of every break in the feed (``MarketGap``: what traded meanwhile was never seen).
  Offline neither is called: the data files decide what the strategy receives.
- ``load_strategy`` accepts ``module:attribute`` or ``path/to/file.py[:attribute]``; the
  attribute may be a strategy object, a class or a factory taking no arguments. A file's
  default attribute is ``strategy``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Protocol, runtime_checkable

from oms.core.outputs import Output
from oms.runtime.manager import OrderManager
from oms.sim.market import MarketEvent, MarketGap

__all__ = ["BaseStrategy", "Strategy", "StrategyLoadError", "load_strategy"]


@runtime_checkable
class Strategy(Protocol):
    """What the runners call (see the module rules)."""

    async def start(self, oms: OrderManager) -> None: ...

    async def on_market(self, event: MarketEvent) -> None: ...

    async def on_update(self, update: Output) -> None: ...

    async def stop(self) -> None: ...


class BaseStrategy:
    """A strategy that does nothing: subclass it and override what you need.

    ``self.oms`` is the manager once ``start`` has run.
    """

    oms: OrderManager

    async def start(self, oms: OrderManager) -> None:
        self.oms = oms

    async def on_market(self, event: MarketEvent) -> None:
        return None

    async def on_update(self, update: Output) -> None:
        return None

    async def on_gap(self, gap: MarketGap) -> None:
        return None

    async def stop(self) -> None:
        return None


class StrategyLoadError(Exception):
    """``STRATEGY`` could not be loaded: the message says what to fix."""


def load_strategy(spec: str) -> Strategy:
    """Load ``module:attribute`` or ``file.py[:attribute]`` (see the module rules).

    Raises:
        StrategyLoadError: no such module, file or attribute, or not a strategy.
    """
    target, _, attribute = spec.partition(":")
    if target.endswith(".py") or Path(target).is_file():
        module = _load_file(Path(target))
        attribute = attribute or "strategy"
    else:
        if not attribute:
            raise StrategyLoadError(f"{spec!r}: give module:attribute or a .py file")
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise StrategyLoadError(f"cannot import {target!r}: {exc}") from None
    found = getattr(module, attribute, None)
    if found is None:
        raise StrategyLoadError(f"{target!r} has no attribute {attribute!r}")
    # A class has the methods too, so a class is instantiated before the protocol check.
    candidate = found() if isinstance(found, type) else found
    if not isinstance(candidate, Strategy) and callable(candidate):
        candidate = candidate()  # a factory
    if isinstance(candidate, type) or not isinstance(candidate, Strategy):
        raise StrategyLoadError(
            f"{spec!r} is not a strategy: it needs async start, on_market, on_update and stop"
        )
    return candidate


def _load_file(path: Path) -> object:
    if not path.is_file():
        raise StrategyLoadError(f"no strategy file {str(path)!r}")
    name = f"oms_strategy_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StrategyLoadError(f"cannot load {str(path)!r} as a module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise StrategyLoadError(f"{path}: {type(exc).__name__}: {exc}") from None
    return module
