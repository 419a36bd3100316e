"""Oswestry Disability Index questionnaires (measure #471), taken with the back-pain scores.

Drawn from a generator of their own (``np.random.default_rng([seed, chunk, 471])``), after
the other tables of the chunk, so that adding them changed no row of the other tables. A
questionnaire goes with about 70 % of the usable back-pain scores of each person (same
day); its value follows the pain (ODI ~ 6 x pain on 0-10 + noise, a whole percent). Half are
written as the score, half as the ten section answers (0-5, sum x 2 = the score), some of
those with one section unanswered (the score then comes from nine). Every bad kind of the
table follows, a few rows each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

ITEMS = tuple(f"item_{i}" for i in range(1, 11))
COLUMNS = ("assessment_id", "person_id", "assessment_date", "instrument", "version", "score", *ITEMS,
           "data_source")  # fmt: skip
SHARE = 0.7
AS_ANSWERS = 0.5
ONE_UNANSWERED = 0.15
# Each bad kind: the cells written over a good questionnaire (answers given as listed).
BAD_KINDS = {
    "version_2_0": {"version": "2.0"},
    "two_sections_unanswered": {"score": "", "answers": ["3", "2", "", "4", "1", "", "2", "3", "1", "2"]},
    "score_disagrees_with_answers": {"score": "30", "answers": ["2"] * 10},
    "answer_6": {"score": "", "answers": ["6", "2", "2", "2", "2", "2", "2", "2", "2", "2"]},
    "score_101": {"score": "101"},
    "instrument_ndi": {"instrument": "NDI"},
}
BAD_PER_KIND = 2


def functional_status_table(rng: np.random.Generator, pain: pa.Table, chunk: int) -> pa.Table:
    """ODI rows for one chunk, from its pain-score table (text columns as written)."""
    frame = pain.select(["person_id", "assessment_date", "body_site", "instrument", "score", "scale_max",
                         "data_source"]).to_pandas()  # fmt: skip
    score = pd.to_numeric(frame["score"], errors="coerce")
    scale = pd.to_numeric(frame["scale_max"], errors="coerce")
    dated = pd.to_datetime(frame["assessment_date"], errors="coerce", format="%Y-%m-%d").notna()
    usable = (
        frame["body_site"].eq("back") & frame["person_id"].notna() & dated & scale.isin([10, 100])
        & frame["instrument"].isin(["NRS", "VAS"]) & score.between(0, scale)
    )  # fmt: skip
    good = frame[usable].drop_duplicates(["person_id", "assessment_date"])
    good = good[rng.random(len(good)) < SHARE]
    pain_0_10 = (score[good.index] * 10 / scale[good.index]).to_numpy(dtype=float)
    n = len(good)
    odi = np.clip(np.rint(pain_0_10 * 6 + rng.normal(8, 7, n)), 0, 100).astype(np.int64)
    as_answers = rng.random(n) < AS_ANSWERS
    unanswered = np.where(as_answers & (rng.random(n) < ONE_UNANSWERED), rng.integers(0, 10, n), -1)
    answers = _answers(rng, odi, unanswered)
    # Written as answers: the score is what the answers give (exactly, rounded half up).
    answered = np.where(unanswered >= 0, 9, 10)
    odi = np.where(as_answers, np.floor((40 * answers.sum(axis=1) + answered) / (2 * answered)), odi)
    columns: dict[str, list] = {
        "assessment_id": [f"FS{chunk:03d}{i:07d}" for i in range(1, n + 1)],
        "person_id": good["person_id"].tolist(),
        "assessment_date": good["assessment_date"].tolist(),
        "instrument": ["ODI"] * n,
        "version": ["2.1a"] * n,
        "score": ["" if a else str(int(v)) for a, v in zip(as_answers, odi, strict=True)],
        "data_source": good["data_source"].fillna("").tolist(),
    }
    for i, item in enumerate(ITEMS):
        columns[item] = [
            str(int(answers[r, i])) if as_answers[r] and unanswered[r] != i else "" for r in range(n)
        ]
    _add_bad_rows(rng, columns, chunk)
    return pa.table({name: pa.array(columns[name], pa.string()) for name in COLUMNS})


def _answers(rng: np.random.Generator, odi: np.ndarray, unanswered: np.ndarray) -> np.ndarray:
    """Ten answers 0-5 per questionnaire summing to about odi / 2 (an unanswered one is 0)."""
    n = odi.size
    total = np.rint(odi / 2).astype(np.int64)
    answers = np.zeros((n, 10), dtype=np.int64)
    for _ in range(int(total.max(initial=0))):
        room = (answers < 5) & (np.arange(10) != unanswered[:, None])
        wants = answers.sum(axis=1) < total
        pick = np.where(room, rng.random((n, 10)), -1).argmax(axis=1)
        rows = np.flatnonzero(wants & room.any(axis=1))
        answers[rows, pick[rows]] += 1
    return answers


def _add_bad_rows(rng: np.random.Generator, columns: dict[str, list], chunk: int) -> None:
    n = len(columns["person_id"])
    if n == 0:
        return
    for kind, cells in BAD_KINDS.items():
        for copy in range(BAD_PER_KIND):
            source = int(rng.integers(0, n))
            row = {name: columns[name][source] for name in columns}
            row["assessment_id"] = f"FS{chunk:03d}-{kind}-{copy}"
            for name, value in cells.items():
                if name != "answers":
                    row[name] = value
            answers = cells.get("answers")
            for i, item in enumerate(ITEMS):
                row[item] = answers[i] if answers else row[item]
            if answers is None and row["score"] == "":
                row["score"] = "40"
            for name in columns:
                columns[name].append(row[name])
