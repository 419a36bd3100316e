"""Expectations on the episode feed (marts.episodes), checked before anything is published.

Each expectation carries a short `description`, which is how a failure is named
to the user. Columns prefixed `check_` are derived in `prepare` from the row
itself so that cross-column rules read as plain expectations.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

SUITE_NAME = "episodes"
ID_COLUMN = "episode_id"

PAYERS = ["aetna", "bcbs", "cigna", "uhc", "medicare"]
OUTCOMES = ["met", "not_met", "not_measured", "excluded", "pending"]
QUALITY_CODES = ["G2138", "G2139", "G9946", "G9945"]
OUTCOME_CODE_PAIRS = [
    ("met", "G2138"),
    ("not_met", "G2139"),
    ("not_measured", "G9946"),
    ("excluded", "G9945"),
    ("pending", ""),
]


def prepare(episodes: pd.DataFrame) -> pd.DataFrame:
    """The episode frame plus the window bounds and rule flags the expectations read."""
    frame = episodes.copy()
    for column in ("procedure_date", "baseline_date", "one_year_date"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("baseline_score", "one_year_score", "improvement"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    procedure = frame["procedure_date"]
    # pandas' month offsets clamp to month end, as the measure's calendar arithmetic does.
    frame["check_baseline_window_start"] = procedure - pd.DateOffset(months=3)
    frame["check_one_year_window_start"] = procedure + pd.DateOffset(months=9)
    frame["check_one_year_window_end"] = procedure + pd.DateOffset(months=15)
    frame["check_quality_code"] = frame["quality_code"].fillna("")
    frame["check_code_is_g2139"] = frame["quality_code"].eq("G2139")
    frame["check_g2139"] = frame["g2139"].astype(bool)
    met = frame["outcome"].eq("met")
    met_rule = frame["one_year_score"].le(3.0) | frame["improvement"].ge(5.0)
    frame["check_met_rule_holds"] = ~met | met_rule
    not_measured = frame["outcome"].eq("not_measured")
    frame["check_not_measured_rule_holds"] = ~not_measured | (
        frame["one_year_score"].isna() & frame["is_final"].astype(bool)
    )
    difference = frame["baseline_score"] - frame["one_year_score"]
    frame["check_improvement_is_difference"] = (frame["improvement"].isna() & difference.isna()) | (
        frame["improvement"] - difference
    ).abs().lt(1e-9)
    return frame


def build_expectations(period_start: date, period_end: date) -> list:
    import great_expectations.expectations as x  # imported when used: it takes seconds
    start, end = pd.Timestamp(period_start), pd.Timestamp(period_end)
    return [
        x.ExpectColumnValuesToBeUnique(column=ID_COLUMN, description="episode_id is unique"),
        *[
            x.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is present")
            for c in (ID_COLUMN, "person_id", "payer", "procedure_date", "outcome", "g2139", "is_final")
        ],
        # Score ranges (0-10 scale) and improvement range.
        x.ExpectColumnValuesToBeBetween(
            column="baseline_score", min_value=0, max_value=10, description="baseline score within 0-10"
        ),
        x.ExpectColumnValuesToBeBetween(
            column="one_year_score", min_value=0, max_value=10, description="one-year score within 0-10"
        ),
        x.ExpectColumnValuesToBeBetween(
            column="improvement", min_value=-10, max_value=10, description="improvement within -10..10"
        ),
        x.ExpectColumnValuesToBeInSet(
            column="check_improvement_is_difference",
            value_set=[True],
            description="improvement = baseline - one-year",
        ),
        # Date windows.
        x.ExpectColumnValuesToBeBetween(
            column="procedure_date",
            min_value=start,
            max_value=end,
            description=f"procedure date inside the denominator period {period_start}..{period_end}",
        ),
        x.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="baseline_date",
            column_B="check_baseline_window_start",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="baseline date on or after procedure - 3 months",
        ),
        x.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="procedure_date",
            column_B="baseline_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="baseline date on or before the procedure",
        ),
        x.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="one_year_date",
            column_B="check_one_year_window_start",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="one-year date on or after procedure + 9 months",
        ),
        x.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="check_one_year_window_end",
            column_B="one_year_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="one-year date on or before procedure + 15 months",
        ),
        # Value sets.
        x.ExpectColumnValuesToBeInSet(column="payer", value_set=PAYERS, description="payer is canonical"),
        x.ExpectColumnValuesToBeInSet(column="outcome", value_set=OUTCOMES, description="outcome is known"),
        x.ExpectColumnValuesToBeInSet(
            column="quality_code", value_set=QUALITY_CODES, description="quality code is known"
        ),
        # Consistency of the outcome with its code and with the rules.
        x.ExpectColumnPairValuesToBeInSet(
            column_A="outcome",
            column_B="check_quality_code",
            value_pairs_set=OUTCOME_CODE_PAIRS,
            description="outcome and quality code agree",
        ),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="check_g2139",
            column_B="check_code_is_g2139",
            description="g2139 is true exactly when the code is G2139",
        ),
        x.ExpectColumnValuesToBeInSet(
            column="check_met_rule_holds",
            value_set=[True],
            description="met only when one-year <= 3.0 or improvement >= 5.0",
        ),
        x.ExpectColumnValuesToBeInSet(
            column="check_not_measured_rule_holds",
            value_set=[True],
            description="not_measured only without a one-year score after the window closed",
        ),
    ]
