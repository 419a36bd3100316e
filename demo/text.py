"""Integer codes to text columns, vectorised with pyarrow (one pass per chunk)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def text(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(text(numbers), width=width, padding="0"), "")


def iso(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days).astype("datetime64[D]")).cast(pa.string())


def lookup(vocab: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    return pa.array(vocab, pa.string()).take(codes)


def override(values: pa.Array, mask: np.ndarray, value: str | None) -> pa.Array:
    if not mask.any():
        return values
    return pc.if_else(pa.array(mask), pa.scalar(value, pa.string()), values)


def optional(values: np.ndarray) -> pa.Array:
    """Numbers as text, 0 as an empty cell."""
    return override(text(values), values == 0, None)


def constant(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)
