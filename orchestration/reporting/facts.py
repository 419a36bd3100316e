"""The reporting facts: rows of the summary and definition marts, read once into plain values.

The marts own every count and rate; this module only looks them up and converts their types
(DuckDB gives Decimal rates and date objects) into what JSON carries. Every measure of the
family (the rows' `measure_id`) gets its own `Facts`; `Family` holds them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Row = Mapping[str, Any]
Files = dict[str, bytes]

# The project's headline flag (the `g2139` column and key of the #459 files): the measure whose
# definition codes it is the headline measure, published at the feeds' original paths, and the
# stratum it codes not met in (lumbar fusion) gives summary.json's top-level counts the meaning
# they had before the second stratum existed.
HEADLINE_CODE = "G2139"
OVERALL = "overall"
# CMS scores #459 as a weighted average: sum of met over sum of eligible, both strata.
OVERALL_ALGORITHM = "weightedAverage"
COUNT_FIELDS = (
    "episodes",
    "excluded",
    "pending",
    "eligible_population",
    "performance_met",
    "performance_not_met",
    "not_met",
    "not_measured",
)
OUTCOME_COLUMNS = {
    "code_met": "met",
    "code_not_met": "not_met",
    "code_not_measured": "not_measured",
    "code_excluded": "excluded",
}


def iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def rate(value: Any) -> float | None:
    """A decimal(7,6) rate as a JSON number, as summary.json has always written it."""
    return None if value is None else float(value)


def count(value: Any) -> int:
    return 0 if value is None else int(value)


def dump_json(payload: object) -> bytes:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline (as publish writes)."""
    return (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")


@dataclass(frozen=True)
class StratumDefinition:
    stratum: str
    measure_id: str
    title: str
    version: str
    qpp_stratum: str
    performance_period: dict[str, str]
    denominator_period: dict[str, str]
    codes: dict[str, str]

    @classmethod
    def from_row(cls, row: Row) -> StratumDefinition:
        return cls(
            stratum=row["stratum"],
            measure_id=str(row["measure_id"]),
            title=row["measure_title"],
            version=str(row["spec_version"]),
            qpp_stratum=row["qpp_stratum"],
            performance_period={
                "start": iso(row["performance_period_start"]),
                "end": iso(row["performance_period_end"]),
            },
            denominator_period={
                "start": iso(row["denominator_period_start"]),
                "end": iso(row["denominator_period_end"]),
            },
            # #461 and #471 have no codes in any source we hold: their code columns are empty.
            codes={row[column]: outcome for column, outcome in OUTCOME_COLUMNS.items() if row.get(column)},
        )


def common_title(titles: Iterable[str]) -> str:
    """The measure's title without a stratum qualifier: a definition mart may title each stratum
    ('... (lumbar fusion stratum)'); the measure is what they share."""
    ordered = sorted(set(titles))
    if len(ordered) == 1:
        return ordered[0]
    prefix = ordered[0]
    for title in ordered[1:]:
        while not title.startswith(prefix):
            prefix = prefix[:-1]
    return prefix.rsplit("(", 1)[0].strip() if "(" in prefix else prefix.strip()


def _number(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


@dataclass(frozen=True)
class Facts:
    """One measure: everything its reporting files are built from; nothing else (no clock, no
    machine paths)."""

    performance_year: int
    as_of_date: str
    definitions: dict[str, StratumDefinition]
    rows: dict[tuple[str, str, str], Row]
    measure_id: str
    measure_title: str
    # The headline code's stratum (lumbarFusion): summary.json's top level, the period source.
    legacy_stratum: str
    # What the measure asks of the patient and when it is met (definition mart; None if absent).
    instrument: str | None = None
    followup_met_max: float | None = None
    improvement_met_min: float | None = None

    @property
    def strata(self) -> list[str]:
        return list(self.definitions)

    @property
    def legacy(self) -> StratumDefinition:
        return self.definitions[self.legacy_stratum]

    @property
    def version(self) -> str:
        return self.legacy.version

    @property
    def performance_period(self) -> dict[str, str]:
        return self.legacy.performance_period

    def level_ids(self, level: str) -> list[str]:
        return sorted({level_id for lvl, level_id, _ in self.rows if lvl == level})

    def row(self, level: str, level_id: str, stratum: str) -> Row | None:
        return self.rows.get((level, level_id, stratum))

    def counts(self, level: str, level_id: str, stratum: str) -> dict[str, Any]:
        """Counts, rates and readiness of one row; a stratum without a row had no episodes."""
        row = self.row(level, level_id, stratum)
        if row is None:
            if stratum == OVERALL:
                raise ValueError(
                    f"measure_summary has no overall row for measure {self.measure_id} {level} {level_id}"
                )
            return {
                **dict.fromkeys(COUNT_FIELDS, 0),
                "performance_rate": None,
                "reporting_rate": None,
                "ready": True,
            }
        return {
            **{field: count(row[field]) for field in COUNT_FIELDS},
            "performance_rate": rate(row["performance_rate"]),
            "reporting_rate": rate(row["reporting_rate"]),
            "ready": bool(row["ready"]),
        }

    def row_value(self, level: str, level_id: str, column: str) -> Any:
        """A column that is the same on every stratum row of a level id (tin, npi, payer)."""
        for stratum in (OVERALL, *self.strata):
            row = self.row(level, level_id, stratum)
            if row is not None:
                return row[column]
        raise KeyError((level, level_id))

    @property
    def is_headline(self) -> bool:
        return any(HEADLINE_CODE in d.codes for d in self.definitions.values())


def _headline_rows(definition_rows: Iterable[Row]) -> list[Row]:
    return [
        row for row in definition_rows if HEADLINE_CODE in {row.get(column) for column in OUTCOME_COLUMNS}
    ]


def headline_measure_id(definition_rows: Iterable[Row]) -> str:
    """The measure that carries the headline flag's code (#459: G2139)."""
    ids = {str(row["measure_id"]) for row in _headline_rows(definition_rows)}
    if len(ids) != 1:
        raise ValueError(f"measure_definition: {len(ids)} measures carry the headline code {HEADLINE_CODE}")
    return ids.pop()


def headline_stratum(definition_rows: Iterable[Row]) -> str:
    """The stratum the headline code belongs to (G2139: lumbarFusion)."""
    strata = {row["stratum"] for row in _headline_rows(definition_rows)}
    if len(strata) != 1:
        raise ValueError(f"measure_definition: {len(strata)} strata carry the headline code {HEADLINE_CODE}")
    return strata.pop()


def with_measure_id(rows: Iterable[Row], default: str) -> list[Row]:
    """Summary rows from a mart built before the family existed have no `measure_id`: they are the
    headline measure's. (An adapter for those marts only; rows that name their measure keep it.)"""
    return [row if row.get("measure_id") is not None else {**row, "measure_id": default} for row in rows]


@dataclass(frozen=True)
class Family:
    """Every measure of the family in the marts, by measure id, and which one is the headline."""

    measures: dict[str, Facts]
    headline_id: str

    @classmethod
    def from_marts(
        cls,
        summary_rows: Iterable[Row],
        definition_rows: Iterable[Row],
        performance_year: int,
        as_of_date: date | str,
    ) -> Family:
        definition_rows = list(definition_rows)
        headline = headline_measure_id(definition_rows)
        legacy = headline_stratum(definition_rows)
        by_measure: dict[str, list[Row]] = {}
        for row in definition_rows:
            by_measure.setdefault(str(row["measure_id"]), []).append(row)
        rows: dict[str, dict[tuple[str, str, str], Row]] = {measure_id: {} for measure_id in by_measure}
        for row in with_measure_id(summary_rows, headline):
            if count(row["performance_year"]) != performance_year:
                continue
            measure_id = str(row["measure_id"])
            if measure_id not in rows:
                raise ValueError(f"measure_summary has rows of measure {measure_id}, which is not defined")
            key = (row["level"], str(row["level_id"]), row["stratum"])
            if key in rows[measure_id]:
                raise ValueError(f"measure_summary has two rows for measure {measure_id} {key}")
            rows[measure_id][key] = row
        measures = {}
        for measure_id, definitions in sorted(by_measure.items()):
            measures[measure_id] = _measure_facts(
                measure_id, definitions, rows[measure_id], performance_year, iso(as_of_date), legacy
            )
        return cls(measures, headline)

    @property
    def headline(self) -> Facts:
        return self.measures[self.headline_id]

    @property
    def others(self) -> list[Facts]:
        """The measures published beside the headline one, in `<measure_id>/` folders."""
        return [facts for measure_id, facts in self.measures.items() if measure_id != self.headline_id]

    def level_ids(self, level: str) -> list[str]:
        return sorted({level_id for facts in self.measures.values() for level_id in facts.level_ids(level)})


def _measure_facts(
    measure_id: str,
    definition_rows: list[Row],
    rows: dict[tuple[str, str, str], Row],
    performance_year: int,
    as_of_date: str,
    legacy_stratum: str,
) -> Facts:
    definitions = {d.stratum: d for d in map(StratumDefinition.from_row, definition_rows)}
    if legacy_stratum not in definitions:
        raise ValueError(f"measure_definition has no {legacy_stratum} row for measure {measure_id}")
    # A mart of another year (or an empty one) must stop the publication, not publish zeros.
    if ("all_payers", "all", OVERALL) not in rows:
        raise ValueError(
            f"measure_summary has no all_payers row of measure {measure_id} for {performance_year}"
        )
    first = definition_rows[0]
    return Facts(
        performance_year=performance_year,
        as_of_date=as_of_date,
        definitions=dict(sorted(definitions.items())),
        rows=rows,
        measure_id=measure_id,
        measure_title=common_title(row["measure_title"] for row in definition_rows),
        legacy_stratum=legacy_stratum,
        instrument=first.get("instrument"),
        followup_met_max=_number(first.get("followup_met_max")),
        improvement_met_min=_number(first.get("improvement_met_min")),
    )
