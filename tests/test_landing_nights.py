"""Thirty nights of deliveries into one landing folder, loaded night after night.

The deliveries hold late claims, corrections re-sent under the same path, records re-sent
under their natural key, stale copies (old bytes of a corrected file), a night with nothing
new and a night killed after part of its files were committed (each file commits alone, so
that is what a `kill -9` leaves). After every night the rows in use (what the marts are
built from) equal those of a from-scratch load of the same folder with the stale copies
left out, and no content is loaded twice. (The publication itself, after a kill while
publishing, is compared with a clean run in test_interruptions.py.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.landing import ELIGIBILITY, MEDICAL_CLAIM, PAIN_SCORE, load_file, load_table
from orchestration.ingest.landing_files import landing_files
from orchestration.ingest.landing_sql import quote

pytestmark = pytest.mark.pipeline

NIGHTS = 30
PEOPLE = 60
NOTHING_NEW, KILLED = 13, 17
SPECS = (ELIGIBILITY, MEDICAL_CLAIM, PAIN_SCORE)
SCORES = "pain_score/n01_scores.csv"


def _chunks(rows: list[str], parts: int) -> list[list[str]]:
    size = -(-len(rows) // parts)
    return [rows[i : i + size] for i in range(0, len(rows), size)]


class Deliveries:
    """What arrives each night, from one small demo folder; file names start with the night
    (`nNN_`), so that path order is delivery order."""

    def __init__(self, source: Path) -> None:
        claims = (source / "medical_claim" / "professional_000.csv").read_text(encoding="utf-8").splitlines()
        scores = (source / "pain_score" / "pain_score_000.csv").read_text(encoding="utf-8").splitlines()
        self.source = source
        self.claim_header, self.score_header = claims[0], scores[0]
        half_claims, half_scores = len(claims) // 2, len(scores) // 2
        self.first_claims, self.late_claims = claims[1:half_claims], _chunks(claims[half_claims:], 6)
        self.scores, self.late_scores = scores[1:half_scores], _chunks(scores[half_scores:], 6)
        self.versions: list[bytes] = []  # every content SCORES had, in order

    def night(self, n: int, landing: Path) -> list[str]:
        """Writes night ``n``'s files; returns the stale copies among them."""
        if n == 1:
            for table, name in [("eligibility", "eligibility_000.csv"), ("medical_claim", "institutional_000.parquet")]:  # noqa: E501
                (landing / table).mkdir(parents=True, exist_ok=True)
                shutil.copy2(self.source / table / name, landing / table / f"n01_{name}")
            self._write(landing, "medical_claim/n01_claims.csv", self.claim_header, self.first_claims)
            self._scores(landing)
            return []
        if n == NOTHING_NEW:
            return []
        kind = n % 5
        if kind == 2 and self.late_claims:  # late claims
            late = self.late_claims.pop(0)
            self._write(landing, f"medical_claim/n{n:02}_late.csv", self.claim_header, late)
        elif kind == 3:  # a correction re-sent under the same path: one score changed
            row = self.scores[n % len(self.scores)].split(",")
            row[5] = str((int(row[5]) + 3) % 11) if row[5].isdigit() else "5"
            self.scores[n % len(self.scores)] = ",".join(row)
            self._scores(landing)
        elif kind == 4:  # claim lines re-sent under their natural key, one field changed
            again = self.first_claims[n::7]
            resent = [",".join([*line.split(",")[:-1], f"resent_n{n:02}"]) for line in again]
            self._write(landing, f"medical_claim/n{n:02}_resend.csv", self.claim_header, resent)
        elif kind == 0:  # a stale copy: the bytes of an earlier version of the corrected file
            name = f"pain_score/n{n:02}_copy.csv"
            (landing / name).write_bytes(self.versions[(n // 5) % max(1, len(self.versions) - 1)])
            return [name]
        elif self.late_scores:  # late pain scores
            self._write(landing, f"pain_score/n{n:02}_scores.csv", self.score_header, self.late_scores.pop(0))
        return []

    def _scores(self, landing: Path) -> None:
        self._write(landing, SCORES, self.score_header, self.scores)
        self.versions.append((landing / SCORES).read_bytes())

    @staticmethod
    def _write(landing: Path, name: str, header: str, rows: list[str]) -> None:
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def in_use(con) -> dict[str, list[str]]:
    """The rows in use per raw table and the quarantine in use, whatever run loaded them."""
    tables = {}
    for spec in SPECS:
        columns = ", ".join([*(quote(c.name) for c in spec.columns), "_source_file", "_source_row"])
        rows = con.execute(f"select {columns} from raw.{spec.name}").fetchall()
        tables[spec.name] = sorted(map(repr, rows))
    quarantine = (
        "select table_name, source_file, row_number, column_name, reason, raw_row from raw.quarantine"
    )
    tables["quarantine"] = sorted(map(repr, con.execute(quarantine).fetchall()))
    return tables


def stale_copies(stale: set[str]):
    """``copytree``'s ignore: the stale copies (paths relative to the landing folder)."""
    return lambda folder, names: [name for name in names if f"{Path(folder).name}/{name}" in stale]


def load_night(con, landing: Path, run_id: str) -> list:
    return [load for spec in SPECS for load in load_table(con, landing, spec, run_id)]


def test_thirty_nights_leave_the_rows_a_from_scratch_load_of_the_same_files_leaves(tmp_path):
    from demo import write_demo_landing

    write_demo_landing(tmp_path / "source", people=PEOPLE, seed=2139)
    deliveries, landing, stale = Deliveries(tmp_path / "source"), tmp_path / "landing", set()
    with duckdb.connect() as nightly:
        for n in range(1, NIGHTS + 1):
            stale |= set(deliveries.night(n, landing))
            run_id = f"night-{n:02}"
            if n == KILLED:  # killed after its first new file was committed; run again
                [(spec, path)] = [
                    (spec, path)
                    for spec in SPECS
                    for path in landing_files(landing, spec.name)
                    if path.name.startswith(f"n{n:02}_")
                ]
                load_file(nightly, path, path.relative_to(landing).as_posix(), spec, run_id)
                run_id += "-again"
            loads = load_night(nightly, landing, run_id)
            if n == NOTHING_NEW:
                assert {load.status for load in loads} == {"duplicate"}, n
            assert all(load.balanced for load in loads)

            scratch_landing = tmp_path / f"scratch-{n:02}"
            shutil.copytree(landing, scratch_landing, ignore=stale_copies(stale))
            with duckdb.connect() as scratch:
                load_night(scratch, scratch_landing, "scratch")
                assert in_use(nightly) == in_use(scratch), f"night {n}"
            shutil.rmtree(scratch_landing)
            # Bytes once loaded are never loaded again; every stale copy is a duplicate, 0 rows.
            twice = nightly.execute(
                "select table_name, file_sha256 from raw.load_history where status = 'loaded' "
                "group by all having count(*) > 1"
            ).fetchall()
            assert twice == [], f"night {n}"
            for name in stale:
                status, rows = nightly.execute(
                    "select status, rows_loaded from raw.load_history where source_file = ? "
                    "order by loaded_at desc limit 1",
                    [name],
                ).fetchone()
                assert (status, rows) == ("duplicate", 0), (n, name)
    assert len(stale) >= 5 and len(deliveries.versions) >= 6
