"""A sensor on the landing folder: a run when files are new or changed, a reason otherwise.

Which files count is the loader's decision, not the sensor's: it asks the loader's
`landing_inventory` (every landing table's folder: CSV and Parquet tables, FHIR NDJSON
exports, and any table added to the landing spec later). The cursor is that listing
(relative path -> size and modification time), so a new file, a replaced file or a file
that grew is seen once; removed files only update the cursor. A file modified in the last
`SETTLE_SECONDS` is waited for (a sender still writing).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.automation.schedules import nightly_request
from orchestration.ingest.landing_files import file_state, landing_inventory
from orchestration.ingest.landing_spec import LandingError
from orchestration.resources import G2139Settings

SETTLE_SECONDS = 30
# How often the daemon evaluates the sensor. G2139_SENSOR_INTERVAL (seconds) shortens it
# for tests of the running daemon; read when the code location loads.
ENV_SENSOR_INTERVAL = "G2139_SENSOR_INTERVAL"
DEFAULT_INTERVAL_SECONDS = 60

Listing = dict[str, list[int]]


def landing_listing(landing_dir: Path) -> Listing:
    listing: Listing = {}
    for name, path in landing_inventory(landing_dir).items():
        state = file_state(path, name)
        listing[name] = [state.size, state.mtime_ns]
    return listing


def sensor_interval(environ: Mapping[str, str] | None = None) -> int:
    text = (os.environ if environ is None else environ).get(ENV_SENSOR_INTERVAL, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_INTERVAL_SECONDS


def listing_changes(previous: Listing, current: Listing) -> tuple[list[str], list[str]]:
    new = [p for p in current if p not in previous]
    changed = [p for p in current if p in previous and previous[p] != current[p]]
    return new, changed


def evaluate_landing(cursor: str | None, landing_dir: Path, now: float | None = None):
    """(request or skip reason, new cursor or None to keep the old one)."""
    if not landing_dir.is_dir():
        return dg.SkipReason(f"landing folder {landing_dir} does not exist"), None
    try:
        current = landing_listing(landing_dir)
    except LandingError as error:  # e.g. a folder that cannot be read: named, retried next tick
        return dg.SkipReason(f"landing folder {landing_dir}: {error}"), None
    new, changed = listing_changes(json.loads(cursor) if cursor else {}, current)
    if not new and not changed:
        return dg.SkipReason(f"no new or changed landing file ({len(current)} files seen before)"), (
            json.dumps(current, sort_keys=True)
        )
    moment = time.time() if now is None else now
    settling = [p for p in new + changed if moment - current[p][1] / 1e9 < SETTLE_SECONDS]
    if settling:
        return dg.SkipReason(
            f"waiting for {len(settling)} file(s) still being written, e.g. {settling[0]}"
        ), None
    listing = json.dumps(current, sort_keys=True)
    request = nightly_request(
        date.today(),
        "landing",
        run_key=hashlib.sha256(listing.encode()).hexdigest(),
        tags={"g2139/new_files": str(len(new)), "g2139/changed_files": str(len(changed))},
    )
    return request, listing


@dg.sensor(
    job_name="nightly",
    name="landing_files",
    minimum_interval_seconds=sensor_interval(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A nightly run when landing files are new or changed; otherwise the reason it skipped.",
)
def landing_files(context: dg.SensorEvaluationContext, g2139: G2139Settings):
    result, cursor = evaluate_landing(context.cursor, g2139.resolve().landing_dir)
    if cursor is not None and cursor != context.cursor:
        context.update_cursor(cursor)
    return result
