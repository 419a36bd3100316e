"""`g2139 bench`: the pipeline beside two bare-engine floors and a pandas reference.

- compute-only floor: bench/floor.sql straight on the landing files;
- warehouse floor: DuckDB persists every landing file into typed tables with its own
  readers (no validation), then runs the same script on them. This is the least any
  warehouse pipeline must do, so it is the target (pipeline / warehouse floor);
- pandas: an independent reference.

Each implementation runs in its own process, K times, alternating; wall time and
peak memory are measured per process, the pipeline's stages from its Dagster step
events. All results must agree episode by episode (both strata) or the benchmark fails.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from bench.compare import differences, read_warehouse
from orchestration import progress

AS_OF = date(2026, 11, 27)
PERFORMANCE_YEAR = 2026
# The pandas reference peaks at ~2.1 GB at 1 M people (it drops claim lines that cannot
# matter file by file); above this size it would outgrow a 24 GiB machine, so it is skipped
# and the results say so.
PANDAS_MAX_PEOPLE = 5_000_000
IMPLEMENTATIONS = ("floor", "warehouse_floor", "pandas", "pipeline")
# Bar colours of the chart, per implementation.
COLOURS = {"floor": "#55a868", "warehouse_floor": "#8172b2", "pandas": "#c44e52", "pipeline": "#4c72b0"}


@dataclass
class Timing:
    wall_seconds: float
    peak_rss_mb: float
    stages: dict[str, float] = field(default_factory=dict)


def landing_for(people: int, seed: int, cache: Path) -> Path:
    """Demo data for this size and seed, generated once and reused."""
    landing = cache / f"landing-{people}-{seed}"
    marker = landing / ".complete"
    if not marker.exists():
        shutil.rmtree(landing, ignore_errors=True)
        # In a process of its own: a child's peak memory (ru_maxrss) counts what it shared
        # with this process when forked, so this one must not hold a million people's data.
        command = [sys.executable, "-m", "orchestration.cli", "demo-data", "--out", str(landing),
                   "--people", str(people), "--seed", str(seed)]  # fmt: skip
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        marker.write_text("ok\n")
    return landing


def timed_worker(implementation: str, landing: Path, work: Path, as_of: date, extra: list[str]) -> Timing:
    """Runs bench.worker in a child process; peak RSS is the largest of its process tree."""
    shutil.rmtree(work, ignore_errors=True)
    work.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "bench.worker", implementation,
        "--landing", str(landing), "--work", str(work),
        "--as-of", as_of.isoformat(), "--performance-year", str(PERFORMANCE_YEAR), *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    with open(work.parent / f"{work.name}.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{implementation} failed; see {work.parent / (work.name + '.log')}")
    report = json.loads((work / "worker.json").read_text())
    return Timing(wall_seconds=wall, peak_rss_mb=usage.ru_maxrss / 1024, stages=report["stages"])


def _shown(title: str, *worker_args) -> Timing:
    """One timed worker as a stage of `g2139 bench`'s progress."""
    progress.stage(title, "runs", 1)
    timing = timed_worker(*worker_args)
    progress.advance(worker_args[0])
    return timing


def stage_totals(stages: dict[str, float]) -> dict[str, float]:
    groups = {"ingest": 0.0, "dbt": 0.0, "checks": 0.0, "publish": 0.0}
    for step, seconds in stages.items():
        if step.startswith("raw__"):
            groups["ingest"] += seconds
        elif step == "measure_dbt_assets":
            groups["dbt"] += seconds
        elif step.endswith("_expectations"):
            groups["checks"] += seconds
        else:
            groups["publish"] += seconds
    return groups


def extra_day_landing(landing: Path, target: Path, day: date) -> Path:
    """The cached landing folder (linked, not copied) plus one day of new pain scores."""
    shutil.rmtree(target, ignore_errors=True)
    for table_dir in landing.iterdir():
        if table_dir.is_dir():
            (target / table_dir.name).mkdir(parents=True)
            for path in table_dir.iterdir():
                (target / table_dir.name / path.name).symlink_to(path.resolve())
    with (target / "pain_score" / f"pain_score_{day.isoformat()}.csv").open("w") as handle:
        handle.write("person_id,assessment_date,body_site,instrument,score,scale_max\n")
        for number in range(1, 2001):
            handle.write(f"P{number * 37:07d},{day.isoformat()},back,NRS,{number % 11},10\n")
    return target


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (stages_axis, totals_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    stages = results["pipeline_stages_median"]
    stages_axis.barh(list(stages), list(stages.values()), color="#4c72b0")
    stages_axis.set_xlabel("seconds (median)")
    stages_axis.set_title(f"pipeline stages at {results['people']:,} people")
    names = [n for n in IMPLEMENTATIONS if results["median_seconds"].get(n) is not None]
    totals_axis.bar(
        [n.replace("_", "\n") for n in names],
        [results["median_seconds"][n] for n in names],
        color=[COLOURS[n] for n in names],
    )
    totals_axis.set_ylabel("wall seconds (median)")
    totals_axis.set_title(
        f"pipeline / warehouse floor = {results['pipeline_over_warehouse_floor']:.2f}, "
        f"/ compute floor = {results['pipeline_over_floor']:.2f}",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def run_bench(people: int, repeat: int, out: Path, seed: int = 2139) -> dict:
    out = out.resolve()
    progress.stage(f"bench demo data, {people:,} people", "folders", 1)
    landing = landing_for(people, seed, out / "data")
    progress.advance(landing.name)
    work = out / f"work-{people}"
    with_pandas = people <= PANDAS_MAX_PEOPLE
    timings: dict[str, list[Timing]] = {name: [] for name in IMPLEMENTATIONS}
    for number in range(1, repeat + 1):
        for name in IMPLEMENTATIONS:
            if name == "pandas" and not with_pandas:
                continue
            title = f"bench {name} {number}/{repeat}"
            timings[name].append(_shown(title, name, landing, work / name, AS_OF, []))

    results_by_name = {
        name: pd.read_parquet(work / name / "result.parquet") for name in ("floor", "warehouse_floor")
    }
    if with_pandas:
        results_by_name["pandas"] = pd.read_parquet(work / "pandas" / "result.parquet")
    # Every measure of the family, as the pipeline's marts hold it (#459 is also the feed).
    results_by_name["pipeline"] = read_warehouse(work / "pipeline" / "warehouse.duckdb")
    diff = differences(results_by_name)

    # Nightly: the same warehouse again with no new files, then with one more day of files.
    nightly = work / "nightly"
    shutil.rmtree(nightly, ignore_errors=True)
    shutil.copytree(work / "pipeline", nightly, symlinks=True)
    nightly_warehouse = [
        "--warehouse", str(nightly / "warehouse.duckdb"), "--output", str(nightly / "published"),
    ]  # fmt: skip
    rerun = _shown(
        "bench nightly rerun", "pipeline", landing, work / "nightly-rerun", AS_OF, nightly_warehouse
    )
    next_day = AS_OF + timedelta(days=1)
    delta = extra_day_landing(landing, work / "landing-next-day", next_day)
    extra_day = _shown(
        "bench nightly next day", "pipeline", delta, work / "nightly-next-day", next_day, nightly_warehouse
    )
    progress.end()
    shutil.rmtree(nightly, ignore_errors=True)

    median = {n: (statistics.median(t.wall_seconds for t in ts) if ts else None) for n, ts in timings.items()}
    full = median["pipeline"]
    results = {
        "people": people,
        "seed": seed,
        "repeat": repeat,
        "as_of_date": AS_OF.isoformat(),
        "cpu_count": os.cpu_count(),
        "median_seconds": median,
        "peak_rss_mb": {n: (max(t.peak_rss_mb for t in ts) if ts else None) for n, ts in timings.items()},
        "runs": {n: [t.__dict__ for t in ts] for n, ts in timings.items()},
        "pandas_skipped": None
        if with_pandas
        else f"above {PANDAS_MAX_PEOPLE:,} people it would exhaust memory",
        "pipeline_stages_median": {
            stage: statistics.median(stage_totals(t.stages)[stage] for t in timings["pipeline"])
            for stage in ("ingest", "dbt", "checks", "publish")
        },
        "pipeline_over_floor": full / median["floor"],
        "pipeline_over_warehouse_floor": full / median["warehouse_floor"],
        "warehouse_floor_stages_median": {
            stage: statistics.median(t.stages[stage] for t in timings["warehouse_floor"])
            for stage in ("load", "measure")
        },
        "nightly": {
            "rerun_no_new_files_seconds": rerun.wall_seconds,
            "rerun_fraction_of_full": rerun.wall_seconds / full,
            "extra_day_seconds": extra_day.wall_seconds,
            "extra_day_fraction_of_full": extra_day.wall_seconds / full,
            "rerun_stages": stage_totals(rerun.stages),
            "extra_day_stages": stage_totals(extra_day.stages),
        },
        "episodes": len(results_by_name["pipeline"]),
        "episodes_by_stratum": results_by_name["pipeline"]["stratum"].value_counts().sort_index().to_dict(),
        "differences": len(diff),
    }
    results["pipeline_stages_median"]["startup and other"] = full - sum(
        results["pipeline_stages_median"].values()
    )
    (out / f"results-{people}.json").write_text(json.dumps(results, indent=2, default=str))
    chart(results, out / f"results-{people}.png")
    if len(diff):
        print(diff.head(20).to_string(), file=sys.stderr)
        raise SystemExit(f"the implementations disagree on {len(diff)} episodes (first 20 above)")
    return results


def summary_line(results: dict) -> str:
    """What `g2139 bench` prints: one line for results without a warehouse floor (older
    results files), else a table of the implementations and both ratios."""
    median = results["median_seconds"]
    if "pipeline_over_warehouse_floor" not in results:
        pandas_text = "skipped" if median["pandas"] is None else f"{median['pandas']:.1f} s"
        return (
            f"pipeline/floor = {results['pipeline_over_floor']:.2f} at {results['people']} people "
            f"(pipeline {median['pipeline']:.1f} s, floor {median['floor']:.1f} s, pandas {pandas_text})"
        )
    peak = results.get("peak_rss_mb", {})
    lines = [f"{'implementation':<18}{'median s':>10}{'peak MB':>10}   at {results['people']:,} people"]
    for name in IMPLEMENTATIONS:
        seconds = median.get(name)
        memory = peak.get(name)
        lines.append(
            f"{name:<18}"
            + (f"{seconds:>10.2f}" if seconds is not None else f"{'skipped':>10}")
            + (f"{memory:>10.0f}" if memory is not None else f"{'':>10}")
        )
    lines.append(f"pipeline / warehouse floor = {results['pipeline_over_warehouse_floor']:.2f}")
    lines.append(f"pipeline / compute floor   = {results['pipeline_over_floor']:.2f}")
    return "\n".join(lines)
