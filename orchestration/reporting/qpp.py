"""QPP submission bodies (MIPS CQM quality measurement set, submission method "registry").

One body per TIN (group reporting) and per TIN + NPI (individual reporting), both strata of
#459 by their QPP names for the performance year. Excluded episodes are already out of the
eligible population, so `eligiblePopulationExclusion` is 0, as the QPP API asks of CQMs.
"""

from __future__ import annotations

import json
from typing import Any

from orchestration.reporting.facts import Facts, Files, dump_json

QPP_STRATUM_COUNTS = {
    "eligiblePopulation": "eligible_population",
    "performanceMet": "performance_met",
    # QPP's "not met" holds both not met and not measured (G2139/G2137 and G9946/G9943).
    "performanceNotMet": "performance_not_met",
}
LEVELS = {"tin": ("group", "qpp/group"), "tin_npi": ("individual", "qpp/individual")}


def qpp_strata(facts: Facts, level: str, level_id: str) -> list[dict[str, Any]]:
    strata = []
    for stratum, definition in facts.definitions.items():
        counts = facts.counts(level, level_id, stratum)
        strata.append(
            {
                "stratum": definition.qpp_stratum,
                **{field: counts[column] for field, column in QPP_STRATUM_COUNTS.items()},
                "eligiblePopulationExclusion": 0,
                "eligiblePopulationException": 0,
            }
        )
    return sorted(strata, key=lambda s: s["stratum"])


def qpp_body(facts: Facts, level: str, level_id: str) -> dict[str, Any]:
    entity_type, _ = LEVELS[level]
    body: dict[str, Any] = {
        "entityType": entity_type,
        "taxpayerIdentificationNumber": str(facts.row_value(level, level_id, "tin")),
        "performanceYear": facts.performance_year,
        "measurementSets": [
            {
                "category": "quality",
                "submissionMethod": "registry",
                "performanceStart": facts.performance_period["start"],
                "performanceEnd": facts.performance_period["end"],
                "measurements": [
                    {
                        "measureId": facts.measure_id,
                        "value": {
                            # Counts come from claims and patient-reported scores, not from a
                            # certified EHR without manual steps.
                            "isEndToEndReported": False,
                            "strata": qpp_strata(facts, level, level_id),
                        },
                    }
                ],
            }
        ],
    }
    if entity_type == "individual":
        body["nationalProviderIdentifier"] = str(facts.row_value(level, level_id, "npi"))
    return body


def qpp_path(facts: Facts, level: str, level_id: str) -> str:
    _, folder = LEVELS[level]
    if level == "tin":
        return f"{folder}/{facts.row_value(level, level_id, 'tin')}.json"
    tin, npi = facts.row_value(level, level_id, "tin"), facts.row_value(level, level_id, "npi")
    return f"{folder}/{tin}_{npi}.json"


def qpp_files(facts: Facts) -> Files:
    return {
        qpp_path(facts, level, level_id): dump_json(qpp_body(facts, level, level_id))
        for level in LEVELS
        for level_id in facts.level_ids(level)
    }


def _stratum_failures(path: str, strata: list[dict], facts: Facts, level: str, level_id: str) -> list[str]:
    failures = []
    names = [s.get("stratum") for s in strata]
    expected = sorted(d.qpp_stratum for d in facts.definitions.values())
    if sorted(names) != expected:
        failures.append(f"{path}: strata {names} are not exactly {expected}")
    by_name = {d.qpp_stratum: stratum for stratum, d in facts.definitions.items()}
    for entry in strata:
        name = entry.get("stratum")
        met, not_met, eligible = (
            entry.get(k, 0) for k in ("performanceMet", "performanceNotMet", "eligiblePopulation")
        )
        if met + not_met > eligible:
            failures.append(f"{path} {name}: performanceMet + performanceNotMet > eligiblePopulation")
        for zero in ("eligiblePopulationExclusion", "eligiblePopulationException"):
            if entry.get(zero, 0) != 0:
                failures.append(f"{path} {name}: {zero} is {entry.get(zero)}, must be 0")
        if name in by_name:
            counts = facts.counts(level, level_id, by_name[name])
            for field, column in QPP_STRATUM_COUNTS.items():
                if entry.get(field) != counts[column]:
                    failures.append(
                        f"{path} {name}: {field} {entry.get(field)} != summary mart {column} {counts[column]}"
                    )
    return failures


def qpp_failures(files: Files, facts: Facts) -> list[str]:
    """Semantic checks of the QPP bodies against the summary mart (a blocking check): one body
    per TIN and per TIN + NPI, both strata, counts equal to the mart, met + not met within the
    eligible population, exclusions and exceptions 0."""
    failures = []
    expected = {
        qpp_path(facts, level, level_id): (level, level_id)
        for level in LEVELS
        for level_id in facts.level_ids(level)
    }
    published = {path for path in files if path.startswith("qpp/")}
    failures += [
        f"{path}: no body published for this summary row" for path in sorted(expected.keys() - published)
    ]
    failures += [f"{path}: body without a summary row" for path in sorted(published - expected.keys())]
    for path in sorted(published & expected.keys()):
        level, level_id = expected[path]
        body = json.loads(files[path])
        if body.get("performanceYear") != facts.performance_year:
            failures.append(
                f"{path}: performanceYear {body.get('performanceYear')} != {facts.performance_year}"
            )
        for measurement_set in body.get("measurementSets", []):
            for measurement in measurement_set.get("measurements", []):
                strata = measurement.get("value", {}).get("strata", [])
                failures += _stratum_failures(path, strata, facts, level, level_id)
    return failures
