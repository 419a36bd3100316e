"""The blocking checks of the reporting files catch what they are for, and the column dictionary
of episodes.csv and the schemas' enumerations follow the seeds."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from orchestration.reporting import absolute_path_failures, reporting_failures, schema_failures
from orchestration.reporting.schemas import column_dictionary, generated_schemas, template_schemas
from tests.helpers.reporting import AS_OF, SEEDS, build, definition_rows, summary_rows

GROUP = "qpp/group/123456789.json"


def failures(files: dict[str, bytes]) -> list[str]:
    return reporting_failures(
        files, summary_rows(2025), definition_rows(2025), performance_year=2025, as_of_date=AS_OF
    )


def with_stratum(files: dict[str, bytes], path: str, measure: int = 0, **changes: object) -> dict[str, bytes]:
    body = json.loads(files[path])
    body["measurements"][measure]["value"]["strata"][0].update(changes)
    return {**files, path: json.dumps(body).encode()}


def changed(files: dict[str, bytes], path: str, change) -> dict[str, bytes]:
    content = json.loads(files[path])
    change(content)
    return {**files, path: json.dumps(content).encode()}


def test_a_count_that_differs_from_the_mart_is_caught() -> None:
    found = failures(with_stratum(build(), GROUP, performanceMet=6))
    assert any("measure 459 lumbarDiscectomy: performanceMet 6 != summary mart performance_met 5" in f
               for f in found), found  # fmt: skip
    found = failures(with_stratum(build(), GROUP, measure=2, performanceMet=3))
    assert any("measure 471 lumbarDiscectomy: performanceMet 3 != summary mart performance_met 7" in f
               for f in found), found  # fmt: skip


def test_met_plus_not_met_above_eligible_is_caught() -> None:
    found = failures(with_stratum(build(), GROUP, performanceNotMet=9))
    assert any("performanceMet + performanceNotMet > eligiblePopulation" in f for f in found), found


def test_a_non_zero_exclusion_is_caught_by_schema_and_semantics() -> None:
    found = failures(with_stratum(build(), GROUP, eligiblePopulationExclusion=1))
    assert any("qpp-measurement-set.schema.json" in f for f in found), found
    assert any("eligiblePopulationExclusion is 1, must be 0" in f for f in found), found


def test_a_missing_or_extra_body_and_a_missing_stratum_are_caught() -> None:
    files = build()
    extra = {**files, "qpp/group/111111111.json": files[GROUP]}
    del extra[GROUP]
    found = failures(extra)
    assert any(f.startswith(f"{GROUP}: no body") for f in found), found
    assert any(f.startswith("qpp/group/111111111.json: body without") for f in found), found
    body = json.loads(files[GROUP])
    body["measurements"][0]["value"]["strata"].pop()
    assert any("strata" in f for f in failures({**files, GROUP: json.dumps(body).encode()}))
    found = failures(changed(files, GROUP, lambda d: d["measurements"].pop()))
    assert any("measures ['459', '461'] are not exactly ['459', '461', '471']" in f for f in found), found


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("aetna/summary.json", lambda d: d.pop("g2139")),
        ("aetna/summary.json", lambda d: d["strata"].pop("lumbarDiscectomy")),
        ("all_payers/summary.json", lambda d: d["overall"].update(performance_rate=1.5)),
        ("all_payers/461/summary.json", lambda d: d["strata"].pop("lumbarFusion")),
        ("uhc/471/summary.json", lambda d: d.pop("payer")),
        (
            "qpp/individual/123456789_1234567890.json",
            lambda d: d["submission"].pop("nationalProviderIdentifier"),
        ),
        (GROUP, lambda d: d["submission"].update(nationalProviderIdentifier="1234567890")),
        (GROUP, lambda d: d["submission"].update(taxpayerIdentificationNumber="12-3456789")),
        (GROUP, lambda d: d.update(ready=True)),  # readiness is the manifest's, not the body's
        (GROUP, lambda d: d["measurements"][1].update(measureId="460")),
        (GROUP, lambda d: d.pop("submission")),
        ("fhir/MeasureReport-payer-aetna.json", lambda d: d.update(status="final")),
        ("fhir/MeasureReport-payer-aetna.json", lambda d: d["group"][0].update(population="many")),
        ("fhir/MeasureReport-461-payer-aetna.json", lambda d: d.update(subject={"display": "aetna"})),
        ("fhir/MeasureReport-471-tin-123456789.json", lambda d: d.pop("reporter")),
        ("fhir/MeasureReport-all_payers-all.json", lambda d: d["group"][1]["stratifier"][0]["stratum"].pop()),
        ("fhir/MeasureReport-tin_npi-123456789_1234567890.json", lambda d: d.pop("meta")),
    ],
)
def test_a_file_that_breaks_its_format_is_caught(path: str, change) -> None:
    files = build()
    content = json.loads(files[path])
    change(content)
    assert any(f.startswith(path) for f in failures({**files, path: json.dumps(content).encode()}))


def test_manifest_and_data_quality_are_checked_and_absolute_paths_refused() -> None:
    sha = "0" * 64
    manifest = {
        "run_id": "r1", "as_of_date": "2026-02-15", "performance_year": 2025, "engine": "duckdb",
        "code_version": "g2139 0.1.0",
        "inputs": [{"path": "claims/medical_claim_01.csv", "table": "medical_claim", "sha256": sha,
                    "rows_read": 3, "rows_loaded": 3, "rows_quarantined": 0}],
        "checks": [{"name": "inputs balance", "passed": True, "detail": "1 of 1 files balance"}],
        "outputs": [{"path": "aetna/episodes.csv", "sha256": sha, "rows": 4},
                    {"path": "aetna/summary.json", "sha256": sha, "rows": None}],
    }  # fmt: skip
    data_quality = {
        "performance_year": 2025, "as_of_date": "2026-02-15",
        "quarantine": {"rows": 2, "by_table_and_reason": {"medical_claim": {"bad_date:service_date": 2}}},
        "unmapped_payers": [{"payer_text": "Acme Health", "episodes": 1, "persons": 1}],
        "persons_without_usable_birth_date": {"missing_birth_date": {"persons": 1, "episodes": 1}},
        "episodes_left_out": [{"reason": "missing_tin", "detail": None, "episodes": 1, "persons": 1}],
    }  # fmt: skip
    schemas = {path: content for path, content in build().items() if path.startswith("schema/")}
    files = {
        "manifest.json": json.dumps(manifest).encode(),
        "data_quality.json": json.dumps(data_quality).encode(),
        **schemas,
    }
    assert schema_failures(files) == []
    manifest["measures"] = {
        "461": {"title": "Leg Pain", "ready": True, "ready_by_stratum": {"lumbarFusion": True}}
    }
    assert schema_failures({**files, "manifest.json": json.dumps(manifest).encode()}) == []
    manifest["measures"]["999"] = manifest["measures"]["461"]
    assert schema_failures({**files, "manifest.json": json.dumps(manifest).encode()}) != []
    del manifest["measures"]
    assert schema_failures({"manifest.json": json.dumps(manifest).encode()}) == [
        "manifest.json: the publication ships no schema/manifest.schema.json"
    ]
    manifest["inputs"][0]["path"] = "/home/someone/landing/claims/medical_claim_01.csv"
    found = schema_failures({**schemas, "manifest.json": json.dumps(manifest).encode()})
    assert found and found[0].startswith("manifest.json inputs/0/path"), found
    leaky = {"manifest.json": json.dumps(manifest).encode()}
    assert absolute_path_failures(leaky, ["/home/someone/landing"]) != []


def _write_seed(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_column_dictionary_reads_allowed_values_from_the_seeds(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path, dirs_exist_ok=True)
    (tmp_path / "measure_stratum.csv").unlink(missing_ok=True)
    _write_seed(tmp_path, "quality_code", [
        {"quality_code": code, "outcome": outcome, "stratum": stratum}
        for code, outcome, stratum in [("G2138", "met", "lumbarFusion"), ("G2136", "met", "lumbarDiscectomy"),
                                       ("G9945", "excluded", "lumbarFusion")]
    ])  # fmt: skip
    columns = {c["name"]: c for c in column_dictionary(tmp_path)["columns"]}
    # Without seed measure_stratum the strata come from quality_code.
    assert columns["stratum"]["allowed_values"] == ["lumbarDiscectomy", "lumbarFusion"]
    assert columns["quality_code"]["allowed_values"] == ["G2136", "G2138", "G9945"]
    assert columns["outcome"]["allowed_values"] == ["excluded", "met", "pending"]
    assert columns["payer"]["allowed_values"] == ["aetna", "bcbs", "cigna", "medicare", "uhc"]
    assert "22612" in columns["procedure_code"]["allowed_values"]
    assert "22614" not in columns["procedure_code"]["allowed_values"]  # add-on, never an index code
    assert columns["g2139"]["allowed_values"] == ["false", "true"]
    _write_seed(
        tmp_path, "measure_stratum", [{"stratum": "lumbarFusion", "procedure_value_set": "lumbar_fusion"}]
    )
    columns = {c["name"]: c for c in column_dictionary(tmp_path)["columns"]}
    assert columns["stratum"]["allowed_values"] == ["lumbarFusion"]
    names = [c["name"] for c in column_dictionary(tmp_path)["columns"]]
    assert names[17:19] == ["is_final", "stratum"] and names[-1] == "as_of_date"


def test_published_schemas_are_valid_draft_2020_12() -> None:
    files = build()
    schemas = {p: c for p, c in files.items() if p.startswith("schema/")}
    assert schema_failures(schemas) == []
    assert json.loads(schemas["schema/qpp-measurement-set.schema.json"])["$schema"].endswith("2020-12/schema")
    assert date.fromisoformat(json.loads(files["all_payers/summary.json"])["as_of_date"]) == AS_OF


def test_schema_enumerations_are_generated_from_the_seeds(tmp_path: Path) -> None:
    common = generated_schemas(SEEDS)["common.schema.json"]["$defs"]
    assert common["payer"]["enum"] == ["aetna", "bcbs", "cigna", "medicare", "uhc"]
    assert common["stratumName"]["enum"] == ["lumbarDiscectomy", "lumbarFusion"]
    assert common["strata"]["required"] == ["lumbarDiscectomy", "lumbarFusion"]
    assert common["qppStratumName"]["enum"] == ["discectomyLaminectmy", "lumbarDiscectomy", "lumbarFusion"]
    assert {"459", "461", "471"} <= set(common["measureId"]["enum"])
    # A new payer, stratum or measure is a seed row, and the schemas follow.
    shutil.copytree(SEEDS, tmp_path, dirs_exist_ok=True)
    with (tmp_path / "payer_alias.csv").open("a") as handle:
        handle.write("humana,humana,Humana,test,1\n")
    with (tmp_path / "qpp_mvp.csv").open("a") as handle:
        handle.write("M1425,Surgical Care,220,test\n")
    common = generated_schemas(tmp_path)["common.schema.json"]["$defs"]
    assert "humana" in common["payer"]["enum"] and "220" in common["measureId"]["enum"]
    template = template_schemas()["common.schema.json"]
    assert "enum" not in template["$defs"]["payer"]  # no list of payers is written in the templates


def test_a_summary_mart_of_another_year_stops_the_build() -> None:
    with pytest.raises(ValueError, match="no all_payers row of measure 459 for 2026"):
        build(2026, rows=summary_rows(2025))
