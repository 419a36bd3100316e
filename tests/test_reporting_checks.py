"""The blocking checks of the reporting files catch what they are for, and the column dictionary
of episodes.csv follows the seeds."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from orchestration.reporting import absolute_path_failures, reporting_failures, schema_failures
from orchestration.reporting.schemas import column_dictionary
from tests.helpers.reporting import AS_OF, SEEDS, build, definition_rows, summary_rows

GROUP = "qpp/group/123456789.json"


def failures(files: dict[str, bytes]) -> list[str]:
    return reporting_failures(
        files, summary_rows(2025), definition_rows(2025), performance_year=2025, as_of_date=AS_OF
    )


def with_stratum(files: dict[str, bytes], path: str, **changes: object) -> dict[str, bytes]:
    body = json.loads(files[path])
    body["measurementSets"][0]["measurements"][0]["value"]["strata"][0].update(changes)
    return {**files, path: json.dumps(body).encode()}


def test_a_count_that_differs_from_the_mart_is_caught() -> None:
    found = failures(with_stratum(build(), GROUP, performanceMet=6))
    assert any("performanceMet 6 != summary mart performance_met 5" in f for f in found), found


def test_met_plus_not_met_above_eligible_is_caught() -> None:
    found = failures(with_stratum(build(), GROUP, performanceNotMet=9))
    assert any("performanceMet + performanceNotMet > eligiblePopulation" in f for f in found), found


def test_a_non_zero_exclusion_is_caught_by_schema_and_semantics() -> None:
    found = failures(with_stratum(build(), GROUP, eligiblePopulationExclusion=1))
    assert any("qpp-submission.schema.json" in f for f in found), found
    assert any("eligiblePopulationExclusion is 1, must be 0" in f for f in found), found


def test_a_missing_or_extra_body_and_a_missing_stratum_are_caught() -> None:
    files = build()
    extra = {**files, "qpp/group/111111111.json": files[GROUP]}
    del extra[GROUP]
    found = failures(extra)
    assert any(f.startswith(f"{GROUP}: no body") for f in found), found
    assert any(f.startswith("qpp/group/111111111.json: body without") for f in found), found
    body = json.loads(files[GROUP])
    body["measurementSets"][0]["measurements"][0]["value"]["strata"].pop()
    assert any("strata" in f for f in failures({**files, GROUP: json.dumps(body).encode()}))


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("aetna/summary.json", lambda d: d.pop("g2139")),
        ("aetna/summary.json", lambda d: d["strata"].pop("lumbarDiscectomy")),
        ("all_payers/summary.json", lambda d: d["overall"].update(performance_rate=1.5)),
        ("qpp/individual/123456789_1234567890.json", lambda d: d.pop("nationalProviderIdentifier")),
        (GROUP, lambda d: d.update(nationalProviderIdentifier="1234567890")),
        (GROUP, lambda d: d.update(taxpayerIdentificationNumber="12-3456789")),
        ("fhir/MeasureReport-payer-aetna.json", lambda d: d.update(status="final")),
        ("fhir/MeasureReport-payer-aetna.json", lambda d: d["group"][0].update(population="many")),
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
    files = {
        "manifest.json": json.dumps(manifest).encode(),
        "data_quality.json": json.dumps(data_quality).encode(),
    }
    assert schema_failures(files) == []
    manifest["inputs"][0]["path"] = "/home/someone/landing/claims/medical_claim_01.csv"
    found = schema_failures({"manifest.json": json.dumps(manifest).encode()})
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
    assert json.loads(schemas["schema/qpp-submission.schema.json"])["$schema"].endswith("2020-12/schema")
    assert date.fromisoformat(json.loads(files["all_payers/summary.json"])["as_of_date"]) == AS_OF


def test_a_summary_mart_of_another_year_stops_the_build() -> None:
    with pytest.raises(ValueError, match="no all_payers row for 2026"):
        build(2026, rows=summary_rows(2025))
