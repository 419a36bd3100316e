"""FHIR NDJSON landing files: the contract's mapping at each boundary, and every line accounted for."""

from __future__ import annotations

import json

import duckdb
import pytest

from orchestration.ingest.fhir import load_fhir
from tests.helpers.fhir import LOINC, SNOMED, load_one, obs, vas, write_lines


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize(
    ("code", "instrument"), [("72514-3", "NRS"), ("38208-5", "NRS")], ids=["72514-3", "38208-5"]
)
def test_each_nrs_code_is_nrs_on_scale_10(tmp_path, con, code, instrument):
    row, reason = load_one(tmp_path, con, obs(code={"coding": [{"system": LOINC, "code": code}]}))
    assert reason is None and row[2:5] == (instrument, 10, 7.0)


@pytest.mark.parametrize(("unit", "scale"), [("mm", 100), ("cm", 10)])
def test_vas_38214_3_scale_follows_the_unit(tmp_path, con, unit, scale):
    row, reason = load_one(tmp_path, con, vas(8.1 if unit == "cm" else 81, unit))
    assert reason is None and row[2:5] == ("VAS", scale, 8.1 if unit == "cm" else 81.0)


def test_vas_unit_from_the_ucum_code_when_no_unit_text(tmp_path, con):
    resource = vas(81, "mm")
    del resource["valueQuantity"]["unit"]
    row, reason = load_one(tmp_path, con, resource)
    assert reason is None and row[3] == 100


@pytest.mark.parametrize(
    "resource",
    [vas(50, "%"), vas(50, ""), obs(valueQuantity={"value": 7, "unit": "mm"})],
    ids=["vas_percent", "vas_no_unit", "nrs_in_mm"],
)
def test_unit_that_does_not_give_the_scale_is_a_mismatch(tmp_path, con, resource):
    assert load_one(tmp_path, con, resource) == (None, "unit_scale_mismatch")


@pytest.mark.parametrize("status", ["final", "amended", "corrected"])
def test_final_amended_corrected_count(tmp_path, con, status):
    assert load_one(tmp_path, con, obs(status=status))[1] is None


@pytest.mark.parametrize(
    "status", ["preliminary", "registered", "cancelled", "entered-in-error", "unknown", None]
)
def test_any_other_status_is_quarantined(tmp_path, con, status):
    assert load_one(tmp_path, con, obs(status=status)) == (None, "status_not_final")


@pytest.mark.parametrize(
    ("body_site", "code", "text"),
    [
        ({"coding": [{"system": SNOMED, "code": "77568009"}]}, "77568009", None),
        ({"coding": [{"system": SNOMED, "code": "61685007"}]}, "61685007", None),
        ({"coding": [{"code": "30021000"}]}, "30021000", None),
        ({"text": "Lower Back"}, None, "Lower Back"),
        ({"text": " leg "}, None, "leg"),
        ({"coding": [{"system": SNOMED, "code": "45048000"}], "text": "back"}, None, "back"),
    ],
    ids=[
        "code_back",
        "code_leg",
        "code_without_system",
        "text_lower_back",
        "text_leg",
        "unknown_code_known_text",
    ],
)
def test_body_site_by_seed_code_or_by_text(tmp_path, con, body_site, code, text):
    row, reason = load_one(tmp_path, con, obs(bodySite=body_site))
    assert reason is None and row[5:] == (code, text)


@pytest.mark.parametrize(
    "body_site",
    [{"coding": [{"system": SNOMED, "code": "45048000"}], "text": "neck"},
     {"coding": [{"system": "http://example.org", "code": "37822005"}]}, None],
    ids=["neck", "code_of_another_system", "absent"],
)  # fmt: skip
def test_unknown_body_site_is_quarantined(tmp_path, con, body_site):
    assert load_one(tmp_path, con, obs(bodySite=body_site)) == (None, "unknown_body_site")


def test_a_seed_extension_is_honoured(tmp_path, con):
    write_lines(tmp_path, "one.ndjson", [obs(bodySite={"coding": [{"code": "123"}]})])
    sites = {"snomed": {"123": "back"}, "text": {}}
    [load] = load_fhir(con, tmp_path, "run-1", body_sites=sites)
    assert load.rows_loaded == 1


def test_effective_period_start_and_date_part_as_written(tmp_path, con):
    period = obs(effectiveDateTime=None, effectivePeriod={"start": "2025-02-01T23:30:00+14:00"})
    assert load_one(tmp_path, con, period)[0][1] == "2025-02-01"


def test_effective_date_time_keeps_its_written_date(tmp_path, con):
    assert load_one(tmp_path, con, obs())[0][:2] == ("P1", "2025-01-15")


def test_value_integer(tmp_path, con):
    row, reason = load_one(tmp_path, con, obs(valueQuantity=None, valueInteger=4))
    assert reason is None and row[4] == 4.0


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (obs(subject=None), "missing_subject"),
        (obs(subject={"reference": "Group/G1"}), "missing_subject"),
        (obs(effectiveDateTime=None), "missing_date"),
        (obs(effectiveDateTime="2024-02-30"), "unparseable_date"),
        (obs(effectiveDateTime="2024-03"), "unparseable_date"),
        (obs(valueQuantity=None), "missing_required_value"),
        (obs(valueQuantity={"value": "seven"}), "unparseable_number"),
        (obs(valueQuantity={"value": 11}), "score_out_of_range"),
        (obs(valueQuantity={"value": -1}), "score_out_of_range"),
        (vas(101, "mm"), "score_out_of_range"),
        (obs(code={"coding": [{"system": LOINC, "code": "8867-4"}]}), "other_code"),
        (obs(code={"coding": [{"system": "http://example.org", "code": "72514-3"}]}), "other_code"),
        ({"resourceType": "Condition", "id": "C1"}, "other_resource_type"),
        ([1, 2], "other_resource_type"),
        ("{not json", "not_json"),
        ('{"resourceType": "Observation",}x', "not_json"),
    ],
    ids=[
        "no_subject", "subject_not_a_patient", "no_date", "impossible_date", "partial_date", "no_value",
        "value_as_text", "nrs_11", "negative", "vas_101_mm", "heart_rate", "code_of_another_system",
        "condition", "json_array", "broken_json", "text_after_json",
    ],
)  # fmt: skip
def test_unusable_line_has_its_reason(tmp_path, con, resource, reason):
    line = resource if isinstance(resource, str) else json.dumps(resource)
    assert load_one(tmp_path, con, line) == (None, reason)


def test_boundaries_of_the_range_are_usable(tmp_path, con):
    lowest, highest = obs(valueQuantity={"value": 0}), obs(valueInteger=10, valueQuantity=None)
    write_lines(tmp_path, "a.ndjson", [lowest, highest, vas(100, "mm"), vas(0, "cm"), vas(10, "cm")])
    [load] = load_fhir(con, tmp_path, "run-1")
    assert load.rows_loaded == 5 and load.rows_quarantined == 0


def test_patients_give_birth_dates(tmp_path, con):
    write_lines(tmp_path, "p.ndjson", [
        {"resourceType": "Patient", "id": "P1", "birthDate": "1960-05-05"},
        {"resourceType": "Patient", "id": "P2"},
        {"resourceType": "Patient", "id": "P3", "birthDate": "1960"},
        {"resourceType": "Patient", "birthDate": "1960-05-05"},
    ])  # fmt: skip
    [load] = load_fhir(con, tmp_path, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (4, 1, 3)
    assert con.execute("select person_id, birth_date::varchar from raw.fhir_patient").fetchall() == [
        ("P1", "1960-05-05")
    ]
    reasons = con.execute("select reason, column_name from raw.quarantine order by row_number").fetchall()
    assert reasons == [("missing_required_value", "birthDate"), ("unparseable_date", "birthDate"),
                       ("missing_required_value", "id")]  # fmt: skip
