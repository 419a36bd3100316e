"""Hand-made landing folder: named one-patient stories with the outcome measure.md implies.

Every expectation here comes from the rules of `docs/measure.md` and
`docs/data-contract.md`, never from the dbt SQL, so the scenario tests are an independent
check of the implementation.

Conventions
-----------
- The person id of a scenario is its name; further persons of the same scenario get the
  name plus a suffix (``<name>-b``). A failing test therefore names its own patient.
- Default surgery: 2025-03-10, CPT 22612 on a professional claim line billed to "Aetna"
  by the surgeon NPI, with the fusion diagnosis M48.062 (lumbar stenosis, not an exclusion).
  For 2025-03-10: baseline window 2024-12-10..2025-03-10, one-year window
  2025-12-10..2026-06-10 (target 2026-03-10), exclusion lookback from 2024-03-10.
- Default birth date 1970-01-01 for every person of a scenario unless it lists eligibility.
- Main run: as of 2026-11-27, performance year 2026 (denominator period
  2024-10-01..2025-09-30). A few scenarios run as of 2025-06-30 in a second warehouse.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

AS_OF = date(2026, 11, 27)
PAST_AS_OF = date(2025, 6, 30)
PERFORMANCE_YEAR = 2026

SURGERY = "2025-03-10"
AT_12_MONTHS = "2026-03-10"
SURGEON_NPI = "1999999999"
ASSISTANT_NPI = "1000000001"  # sorts before the surgeon's: min()/max() cannot pick the right one by luck
FACILITY_NPI = "1500000005"
DEFAULT_BIRTH_DATE = "1970-01-01"
STENOSIS = "M48.062"  # the usual reason for a lumbar fusion; never an exclusion

FUSION = "lumbarFusion"
DISCECTOMY = "lumbarDiscectomy"
DEFAULT_TIN = "123456789"

QUALITY_CODE = {
    "met": "G2138",
    "not_met": "G2139",
    "not_measured": "G9946",
    "excluded": "G9945",
    "pending": None,
}
# The discectomy/laminectomy stratum's codes (docs/measure.md, "Outcomes and codes").
QUALITY_CODES = {
    FUSION: QUALITY_CODE,
    DISCECTOMY: {"met": "G2136", "not_met": "G2137", "not_measured": "G9943", "excluded": "G9945",
                 "pending": None},
}


class _Any:
    """Marks a field that the scenario does not constrain."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()
AUTO = "auto"  # improvement = baseline - one_year when both are given, else None


@dataclass(frozen=True)
class Line:
    """One claim line; `person` is a suffix appended to the scenario name."""

    date: str = SURGERY
    hcpcs: str = "22612"
    payer: str = "Aetna"
    claim_type: str = "professional"
    modifier: str = ""
    npi: str = SURGEON_NPI
    dx1: str = STENOSIS
    dx2: str = ""
    pcs: str = ""
    pcs_date: str = ""
    person: str = ""
    claim: str = ""  # lines sharing this key share a claim_id
    line: int = 1
    member: str = ""
    tin: str = DEFAULT_TIN


@dataclass(frozen=True)
class Score:
    date: str
    score: str
    instrument: str = "NRS"
    scale_max: int = 10
    site: str = "back"
    person: str = ""


@dataclass(frozen=True)
class Person:
    birth_date: str  # "" = blank in the file
    person: str = ""


@dataclass(frozen=True)
class Episode:
    """An expected row of marts.episodes. Scores are normalised 0-10 values as text."""

    outcome: str
    procedure_date: str = SURGERY
    payer: str = "aetna"
    person: str = ""
    baseline: tuple[str, str] | None | _Any = None  # (date, score)
    one_year: tuple[str, str] | None | _Any = None  # (date, score)
    improvement: str | None | _Any = AUTO
    exclusion_reason: str | None = None  # a word the reason must contain
    is_final: bool = True
    rendering_npi: str | _Any = ANY
    stratum: str = FUSION

    @property
    def quality_code(self) -> str | None:
        return QUALITY_CODES[self.stratum][self.outcome]

    @property
    def expected_improvement(self) -> Decimal | None | _Any:
        if self.improvement is ANY:
            return ANY
        if self.improvement != AUTO:
            return None if self.improvement is None else Decimal(self.improvement)
        if isinstance(self.baseline, tuple) and isinstance(self.one_year, tuple):
            return Decimal(self.baseline[1]) - Decimal(self.one_year[1])
        if self.baseline is ANY or self.one_year is ANY:
            return ANY
        return None


@dataclass(frozen=True)
class LeftOut:
    """An expected contribution to marts.data_quality."""

    reason: str
    detail: str | None = None  # only compared for unmapped_payer
    episodes: int = 1
    persons: int = 1


@dataclass(frozen=True)
class Scenario:
    name: str
    story: str
    claims: tuple[Line, ...]
    expected: tuple[Episode, ...] = ()  # empty: the scenario's persons have no episode
    scores: tuple[Score, ...] = ()
    people: tuple[Person, ...] | None = None  # None: every person born DEFAULT_BIRTH_DATE
    left_out: tuple[LeftOut, ...] = ()
    as_of: date = AS_OF

    def person_id(self, suffix: str = "") -> str:
        return self.name + (f"-{suffix}" if suffix else "")

    def person_ids(self) -> set[str]:
        suffixes = {c.person for c in self.claims} | {s.person for s in self.scores}
        if self.people is not None:
            suffixes |= {p.person for p in self.people}
        return {self.person_id(s) for s in suffixes}


def _s(name: str, story: str, claims, expected=(), scores=(), **kwargs) -> Scenario:
    return Scenario(
        name=name,
        story=story,
        claims=tuple(claims),
        expected=tuple(expected),
        scores=tuple(scores),
        **kwargs,
    )


def _fusion(**kwargs) -> Line:
    return Line(**kwargs)


def _dx_visit(date_: str, dx: str, payer: str = "Aetna", person: str = "") -> Line:
    """An office visit that carries only a diagnosis (no fusion code)."""
    return Line(date=date_, hcpcs="99213", payer=payer, dx1=dx, person=person, claim=f"dx{date_}{dx}")


SCENARIOS: tuple[Scenario, ...] = (
    # ---------------------------------------------------------------- numerator basics
    _s(
        "met_low_one_year_no_baseline",
        "Back pain 2.0 at one year, no preoperative score: <= 3.0 is met on its own.",
        [_fusion()],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "met_one_year_exactly_3_0",
        "Back pain exactly 3.0 at one year, no baseline: the threshold is inclusive.",
        [_fusion()],
        [Episode("met", one_year=(AT_12_MONTHS, "3.0"))],
        [Score(AT_12_MONTHS, "3.0")],
    ),
    _s(
        "not_met_3_1_no_baseline",
        "Back pain 3.1 at one year and no baseline: no improvement can be shown, G2139.",
        [_fusion()],
        [Episode("not_met", one_year=(AT_12_MONTHS, "3.1"))],
        [Score(AT_12_MONTHS, "3.1")],
    ),
    _s(
        "met_improvement_exactly_5_nrs",
        "NRS 8.1 before surgery, 3.1 at one year: improvement exactly 5.0 in exact decimals.",
        [_fusion()],
        [Episode("met", baseline=("2025-03-01", "8.1"), one_year=(AT_12_MONTHS, "3.1"), improvement="5")],
        [Score("2025-03-01", "8.1"), Score(AT_12_MONTHS, "3.1")],
    ),
    _s(
        "met_improvement_exactly_5_vas_mm",
        "VAS 81 mm before, 31 mm at one year: 8.1 -> 3.1 on the 0-10 scale, improvement exactly 5.",
        [_fusion()],
        [Episode("met", baseline=("2025-03-01", "8.1"), one_year=(AT_12_MONTHS, "3.1"), improvement="5")],
        [
            Score("2025-03-01", "81", instrument="VAS", scale_max=100),
            Score(AT_12_MONTHS, "31", instrument="VAS", scale_max=100),
        ],
    ),
    _s(
        "not_met_improvement_4_9",
        "NRS 8.0 -> 3.1: one-year above 3.0 and improvement 4.9 < 5.0, G2139.",
        [_fusion()],
        [Episode("not_met", baseline=("2025-03-01", "8.0"), one_year=(AT_12_MONTHS, "3.1"),
                 improvement="4.9")],
        [Score("2025-03-01", "8.0"), Score(AT_12_MONTHS, "3.1")],
    ),
    _s(
        "vas_cm_scale_10",
        "VAS in centimetres (scale_max 10): 9.0 cm -> 3.5 cm, improvement 5.5, met.",
        [_fusion()],
        [Episode("met", baseline=("2025-03-01", "9.0"), one_year=(AT_12_MONTHS, "3.5"))],
        [
            Score("2025-03-01", "9.0", instrument="VAS", scale_max=10),
            Score(AT_12_MONTHS, "3.5", instrument="VAS", scale_max=10),
        ],
    ),
    _s(
        "mixed_nrs_baseline_vas_mm_one_year",
        "NRS 7 before, VAS 45 mm (4.5) at one year: improvement 2.5, not met.",
        [_fusion()],
        [Episode("not_met", baseline=("2025-03-01", "7"), one_year=(AT_12_MONTHS, "4.5"))],
        [Score("2025-03-01", "7"), Score(AT_12_MONTHS, "45", instrument="VAS", scale_max=100)],
    ),
    _s(
        "vas_mm_30_is_exactly_3",
        "VAS 30 mm at one year normalises to exactly 3.0: met.",
        [_fusion()],
        [Episode("met", one_year=(AT_12_MONTHS, "3.0"))],
        [Score(AT_12_MONTHS, "30", instrument="VAS", scale_max=100)],
    ),
    _s(
        "vas_mm_30_5_is_above_3",
        "VAS 30.5 mm at one year normalises to 3.05 > 3.0 and there is no baseline: not met.",
        [_fusion()],
        [Episode("not_met", one_year=(AT_12_MONTHS, "3.05"))],
        [Score(AT_12_MONTHS, "30.5", instrument="VAS", scale_max=100)],
    ),
    # ---------------------------------------------------------------- baseline window
    _s(
        "baseline_exactly_3_months_before",
        "Baseline 9.0 on 2024-12-10 (= surgery - 3 months, inclusive) and 4.0 at one year: met.",
        [_fusion()],
        [Episode("met", baseline=("2024-12-10", "9.0"), one_year=(AT_12_MONTHS, "4.0"))],
        [Score("2024-12-10", "9.0"), Score(AT_12_MONTHS, "4.0")],
    ),
    _s(
        "baseline_one_day_too_early",
        "Baseline 9.0 on 2024-12-09, one day before the window: ignored, 4.0 at one year is not met.",
        [_fusion()],
        [Episode("not_met", baseline=None, one_year=(AT_12_MONTHS, "4.0"))],
        [Score("2024-12-09", "9.0"), Score(AT_12_MONTHS, "4.0")],
    ),
    _s(
        "baseline_on_surgery_day",
        "Baseline 9.0 taken on the day of surgery counts as preoperative: 9.0 -> 4.0, met.",
        [_fusion()],
        [Episode("met", baseline=(SURGERY, "9.0"), one_year=(AT_12_MONTHS, "4.0"))],
        [Score(SURGERY, "9.0"), Score(AT_12_MONTHS, "4.0")],
    ),
    _s(
        "baseline_day_after_surgery_ignored",
        "A score the day after surgery is postoperative, not a baseline: 4.0 at one year, not met.",
        [_fusion()],
        [Episode("not_met", baseline=None, one_year=(AT_12_MONTHS, "4.0"))],
        [Score("2025-03-11", "9.0"), Score(AT_12_MONTHS, "4.0")],
    ),
    _s(
        "baseline_month_end_clamp_counts",
        "Surgery 2025-05-31: window starts 2025-02-28 (clamped). Baseline 9.0 then, 4.0 at one year: met.",
        [_fusion(date="2025-05-31")],
        [Episode("met", procedure_date="2025-05-31", baseline=("2025-02-28", "9.0"),
                 one_year=("2026-05-31", "4.0"))],
        [Score("2025-02-28", "9.0"), Score("2026-05-31", "4.0")],
    ),
    _s(
        "baseline_month_end_clamp_day_before",
        "Surgery 2025-05-31: a baseline on 2025-02-27 is before the clamped window start: not met.",
        [_fusion(date="2025-05-31")],
        [Episode("not_met", procedure_date="2025-05-31", baseline=None, one_year=("2026-05-31", "4.0"))],
        [Score("2025-02-27", "9.0"), Score("2026-05-31", "4.0")],
    ),
    _s(
        "baseline_same_day_lowest",
        "Two baselines on one day, 9.0 and 8.0: the lowest (8.0) is used; 8.0 -> 3.5 = 4.5, not met.",
        [_fusion()],
        [Episode("not_met", baseline=("2025-03-01", "8.0"), one_year=(AT_12_MONTHS, "3.5"))],
        [Score("2025-03-01", "9.0"), Score("2025-03-01", "8.0"), Score(AT_12_MONTHS, "3.5")],
    ),
    _s(
        "baseline_most_recent_wins",
        "Baselines 9.5 (2025-01-10) and 6.0 (2025-03-05): the most recent (6.0) is used, not met.",
        [_fusion()],
        [Episode("not_met", baseline=("2025-03-05", "6.0"), one_year=(AT_12_MONTHS, "4.0"))],
        [Score("2025-01-10", "9.5"), Score("2025-03-05", "6.0"), Score(AT_12_MONTHS, "4.0")],
    ),
    # ---------------------------------------------------------------- one-year window
    _s(
        "one_year_exactly_9_months",
        "A score of 2.0 on 2025-12-10 (= surgery + 9 months) is inside the window: met.",
        [_fusion()],
        [Episode("met", one_year=("2025-12-10", "2.0"))],
        [Score("2025-12-10", "2.0")],
    ),
    _s(
        "one_year_one_day_before_9_months",
        "A score on 2025-12-09 is one day early; the window closed long ago: not measured.",
        [_fusion()],
        [Episode("not_measured")],
        [Score("2025-12-09", "2.0")],
    ),
    _s(
        "one_year_exactly_15_months",
        "A score of 2.0 on 2026-06-10 (= surgery + 15 months) is inside the window: met.",
        [_fusion()],
        [Episode("met", one_year=("2026-06-10", "2.0"))],
        [Score("2026-06-10", "2.0")],
    ),
    _s(
        "one_year_one_day_after_15_months",
        "A score on 2026-06-11 is one day late: not measured.",
        [_fusion()],
        [Episode("not_measured")],
        [Score("2026-06-11", "2.0")],
    ),
    _s(
        "one_year_closest_to_12_months_wins",
        "2.0 on 2026-01-10 (59 days off) vs 6.0 on 2026-03-20 (10 days off): 6.0 is used, not met.",
        [_fusion()],
        [Episode("not_met", one_year=("2026-03-20", "6.0"))],
        [Score("2026-01-10", "2.0"), Score("2026-03-20", "6.0")],
    ),
    _s(
        "one_year_equidistant_later_wins",
        "2.0 on 2026-03-05 and 6.0 on 2026-03-15, both 5 days off: the later (6.0) is used, not met.",
        [_fusion()],
        [Episode("not_met", one_year=("2026-03-15", "6.0"))],
        [Score("2026-03-05", "2.0"), Score("2026-03-15", "6.0")],
    ),
    _s(
        "one_year_equidistant_later_wins_even_if_lower",
        "6.0 on 2026-03-05 and 2.0 on 2026-03-15, both 5 days off: the later (2.0) is used, met.",
        [_fusion()],
        [Episode("met", one_year=("2026-03-15", "2.0"))],
        [Score("2026-03-05", "6.0"), Score("2026-03-15", "2.0")],
    ),
    _s(
        "one_year_same_day_highest",
        "2.5 and 3.5 on the same one-year day: the highest (3.5) is used, not met.",
        [_fusion()],
        [Episode("not_met", one_year=(AT_12_MONTHS, "3.5"))],
        [Score(AT_12_MONTHS, "2.5"), Score(AT_12_MONTHS, "3.5")],
    ),
    # ---------------------------------------------------------------- body site, no score
    _s(
        "leg_pain_only_not_measured",
        "Only a leg-pain score (1.0) at one year; leg pain is another measure: not measured.",
        [_fusion()],
        [Episode("not_measured")],
        [Score(AT_12_MONTHS, "1.0", site="leg")],
    ),
    _s(
        "leg_pain_only_pending",
        "Surgery 2025-09-15, only a leg score at one year, window open until 2026-12-15: pending.",
        [_fusion(date="2025-09-15")],
        [Episode("pending", procedure_date="2025-09-15", is_final=False)],
        [Score("2026-09-15", "1.0", site="leg")],
    ),
    _s(
        "leg_pain_baseline_ignored",
        "Leg 9.0 before surgery, back 4.0 at one year: no back baseline, so not met.",
        [_fusion()],
        [Episode("not_met", baseline=None, one_year=(AT_12_MONTHS, "4.0"))],
        [Score("2025-03-01", "9.0", site="leg"), Score(AT_12_MONTHS, "4.0")],
    ),
    _s(
        "not_measured_no_scores",
        "No score at all, surgery 2025-03-10, the window closed 2026-06-10: not measured, final.",
        [_fusion()],
        [Episode("not_measured")],
    ),
    _s(
        "pending_window_open",
        "Surgery 2025-09-15, no score yet, window open until 2026-12-15: pending, not final.",
        [_fusion(date="2025-09-15")],
        [Episode("pending", procedure_date="2025-09-15", is_final=False)],
    ),
    _s(
        "met_while_window_open_not_final",
        "Surgery 2025-09-15, 2.0 on 2026-06-15 (+9 months): met, but not final before 2026-12-15.",
        [_fusion(date="2025-09-15")],
        [Episode("met", procedure_date="2025-09-15", one_year=("2026-06-15", "2.0"), is_final=False)],
        [Score("2026-06-15", "2.0")],
    ),
    _s(
        "window_closes_on_as_of_still_pending",
        "Surgery 2025-08-27: +15 months = 2026-11-27 = as-of, not after it: pending, not final.",
        [_fusion(date="2025-08-27")],
        [Episode("pending", procedure_date="2025-08-27", is_final=False)],
    ),
    _s(
        "window_closed_day_before_as_of_not_measured",
        "Surgery 2025-08-26: +15 months = 2026-11-26 < as-of: not measured, final.",
        [_fusion(date="2025-08-26")],
        [Episode("not_measured", procedure_date="2025-08-26")],
    ),
    _s(
        "score_after_as_of_ignored",
        "Surgery 2025-09-15, a 2.0 dated 2026-11-28 (after the as-of date): ignored, pending.",
        [_fusion(date="2025-09-15")],
        [Episode("pending", procedure_date="2025-09-15", is_final=False)],
        [Score("2026-11-28", "2.0")],
    ),
    _s(
        "score_on_as_of_counts",
        "Surgery 2025-09-15, a 2.0 dated 2026-11-27 (the as-of date itself): used, met, not final.",
        [_fusion(date="2025-09-15")],
        [Episode("met", procedure_date="2025-09-15", one_year=("2026-11-27", "2.0"), is_final=False)],
        [Score("2026-11-27", "2.0")],
    ),
    # ---------------------------------------------------------------- rejected scores
    _s(
        "nrs_with_scale_100_rejected",
        "The only one-year score is an NRS with scale_max 100 (invalid): rejected, not measured.",
        [_fusion()],
        [Episode("not_measured")],
        [Score(AT_12_MONTHS, "20", scale_max=100)],
    ),
    _s(
        "score_above_scale_max_rejected",
        "Baseline NRS 11 of 10 is out of range and rejected: 4.0 at one year has no baseline, not met.",
        [_fusion()],
        [Episode("not_met", baseline=None, one_year=(AT_12_MONTHS, "4.0"))],
        [Score("2025-03-01", "11", scale_max=10), Score(AT_12_MONTHS, "4.0")],
    ),
    # ---------------------------------------------------------------- index procedure
    _s(
        "addon_code_alone_no_episode",
        "Only the add-on 22614 was billed: add-on codes never start an episode.",
        [_fusion(hcpcs="22614")],
        [],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "icd10pcs_institutional_only",
        "Only a facility claim, ICD-10-PCS 0SG00AJ done 2025-03-10 (admitted 2025-03-08): one episode.",
        [
            Line(date="2025-03-08", hcpcs="", claim_type="institutional", npi="", pcs="0SG00AJ",
                 pcs_date=SURGERY),
        ],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "surgeon_assistant_facility_one_episode",
        "Surgeon (22612 + add-on 22614), assistant (22612-80) and facility (0SG1) on one day: one episode "
        "attributed to the surgeon.",
        [
            Line(claim="surgeon", line=1),
            Line(claim="surgeon", line=2, hcpcs="22614"),
            Line(claim="assistant", modifier="80", npi=ASSISTANT_NPI),
            Line(claim="facility", hcpcs="", claim_type="institutional", npi="", pcs="0SG1071",
                 pcs_date=SURGERY),
        ],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"), rendering_npi=SURGEON_NPI)],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "two_surgeries_two_episodes",
        "Fusions on 2024-11-05 (2.0 at +12 months, met) and 2025-06-20 (9.0 -> 5.0, not met).",
        [_fusion(date="2024-11-05"), _fusion(date="2025-06-20")],
        [
            Episode("met", procedure_date="2024-11-05", one_year=("2025-11-05", "2.0")),
            Episode("not_met", procedure_date="2025-06-20", baseline=("2025-06-01", "9.0"),
                    one_year=("2026-06-20", "5.0")),
        ],
        [Score("2025-11-05", "2.0"), Score("2025-06-01", "9.0"), Score("2026-06-20", "5.0")],
    ),
    _s(
        "same_surgery_two_payers",
        "One fusion billed to Aetna and to Medicare: one episode per payer, same clinical content.",
        [_fusion(claim="a"), _fusion(claim="m", payer="Medicare")],
        [
            Episode("met", payer="aetna", baseline=("2025-03-01", "8.1"), one_year=(AT_12_MONTHS, "3.1")),
            Episode("met", payer="medicare", baseline=("2025-03-01", "8.1"),
                    one_year=(AT_12_MONTHS, "3.1")),
        ],
        [Score("2025-03-01", "8.1"), Score(AT_12_MONTHS, "3.1")],
    ),
    _s(
        "payer_spellings_map_to_canonical",
        "Each spelling of a payer lands on its canonical key (case and spaces do not matter).",
        [
            _fusion(person="a", payer="AETNA"),
            _fusion(person="b", payer="UHC"),
            _fusion(person="c", payer="United Healthcare"),
            _fusion(person="d", payer="UnitedHealthcare"),
            _fusion(person="e", payer="BCBS"),
            _fusion(person="f", payer="Blue Cross Blue Shield"),
            _fusion(person="g", payer="Cigna"),
            _fusion(person="h", payer="Medicare"),
        ],
        [
            Episode("not_measured", person="a", payer="aetna"),
            Episode("not_measured", person="b", payer="uhc"),
            Episode("not_measured", person="c", payer="uhc"),
            Episode("not_measured", person="d", payer="uhc"),
            Episode("not_measured", person="e", payer="bcbs"),
            Episode("not_measured", person="f", payer="bcbs"),
            Episode("not_measured", person="g", payer="cigna"),
            Episode("not_measured", person="h", payer="medicare"),
        ],
    ),
    # ---------------------------------------------------------------- age
    _s(
        "age_17_on_october_first",
        "Born 2006-10-02: 17 on 2024-10-01 (18 by the 2025-03-10 surgery, which does not matter).",
        [_fusion()],
        [],
        [Score(AT_12_MONTHS, "2.0")],
        people=(Person("2006-10-02"),),
        left_out=(LeftOut("under_minimum_age"),),
    ),
    _s(
        "age_18_exactly_on_october_first",
        "Born 2006-10-01: turns 18 exactly on 2024-10-01, so in the denominator: met.",
        [_fusion()],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
        people=(Person("2006-10-01"),),
    ),
    _s(
        "missing_birth_date_blank",
        "The eligibility row has a blank birth date: not in the denominator, counted as missing.",
        [_fusion()],
        [],
        [Score(AT_12_MONTHS, "2.0")],
        people=(Person(""),),
        left_out=(LeftOut("missing_birth_date"),),
    ),
    _s(
        "missing_birth_date_no_eligibility",
        "No eligibility row at all: not in the denominator, counted as missing birth date.",
        [_fusion()],
        [],
        [Score(AT_12_MONTHS, "2.0")],
        people=(),
        left_out=(LeftOut("missing_birth_date"),),
    ),
    _s(
        "conflicting_birth_dates",
        "Two enrollment spans with different birth dates: no usable birth date, counted as conflicting.",
        [_fusion()],
        [],
        [Score(AT_12_MONTHS, "2.0")],
        people=(Person("1970-01-01"), Person("1971-02-02")),
        left_out=(LeftOut("conflicting_birth_date"),),
    ),
    _s(
        "two_enrollment_spans_same_birth_date",
        "Two enrollment spans that agree on the birth date: a usable birth date, met.",
        [_fusion()],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
        people=(Person("1970-01-01"), Person("1970-01-01")),
    ),
    # ---------------------------------------------------------------- denominator period
    _s(
        "procedure_2024_09_30_outside_period",
        "Surgery 2024-09-30, one day before the 2026 denominator period: no episode.",
        [_fusion(date="2024-09-30")],
        [],
        [Score("2025-09-30", "2.0")],
    ),
    _s(
        "procedure_2024_10_01_first_day",
        "Surgery 2024-10-01, first day of the period; no score, window closed 2026-01-01: not measured.",
        [_fusion(date="2024-10-01")],
        [Episode("not_measured", procedure_date="2024-10-01")],
    ),
    _s(
        "procedure_2025_09_30_last_day",
        "Surgery 2025-09-30, last day of the period; no score, window open until 2026-12-30: pending.",
        [_fusion(date="2025-09-30")],
        [Episode("pending", procedure_date="2025-09-30", is_final=False)],
    ),
    # ---------------------------------------------------------------- exclusions
    _s(
        "exclusion_exactly_12_months_before",
        "Metastasis to bone (C79.51) on 2024-03-10, exactly 12 months before: excluded despite 2.0.",
        [_fusion(), _dx_visit("2024-03-10", "C79.51")],
        [Episode("excluded", baseline=ANY, one_year=ANY, exclusion_reason="cancer")],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_12_months_and_a_day_before",
        "C79.51 on 2024-03-09, one day beyond the 12-month lookback: not excluded, met.",
        [_fusion(), _dx_visit("2024-03-09", "C79.51")],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_13_months_before_not_counted",
        "C79.51 on 2024-02-10, 13 months before: not excluded, met.",
        [_fusion(), _dx_visit("2024-02-10", "C79.51")],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_dot_lower_case_on_fusion_claim",
        "The fusion claim itself carries 'c79.51' in diagnosis position 2: excluded (cancer).",
        [_fusion(dx2="c79.51")],
        [Episode("excluded", baseline=ANY, one_year=ANY, exclusion_reason="cancer")],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_on_procedure_date_fracture",
        "Lumbar fracture S32.009A coded on the day of surgery (prefix S320): excluded (fracture).",
        [_fusion(), _dx_visit(SURGERY, "S32.009A")],
        [Episode("excluded", baseline=ANY, one_year=ANY, exclusion_reason="fracture")],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_after_procedure_not_counted",
        "Discitis M46.46 coded the day after surgery: outside the lookback, not excluded, met.",
        [_fusion(), _dx_visit("2025-03-11", "M46.46")],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_from_other_payer_claim",
        "Fusion billed to Aetna, vertebral osteomyelitis M46.26 on a Cigna visit: excluded (infection).",
        [_fusion(), _dx_visit("2025-01-15", "M46.26", payer="Cigna")],
        [Episode("excluded", baseline=ANY, one_year=ANY, exclusion_reason="infection")],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_from_unmapped_payer_claim",
        "Fusion billed to Aetna, tuberculosis of spine A18.01 on an unmapped payer's visit: excluded.",
        [_fusion(), _dx_visit("2025-01-15", "A18.01", payer="Acme Health Plan")],
        [Episode("excluded", baseline=ANY, one_year=ANY, exclusion_reason="infection")],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_beats_met_by_improvement",
        "Idiopathic scoliosis M41.26 before surgery; 9.0 -> 2.0 would be met: excluded wins.",
        [_fusion(), _dx_visit("2024-12-01", "M41.26")],
        [Episode("excluded", baseline=ANY, one_year=ANY, exclusion_reason="scoliosis")],
        [Score("2025-03-01", "9.0"), Score(AT_12_MONTHS, "2.0")],
    ),
    _s(
        "exclusion_beats_not_met",
        "Multiple myeloma C90.00 before surgery and 7.0 at one year: excluded, not G2139.",
        [_fusion(), _dx_visit("2025-02-01", "C90.00")],
        [Episode("excluded", baseline=ANY, one_year=ANY, exclusion_reason="cancer")],
        [Score(AT_12_MONTHS, "7.0")],
    ),
    _s(
        "exclusion_prefix_must_match",
        "M80.00XA (osteoporotic fracture, unspecified site; prefix M8000, not M8008): not excluded, met.",
        [_fusion(), _dx_visit("2025-01-15", "M80.00XA")],
        [Episode("met", one_year=(AT_12_MONTHS, "2.0"))],
        [Score(AT_12_MONTHS, "2.0")],
    ),
    # ---------------------------------------------------------------- payers
    _s(
        "unmapped_payer_acme",
        "Fusion billed to 'Acme Health Plan' (no alias): published to no payer, listed in data quality.",
        [_fusion(payer="Acme Health Plan")],
        [],
        [Score(AT_12_MONTHS, "2.0")],
        left_out=(LeftOut("unmapped_payer", detail="acmehealthplan"),),
    ),
    # ---------------------------------------------------------------- a run as of a past date
    _s(
        "past_as_of_claim_after_as_of_ignored",
        "As of 2025-06-30, a fusion dated 2025-07-15 has not happened yet: no episode.",
        [_fusion(date="2025-07-15")],
        [],
        as_of=PAST_AS_OF,
    ),
    _s(
        "past_as_of_claim_on_as_of_counts",
        "As of 2025-06-30, a fusion dated 2025-06-30 is known: one pending episode.",
        [_fusion(date="2025-06-30")],
        [Episode("pending", procedure_date="2025-06-30", is_final=False)],
        as_of=PAST_AS_OF,
    ),
    _s(
        "past_as_of_pending_with_baseline",
        "As of 2025-06-30, surgery 2025-03-10 with a 8.0 baseline: pending (window not open yet).",
        [_fusion()],
        [Episode("pending", baseline=("2025-03-01", "8.0"), is_final=False)],
        [Score("2025-03-01", "8.0"), Score(AT_12_MONTHS, "2.0")],
        as_of=PAST_AS_OF,
    ),
)


def scenarios_as_of(as_of: date, scenarios: tuple[Scenario, ...] = SCENARIOS) -> list[Scenario]:
    return [s for s in scenarios if s.as_of == as_of]


def as_of_dates(scenarios: tuple[Scenario, ...] = SCENARIOS) -> list[date]:
    return sorted({s.as_of for s in scenarios})


# ------------------------------------------------------------------------- the landing folder

CLAIM_COLUMNS = [
    "claim_id", "claim_line_number", "claim_type", "person_id", "member_id", "payer",
    "claim_line_start_date", "hcpcs_code", "hcpcs_modifier_1", "rendering_npi",
    "rendering_tin", "diagnosis_code_1", "diagnosis_code_2", "procedure_code_1", "procedure_date_1",
]
ELIGIBILITY_COLUMNS = ["person_id", "birth_date"]
SCORE_COLUMNS = ["person_id", "assessment_date", "body_site", "instrument", "score", "scale_max"]


def claim_rows(scenario: Scenario) -> list[dict[str, object]]:
    rows = []
    for index, line in enumerate(scenario.claims, start=1):
        person_id = scenario.person_id(line.person)
        rows.append({
            "claim_id": f"{person_id}-{line.claim or index}",
            "claim_line_number": line.line,
            "claim_type": line.claim_type,
            "person_id": person_id,
            "member_id": line.member or f"M-{person_id}-{line.payer.lower().replace(' ', '')}",
            "payer": line.payer,
            "claim_line_start_date": line.date,
            "hcpcs_code": line.hcpcs,
            "hcpcs_modifier_1": line.modifier,
            "rendering_npi": line.npi,
            "rendering_tin": line.tin,
            "diagnosis_code_1": line.dx1,
            "diagnosis_code_2": line.dx2,
            "procedure_code_1": line.pcs,
            "procedure_date_1": line.pcs_date,
        })
    return rows


def eligibility_rows(scenario: Scenario) -> list[dict[str, object]]:
    if scenario.people is None:
        suffixes = sorted({c.person for c in scenario.claims})
        people = [Person(DEFAULT_BIRTH_DATE, suffix) for suffix in suffixes]
    else:
        people = list(scenario.people)
    return [{"person_id": scenario.person_id(p.person), "birth_date": p.birth_date} for p in people]


def score_rows(scenario: Scenario) -> list[dict[str, object]]:
    return [
        {
            "person_id": scenario.person_id(s.person),
            "assessment_date": s.date,
            "body_site": s.site,
            "instrument": s.instrument,
            "score": s.score,
            "scale_max": s.scale_max,
        }
        for s in scenario.scores
    ]


def _write(path: Path, columns: list[str], rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_landing(landing: Path, scenarios: list[Scenario]) -> Path:
    """Writes the landing folder (claims, eligibility, pain scores) for these scenarios."""
    _write(landing / "medical_claim" / "claims.csv", CLAIM_COLUMNS,
           [row for s in scenarios for row in claim_rows(s)])
    _write(landing / "eligibility" / "eligibility.csv", ELIGIBILITY_COLUMNS,
           [row for s in scenarios for row in eligibility_rows(s)])
    _write(landing / "pain_score" / "pain_score.csv", SCORE_COLUMNS,
           [row for s in scenarios for row in score_rows(s)])
    return landing


__all__ = [
    "ANY", "AS_OF", "DISCECTOMY", "FUSION", "PAST_AS_OF", "PERFORMANCE_YEAR", "QUALITY_CODE",
    "QUALITY_CODES", "SCENARIOS", "Episode",
    "LeftOut", "Line", "Person", "Scenario", "Score", "as_of_dates", "scenarios_as_of", "write_landing",
]
