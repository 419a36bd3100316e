"""Named one-patient stories for the lumbar discectomy/laminectomy stratum.

Expectations come from docs/measure.md alone. Default surgery: 2025-09-15, CPT 63030 on a
professional line billed to Aetna, inside the stratum's period for performance year 2026
(2025-08-01..2026-07-31). Its follow-up window is 2025-10-27 (day 42) .. 2026-02-02 (day 140),
target 2025-12-15 (+3 months); baseline window 2025-06-15..2025-09-15.
"""

from __future__ import annotations

from tests.helpers.scenarios import (
    DISCECTOMY,
    FUSION,
    PAST_AS_OF,
    Episode,
    LeftOut,
    Line,
    Person,
    Scenario,
    Score,
)

SURGERY = "2025-09-15"
AT_3_MONTHS = "2025-12-15"
DAY_41, DAY_42 = "2025-10-26", "2025-10-27"
DAY_140, DAY_141 = "2026-02-02", "2026-02-03"


def _disc(**kwargs) -> Line:
    kwargs.setdefault("date", SURGERY)
    kwargs.setdefault("hcpcs", "63030")
    return Line(**kwargs)


def _ep(outcome: str, **kwargs) -> Episode:
    kwargs.setdefault("procedure_date", SURGERY)
    kwargs.setdefault("stratum", DISCECTOMY)
    return Episode(outcome, **kwargs)


def _d(name: str, story: str, claims, expected=(), scores=(), **kwargs) -> Scenario:
    return Scenario(name=name, story=story, claims=tuple(claims), expected=tuple(expected),
                    scores=tuple(scores), **kwargs)


DISCECTOMY_SCENARIOS: tuple[Scenario, ...] = (
    # ---------------------------------------------------------------- numerator basics
    _d("disc_met_low_3_months", "Back pain 2.0 at three months, no baseline: <= 3.0 is met (G2136).",
       [_disc()], [_ep("met", one_year=(AT_3_MONTHS, "2.0"))], [Score(AT_3_MONTHS, "2.0")]),
    _d("disc_met_exactly_3_0", "Exactly 3.0 at three months: the threshold is inclusive.",
       [_disc()], [_ep("met", one_year=(AT_3_MONTHS, "3.0"))], [Score(AT_3_MONTHS, "3.0")]),
    _d("disc_not_met_3_1", "3.1 at three months and no baseline: G2137.",
       [_disc()], [_ep("not_met", one_year=(AT_3_MONTHS, "3.1"))], [Score(AT_3_MONTHS, "3.1")]),
    _d("disc_met_improvement_exactly_5", "VAS 81 mm before, 31 mm after: improvement exactly 5.0, met.",
       [_disc()],
       [_ep("met", baseline=("2025-09-01", "8.1"), one_year=(AT_3_MONTHS, "3.1"), improvement="5")],
       [Score("2025-09-01", "81", instrument="VAS", scale_max=100),
        Score(AT_3_MONTHS, "31", instrument="VAS", scale_max=100)]),
    _d("disc_not_met_improvement_4_9", "8.0 -> 3.1: improvement 4.9 < 5.0, G2137.",
       [_disc()],
       [_ep("not_met", baseline=("2025-09-01", "8.0"), one_year=(AT_3_MONTHS, "3.1"), improvement="4.9")],
       [Score("2025-09-01", "8.0"), Score(AT_3_MONTHS, "3.1")]),
    _d("disc_not_measured", "No score in 6-20 weeks and day 140 has passed: G9943.",
       [_disc()], [_ep("not_measured")]),
    # ---------------------------------------------------------------- window bounds (days 42 and 140)
    _d("disc_day_42_counts", "A 2.0 on day 42 (2025-10-27) opens the window: met.",
       [_disc()], [_ep("met", one_year=(DAY_42, "2.0"))], [Score(DAY_42, "2.0")]),
    _d("disc_day_41_too_early", "A 2.0 on day 41 is before the window; closed since: not measured.",
       [_disc()], [_ep("not_measured")], [Score(DAY_41, "2.0")]),
    _d("disc_day_140_counts", "A 2.0 on day 140 (2026-02-02) closes the window inclusively: met.",
       [_disc()], [_ep("met", one_year=(DAY_140, "2.0"))], [Score(DAY_140, "2.0")]),
    _d("disc_day_141_too_late", "A 2.0 on day 141 is after the window: not measured.",
       [_disc()], [_ep("not_measured")], [Score(DAY_141, "2.0")]),
    # ---------------------------------------------------------------- selection inside the window
    _d("disc_closest_to_3_months", "2.0 on 2025-12-01 (14 days early) beats 6.0 on 2026-01-10 (26 late).",
       [_disc()], [_ep("met", one_year=("2025-12-01", "2.0"))],
       [Score("2025-12-01", "2.0"), Score("2026-01-10", "6.0")]),
    _d("disc_equidistant_later_wins", "5 days either side of +3 months: the later (6.0) wins, G2137.",
       [_disc()], [_ep("not_met", one_year=("2025-12-20", "6.0"))],
       [Score("2025-12-10", "2.0"), Score("2025-12-20", "6.0")]),
    _d("disc_same_day_highest", "2.0 and 4.0 on the same day at +3 months: the highest (4.0), G2137.",
       [_disc()], [_ep("not_met", one_year=(AT_3_MONTHS, "4.0"))],
       [Score(AT_3_MONTHS, "2.0"), Score(AT_3_MONTHS, "4.0")]),
    _d("disc_leg_pain_ignored", "Only leg pain at three months: not measured.",
       [_disc()], [_ep("not_measured")], [Score(AT_3_MONTHS, "1.0", site="leg")]),
    _d("disc_baseline_3_months_before", "Baseline on 2025-06-15 (= surgery - 3 months): 9.0 -> 4.0 met.",
       [_disc()], [_ep("met", baseline=("2025-06-15", "9.0"), one_year=(AT_3_MONTHS, "4.0"))],
       [Score("2025-06-15", "9.0"), Score(AT_3_MONTHS, "4.0")]),
    _d("disc_baseline_one_day_early", "Baseline on 2025-06-14 is outside: 4.0 alone is not met.",
       [_disc()], [_ep("not_met", one_year=(AT_3_MONTHS, "4.0"))],
       [Score("2025-06-14", "9.0"), Score(AT_3_MONTHS, "4.0")]),
    # ---------------------------------------------------------------- finality and pending
    _d("disc_pending_day_140_is_as_of", "Surgery 2026-07-10: day 140 is the as-of date; still open.",
       [_disc(date="2026-07-10")], [_ep("pending", procedure_date="2026-07-10", is_final=False)]),
    _d("disc_final_day_after_140", "Surgery 2026-07-09: day 140 was yesterday; no score: G9943.",
       [_disc(date="2026-07-09")], [_ep("not_measured", procedure_date="2026-07-09")]),
    _d("disc_met_before_final", "Surgery 2026-07-31 (last day of the period), 2.0 at +3 months: met, "
       "not yet final.",
       [_disc(date="2026-07-31")],
       [_ep("met", procedure_date="2026-07-31", one_year=("2026-10-31", "2.0"), is_final=False)],
       [Score("2026-10-31", "2.0")]),
    # ---------------------------------------------------------------- denominator
    _d("disc_period_first_day", "Surgery 2025-08-01 opens the stratum's period for 2026.",
       [_disc(date="2025-08-01")], [_ep("not_measured", procedure_date="2025-08-01")]),
    _d("disc_period_day_before", "Surgery 2025-07-31 belongs to performance year 2025: no episode.",
       [_disc(date="2025-07-31")]),
    _d("disc_period_day_after", "Surgery 2026-08-01 belongs to performance year 2027: no episode.",
       [_disc(date="2026-08-01")]),
    _d("disc_add_on_alone", "Add-on 63035 alone never starts an episode.", [_disc(hcpcs="63035")]),
    _d("disc_every_primary_cpt", "Each primary CPT starts an episode (one per surgery date).",
       [_disc(date=f"2025-{month:02d}-10", hcpcs=code, claim=code)
        for month, code in zip(range(8, 13), ("63005", "63012", "63017", "63042", "63047"), strict=True)]
       + [_disc(date="2026-01-12", hcpcs="63056", claim="63056")],
       [_ep("not_measured", procedure_date=f"2025-{month:02d}-10") for month in range(8, 13)]
       + [_ep("not_measured", procedure_date="2026-01-12")]),
    _d("disc_pcs_facility_line", "ICD-10-PCS 0SB20ZZ on an institutional claim: an episode.",
       [_disc(hcpcs="", claim_type="institutional", pcs="0SB20ZZ", pcs_date=SURGERY, npi="")],
       [_ep("not_measured")]),
    _d("disc_cpt_on_institutional_line", "CPT 63030 on an institutional line only: no episode.",
       [_disc(claim_type="institutional")]),
    _d("disc_excluded_cancer", "Spine cancer two months before: G9945 whatever the scores say.",
       [_disc(), Line(date="2025-07-15", hcpcs="99213", dx1="C41.2", claim="dx")],
       [_ep("excluded", one_year=(AT_3_MONTHS, "2.0"), improvement=None, exclusion_reason="cancer")],
       [Score(AT_3_MONTHS, "2.0")]),
    _d("disc_under_18", "Born 2008-01-01: 17 whatever date opens the period; left out and counted.",
       [_disc()], people=(Person("2008-01-01"),), left_out=(LeftOut("under_minimum_age"),)),
    # ---------------------------------------------------------------- fusion wins
    _d("disc_fusion_wins_same_day", "Fusion 22612 and discectomy 63030 on one day and payer: a fusion "
       "episode only.",
       [_disc(claim="a"), Line(date=SURGERY, hcpcs="22612", claim="b")],
       [Episode("met", procedure_date=SURGERY, one_year=("2026-09-15", "2.0"), stratum=FUSION,
                is_final=False)],
       [Score(AT_3_MONTHS, "2.0"), Score("2026-09-15", "2.0")]),
    _d("disc_fusion_other_day_both", "Discectomy on 2025-08-20, fusion on 2025-09-15: one of each.",
       [_disc(date="2025-08-20", claim="a"), Line(date=SURGERY, hcpcs="22612", claim="b")],
       [_ep("not_measured", procedure_date="2025-08-20"),
        Episode("pending", procedure_date=SURGERY, stratum=FUSION, is_final=False)]),
    _d("disc_fusion_other_payer", "Discectomy billed to Cigna, fusion to Aetna the same day: both stay.",
       [_disc(payer="Cigna", claim="a"), Line(date=SURGERY, hcpcs="22612", claim="b")],
       [_ep("not_measured", payer="cigna"),
        Episode("pending", procedure_date=SURGERY, stratum=FUSION, is_final=False)]),
    # ---------------------------------------------------------------- a past as-of date
    _d("disc_past_as_of_ignores_later_score", "As of 2025-06-30 (PY 2026), surgery 2025-09-15 has not "
       "happened yet: no episode.",
       [_disc()], [], [Score(AT_3_MONTHS, "2.0")], as_of=PAST_AS_OF),
)
