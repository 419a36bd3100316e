"""Feed assembly: what each published file holds, read from the marts and nothing else.

Every number here was computed by dbt and passed the gate's blocking checks; this module
only selects, shapes and writes. It reads ``marts.*`` only, through the warehouse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestration.publish.release import private_dir, write_json
from orchestration.warehouse import Warehouse

# The data contract's summary.json keeps its top-level counts for this stratum; the other
# strata and the overall rate sit beside them in `strata` and `overall`.
HEADLINE_STRATUM = "lumbarFusion"
OVERALL = "overall"

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
EXACT_DECIMALS = {"baseline_score", "one_year_score", "improvement"}
# summary.json key -> marts.measure_summary column (`g2139` counts the not_met code).
SUMMARY_FIELDS = {
    "episodes": "episodes",
    "excluded": "excluded",
    "pending": "pending",
    "eligible_population": "eligible_population",
    "performance_met": "performance_met",
    "performance_not_met": "performance_not_met",
    "not_measured": "not_measured",
    "g2139": "not_met",
}
CODE_COLUMNS = {
    "code_met": "met",
    "code_not_met": "not_met",
    "code_not_measured": "not_measured",
    "code_excluded": "excluded",
}


def _exact(column: str) -> str:
    """An exact decimal as text without trailing zeros ('5.0000' -> '5', '8.1000' -> '8.1')."""
    text = f"cast({column} as varchar)"
    return (
        f"case when {column} is null then null when {column} = 0 then '0' "
        f"when position('.' in {text}) = 0 then {text} "
        f"else rtrim(rtrim({text}, '0'), '.') end as {column}"
    )


def episodes_query() -> str:
    select = ", ".join(_exact(c) if c in EXACT_DECIMALS else c for c in (*CONTRACT_COLUMNS, *EXTRA_COLUMNS))
    # Each feed is selected by its payer key: payer isolation is structural.
    return f"select {select} from marts.episodes where payer = $payer order by procedure_date, episode_id"


def canonical_payers(warehouse: Warehouse) -> list[str]:
    rows = warehouse.rows(
        "select distinct payer from marts.measure_summary where level = 'payer' order by payer"
    )
    return [r["payer"] for r in rows]


def measure_block(warehouse: Warehouse) -> dict[str, Any]:
    [row] = warehouse.rows(
        "select * from marts.measure_definition where stratum = $stratum", {"stratum": HEADLINE_STRATUM}
    )
    codes = {row[column]: outcome for column, outcome in CODE_COLUMNS.items()}
    return {"id": row["measure_id"], "stratum": row["stratum"], "codes": dict(sorted(codes.items()))}


def _counts(row: dict[str, Any]) -> dict[str, Any]:
    rate = row["performance_rate"]
    counts = {key: int(row[column]) for key, column in SUMMARY_FIELDS.items()}
    return {**counts, "performance_rate": None if rate is None else float(rate)}


def payer_summary(warehouse: Warehouse, payer: str, run: dict[str, Any], measure: dict[str, Any]) -> dict:
    rows = {
        r["stratum"]: r
        for r in warehouse.rows(
            "select * from marts.measure_summary where level = 'payer' and payer = $payer", {"payer": payer}
        )
    }
    return {
        "payer": payer,
        **run,
        "measure": measure,
        **_counts(rows[HEADLINE_STRATUM]),
        "strata": {s: _counts(r) for s, r in sorted(rows.items()) if s != OVERALL},
        OVERALL: _counts(rows[OVERALL]),
    }


def write_payer_feed(warehouse: Warehouse, folder: Path, payer: str, summary: dict) -> None:
    private_dir(folder)
    target = folder / "episodes.csv"
    warehouse.copy_csv(episodes_query(), target, {"payer": payer})
    target.chmod(0o600)
    write_json(folder / "summary.json", summary)


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
    }


def inputs(warehouse: Warehouse) -> list[dict]:
    """One entry per landing file (data contract, manifest `inputs`)."""
    entries = []
    for r in warehouse.rows("select * from marts.load_accounting order by table_name, path"):
        entry = {key: r[key] for key in ("path", "sha256", "rows_read", "rows_loaded", "rows_quarantined")}
        entry["table"] = r["table_name"]
        if r.get("duplicate_of"):
            entry["duplicate_of"] = r["duplicate_of"]
        entries.append(entry)
    return entries


def write_feeds(warehouse: Warehouse, release: Path, run: dict[str, Any]) -> dict[str, Any]:
    """Writes every payer's feed and data_quality.json into the release; returns the
    manifest's fields that come from the marts."""
    measure = measure_block(warehouse)
    for payer in canonical_payers(warehouse):
        write_payer_feed(warehouse, release / payer, payer, payer_summary(warehouse, payer, run, measure))
    write_json(release / "data_quality.json", data_quality(warehouse, run))
    return {"measure": measure, "inputs": inputs(warehouse)}
