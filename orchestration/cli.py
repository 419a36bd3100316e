"""The `g2139` command: run the nightly job in process, or write demo data."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C (128 + SIGINT)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="g2139", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="ingest, build, check and publish (the nightly job)")
    run.add_argument("--landing", help="landing folder (G2139_LANDING_DIR, default data/landing)")
    run.add_argument("--output", help="publication folder (G2139_OUTPUT_DIR, default data/published)")
    run.add_argument("--warehouse", help="DuckDB file (G2139_WAREHOUSE, default data/warehouse.duckdb)")
    run.add_argument("--as-of", help="YYYY-MM-DD (G2139_AS_OF, default today)")
    run.add_argument("--performance-year", help="YYYY (G2139_PERFORMANCE_YEAR, default the as-of year)")
    run.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a var of dbt_project.yml for this run (repeatable), e.g. improvement_met_min=4",
    )
    run.add_argument(
        "--engine", choices=("duckdb", "spark"), help="engine dbt builds on (G2139_ENGINE, default duckdb)"
    )
    run.add_argument("--verbose", action="store_true", help="stream dbt and Dagster logs to the terminal")

    demo = commands.add_parser("demo-data", help="write a synthetic landing folder")
    demo.add_argument("--out", required=True, type=Path, help="landing folder to write")
    demo.add_argument("--people", type=int, default=None, help="number of people")
    demo.add_argument("--seed", type=int, default=None, help="random seed")
    bench = commands.add_parser("bench", help="pipeline vs bare-engine floor vs pandas, side by side")
    bench.add_argument("--people", type=int, default=10_000, help="size of the demo data (default 10000)")
    bench.add_argument("--repeat", type=int, default=1, help="runs of each implementation (default 1)")
    bench.add_argument("--out", type=Path, default=Path("data/bench"), help="results and cached data")
    bench.add_argument("--seed", type=int, default=2139, help="demo data seed")
    bench.add_argument(
        "--engine", choices=("duckdb", "spark"), help="time the pipeline on DuckDB and on this engine"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imported here, not at the top: `--help` and argument errors need no Dagster (1 s).
    from orchestration.resources import quiet_environment

    quiet_environment()
    if args.command == "demo-data":
        return _demo_data(args)
    if args.command == "bench" and args.engine:
        from bench.engines import engine_lines, run_engine_bench

        print(engine_lines(run_engine_bench(args.people, args.out, args.seed, args.engine)))
        return 0
    if args.command == "bench":
        from bench.run import run_bench, summary_line

        results = run_bench(args.people, args.repeat, args.out, args.seed)
        print(summary_line(results))
        print(f"results: {args.out.resolve() / f'results-{args.people}.json'} (chart: .png beside it)")
        return 0
    return _run(args)


def _demo_data(args: argparse.Namespace) -> int:
    from demo import DEFAULT_PEOPLE, DEFAULT_SEED, write_demo_landing

    people = DEFAULT_PEOPLE if args.people is None else args.people
    seed = DEFAULT_SEED if args.seed is None else args.seed
    try:
        counts = write_demo_landing(args.out, people=people, seed=seed)
    except FileExistsError as error:
        print(f"g2139 demo-data: {error}", file=sys.stderr)
        return 2
    rows = ", ".join(f"{table}: {count}" for table, count in counts.items())
    print(f"demo landing folder written to {args.out.resolve()} ({people} people, seed {seed}; {rows})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from orchestration.pipeline import run_pipeline
    from orchestration.resources import SettingsError, parse_var_overrides, resolve_settings
    from orchestration.rules import check_var_names

    try:
        overrides = parse_var_overrides(args.var)
        check_var_names(overrides)
        settings = resolve_settings(
            landing=args.landing,
            output=args.output,
            warehouse=args.warehouse,
            as_of=args.as_of,
            performance_year=args.performance_year,
            var_overrides=overrides,
            engine=args.engine,
        )
    except SettingsError as error:
        print(f"g2139: {error}", file=sys.stderr)
        return 2
    try:
        outcome = run_pipeline(settings, verbose=args.verbose)
    except KeyboardInterrupt:  # Ctrl-C outside the job's steps (starting, or summing up)
        print("g2139 run interrupted; nothing was published.", file=sys.stderr)
        return INTERRUPTED
    for line in outcome.report_lines():
        print(line, file=sys.stdout if outcome.success else sys.stderr)
    if outcome.interrupted:
        return INTERRUPTED
    return 0 if outcome.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
