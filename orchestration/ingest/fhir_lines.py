"""An independent, streaming count of an NDJSON file's records (its non-blank lines).

The engine's JSON reader turns each non-blank line into one row (null when the
line is not JSON). This module finds those lines itself, chunk by chunk with
numpy, so that the loader can check that the engine read exactly as many rows as
the file has records, and can give each row its physical line number and bytes.

A line holding only spaces, tabs, carriage returns, form or vertical feeds is blank, as
the engine skips it; blank lines are not records (as blank lines of a CSV file are not).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.ingest.landing_csv import EXCERPT_CHARS
from orchestration.ingest.landing_csv_records import CHUNK_BYTES

LF = 10
BLANK = np.zeros(256, bool)
BLANK[[9, 11, 12, 13, 32, LF]] = True  # tab, VT, FF, CR, space (as the engine skips them); LF ends a line


@dataclass(frozen=True)
class LineScan:
    """The records of one NDJSON file: k-th record = k-th non-blank line (arrays of equal length)."""

    lines: np.ndarray  # physical line number, 1-based
    starts: np.ndarray  # byte offsets of the line, its newline excluded
    ends: np.ndarray

    @property
    def records(self) -> int:
        return int(self.lines.size)


def scan_lines(path: Path) -> LineScan:
    """Finds every non-blank line of the file, reading it in chunks."""
    lines: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    base, line, open_start, open_filled = 0, 1, 0, False
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            b = np.frombuffer(chunk, np.uint8)
            newline_at = np.flatnonzero(b == LF)
            # Which lines (in this chunk; the last = the line still open) hold a byte that is
            # not whitespace. A line starting with one does; the few others (empty, or starting
            # with whitespace) are looked at byte by byte.
            bounds_from = np.concatenate(([0], newline_at + 1))
            bounds_to = np.concatenate((newline_at, [len(b)]))
            sizes = bounds_to - bounds_from
            first = np.where(sizes > 0, b[np.minimum(bounds_from, len(b) - 1)], LF)
            filled = ~BLANK[first]
            for k in np.flatnonzero(~filled & (sizes > 0)):
                filled[k] = not BLANK[b[bounds_from[k] : bounds_to[k]]].all()
            filled[0] |= open_filled
            line_starts = np.concatenate(([open_start], base + newline_at + 1))
            keep = np.flatnonzero(filled[:-1])
            lines.append(line + keep)
            starts.append(line_starts[keep])
            ends.append(base + newline_at[keep])
            line += newline_at.size
            open_start = int(line_starts[-1])
            open_filled = bool(filled[-1]) if newline_at.size else bool(filled[0])
            base += len(chunk)
    if open_filled:  # a last line without a newline
        lines.append(np.array([line]))
        starts.append(np.array([open_start]))
        ends.append(np.array([base]))
    joined = [np.concatenate(part) if part else np.zeros(0, np.int64) for part in (lines, starts, ends)]
    return LineScan(*(a.astype(np.int64) for a in joined))


def excerpt(path: Path, start: int, end: int) -> str:
    """A bounded, printable excerpt of one line, for the quarantine table only."""
    with path.open("rb") as handle:
        handle.seek(start)
        raw = handle.read(min(end - start, EXCERPT_CHARS * 4))
    text = raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd").rstrip("\r")
    return text[:EXCERPT_CHARS] + ("…" if end - start > len(raw) or len(text) > EXCERPT_CHARS else "")
