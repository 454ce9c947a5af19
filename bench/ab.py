"""Before/after of an optimisation, measured in the same run: ``python -m bench.ab [REF]``.

Exports ``oms/`` and ``transports/`` of git ``REF`` (default ``HEAD``) to a temporary
directory, then alternates fresh processes importing the old tree and the working tree,
each timing the event path (``bench.event_path``: bare decode and full path over the same
frames, interleaved); ``--path manager-memory`` / ``manager-file`` times the OrderManager's
path (``Dispatcher.apply``, in-memory or WAL file journal) as the full path instead.
Prints per tree the median full-path rate and full/bare fraction, and the after/before
ratio of the full-path rates (the figure for a commit message).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("engine", "manager-memory", "manager-file")
CHILD = """
import json, sys
from bench.common import interleaved
from bench.event_path import (BATCH, Engine, build_frames, manager_file, manager_path,
                               run_bare, run_engine, setup)
import oms
assert oms.__file__.startswith(sys.argv[1]), oms.__file__
cids, frames = build_frames(int(sys.argv[2]))
n = len(frames)
runs = {"bare": lambda: n / run_bare(frames),
        "full": lambda: n / run_engine(setup(Engine, cids), frames)}
if sys.argv[3] == "manager-memory":
    runs["full"] = lambda: n / manager_path(":memory:", cids, frames, BATCH)
elif sys.argv[3] == "manager-file":
    runs["full"] = lambda: n / manager_file(cids, frames)
print(json.dumps(interleaved(runs, 3)))
"""


def run(tree: Path, orders: int, path: str) -> dict[str, list[float]]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(orders), path],
        cwd=tree, env={"PYTHONPATH": f"{tree}:{ROOT}", "PATH": "/usr/bin:/bin"},
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rates: dict[str, list[float]] = json.loads(out)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default="HEAD")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--path", choices=PATHS, default="engine",
                        help="what 'full' times: the engine path or the manager's")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        before.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.ref, "oms", "transports"], cwd=ROOT, check=True,
            capture_output=True,
        ).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        full: dict[str, list[float]] = {"before": [], "after": []}
        frac: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            for name, tree in (("before", before), ("after", ROOT)):
                rates = run(tree, args.orders, args.path)
                full[name] += rates["full"]
                frac[name] += [f / b for f, b in zip(rates["full"], rates["bare"], strict=True)]
    for name in ("before", "after"):
        print(f"{name:<6} full path {statistics.median(full[name]):>10,.0f} frames/s, "
              f"{statistics.median(frac[name]):.0%} of bare decode")  # fmt: skip
    speedup = statistics.median(full["after"]) / statistics.median(full["before"])
    print(f"after/before = {speedup:.2f}x (vs {args.ref}, {args.rounds} rounds x 3 repeats)")


if __name__ == "__main__":
    main()
