"""A sensor on the landing folder: a run when files are new or changed, a reason otherwise.

The cursor is the folder's listing (relative path -> size and modification time), so a
new file, a replaced file or a file that grew is seen once; removed files only update the
cursor. A file modified in the last `SETTLE_SECONDS` is waited for (a sender still writing).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.automation.schedules import nightly_request
from orchestration.resources import G2139Settings

SETTLE_SECONDS = 30
LANDING_SUFFIXES = (".csv", ".parquet")

Listing = dict[str, list[int]]


def landing_listing(landing_dir: Path) -> Listing:
    return {
        path.relative_to(landing_dir).as_posix(): [stat.st_size, stat.st_mtime_ns]
        for path in sorted(landing_dir.rglob("*"))
        if path.suffix.lower() in LANDING_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(landing_dir).parts)
        and path.is_file()
        and (stat := path.stat())
    }


def listing_changes(previous: Listing, current: Listing) -> tuple[list[str], list[str]]:
    new = [p for p in current if p not in previous]
    changed = [p for p in current if p in previous and previous[p] != current[p]]
    return new, changed


def evaluate_landing(cursor: str | None, landing_dir: Path, now: float | None = None):
    """(request or skip reason, new cursor or None to keep the old one)."""
    if not landing_dir.is_dir():
        return dg.SkipReason(f"landing folder {landing_dir} does not exist"), None
    current = landing_listing(landing_dir)
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
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A nightly run when landing files are new or changed; otherwise the reason it skipped.",
)
def landing_files(context: dg.SensorEvaluationContext, g2139: G2139Settings):
    result, cursor = evaluate_landing(context.cursor, g2139.resolve().landing_dir)
    if cursor is not None and cursor != context.cursor:
        context.update_cursor(cursor)
    return result
