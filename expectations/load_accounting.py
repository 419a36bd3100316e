"""Expectations on the input accounting (marts.load_accounting): no landing row is lost."""

from __future__ import annotations

import pandas as pd

from orchestration.rules import Rules

SUITE_NAME = "load_accounting"
ID_COLUMN = "path"


def prepare(accounting: pd.DataFrame) -> pd.DataFrame:
    frame = accounting.copy()
    frame["check_loaded_plus_quarantined"] = frame["rows_loaded"] + frame["rows_quarantined"]
    return frame


def build_expectations(rules: Rules) -> list:
    import great_expectations.expectations as x  # imported when used: it takes seconds

    del rules  # no rule parameter here; the signature is the suites' common one
    return [
        x.ExpectColumnValuesToNotBeNull(column="sha256", description="every file has its sha256"),
        x.ExpectColumnPairValuesToBeEqual(
            column_A="rows_read",
            column_B="check_loaded_plus_quarantined",
            description="rows read = rows loaded + rows quarantined, per file",
        ),
    ]
