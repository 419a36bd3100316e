"""A synthetic summary mart of the three measures of the family, the reporting files built
from it, and a reader of report.html's tables: shared by the reporting tests."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

from orchestration.reporting import (
    FhirSettings,
    build_reporting_files,
    read_payer_names,
)
from orchestration.resources import DEFAULT_FHIR_BASE, DEFAULT_REPORTING_ORGANIZATION

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
PAYERS = ("aetna", "bcbs", "cigna", "medicare", "uhc")
FUSION, DISCECTOMY = "lumbarFusion", "lumbarDiscectomy"
AS_OF = date(2026, 2, 15)
# Synthetic episodes: (payer, tin, npi, stratum, outcome, count). cigna has none (empty payer);
# "unmapped" counts at all-payer and TIN levels only; one TIN has a pending discectomy.
EPISODES = [
    ("aetna", "123456789", "1234567890", FUSION, "met", 3),
    ("aetna", "123456789", "1234567890", FUSION, "not_met", 1),
    ("aetna", "123456789", "1234567891", DISCECTOMY, "met", 5),
    ("aetna", "123456789", "1234567891", DISCECTOMY, "not_measured", 2),
    ("bcbs", "123456789", "1234567890", FUSION, "excluded", 1),
    ("bcbs", "987654321", "1987654320", DISCECTOMY, "pending", 2),
    ("bcbs", "987654321", "1987654320", DISCECTOMY, "not_met", 1),
    ("medicare", "987654321", "1987654321", FUSION, "met", 4),
    ("medicare", None, None, FUSION, "not_met", 1),
    ("uhc", "555555555", None, DISCECTOMY, "met", 1),
    ("unmapped", "555555555", "1555555555", FUSION, "not_measured", 1),
]
REPORTED = ("met", "not_met", "not_measured", "excluded")
# The same episodes in #461 and #471, with outcomes of their own instruments.
MEASURES = ("459", "461", "471")
OUTCOME_IN = {
    "459": {},
    "461": {"met": "not_met", "not_met": "met"},
    "471": {"not_measured": "met"},
}
FHIR = FhirSettings(base=DEFAULT_FHIR_BASE, reporter=DEFAULT_REPORTING_ORGANIZATION)
TITLES = {
    "459": "Back Pain After Lumbar Surgery",
    "461": "Leg Pain After Lumbar Surgery",
    "471": "Functional Status After Lumbar Surgery",
}


def rate(numerator: int, denominator: int) -> Decimal | None:
    return (
        None
        if denominator == 0
        else (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.000001"))
    )


def summary_row(level: str, level_id: str, stratum: str, outcomes: Counter, **ids: str | None) -> dict:
    episodes, pending = sum(outcomes.values()), outcomes["pending"]
    eligible = episodes - pending - outcomes["excluded"]
    return {
        "level": level, "level_id": level_id, "stratum": stratum, "performance_year": 0,
        "payer": ids.get("payer"), "tin": ids.get("tin"), "npi": ids.get("npi"), "as_of_date": AS_OF,
        "episodes": episodes, "excluded": outcomes["excluded"], "pending": pending,
        "eligible_population": eligible, "performance_met": outcomes["met"],
        "performance_not_met": outcomes["not_met"] + outcomes["not_measured"],
        "not_met": outcomes["not_met"], "not_measured": outcomes["not_measured"],
        "performance_rate": rate(outcomes["met"], eligible),
        "reporting_rate": rate(sum(outcomes[o] for o in REPORTED), episodes - pending),
        "ready": pending == 0,
    }  # fmt: skip


def summary_rows(year: int) -> list[dict]:
    """What marts.measure_summary holds for EPISODES, per measure of the family."""
    return [row for measure in MEASURES for row in measure_rows(year, measure)]


def measure_rows(year: int, measure: str) -> list[dict]:
    """One measure's rows (payer level: every payer x stratum)."""
    scopes: dict[tuple, dict[str, Counter]] = {}

    def add(key: tuple, stratum: str, outcome: str, n: int) -> None:
        by_stratum = scopes.setdefault(key, {})
        for s in (stratum, "overall"):
            by_stratum.setdefault(s, Counter())[outcome] += n

    for payer in PAYERS:
        for stratum in (FUSION, DISCECTOMY):
            add(("payer", payer, (("payer", payer),)), stratum, "met", 0)
    for payer, tin, npi, stratum, outcome, n in EPISODES:
        outcome = OUTCOME_IN[measure].get(outcome, outcome)
        add(("all_payers", "all", ()), stratum, outcome, n)
        if payer in PAYERS:
            add(("payer", payer, (("payer", payer),)), stratum, outcome, n)
        if tin:
            add(("tin", tin, (("tin", tin),)), stratum, outcome, n)
        if tin and npi:
            add(("tin_npi", f"{tin}_{npi}", (("tin", tin), ("npi", npi))), stratum, outcome, n)
    rows = [
        {
            **summary_row(level, level_id, stratum, outcomes, **dict(ids)),
            "performance_year": year,
            "measure_id": measure,
        }
        for (level, level_id, ids), by_stratum in scopes.items()
        for stratum, outcomes in by_stratum.items()
    ]
    return rows


CODE_COLUMNS = ("code_met", "code_not_met", "code_not_measured", "code_excluded")


def definition_rows(year: int, measures: tuple[str, ...] = MEASURES) -> list[dict]:
    rows = headline_definition_rows(year)
    rules = {
        "459": ("back pain NRS/VAS", 3.0, 5.0),
        "461": ("leg pain NRS/VAS", 3.0, 5.0),
        "471": ("ODI 2.1a", 22, 30),
    }
    family = []
    for measure in measures:
        instrument, met_max, improvement_min = rules[measure]
        for row in rows:
            codes = {} if measure == "459" else dict.fromkeys(CODE_COLUMNS)
            title = row["measure_title"].replace(TITLES["459"], TITLES[measure])
            family.append({**row, **codes, "measure_id": measure, "measure_title": title,
                           "instrument": instrument, "followup_met_max": met_max,
                           "improvement_met_min": improvement_min})  # fmt: skip
    return family


def headline_definition_rows(year: int) -> list[dict]:
    def row(stratum: str, title: str, qpp: str, codes: tuple, start: date, end: date) -> dict:
        return {
            "stratum": stratum, "measure_id": "459", "spec_version": str(year), "qpp_stratum": qpp,
            "measure_title": f"Back Pain After Lumbar Surgery ({title} stratum)",
            "performance_year": year, "performance_period_start": date(year, 1, 1),
            "performance_period_end": date(year, 12, 31), "denominator_period_start": start,
            "denominator_period_end": end, "code_met": codes[0], "code_not_met": codes[1],
            "code_not_measured": codes[2], "code_excluded": "G9945", "as_of_date": AS_OF,
        }  # fmt: skip

    discectomy_name = "discectomyLaminectmy" if year == 2024 else DISCECTOMY
    return [
        row(FUSION, "lumbar fusion", FUSION, ("G2138", "G2139", "G9946"),
            date(year - 2, 10, 1), date(year - 1, 9, 30)),
        row(DISCECTOMY, "lumbar discectomy/laminectomy", discectomy_name, ("G2136", "G2137", "G9943"),
            date(year - 1, 8, 1), date(year, 7, 31)),
    ]  # fmt: skip


def build(year: int = 2025, rows: list[dict] | None = None) -> dict[str, bytes]:
    return build_reporting_files(
        summary_rows(year) if rows is None else rows,
        definition_rows(year),
        performance_year=year,
        as_of_date=AS_OF,
        payer_names=read_payer_names(SEEDS),
        seeds_dir=SEEDS,
        fhir=FHIR,
    )


def load(files: dict[str, bytes], path: str) -> dict:
    return json.loads(files[path])


class Tables(HTMLParser):
    """table id -> row data-id -> cells (a numeric cell's data-value, else its text)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self.table = self.row = None
        self.cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(a["id"].removeprefix("table-"), {})
        elif tag == "tr" and "data-id" in a:
            self.row = self.table.setdefault(a["data-id"], [])
        elif tag in ("td", "th") and self.row is not None:
            self.cell = [a["data-value"]] if "data-value" in a else []

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(self.cell[0] if self.cell else "")
            self.cell = None
        elif tag == "tr":
            self.row = None
