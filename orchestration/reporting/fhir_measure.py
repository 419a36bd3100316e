"""The FHIR R4 `Measure` of each measure of the family, which the MeasureReports point to.

Its canonical URL is `<G2139_FHIR_BASE>/Measure/<measure_id>` (no public FHIR canonical exists
for these MIPS CQMs); `type` is `patient-reported-outcome` of the measure-type code system,
scoring `proportion`; every group (stratum), population and stratifier has an id, which the
MeasureReports repeat.
"""

from __future__ import annotations

import re
from typing import Any

from orchestration.reporting.facts import Facts
from orchestration.reporting.fhir import (
    IMPROVEMENT_SYSTEM,
    PAYER_STRATIFIER,
    POPULATION_SYSTEM,
    POPULATIONS,
    SCORING_SYSTEM,
    FhirSettings,
    concept,
    fhir_id,
    population_id,
    stratum_display,
)

QPP_MEASURE_SYSTEM = "https://qpp.cms.gov/mips/quality-measures"
MEASURE_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-type"
PRO = ("patient-reported-outcome", "Patient Reported Outcome")


def description(facts: Facts) -> str:
    rule = ""
    if facts.followup_met_max is not None and facts.improvement_met_min is not None:
        rule = (
            f": met when the follow-up value is at most {facts.followup_met_max:g} or improves on the "
            f"preoperative value by at least {facts.improvement_met_min:g}"
        )
    instrument = f" ({facts.instrument})" if facts.instrument else ""
    return (
        f"MIPS CQM #{facts.measure_id} {facts.measure_title}{instrument}, strata "
        f"{', '.join(facts.strata)}{rule}; overall rate: weighted average of the strata."
    )


def _group(facts: Facts, fhir: FhirSettings, stratum: str) -> dict[str, Any]:
    definition = facts.definitions[stratum]
    period = definition.denominator_period
    codes = ", ".join(f"{code} {outcome}" for code, outcome in sorted(definition.codes.items()))
    return {
        "id": stratum,
        "code": concept(fhir.system("stratum"), stratum, stratum_display(facts, stratum)),
        "description": f"Procedures from {period['start']} through {period['end']}"
        + (f"; {codes}" if codes else ""),
        "population": [
            {
                "id": population_id(stratum, code),
                "code": concept(POPULATION_SYSTEM, code),
                "criteria": {"language": "text/plain", "expression": text},
            }
            for code, (_, text) in POPULATIONS.items()
        ],
        "stratifier": [
            {
                "id": f"{stratum}-{PAYER_STRATIFIER}",
                "code": concept(fhir.system("stratifier"), PAYER_STRATIFIER, "Payer"),
                "description": "Canonical payer of the episode; unmapped payer texts as one stratum",
            }
        ],
    }


def measure_resource(facts: Facts, fhir: FhirSettings) -> dict[str, Any]:
    return {
        "resourceType": "Measure",
        "id": fhir_id(facts.measure_id),
        "url": fhir.measure_url(facts.measure_id),
        "identifier": [{"use": "official", "system": QPP_MEASURE_SYSTEM, "value": facts.measure_id}],
        "version": facts.version,
        "name": re.sub(r"[^A-Za-z0-9]", "", facts.measure_title.title()),
        "title": facts.measure_title,
        "status": "active",
        "experimental": False,
        "publisher": fhir.reporter,
        "description": description(facts),
        "effectivePeriod": facts.performance_period,
        "scoring": concept(SCORING_SYSTEM, "proportion", "Proportion"),
        "type": [concept(MEASURE_TYPE_SYSTEM, *PRO)],
        "improvementNotation": concept(
            IMPROVEMENT_SYSTEM, "increase", "Increased score indicates improvement"
        ),
        "rateAggregation": "weightedAverage: sum of numerators over sum of (denominator - "
        "denominator-exclusion) across the strata",
        "group": [_group(facts, fhir, stratum) for stratum in facts.strata],
    }
