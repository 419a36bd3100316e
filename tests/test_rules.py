"""The rules module reads the vars and seeds where dbt reads them, with the run's overrides."""

from __future__ import annotations

import pytest

from orchestration.resources import SettingsError
from orchestration.rules import check_var_names, load_rules, project_vars
from tests.helpers.marts import CODES, PAYERS


def test_vars_seeds_and_payers(fixture_rules):
    assert fixture_rules.one_year_met_max_score == 3.0 and fixture_rules.improvement_met_min == 5.0
    assert fixture_rules.baseline_window_months == 3
    assert fixture_rules.stratum_names == ("lumbarFusion", "lumbarDiscectomy"), "ordered by precedence"
    discectomy = fixture_rules.stratum("lumbarDiscectomy")
    assert (discectomy.followup_start_days, discectomy.followup_end_days) == (42, 140)
    assert fixture_rules.payers == PAYERS
    assert (
        "lumbarDiscectomy",
        "not_met",
        CODES["lumbarDiscectomy"]["not_met"],
    ) in fixture_rules.outcome_codes()
    assert ("lumbarFusion", "pending", "") in fixture_rules.outcome_codes()


def test_overrides_replace_the_project_value_only_for_the_run(rules_project):
    assert load_rules({"one_year_met_max_score": 4.0}, rules_project).one_year_met_max_score == 4.0
    assert load_rules(project_dir=rules_project).one_year_met_max_score == 3.0


def test_an_unknown_var_is_refused(rules_project):
    with pytest.raises(SettingsError, match="one_year_max"):
        load_rules({"one_year_max": 4.0}, rules_project)


def test_the_project_declares_every_rule_var_the_gate_reads():
    check_var_names(
        {
            name: None
            for name in (
                "exclusion_lookback_months",
                "baseline_window_months",
                "one_year_met_max_score",
                "improvement_met_min",
                "minimum_age_years",
            )
        }
    )
    assert {"as_of_date", "performance_year"} <= set(project_vars())
