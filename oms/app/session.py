"""One command's session with the exchange: check first, then start the manager, always
close, all within one deadline.

Rules:
- Before anything is replayed or shown: the exchange must answer (``GET /api/v3/time``,
  a few seconds at most) and accept the key (``GET /api/v3/account``). A failure is one
  line naming the fix (``oms.app.failures``); what the journal knew is never shown instead.
- The journal: a command that changes nothing never creates nor locks one (it reads an
  in-memory snapshot); a command that trades locks it, and every command checks that it
  belongs to the environment, URLs, account and local exchange run it talks to
  (``Journal.claim``).
- Everything up to the command's answer runs under its deadline (``--timeout``); the
  manager, the client and the journal are closed on every path, so no "Unclosed client
  session" is ever printed.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from oms.app.failures import EXIT_USAGE, CliError, Where, explain
from oms.app.settings import journal_path

if TYPE_CHECKING:
    from oms.runtime.journal import Journal
    from oms.runtime.manager import OrderManager
    from transports.binance.client import BinanceClient, ServerProbe
    from transports.binance.config import BinanceConfig

__all__ = ["Session", "load", "open_journal"]

T = TypeVar("T")
# At most this long for the exchange to answer the first GET /api/v3/time.
PROBE_S = 5.0


@dataclass
class Session:
    """What a command runs with: settings, configuration, journal path, deadline."""

    values: dict[str, str]
    config: BinanceConfig
    journal: str
    journal_is_default: bool
    timeout_s: float
    started: float

    @property
    def where(self) -> Where:
        key_var = "OMS_API_SECRET"
        if self.values.get("OMS_PRIVATE_KEY_PATH", "").strip():
            key_var = "OMS_PRIVATE_KEY_PATH"
        return Where(
            self.config.environment.value,
            self.config.rest_url,
            self.journal,
            self.timeout_s,
            key_var,
        )

    def remaining(self) -> float:
        return max(self.timeout_s - (time.monotonic() - self.started), 0.001)

    def client(self) -> BinanceClient:
        from transports.binance.client import BinanceClient  # noqa: PLC0415

        return BinanceClient(self.config)

    async def check(self, client: BinanceClient) -> tuple[ServerProbe, int]:
        """The exchange answers and accepts the key: its probe and the account's uid."""
        probe = await client.probe(min(PROBE_S, self.remaining()))
        account = await client.get_account(omit_zero_balances=True)
        return probe, account.uid

    def identity(self, probe: ServerProbe, uid: int) -> dict[str, str]:
        out = {
            "environment": self.config.environment.value,
            "rest_url": self.config.rest_url,
            "ws_api_url": self.config.ws_api_url,
            "account": str(uid),
        }
        if probe.exchange_run is not None:
            out["exchange_run"] = probe.exchange_run
        return out

    def run(
        self,
        body: Callable[[OrderManager], Awaitable[T]],
        *,
        writes: bool,
        stream: bool | None = None,
        body_deadline: bool = True,
    ) -> T:
        """Check, open the journal, start the manager, run ``body``; close everything.

        ``writes``: the command may change something (it may create the journal);
        ``stream``: subscribe to the user data stream (default: when it writes);
        ``body_deadline``: ``--timeout`` bounds the body too (not for ``watch``).
        """
        from oms.app.loop import run_loop  # noqa: PLC0415

        want_stream = writes if stream is None else stream
        try:
            return run_loop(self._run(body, writes, want_stream, body_deadline))
        except (KeyboardInterrupt, CliError, BrokenPipeError):  # the command's own ends
            raise
        except BaseException as exc:
            raise explain(exc, self.where) from None

    async def _run(
        self,
        body: Callable[[OrderManager], Awaitable[T]],
        writes: bool,
        stream: bool,
        body_deadline: bool,
    ) -> T:
        from oms.runtime.config import ManagerConfig  # noqa: PLC0415
        from oms.runtime.manager import OrderManager  # noqa: PLC0415

        client = self.client()
        journal: Journal | None = None
        manager: OrderManager | None = None
        try:
            async with asyncio.timeout(self.remaining()):
                probe, uid = await self.check(client)
                journal = open_journal(self, writes=writes)
                journal.claim(self.identity(probe, uid))
                config = ManagerConfig(
                    stream=stream, stream_start_timeout=min(3.0, self.remaining())
                )
                manager = OrderManager(client, journal=journal, config=config)
                await manager.start()
            # The body keeps its own deadline (an order in doubt is named, not cut off);
            # this one is the backstop, a little later.
            if not body_deadline:
                return await body(manager)
            async with asyncio.timeout(self.remaining() + 2.0):
                return await body(manager)
        finally:
            if manager is not None:
                await manager.close()  # closes the client and the journal too
            else:
                await client.close()
                if journal is not None:
                    journal.close()


def load(args: Any) -> Session:
    """The session for parsed ``args`` (``--env``, ``--env-file``, ``--timeout``).

    Raises:
        CliError: bad configuration (status 2), no API key (unless ``--offline``).
    """
    from oms.app.settings import read_settings  # noqa: PLC0415
    from transports.binance.config import ConfigError, load_config  # noqa: PLC0415

    values = read_settings(args.env_file, args.env)
    try:
        config = load_config(values, env_file=None)
    except ConfigError as exc:
        text = str(exc)
        if args.env:  # speak of what the user typed: --env, not OMS_ENV
            text = text.replace(f"OMS_ENV={args.env}", f"--env {args.env}")
        raise CliError(f"configuration: {text} (see .env.example)", status=EXIT_USAGE) from None
    if config.api_key is None and not getattr(args, "offline", False):
        raise CliError(
            "no API key: set OMS_API_KEY and OMS_API_SECRET (see .env.example,"
            " or `oms exchange` for a local one)",
            status=EXIT_USAGE,
        )
    path, is_default = journal_path(values, config.environment.value)
    return Session(values, config, path, is_default, args.timeout, time.monotonic())


def open_journal(session: Session, *, writes: bool) -> Journal:
    """The command's journal. A command that changes nothing never creates one nor holds
    it: it works on an in-memory snapshot of the file (or an empty journal without one), so
    ``oms watch`` in one terminal never blocks ``oms buy`` in another."""
    from oms.runtime.journal import Journal  # noqa: PLC0415

    path = session.journal
    if not writes:
        return Journal.snapshot(path) if os.path.isfile(path) else Journal(":memory:")
    if not os.path.isfile(path) and session.journal_is_default:
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise CliError(
                f"cannot create the journal's folder {folder} ({exc.strerror}): set"
                " OMS_JOURNAL to a writable file path (or XDG_DATA_HOME to a writable folder)"
            ) from None
    return Journal(path)
