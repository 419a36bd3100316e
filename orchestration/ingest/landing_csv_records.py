"""Where a landing CSV file's records start and end, found from its bytes (``landing_csv``).

Two finders yield the same batches (record bounds, field counts, lines, flags): a fast one
with numpy, where a newline ends a record when an even number of quotes precedes it, and a
line-by-line state machine that steps over a quote out of place (``Desync``: rare).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np

from orchestration.ingest.landing_spec import LandingError

MAX_RECORD_BYTES = 1 << 20  # a record longer than this is quarantined, never read by the engine
CHUNK_BYTES = 8 << 20

QUOTE, COMMA, LF, CR, NUL = 34, 44, 10, 13, 0
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")

# Record flags.
F_QUOTE, F_CR, F_NUL, F_UTF8, F_MULTILINE = 1, 2, 4, 8, 16


class Desync(Exception):
    """A quote stands where the dialect allows none: quote parity no longer finds records."""


def _at(positions: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Index of the record (bounded by ``bounds``, its end positions) holding each position."""
    return np.searchsorted(bounds, positions, side="left")


def fast_batches(handle: BinaryIO, name: str, offset: int, line: int) -> Iterator[tuple]:
    """Records chunk by chunk, found by quote parity; raises Desync on a misplaced quote."""
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
                raise Desync
            after_byte = following[0] if following else COMMA  # end of file closes a field
            after = np.where(closers + 1 < len(b), b[np.minimum(closers + 1, len(b) - 1)], after_byte)
            if not np.isin(after, (COMMA, LF, CR, QUOTE)).all():
                raise Desync
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


def slow_batches(handle: BinaryIO, name: str, offset: int, line: int) -> Iterator[tuple]:
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
