"""The measures' rules as Python sees them: read from where dbt reads them, never restated.

Rule parameters are the vars of ``dbt_project.yml`` (with the run's overrides, the
same dict the run passes to dbt); measures, strata, quality codes and payers are the
seeds. A measure's met thresholds are the vars its instrument names in
``met_threshold_vars`` (macro ``instrument_thresholds`` reads the same).
The Great Expectations suites build every threshold, window, code and payer list
from a ``Rules``, so that a rule changed in its one place moves models and checks together.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from orchestration.resources import DBT_PROJECT_DIR, SettingsError


@dataclass(frozen=True)
class Measure:
    """One measure of the family (seed `measure`) with its instrument's met thresholds."""

    measure_id: str
    title: str
    instrument: str
    source_table: str
    body_site: str
    score_min: Decimal
    score_max: Decimal
    is_headline: bool
    followup_met_max: Decimal
    improvement_met_min: Decimal


@dataclass(frozen=True)
class Stratum:
    """One stratum shared by every measure (seed `measure_stratum`)."""

    name: str
    precedence: int
    followup_start_months: int
    followup_start_days: int
    followup_end_months: int
    followup_end_days: int


@dataclass(frozen=True)
class QualityCode:
    code: str
    outcome: str
    stratum: str
    measure_id: str = ""


@dataclass(frozen=True)
class Rules:
    vars: Mapping[str, Any]
    strata: tuple[Stratum, ...]
    quality_codes: tuple[QualityCode, ...]
    payers: tuple[str, ...]
    measures: tuple[Measure, ...] = ()

    @property
    def headline(self) -> Measure:
        """The measure whose not-met code is the headline flag (#459)."""
        return next(m for m in self.measures if m.is_headline)

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.measure_id == measure_id)

    @property
    def measure_ids(self) -> tuple[str, ...]:
        return tuple(m.measure_id for m in self.measures)

    @property
    def one_year_met_max_score(self) -> float:
        """The headline measure's follow-up max (the episode feed's rule)."""
        return float(self.headline.followup_met_max)

    @property
    def improvement_met_min(self) -> float:
        return float(self.headline.improvement_met_min)

    @property
    def baseline_window_months(self) -> int:
        return int(self.vars["baseline_window_months"])

    @property
    def stratum_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.strata)

    def stratum(self, name: str) -> Stratum:
        return next(s for s in self.strata if s.name == name)

    def outcome_codes(self, measure_id: str | None = None) -> set[tuple[str, str, str]]:
        """(stratum, outcome, code) as the seed pairs them for a measure (the headline one by
        default); a pending outcome has no code."""
        measure_id = measure_id or (self.headline.measure_id if self.measures else None)
        pairs = {
            (q.stratum, q.outcome, q.code)
            for q in self.quality_codes
            if measure_id is None or q.measure_id == measure_id
        }
        pending = {(s, "pending", "") for s in self.stratum_names}
        return pairs | pending


def project_vars(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, Any]:
    """The vars as dbt_project.yml sets them."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(config.get("vars") or {})


def check_var_names(overrides: Mapping[str, Any], project_dir: Path = DBT_PROJECT_DIR) -> None:
    """An override of a var the project does not have would silently change nothing."""
    unknown = sorted(set(overrides) - set(project_vars(project_dir)))
    if unknown:
        raise SettingsError(f"--var {', '.join(unknown)}: not a var of dbt_project.yml")


def _seed(project_dir: Path, name: str) -> list[dict[str, str]]:
    with (project_dir / "seeds" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _int(text: str | None) -> int:
    return int(text) if text not in (None, "") else 0


def load_rules(overrides: Mapping[str, Any] | None = None, project_dir: Path = DBT_PROJECT_DIR) -> Rules:
    """The project's rules with a run's var overrides; an unknown var name is a usage error."""
    check_var_names(overrides or {}, project_dir)
    values = {**project_vars(project_dir), **(overrides or {})}
    strata = tuple(
        sorted(
            (
                Stratum(
                    name=row["stratum"],
                    precedence=_int(row["precedence"]),
                    followup_start_months=_int(row["followup_start_months"]),
                    followup_start_days=_int(row["followup_start_days"]),
                    followup_end_months=_int(row["followup_end_months"]),
                    followup_end_days=_int(row["followup_end_days"]),
                )
                for row in _seed(project_dir, "measure_stratum")
            ),
            key=lambda s: s.precedence,
        )
    )
    codes = tuple(
        QualityCode(
            code=row["quality_code"],
            outcome=row["outcome"],
            stratum=row["stratum"],
            measure_id=row.get("measure_id") or "",
        )
        for row in _seed(project_dir, "quality_code")
        if row["stratum"] in {s.name for s in strata}
    )
    payers = tuple(sorted({row["payer"] for row in _seed(project_dir, "payer_alias")}))
    measures = load_measures(values, project_dir)
    return Rules(vars=values, strata=strata, quality_codes=codes, payers=payers, measures=measures)


def load_measures(values: Mapping[str, Any], project_dir: Path = DBT_PROJECT_DIR) -> tuple[Measure, ...]:
    """Seed ``measure``, each row with the thresholds of its instrument (``met_threshold_vars``)."""
    names = values.get("met_threshold_vars") or {}
    measures = []
    for row in _seed(project_dir, "measure"):
        if row["instrument"] not in names:
            instrument = row["instrument"]
            raise SettingsError(f"seed measure: instrument {instrument} has no met_threshold_vars entry")
        met_max, improvement_min = names[row["instrument"]]
        measures.append(
            Measure(
                measure_id=row["measure_id"],
                title=row["title"],
                instrument=row["instrument"],
                source_table=row["source_table"],
                body_site=row["body_site"],
                score_min=Decimal(row["score_min"]),
                score_max=Decimal(row["score_max"]),
                is_headline=row["is_headline"].strip().lower() == "true",
                followup_met_max=Decimal(str(values[met_max])),
                improvement_met_min=Decimal(str(values[improvement_min])),
            )
        )
    return tuple(measures)


def headline_measure_id(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """The measure whose not-met code is the headline flag (seed ``measure``: #459)."""
    rows = _seed(project_dir, "measure")
    return next(r["measure_id"] for r in rows if r["is_headline"].strip().lower() == "true")
