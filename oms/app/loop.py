"""The event loop of one ``oms`` command: asyncio, or uvloop when ``OMS_UVLOOP=1``.

Rules:
- A coroutine that is never started is closed, so no "was never awaited" warning reaches the
  user's terminal.
- SIGTERM (``kill``, ``systemctl stop``, ``docker stop``) ends a command as Ctrl-C does: the
  command's task is cancelled, so every ``finally`` runs (a strategy is stopped, the manager,
  client and journal are closed), then ``Terminated`` is raised (exit status 143). Ctrl-C is
  asyncio's own: the task is cancelled, then ``KeyboardInterrupt`` (exit status 130).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

from oms.app.failures import EXIT_USAGE, CliError

__all__ = ["Terminated", "run_loop"]

T = TypeVar("T")


class Terminated(KeyboardInterrupt):
    """The command was asked to stop by SIGTERM (exit status 143: 128 + 15)."""


class _TermReceived(Exception):
    """Inside the loop: SIGTERM cancelled the command's task."""


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    try:
        return _run(_stoppable(main))
    except _TermReceived:
        raise Terminated from None


def _run(main: Coroutine[Any, Any, T]) -> T:
    if os.environ.get("OMS_UVLOOP") == "1":
        try:
            import uvloop  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
        except ImportError:
            main.close()
            raise CliError(
                "OMS_UVLOOP=1 but uvloop is not installed (pip install uvloop)", status=EXIT_USAGE
            ) from None
        result: T = uvloop.run(main)
        return result
    return asyncio.run(main)


async def _stoppable(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` in this task; SIGTERM cancels it (see the module rules)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[bool] = []

    def on_term() -> None:
        received.append(True)
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_term)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
        installed = False
    try:
        return await main
    except asyncio.CancelledError:
        if received:
            raise _TermReceived from None
        raise
    finally:
        if installed:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signal.SIGTERM)
