"""The gate: the Great Expectations suites of expectations/ as blocking asset checks, run once.

Each check reads the marts it guards through the warehouse, builds its suite from the
run's ``Rules`` (dbt_project.yml vars with the run's overrides, and the seeds) and the
periods dbt computed (marts.measure_definition). Blocking: a failure stops everything
downstream, so the publisher can trust what it reads.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

from collections.abc import Callable
from datetime import date

import dagster as dg
import pandas as pd

from expectations import episode_measures as episode_measures_suite
from expectations import episodes as episode_suite
from expectations import load_accounting as accounting_suite
from expectations import measure_summary as summary_suite
from orchestration import progress
from orchestration.asset_keys import relation_key
from orchestration.gate.docs import prune_runs
from orchestration.gate.formats import reporting_formats
from orchestration.gate.validation import GateResult, SuiteInput, results_dir_for, validate
from orchestration.resources import G2139Settings
from orchestration.rules import Rules, load_rules
from orchestration.warehouse import Warehouse

MARTS = "marts"
EPISODES_KEY = relation_key(MARTS, "episodes")
EPISODE_MEASURES_KEY = relation_key(MARTS, "episode_measures")
SUMMARY_KEY = relation_key(MARTS, "measure_summary")
DEFINITION_KEY = relation_key(MARTS, "measure_definition")
ACCOUNTING_KEY = relation_key(MARTS, "load_accounting")


def denominator_periods(warehouse: Warehouse) -> dict[str, tuple[date, date]]:
    """Each stratum's denominator period, as dbt computed it (one computation of the period)."""
    rows = warehouse.rows(
        "select stratum, denominator_period_start, denominator_period_end from marts.measure_definition"
    )
    return {r["stratum"]: (r["denominator_period_start"], r["denominator_period_end"]) for r in rows}


def episodes_input(warehouse: Warehouse, rules: Rules) -> SuiteInput:
    episodes = warehouse.frame("select * from marts.episodes order by episode_id")
    frame = episode_suite.prepare(episodes, rules, denominator_periods(warehouse))
    return episode_suite.SUITE_NAME, episode_suite.build_expectations(rules), frame, episode_suite.ID_COLUMN


def episode_measures_input(warehouse: Warehouse, rules: Rules) -> SuiteInput:
    rows = warehouse.frame("select * from marts.episode_measures order by measure_id, episode_id")
    frame = episode_measures_suite.prepare(rows, rules)
    suite = episode_measures_suite
    return suite.SUITE_NAME, suite.build_expectations(rules), frame, suite.ID_COLUMN


def summary_input(warehouse: Warehouse, rules: Rules) -> SuiteInput:
    summary = warehouse.frame("select * from marts.measure_summary order by level, level_id, stratum")
    episodes: pd.DataFrame = warehouse.frame("select measure_id, payer, stratum from marts.episode_measures")
    frame = summary_suite.prepare(summary, episodes)
    return summary_suite.SUITE_NAME, summary_suite.build_expectations(rules), frame, summary_suite.ID_COLUMN


def accounting_input(warehouse: Warehouse, rules: Rules) -> SuiteInput:
    frame = accounting_suite.prepare(warehouse.frame("select * from marts.load_accounting order by path"))
    return (
        accounting_suite.SUITE_NAME,
        accounting_suite.build_expectations(rules),
        frame,
        accounting_suite.ID_COLUMN,
    )


def check_result(gate: GateResult) -> dg.AssetCheckResult:
    failed = [o for o in gate.outcomes if not o.passed]
    return dg.AssetCheckResult(
        passed=gate.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(f"{o.name}: {o.detail()}" for o in failed) or "all expectations passed",
        metadata={
            "expectations": dg.MetadataValue.int(len(gate.outcomes)),
            "failed": dg.MetadataValue.json([o.as_check() for o in failed]),
            "data_docs": dg.MetadataValue.path(str(gate.results_dir / "data_docs" / "index.html"))
            if gate.results_dir
            else dg.MetadataValue.text("not kept"),
        },
    )


def run_suite(
    context: dg.AssetCheckExecutionContext,
    g2139: G2139Settings,
    build: Callable[[Warehouse, Rules], SuiteInput],
) -> dg.AssetCheckResult:
    settings = g2139.run
    rules = load_rules(settings.var_overrides)
    progress.stage(f"check {context.check_specs[0].name if context.check_specs else 'suite'}", "suites")
    suite = build(g2139.duckdb_warehouse, rules)
    run_id = context.op_execution_context.run_id
    results = results_dir_for(settings, run_id) / suite[0]
    asset = ".".join(context.check_specs[0].asset_key.path) if context.check_specs else suite[0]
    result = check_result(validate([suite], results, run_id=run_id, asset_name=asset))
    for folder in (results.parent, results.parent.parent):  # the run's and all runs' folders
        folder.chmod(0o700)
    prune_runs(results.parent.parent)
    progress.advance(suite[0])
    progress.end()
    return result


def suite_check(
    name: str,
    asset: dg.AssetKey,
    build: Callable[[Warehouse, Rules], SuiteInput],
    description: str,
    deps: tuple[dg.AssetKey, ...] = (),
) -> dg.AssetChecksDefinition:
    """One Great Expectations suite as a blocking check of the mart it guards."""

    @dg.asset_check(
        name=name, asset=asset, blocking=True, additional_deps=list(deps), description=description
    )
    def check(context: dg.AssetCheckExecutionContext, g2139: G2139Settings) -> dg.AssetCheckResult:
        return run_suite(context, g2139, build)

    return check


episodes_expectations = suite_check(
    "episodes_expectations",
    EPISODES_KEY,
    episodes_input,
    "Great Expectations suite `episodes`: scores, per-stratum windows, codes, outcome rules.",
    deps=(DEFINITION_KEY,),
)
measure_summary_expectations = suite_check(
    "measure_summary_expectations",
    SUMMARY_KEY,
    summary_input,
    "Great Expectations suite `measure_summary`: counts add up and match the published episodes.",
    deps=(EPISODE_MEASURES_KEY,),
)
episode_measures_expectations = suite_check(
    "episode_measures_expectations",
    EPISODE_MEASURES_KEY,
    episode_measures_input,
    "Great Expectations suite `episode_measures`: each measure's scale, windows and met rule.",
)
load_accounting_expectations = suite_check(
    "load_accounting_expectations",
    ACCOUNTING_KEY,
    accounting_input,
    "Great Expectations suite `load_accounting`: every landing row loaded or quarantined.",
)

gate_checks = [
    episodes_expectations,
    episode_measures_expectations,
    measure_summary_expectations,
    load_accounting_expectations,
    reporting_formats,
]
