"""The bench suite: ``python -m bench [--quick] [--uvloop] [--only 1,2,...]``.

Prints one Markdown table: every figure a median over repeats and, where a peer or limit
exists, the ratio to it measured in the same run, with the goal and whether it was met.
Sections: 1 event path, 2 memory and pauses, 3 simulated exchange, 4 wire (loopback),
5 scaling, 6 replay speed of ``oms simulate``, 7 the local exchange under load, 8 order
lists and triggers. ``--quick``
runs smaller sizes and fewer repeats (a smoke run, under a minute on a quiet machine).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable

from bench import event_path, lists, market_load, memory, replay, sim_exchange, wire
from bench.common import Row, print_table


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--uvloop", action="store_true", help="also run section 4 on uvloop")
    parser.add_argument("--only", default="1,2,3,4,5,6,7,8", help="sections to run, e.g. 1,5")
    args = parser.parse_args(argv)
    only = {int(s) for s in args.only.split(",")}
    sections: dict[int, Callable[[], list[Row]]] = {
        1: lambda: event_path.figures(args.quick),
        2: lambda: memory.memory_rows(args.quick),
        3: lambda: sim_exchange.figures(args.quick),
        4: lambda: wire.figures(args.quick, args.uvloop),
        5: lambda: memory.scaling_rows(args.quick),
        6: lambda: replay.figures(args.quick),
        7: lambda: market_load.figures(args.quick),
        8: lambda: lists.figures(args.quick),
    }
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{'quick' if args.quick else 'full'} run", file=sys.stderr)  # fmt: skip
    rows: list[Row] = []
    for number, section in sections.items():
        if number in only:
            started = time.perf_counter()
            rows += section()
            print(f"section {number}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print_table(rows)
    return rows


if __name__ == "__main__":
    main()
