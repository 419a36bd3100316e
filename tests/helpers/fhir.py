"""FHIR resources and NDJSON landing files written by hand for the FHIR loader's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
