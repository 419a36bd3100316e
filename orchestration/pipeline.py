"""Running the nightly job in process: what `g2139 run` and the benchmark call."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.resources import DBT_PROJECT_DIR, RunSettings, private_files, quiet_environment

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
PUBLISH_STEP = "feeds__payer_feeds"


def ensure_dbt_manifest() -> Path:
    """`@dbt_assets` needs a manifest at import; setup makes it, this is the fallback."""
    if not MANIFEST.exists():
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(
            ["parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        )
        if not result.success or not MANIFEST.exists():
            raise RuntimeError(f"dbt parse failed: cannot build {MANIFEST}")
    return MANIFEST


@dataclass
class RunOutcome:
    success: bool
    settings: RunSettings
    run_id: str
    step_seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    payer_rows: list[tuple] = field(default_factory=list)
    payer_columns: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    interrupted: bool = False  # stopped by Ctrl-C
    refused: str | None = None  # the one line of a run that did not start (another run held the warehouse)

    @property
    def published(self) -> bool:
        return PUBLISH_STEP in self.step_seconds

    def report_lines(self) -> list[str]:
        if self.refused:
            return [self.refused]
        if self.interrupted:
            return [f"g2139 run {self.run_id} interrupted; nothing was published."]
        if not self.success:
            return ["g2139 run failed; nothing was published.", *(f"  - {f}" for f in self.failures)]
        folder = self.settings.output_dir / str(self.settings.performance_year)
        lines = [
            f"g2139 run {self.run_id} as of {self.settings.as_of_date}, "
            f"performance year {self.settings.performance_year}:"
        ]
        if not self.published:
            # One line: the decision and where the unchanged publication is.
            return [
                f"g2139 run {self.run_id}: build skipped, {self.skip_reason or 'nothing new'}; "
                f"{folder} unchanged"
            ]
        width = max([10, *(len(c) for c in self.payer_columns)])
        lines.append(f"  {'':<10} {'episodes':>8}" + "".join(f"  {c:>{width}}" for c in self.payer_columns))
        for level_id, episodes, *rates in self.payer_rows:
            lines.append(
                f"  {level_id:<10} {episodes:>8}" + "".join(f"  {_percent(r):>{width}}" for r in rates)
            )
        lines.append(f"published: {folder}")
        lines.append(f"warehouse: {self.settings.warehouse}")
        lines.append(f"log: {run_log_path(self.settings)}")
        return lines


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Wall seconds per step, from the step start/end events of the run's event log."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            seconds[event.step_key] = round(entry.timestamp - started[event.step_key], 3)
    return seconds


def _failures(result) -> list[str]:
    """Each failed check, and each step failure's root cause once: steps that failed for the
    same reason (a warehouse that cannot be opened fails every loader) share one line."""
    messages: list[str] = []
    steps_by_error: dict[str, list[str]] = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                messages.append(f"check {evaluation.check_name} failed: {evaluation.description}")
        elif event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            # The root cause (a LandingError, a dbt failure) is what the user can act on.
            while error.cause is not None:
                error = error.cause
            steps_by_error.setdefault(plain_message(error), []).append(event.step_key)
    messages += [f"{', '.join(steps)}: {message}" for message, steps in steps_by_error.items()]
    return messages or ["the run failed before any step ran"]


def plain_message(error) -> str:
    """An error's own words without its class path (`orchestration...LandingError: `):
    the message names the user's file or setting; the class is for the log."""
    text = error.message.strip()
    head, sep, rest = text.partition(": ")
    if sep and error.cls_name and head.rsplit(".", 1)[-1] == error.cls_name:
        return rest.strip()
    return text


def _percent(rate) -> str:
    return "n/a" if rate is None else f"{float(rate):.1%}"


def _payer_rows(settings: RunSettings) -> tuple[list[str], list[tuple]]:
    """Per canonical payer, then all payers: episodes of the headline measure, the rate of each of
    its strata and overall, then the overall rate of every other measure of the family (the
    marts' rows; nothing recomputed here, no stratum or measure named in code)."""
    from orchestration.reporting.facts import headline_measure_id, with_measure_id

    warehouse = settings.duckdb_warehouse()
    headline = headline_measure_id(warehouse.rows("select * from marts.measure_definition"))
    rows = with_measure_id(
        warehouse.rows(
            "select * from marts.measure_summary where level in ('payer', 'all_payers') "
            "order by level = 'all_payers', level_id"
        ),
        headline,
    )
    mine = [r for r in rows if str(r["measure_id"]) == headline]
    strata = sorted({r["stratum"] for r in mine if r["stratum"] != "overall"})
    others = sorted({str(r["measure_id"]) for r in rows} - {headline})
    columns = [*strata, f"#{headline} overall", *(f"#{m} overall" for m in others)]
    by_level: dict[str, dict[tuple[str, str], dict]] = {}
    for row in rows:
        by_level.setdefault(row["level_id"], {})[(str(row["measure_id"]), row["stratum"])] = row
    table = []
    for level_id, cells in by_level.items():
        rates = [cells.get((headline, s), {}).get("performance_rate") for s in (*strata, "overall")]
        rates += [cells.get((m, "overall"), {}).get("performance_rate") for m in others]
        table.append(
            (
                "all payers" if level_id == "all" else level_id,
                cells[(headline, "overall")]["episodes"],
                *rates,
            )
        )
    return columns, table


def _skip_reason(instance, run_id: str) -> str | None:
    """The transform stage's decision, as recorded on the run's observations."""
    import dagster as dg

    from orchestration.transform.skip import DECISION_KEY

    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION):
        value = record.dagster_event.event_specific_data.asset_observation.metadata.get(DECISION_KEY)
        if value is not None:
            return str(value.value).removeprefix("skipped: ")
    return None


def cannot_start(settings: RunSettings) -> str | None:
    """Why a run with these settings cannot start, in one line naming the folder, file or
    setting; None when it can. Asked before anything is created (warehouse, run, logs)."""
    from orchestration.automation.partitions import performance_year_partitions
    from orchestration.settings import ENV_LANDING, ENV_OUTPUT, ENV_PERFORMANCE_YEAR, ENV_WAREHOUSE

    landing, output, warehouse = settings.landing_dir, settings.output_dir, settings.warehouse
    if not landing.exists():
        return f"{landing}: landing folder does not exist (--landing / {ENV_LANDING})"
    if not landing.is_dir():
        return f"{landing}: the landing folder is a file, not a folder (--landing / {ENV_LANDING})"
    if warehouse.is_dir():
        return f"{warehouse}: the warehouse is a folder, not a DuckDB file (--warehouse / {ENV_WAREHOUSE})"
    if output.exists() and not output.is_dir():
        return f"{output}: the publication folder is a file, not a folder (--output / {ENV_OUTPUT})"
    years = performance_year_partitions.get_partition_keys()
    if str(settings.performance_year) not in years:
        return (
            f"performance year {settings.performance_year} is not one of {years[0]}..{years[-1]} "
            f"(--performance-year / {ENV_PERFORMANCE_YEAR})"
        )
    return None


def run_log_path(settings: RunSettings) -> Path:
    return settings.warehouse.parent / "logs" / "g2139-run.log"


def run_pipeline(
    settings: RunSettings, asset_selection: Sequence[Any] | None = None, verbose: bool = False
) -> RunOutcome:
    """Runs the nightly job in this process (steps in order, one DuckDB writer).

    `asset_selection` (asset keys) runs part of the job, e.g. publication alone. Unless
    `verbose`, dbt's progress lines go to the run log beside the warehouse and Dagster's
    console logger is silenced: the terminal shows the summary, or each failure once.
    """
    problem = cannot_start(settings)
    if problem:  # before anything is created
        return RunOutcome(success=False, settings=settings, run_id="-", failures=[problem])
    quiet_environment()
    private_files()
    ensure_dbt_manifest()
    from orchestration.runlock import RunLockError, acquire, release

    # One run per warehouse: taken here, before the job starts, so that a refusal is one line;
    # the job takes it again (a count in this process), which is what guards scheduled runs.
    try:
        acquire(settings.warehouse)
    except RunLockError as error:
        return RunOutcome(success=False, settings=settings, run_id="-", refused=f"g2139 run: {error}")
    try:
        return _run_job(settings, asset_selection, verbose)
    finally:
        release(settings.warehouse)


@contextlib.contextmanager
def _children_stderr_to(log) -> Iterator[None]:
    """The processes the run starts (dbt, Dagster's log tails and their watchers) write their
    errors to file descriptor 2: into the run log, so that a Ctrl-C, which reaches them all,
    never prints their tracebacks in the terminal. This process's own lines still go there."""
    sys.stderr.flush()
    terminal = os.dup(2)
    os.dup2(log.fileno(), 2)
    try:
        with (
            open(terminal, "w", encoding="utf-8", closefd=False) as stderr,
            contextlib.redirect_stderr(stderr),
        ):
            yield
    finally:
        os.dup2(terminal, 2)
        os.close(terminal)


def _interrupted(result) -> bool:
    """The run stopped on Ctrl-C (SIGINT): Dagster ends the step it was in as interrupted."""
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            if error.cls_name in ("DagsterExecutionInterruptedError", "KeyboardInterrupt"):
                return True
    return False


def _run_job(settings: RunSettings, asset_selection: Sequence[Any] | None, verbose: bool) -> RunOutcome:
    import dagster as dg

    from orchestration.automation.alerts import handle_failure
    from orchestration.automation.schedules import TRIGGER_TAG
    from orchestration.definitions import NIGHTLY_JOB, build_definitions
    from orchestration.resources import G2139Settings

    job = build_definitions(G2139Settings.of(settings)).resolve_job_def(NIGHTLY_JOB)
    log_path = run_log_path(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    run_config = {} if verbose else {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    # The persistent instance (DAGSTER_HOME, the project's .dagster_home by default): runs
    # started here appear in the UI's run history beside scheduled and sensor runs.
    with (
        dg.DagsterInstance.get() as instance,
        open(log_path, "a", encoding="utf-8") as log,
        contextlib.redirect_stdout(sys.stdout if verbose else log),
        contextlib.nullcontext() if verbose else _children_stderr_to(log),
    ):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            asset_selection=asset_selection,
            run_config=run_config,
            partition_key=str(settings.performance_year),
            tags={TRIGGER_TAG: "cli"},
        )
        step_seconds = _step_seconds(instance, result.run_id)
        outcome = RunOutcome(
            success=result.success, settings=settings, run_id=result.run_id, step_seconds=step_seconds
        )
        if result.success:
            outcome.payer_columns, outcome.payer_rows = _payer_rows(settings)
            outcome.skip_reason = None if outcome.published else _skip_reason(instance, result.run_id)
        else:
            outcome.failures = _failures(result)
            outcome.interrupted = _interrupted(result)
            # What the run-failure sensor does under the Dagster daemon, which an in-process run lacks.
            try:
                handle_failure(instance, result.dagster_run)
            except Exception as error:  # the run's own failure is what the user must see
                outcome.failures.append(f"the alert could not be recorded ({type(error).__name__})")
    return outcome
