"""Performance years as partitions: one warehouse, one publication folder per year.

A year's run rebuilds the marts for that year (the run's `performance_year`) and swaps in
`<output>/<PY>`; runs are serialized by the instance (one at a time, see
`.dagster_home/dagster.yaml`), so a 2025 backfill never interleaves with the 2026 nightly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dagster as dg

# MIPS #459 is reported from 2019 on; the year after the current one is there so that a
# January run for the new year finds its partition. Read at definition load.
FIRST_YEAR = 2019
PARTITION_TAG = "dagster/partition"


def performance_years(today: date | None = None) -> list[str]:
    last = (today or date.today()).year + 1
    return [str(year) for year in range(FIRST_YEAR, last + 1)]


performance_year_partitions = dg.StaticPartitionsDefinition(performance_years())


def partition_year(tags: Mapping[str, str] | None) -> int | None:
    """The performance year of a partitioned run, from its tags (None when not partitioned)."""
    key = (tags or {}).get(PARTITION_TAG)
    return int(key) if key else None
