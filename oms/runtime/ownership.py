"""Who owns a journal: one process at a time, one exchange and account for its whole life.

Rules:
- A file journal is held with an exclusive, non-blocking lock on ``PATH.lock`` (``flock``),
  taken before SQLite opens the file and kept until ``Journal.close()``. A second process
  gets ``JournalBusy`` naming the path and the holder's pid, never SQLite's raw "database is
  locked"; two writers interleaving one journal corrupt its history for every later start.
  The operating system drops the lock when the holder dies, even by SIGKILL.
- A journal records the identity it belongs to (environment, URLs, account, and the run of
  a local exchange) on first use; any other identity is refused with ``JournalMismatch``
  naming the field. Identities hold no secret: an account is its exchange ``uid``.
- A journal that cannot be opened (no such directory, not a database, read-only) is
  ``JournalUnavailable`` naming the path and the reason.
"""

from __future__ import annotations

import os
import weakref

from oms.errors import LocalError

try:  # POSIX; elsewhere the lock is advisory only through SQLite's own locking
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

__all__ = ["JournalBusy", "JournalLock", "JournalMismatch", "JournalUnavailable"]


class JournalBusy(LocalError):
    """Another process holds the journal."""

    def __init__(self, path: str, pid: int | None) -> None:
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"journal {path} is in use by {who}")
        self.path = path
        self.pid = pid


class JournalUnavailable(LocalError):
    """The journal file cannot be opened or created."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot open the journal {path} ({reason})")
        self.path = path
        self.reason = reason


class JournalMismatch(LocalError):
    """The journal belongs to another environment, exchange, account or exchange run."""

    def __init__(self, path: str, field: str, recorded: str, given: str) -> None:
        super().__init__(f"journal {path} belongs to {field}={recorded!r}, not {field}={given!r}")
        self.path = path
        self.field = field
        self.recorded = recorded
        self.given = given


class JournalLock:
    """An exclusive lock on ``PATH.lock``, with the holder's pid written in it.

    The descriptor is closed (and the lock dropped) by ``release()`` or, for a journal that
    is never closed, when the lock object is garbage collected.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._release: weakref.finalize[..., None] | None = None

    def acquire(self) -> None:
        """Raises ``JournalBusy`` (held elsewhere) or ``JournalUnavailable`` (cannot lock)."""
        try:
            fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise JournalUnavailable(self.path, exc.strerror or type(exc).__name__) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                text = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                raise JournalBusy(self.path, int(text) if text.isdigit() else None) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._release = weakref.finalize(self, os.close, fd)  # type: ignore[arg-type]

    def release(self) -> None:
        if self._release is not None:
            self._release()  # closing the descriptor drops the flock; runs at most once
            self._release = None
