"""The reporting files of a publication, built from the marts they report.

Shared by the gate (which validates them as a blocking check before anything is
published) and the publish stage (which writes the same bytes into the release): both
call ``reporting_files`` on the same marts, so what was checked is what is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestration.reporting import Family, FhirSettings, build_reporting_files, read_payer_names
from orchestration.resources import DBT_PROJECT_DIR, RunSettings
from orchestration.rules import Rules
from orchestration.warehouse import Warehouse

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
REPORT = "report.html"


@dataclass(frozen=True)
class MartRows:
    summary: list[dict[str, Any]]
    definition: list[dict[str, Any]]


def mart_rows(warehouse: Warehouse) -> MartRows:
    return MartRows(
        summary=warehouse.rows("select * from marts.measure_summary order by level, level_id, stratum"),
        definition=warehouse.rows("select * from marts.measure_definition order by stratum"),
    )


def fhir_settings(settings: RunSettings) -> FhirSettings:
    return FhirSettings(base=settings.fhir_base, reporter=settings.reporting_organization)


def family(rows: MartRows, settings: RunSettings) -> Family:
    return Family.from_marts(rows.summary, rows.definition, settings.performance_year, settings.as_of_date)


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
        fhir=fhir_settings(settings),
    )


def report_page(warehouse: Warehouse, settings: RunSettings, rules: Rules) -> bytes:
    """report.html: one self-contained page (plots inline) from the marts. The episode rows
    it reads are the columns the plots need, never ids or dates of individuals: the headline
    measure's from marts.episodes, the others' from marts.episode_measures."""
    from orchestration.reporting.report import build_report  # matplotlib: only when a page is made

    rows = mart_rows(warehouse)
    headline = family(rows, settings)
    columns = "stratum, performance_year, outcome, rendering_npi, baseline_score"
    order = "order by stratum, rendering_npi, baseline_score, followup_score, outcome"
    episodes = [
        {**row, "measure_id": headline.headline_id}
        for row in warehouse.rows(
            f"select {columns}, one_year_score as followup_score from marts.episodes {order}"
        )
    ]
    if headline.others:
        episodes += warehouse.rows(
            f"select measure_id, {columns}, followup_score from marts.episode_measures"
            f" where measure_id <> $headline {order}, measure_id",
            {"headline": headline.headline_id},
        )
    return build_report(
        warehouse.rows("select * from marts.measure_summary where level in ('payer', 'all_payers')"),
        rows.definition,
        episodes,
        warehouse.rows("select * from marts.quarantine_summary order by table_name, reason, column_name"),
        warehouse.rows(
            "select * from marts.measure_summary_history where performance_year = $year"
            " order by as_of_date, level, level_id, stratum",
            {"year": settings.performance_year},
        ),
        performance_year=settings.performance_year,
        as_of_date=settings.as_of_date,
        met_max_score=rules.one_year_met_max_score,
        improvement_min=rules.improvement_met_min,
        payer_names=read_payer_names(SEEDS_DIR),
    )
