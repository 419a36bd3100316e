"""Expectations on the episode feed (marts.episodes), checked before anything is published.

Every threshold, window, code and payer comes from ``Rules`` (dbt_project.yml vars and the
seeds, with the run's overrides); the denominator period of each stratum comes from
marts.measure_definition, where dbt computed it once. Columns prefixed ``check_`` are derived
in ``prepare`` from the row and its stratum, so that per-stratum rules read as plain
expectations. Each expectation's ``description`` is how a failure is named to the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from orchestration.rules import Rules

SUITE_NAME = "episodes"
ID_COLUMN = "episode_id"
# The feed's `g2139` flag means "the quality code is the one this column is named after".
G2139_COLUMN = "g2139"
SCORE_MAX = 10  # the 0-10 scale of the data contract


def _shift(dates: pd.Series, months: pd.Series, days: pd.Series) -> pd.Series:
    """date + months (clamped to month end, as the measure's calendar arithmetic) + days.
    Vectorised per distinct (months, days): a stratum has one of each, so a few passes."""
    shifted = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    steps = pd.DataFrame({"months": months.astype(int), "days": days.astype(int)}, index=dates.index)
    for (month_count, day_count), rows in steps.groupby(["months", "days"]).groups.items():
        part = pd.to_datetime(dates.loc[rows])
        shifted.loc[rows] = part + pd.DateOffset(months=int(month_count)) + pd.Timedelta(days=int(day_count))
    return shifted


def prepare(episodes: pd.DataFrame, rules: Rules, periods: Mapping[str, tuple[date, date]]) -> pd.DataFrame:
    """The episode frame plus the per-stratum bounds and rule flags the expectations read."""
    frame = episodes.copy()
    for column in ("procedure_date", "baseline_date", "one_year_date", "as_of_date"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("baseline_score", "one_year_score", "improvement"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    strata = {s.name: s for s in rules.strata}
    stratum = frame["stratum"].map(strata)
    known = stratum.notna()

    def field(name: str) -> pd.Series:
        return stratum.map(lambda s: getattr(s, name) if s is not None else 0).fillna(0)

    procedure = frame["procedure_date"].where(known)
    frame["check_stratum_known"] = known
    frame["check_followup_start"] = _shift(
        procedure, field("followup_start_months"), field("followup_start_days")
    )
    frame["check_followup_end"] = _shift(procedure, field("followup_end_months"), field("followup_end_days"))
    frame["check_baseline_window_start"] = procedure - pd.DateOffset(months=rules.baseline_window_months)
    frame["check_period_start"] = pd.to_datetime(frame["stratum"].map(lambda s: periods.get(s, (None,))[0]))
    frame["check_period_end"] = pd.to_datetime(
        frame["stratum"].map(lambda s: periods.get(s, (None, None))[1])
    )
    frame["check_outcome_code"] = (
        frame["stratum"].fillna("")
        + "/"
        + frame["outcome"].fillna("")
        + "/"
        + frame["quality_code"].fillna("")
    )
    frame["check_code_is_g2139"] = frame["quality_code"].fillna("").str.lower().eq(G2139_COLUMN)
    frame["check_g2139"] = frame[G2139_COLUMN].astype(bool)
    frame["check_is_final_after_followup"] = frame["is_final"].astype(bool) == (
        frame["as_of_date"] > frame["check_followup_end"]
    )
    met_rule = frame["one_year_score"].le(rules.one_year_met_max_score) | frame["improvement"].ge(
        rules.improvement_met_min
    )
    measured = frame["one_year_score"].notna()
    frame["check_met_rule_holds"] = frame["outcome"].ne("met") | met_rule
    frame["check_not_met_rule_holds"] = frame["outcome"].ne("not_met") | (measured & ~met_rule)
    frame["check_not_measured_rule_holds"] = frame["outcome"].ne("not_measured") | (
        ~measured & frame["is_final"].astype(bool)
    )
    difference = frame["baseline_score"] - frame["one_year_score"]
    frame["check_improvement_is_difference"] = (frame["improvement"].isna() & difference.isna()) | (
        frame["improvement"] - difference
    ).abs().lt(1e-9)
    return frame


def _on_or_after(later: str, earlier: str, description: str):
    import great_expectations.expectations as x

    return x.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=later,
        column_B=earlier,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        description=description,
    )


def _all_true(column: str, description: str):
    import great_expectations.expectations as x

    return x.ExpectColumnValuesToBeInSet(column=column, value_set=[True], description=description)


def build_expectations(rules: Rules) -> list:
    import great_expectations.expectations as x  # imported when used: it takes seconds

    months = rules.baseline_window_months
    top, gain = rules.one_year_met_max_score, rules.improvement_met_min
    required = (
        ID_COLUMN,
        "person_id",
        "payer",
        "stratum",
        "procedure_date",
        "outcome",
        G2139_COLUMN,
        "is_final",
    )
    return [
        x.ExpectColumnValuesToBeUnique(column=ID_COLUMN, description="episode_id is unique"),
        *[x.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is present") for c in required],
        # Score ranges and improvement range.
        *[
            x.ExpectColumnValuesToBeBetween(
                column=c, min_value=0, max_value=SCORE_MAX, description=f"{c} within 0-{SCORE_MAX}"
            )
            for c in ("baseline_score", "one_year_score")
        ],
        x.ExpectColumnValuesToBeBetween(
            column="improvement",
            min_value=-SCORE_MAX,
            max_value=SCORE_MAX,
            description="improvement in range",
        ),
        _all_true("check_improvement_is_difference", "improvement = baseline - follow-up score"),
        # Date windows, per stratum.
        _all_true("check_stratum_known", "stratum is one of the seed's strata"),
        _on_or_after("procedure_date", "check_period_start", "procedure date on or after its period start"),
        _on_or_after("check_period_end", "procedure_date", "procedure date on or before its period end"),
        _on_or_after("baseline_date", "check_baseline_window_start", f"baseline date within {months} months"),
        _on_or_after("procedure_date", "baseline_date", "baseline date on or before the procedure"),
        _on_or_after("one_year_date", "check_followup_start", "follow-up date on or after its window start"),
        _on_or_after("check_followup_end", "one_year_date", "follow-up date on or before its window end"),
        _all_true("check_is_final_after_followup", "final exactly when the as-of date is past the window"),
        # Value sets from the seeds.
        x.ExpectColumnValuesToBeInSet(
            column="payer", value_set=list(rules.payers), description="payer is canonical"
        ),
        x.ExpectColumnValuesToBeInSet(
            column="check_outcome_code",
            value_set=sorted("/".join(triple) for triple in rules.outcome_codes()),
            description="outcome and quality code agree for the stratum",
        ),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="check_g2139",
            column_B="check_code_is_g2139",
            description="g2139 is true exactly when the code is G2139",
        ),
        # Consistency of the outcome with the rules.
        _all_true("check_met_rule_holds", f"met only when follow-up <= {top} or improvement >= {gain}"),
        _all_true(
            "check_not_met_rule_holds", f"not_met only when follow-up > {top} and improvement < {gain}"
        ),
        _all_true(
            "check_not_measured_rule_holds", "not_measured only without a score after the window closed"
        ),
    ]
