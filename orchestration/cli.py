"""The `g2139` command: run the nightly job in process, or write demo data."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C (128 + SIGINT)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("g2139")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _run_epilog() -> str:
    from orchestration.settings import OTHER_VARIABLES

    lines = ["Also read from the environment:"]
    lines += [f"  {name:<28} {what} (default: {default})" for name, default, what in OTHER_VARIABLES]
    lines.append("An option wins over its variable, which wins over the default.")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    from orchestration.settings import ENGINES, RUN_OPTIONS

    parser = argparse.ArgumentParser(prog="g2139", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="ingest, build, check and publish (the nightly job)",
        description="Ingest, build, check and publish (the nightly job), in this process.",
        epilog=_run_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    metavars = {"--landing": "DIR", "--output": "DIR", "--warehouse": "FILE", "--as-of": "YYYY-MM-DD"}
    for option, variable, default, what in RUN_OPTIONS:
        run.add_argument(
            option,
            metavar=metavars.get(option, "YYYY" if option == "--performance-year" else None),
            choices=ENGINES if option == "--engine" else None,
            help=f"{what} (env {variable}; default: {default})",
        )
    run.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a var of dbt_project.yml for this run (repeatable), e.g. improvement_met_min=4",
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
        from orchestration.progress import showing

        with showing():
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
    from orchestration.pipeline import cannot_start, run_pipeline
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
    problem = cannot_start(settings)
    if problem:  # before anything is created: one line naming the user's thing
        print(f"g2139 run: {problem}; nothing was created or published", file=sys.stderr)
        return 1
    from orchestration.progress import showing

    # Where the run is, on stderr (the summary below is stdout's): live on a terminal, else
    # one line per stage. Not with --verbose, whose dbt and Dagster logs say it already.
    try:
        with contextlib.nullcontext() if args.verbose else showing():
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
