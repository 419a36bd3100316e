"""FHIR Observations with LOINC 97909-6 (Oswestry disability index score) are ODI 2.1a scores
for measure #471: no body site needed, any unit, 0-100, the pain observations' status,
subject, date and value rules."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from orchestration.ingest.fhir import load_fhir
from tests.helpers.fhir import LOINC, load_one, obs, write_lines


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def odi(value: Any = 40, **changes: Any) -> dict[str, Any]:
    element = {"code": {"coding": [{"system": LOINC, "code": "97909-6"}]}, "bodySite": None,
               "valueQuantity": {"value": value, "unit": "%"}}  # fmt: skip
    return obs(**{**element, **changes})


def test_an_odi_score_needs_no_body_site_and_keeps_its_exact_value(tmp_path, con):
    row, reason = load_one(tmp_path, con, odi(22.5))
    assert reason is None
    assert row == ("P1", "2025-01-15", "ODI", 100, 22.5, None, None)


def test_the_range_is_0_to_100(tmp_path, con):
    write_lines(tmp_path, "a.ndjson", [odi(0, id="A"), odi(100, id="B"), odi(100.5, id="C"), odi(-1, id="D")])
    [load] = load_fhir(con, tmp_path, "run-1")
    assert (load.rows_loaded, load.rows_quarantined) == (2, 2)
    reasons = {r[0] for r in con.execute("select reason from raw.quarantine").fetchall()}
    assert reasons == {"score_out_of_range"}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "preliminary"}, "status_not_final"),
        ({"subject": None}, "missing_subject"),
        ({"effectiveDateTime": None}, "missing_date"),
        ({"valueQuantity": {"value": "forty"}}, "unparseable_number"),
        ({"valueQuantity": None}, "missing_required_value"),
    ],
    ids=["status", "subject", "date", "value", "no_value"],
)
def test_the_pain_rules_of_status_subject_date_and_value_hold(tmp_path, con, changes, reason):
    assert load_one(tmp_path, con, odi(**changes)) == (None, reason)
