"""Write-ahead journal in SQLite (WAL): every input to the engine, in order, durably.

Rules:
- The journal is a log of the engine's *inputs*, each row one event as it was applied: our
  command events (``oms.core.commands``: the intent before it is sent, sent, outcome unknown,
  rejected, never placed, cancel requested, ...) and every exchange report. A row's ``kind``
  is the event's type name (a command's tag), its ``data`` the event encoded once. Replaying
  it into a fresh engine is decode-and-apply and rebuilds the exact state (the engine is
  pure and deterministic); reconciliation then closes the gap between the last entry and
  the exchange.
- An intent is committed before its request is sent. A crash after the commit but before or
  during the send leaves an intent without a ``Sent``: on restart that order is in doubt
  and is resolved by querying the exchange by its client id, never resent.
- Fills live in the journaled reports (each keyed by its trade id in its order: a replay
  applies it once, ``oms.runtime.recovery.journaled_fills``), no separate table; every
  frame that failed to decode is kept in ``bad_frames`` for inspection.
- WAL with ``synchronous=NORMAL``: a committed entry survives the process being killed
  (SIGKILL); only an OS crash or power loss can lose the last entries, which reconciliation
  recovers. Nothing secret is ever written here: requests carry no key or signature.
- ``":memory:"`` gives an in-memory journal for tests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import msgspec

__all__ = ["Journal", "JournalEntry"]


class JournalEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One journal row: ``kind`` says what it is, ``data`` its JSON payload."""

    seq: int
    at_ms: int
    kind: str
    client_order_id: str | None
    data: bytes


# ``seq`` is the rowid (no AUTOINCREMENT: rows are never deleted, so max + 1 keeps the
# order without the sqlite_sequence table's extra write per row).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    client_order_id TEXT,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS bad_frames (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    error TEXT NOT NULL,
    raw BLOB NOT NULL
);
"""

_ENCODER = msgspec.json.Encoder(decimal_format="string")


class Journal:
    """The SQLite write-ahead journal; one writer (the manager's event loop)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"

    # --- writing --------------------------------------------------------------------------

    def record(self, event: msgspec.Struct, at_ms: int, client_order_id: str | None = None) -> None:
        """Record an event as applied (a report, or a command event whose tag is its type
        name); ``kind`` is its type name, ``data`` the event itself."""
        self._append(type(event).__name__, client_order_id, _ENCODER.encode(event), at_ms)

    def record_bad_frame(self, raw: bytes, error: str, at_ms: int) -> None:
        self._db.execute(
            "INSERT INTO bad_frames (at_ms, error, raw) VALUES (?,?,?)", (at_ms, error, raw)
        )

    def _append(self, kind: str, client_order_id: str | None, data: bytes, at_ms: int) -> None:
        self._db.execute(
            "INSERT INTO entries (at_ms, kind, client_order_id, data) VALUES (?,?,?,?)",
            (at_ms, kind, client_order_id, data),
        )

    # --- reading --------------------------------------------------------------------------

    def entries(self) -> Iterator[JournalEntry]:
        """Every entry in the order it was written."""
        cur = self._db.execute(
            "SELECT seq, at_ms, kind, client_order_id, data FROM entries ORDER BY seq"
        )
        for seq, at_ms, kind, cid, data in cur:
            yield JournalEntry(
                seq=seq, at_ms=at_ms, kind=kind, client_order_id=cid, data=bytes(data)
            )

    def bad_frames(self) -> list[tuple[int, str, bytes]]:
        return [
            (at, err, bytes(raw))
            for at, err, raw in self._db.execute(
                "SELECT at_ms, error, raw FROM bad_frames ORDER BY seq"
            )
        ]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
