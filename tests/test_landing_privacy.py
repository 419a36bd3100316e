"""No row content in any message or log: a name and an SSN-like value planted in every
kind of bad row and bad file never leave the warehouse."""

from __future__ import annotations

import logging

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import landing_read
from orchestration.ingest.landing import PAIN_SCORE, LandingError, load_table
from tests.helpers.landing import PAIN_HEADER, write

NAME, SSN = "Zelda Quixote", "987-65-4321"
SECRET = f"{NAME} {SSN}"
GOOD = "P0,2024-01-05,back,NRS,7,10"

BAD_ROWS = {
    "missing_fields": f"{SECRET},2024-01-05",
    "extra_fields": f"{SECRET},2024-01-05,back,NRS,7,10,{SECRET}",
    "stray_quote": f'{NAME} "{SSN}",2024-01-05,back,NRS,7,10',
    "text_after_quote": f'"{NAME}" {SSN},2024-01-05,back,NRS,7,10',
    "lone_cr": f"{NAME}\r{SSN},2024-01-05,back,NRS,7,10",
    "nul_byte": f"{SECRET}\x00,2024-01-05,back,NRS,7,10",
    "huge_field": f"{SECRET},2024-01-05,back,NRS,7,10{'x' * 3_000_000}",
    "unparseable_date": f"{SECRET},{SSN},back,NRS,7,10",
    "unparseable_number": f"{SECRET},2024-01-05,back,NRS,{SSN},10",
    "missing_value": f",2024-01-05,back,NRS,7,{SSN}",
    "unknown_site": f"P1,2024-01-05,{SECRET},NRS,7,10",
    "out_of_range": f"{SECRET},2024-01-05,back,NRS,11,10",
}

BAD_FILES = {
    "unclosed_quote": f'{PAIN_HEADER}\n{GOOD}\n"{SECRET},2024-01-05,back,NRS,7,10\n{GOOD}\n'.encode(),
    "no_header": f"{SECRET},2024-01-05,back,NRS,7,10\n".encode(),
    "utf16": f"{PAIN_HEADER}\n{SECRET},2024-01-05,back,NRS,7,10\n".encode("utf-16"),
    "latin1_header": f"{PAIN_HEADER},{NAME}é\n{SECRET}\n".encode("latin-1"),
    "huge_header": f"{SECRET}{'x' * 1_100_000}".encode(),
    "bad_header_quote": f'{PAIN_HEADER},"{SECRET}\n'.encode(),
    "duplicate_column": f"{PAIN_HEADER},person_id\n{GOOD},{SECRET}\n".encode(),
    "cr_only": f"{PAIN_HEADER}\r{SECRET},2024-01-05,back,NRS,7,10\r".encode(),
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00" + SECRET.encode(),
}


def _secrets_nowhere(*texts: str) -> None:
    for text in texts:
        assert NAME not in text and SSN not in text and "Quixote" not in text


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize("row", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_row_content_stays_in_the_quarantine(tmp_path, con, row, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    write(tmp_path, "pain_score", "p.csv", f"{PAIN_HEADER}\n{GOOD}\n{row}\n{GOOD}\n".encode())
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (3, 2, 1)
    out, err = capfd.readouterr()
    _secrets_nowhere(out, err, caplog.text)


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_message_names_the_file_never_its_content(tmp_path, con, content, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    write(tmp_path, "pain_score", "p.csv", content)
    with pytest.raises(LandingError) as failure:
        load_table(con, tmp_path, PAIN_SCORE, "run-1")
    out, err = capfd.readouterr()
    assert str(failure.value).startswith("pain_score/p.csv: ")
    _secrets_nowhere(
        str(failure.value), repr(failure.value.__cause__), repr(failure.value.__context__), out, err
    )
    _secrets_nowhere(caplog.text)


def test_parquet_with_content_in_a_broken_column_stays_quiet(tmp_path, con, capfd):
    (tmp_path / "pain_score").mkdir()
    table = pa.table({"person_id": [SECRET], "assessment_date": [SSN], "body_site": ["back"],
                      "instrument": ["NRS"], "score": [SSN], "scale_max": [9.6]})  # fmt: skip
    pq.write_table(table, tmp_path / "pain_score" / "p.parquet")
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert load.rows_quarantined == 1
    (tmp_path / "pain_score" / "q.parquet").write_bytes(b"PAR1" + SECRET.encode() + b"PAR1")
    with pytest.raises(LandingError) as failure:
        load_table(con, tmp_path, PAIN_SCORE, "run-2")
    _secrets_nowhere(str(failure.value), *capfd.readouterr())


# Defect 3: an engine error quoting the offending line ("Original Line: ...") reached the terminal.
def test_an_engine_error_quoting_a_row_is_replaced_by_our_words(tmp_path, con, monkeypatch):
    write(tmp_path, "pain_score", "p.csv", f"{PAIN_HEADER}\n{GOOD}\n")

    def failing(*args, **kwargs):
        raise duckdb.InvalidInputException(f"CSV Error on Line: 2\nOriginal Line: {SECRET}\n  ^^^ hint")

    monkeypatch.setattr(landing_read, "scan_csv", failing)
    with pytest.raises(LandingError) as failure:
        load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert (
        str(failure.value) == "pain_score/p.csv: could not be loaded (database error: InvalidInputException)"
    )
    assert failure.value.__cause__ is None and failure.value.__suppress_context__
