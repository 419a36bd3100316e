"""Expectations on the summary mart (marts.measure_summary): counts that add up, agree with
the published episodes they summarise (each measure's rows of marts.episode_measures), and
cover every measure of the family, canonical payer and stratum."""

from __future__ import annotations

import pandas as pd

from orchestration.rules import Rules

SUITE_NAME = "measure_summary"
ID_COLUMN = "level_id"
OVERALL = "overall"  # the mart's name for the sum over the strata
COUNTS = ("episodes", "excluded", "pending", "eligible_population", "performance_met", "performance_not_met")
RATE_TOLERANCE = 5e-7  # decimal(7,6) rounding


def _rate_matches(rate: pd.Series, numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    rate = pd.to_numeric(rate).astype("float64")
    expected = numerator.where(denominator > 0) / denominator.where(denominator > 0)
    return (rate.isna() & expected.isna()) | (rate - expected).abs().le(RATE_TOLERANCE)


def prepare(summary: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """``episodes``: measure_id, payer and stratum of every published episode and measure."""
    frame = summary.copy()
    for column in (*COUNTS, "not_met", "not_measured"):
        frame[column] = frame[column].astype("int64")
    frame["measure_id"] = frame["measure_id"].astype(str)
    payer_rows = frame["level"].eq("payer")
    frame["check_payer_stratum"] = (
        frame["measure_id"] + "/" + frame["payer"] + "/" + frame["stratum"]
    ).where(payer_rows)
    frame["check_row_key"] = (
        frame["measure_id"] + "/" + frame["level"] + "/" + frame["level_id"] + "/" + frame["stratum"]
    )
    # The published rows of (measure, payer, stratum); the overall row counts both strata.
    episodes = episodes.assign(measure_id=episodes["measure_id"].astype(str))
    by_stratum = episodes.groupby(["measure_id", "payer", "stratum"]).size()
    by_payer = episodes.groupby(["measure_id", "payer"]).size()
    feed_rows = [
        (by_payer.get((m, p), 0) if s == OVERALL else by_stratum.get((m, p, s), 0)) if is_payer else None
        for m, p, s, is_payer in zip(
            frame["measure_id"], frame["payer"], frame["stratum"], payer_rows, strict=True
        )
    ]
    frame["check_feed_rows"] = pd.array(feed_rows, dtype="Int64")
    frame["check_payer_episodes"] = frame["episodes"].where(payer_rows).astype("Int64")
    # The overall row of a measure and level id is the sum of its strata's rows.
    by_scope = ["measure_id", "level", "level_id"]
    strata = frame[frame["stratum"].ne(OVERALL)].groupby(by_scope)[list(COUNTS)].sum()
    overall = frame["stratum"].eq(OVERALL)
    keys = list(zip(frame["measure_id"], frame["level"], frame["level_id"], strict=True))
    frame["check_overall_is_sum"] = [
        not is_overall or (key in strata.index and all(row[c] == strata.loc[key, c] for c in COUNTS))
        for key, is_overall, (_, row) in zip(keys, overall, frame.iterrows(), strict=True)
    ]
    frame["check_met_plus_not_met"] = frame["performance_met"] + frame["performance_not_met"]
    frame["check_not_met_plus_not_measured"] = frame["not_met"] + frame["not_measured"]
    frame["check_all_outcomes"] = frame["eligible_population"] + frame["excluded"] + frame["pending"]
    frame["check_rate_is_met_over_eligible"] = _rate_matches(
        frame["performance_rate"], frame["performance_met"], frame["eligible_population"]
    )
    frame["check_ready_without_pending"] = frame["ready"].astype(bool) == frame["pending"].eq(0)
    return frame


def build_expectations(rules: Rules) -> list:
    import great_expectations.expectations as x  # imported when used: it takes seconds

    strata = [*rules.stratum_names, OVERALL]
    payer_strata = [f"{m}/{p}/{s}" for m in rules.measure_ids for p in rules.payers for s in strata]

    def equal(a: str, b: str, description: str):
        return x.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b, description=description)

    def all_true(column: str, description: str):
        return x.ExpectColumnValuesToBeInSet(column=column, value_set=[True], description=description)

    return [
        x.ExpectColumnValuesToBeUnique(
            column="check_row_key", description="one row per measure, level, id and stratum"
        ),
        x.ExpectColumnValuesToBeInSet(
            column="measure_id", value_set=list(rules.measure_ids), description="measure is known"
        ),
        x.ExpectColumnValuesToBeInSet(column="stratum", value_set=strata, description="stratum is known"),
        x.ExpectColumnDistinctValuesToEqualSet(
            column="check_payer_stratum",
            value_set=payer_strata,
            description="a payer row for every measure, canonical payer and stratum",
        ),
        equal("eligible_population", "check_met_plus_not_met", "eligible population = met + not met"),
        equal(
            "performance_not_met",
            "check_not_met_plus_not_measured",
            "performance not met = not met + not measured",
        ),
        equal("episodes", "check_all_outcomes", "episodes = eligible + excluded + pending"),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="check_payer_episodes",
            column_B="check_feed_rows",
            ignore_row_if="either_value_is_missing",
            description="a payer's episodes = its published episodes of the measure",
        ),
        all_true("check_overall_is_sum", "the overall row is the sum of the strata"),
        all_true("check_rate_is_met_over_eligible", "performance rate = met / eligible population"),
        all_true("check_ready_without_pending", "ready exactly when nothing is pending"),
        x.ExpectColumnValuesToBeBetween(
            column="performance_rate", min_value=0, max_value=1, description="performance rate within 0-1"
        ),
    ]
