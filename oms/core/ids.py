"""Client order ids: the rule Binance enforces, and a deterministic generator.

Rules:
- A client order id matches ``^[a-zA-Z0-9-_]{1,36}$`` (rest-api.md, New order
  ``newClientOrderId``; a violation is -1100) and is unique only among *open* orders.
- The core draws no randomness: the engine takes an id generator (``Callable[[], str]``).
  ``SequentialIds`` is the deterministic one for tests, simulations and replays; a live
  process injects one that is unique across restarts (e.g. a random prefix chosen by the
  shell, then a counter).
"""

from __future__ import annotations

import re

__all__ = ["CLIENT_ORDER_ID", "SequentialIds", "is_valid_client_order_id"]

CLIENT_ORDER_ID = re.compile(r"[a-zA-Z0-9\-_]{1,36}")


def is_valid_client_order_id(text: str) -> bool:
    """True when Binance accepts ``text`` as a ``newClientOrderId``."""
    return CLIENT_ORDER_ID.fullmatch(text) is not None


class SequentialIds:
    """``prefix`` + a counter: ``oms-1``, ``oms-2``, ... (callable, no randomness)."""

    __slots__ = ("_next", "prefix")

    def __init__(self, prefix: str = "oms-", start: int = 1) -> None:
        if not is_valid_client_order_id(f"{prefix}{start}"):
            raise ValueError(f"prefix {prefix!r} does not make valid client order ids")
        self.prefix = prefix
        self._next = start

    def __call__(self) -> str:
        value = f"{self.prefix}{self._next}"
        self._next += 1
        return value
