"""The event loop of one ``oms`` command: asyncio, or uvloop when ``OMS_UVLOOP=1``.

Rule: a coroutine that is never started is closed, so no "was never awaited" warning
reaches the user's terminal.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

from oms.app.failures import EXIT_USAGE, CliError

__all__ = ["run_loop"]

T = TypeVar("T")


def run_loop(main: Coroutine[Any, Any, T]) -> T:
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
