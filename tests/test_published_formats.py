"""The demo publication as downstream systems read it: every JSON file against the schema the
publication itself ships, every FHIR resource through the FHIR library, QPP bodies against the
summary mart, both strata at every level, and the overall rate of #459."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

pytestmark = pytest.mark.pipeline

STRATA = {"lumbarFusion", "lumbarDiscectomy"}


@pytest.fixture(scope="module")
def files(published) -> dict[str, bytes]:
    root = published.folder
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def summary(published) -> list[dict]:
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        cursor = con.execute("select * from marts.measure_summary")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _validator(files: dict[str, bytes], schema_file: str) -> Draft202012Validator:
    """A validator for one of the publication's own schemas, with its siblings resolvable."""
    resources = []
    for path, content in files.items():
        if path.startswith("schema/") and path.endswith(".schema.json"):
            schema = json.loads(content)
            resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    return Draft202012Validator(json.loads(files[f"schema/{schema_file}"]), registry=registry)


SCHEMA_OF = {
    "manifest.json": "manifest.schema.json",
    "data_quality.json": "data-quality.schema.json",
    "all_payers/summary.json": "all-payers-summary.schema.json",
}


def _schema_for(path: str) -> str | None:
    if path in SCHEMA_OF:
        return SCHEMA_OF[path]
    if path.startswith("qpp/"):
        return "qpp-submission.schema.json"
    if path.endswith("/summary.json"):
        return "summary.schema.json"
    if path == "schema/episodes.columns.json":
        return "episodes-columns.schema.json"
    return None


def test_every_published_json_file_matches_its_shipped_schema(files):
    checked = 0
    for path, content in files.items():
        name = _schema_for(path)
        if name is None:
            continue
        errors = [e.message for e in _validator(files, name).iter_errors(json.loads(content))]
        assert not errors, f"{path}: {errors[:3]}"
        checked += 1
    json_files = [p for p in files if p.endswith(".json") and not p.startswith(("fhir/", "schema/"))]
    assert checked == len(json_files) + 1  # + the column dictionary


def test_every_fhir_file_parses_with_the_fhir_library(files):
    reports = [p for p in files if p.startswith("fhir/MeasureReport-")]
    assert "fhir/Measure-459.json" in files and reports
    Measure.model_validate_json(files["fhir/Measure-459.json"])
    for path in reports:
        report = MeasureReport.model_validate_json(files[path])
        assert report.type == "summary"
        assert {g.code.coding[0].code for g in report.group} == STRATA, path


def test_every_level_has_both_strata_and_a_qpp_body_per_tin_and_npi(files, summary, published):
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        qpp_names = dict(con.execute("select stratum, qpp_stratum from marts.measure_definition").fetchall())
    levels = {(r["level"], r["level_id"]) for r in summary}
    for level, level_id in levels:
        strata = {r["stratum"] for r in summary if (r["level"], r["level_id"]) == (level, level_id)}
        assert strata == STRATA | {"overall"}, (level, level_id)
    tins = {i for level, i in levels if level == "tin"}
    pairs = {i for level, i in levels if level == "tin_npi"}
    assert tins and pairs
    assert {p for p in files if p.startswith("qpp/group/")} == {f"qpp/group/{t}.json" for t in tins}
    assert {p for p in files if p.startswith("qpp/individual/")} == {
        f"qpp/individual/{p}.json" for p in pairs
    }
    for tin in tins:
        body = json.loads(files[f"qpp/group/{tin}.json"])
        [measurement] = body["measurementSets"][0]["measurements"]
        rows = {r["stratum"]: r for r in summary if r["level"] == "tin" and r["level_id"] == tin}
        reported = {s["stratum"]: s for s in measurement["value"]["strata"]}
        assert len(reported) == 2, tin
        for stratum in STRATA:
            row, body_stratum = rows[stratum], reported[qpp_names[stratum]]
            assert body_stratum["eligiblePopulation"] == row["eligible_population"]
            assert body_stratum["performanceMet"] == row["performance_met"]
            assert body_stratum["performanceNotMet"] == row["performance_not_met"]
            assert body_stratum["eligiblePopulationExclusion"] == 0


def test_overall_rate_is_met_over_eligible_across_both_strata(files, summary):
    rows = [r for r in summary if r["level"] == "all_payers" and r["stratum"] in STRATA]
    met = sum(r["performance_met"] for r in rows)
    eligible = sum(r["eligible_population"] for r in rows)
    assert {r["stratum"] for r in rows} == STRATA and eligible > 0
    published = json.loads(files["all_payers/summary.json"])["overall"]
    assert Decimal(str(published["performance_rate"])) == round(Decimal(met) / Decimal(eligible), 6)
    assert (published["performance_met"], published["eligible_population"]) == (met, eligible)


def test_no_published_file_names_a_folder_of_this_machine(files, published):
    settings = published.settings
    for needle in {str(settings.landing_dir), str(settings.output_dir), str(settings.warehouse.parent)}:
        assert not [p for p, content in files.items() if needle.encode() in content], needle
