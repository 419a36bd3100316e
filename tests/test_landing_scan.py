"""The fast (numpy, chunked) and slow (line by line) record finders agree on any input.

A property test: Hypothesis writes CSV bodies from pieces that matter to a record finder
(separators, quotes, every line end, bytes that are not UTF-8, NUL) and reads each with a
chunk size of 1 to 9 bytes, so that every piece falls on a chunk boundary somewhere. The
profile is derandomized (`tests/conftest.py`): the same examples on every run. The known
edge cases are explicit examples.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from orchestration.ingest import landing_csv_records
from orchestration.ingest.landing_csv import _scan
from orchestration.ingest.landing_csv_records import Desync, fast_batches, slow_batches
from orchestration.ingest.landing_spec import LandingError

HEADER = b"x,y,z\n"
ANY_PIECES = [
    "a", "b1", ",", ',"', '",', '"', '""', "\n", "\r\n", "\r", "é", "\xff", "\x00", " ", "#", "7.5",
]  # fmt: skip
# Quotes only as whole quoted fields (the fast finder's ground), with an odd one out now and then.
QUOTED_PIECES = [
    ",a", ",", "\n", "\r\n", "\r", ',"q,1"', ',"x""y"', ',"m\nl"', ',"r\r\n"', ",é", ",\xff", ",\x00", ',"',
]  # fmt: skip
# A body is written in Latin-1 (so "é" and "\xff" are bytes that are not UTF-8); a few pieces
# are UTF-8 characters of two and three bytes, which a chunk boundary may split.
UTF8 = ["é".encode(), "€".encode()]


def bodies(pieces: list[str]) -> st.SearchStrategy[bytes]:
    piece = st.one_of(st.sampled_from([p.encode("latin-1") for p in pieces]), st.sampled_from(UTF8))
    return st.lists(piece, max_size=60).map(b"".join)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scan") / "f.csv"


def _outcome(path: Path, finder):
    try:
        scan = _scan(path, "f.csv", ["x", "y", "z"], 1, len(HEADER), finder)
    except LandingError as error:
        return str(error)
    return scan.records, [(b.record, b.line, b.start, b.end, b.reason) for b in scan.bad]


def agree(path: Path, body: bytes, chunk_bytes: int) -> None:
    """The slow finder reads any input; the fast one must give the same records and bad records
    whenever it can read the input (a misplaced quote: only the slow one reads it)."""
    path.write_bytes(HEADER + body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(landing_csv_records, "CHUNK_BYTES", chunk_bytes)
        slow = _outcome(path, slow_batches)
        try:
            fast = _outcome(path, fast_batches)
        except Desync:
            return
    assert fast == slow


@settings(max_examples=300)
@given(body=bodies(ANY_PIECES), chunk_bytes=st.integers(1, 9))
@example(body=b"", chunk_bytes=1)  # header only
@example(body=b"a,b,c", chunk_bytes=2)  # no line end after the last record
@example(body=b"a,b,c\r\nd,e,f\r\n", chunk_bytes=6)  # a CRLF split by the chunk boundary
@example(body=b"a,b,c\rd,e,f\n", chunk_bytes=5)  # a lone CR ends a record
@example(body=b"\n\na,b,c\n\r\n\n", chunk_bytes=3)  # blank lines are not records
@example(body=b'a,b"c,d\n', chunk_bytes=4)  # a stray quote: only the slow finder reads it
@example(body=b"a,b\nc,d,e,f\n", chunk_bytes=7)  # too few and too many fields
@example(body=b"a,\x00,c\n", chunk_bytes=9)  # NUL byte
@example(body=b"a,\xff,c\n", chunk_bytes=2)  # not UTF-8
@example(body="a,é,c\n".encode(), chunk_bytes=3)  # a UTF-8 character split by the boundary
@example(body=b"#,b,c\n", chunk_bytes=1)  # no comment character
def test_fast_and_slow_record_finders_agree_on_any_input(scratch, body, chunk_bytes):
    agree(scratch, body, chunk_bytes)


@settings(max_examples=300)
@given(body=bodies(QUOTED_PIECES), chunk_bytes=st.integers(1, 9))
@example(body=b'a,"x""y",c\n', chunk_bytes=5)  # a doubled quote split by the boundary
@example(body=b'a,"m\nl",c\n', chunk_bytes=4)  # a line break inside quotes
@example(body=b'a,"r\r\n",c\r\n', chunk_bytes=6)  # a CRLF inside quotes, then one outside
@example(body=b'a,"q,1",c\n"', chunk_bytes=9)  # a quote left open at the end
@example(body=b'a,b,""\n', chunk_bytes=6)  # an empty quoted field ending the record
def test_fast_and_slow_record_finders_agree_on_quoted_fields(scratch, body, chunk_bytes):
    agree(scratch, body, chunk_bytes)


def test_the_examples_reach_both_finders_and_both_outcomes(scratch):
    """The property is not vacuous: some inputs are read by both finders and give bad records,
    and a stray quote leaves the fast finder out."""
    outcomes = []
    for body in (b"a,b,c\n", b"a,b\n", b'a,b"c,d\n'):
        scratch.write_bytes(HEADER + body)
        slow = _outcome(scratch, slow_batches)
        try:
            fast = _outcome(scratch, fast_batches)
        except Desync:
            fast = None
        outcomes.append((slow, fast))
    assert outcomes[0][0] == outcomes[0][1] == (1, [])
    assert outcomes[1][0] == outcomes[1][1] and outcomes[1][0][1][0][-1] == "malformed_csv_row"
    assert outcomes[2][1] is None and outcomes[2][0][1]  # read by the slow finder alone
