"""The measure's rules as Python sees them: read from where dbt reads them, never restated.

Rule parameters are the vars of ``dbt_project.yml`` (with the run's overrides, the
same dict the run passes to dbt); strata, quality codes and payers are the seeds.
The Great Expectations suites build every threshold, window, code and payer list
from a ``Rules``, so that a rule changed in its one place moves models and checks together.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestration.resources import DBT_PROJECT_DIR, SettingsError


@dataclass(frozen=True)
class Stratum:
    """One stratum of the measure (seed `measure_stratum`)."""

    name: str
    measure_id: str
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


@dataclass(frozen=True)
class Rules:
    vars: Mapping[str, Any]
    strata: tuple[Stratum, ...]
    quality_codes: tuple[QualityCode, ...]
    payers: tuple[str, ...]

    @property
    def one_year_met_max_score(self) -> float:
        return float(self.vars["one_year_met_max_score"])

    @property
    def improvement_met_min(self) -> float:
        return float(self.vars["improvement_met_min"])

    @property
    def baseline_window_months(self) -> int:
        return int(self.vars["baseline_window_months"])

    @property
    def stratum_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.strata)

    def stratum(self, name: str) -> Stratum:
        return next(s for s in self.strata if s.name == name)

    def outcome_codes(self) -> set[tuple[str, str, str]]:
        """(stratum, outcome, code) as the seed pairs them; a pending outcome has no code."""
        pairs = {(q.stratum, q.outcome, q.code) for q in self.quality_codes}
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
                    measure_id=row["measure_id"],
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
        QualityCode(code=row["quality_code"], outcome=row["outcome"], stratum=row["stratum"])
        for row in _seed(project_dir, "quality_code")
        if row["stratum"] in {s.name for s in strata}
    )
    payers = tuple(sorted({row["payer"] for row in _seed(project_dir, "payer_alias")}))
    return Rules(vars=values, strata=strata, quality_codes=codes, payers=payers)
