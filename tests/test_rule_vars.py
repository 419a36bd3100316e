"""A rule changed in its one place (a dbt var, overridden with `g2139 run --var`) moves the
outcome, and the gate agrees: the run with the override passes its blocking checks and
publishes, while the same marts fail the checks built from the default rules.

Two runs over one small hand-made landing: the defaults, and every override at once. Each
person below is sensitive to exactly one var, so each test reads its own person and measure:
the pain thresholds move #459 (back) and #461 (leg) alike, the ODI thresholds move #471.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.gate.checks import episode_measures_input, episodes_input
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
    "odi_met_max_score": "25",
    "odi_improvement_met_min": "28",
    "improvement_met_min": "4",
    "baseline_window_months": "4",
    "exclusion_lookback_months": "13",
    "minimum_age_years": "19",
}
# case -> (person, measure, outcome under the default, outcome under the override; None = not in the feed)
MOVES = {
    "one_year_met_max_score": ("var_one_year_3_5", "459", "not_met", "met"),
    "one_year_met_max_score_leg": ("var_leg_3_5", "461", "not_met", "met"),
    "improvement_met_min": ("var_improvement_4", "459", "not_met", "met"),
    "odi_met_max_score": ("var_odi_25", "471", "not_met", "met"),
    "odi_improvement_met_min": ("var_odi_improvement_28", "471", "not_met", "met"),
    "baseline_window_months": ("var_baseline_4_months_before", "459", "not_met", "met"),
    "exclusion_lookback_months": ("var_cancer_13_months_before", "459", "met", "excluded"),
    "minimum_age_years": ("var_born_2005_10_02", "459", "met", None),
}
# ODI questionnaires (functional_status): person, date, score.
ODI_SCORES = [
    ("var_odi_25", AT_12_MONTHS, "25"),  # above 22, within 25
    ("var_odi_improvement_28", "2025-02-10", "60"),  # 60 -> 32: improvement 28, short of 30
    ("var_odi_improvement_28", AT_12_MONTHS, "32"),
]
SCENARIOS = [
    # 3.5 at one year, no baseline: above 3.0, within 4.0.
    Scenario("var_one_year_3_5", "", (Line(),), scores=(Score(AT_12_MONTHS, "3.5"),)),
    # Leg pain 3.5 at one year (#461), back pain 2.0 (#459 met either way).
    Scenario(
        "var_leg_3_5",
        "",
        (Line(),),
        scores=(Score(AT_12_MONTHS, "3.5", site="leg"), Score(AT_12_MONTHS, "2.0")),
    ),
    Scenario("var_odi_25", "", (Line(),), scores=(Score(AT_12_MONTHS, "2.0"),)),
    Scenario("var_odi_improvement_28", "", (Line(),), scores=(Score(AT_12_MONTHS, "2.0"),)),
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
    outcomes: dict[tuple[str, str], str]


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
        rows = con.execute("select person_id, measure_id, outcome from marts.episode_measures").fetchall()
    return Run(warehouse, {(person, measure): outcome for person, measure, outcome in rows})


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    root = tmp_path_factory.mktemp("rule_vars")
    landing = write_landing(root / "landing", SCENARIOS)
    odi = landing / "functional_status"
    odi.mkdir()
    lines = [f"{person},{day},ODI,2.1a,{score}" for person, day, score in ODI_SCORES]
    header = "person_id,assessment_date,instrument,version,score"
    (odi / "odi.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return {
        "default": _run(root / "default", landing, {}),
        "override": _run(root / "override", landing, OVERRIDES),
    }


@pytest.mark.parametrize("case", list(MOVES))
def test_the_outcome_moves_with_the_var(runs, case):
    person, measure, default, overridden = MOVES[case]
    assert runs["default"].outcomes.get((person, measure)) == default
    assert runs["override"].outcomes.get((person, measure)) == overridden


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


def test_the_default_checks_of_every_measure_would_refuse_the_overridden_outcomes(runs):
    """#461 and #471 moved with their thresholds: the family's suite built from the defaults
    refuses their met outcomes; built from the overrides it passes."""
    marts = DuckDBWarehouse(runs["override"].warehouse)
    default = validate([episode_measures_input(marts, load_rules())])
    refused = {o.name for o in default.outcomes if not o.passed}
    assert any(name.startswith("met only when #459 follow-up <= 3.0") for name in refused)
    overrides = parse_var_overrides(f"{name}={value}" for name, value in OVERRIDES.items())
    assert validate([episode_measures_input(marts, load_rules(overrides))]).passed
