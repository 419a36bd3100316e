"""Publication: the payer feeds of the data contract, written atomically.

Everything is written into a fresh release folder, checked, then made visible by
one atomic rename of the `<output>/<PY>` link: readers see the previous complete
set or the new one, never a mix, and a failure leaves the previous set intact.
"""

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from expectations import episodes as episode_suite
from expectations import payer_summary as summary_suite
from expectations.episodes import PAYERS
from orchestration.checks import (
    EPISODES_KEY,
    SUMMARY_KEY,
    GateResult,
    content_fingerprint,
    passed_verdicts,
    read_frames,
    results_dir_for,
    validate_publication,
)
from orchestration.freshness import input_state, record_published_state
from orchestration.resources import G2139Settings, RunSettings
from orchestration.transform import dbt_project

DATA_QUALITY_KEY = dg.AssetKey(["marts", "data_quality"])
FEEDS_KEY = dg.AssetKey(["feeds", "payer_feeds"])
RELEASES = ".releases"

# Contract order; more columns may follow, never fewer or reordered.
EPISODE_COLUMNS = (
    "episode_id, person_id, member_id, payer, performance_year, procedure_date, procedure_code, "
    "rendering_npi, baseline_date, baseline_score, one_year_date, one_year_score, improvement, "
    "outcome, quality_code, g2139, exclusion_reason, is_final"
)
SUMMARY_FIELDS = (
    "episodes",
    "excluded",
    "pending",
    "eligible_population",
    "performance_met",
    "performance_not_met",
    "not_measured",
    "g2139",
)


class PublicationBlocked(Exception):
    """A blocking check failed: nothing was published."""

    def __init__(self, failures: list[str]):
        super().__init__("publication blocked; " + "; ".join(failures))
        self.failures = failures


@dataclass(frozen=True)
class Publication:
    folder: Path
    gate: GateResult
    outputs: list[dict]


def _exact(column: str) -> str:
    """An exact decimal as text without trailing zeros ('5.0000' -> '5', '8.1000' -> '8.1')."""
    text = f"cast({column} as varchar)"
    return (
        f"case when {column} is null then null when {column} = 0 then '0' "
        f"when position('.' in {text}) = 0 then {text} "
        f"else rtrim(rtrim({text}, '0'), '.') end as {column}"
    )


def _episodes_query() -> str:
    columns = [c.strip() for c in EPISODE_COLUMNS.split(",")]
    exact = {"baseline_score", "one_year_score", "improvement"}
    select = ", ".join(_exact(c) if c in exact else c for c in columns)
    # Each feed is selected by its payer key: payer isolation is structural.
    return f"select {select} from marts.episodes where payer = $payer order by procedure_date, episode_id"


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def _write_json(path: Path, payload: object) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _measure(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    measure_id, stratum = con.execute(
        """select measure_id, stratum from reference.measure_version
           where ? between first_year and coalesce(last_year, 9999)""",
        [year],
    ).fetchone()
    codes = dict(
        con.execute("select quality_code, outcome from reference.quality_code order by 1").fetchall()
    )
    return {"id": measure_id, "stratum": stratum, "codes": codes}


def _summary(con: duckdb.DuckDBPyConnection, payer: str, settings: RunSettings, measure: dict) -> dict:
    row = con.execute(
        f"select payer_name, {', '.join(SUMMARY_FIELDS)}, performance_rate "
        "from marts.payer_summary where payer = ?",
        [payer],
    ).fetchone()
    counts = dict(zip(SUMMARY_FIELDS, (int(v) for v in row[1:-1]), strict=True))
    rate = row[-1]
    return {
        "payer": payer,
        "payer_name": row[0],
        "performance_year": settings.performance_year,
        "as_of_date": settings.as_of_date.isoformat(),
        "measure": measure,
        **counts,
        "performance_rate": None if rate is None else float(rate),
    }


def _data_quality(con: duckdb.DuckDBPyConnection, settings: RunSettings) -> dict:
    """What the warehouse could not use, with counts. Cumulative over every loaded
    file, so the same inputs always give the same report."""
    quarantine = con.execute(
        """select table_name, reason || coalesce(':' || column_name, ''), count(*)
           from raw.quarantine group by all order by 1, 2"""
    ).fetchall()
    by_table: dict[str, dict[str, int]] = {}
    for table, reason, count in quarantine:
        by_table.setdefault(table, {})[reason] = count
    left_out = con.execute(
        "select reason, detail, episodes, persons from marts.data_quality order by reason, detail"
    ).fetchall()
    return {
        "performance_year": settings.performance_year,
        "as_of_date": settings.as_of_date.isoformat(),
        "quarantine": {"rows": sum(r[2] for r in quarantine), "by_table_and_reason": by_table},
        "unmapped_payers": [
            {"payer_text": detail, "episodes": episodes, "persons": persons}
            for reason, detail, episodes, persons in left_out
            if reason == "unmapped_payer"
        ],
        "persons_without_usable_birth_date": {
            reason: {"persons": persons, "episodes": episodes}
            for reason, _, episodes, persons in left_out
            if reason in ("missing_birth_date", "conflicting_birth_date")
        },
        "episodes_left_out": [
            {"reason": reason, "detail": detail, "episodes": episodes, "persons": persons}
            for reason, detail, episodes, persons in left_out
        ],
    }


def _inputs(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    rows = con.execute(
        """select source_file, table_name, file_sha256, rows_read, rows_loaded, rows_quarantined, duplicate_of
           from raw.load_history where run_id = ? order by table_name, source_file""",
        [run_id],
    ).fetchall()
    inputs = []
    for path, table, sha, read, loaded, quarantined, duplicate_of in rows:
        entry = {
            "path": path,
            "table": table,
            "sha256": sha,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_quarantined": quarantined,
        }
        if duplicate_of:
            entry["duplicate_of"] = duplicate_of
        inputs.append(entry)
    return inputs


def code_version() -> str:
    base = f"g2139 {version('g2139')}"
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base}+{sha}"


def write_payer_feed(con: duckdb.DuckDBPyConnection, folder: Path, payer: str, summary: dict) -> None:
    _private_dir(folder)
    target = folder / "episodes.csv"
    con.execute(
        f"copy ({_episodes_query()}) to '{target}' (format csv, header true)",
        {"payer": payer},
    )
    target.chmod(0o600)
    _write_json(folder / "summary.json", summary)


def _outputs(release: Path) -> list[dict]:
    outputs = []
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        rows = sum(1 for _ in path.open("rb")) - 1 if path.suffix == ".csv" else None
        outputs.append({"path": path.relative_to(release).as_posix(), "sha256": _sha256(path), "rows": rows})
    return outputs


def _swap_in(release: Path, target: Path) -> None:
    """Points `<output>/<PY>` at the new release with one atomic rename."""
    link = target.with_name(f".{target.name}.{release.name}.link")
    link.unlink(missing_ok=True)
    link.symlink_to(release.relative_to(target.parent))
    if target.exists() and not target.is_symlink():
        # A folder left by another tool: keep it among the releases, then swap.
        target.rename(target.parent / RELEASES / f"{target.name}-previous")
    os.replace(link, target)


def _prune(releases: Path, year: int, keep: Path) -> None:
    for old in releases.glob(f"{year}-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def _gate(settings: RunSettings, run_id: str) -> GateResult:
    """The suites' verdict on exactly the content about to be published.

    When this run's blocking asset checks passed on the same content (same
    fingerprint), their verdict stands; otherwise (e.g. publication run alone)
    the suites run here.
    """
    fingerprint = content_fingerprint(settings.warehouse)
    suites = [episode_suite.SUITE_NAME, summary_suite.SUITE_NAME]
    checked = passed_verdicts(settings, run_id, suites, fingerprint)
    if checked is not None:
        return checked
    episodes, summary = read_frames(settings.warehouse)
    return validate_publication(
        settings, episodes, summary, results_dir_for(settings, run_id) / "publication"
    )


def publish(settings: RunSettings, run_id: str, checks: list[dict] | None = None) -> Publication:
    """Validates the marts, writes the release and swaps it in; raises PublicationBlocked."""
    gate = _gate(settings, run_id)
    if not gate.passed:
        raise PublicationBlocked(gate.failures())

    output = settings.output_dir
    _private_dir(output)
    releases = output / RELEASES
    _private_dir(releases)
    year = settings.performance_year
    release = releases / f"{year}-{run_id}"
    try:
        _private_dir(release)
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            measure = _measure(con, year)
            for payer in PAYERS:
                write_payer_feed(con, release / payer, payer, _summary(con, payer, settings, measure))
            _write_json(release / "data_quality.json", _data_quality(con, settings))
            outputs = _outputs(release)
            manifest = {
                "run_id": run_id,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "as_of_date": settings.as_of_date.isoformat(),
                "performance_year": year,
                "code_version": code_version(),
                "measure": measure,
                "inputs": _inputs(con, run_id),
                "checks": [*(checks or []), *(o.as_check() for o in gate.outcomes)],
                "outputs": outputs,
                "validation_results": str(gate.results_dir) if gate.results_dir else None,
            }
        _write_json(release / "manifest.json", manifest)
        _swap_in(release, output / str(year))
    except BaseException:
        shutil.rmtree(release, ignore_errors=True)
        raise
    _prune(releases, year, keep=release)
    with duckdb.connect(str(settings.warehouse)) as con:
        record_published_state(con, input_state(con, settings, dbt_project.manifest_path), run_id)
    return Publication(folder=output / str(year), gate=gate, outputs=outputs)


def input_accounting_check(settings: RunSettings, run_id: str) -> dict:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        unbalanced = con.execute(
            """select count(*) filter (rows_read <> rows_loaded + rows_quarantined), count(*)
               from raw.load_history where run_id = ?""",
            [run_id],
        ).fetchone()
    return {
        "name": "inputs: rows read = rows loaded + rows quarantined, per file",
        "passed": unbalanced[0] == 0,
        "detail": f"{unbalanced[1] - unbalanced[0]} of {unbalanced[1]} files balance",
    }


@dg.asset(
    key=FEEDS_KEY,
    deps=[EPISODES_KEY, SUMMARY_KEY, DATA_QUALITY_KEY],
    group_name="publish",
    kinds={"csv", "json"},
    description=(
        "`<output>/<PY>/`: one folder per payer with episodes.csv and summary.json, plus "
        "manifest.json and data_quality.json; validated, then swapped in atomically."
    ),
)
def payer_feeds(context: AssetExecutionContext, g2139: G2139Settings) -> dg.MaterializeResult:
    settings = g2139.settings()
    publication = publish(
        settings, context.run.run_id, checks=[input_accounting_check(settings, context.run.run_id)]
    )
    rates = {}
    for payer in PAYERS:
        summary = json.loads((publication.folder / payer / "summary.json").read_text())
        rates[payer] = {k: summary[k] for k in ("episodes", "performance_rate", "g2139")}
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(publication.folder)),
            "files": dg.MetadataValue.int(len(publication.outputs) + 1),
            "expectations_passed": dg.MetadataValue.int(len(publication.gate.outcomes)),
            "per_payer": dg.MetadataValue.json(rates),
        }
    )
