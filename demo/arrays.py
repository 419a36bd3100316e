"""Numeric helpers: exact-count sampling, day arithmetic and integer-coded rows.

Rows are dicts of equal-length int64 arrays (codes into small vocabularies,
dates as day numbers since 1970-01-01); text is made from them only once per
chunk (demo.tables).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Rng = np.random.Generator
Rows = dict[str, np.ndarray]  # integer-coded columns of one table, all of one length


def day(iso: str) -> int:
    return int(np.datetime64(iso, "D").astype(np.int64))


class Counter:
    """Hands out consecutive numbers (claim numbers within a chunk)."""

    def __init__(self) -> None:
        self.next = 1

    def take(self, n: int) -> np.ndarray:
        numbers = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return numbers


def count(share: float, base: int, minimum: int = 1) -> int:
    return max(minimum, round(share * base)) if base > 0 else 0


def choose(rng: Rng, eligible: np.ndarray, k: int) -> np.ndarray:
    """Mask of exactly k (or all, if fewer) randomly chosen eligible items."""
    pool = np.flatnonzero(eligible)
    mask = np.zeros(eligible.size, dtype=bool)
    mask[rng.choice(pool, size=min(k, pool.size), replace=False)] = True
    return mask


def allocate(rng: Rng, n: int, shares: Sequence[float]) -> np.ndarray:
    """Labels in exact proportions, each label at least once when n allows."""
    if n < len(shares):
        return rng.choice(len(shares), size=n, p=shares)
    counts = np.maximum(1, np.floor(np.array(shares) * n)).astype(np.int64)
    counts[int(np.argmax(shares))] += n - counts.sum()
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def one_of(rng: Rng, offset: np.ndarray, size: np.ndarray) -> np.ndarray:
    """A random index in [offset, offset + size) per row: one of a group in a flat list."""
    return offset + np.floor(rng.random(offset.size) * size).astype(np.int64)


def pick(rng: Rng, values: np.ndarray, n: int, p: Sequence[float] | None = None) -> np.ndarray:
    return values[rng.choice(values.size, size=n, p=p)]


def between(rng: Rng, lo: np.ndarray | int, hi: np.ndarray | int, size: int | None = None) -> np.ndarray:
    """Uniform day numbers in [lo, hi], both ends included."""
    shape = np.broadcast(lo, hi).shape if size is None else size
    return lo + np.floor(rng.random(shape) * (np.asarray(hi) - lo + 1)).astype(np.int64)


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Calendar months clamped to month end (31 Jan + 1 month = 28/29 Feb), like the measure."""
    d = np.asarray(days).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    start = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - start).astype(np.int64)
    return start.astype(np.int64) + np.minimum(day_of_month, length - 1)


def oct1_on_or_before(days: np.ndarray) -> np.ndarray:
    year = np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]")
    oct1 = (year.astype("datetime64[M]") + 9).astype("datetime64[D]").astype(np.int64)
    previous = ((year - 1).astype("datetime64[M]") + 9).astype("datetime64[D]").astype(np.int64)
    return np.where(days >= oct1, oct1, previous)


def jan1(years: np.ndarray) -> np.ndarray:
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def tenths(values: np.ndarray) -> np.ndarray:
    """A 0-10 score as integer tenths 0..100."""
    return np.clip(np.rint(values * 10), 0, 100).astype(np.int64)


def jitter(rng: Rng, scores: np.ndarray) -> np.ndarray:
    # A second score that differs, so that the tie rules decide the pair.
    step = rng.integers(5, 21, scores.size) * rng.choice([-1, 1], scores.size)
    return np.clip(scores + step, 0, 100)


def part(keys: Sequence[str], n: int, **columns: np.ndarray | int) -> Rows:
    """n rows with the given columns; every other key is 0 (no value)."""
    unknown = set(columns) - set(keys)
    if unknown:
        raise TypeError(f"unknown row keys: {sorted(unknown)}")
    return {k: np.broadcast_to(np.asarray(columns.get(k, 0), dtype=np.int64), (n,)) for k in keys}


def concat(parts: Sequence[Rows]) -> Rows:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def sort_rows(rows: Rows, keys: Sequence[str]) -> Rows:
    order = np.lexsort([rows[k] for k in reversed(keys)])
    return {k: v[order] for k, v in rows.items()}


def columns(prefix: str, matrix: np.ndarray) -> Rows:
    return {f"{prefix}{i + 1}": matrix[:, i] for i in range(matrix.shape[1])}


def explode(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, line number, code) for each non-zero cell of an (n, k) code matrix,
    lines numbered from 1 within each row."""
    present = codes > 0
    line = np.cumsum(present, axis=1)
    row, slot = np.nonzero(present)
    return row, line[row, slot], codes[row, slot]


def numbered(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, line number from 1) for `counts[row]` lines per row."""
    row = np.repeat(np.arange(counts.size), counts)
    return row, np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1
