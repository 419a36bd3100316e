"""The loader's reading of a file's structure: true counts, fixed dialect, literal names."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.ingest import landing_read
from orchestration.ingest.landing import PAIN_SCORE, LandingError, load_table
from tests.helpers.landing import PAIN_HEADER, quarantined, write

GOOD = "P0,2024-01-05,back,NRS,7,10"


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def load(con, landing):
    [result] = load_table(con, landing, PAIN_SCORE, "run-1")
    return result


def counts(result) -> tuple[int, int, int]:
    return result.rows_read, result.rows_loaded, result.rows_quarantined


def pain_rows(count: int, start: int = 0) -> list[str]:
    return [f"P{i},2024-01-05,back,NRS,7,10" for i in range(start, start + count)]


# Defect 1: rows_read came from the engine, so an unclosed quote swallowed 4,999 rows "balanced".
@pytest.mark.parametrize("later_quotes", [False, True], ids=["no_other_quotes", "quoted_fields_after"])
def test_unclosed_quote_fails_the_file_naming_the_line_instead_of_swallowing_rows(
    tmp_path, con, later_quotes
):
    rows = pain_rows(30_000)
    rows[25_000] = 'P25000,"2024-01-05,back,NRS,7,10'
    if later_quotes:
        rows[27_000] = 'P27000,2024-01-05,"back",NRS,7,10'
    write(tmp_path, "pain_score", "p.csv", "\n".join([PAIN_HEADER, *rows]) + "\n")
    with pytest.raises(
        LandingError, match=r"^pain_score/p\.csv: unterminated quoted field opened at line 25002$"
    ):
        load(con, tmp_path)
    assert con.execute("select count(*) from raw.pain_score").fetchone()[0] == 0


@pytest.mark.parametrize("position", [0, 14_999, 29_999], ids=["first", "middle", "last"])
@pytest.mark.parametrize(
    "bad",
    ["P1,2024-01-05", 'P1,2024-01-05,ba"ck,NRS,7,10', 'P1,"2024-01-05"x,back,NRS,7,10', "P1,a,b,c,d,e,f"],
    ids=["missing_fields", "stray_quote", "text_after_closing_quote", "extra_fields"],
)
def test_malformed_record_is_quarantined_wherever_it_stands(tmp_path, con, position, bad):
    # Defect 9: the same row failed the whole file early and was quarantined later on.
    rows = pain_rows(30_000)
    rows[position] = bad
    write(tmp_path, "pain_score", "p.csv", "\n".join([PAIN_HEADER, *rows]) + "\n")
    result = load(con, tmp_path)
    assert counts(result) == (30_000, 29_999, 1)
    assert quarantined(con) == [(position + 1, None, "malformed_csv_row")]
    line = con.execute("select raw_row::json->>'line' from raw.quarantine").fetchone()[0]
    assert line == str(position + 2)
    # Every loaded row keeps its own record number (lineage stays aligned past the bad one).
    misaligned = "select count(*) from raw.pain_score where person_id <> 'P' || (_source_row - 1)"
    assert con.execute(misaligned).fetchone()[0] == 0


def test_rows_read_is_an_independent_count_that_must_match_the_engine(tmp_path, con, monkeypatch):
    write(tmp_path, "pain_score", "p.csv", "\n".join([PAIN_HEADER, *pain_rows(3)]) + "\n")
    real_scan = landing_read.scan_csv

    def overcounting(path, name):
        scan = real_scan(path, name)
        scan.records += 1
        return scan

    monkeypatch.setattr(landing_read, "scan_csv", overcounting)
    with pytest.raises(LandingError, match=r"p\.csv: 4 records counted but 3 read; the file was not loaded"):
        load(con, tmp_path)


def test_quoted_newlines_doubled_quotes_and_blank_lines_follow_the_dialect(tmp_path, con):
    text = (
        f"{PAIN_HEADER}\r\n"
        '"P\n1",2024-01-05,"back",NRS,7,10\r\n'
        '"P""2",2024-01-05,back,NRS,"7.5",10\r\n'
        "\r\n"
        f"{GOOD}\r\n\r\n\n"
    )
    write(tmp_path, "pain_score", "p.csv", text)
    assert counts(load(con, tmp_path)) == (3, 3, 0)
    ids = con.execute("select person_id from raw.pain_score order by _source_row").fetchall()
    assert ids == [("P\n1",), ('P"2',), ("P0",)]


# Defect 2: the path reached read_csv unescaped, so `[1]` was a glob pattern.
@pytest.mark.parametrize("special", ["x_pain_[1].csv", "x_pain_*.csv", "x_pain_?.csv", "it's {a,b}.csv"])
def test_glob_characters_in_a_file_name_are_part_of_the_name(tmp_path, con, special):
    write(tmp_path, "pain_score", special, f"{PAIN_HEADER}\nSPECIAL,2024-01-05,back,NRS,7,10\n")
    write(tmp_path, "pain_score", "x_pain_1.csv", f"{PAIN_HEADER}\nPLAIN,2024-01-05,back,NRS,7,10\n")
    load_table(con, tmp_path, PAIN_SCORE, "run-1")
    rows = con.execute("select _source_file, person_id from raw.pain_score order by 2").fetchall()
    assert rows == [("pain_score/x_pain_1.csv", "PLAIN"), (f"pain_score/{special}", "SPECIAL")]


# Defect 5: the sniffer turned `#` into a comment character.
def test_hash_is_data_never_a_comment(tmp_path, con):
    text = f"{PAIN_HEADER}\n#P1,2024-01-05,back,NRS,7,10\nP2 # two,2024-01-05,back,NRS,7,10\n"
    write(tmp_path, "pain_score", "p.csv", text)
    assert counts(load(con, tmp_path)) == (2, 2, 0)
    assert con.execute("select person_id from raw.pain_score order by 1").fetchall() == [
        ("#P1",),
        ("P2 # two",),
    ]


def test_a_comment_line_before_the_header_is_not_skipped(tmp_path, con):
    write(tmp_path, "pain_score", "p.csv", f"# exported from the clinic system\n{PAIN_HEADER}\n{GOOD}\n")
    with pytest.raises(LandingError, match=r"p\.csv: missing required column"):
        load(con, tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"\n\r\n\n", "empty file"),
        (f"{PAIN_HEADER}\n{GOOD}\n".encode("utf-16"), "not UTF-8 text"),
        (f"{PAIN_HEADER}\n{GOOD}\n".encode("utf-16-le"), "not UTF-8 text"),
        (b"\xff\xd8\xff\xe0 binary \x00\x01\n", "not UTF-8 text"),
        (f"{PAIN_HEADER}\r{GOOD}\r".encode(), "lone carriage return"),
        (("x" * 1_100_000).encode(), "line 1 longer than the maximum of 1048576 bytes"),
        (f'{PAIN_HEADER},"notes\n'.encode(), "the header, is not valid CSV"),
        (f"{PAIN_HEADER},Person_ID\n{GOOD},P9\n".encode(), "column person_id appears more than once"),
        (f"{PAIN_HEADER.replace(',', ';')}\n".encode(), "(columns must be separated by commas)"),
    ],
    ids=[
        "zero_bytes",
        "blank_lines",
        "utf16",
        "utf16_no_bom",
        "binary",
        "cr_only",
        "no_newline",
        "bad_header",
        "dup",
        "semicolons",
    ],
)
def test_unusable_file_fails_with_one_plain_line(tmp_path, con, content, message):
    # Defect 9: a 0-byte or UTF-16 file was reported as "missing required column(s)".
    write(tmp_path, "pain_score", "p.csv", content)
    with pytest.raises(LandingError) as failure:
        load(con, tmp_path)
    text = str(failure.value)
    assert text.startswith("pain_score/p.csv: ") and message in text
    assert "\n" not in text and failure.value.__cause__ is None


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("P1,2024-01-05,back,NRS,7,1\x000", "invalid_text"),
        ("Jos\xe9,2024-01-05,back,NRS,7,10", "invalid_text"),
        (f"P1,2024-01-05,{'x' * 1_100_000},NRS,7,10", "record_too_long"),
        ("P1,2024-01-05,ba\rck,NRS,7,10", "malformed_csv_row"),
    ],
    ids=["nul_byte", "latin1", "huge_field", "lone_cr"],
)
def test_unreadable_record_is_quarantined_and_the_rest_loads(tmp_path, con, row, reason):
    content = f"{PAIN_HEADER}\n{GOOD}\n".encode() + row.encode("latin-1") + f"\n{GOOD}\n".encode()
    write(tmp_path, "pain_score", "p.csv", content)
    assert counts(load(con, tmp_path)) == (3, 2, 1)
    assert quarantined(con) == [(2, None, reason)]
    raw_row = con.execute("select raw_row from raw.quarantine").fetchone()[0]
    assert len(raw_row) < 1000  # a bounded excerpt, not the whole record


def test_header_only_and_last_record_without_newline(tmp_path, con):
    write(tmp_path, "pain_score", "a.csv", PAIN_HEADER)
    write(tmp_path, "pain_score", "b.csv", f"{PAIN_HEADER}\n{GOOD}\nP1,2024-01-05")
    first, second = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert counts(first) == (0, 0, 0) and counts(second) == (2, 1, 1)


def test_line_by_line_reading_after_a_stray_quote_keeps_every_rule(tmp_path, con):
    # A stray quote sends the file to the line-by-line finder: it must quarantine the same way.
    huge = f"P1,2024-01-05,{'x' * 1_100_000},NRS,7,10"
    rows = [GOOD, 'P1,2024-01-05,ba"ck,NRS,7,10', huge, "P1,2024", '"P\n2",2024-01-05,back,NRS,7,10', GOOD]
    write(tmp_path, "pain_score", "p.csv", "\r\n".join([PAIN_HEADER, *rows]) + "\r\n")
    assert counts(load(con, tmp_path)) == (6, 3, 3)
    reasons = [(r[0], r[2]) for r in quarantined(con)]
    assert reasons == [(2, "malformed_csv_row"), (3, "record_too_long"), (4, "malformed_csv_row")]
