"""Expectations on the per-payer summaries (marts.payer_summary): counts that add up
and agree with the episode feed they summarise."""

from __future__ import annotations

import pandas as pd

from expectations.episodes import PAYERS

SUITE_NAME = "payer_summary"
ID_COLUMN = "payer"


def prepare(summary: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    frame = summary.copy()
    feed_rows = episodes.groupby("payer").size()
    frame["check_feed_rows"] = frame["payer"].map(feed_rows).fillna(0).astype("int64")
    frame["check_met_plus_not_met"] = frame["performance_met"] + frame["performance_not_met"]
    frame["check_g2139_plus_not_measured"] = frame["g2139"] + frame["not_measured"]
    frame["check_all_outcomes"] = frame["eligible_population"] + frame["excluded"] + frame["pending"]
    rate = pd.to_numeric(frame["performance_rate"]).astype("float64")
    eligible = frame["eligible_population"]
    expected = frame["performance_met"].where(eligible > 0) / eligible.where(eligible > 0)
    frame["check_rate_is_met_over_eligible"] = (rate.isna() & expected.isna()) | (rate - expected).abs().le(
        5e-7
    )
    return frame


def build_expectations() -> list:
    import great_expectations.expectations as x  # imported when used: it takes seconds
    return [
        x.ExpectTableRowCountToEqual(value=len(PAYERS), description="one summary per canonical payer"),
        x.ExpectColumnValuesToBeUnique(column="payer", description="payer is unique"),
        x.ExpectColumnValuesToBeInSet(column="payer", value_set=PAYERS, description="payer is canonical"),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="eligible_population",
            column_B="check_met_plus_not_met",
            description="eligible population = met + not met",
        ),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="performance_not_met",
            column_B="check_g2139_plus_not_measured",
            description="performance not met = G2139 + not measured",
        ),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="episodes",
            column_B="check_all_outcomes",
            description="episodes = eligible + excluded + pending",
        ),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="episodes",
            column_B="check_feed_rows",
            description="episodes = rows of the payer's episode feed",
        ),
        x.ExpectColumnValuesToBeInSet(
            column="check_rate_is_met_over_eligible",
            value_set=[True],
            description="performance rate = met / eligible population",
        ),
        x.ExpectColumnValuesToBeBetween(
            column="performance_rate", min_value=0, max_value=1, description="performance rate within 0-1"
        ),
    ]
