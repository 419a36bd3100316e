"""Run configuration: one resolution rule for the CLI, Dagster and tests.

Each setting comes from an explicit value, else an environment variable, else a
default (data contract, "How it is run"). The environment is read when a run
starts, never at import, so ``dagster dev`` picks up a changed variable on the
next run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

ENV_LANDING = "G2139_LANDING_DIR"
ENV_OUTPUT = "G2139_OUTPUT_DIR"
ENV_WAREHOUSE = "G2139_WAREHOUSE"
ENV_AS_OF = "G2139_AS_OF"
ENV_PERFORMANCE_YEAR = "G2139_PERFORMANCE_YEAR"

# The dbt project ships with the code; its manifest is built in setup (`dbt parse`).
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

DEFAULT_LANDING = "data/landing"
DEFAULT_OUTPUT = "data/published"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the option and variable."""


@dataclass(frozen=True)
class RunSettings:
    landing_dir: Path
    output_dir: Path
    warehouse: Path
    as_of_date: date
    performance_year: int

    @property
    def period_start(self) -> date:
        """First day of the denominator identification period (measure.md)."""
        return date(self.performance_year - 2, 10, 1)

    @property
    def period_end(self) -> date:
        return date(self.performance_year - 1, 9, 30)


def _pick(explicit: str | None, environ: Mapping[str, str], variable: str) -> str | None:
    if explicit not in (None, ""):
        return explicit
    value = environ.get(variable, "").strip()
    return value or None


def resolve_settings(
    *,
    landing: str | None = None,
    output: str | None = None,
    warehouse: str | None = None,
    as_of: str | None = None,
    performance_year: str | int | None = None,
    environ: Mapping[str, str] | None = None,
    today: date | None = None,
) -> RunSettings:
    """Explicit value, else environment variable, else default; paths made absolute."""
    env = os.environ if environ is None else environ
    as_of_text = _pick(as_of, env, ENV_AS_OF)
    try:
        as_of_date = date.fromisoformat(as_of_text) if as_of_text else (today or date.today())
    except ValueError as error:
        raise SettingsError(f"--as-of / {ENV_AS_OF}: {as_of_text!r} is not a YYYY-MM-DD date") from error
    year_text = _pick(None if performance_year is None else str(performance_year), env, ENV_PERFORMANCE_YEAR)
    try:
        year = int(year_text) if year_text else as_of_date.year
    except ValueError as error:
        raise SettingsError(
            f"--performance-year / {ENV_PERFORMANCE_YEAR}: {year_text!r} is not a year"
        ) from error

    def path(explicit: str | None, variable: str, default: str) -> Path:
        return Path(_pick(explicit, env, variable) or default).expanduser().resolve()

    return RunSettings(
        landing_dir=path(landing, ENV_LANDING, DEFAULT_LANDING),
        output_dir=path(output, ENV_OUTPUT, DEFAULT_OUTPUT),
        warehouse=path(warehouse, ENV_WAREHOUSE, DEFAULT_WAREHOUSE),
        as_of_date=as_of_date,
        performance_year=year,
    )


class G2139Settings(dg.ConfigurableResource):
    """The run's settings as a Dagster resource.

    Fields left empty fall back to the ``G2139_*`` variables, read when the run
    asks for them (``settings()``), then to the contract's defaults.
    """

    landing_dir: str | None = None
    output_dir: str | None = None
    warehouse: str | None = None
    as_of: str | None = None
    performance_year: int | None = None

    def settings(self) -> RunSettings:
        return resolve_settings(
            landing=self.landing_dir,
            output=self.output_dir,
            warehouse=self.warehouse,
            as_of=self.as_of,
            performance_year=self.performance_year,
        )
