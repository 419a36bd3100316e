"""`g2139 bench --engine spark`: the pipeline on each engine, side by side, on the same data.

Each engine's pipeline runs in its own process (bench.worker), timed with its peak memory
(the largest process of its tree: with Spark, the dbt process that hosts the JVM's driver is
a child, so its peak counts when it is larger). Both publications must agree episode by
episode, or the benchmark fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bench.compare import differences, read_published
from bench.run import AS_OF, PERFORMANCE_YEAR, landing_for, stage_totals, timed_worker

ENGINES = ("duckdb", "spark")


def run_engine_bench(people: int, out: Path, seed: int, engine: str) -> dict:
    out = out.resolve()
    landing = landing_for(people, seed, out / "data")
    work = out / f"work-{people}"
    engines = ["duckdb"] if engine == "duckdb" else ["duckdb", engine]
    timings = {
        name: timed_worker("pipeline", landing, work / f"pipeline-{name}", AS_OF, ["--engine", name])
        for name in engines
    }
    published = {
        name: read_published(work / f"pipeline-{name}" / "published" / str(PERFORMANCE_YEAR))
        for name in engines
    }
    diff = differences(published)
    results = {
        "people": people,
        "seed": seed,
        "as_of_date": AS_OF.isoformat(),
        "cpu_count": os.cpu_count(),
        "engines": {
            name: {
                "wall_seconds": t.wall_seconds,
                "peak_rss_mb": t.peak_rss_mb,
                "stages": stage_totals(t.stages),
            }
            for name, t in timings.items()
        },
        "episodes": len(published["duckdb"]),
        "differences": len(diff),
    }
    (out / f"engines-{people}.json").write_text(json.dumps(results, indent=2, default=str))
    if len(diff):
        print(diff.head(20).to_string(), file=sys.stderr)
        raise SystemExit(f"the engines disagree on {len(diff)} episodes (first 20 above)")
    return results


def engine_lines(results: dict) -> str:
    header = f"{'engine':<8}{'wall s':>9}{'peak MB':>9}{'ingest':>8}{'dbt':>8}{'checks':>8}{'publish':>8}"
    lines = [f"{header}   at {results['people']:,} people"]
    for name, r in results["engines"].items():
        stages = r["stages"]
        lines.append(
            f"{name:<8}{r['wall_seconds']:>9.1f}{r['peak_rss_mb']:>9.0f}"
            + "".join(f"{stages[s]:>8.1f}" for s in ("ingest", "dbt", "checks", "publish"))
        )
    lines.append(f"episodes {results['episodes']:,}, identical on every engine")
    return "\n".join(lines)
