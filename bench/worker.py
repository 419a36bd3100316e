"""One timed run of one implementation, in its own process (so its peak memory is its own).

    python -m bench.worker {floor,warehouse_floor,pandas,pipeline} --landing L --work DIR --as-of D \
        --performance-year Y

Writes DIR/worker.json (wall seconds, stage seconds) and the result (floors and pandas:
DIR/result.parquet; pipeline: the published feeds under DIR/published). The warehouse
floor keeps its typed tables in DIR/warehouse_floor.duckdb.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path


def run(
    implementation: str,
    landing: Path,
    work: Path,
    as_of: date,
    year: int,
    warehouse: Path | None = None,
    output: Path | None = None,
    engine: str = "duckdb",
) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    stages: dict[str, float] = {}
    if implementation == "floor":
        from bench.floor import run_floor

        run_floor(landing, as_of, year).to_parquet(work / "result.parquet")
    elif implementation == "warehouse_floor":
        from bench.floor import run_warehouse_floor

        frame, stages = run_warehouse_floor(landing, as_of, year, work / "warehouse_floor.duckdb")
        frame.to_parquet(work / "result.parquet")
    elif implementation == "pandas":
        from bench.pandas_reference import run_pandas

        run_pandas(landing, as_of, year).to_parquet(work / "result.parquet")
    else:
        from orchestration.pipeline import run_pipeline
        from orchestration.resources import resolve_settings

        settings = resolve_settings(
            landing=str(landing),
            output=str(output or work / "published"),
            warehouse=str(warehouse or work / "warehouse.duckdb"),
            as_of=as_of.isoformat(),
            performance_year=year,
            environ={},
            engine=engine,
        )
        outcome = run_pipeline(settings)
        if not outcome.success:
            raise SystemExit("pipeline failed: " + "; ".join(outcome.failures))
        stages = outcome.step_seconds
    report = {
        "implementation": implementation,
        "wall_seconds": time.perf_counter() - started,
        "stages": stages,
    }
    (work / "worker.json").write_text(json.dumps(report, indent=2))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("implementation", choices=["floor", "warehouse_floor", "pandas", "pipeline"])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--performance-year", type=int, required=True)
    parser.add_argument("--warehouse", type=Path, help="pipeline only: reuse this warehouse")
    parser.add_argument("--output", type=Path, help="pipeline only: reuse this publication folder")
    parser.add_argument("--engine", default="duckdb", help="pipeline only: duckdb or spark")
    args = parser.parse_args()
    run(
        args.implementation,
        args.landing,
        args.work,
        args.as_of,
        args.performance_year,
        args.warehouse,
        args.output,
        args.engine,
    )


if __name__ == "__main__":
    main()
