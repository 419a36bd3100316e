"""The reporting files built from a synthetic summary mart: every file loads with its JSON Schema
or FHIR model, the numbers are the mart's, and the same input gives the same bytes."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from orchestration.reporting import (
    absolute_path_failures,
    build_reporting_files,
    read_payer_names,
    reporting_failures,
)

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
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


def _rate(numerator: int, denominator: int) -> Decimal | None:
    return (
        None
        if denominator == 0
        else (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.000001"))
    )


def _row(level: str, level_id: str, stratum: str, outcomes: Counter, **ids: str | None) -> dict:
    episodes, pending = sum(outcomes.values()), outcomes["pending"]
    eligible = episodes - pending - outcomes["excluded"]
    return {
        "level": level, "level_id": level_id, "stratum": stratum, "performance_year": 0,
        "payer": ids.get("payer"), "tin": ids.get("tin"), "npi": ids.get("npi"), "as_of_date": AS_OF,
        "episodes": episodes, "excluded": outcomes["excluded"], "pending": pending,
        "eligible_population": eligible, "performance_met": outcomes["met"],
        "performance_not_met": outcomes["not_met"] + outcomes["not_measured"],
        "not_met": outcomes["not_met"], "not_measured": outcomes["not_measured"],
        "performance_rate": _rate(outcomes["met"], eligible),
        "reporting_rate": _rate(sum(outcomes[o] for o in REPORTED), episodes - pending),
        "ready": pending == 0,
    }  # fmt: skip


def summary_rows(year: int) -> list[dict]:
    """What marts.measure_summary holds for EPISODES (payer level: every payer x stratum)."""
    scopes: dict[tuple, dict[str, Counter]] = {}

    def add(key: tuple, stratum: str, outcome: str, n: int) -> None:
        by_stratum = scopes.setdefault(key, {})
        for s in (stratum, "overall"):
            by_stratum.setdefault(s, Counter())[outcome] += n

    for payer in PAYERS:
        for stratum in (FUSION, DISCECTOMY):
            add(("payer", payer, (("payer", payer),)), stratum, "met", 0)
    for payer, tin, npi, stratum, outcome, n in EPISODES:
        add(("all_payers", "all", ()), stratum, outcome, n)
        if payer in PAYERS:
            add(("payer", payer, (("payer", payer),)), stratum, outcome, n)
        if tin:
            add(("tin", tin, (("tin", tin),)), stratum, outcome, n)
        if tin and npi:
            add(("tin_npi", f"{tin}_{npi}", (("tin", tin), ("npi", npi))), stratum, outcome, n)
    rows = [
        {**_row(level, level_id, stratum, outcomes, **dict(ids)), "performance_year": year}
        for (level, level_id, ids), by_stratum in scopes.items()
        for stratum, outcomes in by_stratum.items()
    ]
    return rows


def definition_rows(year: int) -> list[dict]:
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
    )


def load(files: dict[str, bytes], path: str) -> dict:
    return json.loads(files[path])


@pytest.mark.parametrize("year", [2024, 2025])
def test_every_file_validates_with_its_schema_and_fhir_model(year: int) -> None:
    files = build(year)
    assert (
        reporting_failures(
            files, summary_rows(year), definition_rows(year), performance_year=year, as_of_date=AS_OF
        )
        == []
    )
    for path, content in files.items():
        assert content.endswith(b"\n") and json.loads(content) is not None, path
        if path.startswith("fhir/"):
            model = {"Measure": Measure, "MeasureReport": MeasureReport}[json.loads(content)["resourceType"]]
            resource = model.model_validate_json(content)
            assert resource.model_dump(mode="json", exclude_none=True) == json.loads(content), path


def test_the_file_list() -> None:
    files = build()
    expected = {
        "all_payers/summary.json",
        *(f"{payer}/summary.json" for payer in PAYERS),
        "qpp/group/123456789.json", "qpp/group/987654321.json", "qpp/group/555555555.json",
        "qpp/individual/123456789_1234567890.json", "qpp/individual/123456789_1234567891.json",
        "qpp/individual/987654321_1987654320.json", "qpp/individual/987654321_1987654321.json",
        "qpp/individual/555555555_1555555555.json",
        "fhir/Measure-459.json", "fhir/MeasureReport-all_payers-all.json",
        *(f"fhir/MeasureReport-payer-{payer}.json" for payer in PAYERS),
        "fhir/MeasureReport-tin-123456789.json", "fhir/MeasureReport-tin-987654321.json",
        "fhir/MeasureReport-tin-555555555.json",
        "schema/episodes.columns.json",
    }  # fmt: skip
    assert expected <= set(files)
    schemas = {path for path in files if path.startswith("schema/") and path.endswith(".schema.json")}
    assert set(files) - expected == schemas
    assert {"schema/summary.schema.json", "schema/qpp-submission.schema.json",
            "schema/manifest.schema.json", "schema/data-quality.schema.json",
            "schema/all-payers-summary.schema.json"} <= schemas  # fmt: skip


def test_overall_rate_is_sum_of_met_over_sum_of_eligible() -> None:
    summary = load(build(), "all_payers/summary.json")
    strata = summary["strata"].values()
    met = sum(s["performance_met"] for s in strata)
    eligible = sum(s["eligible_population"] for s in strata)
    assert met == sum(n for *_, o, n in EPISODES if o == "met")
    assert summary["overall"]["performance_rate"] == round(met / eligible, 6)
    assert summary["overall"]["algorithm"] == "weightedAverage"
    assert summary["ready"] is False  # a discectomy is pending
    assert summary["strata"][FUSION]["ready"] is True


def test_payer_summary_keeps_its_keys_with_the_fusion_meaning() -> None:
    files = build()
    aetna = load(files, "aetna/summary.json")
    fusion = aetna["strata"][FUSION]
    old_keys = ("episodes", "excluded", "pending", "eligible_population", "performance_met",
                "performance_not_met", "not_measured", "performance_rate")  # fmt: skip
    assert {key: aetna[key] for key in old_keys} == {key: fusion[key] for key in old_keys}
    assert (aetna["episodes"], aetna["g2139"], aetna["performance_rate"]) == (4, 1, 0.75)
    assert aetna["measure"] == {
        "id": "459", "stratum": FUSION, "title": "Back Pain After Lumbar Surgery", "version": "2025",
        "codes": {"G2138": "met", "G2139": "not_met", "G9946": "not_measured", "G9945": "excluded"},
    }  # fmt: skip
    assert aetna["payer_name"] == "Aetna"
    assert aetna["denominator_period"] == {"start": "2023-10-01", "end": "2024-09-30"}
    assert aetna["performance_period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert aetna["overall"]["performance_met"] == 8
    cigna = load(files, "cigna/summary.json")
    assert (cigna["episodes"], cigna["performance_rate"], cigna["overall"]["performance_rate"]) == (
        0,
        None,
        None,
    )


def test_qpp_bodies() -> None:
    files = build(2024)
    group = load(files, "qpp/group/987654321.json")
    assert group["entityType"] == "group" and "nationalProviderIdentifier" not in group
    assert group["performanceYear"] == 2024
    (measurement_set,) = group["measurementSets"]
    assert (measurement_set["performanceStart"], measurement_set["performanceEnd"]) == (
        "2024-01-01",
        "2024-12-31",
    )
    (measurement,) = measurement_set["measurements"]
    assert measurement["measureId"] == "459" and measurement["value"]["isEndToEndReported"] is False
    strata = {s["stratum"]: s for s in measurement["value"]["strata"]}
    assert strata["discectomyLaminectmy"] == {
        "stratum": "discectomyLaminectmy", "eligiblePopulation": 1, "performanceMet": 0,
        "performanceNotMet": 1, "eligiblePopulationExclusion": 0, "eligiblePopulationException": 0,
    }  # fmt: skip
    assert strata[FUSION]["performanceMet"] == 4
    individual = load(files, "qpp/individual/123456789_1234567891.json")
    assert (individual["entityType"], individual["nationalProviderIdentifier"]) == (
        "individual",
        "1234567891",
    )
    # A stratum without episodes at that level is still sent, with zeros: #459 needs both.
    fusion = individual["measurementSets"][0]["measurements"][0]["value"]["strata"][1]
    assert (fusion["stratum"], fusion["eligiblePopulation"]) == (FUSION, 0)


def test_measure_reports() -> None:
    files = build()
    report = load(files, "fhir/MeasureReport-all_payers-all.json")
    assert (report["status"], report["type"]) == ("pending", "summary")
    assert report["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert report["measure"] == "urn:g2139:fhir:Measure:459|2025"
    groups = {g["code"]["coding"][0]["code"]: g for g in report["group"]}
    fusion = {p["code"]["coding"][0]["code"]: p["count"] for p in groups[FUSION]["population"]}
    assert fusion == {"initial-population": 11, "denominator": 11, "denominator-exclusion": 1, "numerator": 7}
    assert groups[FUSION]["measureScore"]["value"] == 0.7
    payers = [s["value"]["text"] for s in groups[FUSION]["stratifier"][0]["stratum"]]
    assert payers == list(PAYERS)
    assert load(files, "fhir/MeasureReport-tin-123456789.json")["status"] == "complete"
    tin = load(files, "fhir/MeasureReport-tin-123456789.json")["reporter"]["identifier"]["value"]
    assert tin == "123456789"
    measure = load(files, "fhir/Measure-459.json")
    assert measure["url"] + "|" + measure["version"] == report["measure"]


def test_same_input_gives_the_same_bytes_without_machine_paths(tmp_path: Path) -> None:
    rows = summary_rows(2025)
    first = build(rows=rows)
    random.Random(7).shuffle(rows)
    assert build(rows=rows) == first
    assert list(first) == sorted(first)
    assert absolute_path_failures(first, [SEEDS, SEEDS.parent.parent, Path.home()]) == []
