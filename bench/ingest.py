"""The loader's ingest beside the warehouse floor's typed load of the same files.

Both persist every landing file into a fresh DuckDB file; the loader also keeps
every promise (independent counts, checksums, quarantine, versions, accounting),
the floor none. Each side runs in its own process, alternating, so that a busy
machine slows both alike; the ratio is taken per round.

    python -m bench.ingest --landing L [--rounds 2] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIDES = ("loader", "floor")


def _run_side(side: str, landing: Path, database: Path) -> dict[str, float]:
    """One load into a fresh ``database``; seconds per table (loader) or in all (floor)."""
    database.unlink(missing_ok=True)
    Path(f"{database}.wal").unlink(missing_ok=True)
    seconds: dict[str, float] = {}
    # Imports first: the clock measures loading, not Python's start-up.
    import duckdb

    from bench.floor import load_warehouse
    from orchestration.ingest.landing import TABLES, load_table
    from orchestration.warehouse import DuckDBWarehouse

    started, cpu_started = time.perf_counter(), time.process_time()
    if side == "floor":
        con = duckdb.connect(str(database))
        con.execute("set threads = 2; set memory_limit = '3GB'; set preserve_insertion_order = false")
        load_warehouse(con, landing)
        con.execute("checkpoint")
        con.close()
    else:
        with DuckDBWarehouse(database).connect() as con:
            for spec in TABLES.values():
                begun = time.perf_counter()
                load_table(con, landing, spec, "bench")
                seconds[spec.name] = time.perf_counter() - begun
            con.execute("checkpoint")
    seconds["total"] = time.perf_counter() - started
    # Processor time of all the process's threads: on a shared machine it moves less than wall time.
    seconds["cpu"] = time.process_time() - cpu_started
    return seconds


def _child(side: str, landing: Path, work: Path) -> tuple[dict[str, float], float]:
    command = [sys.executable, "-m", "bench.ingest", "--side", side, "--landing", str(landing)]
    command += ["--work", str(work)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{side} failed")
    return json.loads(output), usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/g2139-bench-ingest"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.side:
        print(json.dumps(_run_side(args.side, args.landing, args.work / f"{args.side}.duckdb")))
        return
    ratios, cpu_ratios = [], []
    for round_number in range(1, args.rounds + 1):
        timings = {side: _child(side, args.landing, args.work) for side in SIDES}
        (loader, loader_rss), (floor, floor_rss) = timings["loader"], timings["floor"]
        ratios.append(loader["total"] / floor["total"])
        cpu_ratios.append(loader["cpu"] / floor["cpu"])
        tables = ", ".join(f"{k} {v:.1f} s" for k, v in loader.items() if k not in ("total", "cpu"))
        print(
            f"round {round_number}: loader {loader['total']:.1f} s ({tables}; CPU {loader['cpu']:.1f} s, "
            f"peak {loader_rss:.0f} MB), floor {floor['total']:.1f} s (CPU {floor['cpu']:.1f} s, "
            f"peak {floor_rss:.0f} MB), ratio {ratios[-1]:.2f}"
        )
    print(
        f"ingest / warehouse floor load: median {statistics.median(ratios):.2f} "
        f"(processor time {statistics.median(cpu_ratios):.2f})"
    )


if __name__ == "__main__":
    main()
