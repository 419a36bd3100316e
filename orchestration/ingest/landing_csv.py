"""An independent, streaming reading of a landing CSV file's structure.

The loader never trusts the engine's own view of a file's records: this module
finds every record itself (the fixed dialect: comma, double quote, doubled-quote
escape, header row, UTF-8 with an optional BOM, no comment character), counts
them, and names each record that cannot be read (wrong number of fields, a quote
out of place, bytes that are not UTF-8 text, a NUL byte, an overlong record).
The engine then types the other records; both counts must agree.

Records are found in chunks with numpy: a newline is a record end when an even
number of quotes precedes it. That holds only while every quote stands where the
dialect allows one; a file with a stray quote is read again by a slower
line-by-line state machine that can step over it (rare, and still streaming).

Messages name the file, the line and the problem in plain words, never content.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from orchestration.ingest.landing_csv_records import (
    CHUNK_BYTES,
    F_CR,
    F_MULTILINE,
    F_NUL,
    F_QUOTE,
    F_UTF8,
    MAX_RECORD_BYTES,
    UTF8_BOM,
    UTF16_32_BOMS,
    Desync,
    fast_batches,
    slow_batches,
)
from orchestration.ingest.landing_spec import LandingError

EXCERPT_CHARS = 120



@dataclass(frozen=True)
class BadRecord:
    record: int  # data record number, 1-based (header and blank lines not counted)
    line: int  # physical line where the record starts (header = line 1)
    start: int  # byte offsets of the record, newline excluded
    end: int
    reason: str
    detail: str  # plain words, no content


@dataclass
class CsvScan:
    names: list[str]
    header_line: int
    data_start: int  # offset of the byte after the header's newline
    records: int = 0
    bad: list[BadRecord] = field(default_factory=list)
    carriage_returns: bool = False  # any CR after the header (CRLF line ends or inside values)

    @property
    def engine_can_read_original(self) -> bool:
        """True when the engine may read the file as it is (skipping exactly one line)."""
        return self.header_line == 1 and not self.bad


def read_header(path: Path, name: str) -> tuple[list[str], int, int]:
    """The header's column names, its line number and the offset after it."""
    with path.open("rb") as handle:
        head = handle.read(MAX_RECORD_BYTES + 4)
    if head.startswith(UTF16_32_BOMS) or (b"\x00" in head[:4] and head.strip(b"\x00")):
        raise LandingError(f"{name}: not UTF-8 text (it looks like UTF-16 or UTF-32)")
    if not head.strip():
        raise LandingError(f"{name}: empty file")
    offset = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    line = 1
    while True:  # blank lines before the header are allowed
        newline = head.find(b"\n", offset)
        text = head[offset:] if newline < 0 else head[offset:newline]
        if text.strip(b"\r") or newline < 0:
            break
        offset, line = newline + 1, line + 1
    if newline < 0 and len(head) > MAX_RECORD_BYTES:
        raise LandingError(f"{name}: line {line} longer than the maximum of {MAX_RECORD_BYTES} bytes")
    if not text.strip():
        raise LandingError(f"{name}: empty file")
    if b"\r" in text.rstrip(b"\r"):
        raise LandingError(f"{name}: lines end with a lone carriage return (expected LF or CRLF line ends)")
    try:
        decoded = text.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise LandingError(f"{name}: not UTF-8 text (line {line}, the header)") from None
    if "\x00" in decoded:
        raise LandingError(f"{name}: not UTF-8 text (NUL bytes in line {line}, the header)")
    try:
        [names] = list(csv.reader([decoded], strict=True))
    except (csv.Error, ValueError):
        raise LandingError(f"{name}: line {line}, the header, is not valid CSV (a misplaced quote)") from None
    data_start = len(head) if newline < 0 else newline + 1
    return names, line, data_start


def scan_csv(path: Path, name: str) -> CsvScan:
    """Finds, counts and checks every record of one CSV landing file."""
    names, header_line, data_start = read_header(path, name)
    try:
        return _scan(path, name, names, header_line, data_start, fast_batches)
    except Desync:
        return _scan(path, name, names, header_line, data_start, slow_batches)


def _scan(path: Path, name: str, names: list[str], header_line: int, data_start: int, batches) -> CsvScan:
    scan = CsvScan(names, header_line, data_start)
    with path.open("rb") as raw:
        handle = _Watched(raw)
        for batch in batches(handle, name, data_start, header_line + 1):
            _classify(scan, name, len(names), *batch)
    scan.carriage_returns = handle.carriage_returns
    return scan


class _Watched:
    """A file read by the scan, noting whether any byte read was a carriage return."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle, self.carriage_returns = handle, False

    def seek(self, offset: int) -> int:
        return self._handle.seek(offset)

    def read(self, size: int = -1) -> bytes:
        return self._note(self._handle.read(size))

    def __iter__(self) -> Iterator[bytes]:
        return (self._note(line) for line in self._handle)

    def _note(self, data: bytes) -> bytes:
        self.carriage_returns = self.carriage_returns or b"\r" in data
        return data


def _classify(scan: CsvScan, name: str, width: int, starts, ends, fields, lines, flags, blank) -> None:
    """Counts a batch of records and keeps the bad ones (numpy arrays, one entry per record)."""
    keep = ~blank
    starts, ends, fields, lines, flags = starts[keep], ends[keep], fields[keep], lines[keep], flags[keep]
    length = ends - starts
    structural = (fields != width) | ((flags & (F_QUOTE | F_CR)) != 0)
    bad = structural | ((flags & (F_NUL | F_UTF8)) != 0) | (length > MAX_RECORD_BYTES)
    first = scan.records
    scan.records += int(keep.sum())
    for index in np.flatnonzero(bad):
        line = int(lines[index])
        if structural[index] and flags[index] & F_MULTILINE:
            # Where a broken quoted field really ends cannot be known: fail rather than guess.
            raise LandingError(f"{name}: unterminated quoted field opened at line {line}")
        if length[index] > MAX_RECORD_BYTES:
            reason, detail = "record_too_long", f"line longer than the maximum of {MAX_RECORD_BYTES} bytes"
        elif flags[index] & F_NUL:
            reason, detail = "invalid_text", "NUL byte in the record"
        elif flags[index] & F_UTF8:
            reason, detail = "invalid_text", "not UTF-8 text"
        elif flags[index] & (F_QUOTE | F_CR):
            reason, detail = "malformed_csv_row", "a quote or carriage return out of place"
        else:
            reason, detail = "malformed_csv_row", f"{int(fields[index])} fields where the header has {width}"
        scan.bad.append(
            BadRecord(first + int(index) + 1, line, int(starts[index]), int(ends[index]), reason, detail)
        )


def excerpt(path: Path, record: BadRecord) -> str:
    """A bounded, printable excerpt of a bad record, for the quarantine table only."""
    with path.open("rb") as handle:
        handle.seek(record.start)
        raw = handle.read(min(record.end - record.start, EXCERPT_CHARS * 4))
    text = raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text[:EXCERPT_CHARS] + (
        "…" if record.end - record.start > len(raw) or len(text) > EXCERPT_CHARS else ""
    )


def write_readable_copy(path: Path, scan: CsvScan, destination: Path) -> None:
    """A copy the engine can read: header on line 1, each bad record blanked to empty fields.

    Blanking keeps the engine's row k = data record k, so quarantine and lineage
    keep the record numbers of the original file.
    """
    placeholder = b"," * (len(scan.names) - 1) + b"\n"
    with path.open("rb") as source, destination.open("wb") as target:
        target.write(b",".join(f"c{i}".encode() for i in range(len(scan.names))) + b"\n")
        position = scan.data_start
        for record in scan.bad:
            _copy(source, target, position, record.start)
            target.write(placeholder)
            source.seek(record.end)
            tail = source.read(2)
            position = record.end + (2 if tail == b"\r\n" else 1 if tail[:1] in (b"\n", b"\r") else 0)
        _copy(source, target, position, None)


def _copy(source: BinaryIO, target: BinaryIO, start: int, end: int | None) -> None:
    source.seek(start)
    remaining = None if end is None else end - start
    while remaining is None or remaining > 0:
        block = source.read(CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining))
        if not block:
            return
        target.write(block)
        if remaining is not None:
            remaining -= len(block)
