"""Part of the demo's pain scores as a Bulk-FHIR NDJSON export, with bad lines of every kind.

An EHR export sits beside the registry's `pain_score` files: it repeats a share of
their scores as R4 Observations (with the EHR's own resource ids) and the birth
dates of some patients as Patient resources. The pipeline must count each score
once, so the feeds are those of the CSV files alone. The ways of writing a score
vary on purpose: both NRS codes, VAS in mm and cm, body site as a SNOMED CT code
or as text, effectiveDateTime or effectivePeriod, valueQuantity or valueInteger,
status final, amended or corrected.

Bad lines (appended, `BAD_LINES`): each is a valid FHIR resource that the measure
cannot use, except those whose id starts with `INVALID_PREFIX` (and the line that
is not JSON at all), which a FHIR server would reject too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

LOINC, SNOMED, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"
NRS_CODES = ("72514-3", "38208-5")
VAS_CODE = "38214-3"
SITE_CODES = {"back": ("37822005", "77568009"), "leg": ("30021000", "61685007")}
SITE_TEXTS = {"back": ("back", "Lower back"), "leg": ("leg", "Leg")}
STATUSES = ("final", "final", "amended", "corrected")
EXPORT_SHARE = 4  # one good score in EXPORT_SHARE goes to the export as well
INVALID_PREFIX = "invalid-"


def observation(row: dict[str, Any], variant: int, resource_id: str) -> dict[str, Any] | None:
    """A pain_score row (text values) as an R4 Observation; None when the row has no FHIR form."""
    site, instrument = str(row.get("body_site") or ""), str(row.get("instrument") or "")
    scale, person = str(row.get("scale_max") or ""), str(row.get("person_id") or "")
    try:
        score = Decimal(str(row.get("score")))
        day = date.fromisoformat(str(row.get("assessment_date")))
    except (InvalidOperation, ValueError):
        return None
    usable = (instrument, scale) in (("NRS", "10"), ("VAS", "10"), ("VAS", "100"))
    if not usable or site not in SITE_CODES or not person or not 0 <= score <= int(scale):
        return None
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id,
        "status": STATUSES[variant % len(STATUSES)],
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": _code(instrument, variant)}]},
        "subject": {"reference": f"Patient/{person}"},
    }  # fmt: skip
    if variant % 3 == 0:
        resource["effectivePeriod"] = {"start": day.isoformat()}
    else:
        resource["effectiveDateTime"] = f"{day.isoformat()}T{9 + variant % 8:02d}:30:00Z"
    if instrument == "NRS" and score == score.to_integral_value() and variant % 2:
        resource["valueInteger"] = int(score)
    else:
        unit = "{score}" if instrument == "NRS" else ("mm" if scale == "100" else "cm")
        resource["valueQuantity"] = {"value": _number(score), "unit": unit, "system": UCUM, "code": unit}
    if variant % 5 == 0:
        resource["bodySite"] = {"text": SITE_TEXTS[site][variant % 2]}
    else:
        code = SITE_CODES[site][variant % 2]
        resource["bodySite"] = {"coding": [{"system": SNOMED, "code": code}]}
    return resource


def _code(instrument: str, variant: int) -> str:
    return VAS_CODE if instrument == "VAS" else NRS_CODES[variant % 2]


def _number(score: Decimal) -> int | float:
    # Floats print their shortest form (8.1 -> 8.1): JSON numbers exactly as in the CSV.
    return int(score) if score == score.to_integral_value() else float(score)


def patient(person_id: str, birth_date: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": person_id, "birthDate": birth_date}


def _spoiled(kind: str, good: dict[str, Any]) -> dict[str, Any]:
    """A copy of a good Observation made bad in the way ``kind`` names."""
    resource = json.loads(json.dumps(good))
    resource["id"] = f"{kind}-{good['id']}"
    BAD_LINES[kind](resource)
    return resource


def _value(resource: dict[str, Any], value: Any, unit: str = "{score}", code: str | None = None) -> None:
    resource.pop("valueInteger", None)
    resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    if code:
        resource["code"] = {"coding": [{"system": LOINC, "code": code}]}


def _effective(resource: dict[str, Any], value: str | None) -> None:
    resource.pop("effectivePeriod", None)
    resource.pop("effectiveDateTime", None)
    if value:
        resource["effectiveDateTime"] = value


def _other_type(resource: dict[str, Any]) -> None:
    subject = resource["subject"]
    resource.clear()
    resource.update(resourceType="Condition", subject=subject, code={"text": "Low back pain"})


def _neck(resource: dict[str, Any]) -> None:
    resource["bodySite"] = {"coding": [{"system": SNOMED, "code": "45048000"}], "text": "neck"}


# Bad kind -> how a good Observation is spoiled; the loader's reason follows from the name.
BAD_LINES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "other-resource-type": _other_type,
    "other-code": lambda r: _value(r, 72, "/min", code="8867-4"),
    "status-preliminary": lambda r: r.update(status="preliminary"),
    "status-entered-in-error": lambda r: r.update(status="entered-in-error"),
    "unknown-body-site": _neck,
    "unit-scale-mismatch": lambda r: _value(r, 50, "%", code=VAS_CODE),
    "score-out-of-range": lambda r: _value(r, 11, code=NRS_CODES[0]),
    "missing-subject": lambda r: r.pop("subject"),
    "missing-date": lambda r: _effective(r, None),
    "partial-date": lambda r: _effective(r, "2025-03"),
    INVALID_PREFIX + "impossible-date": lambda r: _effective(r, "2024-02-30"),
    INVALID_PREFIX + "value-as-text": lambda r: _value(r, "seven", code=NRS_CODES[0]),
}
NOT_JSON_LINES = 1  # per file: a line cut short, as a broken export writes it
PATIENT_WITHOUT_BIRTH_DATE = 1  # per file: a Patient the measure cannot use


def write_export(
    folder: Path, tag: str, observations: list[dict[str, Any]], patients: Iterable[tuple[str, str]]
) -> int:
    """Writes Observation_<tag>.ndjson and Patient_<tag>.ndjson; returns the lines written."""
    lines = [json.dumps(o, separators=(",", ":")) for o in observations]
    for index, kind in enumerate(BAD_LINES if observations else ()):
        lines.append(
            json.dumps(_spoiled(kind, observations[index % len(observations)]), separators=(",", ":"))
        )
    if lines:
        lines += [lines[0][: len(lines[0]) // 2]] * NOT_JSON_LINES
    people = [_line(patient(p, b)) for p, b in patients]
    if people:
        no_birth_date = {"resourceType": "Patient", "id": f"no-birth-date-{tag}"}
        people += [_line(no_birth_date)] * PATIENT_WITHOUT_BIRTH_DATE
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in ((f"Observation_{tag}.ndjson", lines), (f"Patient_{tag}.ndjson", people)):
        (folder / name).write_text("".join(line + "\n" for line in content), encoding="utf-8")
    return len(lines) + len(people)


def _line(resource: dict[str, Any]) -> str:
    return json.dumps(resource, separators=(",", ":"), ensure_ascii=False)


def export_chunk(folder: Path, tag: str, pain: Any, eligibility: Any) -> int:
    """The export of one demo chunk (pyarrow tables of text as written); returns its lines.

    Every EXPORT_SHARE-th pain-score row that has a FHIR form becomes an Observation;
    every other one of their persons with exactly one birth date in eligibility gets a
    Patient with that date (so the birth-date rule sees no conflict the CSV had not).
    """
    rows = pain.slice(0).to_pylist()[::EXPORT_SHARE]
    observations = [
        o for i, r in enumerate(rows) if (o := observation(r, i, f"ehr-{r['assessment_id']}")) is not None
    ]
    births: dict[str, set[str]] = {}
    for person, birth in zip(
        eligibility.column("person_id").to_pylist(), eligibility.column("birth_date").to_pylist(), strict=True
    ):
        births.setdefault(person, set()).add(birth)
    persons = sorted({o["subject"]["reference"].removeprefix("Patient/") for o in observations})[::2]
    patients = [
        (p, next(iter(births[p]))) for p in persons if len(births.get(p, ())) == 1 and _is_date(births[p])
    ]
    return write_export(folder, tag, observations, patients)


def _is_date(values: set[str]) -> bool:
    try:
        return all(date.fromisoformat(v) for v in values)
    except (TypeError, ValueError):
        return False
