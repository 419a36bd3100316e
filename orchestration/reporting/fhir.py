"""FHIR R4 summary MeasureReports, conformant to the HL7 Da Vinci DEQM Summary MeasureReport
profile (STU5, `summary-measurereport-deqm`), one per measure and reporting level (payer, all
payers, TIN, TIN + NPI), and the `Measure` each points to (fhir_measure.py; fhir_publication.py
writes both).

Built and parsed with fhir.resources' R4B models: the Measure and MeasureReport elements used
here are identical in R4 (4.0.1) and R4B (4.3.0), and the R4 release of the library needs
pydantic 1, which cannot live beside Dagster.

Populations follow FHIR's proportion arithmetic, score = numerator / (denominator -
denominator-exclusion): the denominator is every episode that is not pending (eligible +
excluded), so the score equals the measure's met / eligible population; pending episodes are
the initial population minus the denominator. A finished report is `complete` even while
episodes are pending (FHIR's `pending` means "being generated"); readiness stays in the
manifest and the summaries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from orchestration.reporting.facts import COUNT_FIELDS, OVERALL, Facts, Family, Files, dump_json

DEQM = "http://hl7.org/fhir/us/davinci-deqm/StructureDefinition"
SUMMARY_PROFILE = f"{DEQM}/summary-measurereport-deqm"
SCORING_EXTENSION = f"{DEQM}/extension-measureScoring"
REPORTER_GROUP_EXTENSION = f"{DEQM}/extension-reporterGroup"
POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
SCORING_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-scoring"
IMPROVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
TIN_SYSTEM = "urn:oid:2.16.840.1.113883.4.4"  # US employer/taxpayer identification number
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
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
REPORT_LEVELS = ("payer", "all_payers", "tin", "tin_npi")
PAYER_STRATIFIER = "payer"
# Episodes of payer texts no alias maps: their own stratum of the payer stratifier, so that the
# strata add up to the group (all payers count them; no payer feed does).
UNMAPPED = "unmapped"


@dataclass(frozen=True)
class FhirSettings:
    """Where the resources name themselves and who reports them (settings G2139_FHIR_BASE and
    G2139_REPORTING_ORGANIZATION)."""

    base: str
    reporter: str

    def measure_url(self, measure_id: str) -> str:
        return f"{self.base.rstrip('/')}/Measure/{measure_id}"

    def system(self, name: str) -> str:
        return f"{self.base.rstrip('/')}/CodeSystem/{name}"

    def reporter_reference(self) -> dict[str, Any]:
        slug = re.sub(r"[^a-z0-9]+", "-", self.reporter.lower()).strip("-") or "reporter"
        return {
            "type": "Organization",
            "identifier": {"system": f"{self.base.rstrip('/')}/Organization", "value": slug},
            "display": self.reporter,
        }


def fhir_id(*parts: object) -> str:
    """FHIR ids allow letters, digits, '-' and '.' only (max 64)."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", "-".join(map(str, parts)))[:64]


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding], "text": display or code}


def stratum_display(facts: Facts, stratum: str) -> str:
    """The stratum's title; when the mart titles the measure only, the measure and stratum."""
    title = facts.definitions[stratum].title
    return title if title != facts.measure_title else f"{title}: {stratum}"


def population_id(stratum: str, code: str) -> str:
    return f"{stratum}-{code}"


def _populations(counts: dict[str, Any], stratum: str | None) -> list[dict[str, Any]]:
    values = {**counts, "reported": counts["episodes"] - counts["pending"]}
    return [
        {
            **({"id": population_id(stratum, code)} if stratum else {}),
            "code": concept(POPULATION_SYSTEM, code),
            "count": values[field],
        }
        for code, (field, _) in POPULATIONS.items()
    ]


def _scored(counts: dict[str, Any], stratum: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"population": _populations(counts, stratum)}
    if counts["performance_rate"] is not None:
        entry["measureScore"] = {"value": counts["performance_rate"]}
    return entry


def unmapped_counts(facts: Facts, stratum: str) -> dict[str, Any]:
    """All payers minus the canonical payers: the episodes of unmapped payer texts."""
    total = facts.counts("all_payers", "all", stratum)
    payers = [facts.counts("payer", payer, stratum) for payer in facts.level_ids("payer")]
    counts = {field: total[field] - sum(p[field] for p in payers) for field in COUNT_FIELDS}
    eligible = counts["eligible_population"]
    counts["performance_rate"] = round(counts["performance_met"] / eligible, 6) if eligible else None
    return counts


def _payer_stratum(fhir: FhirSettings, payer: str, name: str, counts: dict[str, Any]) -> dict[str, Any]:
    return {"value": concept(fhir.system("payer"), payer, name), **_scored(counts)}


def payer_stratifier(
    facts: Facts, fhir: FhirSettings, level: str, level_id: str, stratum: str, names: dict[str, str]
) -> dict[str, Any]:
    """All payers: one stratum per canonical payer plus the unmapped ones; a payer's own report:
    its one stratum (which names the payer the report is about, since DEQM forbids `subject`)."""
    if level == "payer":
        strata = [
            _payer_stratum(
                fhir, level_id, names.get(level_id, level_id), facts.counts(level, level_id, stratum)
            )
        ]
    else:
        strata = [
            _payer_stratum(fhir, payer, names.get(payer, payer), facts.counts("payer", payer, stratum))
            for payer in facts.level_ids("payer")
        ]
        strata.append(_payer_stratum(fhir, UNMAPPED, "Payers not mapped to a canonical payer",
                                     unmapped_counts(facts, stratum)))  # fmt: skip
    return {
        "id": f"{stratum}-{PAYER_STRATIFIER}",
        "code": [concept(fhir.system("stratifier"), PAYER_STRATIFIER, "Payer")],
        "stratum": strata,
    }


def _group(
    facts: Facts, fhir: FhirSettings, level: str, level_id: str, stratum: str, names: dict[str, str]
) -> dict[str, Any]:
    group = {
        "id": stratum,
        "code": concept(fhir.system("stratum"), stratum, stratum_display(facts, stratum)),
        **_scored(facts.counts(level, level_id, stratum), stratum),
    }
    if level in ("payer", "all_payers"):
        group["stratifier"] = [payer_stratifier(facts, fhir, level, level_id, stratum, names)]
    return group


def _reporter(facts: Facts, fhir: FhirSettings, level: str, level_id: str) -> dict[str, Any]:
    """The reporting organization; at the TIN levels, the clinicians reported on as its group."""
    reporter = fhir.reporter_reference()
    if level in ("tin", "tin_npi"):
        tin = str(facts.row_value(level, level_id, "tin"))
        if level == "tin":
            group = {
                "identifier": {"system": TIN_SYSTEM, "value": tin},
                "display": f"Clinicians of TIN {tin}",
            }
        else:
            npi = str(facts.row_value(level, level_id, "npi"))
            group = {"identifier": {"system": NPI_SYSTEM, "value": npi}, "display": f"NPI {npi} of TIN {tin}"}
        reporter["extension"] = [
            {"url": REPORTER_GROUP_EXTENSION, "valueReference": {"type": "Group", **group}}
        ]
    return reporter


def measure_report(
    facts: Facts, fhir: FhirSettings, level: str, level_id: str, names: dict[str, str]
) -> dict[str, Any]:
    return {
        "resourceType": "MeasureReport",
        "id": fhir_id(facts.measure_id, level, level_id, facts.performance_year),
        "meta": {"profile": [SUMMARY_PROFILE]},
        "extension": [
            {
                "url": SCORING_EXTENSION,
                "valueCodeableConcept": concept(SCORING_SYSTEM, "proportion", "Proportion"),
            }
        ],
        "status": "complete",
        "type": "summary",
        "measure": f"{fhir.measure_url(facts.measure_id)}|{facts.version}",
        "date": facts.as_of_date,
        "reporter": _reporter(facts, fhir, level, level_id),
        "period": facts.performance_period,
        "improvementNotation": concept(
            IMPROVEMENT_SYSTEM, "increase", "Increased score indicates improvement"
        ),
        "group": [_group(facts, fhir, level, level_id, stratum, names) for stratum in facts.strata],
    }


def report_path(family: Family, facts: Facts, level: str, level_id: str) -> str:
    """The headline measure keeps its original names; the others add their measure id."""
    prefix = "" if facts.measure_id == family.headline_id else f"{facts.measure_id}-"
    return f"fhir/MeasureReport-{prefix}{level}-{level_id}.json"


def through_model(resource: dict[str, Any]) -> bytes:
    """Builds the resource with the FHIR model, so that every published file is what the
    library itself writes."""
    model = MODELS[resource["resourceType"]].model_validate(resource)
    return dump_json(model.model_dump(mode="json", exclude_none=True))


def _counts_of(entry: dict[str, Any]) -> dict[str, int]:
    return {p["code"]["coding"][0]["code"]: p.get("count", 0) for p in entry.get("population", [])}


def strata_failures(path: str, report: dict[str, Any]) -> list[str]:
    """Every stratifier's strata add up to their group, population by population."""
    failures = []
    for group in report.get("group", []):
        totals = _counts_of(group)
        for stratifier in group.get("stratifier", []):
            sums: dict[str, int] = {}
            for stratum in stratifier.get("stratum", []):
                for code, n in _counts_of(stratum).items():
                    sums[code] = sums.get(code, 0) + n
            if sums != totals:
                failures.append(f"{path} group {group.get('id')}: payer strata {sums} != group {totals}")
    return failures


def fhir_failures(files: Files) -> list[str]:
    """Parses every fhir/ file with the FHIR library and requires the round trip to give the
    same content, the required code bindings to hold, the DEQM essentials (profile, reporter,
    no subject, complete) and the payer strata to add up to their group."""
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
        if content["resourceType"] == "MeasureReport":
            if SUMMARY_PROFILE not in content.get("meta", {}).get("profile", []):
                failures.append(f"{path}: meta.profile does not claim {SUMMARY_PROFILE}")
            if "reporter" not in content or "subject" in content:
                failures.append(f"{path}: DEQM summary needs a reporter and forbids a subject")
            failures += strata_failures(path, content)
    return failures


__all__ = ["OVERALL", "FhirSettings", "fhir_failures"]
