"""The reporting files of a publication, built from the marts they report.

Shared by the gate (which validates them as a blocking check before anything is
published) and the publish stage (which writes the same bytes into the release): both
call ``reporting_files`` on the same marts, so what was checked is what is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestration.reporting import build_reporting_files, read_payer_names
from orchestration.resources import DBT_PROJECT_DIR, RunSettings
from orchestration.rules import Rules, headline_measure_id
from orchestration.warehouse import Warehouse

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
REPORT = "report.html"


@dataclass(frozen=True)
class MartRows:
    summary: list[dict[str, Any]]
    definition: list[dict[str, Any]]


# Columns the marts gained with the measure family; the publisher reads the headline measure.
FAMILY_COLUMNS = ("measure_id", "instrument", "followup_met_max", "improvement_met_min")


def headline(rows: list[dict[str, Any]], keep: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The headline measure's rows (#459, seed `measure`), without the family's columns."""
    measure_id = headline_measure_id()
    return [
        {k: v for k, v in row.items() if k not in FAMILY_COLUMNS or k in keep}
        for row in rows
        if str(row.get("measure_id", measure_id)) == measure_id
    ]


def mart_rows(warehouse: Warehouse) -> MartRows:
    return MartRows(
        summary=headline(
            warehouse.rows("select * from marts.measure_summary order by level, level_id, stratum")
        ),
        definition=headline(
            warehouse.rows("select * from marts.measure_definition order by stratum"), keep=("measure_id",)
        ),
    )


def reporting_files(
    warehouse: Warehouse, settings: RunSettings, rows: MartRows | None = None
) -> dict[str, bytes]:
    """Summaries, QPP bodies, FHIR resources and schemas: relative path -> bytes."""
    rows = rows or mart_rows(warehouse)
    return build_reporting_files(
        rows.summary,
        rows.definition,
        performance_year=settings.performance_year,
        as_of_date=settings.as_of_date,
        payer_names=read_payer_names(SEEDS_DIR),
        seeds_dir=SEEDS_DIR,
    )


def report_page(warehouse: Warehouse, settings: RunSettings, rules: Rules) -> bytes:
    """report.html: one self-contained page (plots inline) from the marts. The episode rows
    it reads are the columns the plots need, never ids or dates of individuals."""
    from orchestration.reporting.report import build_report  # matplotlib: only when a page is made

    return build_report(
        headline(
            warehouse.rows("select * from marts.measure_summary where level in ('payer', 'all_payers')")
        ),
        warehouse.rows(
            "select stratum, performance_year, outcome, rendering_npi, baseline_score, one_year_score"
            " from marts.episodes order by stratum, rendering_npi, baseline_score, one_year_score, outcome"
        ),
        warehouse.rows("select * from marts.quarantine_summary order by table_name, reason, column_name"),
        headline(
            warehouse.rows(
                "select * from marts.measure_summary_history where performance_year = $year"
                " order by as_of_date, level, level_id, stratum",
                {"year": settings.performance_year},
            )
        ),
        performance_year=settings.performance_year,
        as_of_date=settings.as_of_date,
        met_max_score=rules.one_year_met_max_score,
        improvement_min=rules.improvement_met_min,
        payer_names=read_payer_names(SEEDS_DIR),
    )
