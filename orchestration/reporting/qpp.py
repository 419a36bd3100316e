"""QPP measurement sets: the body of `POST /measurement-sets` of the QPP Submissions API.

A registry's token may not call `POST /submissions`; it posts measurement sets, each naming the
submission it belongs to in a `submission` object (the API finds or creates that submission).
The shape is CMS's own: the fields of the MeasurementSets resource (qpp-submissions-docs:
category, submissionMethod, programName, performanceStart, performanceEnd, measurements) and the
`submission` object CMS's file-upload client posts (entityType, taxpayerIdentificationNumber,
nationalProviderIdentifier for individuals, performanceYear).

One body per TIN (group reporting) and per TIN + NPI (individual reporting), every measure of the
family as one `multiPerformanceRate` measurement, each stratum by its QPP name for the year.
Excluded episodes are already out of the eligible population, so `eligiblePopulationExclusion`
is 0, as the QPP API asks of CQMs. `programName` is the MIPS Value Pathway holding every measure
of the family (seed `qpp_mvp`: Surgical Care, M1425), else QPP's default "mips".
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orchestration.reporting.facts import Facts, Family, Files, dump_json

QPP_STRATUM_COUNTS = {
    "eligiblePopulation": "eligible_population",
    "performanceMet": "performance_met",
    # QPP's "not met" holds both not met and not measured (e.g. G2139/G2137 and G9946/G9943).
    "performanceNotMet": "performance_not_met",
}
LEVELS = {"tin": ("group", "qpp/group"), "tin_npi": ("individual", "qpp/individual")}
# Traditional MIPS: QPP records a measurement set without programName under this name.
DEFAULT_PROGRAM = "mips"
MVP_SEED = "qpp_mvp"


def read_mvps(seeds_dir: Path) -> dict[str, set[str]]:
    """MVP id -> the quality measure ids it holds, from seed qpp_mvp (CMS qpp-measures-data)."""
    path = seeds_dir / f"{MVP_SEED}.csv"
    mvps: dict[str, set[str]] = {}
    if path.exists():
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                mvps.setdefault(row["mvp_id"], set()).add(row["measure_id"])
    return mvps


def program_name(measure_ids: Iterable[str], mvps: Mapping[str, set[str]]) -> str:
    """The MVP that holds every measure reported (the first by id), else traditional MIPS."""
    wanted = set(measure_ids)
    return next((mvp for mvp, held in sorted(mvps.items()) if wanted <= held), DEFAULT_PROGRAM)


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


def measurement(facts: Facts, level: str, level_id: str) -> dict[str, Any]:
    return {
        "measureId": facts.measure_id,
        "value": {
            # Counts come from claims and patient-reported scores, not from a certified EHR
            # without manual steps.
            "isEndToEndReported": False,
            "strata": qpp_strata(facts, level, level_id),
        },
    }


def _entity(family: Family, level: str, level_id: str) -> tuple[str, str | None]:
    facts = family.headline
    tin = str(facts.row_value(level, level_id, "tin"))
    return tin, (str(facts.row_value(level, level_id, "npi")) if level == "tin_npi" else None)


def measurement_set(family: Family, level: str, level_id: str, program: str) -> dict[str, Any]:
    entity_type, _ = LEVELS[level]
    tin, npi = _entity(family, level, level_id)
    facts = family.headline
    submission: dict[str, Any] = {
        "entityType": entity_type,
        "taxpayerIdentificationNumber": tin,
        "performanceYear": facts.performance_year,
    }
    if npi is not None:
        submission["nationalProviderIdentifier"] = npi
    return {
        "category": "quality",
        "submissionMethod": "registry",
        "programName": program,
        "performanceStart": facts.performance_period["start"],
        "performanceEnd": facts.performance_period["end"],
        "measurements": [measurement(m, level, level_id) for m in family.measures.values()],
        "submission": submission,
    }


def qpp_path(family: Family, level: str, level_id: str) -> str:
    _, folder = LEVELS[level]
    tin, npi = _entity(family, level, level_id)
    return f"{folder}/{tin}.json" if npi is None else f"{folder}/{tin}_{npi}.json"


def expected_bodies(family: Family) -> dict[str, tuple[str, str]]:
    return {
        qpp_path(family, level, level_id): (level, level_id)
        for level in LEVELS
        for level_id in family.headline.level_ids(level)
    }


def qpp_files(family: Family, mvps: Mapping[str, set[str]]) -> Files:
    program = program_name(family.measures, mvps)
    return {
        path: dump_json(measurement_set(family, level, level_id, program))
        for path, (level, level_id) in expected_bodies(family).items()
    }


def _stratum_failures(path: str, entry: dict, facts: Facts, level: str, level_id: str) -> list[str]:
    failures = []
    strata = entry.get("value", {}).get("strata", [])
    names = [s.get("stratum") for s in strata]
    expected = sorted(d.qpp_stratum for d in facts.definitions.values())
    where = f"{path} measure {facts.measure_id}"
    if sorted(names) != expected:
        failures.append(f"{where}: strata {names} are not exactly {expected}")
    by_name = {d.qpp_stratum: stratum for stratum, d in facts.definitions.items()}
    for stratum in strata:
        name = stratum.get("stratum")
        met, not_met, eligible = (
            stratum.get(k, 0) for k in ("performanceMet", "performanceNotMet", "eligiblePopulation")
        )
        if met + not_met > eligible:
            failures.append(f"{where} {name}: performanceMet + performanceNotMet > eligiblePopulation")
        for zero in ("eligiblePopulationExclusion", "eligiblePopulationException"):
            if stratum.get(zero, 0) != 0:
                failures.append(f"{where} {name}: {zero} is {stratum.get(zero)}, must be 0")
        if name in by_name:
            counts = facts.counts(level, level_id, by_name[name])
            for field, column in QPP_STRATUM_COUNTS.items():
                if stratum.get(field) != counts[column]:
                    failures.append(
                        f"{where} {name}: {field} {stratum.get(field)} != summary mart "
                        f"{column} {counts[column]}"
                    )
    return failures


def qpp_failures(files: Files, family: Family) -> list[str]:
    """Semantic checks of the measurement sets against the summary mart (a blocking check): one
    body per TIN and per TIN + NPI, every measure once with all its strata, counts equal to the
    mart, met + not met within the eligible population, exclusions and exceptions 0."""
    failures = []
    expected = expected_bodies(family)
    published = {path for path in files if path.startswith("qpp/")}
    failures += [
        f"{path}: no body published for this summary row" for path in sorted(expected.keys() - published)
    ]
    failures += [f"{path}: body without a summary row" for path in sorted(published - expected.keys())]
    for path in sorted(published & expected.keys()):
        level, level_id = expected[path]
        body = json.loads(files[path])
        year = body.get("submission", {}).get("performanceYear")
        if year != family.headline.performance_year:
            failures.append(
                f"{path}: submission.performanceYear {year} != {family.headline.performance_year}"
            )
        measurements = body.get("measurements", [])
        ids = [m.get("measureId") for m in measurements]
        if sorted(ids) != sorted(family.measures):
            failures.append(f"{path}: measures {ids} are not exactly {sorted(family.measures)}")
        for entry in measurements:
            facts = family.measures.get(entry.get("measureId"))
            if facts is not None:
                failures += _stratum_failures(path, entry, facts, level, level_id)
    return failures
