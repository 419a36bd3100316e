"""Ingestion in Spark's own readers keeps every promise of the loader.

The other landing tests pin each promise on the DuckDB loader, one rule at a time. Here one
hostile landing folder (their bad rows, unreadable records, tricky dialect, odd names,
Parquet in its own types, duplicates, a re-sent path, re-sent records) is loaded twice in
two deliveries, once by each engine, and everything the loader records must be the same:
the history row of every file, every quarantined row with its reason and raw text, every
stored row with its file and record number, every superseded row. One local Spark serves
the module.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.engines import spark_rows as spark_rows_module
from orchestration.engines import spark_versions
from orchestration.engines.spark import SparkRowStore, SparkSide
from orchestration.engines.spark_dialect import SPARK
from orchestration.engines.spark_versions import LOAD_PARTITION, partition_name
from orchestration.ingest.landing import DUCKDB_ROWS, TABLES, LandingError, load_id_for, load_table
from orchestration.warehouse import DuckDBWarehouse
from tests.helpers.functional_status import deliver_functional_status
from tests.helpers.landing import (
    BAD_CLAIM_ROWS,
    BAD_PAIN_ROWS,
    CLAIM_HEADER,
    ELIGIBILITY_HEADER,
    NATIVE_CASES,
    PAIN_HEADER,
    write,
    write_native_case,
)

pytestmark = pytest.mark.spark

GOOD = "P0,2024-01-05,back,NRS,7,10"
FLOAT_TEXT = re.compile(r"-?[0-9.]+[eE][+-]?[0-9]+")
SCORED_HEADER = "assessment_id," + PAIN_HEADER
NUMBERS = [
    "9.6", "0xA", "99.5", "1e1", "7.1234567", "0x7", '"7,5"', "NaN", "٧", "1_0", " 7.50000000 ", "+3", "010",
]  # fmt: skip
UNREADABLE = [
    b"P1,2024-01-05,back,NRS,7,1\x000",
    "Jos\xe9,2024-01-05,back,NRS,7,10".encode("latin-1"),
    b"P1,2024-01-05,ba\rck,NRS,7,10",
    b"P1,2024-01-05,back",
    b'P1,2024-01-05,b"ack,NRS,7,10',
]
TRICKY = (
    "\ufeffscale_max,score,Extra,instrument,body_site,assessment_date,person_id\r\n"
    '10,7.5,"a, b",nrs,Back,2024-01-05T09:30:00Z,P1\r\n'
    '100,81,"x",VAS,back,2024-01-06,P2\r\n'
)


def first_delivery(landing: Path, scratch: Path) -> None:
    bad = [GOOD, *(row for row, _, _ in BAD_PAIN_ROWS), *(f"P1,2024-01-05,back,VAS,{n},10" for n in NUMBERS)]
    write(landing, "pain_score", "bad_rows.csv", PAIN_HEADER + "\n" + "\n".join(bad) + "\n")
    write(landing, "pain_score", "tricky.csv", TRICKY)
    (landing / "pain_score" / "z_copies").mkdir(parents=True)
    write(landing, "pain_score", "z_copies/copy of tricky.csv", TRICKY)  # a duplicate under another path
    quoted = (
        f'{PAIN_HEADER}\r\n"P\n1",2024-01-05,"back",NRS,7,10\r\n'
        f'"P""2",2024-01-05,back,NRS,"7.5",10\r\n\r\n{GOOD}\r\n\r\n\n'
    )
    write(landing, "pain_score", "quoted.csv", quoted)
    unreadable = f"{PAIN_HEADER}\n{GOOD}\n".encode() + b"\n".join(UNREADABLE) + b"\n"
    write(landing, "pain_score", "unreadable.csv", unreadable)
    write(
        landing, "pain_score", "x_pain_[1] it's *.csv", f"{PAIN_HEADER}\nSPECIAL,2024-01-05,back,NRS,7,10\n"
    )
    write(landing, "pain_score", "header_only.csv", PAIN_HEADER + "\r\n")
    scored = [f"A{i},P{i},2024-01-0{i},back,NRS,{i},10" for i in (1, 2, 3)]
    write(landing, "pain_score", "scored_1.csv", SCORED_HEADER + "\n" + "\n".join(scored) + "\n")
    for index, case in enumerate(NATIVE_CASES):
        write_native_case(scratch, index, *case)
    for path in (scratch / "native" / "pain_score").iterdir():
        shutil.copy(path, landing / "pain_score" / f"native_{path.name}")
    # Windows line ends: throughout, in a file the engines read as it is and in one with a
    # broken record (read from a repaired copy), after an LF header, and inside a quoted value.
    crlf = [GOOD, "P1,2024-01-05,back", "P2,2024-01-06,back,NRS,4,10", ""]
    write(landing, "pain_score", "crlf_broken.csv", PAIN_HEADER + "\r\n" + "\r\n".join(crlf) + "\r\n")
    write(
        landing,
        "pain_score",
        "crlf_after_lf.csv",
        f"{PAIN_HEADER}\n{GOOD}\r\n\r\nP3,2024-01-05,back,NRS,5,10\r\n",
    )
    write(
        landing,
        "pain_score",
        "crlf_quoted.csv",
        f'{PAIN_HEADER}\r\n"P\r\n4",2024-01-05,back,NRS,"7\n",10\r\n',
    )
    spaces = [
        "P5,2024-01-05,back,NRS, 7\u00a0,10",
        "P6,2024-01-05,back,NRS,\u20037 ,10",
        "P7,2024-01-05, back\u00a0,NRS,7,10",
    ]
    write(landing, "pain_score", "spaces.csv", PAIN_HEADER + "\n" + "\n".join(spaces) + "\n")
    floats = pa.array([0.0005, 0.00005, 12345678.5, 7.25, 1.5e15 + 0.5, 2.0**-20], pa.float64())
    n = len(floats)
    zoned = pa.array(
        [dt.datetime(2024, 1, 5, 23, 30, tzinfo=dt.UTC)] * n,
        pa.timestamp("us", tz="America/New_York"),
    )
    fixed = {
        k: pa.array([v] * n)
        for k, v in {"person_id": "P8", "body_site": "back", "instrument": "VAS", "scale_max": 100}.items()
    }
    pq.write_table(
        pa.table({**fixed, "assessment_date": zoned, "score": floats}),
        landing / "pain_score" / "floats.parquet",
    )
    tiny = pa.array([Decimal("0.00000001"), Decimal("1E-7")], pa.decimal128(12, 10))
    two = {
        k: pa.array([v] * 2)
        for k, v in {
            "person_id": "P9",
            "assessment_date": "2024-01-05",
            "body_site": "back",
            "instrument": "VAS",
            "scale_max": 10,
        }.items()
    }
    pq.write_table(pa.table({**two, "score": tiny}), landing / "pain_score" / "tiny.parquet")
    no_rows = {name: pa.array([], pa.string()) for name in PAIN_HEADER.split(",")}
    pq.write_table(pa.table(no_rows), landing / "pain_score" / "no_rows.parquet")
    claims = [row for row, _, _ in BAD_CLAIM_ROWS] + [
        "C2,1,P2,UHC,2024-01-05,99213",
        "C3,1,P3,Aetna,2024-01-09,22612",
    ]
    write(landing, "medical_claim", "c1.csv", CLAIM_HEADER + "\n" + "\n".join(claims) + "\n")
    write(landing, "eligibility", "e.csv", f"{ELIGIBILITY_HEADER}\nP1,\nP1,1960-02-31\nP2,1970-01-01\n")
    births = pa.array([pa.scalar(0, pa.date32()).as_py(), None], pa.date32())
    births = pa.table({"person_id": ["P3", "P4"], "birth_date": births})
    pq.write_table(births, landing / "eligibility" / "e.parquet")
    deliver_functional_status(landing, 1)


def second_delivery(landing: Path) -> None:
    write(landing, "pain_score", "tricky.csv", TRICKY.replace("7.5", "6.5"))  # re-sent, other content
    deliver_functional_status(landing, 2)
    scored = [f"A{i},P{i},2024-02-0{i},back,NRS,{i + 1},10" for i in (2, 3, 4)]  # A2 and A3 again
    write(landing, "pain_score", "scored_2.csv", SCORED_HEADER + "\n" + "\n".join(scored) + "\n")
    write(landing, "medical_claim", "c2.csv", CLAIM_HEADER + "\nC2,1,P2,UHC,2024-01-06,99214\n")


def spark_rows(root: Path, table: str) -> str:
    return f"read_parquet('{root}/{table}/**/*.parquet', hive_partitioning = false, union_by_name = true)"


def _same_number_text(row: tuple) -> tuple:
    """A quarantined row with its Parquet floats' text as numbers: each engine writes a float
    that is no whole number its own way (DuckDB 1e+20, Spark 1.0E20); every other text is kept."""
    *facts, raw_row = row
    values = json.loads(raw_row) if raw_row and raw_row.startswith("{") else raw_row
    if isinstance(values, dict):
        values = {
            k: float(v) if isinstance(v, str) and FLOAT_TEXT.fullmatch(v) else v for k, v in values.items()
        }
    return (*facts, values)


def recorded(con: duckdb.DuckDBPyConnection, root: Path | None) -> dict[str, list]:
    """Everything the loader recorded, in an order that does not depend on the engine."""
    facts = {
        "history": con.execute(
            """select table_name, source_file, file_sha256, file_bytes, rows_read, rows_loaded,
                      rows_quarantined, duplicate_of, status, replaces, superseded_by, rows_superseded,
                      load_id
               from raw.load_history order by all"""
        ).fetchall(),
        "quarantine": [
            _same_number_text(row)
            for row in con.execute("select * from raw.quarantine order by all").fetchall()
        ],
        "quarantine_superseded": con.execute(
            "select * exclude (_superseded_at) from raw.quarantine_superseded order by all"
        ).fetchall(),
    }
    for table in TABLES:
        if root is None:
            rows = f"(select * exclude (_load_id) from raw.{table})"
            superseded = f"(select * exclude (_load_id, _superseded_at) from raw.{table}_superseded)"
        else:
            rows = spark_rows(root, table)
            has_superseded = (root / f"{table}_superseded").exists()
            superseded = (
                f"(select * exclude (_superseded_at) from {spark_rows(root, f'{table}_superseded')})"
                if has_superseded
                else f"(select * exclude (_load_id, _superseded_at) from raw.{table}_superseded)"
            )
        facts[table] = con.execute(f"select * from {rows} order by _source_file, _source_row").fetchall()
        facts[f"{table}_superseded"] = con.execute(f"select * from {superseded} order by all").fetchall()
    return facts


@pytest.fixture(scope="module")
def spark_warehouse(tmp_path_factory) -> SparkSide:
    return SparkSide(DuckDBWarehouse(tmp_path_factory.mktemp("spark_landing") / "warehouse.duckdb"))


def opened_rows(side: SparkSide):
    """The ingest stage's rows on Spark, as the run's row store opens them."""
    return SparkRowStore().open(side.warehouse)


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory, spark_warehouse):
    """(DuckDB's records, Spark's records) after each of the two deliveries."""
    landing = tmp_path_factory.mktemp("hostile") / "landing"
    first_delivery(landing, tmp_path_factory.mktemp("native_cases"))
    duck = duckdb.connect(str(tmp_path_factory.mktemp("duckdb_landing") / "warehouse.duckdb"))
    rows = opened_rows(spark_warehouse)
    outcomes = []
    with spark_warehouse.warehouse.connect() as spark_con:
        for run, deliver in (("run-1", None), ("run-2", second_delivery)):
            if deliver is not None:
                deliver(landing)
            for spec in TABLES.values():
                duck_loads = load_table(duck, landing, spec, run)
                spark_loads = load_table(spark_con, landing, spec, run, rows)
                assert duck_loads == spark_loads, spec.name
            outcomes.append((recorded(duck, None), recorded(spark_con, rows.root)))
    duck.close()
    return outcomes


@pytest.mark.parametrize("delivery", [0, 1], ids=["first", "second"])
def test_spark_records_every_file_as_duckdb_does(deliveries, delivery):
    duck, spark = deliveries[delivery]
    assert spark["history"] == duck["history"]


@pytest.mark.parametrize("delivery", [0, 1], ids=["first", "second"])
def test_spark_quarantines_the_same_rows_with_the_same_reasons_and_text(deliveries, delivery):
    duck, spark = deliveries[delivery]
    assert spark["quarantine"] == duck["quarantine"]
    assert spark["quarantine_superseded"] == duck["quarantine_superseded"]


@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("delivery", [0, 1], ids=["first", "second"])
def test_spark_stores_the_same_typed_rows(deliveries, delivery, table):
    duck, spark = deliveries[delivery]
    assert spark[table] == duck[table]
    assert spark[f"{table}_superseded"] == duck[f"{table}_superseded"]


def test_the_deliveries_cover_every_kind_of_outcome(deliveries):
    duck, _ = deliveries[1]
    reasons = {row[7] for row in duck["quarantine"]}
    assert reasons >= {
        "unparseable_number", "unparseable_date", "missing_required_value", "malformed_csv_row",
        "invalid_text", "score_out_of_range", "unknown_scale", "nrs_scale_mismatch", "too_few_answers",
        "score_disagrees_with_answers", "unsupported_version", "answer_out_of_range"}  # fmt: skip
    assert {row[8] for row in duck["history"]} == {"loaded", "duplicate"}
    assert any(row[10] for row in duck["history"]), "a version replaced"
    assert sum(row[11] for row in duck["history"]) == 4, "A2, A3, claim C2/1, ODI all_zero superseded"
    # A2 and A3 as records, the two rows of tricky.csv as a replaced version; claim C2/1 (and ODI
    # all_zero, counted above).
    assert len(duck["pain_score_superseded"]) == 4 and len(duck["medical_claim_superseded"]) == 1


def test_each_loaded_version_is_one_private_parquet_folder(deliveries, spark_warehouse):
    _, spark = deliveries[1]
    root = spark_warehouse.spark_rows
    in_use = {(r[0], r[12]) for r in spark["history"] if r[8] == "loaded" and r[10] is None}
    folders = {(t, p.name) for t in TABLES for p in (root / t).iterdir()}
    assert folders == {(t, partition_name(load_id)) for t, load_id in in_use}
    written = [p for p in spark_warehouse.spark_dir.rglob("*") if "_load_id=" in str(p)]
    assert written and all(p.stat().st_mode & 0o077 == 0 for p in written), "folders 0700, files 0600"


def test_a_folder_no_committed_version_owns_is_removed_before_the_next_load(
    deliveries, spark_warehouse, tmp_path
):
    root = spark_warehouse.spark_rows
    orphan = root / "eligibility" / partition_name("stopped-run:0:0")
    shutil.copytree(next((root / "eligibility").iterdir()), orphan)
    empty = tmp_path / "landing"
    (empty / "eligibility").mkdir(parents=True)
    with spark_warehouse.warehouse.connect() as con:
        assert load_table(con, empty, TABLES["eligibility"], "run-3", opened_rows(spark_warehouse)) == []
    assert not orphan.exists()
    assert list((root / "eligibility").iterdir()), "the committed versions stay"


def test_a_warehouse_loaded_by_duckdb_hands_its_versions_over_to_spark(tmp_path):
    landing = tmp_path / "landing"
    write(landing, "pain_score", "p.csv", f"{SCORED_HEADER}\nA1,P1,2024-01-05,back,NRS,7,10\n")
    warehouse = SparkSide(DuckDBWarehouse(tmp_path / "warehouse.duckdb"))
    with warehouse.warehouse.connect() as con:
        [load] = load_table(con, landing, TABLES["pain_score"], "run-1")
        before = con.execute("select * exclude (_load_id) from raw.pain_score").fetchall()
        rows = opened_rows(warehouse)
        [again] = load_table(con, landing, TABLES["pain_score"], "run-2", rows)
        assert again.status == "duplicate"
        assert con.execute("select count(*) from raw.pain_score").fetchone()[0] == 0
        held = con.execute("select rows_held_by from raw.load_history where status = 'loaded'").fetchall()
        assert held == [("spark",)]
        after = con.execute(f"select * from {spark_rows(rows.root, 'pain_score')}").fetchall()
    assert after == before
    handed = rows.root / "pain_score" / partition_name(load_id_for("run-1", load.sha256, load.path))
    assert [p.name for p in (rows.root / "pain_score").iterdir()] == [handed.name]


def test_rows_held_by_spark_are_not_silently_missing_under_duckdb(deliveries, spark_warehouse, tmp_path):
    landing = tmp_path / "landing"
    (landing / "pain_score").mkdir(parents=True)
    with (
        spark_warehouse.warehouse.connect() as con,
        pytest.raises(LandingError, match="loaded by the spark engine"),
    ):
        load_table(con, landing, TABLES["pain_score"], "run-4", DUCKDB_ROWS)


def test_partition_folders_are_named_as_spark_names_them(spark_warehouse, tmp_path):
    rows = opened_rows(spark_warehouse)
    load_id = "run:ab:cd/ef=g%h"
    frame = rows.spark.createDataFrame([(1, load_id)], f"x int, {LOAD_PARTITION} string")
    frame.write.partitionBy(LOAD_PARTITION).parquet(str(tmp_path / "t"))
    assert [p.name for p in (tmp_path / "t").iterdir() if p.is_dir()] == [partition_name(load_id)]


def test_the_spark_dialect_quotes_with_backticks():
    assert SPARK.quote("a`b") == "`a``b`"


def test_folder_changes_a_stopped_run_promised_are_made_by_the_next_load(
    spark_warehouse, tmp_path, monkeypatch
):
    landing = tmp_path / "landing"
    write(
        landing,
        "pain_score",
        "s1.csv",
        f"{SCORED_HEADER}\nA1,P1,2024-01-05,back,NRS,7,10\nA2,P2,2024-01-05,back,NRS,6,10\n",
    )
    rows = spark_rows_module.SparkRows(opened_rows(spark_warehouse).spark, tmp_path / "spark_landing")
    spec = TABLES["pain_score"]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        load_table(con, landing, spec, "run-1", rows)
        write(landing, "pain_score", "s2.csv", f"{SCORED_HEADER}\nA2,P2,2024-02-05,back,NRS,5,10\n")
        with monkeypatch.context() as stopped:  # the run stops right after the file's commit
            stopped.setattr(spark_rows_module.SparkRows, "settle", lambda self, con: None)
            _, second = load_table(con, landing, spec, "run-2", rows)
        assert second.rows_superseded == 1 and spark_versions.pending_promises(con) == 1
        assert len(con.execute(f"select * from {spark_rows(rows.root, 'pain_score')}").fetchall()) == 3
        load_table(con, landing, spec, "run-3", rows)
        assert spark_versions.pending_promises(con) == 0
        current = con.execute(
            f"select assessment_id, score from {spark_rows(rows.root, 'pain_score')} order by 1"
        )
        assert current.fetchall() == [("A1", Decimal("7")), ("A2", Decimal("5"))]
        audit = spark_rows(rows.root, "pain_score_superseded")
        assert con.execute(f"select assessment_id, _superseded_reason from {audit}").fetchall() == [
            ("A2", "same_natural_key")
        ]


def test_a_version_swap_a_stop_interrupted_is_undone_or_finished(spark_warehouse, tmp_path):
    base = tmp_path / "pain_score"
    (base / ".retired-_load_id=a").mkdir(parents=True)  # stopped between the two renames
    (base / ".retired-_load_id=b").mkdir()  # stopped before the old folder was removed
    (base / "_load_id=b").mkdir()
    (base / ".rewrite-_load_id=c").mkdir()  # stopped while writing
    spark_versions.finish_swaps(base)
    assert sorted(p.name for p in base.iterdir()) == ["_load_id=a", "_load_id=b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(f"{PAIN_HEADER}\n{GOOD}\n", False), (f"{PAIN_HEADER}\r\n{GOOD}\r\n", True),
     (f'{PAIN_HEADER}\n"P\r\n1",2024-01-05,back,NRS,7,10\n', True), (f'{PAIN_HEADER}\n"P"x,1\n', False)],
    ids=["lf", "crlf", "quoted_crlf", "slow_path"],
)  # fmt: skip
def test_the_scan_notes_carriage_returns_for_spark(tmp_path, text, expected):
    from orchestration.ingest.landing_csv import scan_csv

    path = write(tmp_path, "pain_score", "p.csv", text)
    assert scan_csv(path, "p.csv").carriage_returns is expected


def test_a_stale_copy_is_a_duplicate_that_changes_nothing_on_both_engines(deliveries):
    """The second delivery corrects tricky.csv; its old bytes stay in z_copies/: a stale copy."""
    copy = "pain_score/z_copies/copy of tricky.csv"
    for records in deliveries[1]:
        history = [row for row in records["history"] if row[1] == copy]
        stale = ("duplicate", "pain_score/tricky.csv", 0)
        assert [(row[8], row[7], row[5]) for row in history] == [stale, stale]
        assert not [row for row in records["pain_score"] if copy in row]
        loaded = [(row[0], row[2]) for row in records["history"] if row[8] == "loaded"]
        assert len(loaded) == len(set(loaded)), "no content is loaded twice"
