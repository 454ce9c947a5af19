"""Write-ahead journal in SQLite (WAL): every input to the engine, in order, durably.

Rules (the contract is specs/durability.md):
- The journal is a log of the engine's *inputs*, each entry one event as it was applied: our
  command events (``oms.core.commands``: the intent before it is sent, sent, outcome unknown,
  rejected, never placed, cancel requested, ...) and every exchange report. An entry's
  ``kind`` is the event's type name (a command's tag), its ``data`` the event encoded once;
  a user-data frame is kept as received (``record_frame``: kind ``UserData``, the frame's
  own bytes, no second encode). Replaying the entries into a fresh engine is
  decode-and-apply and rebuilds the exact state (the engine is pure and deterministic),
  fills included (each keyed by its trade id in its order: there is no separate fills
  table); reconciliation then closes the gap between the last entry and the exchange.
- Group commit: ``record`` buffers the entry; the entries of one event-loop turn are
  committed together, in one transaction, by a callback scheduled on the running loop
  (``loop.call_soon``) when the turn's first entry arrives. Without a running loop every
  entry is committed at once.
- One row per commit: a commit of several entries writes them as one ``Turn`` row (their
  ``[at_ms, kind, client_order_id, data]`` lists in one msgpack blob), a commit of one as a
  plain row; ``entries()`` yields both as entries, in order. A report's ``at_ms`` is the
  time of its commit (the turn's, one clock read per commit).
- ``commit()`` makes every buffered row durable now. The manager calls it before a request
  that changes the exchange leaves (a new order's ``Intent`` and ``Sent``, a cancel's
  ``CancelRequested``): an intent is always durable before its request is sent.
- Checkpoints (copying the WAL into the database file, with its syncs) run on a thread of
  their own (``oms.runtime.checkpoint``), never inside a commit on the event loop.
- WAL with ``synchronous=NORMAL``: a committed entry survives the process being killed
  (SIGKILL); a crash may lose what the current loop turn recorded after the last commit
  (exchange reports and command events whose requests are already answered), and only an
  OS crash or power loss can lose committed entries; reconciliation recovers both.
  Nothing secret is ever written here: requests carry no key or signature.
- Reads (``entries``, ``len``, ``bad_frames``) commit first: they see every row recorded.
- ``":memory:"`` gives an in-memory journal (tests, and a manager given no journal). There
  is nothing to make durable, so its commit keeps the turn's rows as they are, in a list
  (no encoding, no copy of the frames, no SQLite write); ``entries`` yields them after the
  database's own rows (those a ``snapshot`` copied).
- One owner (``oms.runtime.ownership``): a file journal is locked for its process until
  ``close()``; it records the identity (environment, URLs, account) it belongs to and
  refuses another (``claim``). ``create=False`` opens only a journal that already exists;
  ``snapshot`` reads a copy without taking the lock (read-only views).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping

import msgspec

from oms.runtime.checkpoint import Checkpointer
from oms.runtime.ownership import JournalLock, JournalMismatch, JournalUnavailable

__all__ = ["USER_DATA", "Journal", "JournalEntry"]

USER_DATA = "UserData"  # the kind of a user-data frame kept as received


class JournalEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One journal entry: ``kind`` says what it is, ``data`` its payload (JSON); ``seq``
    its place in the journal."""

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
CREATE TABLE IF NOT EXISTS owner (
    field TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bad_frames (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    error TEXT NOT NULL,
    raw BLOB NOT NULL
);
"""
_INSERT = "INSERT INTO entries (at_ms, kind, client_order_id, data) VALUES (?,?,?,?)"

_encode = msgspec.json.Encoder(decimal_format="string").encode
# (at_ms, kind, client_order_id, data); at_ms None: the time of the commit.
_Row = tuple[int | None, str, str | None, bytes]
_TURN = "Turn"  # a row holding the entries of one commit
_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder(list[tuple[int, str, str | None, bytes]]).decode


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Journal:
    """The SQLite write-ahead journal; one writer (the manager's event loop)."""

    def __init__(
        self,
        path: str = ":memory:",
        *,
        create: bool = True,
        lock: bool = True,
        clock: Callable[[], int] = _wall_ms,
    ) -> None:
        """Open (or create) the journal at ``path`` and lock it for this process.

        ``lock=False`` leaves the one-writer guarantee to the caller (tests that play several
        processes in one interpreter). ``clock`` (ms) times the reports at their commit; the
        manager sets its own.

        Raises:
            JournalBusy: another process holds it.
            JournalUnavailable: it cannot be opened (or, with ``create=False``, is absent).
        """
        self.path = path
        self._lock: JournalLock | None = None
        if path != ":memory:" and not create and not os.path.isfile(path):
            raise JournalUnavailable(path, "no such journal")
        if path != ":memory:" and lock:
            self._lock = JournalLock(path)
            self._lock.acquire()
        db: sqlite3.Connection | None = None
        try:
            self._db = db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._checkpoints: Checkpointer | None = None
            if path != ":memory:":
                self._db.execute("PRAGMA wal_autocheckpoint=0")  # the thread does it
                self._checkpoints = Checkpointer(path)
        except sqlite3.Error as exc:
            if db is not None:  # opened, but not a journal (not a database, read-only...)
                db.close()
            if self._lock is not None:
                self._lock.release()
            raise JournalUnavailable(path, str(exc)) from None
        self._pending: list[_Row] = []
        self._scheduled = False
        self.clock = clock
        # In memory: each commit's time and rows (see the module's rules); None: a file.
        self._kept: list[tuple[int, list[_Row]]] | None = [] if path == ":memory:" else None

    @classmethod
    def snapshot(cls, path: str) -> Journal:
        """An in-memory copy of the journal at ``path``, read without locking or writing it
        (for read-only views while its owner runs).

        Raises:
            JournalUnavailable: no journal there, or it cannot be read.
        """
        if not os.path.isfile(path):
            raise JournalUnavailable(path, "no such journal")
        copy = cls(":memory:")
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(copy._db)
            finally:
                source.close()
            copy._db.executescript(_SCHEMA)  # a journal from before a table was added
        except sqlite3.Error as exc:
            copy.close()
            raise JournalUnavailable(path, str(exc)) from None
        copy.path = path
        return copy

    def close(self) -> None:
        """Commit what is buffered, then close the database and release the lock (both
        also when the commit fails: the error is raised after)."""
        try:
            self.commit()
        finally:
            if self._checkpoints is not None:
                self._checkpoints.close()
                self._checkpoints = None
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._db.close()
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def owner(self) -> dict[str, str]:
        """The identity this journal belongs to (empty until ``claim``)."""
        return dict(self._db.execute("SELECT field, value FROM owner").fetchall())

    def claim(self, identity: Mapping[str, str]) -> None:
        """Tie the journal to ``identity``; fields recorded before must match.

        Raises:
            JournalMismatch: a recorded field differs (nothing is changed).
        """
        recorded = self.owner()
        for field, value in identity.items():
            if field in recorded and recorded[field] != value:
                raise JournalMismatch(self.path, field, recorded[field], value)
        self._db.executemany(
            "INSERT OR IGNORE INTO owner (field, value) VALUES (?,?)", identity.items()
        )

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"

    # --- writing --------------------------------------------------------------------------

    def record(self, event: msgspec.Struct, at_ms: int, client_order_id: str | None = None) -> None:
        """Record an event as applied (a report, or a command event whose tag is its type
        name); ``kind`` is its type name, ``data`` the event itself. Committed with the
        loop turn's other entries (or at once without a running loop)."""
        self._add((at_ms, type(event).__name__, client_order_id, _encode(event)))

    def record_report(self, event: msgspec.Struct, client_order_id: str | None = None) -> None:
        """``record`` an exchange report, timed by its commit."""
        self._add((None, type(event).__name__, client_order_id, _encode(event)))

    def record_frame(self, raw: bytes, client_order_id: str | None = None) -> None:
        """Record a user-data frame as received (``decode_user_data`` decodes it again at
        replay), timed by its commit."""
        self._pending.append((None, USER_DATA, client_order_id, raw))  # ``_add``, inline
        if not self._scheduled:
            self._schedule()

    def _add(self, row: _Row) -> None:
        self._pending.append(row)
        if not self._scheduled:
            self._schedule()

    def _schedule(self) -> None:
        """Commit at the end of this loop turn (at once without a running loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.commit()
            return
        self._scheduled = True
        loop.call_soon(self._turn_over)

    def commit(self) -> None:
        """Make every recorded entry durable now, in one transaction (one row)."""
        rows = self._pending
        if not rows:
            return
        self._pending = []
        now = self.clock()
        if self._kept is not None:
            self._kept.append((now, rows))
            return
        db = self._db
        if len(rows) == 1:
            at_ms, kind, cid, data = rows[0]
            row = (now if at_ms is None else at_ms, kind, cid, data)
        else:
            turn = [(now if at_ms is None else at_ms, k, c, d) for at_ms, k, c, d in rows]
            row = (now, _TURN, None, _pack(turn))
        try:
            db.execute(_INSERT, row)  # autocommit: one statement, one transaction
            if self._checkpoints is not None:
                self._checkpoints.committed(len(row[3]))
        except sqlite3.ProgrammingError:
            raise  # the connection is closed: no later commit can take them either
        except BaseException:
            self._pending = rows + self._pending  # kept: the next commit tries again
            raise

    def _turn_over(self) -> None:
        self._scheduled = False
        self.commit()

    def record_bad_frame(self, raw: bytes, error: str, at_ms: int) -> None:
        self._db.execute(
            "INSERT INTO bad_frames (at_ms, error, raw) VALUES (?,?,?)", (at_ms, error, raw)
        )

    # --- reading --------------------------------------------------------------------------

    def entries(self) -> Iterator[JournalEntry]:
        """Every entry in the order it was written."""
        self.commit()
        cur = self._db.execute(
            "SELECT seq, at_ms, kind, client_order_id, data FROM entries ORDER BY seq"
        )
        seq = 0
        for _, at_ms, kind, cid, data in cur:
            if kind != _TURN:
                seq += 1
                yield JournalEntry(
                    seq=seq, at_ms=at_ms, kind=kind, client_order_id=cid, data=bytes(data)
                )
                continue
            for at, k, c, d in _unpack(data):
                seq += 1
                yield JournalEntry(seq=seq, at_ms=at, kind=k, client_order_id=c, data=d)
        for now, rows in self._kept or ():
            for at_ms, k, c, d in rows:
                seq += 1
                at = now if at_ms is None else at_ms
                yield JournalEntry(seq=seq, at_ms=at, kind=k, client_order_id=c, data=d)

    def bad_frames(self) -> list[tuple[int, str, bytes]]:
        return [
            (at, err, bytes(raw))
            for at, err, raw in self._db.execute(
                "SELECT at_ms, error, raw FROM bad_frames ORDER BY seq"
            )
        ]

    def __len__(self) -> int:
        """The number of entries (every entry of a ``Turn`` row counted)."""
        return sum(1 for _ in self.entries())
