"""Run configuration, resolved once per run into one resource.

Each setting comes from an explicit value, else an environment variable, else a
default (data contract, "How it is run"). ``G2139Settings`` resolves its fields
when a run starts (``setup_for_execution``), never at import, so ``dagster dev``
picks up a changed variable on the next run; every stage then reads the typed
``RunSettings`` and the ``Warehouse`` from the resource instead of re-resolving.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

import dagster as dg
import yaml
from pydantic import PrivateAttr

from orchestration.settings import (  # noqa: F401 (re-exported: the settings' one home)
    DEFAULT_FHIR_BASE,
    DEFAULT_LANDING,
    DEFAULT_OUTPUT,
    DEFAULT_REPORTING_ORGANIZATION,
    DEFAULT_WAREHOUSE,
    ENGINES,
    ENV_AS_OF,
    ENV_ENGINE,
    ENV_FHIR_BASE,
    ENV_LANDING,
    ENV_OUTPUT,
    ENV_PERFORMANCE_YEAR,
    ENV_REPORTING_ORGANIZATION,
    ENV_WAREHOUSE,
)
from orchestration.warehouse import DuckDBWarehouse

# The dbt project ships with the code; its manifest is built in setup (`dbt parse`).
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
# The project's own Dagster instance (telemetry off in its dagster.yaml): `g2139 run`, the
# daemon and the UI share one run history when DAGSTER_HOME is unset or points here.
PROJECT_DAGSTER_HOME = DBT_PROJECT_DIR.parent / ".dagster_home"

# Offline and private whatever the caller's environment says; the one place that sets them.
QUIET_ENVIRONMENT = {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
}
# Set by the run itself (--as-of, --performance-year), so not overridable as a rule var.
RUN_VARS = ("as_of_date", "performance_year")


def quiet_environment() -> None:
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_DAGSTER_HOME))


def private_files() -> None:
    """Everything a run writes (warehouse, logs, validations, dbt artifacts) is readable by
    its owner only, like the feeds: files 0600, folders 0700."""
    os.umask(0o077)


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the option and variable."""


@dataclass(frozen=True)
class RunSettings:
    landing_dir: Path
    output_dir: Path
    warehouse: Path
    as_of_date: date
    performance_year: int
    # Rule vars overridden for this run (name -> typed value); the rest keep dbt_project.yml's.
    var_overrides: Mapping[str, Any] = field(default_factory=dict)
    engine: str = "duckdb"
    fhir_base: str = DEFAULT_FHIR_BASE
    reporting_organization: str = DEFAULT_REPORTING_ORGANIZATION

    def dbt_vars(self) -> dict[str, Any]:
        """Everything a run passes to dbt (`--vars`) and to the gate's rules: one dict."""
        return {
            **self.var_overrides,
            "as_of_date": self.as_of_date.isoformat(),
            "performance_year": self.performance_year,
        }

    def duckdb_warehouse(self) -> DuckDBWarehouse:
        """The DuckDB file every stage reads and writes, on either engine."""
        return DuckDBWarehouse(self.warehouse)


def parse_var_overrides(pairs: Iterable[str]) -> dict[str, Any]:
    """`name=value` pairs (`g2139 run --var`), values typed as YAML types them (4.0, 12)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SettingsError(f"--var {pair!r}: expected name=value")
        if name in RUN_VARS:
            raise SettingsError(f"--var {name}: set it with --{name.replace('_date', '').replace('_', '-')}")
        overrides[name] = yaml.safe_load(text)
    return overrides


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
    var_overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    engine: str | None = None,
    today: date | None = None,
    fhir_base: str | None = None,
    reporting_organization: str | None = None,
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

    engine_setting = (_pick(engine, env, ENV_ENGINE) or ENGINES[0]).lower()
    if engine_setting not in ENGINES:
        raise SettingsError(f"--engine / {ENV_ENGINE}: {engine_setting!r} is not one of {', '.join(ENGINES)}")

    base = _pick(fhir_base, env, ENV_FHIR_BASE) or DEFAULT_FHIR_BASE
    if not base.startswith(("https://", "http://")):
        raise SettingsError(f"{ENV_FHIR_BASE}: {base!r} is not an http(s) URL (a canonical base, no urn:)")

    def path(explicit: str | None, variable: str, default: str) -> Path:
        return Path(_pick(explicit, env, variable) or default).expanduser().resolve()

    return RunSettings(
        landing_dir=path(landing, ENV_LANDING, DEFAULT_LANDING),
        output_dir=path(output, ENV_OUTPUT, DEFAULT_OUTPUT),
        warehouse=path(warehouse, ENV_WAREHOUSE, DEFAULT_WAREHOUSE),
        as_of_date=as_of_date,
        performance_year=year,
        var_overrides=dict(var_overrides or {}),
        engine=engine_setting,
        fhir_base=base.rstrip("/"),
        reporting_organization=_pick(reporting_organization, env, ENV_REPORTING_ORGANIZATION)
        or DEFAULT_REPORTING_ORGANIZATION,
    )


def _say_twice(context: dg.InitResourceContext, line: str) -> None:
    """A line for the terminal that started the run and for the run's log in the UI."""
    from orchestration.runlock import say

    say(line)
    context.log.info(line)


class G2139Settings(dg.ConfigurableResource):
    """The run's settings as a Dagster resource, resolved once when the run starts.

    Fields left empty fall back to the ``G2139_*`` variables, then to the contract's
    defaults. ``vars`` holds rule-var overrides as ``name: value`` text (Dagster
    config is plain values); they reach dbt and the gate through ``RunSettings.dbt_vars``.
    """

    landing_dir: str | None = None
    output_dir: str | None = None
    warehouse: str | None = None
    as_of: str | None = None
    performance_year: int | None = None
    vars: dict[str, str] = {}
    engine: str | None = None  # duckdb | spark (G2139_ENGINE)
    fhir_base: str | None = None  # G2139_FHIR_BASE
    reporting_organization: str | None = None  # G2139_REPORTING_ORGANIZATION

    _run: RunSettings | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, settings: RunSettings) -> G2139Settings:
        """The resource for settings already resolved (by `g2139 run`): resolving it is the identity."""
        return cls(
            landing_dir=str(settings.landing_dir),
            output_dir=str(settings.output_dir),
            warehouse=str(settings.warehouse),
            as_of=settings.as_of_date.isoformat(),
            performance_year=settings.performance_year,
            vars={name: json.dumps(value) for name, value in settings.var_overrides.items()},
            engine=settings.engine,
            fhir_base=settings.fhir_base,
            reporting_organization=settings.reporting_organization,
        )

    def resolve(self) -> RunSettings:
        return resolve_settings(
            landing=self.landing_dir,
            output=self.output_dir,
            warehouse=self.warehouse,
            as_of=self.as_of,
            performance_year=self.performance_year,
            var_overrides=parse_var_overrides(f"{k}={v}" for k, v in self.vars.items()),
            engine=self.engine,
            fhir_base=self.fhir_base,
            reporting_organization=self.reporting_organization,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from orchestration.automation.partitions import partition_year

        private_files()
        settings = self.resolve()
        year = partition_year(context.run.tags if context.run else None)
        if year is not None and year != settings.performance_year:
            # A partitioned run is for its partition's year, whatever the environment says;
            # an explicit performance_year in the run's config must agree with it.
            if self.performance_year not in (None, year):
                raise SettingsError(
                    f"performance_year {self.performance_year} in the run config, partition {year}"
                )
            settings = dataclasses.replace(settings, performance_year=year)
        if settings.warehouse.exists():  # made before files were private
            settings.warehouse.chmod(0o600)
        if context.dagster_run is not None:  # a run (not a sensor's look): one per warehouse at a time
            from orchestration.runlock import hold

            # Held until the run's process ends (the daemon and the UI start one per run);
            # `g2139 run` holds it already and lets it go when the job has finished.
            hold(settings.warehouse, tell=lambda line: _say_twice(context, line))
        self._run = settings

    @property
    def run(self) -> RunSettings:
        if self._run is None:  # used outside a Dagster run (a test calling an asset's helper)
            self._run = self.resolve()
        return self._run

    @property
    def duckdb_warehouse(self) -> DuckDBWarehouse:
        return self.run.duckdb_warehouse()


T = TypeVar("T")


@dataclass(frozen=True)
class EngineChoice(Generic[T]):
    """A stage's resource, one per engine: the run's ``engine`` setting picks it.

    Which engine has which resources is wired in ``definitions.py`` (as projects wire their
    resources per deployment); a stage asks ``for_run`` and never names an engine itself.
    """

    choices: Mapping[str, T]

    def __post_init__(self) -> None:
        if set(self.choices) != set(ENGINES):
            raise SettingsError(f"resources for engines {sorted(self.choices)}, not {list(ENGINES)}")

    def for_run(self, settings: RunSettings) -> T:
        return self.choices[settings.engine]
