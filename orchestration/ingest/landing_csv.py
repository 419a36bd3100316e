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

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from orchestration.ingest.landing_spec import LandingError

MAX_RECORD_BYTES = 1 << 20  # a record longer than this is quarantined, never read by the engine
CHUNK_BYTES = 8 << 20
EXCERPT_CHARS = 120

QUOTE, COMMA, LF, CR, NUL = 34, 44, 10, 13, 0
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")

# Record flags.
F_QUOTE, F_CR, F_NUL, F_UTF8, F_MULTILINE = 1, 2, 4, 8, 16


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


class _Desync(Exception):
    """A quote stands where the dialect allows none: quote parity no longer finds records."""


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
        return _scan(path, name, names, header_line, data_start, _fast_batches)
    except _Desync:
        return _scan(path, name, names, header_line, data_start, _slow_batches)


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


def _at(positions: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Index of the record (bounded by ``bounds``, its end positions) holding each position."""
    return np.searchsorted(bounds, positions, side="left")


def _fast_batches(handle: BinaryIO, name: str, offset: int, line: int) -> Iterator[tuple]:
    """Records chunk by chunk, found by quote parity; raises _Desync on a misplaced quote."""
    parity, rec_start, rec_line, rec_commas, rec_flags = 0, offset, line, 0, 0
    newlines_before, previous, last_opener_line = line - 1, LF, line
    utf8_carry = b""
    handle.seek(offset)
    buffer = handle.read(CHUNK_BYTES + 1)
    base = offset
    while buffer:
        chunk, following = buffer[:CHUNK_BYTES], buffer[CHUNK_BYTES : CHUNK_BYTES + 1]
        b = np.frombuffer(chunk, np.uint8)
        # Positions, not running sums over bytes: a quote, newline or comma is inside a
        # quoted field when an odd number of quotes precedes it (searchsorted counts them).
        quote_at = np.flatnonzero(b == QUOTE)
        newline_at = np.flatnonzero(b == LF)
        comma_at = np.flatnonzero(b == COMMA)
        cr_at = np.flatnonzero(b == CR)
        if len(quote_at):
            opening = (np.arange(len(quote_at)) + parity) & 1 == 0
            openers, closers = quote_at[opening], quote_at[~opening]
            before = np.where(openers > 0, b[np.maximum(openers - 1, 0)], previous)
            if not np.isin(before, (COMMA, LF, QUOTE)).all():
                raise _Desync
            after_byte = following[0] if following else COMMA  # end of file closes a field
            after = np.where(closers + 1 < len(b), b[np.minimum(closers + 1, len(b) - 1)], after_byte)
            if not np.isin(after, (COMMA, LF, CR, QUOTE)).all():
                raise _Desync
            fields_opened = openers[before != QUOTE]  # not the second quote of an escaped pair
            if len(fields_opened):
                last_opener_line = newlines_before + int(np.searchsorted(newline_at, fields_opened[-1])) + 1
            ends_mask = _outside(quote_at, newline_at, parity)
            comma_at = comma_at[_outside(quote_at, comma_at, parity)]
            cr_at = cr_at[_outside(quote_at, cr_at, parity)]
            parity = (parity + len(quote_at)) & 1
        else:
            ends_mask = np.full(len(newline_at), parity == 0)
            if parity:
                comma_at = cr_at = comma_at[:0]
        ends = newline_at[ends_mask]
        lines_through = newlines_before + np.flatnonzero(ends_mask) + 1
        commas_before = np.searchsorted(comma_at, ends)
        flags = np.zeros(len(ends) + 1, np.int64)  # the last entry is the record left open
        next_after_cr = np.where(
            cr_at + 1 < len(b), b[np.minimum(cr_at + 1, len(b) - 1)], following[0] if following else LF
        )
        for hits, flag in ((cr_at[next_after_cr != LF], F_CR), (np.flatnonzero(b == NUL), F_NUL)):
            if len(hits):
                np.bitwise_or.at(flags, _at(hits, ends), flag)
        utf8_errors, utf8_carry = _utf8_errors(utf8_carry, chunk, not following)
        if utf8_errors:
            np.bitwise_or.at(flags, _at(np.array(utf8_errors), ends), F_UTF8)
        flags[0] |= rec_flags
        if len(ends):
            starts = np.concatenate(([rec_start], base + ends[:-1] + 1))
            fields = np.diff(np.concatenate(([-rec_commas], commas_before))) + 1
            lines = np.concatenate(([rec_line], lines_through[:-1] + 1))
            spans = lines_through - np.concatenate(([rec_line - 1], lines_through[:-1]))
            record_flags = flags[:-1] | np.where(spans > 1, F_MULTILINE, 0)
            absolute_ends = base + ends
            cr_end = np.where(ends > 0, b[np.maximum(ends - 1, 0)], previous) == CR
            blank = (absolute_ends == starts) | ((absolute_ends - starts == 1) & cr_end)
            yield starts, absolute_ends - cr_end, fields, lines, record_flags, blank
            rec_start, rec_line = int(absolute_ends[-1]) + 1, int(lines_through[-1]) + 1
            rec_commas, rec_flags = len(comma_at) - int(commas_before[-1]), int(flags[-1])
        else:
            rec_commas += len(comma_at)
            rec_flags = int(flags[-1])
        if rec_flags & F_MULTILINE == 0 and rec_line <= newlines_before + len(newline_at):
            rec_flags |= F_MULTILINE  # the open record already spans a newline
        newlines_before += len(newline_at)
        previous = int(b[-1])
        base += len(chunk)
        buffer = following + handle.read(CHUNK_BYTES) if following else b""
    if parity:
        raise LandingError(f"{name}: unterminated quoted field opened at line {last_opener_line}")
    if base > rec_start:  # a last record without a newline
        yield _one(rec_start, base, rec_commas + 1, rec_line, rec_flags, handle)


def _outside(quote_at: np.ndarray, positions: np.ndarray, parity: int) -> np.ndarray:
    """Which positions stand outside quoted fields (an even number of quotes before them)."""
    return (np.searchsorted(quote_at, positions) + parity) & 1 == 0


def _one(start: int, end: int, fields: int, line: int, flags: int, handle: BinaryIO) -> tuple:
    handle.seek(max(end - 1, start))
    cr_end = int(end > start and handle.read(1) == b"\r")
    blank = end - start - cr_end == 0
    return tuple(np.array([v]) for v in (start, end - cr_end, fields, line, flags)) + (np.array([blank]),)


def _utf8_errors(carry: bytes, chunk: bytes, final: bool) -> tuple[list[int], bytes]:
    """Offsets (in this chunk) of bytes that are not UTF-8 text, and the bytes of a
    character split by the chunk's end (checked with the next chunk)."""
    data = carry + chunk
    cut = len(data)
    if not final:
        lead = cut - 1
        while lead >= max(cut - 3, 0) and data[lead] & 0xC0 == 0x80:
            lead -= 1
        if lead >= 0 and data[lead] >= 0xC0:
            needed = 2 if data[lead] < 0xE0 else 3 if data[lead] < 0xF0 else 4
            if cut - lead < needed:
                cut = lead
    errors: list[int] = []
    view, start = memoryview(data)[:cut], 0
    while start < cut:
        try:
            codecs.utf_8_decode(view[start:], "strict", True)
            break
        except UnicodeDecodeError as error:
            errors.append(max(start + error.start - len(carry), 0))
            start += error.end
    return errors, data[cut:]


def _slow_batches(handle: BinaryIO, name: str, offset: int, line: int) -> Iterator[tuple]:
    """Records line by line with a quote state machine that steps over a misplaced quote."""
    handle.seek(offset)
    columns: list[list[int]] = [[] for _ in range(6)]
    parts: list[bytes] = []
    in_quote = False
    opened_line = line
    for raw in handle:
        if not in_quote:
            rec_start, rec_line, fields, flags, parts, size = offset, line, 1, 0, [], 0
            field_start, closed = True, False
        else:
            flags |= F_MULTILINE
        if size <= MAX_RECORD_BYTES:
            parts.append(raw)
        size += len(raw)
        if not in_quote and b'"' not in raw:
            fields += raw.count(b",")
            flags |= F_CR if b"\r" in raw.rstrip(b"\r\n") or raw.endswith(b"\r\r\n") else 0
        else:
            i, n = 0, len(raw)
            while i < n:
                c = raw[i]
                if in_quote:
                    if c == QUOTE:
                        if i + 1 < n and raw[i + 1] == QUOTE:
                            i += 1
                        else:
                            in_quote, closed = False, True
                elif c == COMMA:
                    fields, field_start, closed = fields + 1, True, False
                elif c == QUOTE and field_start:
                    in_quote, field_start, opened_line = True, False, line
                elif c == CR:
                    flags |= F_CR if i + 1 < n and raw[i + 1] != LF else 0
                elif c != LF:
                    flags |= F_QUOTE if (c == QUOTE or closed) else 0
                    field_start = False
                i += 1
        offset += len(raw)
        line += 1
        if in_quote:
            continue
        end = offset - 1 if raw.endswith(b"\n") else offset
        if (raw[:-1] if raw.endswith(b"\n") else raw).endswith(b"\r") and end > rec_start:
            end -= 1  # the CR of a CRLF line end (decided on the line itself: parts may be cut short)
        record = b"".join(parts)[: end - rec_start]
        flags |= F_NUL if b"\x00" in record else 0
        try:
            record.decode("utf-8")
        except UnicodeDecodeError:
            flags |= F_UTF8
        values = (rec_start, end, fields, rec_line, flags, int(end == rec_start))
        for column, value in zip(columns, values, strict=True):
            column.append(value)
        if len(columns[0]) >= 100_000:
            yield _arrays(columns)
            columns = [[] for _ in range(6)]
    if columns[0]:  # the records before an unterminated field are checked first, as when fast
        yield _arrays(columns)
    if in_quote:
        raise LandingError(f"{name}: unterminated quoted field opened at line {opened_line}")


def _arrays(columns: list[list[int]]) -> tuple:
    *values, blank = (np.array(c, np.int64) for c in columns)
    return (*values, blank.astype(bool))


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
