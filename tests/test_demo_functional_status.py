"""The demo's ODI questionnaires (measure #471): realistic values in both forms, one bad row
of each new kind, and a random stream of their own that leaves every other table as it was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo import write_demo_landing
from demo.functional import BAD_KINDS, ITEMS

PEOPLE = 1500


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odi_demo") / "landing"
    write_demo_landing(root, people=PEOPLE)
    return root


@pytest.fixture(scope="module")
def odi(landing: Path) -> pd.DataFrame:
    path = landing / "functional_status" / "functional_status_000.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_questionnaires_come_as_scores_and_as_answers_with_realistic_values(odi: pd.DataFrame) -> None:
    good = odi[~odi["assessment_id"].str.contains("-")]
    answers = good[list(ITEMS)].replace("", np.nan).astype(float)
    as_scores, as_answers = good["score"].ne(""), answers.notna().sum(axis=1)
    assert as_scores.mean() > 0.3 and (as_answers == 10).mean() > 0.3
    assert (as_answers == 9).sum() >= 5, "some questionnaires leave one section unanswered"
    assert set(as_answers[~as_scores]) <= {9, 10} and set(as_answers[as_scores]) == {0}
    assert (answers.isna() | answers.ge(0) & answers.le(5)).all().all()
    scores = good.loc[as_scores, "score"].astype(int)
    assert scores.between(0, 100).all() and 15 < scores.mean() < 60
    assert (scores <= 22).any() and (scores > 22).any(), "both sides of the #471 threshold"
    assert set(good["version"]) == {"2.1a"} and set(good["instrument"]) == {"ODI"}


def test_every_bad_kind_is_present(odi: pd.DataFrame) -> None:
    for kind in BAD_KINDS:
        assert odi["assessment_id"].str.contains(f"-{kind}-").sum() >= 1, kind


def test_questionnaires_follow_the_back_pain_scores(landing: Path, odi: pd.DataFrame) -> None:
    pain = pd.read_csv(landing / "pain_score" / "pain_score_000.csv", dtype=str, keep_default_na=False)
    back_rows = pain[pain["body_site"] == "back"]
    back = set(zip(back_rows["person_id"], back_rows["assessment_date"], strict=True))
    good = odi[~odi["assessment_id"].str.contains("-")]
    assert set(zip(good["person_id"], good["assessment_date"], strict=True)) <= back
