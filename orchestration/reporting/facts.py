"""The reporting facts: rows of the summary and definition marts, read once into plain values.

The marts own every count and rate; this module only looks them up and converts their types
(DuckDB gives Decimal rates and date objects) into what JSON carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Row = Mapping[str, Any]
Files = dict[str, bytes]

# The contract gives summary.json's top-level counts the meaning they had before the second
# stratum existed: the lumbar fusion stratum.
LEGACY_STRATUM = "lumbarFusion"
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
            codes={row[column]: outcome for column, outcome in OUTCOME_COLUMNS.items()},
        )


@dataclass(frozen=True)
class Facts:
    """Everything a reporting file is built from; nothing else (no clock, no machine paths)."""

    performance_year: int
    as_of_date: str
    definitions: dict[str, StratumDefinition]
    rows: dict[tuple[str, str, str], Row]

    @classmethod
    def from_marts(
        cls,
        summary_rows: Iterable[Row],
        definition_rows: Iterable[Row],
        performance_year: int,
        as_of_date: date | str,
    ) -> Facts:
        definitions = {d.stratum: d for d in map(StratumDefinition.from_row, definition_rows)}
        if LEGACY_STRATUM not in definitions:
            raise ValueError(f"measure_definition has no {LEGACY_STRATUM} row")
        rows: dict[tuple[str, str, str], Row] = {}
        for row in summary_rows:
            if count(row["performance_year"]) != performance_year:
                continue
            key = (row["level"], str(row["level_id"]), row["stratum"])
            if key in rows:
                raise ValueError(f"measure_summary has two rows for {key}")
            rows[key] = row
        # A mart of another year (or an empty one) must stop the publication, not publish zeros.
        if ("all_payers", "all", OVERALL) not in rows:
            raise ValueError(f"measure_summary has no all_payers row for {performance_year}")
        return cls(performance_year, iso(as_of_date), dict(sorted(definitions.items())), rows)

    @property
    def strata(self) -> list[str]:
        return list(self.definitions)

    @property
    def legacy(self) -> StratumDefinition:
        return self.definitions[LEGACY_STRATUM]

    @property
    def measure_id(self) -> str:
        return self.legacy.measure_id

    @property
    def measure_title(self) -> str:
        """The measure's title without a stratum qualifier: the definition mart titles each
        stratum ('... (lumbar fusion stratum)'); the measure is what they share."""
        titles = sorted({d.title for d in self.definitions.values()})
        if len(titles) == 1:
            return titles[0]
        prefix = titles[0]
        for title in titles[1:]:
            while not title.startswith(prefix):
                prefix = prefix[:-1]
        return prefix.rsplit("(", 1)[0].strip() if "(" in prefix else prefix.strip()

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
                raise ValueError(f"measure_summary has no overall row for {level} {level_id}")
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
