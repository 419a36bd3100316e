"""FHIR R4 summary MeasureReports (per payer, all payers with payer as stratifier, per TIN) and
the Measure they point to.

Built and parsed with fhir.resources' R4B models: the Measure and MeasureReport elements used
here are identical in R4 (4.0.1) and R4B (4.3.0), and the R4 release of the library needs
pydantic 1, which cannot live beside Dagster.

Populations follow FHIR's proportion arithmetic, score = numerator / (denominator -
denominator-exclusion): the denominator is every episode that is not pending (eligible +
excluded), so the score equals the measure's met / eligible population; pending episodes are
the initial population minus the denominator.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from orchestration.reporting.facts import Facts, Files, dump_json

# No public FHIR canonical exists for the MIPS CQM #459; the resources name themselves under
# the publisher's own URN so that no web address is implied.
CANONICAL_BASE = "urn:g2139:fhir"
STRATUM_SYSTEM = f"{CANONICAL_BASE}:CodeSystem:stratum"
POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
QPP_MEASURE_SYSTEM = "https://qpp.cms.gov/mips/quality-measures"
TIN_SYSTEM = "urn:oid:2.16.840.1.113883.4.4"  # US employer/taxpayer identification number
MODELS: dict[str, type[FHIRResourceModel]] = {"Measure": Measure, "MeasureReport": MeasureReport}
# The library checks structure and datatypes but not required code bindings; these are.
REQUIRED_CODES = {
    "MeasureReport.status": {"complete", "pending", "error"},
    "MeasureReport.type": {"individual", "subject-list", "summary", "data-collection"},
    "Measure.status": {"draft", "active", "retired", "unknown"},
}
POPULATIONS = {
    "initial-population": ("episodes", "Episodes of the stratum in its denominator period"),
    "denominator": ("reported", "Episodes that are not pending: eligible population + exclusions"),
    "denominator-exclusion": ("excluded", "Denominator exclusions (G9945)"),
    "numerator": ("performance_met", "Performance met"),
}
REPORT_LEVELS = ("payer", "all_payers", "tin")


def measure_url(facts: Facts) -> str:
    return f"{CANONICAL_BASE}:Measure:{facts.measure_id}"


def fhir_id(*parts: object) -> str:
    """FHIR ids allow letters, digits, '-' and '.' only (max 64)."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", "-".join(map(str, parts)))[:64]


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding], "text": display or code}


def _populations(counts: dict[str, Any]) -> list[dict[str, Any]]:
    values = {**counts, "reported": counts["episodes"] - counts["pending"]}
    return [
        {"code": _concept(POPULATION_SYSTEM, code), "count": values[field]}
        for code, (field, _) in POPULATIONS.items()
    ]


def _scored(counts: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"population": _populations(counts)}
    if counts["performance_rate"] is not None:
        entry["measureScore"] = {"value": counts["performance_rate"]}
    return entry


def _group(facts: Facts, level: str, level_id: str, stratum: str) -> dict[str, Any]:
    definition = facts.definitions[stratum]
    group = {
        "code": _concept(STRATUM_SYSTEM, stratum, definition.title),
        **_scored(facts.counts(level, level_id, stratum)),
    }
    if level == "all_payers":
        group["stratifier"] = [
            {
                "code": [{"text": "payer"}],
                "stratum": [
                    {"value": {"text": payer}, **_scored(facts.counts("payer", payer, stratum))}
                    for payer in facts.level_ids("payer")
                ],
            }
        ]
    return group


def measure_report(facts: Facts, level: str, level_id: str) -> dict[str, Any]:
    ready = facts.counts(level, level_id, "overall")["ready"]
    report: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": fhir_id(facts.measure_id, level, level_id, facts.performance_year),
        "status": "complete" if ready else "pending",
        "type": "summary",
        "measure": f"{measure_url(facts)}|{facts.legacy.version}",
        "date": facts.as_of_date,
        "period": facts.performance_period,
        "improvementNotation": _concept(
            "http://terminology.hl7.org/CodeSystem/measure-improvement-notation", "increase"
        ),
        "group": [_group(facts, level, level_id, stratum) for stratum in facts.strata],
    }
    if level == "tin":
        report["reporter"] = {
            "type": "Organization",
            "identifier": {"system": TIN_SYSTEM, "value": str(facts.row_value(level, level_id, "tin"))},
        }
    elif level == "payer":
        report["subject"] = {"display": f"Members of payer {level_id}"}
    return report


def measure_resource(facts: Facts) -> dict[str, Any]:
    groups = []
    for stratum, definition in facts.definitions.items():
        period = definition.denominator_period
        groups.append(
            {
                "code": _concept(STRATUM_SYSTEM, stratum, definition.title),
                "description": f"Procedures from {period['start']} through {period['end']}; "
                + ", ".join(f"{code} {outcome}" for code, outcome in sorted(definition.codes.items())),
                "population": [
                    {
                        "code": _concept(POPULATION_SYSTEM, code),
                        "criteria": {"language": "text/plain", "expression": text},
                    }
                    for code, (_, text) in POPULATIONS.items()
                ],
                "stratifier": [{"code": {"text": "payer"}, "description": "Canonical payer of the episode"}],
            }
        )
    return {
        "resourceType": "Measure",
        "id": fhir_id(facts.measure_id),
        "url": measure_url(facts),
        "identifier": [{"use": "official", "system": QPP_MEASURE_SYSTEM, "value": facts.measure_id}],
        "version": facts.legacy.version,
        "name": re.sub(r"[^A-Za-z0-9]", "", facts.measure_title.title()),
        "title": facts.measure_title,
        "status": "active",
        "experimental": False,
        "effectivePeriod": facts.performance_period,
        "scoring": _concept("http://terminology.hl7.org/CodeSystem/measure-scoring", "proportion"),
        "type": [_concept("http://terminology.hl7.org/CodeSystem/measure-type", "PRO")],
        "improvementNotation": _concept(
            "http://terminology.hl7.org/CodeSystem/measure-improvement-notation", "increase"
        ),
        "rateAggregation": "weightedAverage: sum of numerators over sum of (denominator - "
        "denominator-exclusion) across the strata",
        "group": groups,
    }


def _through_model(resource: dict[str, Any]) -> bytes:
    """Builds the resource with the FHIR model, so that every published file is what the
    library itself writes."""
    model = MODELS[resource["resourceType"]].model_validate(resource)
    return dump_json(model.model_dump(mode="json", exclude_none=True))


def fhir_files(facts: Facts) -> Files:
    files = {f"fhir/Measure-{facts.measure_id}.json": _through_model(measure_resource(facts))}
    for level in REPORT_LEVELS:
        for level_id in facts.level_ids(level):
            files[f"fhir/MeasureReport-{level}-{level_id}.json"] = _through_model(
                measure_report(facts, level, level_id)
            )
    return files


def fhir_failures(files: Files) -> list[str]:
    """Parses every fhir/ file with the FHIR library and requires the round trip to give the
    same content, and the required code bindings to hold."""
    failures = []
    for path in sorted(p for p in files if p.startswith("fhir/")):
        try:
            content = json.loads(files[path])
            model = MODELS[content.get("resourceType")].model_validate_json(files[path])
        except (KeyError, ValueError) as error:  # pydantic's ValidationError is a ValueError
            failures.append(f"{path}: not a valid FHIR Measure/MeasureReport: {error}")
            continue
        if model.model_dump(mode="json", exclude_none=True) != content:
            failures.append(f"{path}: changes on a parse round trip through the FHIR model")
        for element, allowed in REQUIRED_CODES.items():
            resource_type, field = element.split(".")
            if content["resourceType"] == resource_type and content.get(field) not in allowed:
                failures.append(f"{path}: {element} {content.get(field)!r} not in {sorted(allowed)}")
    return failures
