"""The demo publication as downstream systems read it: every JSON file against the schema the
publication itself ships, every FHIR resource through the FHIR library and the DEQM profile, QPP
measurement sets against the summary mart, every measure of the marts at every level, both
strata everywhere, and the overall rate of #459."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from orchestration.reporting.facts import headline_measure_id, with_measure_id
from tests.helpers import deqm

pytestmark = pytest.mark.pipeline

STRATA = {"lumbarFusion", "lumbarDiscectomy"}


@pytest.fixture(scope="module")
def files(published) -> dict[str, bytes]:
    root = published.folder
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _rows(published, sql: str) -> list[dict]:
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def definition(published) -> list[dict]:
    return _rows(published, "select * from marts.measure_definition")


@pytest.fixture(scope="module")
def summary(published, definition) -> list[dict]:
    """The summary mart, every row with its measure id (rows of marts before the family: #459)."""
    return with_measure_id(
        _rows(published, "select * from marts.measure_summary"), headline_measure_id(definition)
    )


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
        return "qpp-measurement-set.schema.json"
    if path.endswith("/summary.json"):
        return "summary.schema.json" if path.count("/") == 1 else "measure-summary.schema.json"
    if path in ("schema/episodes.columns.json", "schema/measure-episodes.columns.json"):
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
    assert checked == len(json_files) + 2  # + the column dictionaries


def test_every_fhir_file_parses_and_conforms_to_the_deqm_summary_profile(files, summary):
    measure_ids = sorted({r["measure_id"] for r in summary})
    reports = [p for p in files if p.startswith("fhir/MeasureReport-")]
    canonicals = {}
    for measure_id in measure_ids:
        measure = Measure.model_validate_json(files[f"fhir/Measure-{measure_id}.json"])
        canonicals[f"{measure.url}|{measure.version}"] = measure
    # One report per measure and level id (payer, all payers, TIN, TIN + NPI).
    scopes = {(r["measure_id"], r["level"], r["level_id"]) for r in summary}
    assert len(reports) == len(scopes)
    for path in reports:
        report = MeasureReport.model_validate_json(files[path])
        assert (report.type, report.status) == ("summary", "complete")
        assert {g.code.coding[0].code for g in report.group} == STRATA, path
        assert deqm.findings(json.loads(files[path]), canonicals) == [], path


def test_every_measure_has_its_files_at_every_level(files, summary, definition):
    headline = headline_measure_id(definition)
    others = sorted({r["measure_id"] for r in summary} - {headline})
    payers = sorted({r["level_id"] for r in summary if r["level"] == "payer"})
    for measure in others:
        assert f"all_payers/{measure}/summary.json" in files
        for payer in payers:
            assert {f"{payer}/{measure}/episodes.csv", f"{payer}/{measure}/summary.json"} <= set(files)
    for payer in payers:
        assert {f"{payer}/episodes.csv", f"{payer}/summary.json"} <= set(files)
    folders = {p.split("/")[1] for p in files if p.count("/") == 2 and p.split("/")[0] in payers}
    assert folders == set(others)


def test_every_level_has_both_strata_and_a_qpp_body_per_tin_and_npi(files, summary, published, definition):
    qpp_names = {(str(r["measure_id"]), r["stratum"]): r["qpp_stratum"] for r in definition}
    levels = {(r["level"], r["level_id"]) for r in summary}
    for measure_id in {r["measure_id"] for r in summary}:
        for level, level_id in levels:
            strata = {
                r["stratum"]
                for r in summary
                if (r["measure_id"], r["level"], r["level_id"]) == (measure_id, level, level_id)
            }
            assert strata == STRATA | {"overall"}, (measure_id, level, level_id)
    tins = {i for level, i in levels if level == "tin"}
    pairs = {i for level, i in levels if level == "tin_npi"}
    assert tins and pairs
    assert {p for p in files if p.startswith("qpp/group/")} == {f"qpp/group/{t}.json" for t in tins}
    assert {p for p in files if p.startswith("qpp/individual/")} == {
        f"qpp/individual/{p}.json" for p in pairs
    }
    for tin in tins:
        body = json.loads(files[f"qpp/group/{tin}.json"])
        assert body["submission"] == {"entityType": "group", "taxpayerIdentificationNumber": tin,
                                      "performanceYear": published.settings.performance_year}  # fmt: skip
        measurements = {m["measureId"]: m for m in body["measurements"]}
        assert set(measurements) == {r["measure_id"] for r in summary}
        for measure_id, measurement in measurements.items():
            rows = {
                r["stratum"]: r
                for r in summary
                if (r["measure_id"], r["level"], r["level_id"]) == (measure_id, "tin", tin)
            }
            reported = {s["stratum"]: s for s in measurement["value"]["strata"]}
            assert len(reported) == 2, tin
            for stratum in STRATA:
                row, body_stratum = rows[stratum], reported[qpp_names[(measure_id, stratum)]]
                assert body_stratum["eligiblePopulation"] == row["eligible_population"]
                assert body_stratum["performanceMet"] == row["performance_met"]
                assert body_stratum["performanceNotMet"] == row["performance_not_met"]
                assert body_stratum["eligiblePopulationExclusion"] == 0


def test_overall_rate_is_met_over_eligible_across_both_strata(files, summary, definition):
    headline = headline_measure_id(definition)
    rows = [
        r
        for r in summary
        if r["level"] == "all_payers" and r["stratum"] in STRATA and r["measure_id"] == headline
    ]
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
