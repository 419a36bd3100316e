"""Feed assembly: what each published file holds, read from the marts and nothing else.

Every number here was computed by dbt and passed the gate's blocking checks; this module
only selects, shapes and writes. It reads ``marts.*`` only, through the warehouse.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from orchestration.publish.release import private_dir, write_json
from orchestration.reporting.schemas import measure_episode_columns
from orchestration.warehouse import Warehouse

# Contract order; more columns may follow, never fewer or reordered.
CONTRACT_COLUMNS = (
    "episode_id", "person_id", "member_id", "payer", "performance_year", "procedure_date", "procedure_code",
    "rendering_npi", "baseline_date", "baseline_score", "one_year_date", "one_year_score", "improvement",
    "outcome", "quality_code", "g2139", "exclusion_reason", "is_final",
)  # fmt: skip
EXTRA_COLUMNS = (
    "stratum",
    "rendering_tin",
    "procedure_code_system",
    "exclusion_diagnosis_code",
    "as_of_date",
)
EXACT_DECIMALS = {"baseline_score", "one_year_score", "followup_score", "improvement"}
# `<payer>/<measure_id>/episodes.csv` of a measure beside the headline one (#461, #471), from
# marts.episode_measures: the headline file's layout with the follow-up named as such (three
# months or one year by stratum), no g2139 flag, and the measure and stratum they belong to.
# The columns and their order live in the file's column dictionary.
MEASURE_COLUMNS = tuple(column["name"] for column in measure_episode_columns())


def _exact(column: str) -> str:
    """An exact decimal as text without trailing zeros ('5.0000' -> '5', '8.1000' -> '8.1')."""
    text = f"cast({column} as varchar)"
    return (
        f"case when {column} is null then null when {column} = 0 then '0' "
        f"when position('.' in {text}) = 0 then {text} "
        f"else rtrim(rtrim({text}, '0'), '.') end as {column}"
    )


def _select(columns: tuple[str, ...]) -> str:
    return ", ".join(_exact(c) if c in EXACT_DECIMALS else c for c in columns)


def episodes_query() -> str:
    select = _select((*CONTRACT_COLUMNS, *EXTRA_COLUMNS))
    # Each feed is selected by its payer key: payer isolation is structural.
    return f"select {select} from marts.episodes where payer = $payer order by procedure_date, episode_id"


def measure_episodes_query() -> str:
    """One measure's episodes of one payer (payer and measure selected by key, as above)."""
    return (
        f"select {_select(MEASURE_COLUMNS)} from marts.episode_measures"
        " where payer = $payer and measure_id = $measure order by procedure_date, episode_id"
    )


def canonical_payers(warehouse: Warehouse) -> list[str]:
    rows = warehouse.rows(
        "select distinct payer from marts.measure_summary where level = 'payer' order by payer"
    )
    return [r["payer"] for r in rows]


def write_payer_feed(warehouse: Warehouse, folder: Path, payer: str, measures: tuple[str, ...] = ()) -> None:
    """The payer's episodes.csv of the headline measure, and `<measure_id>/episodes.csv` of each
    other measure (a header-only file when the payer has none)."""
    private_dir(folder)
    target = folder / "episodes.csv"
    warehouse.copy_csv(episodes_query(), target, {"payer": payer})
    target.chmod(0o600)
    for measure in measures:
        private_dir(folder / measure)
        target = folder / measure / "episodes.csv"
        warehouse.copy_csv(measure_episodes_query(), target, {"payer": payer, "measure": measure})
        target.chmod(0o600)


def write_files(release: Path, files: dict[str, bytes]) -> None:
    """Writes already-built files (summaries, QPP, FHIR, schemas, report) into the release."""
    for relative, content in sorted(files.items()):
        target = release / relative
        for folder in reversed(target.relative_to(release).parents[:-1]):
            private_dir(release / folder)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as handle:
            handle.write(content)


def data_quality(warehouse: Warehouse, run: dict[str, Any]) -> dict:
    """What the warehouse could not use, with counts. Cumulative over every loaded
    file, so the same inputs always give the same report."""
    quarantine = warehouse.rows(
        "select table_name, reason, column_name, rows from marts.quarantine_summary "
        "order by table_name, reason, column_name"
    )
    by_table: dict[str, dict[str, int]] = {}
    for q in quarantine:
        reason = q["reason"] + (f":{q['column_name']}" if q["column_name"] else "")
        by_table.setdefault(q["table_name"], {})[reason] = int(q["rows"])
    left_out = warehouse.rows(
        "select reason, detail, episodes, persons from marts.data_quality order by reason, detail"
    )
    return {
        **run,
        "quarantine": {"rows": sum(int(q["rows"]) for q in quarantine), "by_table_and_reason": by_table},
        "unmapped_payers": [
            {"payer_text": r["detail"], "episodes": r["episodes"], "persons": r["persons"]}
            for r in left_out
            if r["reason"] == "unmapped_payer"
        ],
        "persons_without_usable_birth_date": {
            r["reason"]: {"persons": r["persons"], "episodes": r["episodes"]}
            for r in left_out
            if r["reason"] in ("missing_birth_date", "conflicting_birth_date")
        },
        "episodes_left_out": left_out,
        "superseded": superseded(warehouse),
    }


def superseded(warehouse: Warehouse) -> dict[str, dict[str, int]]:
    """Per table: landing files replaced by a newer version of the same path, and records
    superseded by a later file's record with the same natural key (kept for audit only)."""
    rows = warehouse.rows(
        "select table_name, count(superseded_by) as files_replaced,"
        " coalesce(sum(rows_superseded), 0) as records_superseded,"
        " count(*) filter (where status = 'still_being_written') as files_still_being_written"
        " from marts.load_accounting group by table_name order by table_name"
    )
    return {r.pop("table_name"): {k: int(v) for k, v in r.items()} for r in rows}


def inputs(warehouse: Warehouse) -> list[dict]:
    """One entry per landing file (data contract, manifest `inputs`)."""
    entries = []
    for r in warehouse.rows("select * from marts.load_accounting order by table_name, path"):
        entry = {key: r[key] for key in ("path", "sha256", "rows_read", "rows_loaded", "rows_quarantined")}
        entry["table"] = r["table_name"]
        if r.get("status") not in (None, "loaded"):
            entry["status"] = r["status"]
        for key in ("duplicate_of", "replaces", "superseded_by"):
            if r.get(key):
                entry[key] = r[key]
        entries.append(entry)
    return entries


def _readiness(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "ready": summary["ready"],
        "ready_by_stratum": {name: block["ready"] for name, block in sorted(summary["strata"].items())},
    }


def write_feeds(
    warehouse: Warehouse,
    release: Path,
    run: dict[str, Any],
    files: dict[str, bytes],
    measures: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Writes every payer's episodes (the headline measure's, then each of `measures` in its
    folder), the reporting files built from the marts and data_quality.json into the release;
    returns the manifest's fields from the marts: inputs, readiness per measure, QPP program."""
    for payer in canonical_payers(warehouse):
        write_payer_feed(warehouse, release / payer, payer, measures)
    write_files(release, files)
    write_json(release / "data_quality.json", data_quality(warehouse, run))
    headline = json.loads(files["all_payers/summary.json"])
    summaries = {headline["measure"]["id"]: headline} | {
        m: json.loads(files[f"all_payers/{m}/summary.json"]) for m in measures
    }
    qpp = sorted(path for path in files if path.startswith("qpp/"))
    return {
        "inputs": inputs(warehouse),
        **_readiness(headline),
        "measures": {
            m: {"title": summary["measure"]["title"], **_readiness(summary)}
            for m, summary in sorted(summaries.items())
        },
        **({"qpp_program": json.loads(files[qpp[0]])["programName"]} if qpp else {}),
    }
