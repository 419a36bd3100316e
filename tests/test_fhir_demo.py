"""The demo's FHIR export: every resource it writes is one a FHIR server would accept (bad
lines excepted, each deliberately so), and the pipeline accounts for every line."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pydantic
import pytest
from fhir.resources.R4B import get_fhir_model_class

from demo.fhir import BAD_LINES, INVALID_PREFIX, NOT_JSON_LINES, PATIENT_WITHOUT_BIRTH_DATE
from demo.writer import write_demo_landing
from orchestration.ingest.fhir import load_fhir

PEOPLE = 400


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo_fhir") / "landing"
    write_demo_landing(root, people=PEOPLE)
    return root


def _resources(landing: Path) -> tuple[list[dict], int]:
    resources, not_json = [], 0
    for path in sorted((landing / "fhir").glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                resources.append(json.loads(line))
            except json.JSONDecodeError:
                not_json += 1
    return resources, not_json


def test_every_resource_validates_as_fhir_r4_except_the_deliberately_invalid(landing):
    resources, not_json = _resources(landing)
    assert not_json == NOT_JSON_LINES  # one Observation file at this size
    invalid = [r for r in resources if str(r.get("id", "")).startswith(INVALID_PREFIX)]
    assert len(invalid) == sum(kind.startswith(INVALID_PREFIX) for kind in BAD_LINES)
    for resource in resources:
        model = get_fhir_model_class(resource["resourceType"])
        if resource in invalid:
            with pytest.raises(pydantic.ValidationError):
                model.model_validate(resource)
        else:
            model.model_validate(resource)  # raises on anything a server would reject
    kinds = {r["resourceType"] for r in resources}
    assert kinds == {"Observation", "Patient", "Condition"}


def test_the_export_varies_every_way_of_writing_a_score(landing):
    resources, _ = _resources(landing)
    good = [r for r in resources if r["resourceType"] == "Observation" and r["id"].startswith("ehr-")]
    codes = {r["code"]["coding"][0]["code"] for r in good}
    units = {r["valueQuantity"]["unit"] for r in good if "valueQuantity" in r}
    assert codes == {"72514-3", "38208-5", "38214-3"} and {"mm", "cm", "{score}"} <= units
    assert {r["status"] for r in good} == {"final", "amended", "corrected"}
    assert any("valueInteger" in r for r in good) and any("effectivePeriod" in r for r in good)
    assert any("text" in r["bodySite"] for r in good) and any("coding" in r["bodySite"] for r in good)


def test_every_line_is_accounted_for_and_every_bad_kind_is_quarantined(landing):
    with duckdb.connect() as con:
        loads = load_fhir(con, landing, "run-1")
        reasons = dict(con.execute("select reason, count(*) from raw.quarantine group by 1").fetchall())
    lines = sum(len(p.read_bytes().splitlines()) for p in (landing / "fhir").glob("*.ndjson"))
    assert sum(f.rows_read for f in loads) == lines and all(f.balanced for f in loads)
    assert (
        sum(f.rows_quarantined for f in loads) == len(BAD_LINES) + NOT_JSON_LINES + PATIENT_WITHOUT_BIRTH_DATE
    )
    assert reasons == {
        "not_json": 1, "other_resource_type": 1, "other_code": 1, "status_not_final": 2,
        "unknown_body_site": 1, "unit_scale_mismatch": 1, "score_out_of_range": 1, "missing_subject": 1,
        "missing_date": 1,
        "unparseable_date": 2, "unparseable_number": 1, "missing_required_value": 1,
    }  # fmt: skip
