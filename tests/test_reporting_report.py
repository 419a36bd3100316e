"""report.html built from synthetic marts of two measures (#459 from rows without a measure id,
as the marts before the family had them, and #471): a section per measure, one titled plot per
expected figure, tables equal to the summary mart, no person identifier or date of an
individual, nothing fetched from outside, and the same bytes for the same rows in any order."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from orchestration.reporting.report import build_report
from tests.helpers.reporting import Tables, definition_rows, summary_row

YEAR = 2025
AS_OF = date(2026, 2, 15)
HISTORY_DATES = (date(2025, 12, 1), date(2026, 1, 15))
PAYERS = ("aetna", "bcbs", "cigna", "medicare", "uhc")  # cigna has no episode
PAYER_NAMES = {"aetna": "Aetna", "bcbs": "Blue Cross Blue Shield", "cigna": "Cigna", "medicare": "Medicare",
               "uhc": "UnitedHealthcare"}  # fmt: skip
FUSION, DISCECTOMY = "lumbarFusion", "lumbarDiscectomy"
NPIS = ("1234567890", "1234567891", "1987654320", "1987654321", "1555555555", "1666666666")
QUARANTINE = [
    {"table_name": "episodes", "reason": "bad_date", "column_name": "procedure_date", "rows": 4},
    {"table_name": "episodes", "reason": "bad_score", "column_name": "baseline_score", "rows": 2},
    {"table_name": "members", "reason": "duplicate_key", "column_name": None, "rows": 1},
    {"table_name": "scores", "reason": "bad_score", "column_name": "score", "rows": 3},
]


def outcome_of(rng: random.Random, baseline: float) -> tuple[str, float | None]:
    follow_up = float(rng.randint(0, 10))
    if rng.random() < 0.15:
        return "not_measured", None
    return ("met" if follow_up <= 3.0 or baseline - follow_up >= 5.0 else "not_met"), follow_up


def episode_rows() -> list[dict]:
    """Episodes of four payers and six NPIs with every outcome, one of them pending."""
    rng = random.Random(459)
    rows = []
    for i in range(160):
        payer = PAYERS[[0, 1, 3, 4][i % 4]]
        stratum = FUSION if i % 3 else DISCECTOMY
        baseline = float(rng.randint(4, 10))
        outcome, follow_up = outcome_of(rng, baseline)
        if i % 23 == 0:
            outcome, follow_up = "excluded", None
        procedure = date(2024, 1, 1) + timedelta(days=i)
        rows.append({
            "episode_id": f"episode-{i:04d}", "person_id": f"person-{i:05d}", "member_id": f"member-{i:05d}",
            "payer": payer, "performance_year": YEAR, "procedure_date": procedure,
            "rendering_npi": None if i % 41 == 0 else NPIS[rng.randrange(len(NPIS))],
            "baseline_date": procedure - timedelta(days=20), "baseline_score": baseline,
            "one_year_date": None if follow_up is None else procedure + timedelta(days=360),
            "followup_score": follow_up, "outcome": outcome, "stratum": stratum, "as_of_date": AS_OF,
        })  # fmt: skip
    rows.append({**rows[2], "episode_id": "episode-pending", "person_id": "person-pending",
                 "member_id": "member-pending", "stratum": DISCECTOMY, "outcome": "pending",
                 "followup_score": None, "one_year_date": None})  # fmt: skip
    return rows


def odi_rows(episodes: list[dict]) -> list[dict]:
    """The same episodes in #471: ODI scores (0-100), met when <= 22 or improved by >= 30."""
    rows = []
    for row in episodes:
        baseline = row["baseline_score"] * 10
        follow_up = None if row["followup_score"] is None else row["followup_score"] * 10 + 1
        outcome = row["outcome"]
        if outcome in ("met", "not_met"):
            outcome = "met" if follow_up <= 22 or baseline - follow_up >= 30 else "not_met"
        rows.append({**row, "measure_id": "471", "baseline_score": baseline, "followup_score": follow_up,
                     "outcome": outcome})  # fmt: skip
    return rows


def summary_rows(episodes: list[dict], as_of: date, drop: int = 0) -> list[dict]:
    """What marts.measure_summary holds at payer and all_payers level; `drop` leaves out the
    first episodes, so that earlier runs have other rates. Two unmapped fusion episodes count at
    all payers only, as the mart counts them."""
    scopes: dict[tuple[str, str], dict[str, Counter]] = {
        ("payer", payer): {FUSION: Counter(), DISCECTOMY: Counter(), "overall": Counter()} for payer in PAYERS
    }
    scopes[("all_payers", "all")] = {FUSION: Counter(met=2), DISCECTOMY: Counter(), "overall": Counter(met=2)}
    for row in episodes[drop:]:
        for scope in (("payer", row["payer"]), ("all_payers", "all")):
            for stratum in (row["stratum"], "overall"):
                scopes[scope][stratum][row["outcome"]] += 1
    return [
        {
            **summary_row(level, level_id, stratum, outcomes, payer=level_id if level == "payer" else None),
            "performance_year": YEAR,
            "as_of_date": as_of,
        }  # fmt: skip
        for (level, level_id), by_stratum in scopes.items()
        for stratum, outcomes in by_stratum.items()
    ]


def history_rows(episodes: list[dict]) -> list[dict]:
    return [
        row
        for i, as_of in enumerate(HISTORY_DATES)
        for row in summary_rows(episodes, as_of, drop=40 - 20 * i)
    ]


def build(history: list[dict] | None = None, shuffle: int | None = None) -> str:
    episodes = episode_rows()
    odi = odi_rows(episodes)
    inputs = [
        summary_rows(episodes, AS_OF) + [{**row, "measure_id": "471"} for row in summary_rows(odi, AS_OF)],
        definition_rows(YEAR, ("459", "471")),
        episodes + odi,
        QUARANTINE,
        history_rows(episodes) if history is None else history,
    ]
    if shuffle is not None:
        for rows in inputs:
            random.Random(shuffle).shuffle(rows)
    content = build_report(*inputs, performance_year=YEAR, as_of_date=AS_OF, met_max_score=3.0,
                           improvement_min=5.0, payer_names=PAYER_NAMES)  # fmt: skip
    return content.decode("utf-8")


@pytest.fixture(scope="module")
def page() -> str:
    return build()


def svg_titles(page: str) -> list[str]:
    return re.findall(r'<svg role="img" aria-labelledby="([^"]+)-title"', page)


def test_one_titled_plot_per_figure(page: str) -> None:
    kinds = ("rate", "funnel", "scores", "notmeasured", "trend")
    expected = [f"{kind}-459-{stratum}" for stratum in (DISCECTOMY, FUSION) for kind in kinds]
    # #471 has no history of earlier runs: no trend plot.
    expected += [f"{kind}-471-{stratum}" for stratum in (DISCECTOMY, FUSION) for kind in kinds[:-1]]
    expected += ["quarantine"]
    assert svg_titles(page) == expected
    assert page.count("<svg") == len(expected)
    titles = re.findall(r'<title id="[^"]+-title">([^<]+)</title>', page)
    assert len(titles) == len(expected) and all(len(t) > 20 for t in titles)
    assert "funnel plot of the rate per rendering NPI" in page


def test_payer_tables_equal_the_summary_mart(page: str) -> None:
    tables = Tables(page).tables
    for row in summary_rows(episode_rows(), AS_OF):
        if row["stratum"] == "overall":
            continue
        rate = "" if row["performance_rate"] is None else str(row["performance_rate"])
        rates = tables[f"rates-459-{row['stratum']}"][row["level_id"]]
        assert rates[1:7] == [str(row[k]) for k in ("episodes", "pending", "excluded", "eligible_population",
                                                   "performance_met")] + [rate]  # fmt: skip
        assert rates[9] == ("yes" if row["ready"] else "no")
        share = tables[f"notmeasured-459-{row['stratum']}"][row["level_id"]]
        assert share[1:3] == [str(row["eligible_population"]), str(row["not_measured"])]
    assert tables[f"rates-459-{DISCECTOMY}"]["all"][2] == "1"  # the pending episode
    assert tables[f"rates-459-{FUSION}"]["cigna"][6:9] == ["", "", ""]  # no episodes: no rate
    for row in summary_rows(odi_rows(episode_rows()), AS_OF):
        if row["stratum"] != "overall":
            rates = tables[f"rates-471-{row['stratum']}"][row["level_id"]]
            assert rates[4:6] == [str(row["eligible_population"]), str(row["performance_met"])]


def test_a_section_per_measure_with_its_own_met_rule(page: str) -> None:
    sections = re.findall(r'<section id="measure-([0-9]+)"><h2>([^<]+)</h2>', page)
    assert sections == [("459", "#459 Back Pain After Lumbar Surgery"),
                        ("471", "#471 Functional Status After Lumbar Surgery")]  # fmt: skip
    assert "<h1>MIPS quality measures #459, #471</h1>" in page
    scores = Tables(page).tables[f"scores-471-{FUSION}"]["pairs"]
    odi = odi_rows(episode_rows())
    pairs = [r for r in odi if r["stratum"] == FUSION and r["outcome"] in ("met", "not_met")]
    assert int(scores[1]) == sum(1 for r in pairs if r["followup_score"] <= 22)
    assert "Follow-up ≤ 22" in page and "Improvement ≥ 30 only" in page and "Follow-up ≤ 3" in page
    assert f'<h3>Lumbar fusion stratum <small>({FUSION}, ready)</small></h3>' in page


def test_wilson_interval_and_npi_table(page: str) -> None:
    tables = Tables(page).tables
    aetna = tables[f"rates-459-{FUSION}"]["aetna"]
    met, n = int(aetna[5]), int(aetna[4])
    low, high = float(aetna[7]), float(aetna[8])
    assert low < met / n < high and 0 <= low and high <= 1
    episodes = [
        r
        for r in episode_rows()
        if r["stratum"] == FUSION and r["outcome"] in ("met", "not_met", "not_measured")
    ]
    eligible = Counter(r["rendering_npi"] for r in episodes if r["rendering_npi"])
    npi_table = tables[f"npi-459-{FUSION}"]
    assert {npi: int(cells[1]) for npi, cells in npi_table.items()} == eligible
    scores = tables[f"scores-459-{FUSION}"]["pairs"]
    assert int(scores[0]) == sum(1 for r in episodes if r["followup_score"] is not None)


def test_trend_table_holds_each_run(page: str) -> None:
    trend = Tables(page).tables[f"trend-459-{FUSION}"]
    assert list(trend) == [*PAYERS, "all"]
    runs = [*history_rows(episode_rows()), *summary_rows(episode_rows(), AS_OF)]
    for row in (r for r in runs if r["stratum"] == FUSION):
        column = 1 + [*HISTORY_DATES, AS_OF].index(row["as_of_date"])
        rate = "" if row["performance_rate"] is None else str(row["performance_rate"])
        assert trend[row["level_id"]][column] == rate


def test_header_and_quarantine(page: str) -> None:
    assert "Performance year</dt><dd>2025" in page and "2026-02-15" in page
    assert "Pending: #459 1, #471 1 episode(s)" in page
    quarantine = Tables(page).tables["quarantine"]
    assert [cells[1:] for cells in quarantine.values()] == [
        ["bad_date", "procedure_date", "4"], ["bad_score", "baseline_score", "2"],
        ["duplicate_key", "-", "1"], ["bad_score", "score", "3"],
    ]  # fmt: skip


def test_no_person_identifier_or_individual_date(page: str) -> None:
    for row in episode_rows():
        for column in ("person_id", "member_id", "episode_id"):
            assert row[column] not in page, column
        for column in ("procedure_date", "baseline_date", "one_year_date"):
            if row[column] is not None:
                assert row[column].isoformat() not in page, column


def test_self_contained(page: str) -> None:
    assert not re.search(r"https?://|src=|<script|<link|@import|<img", page, re.I)
    assert all(target.startswith("#") for target in re.findall(r"url\(([^)]*)\)", page))
    # ids stay unique across the inline plots
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_same_rows_give_the_same_bytes(page: str) -> None:
    assert build() == page
    assert build(shuffle=7) == page


def test_without_history_a_sentence_replaces_the_trend() -> None:
    page = build(history=[])
    assert page.count("No history yet") == 4  # two measures, two strata
    assert [t for t in svg_titles(page) if t.startswith("trend")] == []
    assert Decimal("0") <= Decimal(Tables(page).tables[f"rates-459-{FUSION}"]["all"][6]) <= 1
