"""The reporting files built from a synthetic summary mart: every file loads with its JSON Schema
or FHIR model, the numbers are the mart's, and the same input gives the same bytes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from orchestration.reporting import (
    absolute_path_failures,
    reporting_failures,
)
from tests.helpers.reporting import (
    AS_OF,
    EPISODES,
    FUSION,
    PAYERS,
    SEEDS,
    build,
    definition_rows,
    summary_rows,
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
