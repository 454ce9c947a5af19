"""Copies a WAL journal's log into its database file on a thread of its own.

Rules:
- SQLite's automatic checkpoint runs inside the commit that crosses its threshold: the
  writer (the manager's event loop) copies the WAL's pages into the database file and
  syncs both (``synchronous=NORMAL`` syncs at checkpoints only). Here the journal's own
  connection has ``wal_autocheckpoint=0`` and this thread runs a PASSIVE checkpoint on its
  own connection once ``EVERY_BYTES`` have been committed since the last one; sqlite3
  releases the GIL while it works.
- Durability does not depend on it: a committed row is in the WAL, and the WAL is the
  database until it is copied (a crash before, during or after a checkpoint loses nothing
  committed). A PASSIVE checkpoint never blocks the writer; what it cannot copy yet is
  copied by the next one.
- The thread and its connection start with the first checkpoint (a journal that never
  commits 4 MiB never has one). ``close()`` stops the thread and waits for it; the owner
  then checkpoints what is left.
"""

from __future__ import annotations

import sqlite3
import threading

__all__ = ["Checkpointer"]

EVERY_BYTES = 4 << 20  # SQLite's default threshold: 1000 pages of 4 KiB


class Checkpointer:
    """One background thread checkpointing the WAL file journal at ``path``."""

    def __init__(self, path: str, every_bytes: int = EVERY_BYTES) -> None:
        self._path = path
        self._every = every_bytes
        self._wake = threading.Event()
        self._stopped = False
        self._since = 0  # bytes committed since the last wake-up
        self._thread: threading.Thread | None = None
        self.checkpoints = 0
        self.failures = 0

    def committed(self, size: int) -> None:
        """``size`` bytes were committed: wake the thread once enough have been."""
        self._since += size
        if self._since < self._every:
            return
        self._since = 0
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="oms-journal-checkpoint")
            self._thread.daemon = True  # a process that forgets close() still exits
            self._thread.start()
        self._wake.set()

    def close(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopped:
                    return
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.checkpoints += 1
                except sqlite3.Error:
                    self.failures += 1  # the next one tries again: nothing is at risk
        finally:
            db.close()
