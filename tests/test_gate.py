"""The gate on its own: the suites, built from the rules, on a hand-made marts warehouse.

One Great Expectations validation per test (each takes about a second); corruptions are
made on a copy of the shared fixture warehouse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.gate.checks import accounting_input, episodes_input, summary_input
from orchestration.gate.validation import GateResult, validate
from orchestration.rules import Rules, load_rules
from orchestration.warehouse import DuckDBWarehouse


def gate(warehouse: Path, rules: Rules) -> GateResult:
    engine = DuckDBWarehouse(warehouse)
    return validate([build(engine, rules) for build in (episodes_input, summary_input, accounting_input)])


def failed(result: GateResult) -> dict[str, str]:
    return {o.name: o.detail() for o in result.outcomes if not o.passed}


def corrupt(warehouse: Path, *statements: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for statement in statements:
            con.execute(statement)


def test_consistent_marts_pass_every_suite(marts_warehouse, fixture_rules):
    result = gate(marts_warehouse, fixture_rules)
    assert result.passed, failed(result)
    assert {o.suite for o in result.outcomes} == {"episodes", "measure_summary", "load_accounting"}


CORRUPTIONS = {
    "score 11": (
        ["update marts.episodes set baseline_score = 11 where episode_id = 'E1'"],
        "baseline_score within 0-10",
    ),
    "fusion follow-up after 15 months": (
        ["update marts.episodes set one_year_date = date '2026-06-11' where episode_id = 'E1'"],
        "follow-up date on or before its window end",
    ),
    "discectomy follow-up before 42 days": (
        ["update marts.episodes set one_year_date = date '2025-10-12' where episode_id = 'E4'"],
        "follow-up date on or after its window start",
    ),
    "discectomy code on a fusion episode": (
        ["update marts.episodes set quality_code = 'G2136' where episode_id = 'E1'"],
        "outcome and quality code agree for the stratum",
    ),
    "procedure outside its stratum's period": (
        ["update marts.episodes set procedure_date = date '2025-07-31' where episode_id = 'E4'"],
        "procedure date on or after its period start",
    ),
    "G2139 with g2139=false": (
        ["update marts.episodes set g2139 = false where episode_id = 'E2'"],
        "g2139 is true exactly when the code is G2139",
    ),
    "pending but final": (
        ["update marts.episodes set is_final = true where episode_id = 'E5'"],
        "final exactly when the as-of date is past the window",
    ),
    "a payer missing from the summary": (
        ["delete from marts.measure_summary where level = 'payer' and payer = 'uhc'"],
        "a payer row for every measure, canonical payer and stratum",
    ),
    "overall not the sum of the strata": (
        [
            "update marts.measure_summary set episodes = episodes + 1, pending = pending + 1 "
            "where level = 'all_payers' and stratum = 'overall'"
        ],
        "the overall row is the sum of the strata",
    ),  # fmt: skip
    "a landing row lost": (
        [
            "update marts.load_accounting set rows_loaded = rows_loaded - 1 "
            "where path = 'pain_score/scores.csv'"
        ],
        "rows read = rows loaded + rows quarantined, per file",
    ),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_each_corruption_fails_its_expectation(marts_copy, fixture_rules, corruption):
    statements, expectation = CORRUPTIONS[corruption]
    corrupt(marts_copy, *statements)
    result = gate(marts_copy, fixture_rules)
    assert expectation in failed(result), failed(result)


def test_failures_name_episode_ids_never_person_ids(marts_copy, fixture_rules):
    corrupt(marts_copy, "update marts.episodes set outcome = 'met' where episode_id = 'E2'")
    result = validate([episodes_input(DuckDBWarehouse(marts_copy), fixture_rules)])
    [failure] = [f for f in result.failures() if "outcome and quality code agree" in f]
    assert "E2" in failure and "P2" not in failure


# --------------------------------------------------------------- the checks follow the rule vars
# Each case: a change to the marts that is right under the overridden var and wrong under the
# default. The same rows fail the default rules and pass the overridden ones.
VAR_CASES = {
    "one_year_met_max_score": (
        4.0,
        "update marts.episodes set outcome = 'met', quality_code = 'G2138', g2139 = false "
        "where episode_id = 'E2'",
        "met only when follow-up <= 3.0 or improvement >= 5.0",
    ),
    "improvement_met_min": (
        4.0,
        "update marts.episodes set baseline_score = 7.5, baseline_date = date '2025-03-01', improvement = 4, "
        "outcome = 'met', quality_code = 'G2138', g2139 = false where episode_id = 'E2'",
        "met only when follow-up <= 3.0 or improvement >= 5.0",
    ),
    "baseline_window_months": (
        4,
        "update marts.episodes set baseline_date = date '2024-11-15' where episode_id = 'E1'",
        "baseline date within 3 months",
    ),
}


@pytest.mark.parametrize("var", list(VAR_CASES))
def test_checks_move_with_the_rule_var(marts_copy, rules_project, var):
    value, statement, default_failure = VAR_CASES[var]
    corrupt(marts_copy, statement)
    engine = DuckDBWarehouse(marts_copy)
    default = validate([episodes_input(engine, load_rules(project_dir=rules_project))])
    assert default_failure in failed(default)
    overridden = validate([episodes_input(engine, load_rules({var: value}, project_dir=rules_project))])
    assert overridden.passed, failed(overridden)


def test_window_bounds_shift_by_calendar_months_clamped_to_month_end_then_days():
    import pandas as pd

    from expectations.episodes import _shift

    dates = pd.Series(pd.to_datetime(["2024-01-31", "2024-02-29", None, "2023-10-31", "2025-12-31"]))
    months, days = pd.Series([1, 12, 3, 0, 9]), pd.Series([0, 0, 5, 42, 140])
    shifted = _shift(dates, months, days)
    expected = ["2024-02-29", "2025-02-28", None, "2023-12-12", "2027-02-17"]
    assert [None if pd.isna(v) else v.date().isoformat() for v in shifted] == expected
