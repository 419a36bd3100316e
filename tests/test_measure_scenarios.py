"""Named one-patient stories run through the real pipeline (`g2139 run`), one test per story.

The expectations live in tests/helpers/scenarios*.py and come from measure.md alone. The pipeline
runs once per as-of date for the whole session (one warehouse for 2026-11-27, one for a past
as-of date; fixture `scenario_runs`), and every scenario reads its own persons' rows of
`marts.episodes`.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.helpers.scenario_runs import SCENARIOS, Run, Runs, as_of_dates, scenarios_as_of
from tests.helpers.scenarios import (
    ANY,
    FUSION,
    PERFORMANCE_YEAR,
    QUALITY_CODES,
    Episode,
    Scenario,
)

LEFT_OUT_REASONS = ("unmapped_payer", "missing_birth_date", "conflicting_birth_date", "under_minimum_age")


@pytest.fixture(scope="module")
def runs(scenario_runs: Runs) -> Runs:
    return scenario_runs


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic clamped to month end (measure.md, 'Windows and selection')."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _key(row: dict) -> tuple[str, str, date]:
    return (row["person_id"], row["payer"], row["procedure_date"])


def _expected_key(scenario: Scenario, episode: Episode) -> tuple[str, str, date]:
    return (scenario.person_id(episode.person), episode.payer, date.fromisoformat(episode.procedure_date))


def _decimal_problem(label: str, actual, expected) -> str | None:
    if expected is ANY:
        return None
    if expected is None:
        return None if actual is None else f"{label}: expected empty, got {actual!r}"
    if actual is None:
        return f"{label}: expected {expected}, got empty"
    if not isinstance(actual, Decimal):
        return f"{label}: expected an exact decimal {expected}, got {type(actual).__name__} {actual!r}"
    if actual != Decimal(expected):
        return f"{label}: expected {expected}, got {actual}"
    return None


def _date_problem(label: str, actual, expected) -> str | None:
    if expected is ANY:
        return None
    wanted = None if expected is None else date.fromisoformat(expected)
    return None if actual == wanted else f"{label}: expected {wanted}, got {actual}"


def _problems(row: dict, expected: Episode) -> list[str]:
    problems = []

    def check(label: str, actual, wanted) -> None:
        if actual != wanted:
            problems.append(f"{label}: expected {wanted!r}, got {actual!r}")

    check("stratum", row.get("stratum", FUSION), expected.stratum)
    check("outcome", row["outcome"], expected.outcome)
    check("quality_code", row["quality_code"], expected.quality_code)
    check("g2139", row["g2139"], expected.quality_code == "G2139")
    check("is_final", row["is_final"], expected.is_final)
    check("performance_year", int(row["performance_year"]), PERFORMANCE_YEAR)
    if expected.rendering_npi is not ANY:
        check("rendering_npi", row["rendering_npi"], expected.rendering_npi)
    for part, value in (("baseline", expected.baseline), ("one_year", expected.one_year)):
        when, score = (ANY, ANY) if value is ANY else (None, None) if value is None else value
        problems += filter(None, [
            _date_problem(f"{part}_date", row[f"{part}_date"], when),
            _decimal_problem(f"{part}_score", row[f"{part}_score"], score),
        ])
    problem = _decimal_problem("improvement", row["improvement"], expected.expected_improvement)
    if problem:
        problems.append(problem)
    reason = row["exclusion_reason"]
    if expected.exclusion_reason is None:
        check("exclusion_reason", reason, None)
    elif reason is None or expected.exclusion_reason not in str(reason).lower():
        problems.append(f"exclusion_reason: expected one naming {expected.exclusion_reason!r}, "
                        f"got {reason!r}")
    return problems


# ------------------------------------------------------------------------- one test per story


@pytest.mark.pipeline
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario: Scenario, runs: Runs) -> None:
    run = runs.get(scenario.as_of)
    persons = scenario.person_ids()
    actual = {_key(row): row for row in run.episodes if row["person_id"] in persons}
    expected = {_expected_key(scenario, e): e for e in scenario.expected}
    assert sorted(actual) == sorted(expected), (
        f"{scenario.name}: {scenario.story}\nepisodes (person, payer, procedure date) "
        f"expected {sorted(expected)}, got {sorted(actual)}"
    )
    problems = [
        f"{key[1]} {key[2]}: {problem}"
        for key, episode in expected.items()
        for problem in _problems(actual[key], episode)
    ]
    assert not problems, f"{scenario.name}: {scenario.story}\n" + "\n".join(problems)


# ------------------------------------------------------------------------- whole-mart rules


@pytest.fixture(scope="module", params=as_of_dates(), ids=lambda d: f"as_of_{d.isoformat()}")
def run(request: pytest.FixtureRequest, runs: Runs) -> Run:
    return runs.get(request.param)


def test_no_person_belongs_to_two_scenarios() -> None:
    """Scenarios share one landing folder per as-of date: a person in two would mix stories."""
    owners: dict[str, str] = {}
    for scenario in SCENARIOS:
        for person in scenario.person_ids():
            assert owners.setdefault(person, scenario.name) == scenario.name, person


@pytest.mark.pipeline
def test_mart_holds_exactly_the_expected_episodes(run: Run) -> None:
    expected = sorted(
        _expected_key(s, e) for s in scenarios_as_of(run.as_of) for e in s.expected
    )
    assert sorted(_key(row) for row in run.episodes) == expected


@pytest.mark.pipeline
def test_episode_ids_unique(run: Run) -> None:
    ids = [row["episode_id"] for row in run.episodes]
    assert None not in ids
    assert len(ids) == len(set(ids))


@pytest.mark.pipeline
def test_quality_code_follows_outcome_and_g2139_flags_exactly_g2139(run: Run) -> None:
    for row in run.episodes:
        assert row["quality_code"] == QUALITY_CODES[row["stratum"]][row["outcome"]], row
        assert row["g2139"] is (row["quality_code"] == "G2139"), row
    assert any(row["g2139"] for row in run.episodes) or run.as_of != as_of_dates()[-1]


@pytest.mark.pipeline
def test_is_final_when_as_of_after_the_follow_up_window(run: Run) -> None:
    """Fusion: final after procedure + 15 months; discectomy: after procedure + 140 days."""
    for row in run.episodes:
        if row["stratum"] == FUSION:
            final = run.as_of > add_months(row["procedure_date"], 15)
        else:
            final = run.as_of > row["procedure_date"] + timedelta(days=140)
        assert row["is_final"] is final, row
        if row["outcome"] == "pending":
            assert not row["is_final"], row
        if row["outcome"] == "not_measured":
            assert row["is_final"], row


@pytest.mark.pipeline
def test_same_surgery_two_payers_same_clinical_content(runs: Runs) -> None:
    scenario = next(s for s in SCENARIOS if s.name == "same_surgery_two_payers")
    rows = [r for r in runs.get(scenario.as_of).episodes if r["person_id"] == scenario.person_id()]
    clinical = ["procedure_date", "baseline_date", "baseline_score", "one_year_date", "one_year_score",
                "improvement", "outcome", "quality_code", "g2139", "exclusion_reason", "is_final"]
    assert len(rows) == 2
    assert {c: rows[0][c] for c in clinical} == {c: rows[1][c] for c in clinical}
    assert rows[0]["episode_id"] != rows[1]["episode_id"]


@pytest.mark.pipeline
def test_data_quality_counts_what_was_left_out(run: Run) -> None:
    expected: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for scenario in scenarios_as_of(run.as_of):
        for left in scenario.left_out:
            detail = left.detail if left.reason == "unmapped_payer" else None
            expected[(left.reason, detail)][0] += left.episodes
            expected[(left.reason, detail)][1] += left.persons
    actual: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for row in run.data_quality:
        if row["reason"] not in LEFT_OUT_REASONS:
            continue
        detail = row["detail"] if row["reason"] == "unmapped_payer" else None
        actual[(row["reason"], detail)][0] += int(row["episodes"])
        actual[(row["reason"], detail)][1] += int(row["persons"])
    assert {k: v for k, v in actual.items() if v != [0, 0]} == dict(expected)
