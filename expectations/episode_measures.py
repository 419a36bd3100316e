"""Expectations on every published episode's outcome per measure (marts.episode_measures).

Each measure's rule comes from ``Rules.measures`` (seed ``measure`` and the vars its
instrument names): values on the instrument's scale (pain 0-10, ODI 0-100), baseline within
the baseline window, follow-up in the stratum's window, met and not met as the thresholds
say, and one row per episode and measure.
"""

from __future__ import annotations

import pandas as pd

from expectations.episodes import _shift
from orchestration.rules import Rules

SUITE_NAME = "episode_measures"
ID_COLUMN = "episode_id"


def prepare(rows: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    frame = rows.copy()
    frame["measure_id"] = frame["measure_id"].astype(str)
    for column in ("procedure_date", "baseline_date", "followup_date"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("baseline_score", "followup_score", "improvement"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    measures = {m.measure_id: m for m in rules.measures}
    known = frame["measure_id"].isin(list(measures))

    def rule(name: str) -> pd.Series:
        return frame["measure_id"].map(lambda m: float(getattr(measures[m], name)) if m in measures else None)

    top, gain = rule("followup_met_max"), rule("improvement_met_min")
    low, high = rule("score_min"), rule("score_max")
    in_range = [
        frame[c].isna() | (frame[c].ge(low) & frame[c].le(high)) for c in ("baseline_score", "followup_score")
    ]
    frame["check_measure_known"] = known
    frame["check_values_on_scale"] = in_range[0] & in_range[1]
    met_rule = frame["followup_score"].le(top) | frame["improvement"].ge(gain)
    measured = frame["followup_score"].notna()
    frame["check_met_rule_holds"] = frame["outcome"].ne("met") | met_rule
    frame["check_not_met_rule_holds"] = frame["outcome"].ne("not_met") | (measured & ~met_rule)
    strata = {s.name: s for s in rules.strata}

    def field(name: str) -> pd.Series:
        return frame["stratum"].map(lambda s: getattr(strata[s], name) if s in strata else 0)

    start = _shift(frame["procedure_date"], field("followup_start_months"), field("followup_start_days"))
    end = _shift(frame["procedure_date"], field("followup_end_months"), field("followup_end_days"))
    baseline_start = frame["procedure_date"] - pd.DateOffset(months=rules.baseline_window_months)
    frame["check_followup_in_window"] = frame["followup_date"].isna() | (
        frame["followup_date"].ge(start) & frame["followup_date"].le(end)
    )
    frame["check_baseline_in_window"] = frame["baseline_date"].isna() | (
        frame["baseline_date"].ge(baseline_start) & frame["baseline_date"].le(frame["procedure_date"])
    )
    frame["check_row_key"] = frame["measure_id"] + "/" + frame["episode_id"]
    return frame


def build_expectations(rules: Rules) -> list:
    import great_expectations.expectations as x  # imported when used: it takes seconds

    def all_true(column: str, description: str):
        return x.ExpectColumnValuesToBeInSet(column=column, value_set=[True], description=description)

    rules_text = "; ".join(
        f"#{m.measure_id} follow-up <= {m.followup_met_max} or improvement >= {m.improvement_met_min}"
        for m in rules.measures
    )
    return [
        x.ExpectColumnValuesToBeUnique(column="check_row_key", description="one row per episode and measure"),
        all_true("check_measure_known", "measure is one of seed measure's"),
        all_true("check_values_on_scale", "values on the measure's scale (pain 0-10, ODI 0-100)"),
        all_true("check_baseline_in_window", f"baseline within {rules.baseline_window_months} months"),
        all_true("check_followup_in_window", "follow-up in its stratum's window"),
        all_true("check_met_rule_holds", f"met only when {rules_text}"),
        all_true("check_not_met_rule_holds", "not_met only when the measure's met rule fails"),
    ]
