"""A market that moves and never runs dry: liquidity around a reference price that walks.

Rules:
- One ``LiquidityProvider`` per symbol quotes ``levels`` bids and asks around the mid price,
  each level worth about ``level_notional`` of the quote asset, spaced ``spacing`` (a
  fraction of the mid) apart. Its account is created richly funded.
- The mid follows a seeded random walk (one step every ``walk_every`` seconds, at most
  ``max_move`` of the price), or, with ``replay``, Binance public trades (trade_replay.py),
  paced by their own timestamps divided by ``speed``; each replayed trade crosses the book
  first (filling the users' orders it trades through) and the ladder is re-quoted around it.
- Replenishing: every tick (100 ms) a symbol whose ladder lost an order is re-quoted around
  the current mid, so MARKET orders keep filling and the price keeps moving for stops.
- Pure decisions live in ``step``; ``run`` only sleeps and calls it.
- A step and a ``move`` run inside ``batch`` (the served streams' ``StreamHub.batch``): a
  re-quote cancels the whole ladder before placing the new one, and a book that is empty for
  the length of a function call is no market state to publish (web-socket-streams.md,
  Individual Symbol Book Ticker Streams: the best bid and ask of a book that has them).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal

from aiohttp import web

from oms.wire.money import round_to_step
from transports.sim.errors import SimError
from transports.sim.exchange import SimExchange
from transports.sim.liquidity import LiquidityProvider, PricePath
from transports.sim.server.app import STREAMS_KEY
from transports.sim.trade_replay import PublicTrade, TradeReplay

__all__ = ["MAKER_KEY", "MakerOptions", "MarketMaker", "add_market_maker"]

TICK_SECONDS = 0.1
_RICH = Decimal(10) ** 12


class MakerOptions:
    """How the liquidity accounts quote and how the price moves."""

    def __init__(
        self,
        *,
        seed: int = 0,
        levels: int = 10,
        level_notional: Decimal = Decimal(50_000),
        spacing: Decimal = Decimal("0.0002"),
        max_move: Decimal = Decimal("0.0005"),
        walk_every: float = 1.0,
        speed: float = 1.0,
        account: str = "liquidity",
    ) -> None:
        self.seed = seed
        self.levels = levels
        self.level_notional = level_notional
        self.spacing = spacing
        self.max_move = max_move
        self.walk_every = walk_every
        self.speed = speed
        self.account = account


class MarketMaker:
    """Keeps every symbol of ``exchange`` quoted around a moving mid (see the module rules)."""

    def __init__(
        self,
        exchange: SimExchange,
        options: MakerOptions | None = None,
        *,
        replay: Sequence[PublicTrade] = (),
        replay_symbol: str | None = None,
    ) -> None:
        self.exchange = exchange
        self.options = opts = options or MakerOptions()
        self.providers: dict[str, LiquidityProvider] = {}
        symbols = exchange.exchange_info().symbols
        if opts.account not in exchange.accounts():
            assets = {a for s in symbols for a in (s.base_asset, s.quote_asset)}
            exchange.create_account(opts.account, dict.fromkeys(sorted(assets), _RICH))
        for number, info in enumerate(symbols):
            provider = self._provider(info.symbol, opts.seed + number)
            if provider is not None:
                self.providers[info.symbol] = provider
        self._replay: TradeReplay | None = None
        self._trades = list(replay)
        self._next = 0
        self._replay_start = self._trades[0].time if self._trades else 0
        self._replay_symbol = replay_symbol or "BTCUSDT"
        if self._trades:
            self._replay = TradeReplay(
                exchange, self._replay_symbol, self._trades, account="replay"
            )
        self._since_walk = 0.0
        self.elapsed = 0.0
        # Wraps each step and move; add_market_maker sets the served streams' batch.
        self.batch: Callable[[], contextlib.AbstractContextManager[object]] = contextlib.nullcontext

    def _provider(self, symbol: str, seed: int) -> LiquidityProvider | None:
        ex = self.exchange
        rules = ex.symbol_filters(symbol)
        ref = ex.reference_price(symbol)
        opts = self.options
        if ref <= 0 or not rules.tick or not rules.step:
            return None
        lot = round_to_step(opts.level_notional / ref / 2, rules.step)
        if rules.lot is not None:  # sizes are drawn up to 3 lots; stay within LOT_SIZE
            lot = min(lot, round_to_step(rules.lot.max_qty / 3, rules.step))
        spacing = max(1, int(ref * opts.spacing / rules.tick))
        move = max(1, int(ref * opts.max_move / rules.tick))
        path = PricePath(ref, tick=rules.tick, seed=seed, max_step_ticks=move)
        return LiquidityProvider(
            ex,
            symbol,
            account=opts.account,
            seed=seed,
            levels=opts.levels,
            spacing_ticks=spacing,
            lot_steps=max(1, int(lot / rules.step)),
            path=path,
        )

    def quote_all(self) -> None:
        """Place every ladder around its current mid."""
        for provider in self.providers.values():
            provider.quote(provider.path.price)

    def step(self, seconds: float) -> None:
        """Advance ``seconds``: replay or walk the price, then replenish depleted ladders."""
        with self.batch():
            self._step(seconds)

    def _step(self, seconds: float) -> None:
        self.elapsed += seconds
        moved: set[str] = set()
        if self._replay is not None:
            moved |= self._replay_due()
        else:
            self._since_walk += seconds
            if self._since_walk >= self.options.walk_every:
                self._since_walk = 0.0
                for symbol, provider in self.providers.items():
                    provider.step()
                    moved.add(symbol)
        full = 2 * self.options.levels
        for symbol, provider in self.providers.items():
            if symbol in moved:
                continue
            try:
                resting = len(self.exchange.open_orders(provider.account, symbol))
            except SimError:
                continue
            if resting < full:
                provider.quote(provider.path.price)

    def _replay_due(self) -> set[str]:
        replay = self._replay
        assert replay is not None
        due_ms = self._replay_start + self.elapsed * 1000 * self.options.speed
        moved: set[str] = set()
        while self._next < len(self._trades) and self._trades[self._next].time <= due_ms:
            self._next += 1
            trade = replay.step()  # the same trade: both walk the list in order
            assert trade is not None
            provider = self.providers.get(self._replay_symbol)
            if provider is not None:
                provider.path.price = trade.price
                provider.quote(trade.price)
                moved.add(self._replay_symbol)
        return moved

    def move(self, symbol: str, price: Decimal) -> None:
        """Move ``symbol``'s mid to ``price`` now (the test-control API): the ladder re-quotes
        around it, trading with the resting orders it crosses.

        Raises:
            SimError: -1121 for a symbol without a provider.
        """
        provider = self.providers.get(symbol)
        if provider is None:
            raise SimError(-1121, "Invalid symbol.")
        provider.path.price = price
        with self.batch():
            provider.quote(price)

    async def run(self) -> None:
        """Step every 100 ms until cancelled."""
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self.step(TICK_SECONDS)


def add_market_maker(app: web.Application, maker: MarketMaker) -> None:
    """Run ``maker`` while ``app`` serves."""

    app[MAKER_KEY] = maker
    streams = app.get(STREAMS_KEY)
    if streams is not None:
        maker.batch = streams.batch

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(maker.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(lifetime)


MAKER_KEY = web.AppKey("oms_market_maker", MarketMaker)
