"""The reporting files built from a synthetic summary mart of the three measures of the family:
every file loads with its JSON Schema or FHIR model, the numbers are the mart's, #461 and #471
sit beside #459 at every level, and the same input gives the same bytes."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from orchestration.reporting import (
    FhirSettings,
    absolute_path_failures,
    build_reporting_files,
    read_payer_names,
    reporting_failures,
)
from orchestration.resources import DEFAULT_FHIR_BASE, DEFAULT_REPORTING_ORGANIZATION
from tests.helpers.reporting import (
    AS_OF,
    DISCECTOMY,
    EPISODES,
    FHIR,
    FUSION,
    MEASURES,
    PAYERS,
    SEEDS,
    TITLES,
    build,
    definition_rows,
    load,
    measure_rows,
    summary_rows,
)


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
    tins = ("123456789", "987654321", "555555555")
    individuals = ("123456789_1234567890", "123456789_1234567891", "987654321_1987654320",
                   "987654321_1987654321", "555555555_1555555555")  # fmt: skip
    levels = [("all_payers", "all"), *(("payer", p) for p in PAYERS), *(("tin", t) for t in tins),
              *(("tin_npi", i) for i in individuals)]  # fmt: skip
    expected = {
        # #459 at its original paths; #461 and #471 beside it at every level.
        "all_payers/summary.json", *(f"{payer}/summary.json" for payer in PAYERS),
        *(f"all_payers/{m}/summary.json" for m in ("461", "471")),
        *(f"{payer}/{m}/summary.json" for payer in PAYERS for m in ("461", "471")),
        *(f"qpp/group/{tin}.json" for tin in tins), *(f"qpp/individual/{i}.json" for i in individuals),
        *(f"fhir/Measure-{m}.json" for m in MEASURES),
        *(f"fhir/MeasureReport-{level}-{level_id}.json" for level, level_id in levels),
        *(f"fhir/MeasureReport-{m}-{level}-{level_id}.json" for m in ("461", "471")
          for level, level_id in levels),
        "schema/episodes.columns.json", "schema/measure-episodes.columns.json",
    }  # fmt: skip
    assert expected <= set(files)
    schemas = {path for path in files if path.startswith("schema/") and path.endswith(".schema.json")}
    assert set(files) - expected == schemas
    assert {"schema/summary.schema.json", "schema/qpp-measurement-set.schema.json",
            "schema/manifest.schema.json", "schema/data-quality.schema.json",
            "schema/all-payers-summary.schema.json",
            "schema/measure-summary.schema.json"} <= schemas  # fmt: skip


def test_without_other_measures_only_the_headline_files_exist() -> None:
    """Marts of #459 alone (no measure_id on the summary rows) publish exactly #459's files."""
    year = 2025
    rows = [{k: v for k, v in row.items() if k != "measure_id"} for row in measure_rows(year, "459")]
    files = build_reporting_files(rows, definition_rows(year, ("459",)), performance_year=year,
                                  as_of_date=AS_OF, payer_names=read_payer_names(SEEDS), seeds_dir=SEEDS,
                                  fhir=FHIR)  # fmt: skip
    assert not [path for path in files if "461" in path or "471" in path]
    assert [m["measureId"] for m in load(files, "qpp/group/123456789.json")["measurements"]] == ["459"]
    assert load(files, "aetna/summary.json") == load(build(), "aetna/summary.json")


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


def test_qpp_measurement_sets() -> None:
    files = build(2024)
    group = load(files, "qpp/group/987654321.json")
    assert group["submission"] == {"entityType": "group", "taxpayerIdentificationNumber": "987654321",
                                   "performanceYear": 2024}  # fmt: skip
    assert (group["category"], group["submissionMethod"], group["programName"]) == (
        "quality",
        "registry",
        "M1425",
    )
    assert (group["performanceStart"], group["performanceEnd"]) == ("2024-01-01", "2024-12-31")
    assert "ready" not in json.dumps(group)
    measurements = {m["measureId"]: m["value"] for m in group["measurements"]}
    assert list(measurements) == list(MEASURES)
    assert all(value["isEndToEndReported"] is False for value in measurements.values())
    strata = {s["stratum"]: s for s in measurements["459"]["strata"]}
    assert strata["discectomyLaminectmy"] == {
        "stratum": "discectomyLaminectmy", "eligiblePopulation": 1, "performanceMet": 0,
        "performanceNotMet": 1, "eligiblePopulationExclusion": 0, "eligiblePopulationException": 0,
    }  # fmt: skip
    assert strata[FUSION]["performanceMet"] == 4
    # #461 swaps met and not met in this fixture: the TIN's discectomy is met there.
    assert {s["stratum"]: s["performanceMet"] for s in measurements["461"]["strata"]} == {
        "discectomyLaminectmy": 1, FUSION: 0,
    }  # fmt: skip
    individual = load(files, "qpp/individual/123456789_1234567891.json")
    assert individual["submission"] == {
        "entityType": "individual", "taxpayerIdentificationNumber": "123456789",
        "nationalProviderIdentifier": "1234567891", "performanceYear": 2024,
    }  # fmt: skip
    # A stratum without episodes at that level is still sent, with zeros: every stratum is reported.
    fusion = individual["measurements"][0]["value"]["strata"][1]
    assert (fusion["stratum"], fusion["eligiblePopulation"]) == (FUSION, 0)


def test_measure_summaries_of_the_other_measures() -> None:
    files = build()
    summary = load(files, "all_payers/471/summary.json")
    assert summary["measure"] == {
        "id": "471", "title": "Functional Status After Lumbar Surgery", "version": "2025",
        "instrument": "ODI 2.1a", "met_when": {"followup_at_most": 22, "improvement_at_least": 30},
        "strata": [DISCECTOMY, FUSION],
    }  # fmt: skip
    # #471 turns not measured into met in this fixture: fusion met 3 + 4 + 1 (unmapped), not met 1 + 1.
    fusion = summary["strata"][FUSION]
    assert (fusion["performance_met"], fusion["eligible_population"]) == (8, 10)
    assert fusion["codes"] == {}  # no code in any source for #471
    assert summary["overall"]["performance_rate"] == round(
        sum(s["performance_met"] for s in summary["strata"].values())
        / sum(s["eligible_population"] for s in summary["strata"].values()), 6)  # fmt: skip
    aetna = load(files, "aetna/461/summary.json")
    assert (aetna["level"], aetna["payer"], aetna["payer_name"]) == ("payer", "aetna", "Aetna")
    assert aetna["strata"][FUSION]["performance_met"] == 1 and "g2139" not in aetna
    assert aetna["ready"] is True and summary["ready"] is False


def test_measure_reports() -> None:
    files = build()
    report = load(files, "fhir/MeasureReport-all_payers-all.json")
    assert (report["status"], report["type"]) == ("complete", "summary")  # complete although one is pending
    assert report["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert report["measure"] == f"{DEFAULT_FHIR_BASE}/Measure/459|2025"
    assert "subject" not in report and report["reporter"]["display"] == DEFAULT_REPORTING_ORGANIZATION
    groups = {g["id"]: g for g in report["group"]}
    fusion = {p["code"]["coding"][0]["code"]: p["count"] for p in groups[FUSION]["population"]}
    assert fusion == {"initial-population": 11, "denominator": 11, "denominator-exclusion": 1, "numerator": 7}
    assert groups[FUSION]["measureScore"]["value"] == 0.7
    strata = groups[FUSION]["stratifier"][0]["stratum"]
    assert [s["value"]["coding"][0]["code"] for s in strata] == [*PAYERS, "unmapped"]
    unmapped = {p["code"]["coding"][0]["code"]: p["count"] for p in strata[-1]["population"]}
    assert unmapped == {"initial-population": 1, "denominator": 1, "denominator-exclusion": 0, "numerator": 0}
    assert strata[-1]["measureScore"]["value"] == 0.0
    for group in report["group"]:  # the payer strata add up to their group, population by population
        totals = Counter({p["code"]["coding"][0]["code"]: p["count"] for p in group["population"]})
        sums: Counter = Counter()
        for stratum in group["stratifier"][0]["stratum"]:
            sums.update({p["code"]["coding"][0]["code"]: p["count"] for p in stratum["population"]})
        assert sums == totals, group["id"]
    payer = load(files, "fhir/MeasureReport-471-payer-aetna.json")
    (only,) = payer["group"][0]["stratifier"][0]["stratum"]
    assert only["value"]["coding"][0]["code"] == "aetna" and payer["measure"].endswith("/Measure/471|2025")
    tin = load(files, "fhir/MeasureReport-tin-123456789.json")["reporter"]["extension"][0]["valueReference"]
    assert tin["identifier"] == {"system": "urn:oid:2.16.840.1.113883.4.4", "value": "123456789"}
    npi = load(files, "fhir/MeasureReport-461-tin_npi-123456789_1234567890.json")["reporter"]["extension"][0]
    assert npi["valueReference"]["identifier"]["value"] == "1234567890"
    for measure in MEASURES:
        resource = load(files, f"fhir/Measure-{measure}.json")
        assert (
            resource["url"] == f"{DEFAULT_FHIR_BASE}/Measure/{measure}"
            and resource["title"] == TITLES[measure]
        )
        assert resource["type"][0]["coding"][0] == {
            "system": "http://terminology.hl7.org/CodeSystem/measure-type",
            "code": "patient-reported-outcome", "display": "Patient Reported Outcome",
        }  # fmt: skip
        assert resource["scoring"]["coding"][0]["code"] == "proportion"
        assert [g["id"] for g in resource["group"]] == [DISCECTOMY, FUSION]
        assert all(p["id"].startswith(g["id"]) for g in resource["group"] for p in g["population"])


def test_fhir_settings_name_the_canonical_and_the_reporter() -> None:
    fhir = FhirSettings(base="https://registry.example.com/fhir/", reporter="Spine Registry of Somewhere")
    year = 2025
    files = build_reporting_files(summary_rows(year), definition_rows(year), performance_year=year,
                                  as_of_date=AS_OF, payer_names=read_payer_names(SEEDS), seeds_dir=SEEDS,
                                  fhir=fhir)  # fmt: skip
    report = load(files, "fhir/MeasureReport-461-payer-bcbs.json")
    assert report["measure"] == "https://registry.example.com/fhir/Measure/461|2025"
    assert report["reporter"]["display"] == "Spine Registry of Somewhere"
    assert report["reporter"]["identifier"]["value"] == "spine-registry-of-somewhere"
    assert load(files, "fhir/Measure-461.json")["publisher"] == "Spine Registry of Somewhere"


def test_same_input_gives_the_same_bytes_without_machine_paths(tmp_path: Path) -> None:
    rows = summary_rows(2025)
    first = build(rows=rows)
    random.Random(7).shuffle(rows)
    assert build(rows=rows) == first
    assert list(first) == sorted(first)
    assert absolute_path_failures(first, [SEEDS, SEEDS.parent.parent, Path.home()]) == []
