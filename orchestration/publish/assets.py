"""The payer feeds asset: the marts, as checked by this run's blocking checks, into a release.

Publication trusts Dagster: the gate's checks are blocking, so this step runs only when
they passed. It validates nothing again and writes no state into the warehouse; the
manifest lists the checks this run evaluated, as the event log recorded them.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from orchestration import progress
from orchestration.asset_keys import FEEDS_KEY, relation_key
from orchestration.automation.partitions import performance_year_partitions
from orchestration.publish.feeds import write_feeds
from orchestration.publish.release import Release, write_release
from orchestration.reporting.from_marts import REPORT, family, mart_rows, report_page, reporting_files
from orchestration.reporting.schemas import episode_columns
from orchestration.resources import G2139Settings
from orchestration.rules import load_rules

MART_INPUTS = (
    "episodes",
    "episode_measures",
    "measure_summary",
    "measure_definition",
    "data_quality",
    "load_accounting",
    "quarantine_summary",
    "measure_summary_history",
)
# Seeds the publication reads as CSV (payer names, codes, strata, value sets in the schemas):
# declared, so that the lineage shows them feeding the publication.
SEED_INPUTS = (
    "payer_alias",
    "quality_code",
    "measure_stratum",
    "spine_exclusion",
    "lumbar_fusion",
    "lumbar_discectomy",
    "qpp_mvp",
)


class CrossYearError(RuntimeError):
    """The marts hold another performance year than the run's: never publish them as this one."""


def check_marts_year(g2139: G2139Settings) -> None:
    year = g2139.run.performance_year
    built = {
        r["performance_year"]
        for r in g2139.duckdb_warehouse.rows("select performance_year from marts.measure_definition")
    }
    if built != {year}:
        raise CrossYearError(f"marts hold performance year(s) {sorted(built)}, the run is for {year}")


def code_version() -> str:
    base = f"g2139 {version('g2139')}"
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base}+{sha}"


def run_checks(context: AssetExecutionContext) -> list[dict]:
    """Every asset check this run evaluated (dbt tests and the gate's suites), by name."""
    records = context.instance.all_logs(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    )
    checks = []
    for record in records:
        evaluation = record.dagster_event.event_specific_data
        checks.append(
            {
                "name": f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}",
                "passed": evaluation.passed,
                "detail": evaluation.description or ("passed" if evaluation.passed else "failed"),
            }
        )
    return sorted(checks, key=lambda c: c["name"])


def publish(g2139: G2139Settings, run_id: str, checks: list[dict]) -> Release:
    settings = g2139.run
    check_marts_year(g2139)
    run = {"performance_year": settings.performance_year, "as_of_date": settings.as_of_date.isoformat()}

    warehouse = g2139.duckdb_warehouse
    rows = mart_rows(warehouse)
    files = {
        **reporting_files(warehouse, settings, rows),
        REPORT: report_page(warehouse, settings, load_rules(settings.var_overrides)),
    }
    others = tuple(facts.measure_id for facts in family(rows, settings).others)

    def fill(release: Path) -> dict:
        from_marts = write_feeds(warehouse, release, run, files, others)
        return {
            "run_id": run_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **run,
            "engine": settings.engine,  # where dbt built the marts; the files are the same on each
            "code_version": code_version(),
            **from_marts,
            "checks": checks,
        }

    return write_release(settings.output_dir, settings.performance_year, run_id, fill)


def feed_columns(g2139: G2139Settings) -> dict:
    """The columns of each payer's episodes.csv (schema and meaning), each traced to the
    column of `marts.episodes` it is written from: the last hop of the column lineage."""
    names = {
        r["column_name"].lower()
        for r in g2139.duckdb_warehouse.rows(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'episodes'"
        )
    }
    columns, episodes = episode_columns(), relation_key("marts", "episodes")
    return {
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(c["name"], c["type"], description=c["meaning"]) for c in columns]
        ),
        # Each column from the column of the mart with its name (written as it is there).
        "dagster/column_lineage": dg.TableColumnLineage(
            deps_by_column={
                c["name"]: [dg.TableColumnDep(episodes, c["name"])] if c["name"] in names else []
                for c in columns
            }
        ),
    }


@dg.asset(
    key=FEEDS_KEY,
    deps=[
        *(relation_key("marts", name) for name in MART_INPUTS),
        *(relation_key("reference", name) for name in SEED_INPUTS),
    ],
    partitions_def=performance_year_partitions,
    group_name="publish",
    kinds={"csv", "json"},
    description=(
        "`<output>/<PY>/`: one folder per payer with episodes.csv and summary.json (#459) and a "
        "folder per other measure of the family (#461, #471), all_payers/, qpp/ (QPP measurement "
        "sets per TIN and TIN + NPI), fhir/ (DEQM MeasureReports and Measures), schema/, "
        "report.html, manifest.json and data_quality.json; swapped in atomically once the "
        "blocking checks passed."
    ),
)
def payer_feeds(context: AssetExecutionContext, g2139: G2139Settings) -> dg.MaterializeResult:
    progress.stage("publish", "files")
    release = publish(g2139, context.run.run_id, run_checks(context))
    progress.advance(str(release.folder), count=len(release.outputs) + 1)
    progress.end()
    return dg.MaterializeResult(
        metadata={
            **feed_columns(g2139),
            "folder": dg.MetadataValue.path(str(release.folder)),
            "files": dg.MetadataValue.int(len(release.outputs) + 1),
            "episodes_per_payer": dg.MetadataValue.json(
                {
                    o["path"].split("/")[0]: o["rows"]
                    for o in release.outputs
                    if o["path"].endswith("episodes.csv") and o["path"].count("/") == 1
                }
            ),
        }
    )
