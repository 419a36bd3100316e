"""A rule changed in its one place (a dbt var, overridden with `g2139 run --var`) moves the
outcome, and the gate agrees: the run with the override passes its blocking checks and
publishes, while the same marts fail the checks built from the default rules.

Two runs over one small hand-made landing: the defaults, and every override at once. Each
person below is sensitive to exactly one var, so each test reads its own person.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.gate.checks import episodes_input
from orchestration.gate.validation import validate
from orchestration.resources import parse_var_overrides
from orchestration.rules import load_rules
from orchestration.warehouse import DuckDBWarehouse
from tests.helpers.scenarios import (
    AS_OF,
    AT_12_MONTHS,
    PERFORMANCE_YEAR,
    Line,
    Person,
    Scenario,
    Score,
    write_landing,
)

pytestmark = pytest.mark.pipeline

OVERRIDES = {
    "one_year_met_max_score": "4.0",
    "improvement_met_min": "4",
    "baseline_window_months": "4",
    "exclusion_lookback_months": "13",
    "minimum_age_years": "19",
}
# var -> (person, outcome under the default, outcome under the override; None = not in the feed)
MOVES = {
    "one_year_met_max_score": ("var_one_year_3_5", "not_met", "met"),
    "improvement_met_min": ("var_improvement_4", "not_met", "met"),
    "baseline_window_months": ("var_baseline_4_months_before", "not_met", "met"),
    "exclusion_lookback_months": ("var_cancer_13_months_before", "met", "excluded"),
    "minimum_age_years": ("var_born_2005_10_02", "met", None),
}
SCENARIOS = [
    # 3.5 at one year, no baseline: above 3.0, within 4.0.
    Scenario("var_one_year_3_5", "", (Line(),), scores=(Score(AT_12_MONTHS, "3.5"),)),
    # 8.5 -> 4.5: improvement 4, short of 5 and enough for 4; 4.5 stays above 4.0.
    Scenario(
        "var_improvement_4", "", (Line(),), scores=(Score("2025-02-10", "8.5"), Score(AT_12_MONTHS, "4.5"))
    ),
    # A baseline 4 months before surgery (10 -> 5, improvement 5) counts only with a 4-month window.
    Scenario(
        "var_baseline_4_months_before",
        "",
        (Line(),),
        scores=(Score("2024-11-10", "10"), Score(AT_12_MONTHS, "5.0")),
    ),
    # Metastasis 13 months before surgery: outside a 12-month lookback, inside 13.
    Scenario(
        "var_cancer_13_months_before",
        "",
        (Line(), Line(date="2024-02-10", hcpcs="99213", dx1="C79.51", claim="dx")),
        scores=(Score(AT_12_MONTHS, "2.0"),),
    ),
    # 18 on 1 October 2024 (19 the next day): in at 18, out at 19.
    Scenario(
        "var_born_2005_10_02",
        "",
        (Line(),),
        scores=(Score(AT_12_MONTHS, "2.0"),),
        people=(Person("2005-10-02"),),
    ),
]


@dataclass
class Run:
    warehouse: Path
    outcomes: dict[str, str]


def _run(root: Path, landing: Path, overrides: dict[str, str]) -> Run:
    warehouse = root / "warehouse.duckdb"
    args = [
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        "--output",
        str(root / "published"),
    ]
    args += ["--as-of", AS_OF.isoformat(), "--performance-year", str(PERFORMANCE_YEAR)]
    args += [part for name, value in overrides.items() for part in ("--var", f"{name}={value}")]
    assert main(args) == 0, f"g2139 run with {overrides or 'the defaults'} failed"
    assert (root / "published" / str(PERFORMANCE_YEAR) / "manifest.json").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select person_id, outcome from marts.episodes").fetchall()
    return Run(warehouse, dict(rows))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    root = tmp_path_factory.mktemp("rule_vars")
    landing = write_landing(root / "landing", SCENARIOS)
    return {
        "default": _run(root / "default", landing, {}),
        "override": _run(root / "override", landing, OVERRIDES),
    }


@pytest.mark.parametrize("var", list(MOVES))
def test_the_outcome_moves_with_the_var(runs, var):
    person, default, overridden = MOVES[var]
    assert runs["default"].outcomes.get(person) == default
    assert runs["override"].outcomes.get(person) == overridden


def test_the_default_checks_would_refuse_what_the_overrides_produced(runs):
    """The override run passed its gate; the suite built from the defaults rejects the same marts,
    naming the rules that moved (the thresholds and the baseline window)."""
    marts = DuckDBWarehouse(runs["override"].warehouse)
    default = validate([episodes_input(marts, load_rules())])
    refused = {o.name for o in default.outcomes if not o.passed}
    assert {
        "met only when follow-up <= 3.0 or improvement >= 5.0",
        "baseline date within 3 months",
    } <= refused
    overrides = parse_var_overrides(f"{name}={value}" for name, value in OVERRIDES.items())
    assert validate([episodes_input(marts, load_rules(overrides))]).passed
