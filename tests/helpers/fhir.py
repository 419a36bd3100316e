"""FHIR resources and NDJSON landing files written by hand for the FHIR loader's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestration.ingest.fhir import load_fhir

LOINC, SNOMED, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"


def obs(**changes: Any) -> dict[str, Any]:
    """A usable NRS back-pain Observation; a change of None removes the element."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "O1",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "72514-3"}]},
        "subject": {"reference": "Patient/P1"},
        "effectiveDateTime": "2025-01-15T10:30:00-05:00",
        "valueQuantity": {"value": 7, "unit": "{score}", "system": UCUM, "code": "{score}"},
        "bodySite": {"coding": [{"system": SNOMED, "code": "37822005"}]},
    }
    for key, value in changes.items():
        if value is None:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


def vas(value: Any, unit: str, **changes: Any) -> dict[str, Any]:
    quantity = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    return obs(code={"coding": [{"system": LOINC, "code": "38214-3"}]}, valueQuantity=quantity, **changes)


def write_lines(landing: Path, name: str, lines: list[dict | str]) -> Path:
    path = landing / "fhir" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def load_one(tmp_path: Path, con, resource: dict | str) -> tuple[tuple | None, str | None]:
    """(person, date, instrument, scale, score, site code, site text) as loaded, and the reason if not."""
    write_lines(tmp_path, "one.ndjson", [resource])
    [load] = load_fhir(con, tmp_path, "run-1")
    assert load.rows_read == 1 and load.balanced
    rows = con.execute(
        """select person_id, assessment_date::varchar, instrument, scale_max, score::double,
                  body_site_code, body_site_text from raw.fhir_observation"""
    ).fetchall()
    reasons = con.execute("select reason from raw.quarantine").fetchall()
    return (rows[0] if rows else None), (reasons[0][0] if reasons else None)
