"""summary.json of each payer and all_payers/summary.json (the headline measure, #459), and
`<payer>/<measure_id>/summary.json` and `all_payers/<measure_id>/summary.json` of every other
measure of the family (#461, #471).

A payer's summary keeps every key it had before the second stratum, with the same meaning
(the lumbar fusion stratum) and the same formatting; the new `strata` block holds both strata
and `overall` the weighted average over them. Top-level keys added alongside the old ones
(`denominator_period`, `reporting_rate`, `ready`) follow the same rule: they describe the
lumbar fusion stratum, so that one reading of the top level never mixes two strata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestration.reporting.facts import (
    COUNT_FIELDS,
    OVERALL,
    OVERALL_ALGORITHM,
    Facts,
    Family,
    Files,
    dump_json,
)

# summary.json's original count keys, in the marts' terms: every count but `not_met`, which
# summary.json writes as `g2139` (the stratum's not-met code count: G2139 for lumbar fusion).
LEGACY_COUNTS = tuple(field for field in COUNT_FIELDS if field != "not_met")


def stratum_blocks(facts: Facts, level: str, level_id: str) -> dict[str, dict[str, Any]]:
    blocks = {}
    for stratum, definition in facts.definitions.items():
        blocks[stratum] = {
            **facts.counts(level, level_id, stratum),
            "title": definition.title,
            "qpp_stratum": definition.qpp_stratum,
            "codes": definition.codes,
            "denominator_period": definition.denominator_period,
        }
    return blocks


def overall_block(facts: Facts, level: str, level_id: str) -> dict[str, Any]:
    return {**facts.counts(level, level_id, OVERALL), "algorithm": OVERALL_ALGORITHM}


def payer_summary(facts: Facts, payer: str, payer_name: str) -> dict[str, Any]:
    legacy = facts.counts("payer", payer, facts.legacy_stratum)
    definition = facts.legacy
    return {
        "payer": payer,
        "payer_name": payer_name,
        "performance_year": facts.performance_year,
        "as_of_date": facts.as_of_date,
        "measure": {
            "id": definition.measure_id,
            "stratum": facts.legacy_stratum,
            "codes": definition.codes,
            "title": facts.measure_title,
            "version": definition.version,
        },
        **{key: legacy[key] for key in LEGACY_COUNTS},
        "g2139": legacy["not_met"],
        "performance_rate": legacy["performance_rate"],
        "reporting_rate": legacy["reporting_rate"],
        "ready": legacy["ready"],
        "denominator_period": definition.denominator_period,
        "performance_period": facts.performance_period,
        "strata": stratum_blocks(facts, "payer", payer),
        "overall": overall_block(facts, "payer", payer),
    }


def all_payers_summary(facts: Facts) -> dict[str, Any]:
    overall = overall_block(facts, "all_payers", "all")
    return {
        "level": "all_payers",
        "performance_year": facts.performance_year,
        "as_of_date": facts.as_of_date,
        "measure": {
            "id": facts.measure_id,
            "title": facts.measure_title,
            "version": facts.legacy.version,
            "strata": facts.strata,
        },
        "performance_period": facts.performance_period,
        # A submission is ready only when no episode of the period is pending, in any stratum.
        "ready": overall["ready"],
        "strata": stratum_blocks(facts, "all_payers", "all"),
        "overall": overall,
    }


def measure_block(facts: Facts) -> dict[str, Any]:
    """What a measure of the family is, from the definition mart."""
    return {
        "id": facts.measure_id,
        "title": facts.measure_title,
        "version": facts.version,
        "instrument": facts.instrument,
        "met_when": {
            "followup_at_most": facts.followup_met_max,
            "improvement_at_least": facts.improvement_met_min,
        },
        "strata": facts.strata,
    }


def measure_summary(facts: Facts, level: str, level_id: str, payer_name: str | None) -> dict[str, Any]:
    """summary.json of a measure beside the headline one: no legacy top-level counts, only the
    strata and the overall weighted average, at the payer or all-payer level."""
    overall = overall_block(facts, level, level_id)
    summary: dict[str, Any] = {
        "level": level,
        "performance_year": facts.performance_year,
        "as_of_date": facts.as_of_date,
        "measure": measure_block(facts),
        "performance_period": facts.performance_period,
        "ready": overall["ready"],
        "strata": stratum_blocks(facts, level, level_id),
        "overall": overall,
    }
    if level == "payer":
        summary |= {"payer": level_id, "payer_name": payer_name}
    return summary


def summary_files(family: Family, payer_names: Mapping[str, str]) -> Files:
    """The headline measure's `<payer>/summary.json` for every payer of the summary mart and
    `all_payers/summary.json`; each other measure's under `<measure_id>/` beside them."""
    facts = family.headline
    files = {"all_payers/summary.json": dump_json(all_payers_summary(facts))}
    for payer in facts.level_ids("payer"):
        files[f"{payer}/summary.json"] = dump_json(payer_summary(facts, payer, payer_names[payer]))
    for other in family.others:
        folder = other.measure_id
        files[f"all_payers/{folder}/summary.json"] = dump_json(
            measure_summary(other, "all_payers", "all", None)
        )
        for payer in other.level_ids("payer"):
            files[f"{payer}/{folder}/summary.json"] = dump_json(
                measure_summary(other, "payer", payer, payer_names[payer])
            )
    return files
