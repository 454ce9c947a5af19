"""One journal, one owner, one exchange (issue 15).

Two processes on one journal used to interleave their writes (or die on SQLite's raw
``database is locked``), after which every start from that journal failed. Now the second
process gets ``JournalBusy`` naming the holder; a journal records the identity it belongs to
and refuses another; a bad path is named.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from oms.core.commands import Sent
from oms.runtime.journal import Journal
from oms.runtime.ownership import JournalBusy, JournalMismatch, JournalUnavailable

pytestmark = pytest.mark.timeout(30)

HOLD = textwrap.dedent(
    """
    import sys, time
    from oms.runtime.journal import Journal
    j = Journal(sys.argv[1])
    print("held", flush=True)
    sys.stdin.read()
    j.close()
    """
)


def test_a_second_process_is_refused_while_the_first_holds_the_journal(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(JournalBusy) as info:
            Journal(path)
        assert info.value.pid == holder.pid
        assert str(info.value) == f"journal {path} is in use by process {holder.pid}"
    finally:
        holder.communicate("", timeout=10)
    with opened(path) as again:  # released when the holder closed it
        assert len(again) == 0


def test_a_snapshot_reads_a_held_journal_without_touching_it(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    with opened(path) as j:
        j.record(Sent(client_order_id="c1", at_ms=1), 1, "c1")
        j.claim({"environment": "local"})
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        before = Path(path).stat().st_mtime_ns
        copy = Journal.snapshot(path)
        assert [e.kind for e in copy.entries()] == ["Sent"]
        assert copy.owner() == {"environment": "local"}
        copy.record(Sent(client_order_id="c2", at_ms=2), 2, "c2")  # writable; file untouched
        copy.close()
        assert Path(path).stat().st_mtime_ns == before
    finally:
        holder.communicate(b"", timeout=10)
    with pytest.raises(JournalUnavailable, match="no such journal"):
        Journal.snapshot(str(tmp_path / "absent.sqlite3"))
    assert not (tmp_path / "absent.sqlite3").exists()


def test_a_killed_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    holder.kill()
    holder.wait(10)
    assert holder.stdin is not None
    holder.stdin.close()
    holder.stdout.close()
    with opened(path):
        pass


def test_the_journal_is_tied_to_one_identity(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    ours = {"environment": "local", "rest_url": "http://127.0.0.1:1/api", "account": "7"}
    with opened(path) as j:
        j.claim(ours)
        j.claim(ours)  # the same owner again is fine
        j.claim({**ours, "exchange_run": "abc"})  # a new field is recorded
    with opened(path) as j:
        assert j.owner() == {**ours, "exchange_run": "abc"}
        with pytest.raises(JournalMismatch) as info:
            j.claim({**ours, "exchange_run": "def"})
        assert (info.value.field, info.value.recorded, info.value.given) == (
            "exchange_run",
            "abc",
            "def",
        )
        with pytest.raises(JournalMismatch, match="environment='local'"):
            j.claim({**ours, "environment": "testnet"})


def test_bad_paths_are_named(tmp_path: Path) -> None:
    missing_dir = str(tmp_path / "no" / "such" / "dir" / "j.sqlite3")
    with pytest.raises(JournalUnavailable, match=r"no/such/dir/j\.sqlite3"):
        Journal(missing_dir)
    not_a_db = tmp_path / "text.sqlite3"
    not_a_db.write_text("this is not a database, just text that is long enough to matter\n" * 9)
    with pytest.raises(JournalUnavailable, match=r"text\.sqlite3"):
        Journal(str(not_a_db))
    with pytest.raises(JournalUnavailable, match="no such journal"):
        Journal(str(tmp_path / "absent.sqlite3"), create=False)
    assert not (tmp_path / "absent.sqlite3").exists()


@contextlib.contextmanager
def opened(path: str) -> Iterator[Journal]:
    journal = Journal(path)
    try:
        yield journal
    finally:
        journal.close()


def test_a_journal_from_before_ownership_is_read_and_claimed(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,"
        " kind TEXT NOT NULL, client_order_id TEXT, data BLOB NOT NULL)"
    )
    db.execute("INSERT INTO entries (at_ms, kind, data) VALUES (1, 'sent', x'7b7d')")
    db.commit()
    db.close()
    copy = Journal.snapshot(path)
    assert copy.owner() == {} and len(copy) == 1
    copy.close()
    with opened(path) as j:
        j.claim({"environment": "testnet"})
        assert j.owner() == {"environment": "testnet"}
