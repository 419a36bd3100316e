"""Every kind of bad input, in small numbers, written into the normal files."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from demo.arrays import Counter, Rng, Rows, concat
from demo.text import override

# Per table, each kind and the cells it writes over a good row (None: the cell is
# left empty). Claim and pain-score bad rows are extra copies of random good rows,
# so the clinical content stays whole; eligibility rows are spoiled in place
# (demo.eligibility).
BAD_ROWS: dict[str, dict[str, dict[str, str | None]]] = {
    "medical_claim": {
        "person_id_missing": {"person_id": None},
        "start_date_2024_13_45": {"claim_line_start_date": "2024-13-45"},
        "start_date_yesterday": {"claim_line_start_date": "yesterday"},
        "claim_line_number_1a": {"claim_line_number": "1a"},
    },
    "eligibility": {
        "birth_date_missing": {"birth_date": None},
        "birth_date_impossible": {"birth_date": "1962-02-30"},
        "birth_date_unparseable": {"birth_date": "unknown"},
    },
    "pain_score": {
        "score_11_on_nrs_10": {"instrument": "NRS", "scale_max": "10", "score": "11"},
        "score_140_on_vas_100": {"instrument": "VAS", "scale_max": "100", "score": "140"},
        "score_negative": {"score": "-1"},
        "score_unparseable": {"score": "seven"},
        "instrument_odi": {"instrument": "ODI"},
        "body_site_neck": {"body_site": "neck"},
        "scale_max_5": {"scale_max": "5", "score": "3"},
        "nrs_with_scale_max_100": {"instrument": "NRS", "scale_max": "100", "score": "65"},
        "assessment_date_impossible": {"assessment_date": "2024-02-30"},
        "assessment_date_unparseable": {"assessment_date": "n/a"},
        "person_id_missing": {"person_id": None},
    },
}
# Share of good rows made bad, per kind (about 0.3 % of each table in all),
# never fewer than MIN_BAD_ROWS per kind and chunk.
BAD_SHARE = {"medical_claim": 0.0008, "eligibility": 0.001, "pain_score": 0.0003}
MIN_BAD_ROWS = 3


def bad_count(table: str, rows: int) -> int:
    return max(MIN_BAD_ROWS, round(BAD_SHARE[table] * rows))


def with_bad_rows(rng: Rng, rows: Rows, table: str, claim_ids: Counter | None = None) -> Rows:
    """Appends copies of random good rows marked with a bad kind (1-based position in
    BAD_ROWS[table]); claim copies get claim numbers of their own so that
    (claim_id, claim_line_number) stays unique."""
    n = rows["bad"].size
    copies = [rows]
    for kind in range(1, len(BAD_ROWS[table]) + 1):
        k = bad_count(table, n)
        copy = {key: value[rng.integers(0, n, k)] for key, value in rows.items()}
        copy["bad"] = np.full(k, kind)
        if claim_ids is not None:
            copy["claim"], copy["line"] = claim_ids.take(k), np.ones(k, dtype=np.int64)
        copies.append(copy)
    return concat(copies)


def spoil(table: str, columns: dict[str, pa.Array], bad: np.ndarray) -> dict[str, pa.Array]:
    """Writes each bad kind's cells over its rows."""
    for kind, cells in enumerate(BAD_ROWS[table].values(), start=1):
        for column, value in cells.items():
            columns[column] = override(columns[column], bad == kind, value)
    return columns
