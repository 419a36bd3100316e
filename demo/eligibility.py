"""Enrollment spans (integer-coded), with unusable birth dates spoiled in place."""

from __future__ import annotations

import numpy as np

from demo.arrays import Rng, Rows, add_months, choose, concat, part, sort_rows
from demo.bad_rows import BAD_ROWS, bad_count
from demo.people import ADULT, ENROLLMENT_LAST, People, secondary_plan

ELIGIBILITY_KEYS = ("person", "payer", "plan", "start", "end", "bad")


def eligibility_rows(rng: Rng, people: People, protected: np.ndarray) -> Rows:
    has = np.flatnonzero(~people.no_eligibility)
    switched = has[people.plan_switch[has] <= ENROLLMENT_LAST]
    dual = has[people.second_payer[has] >= 0]
    second_payer = people.second_payer[dual]
    spans = [
        (
            has,
            people.payer[has],
            people.plan1[has],
            people.enrollment_start[has],
            np.minimum(people.plan_switch[has] - 1, ENROLLMENT_LAST),
        ),
        (
            switched,
            people.payer[switched],
            people.plan2[switched],
            people.plan_switch[switched],
            ENROLLMENT_LAST,
        ),
        (
            dual,
            second_payer,
            secondary_plan(second_payer),
            add_months(people.surgery1[dual], -12),
            add_months(people.surgery1[dual], 24),
        ),
    ]
    rows = concat(
        [
            part(ELIGIBILITY_KEYS, person.size, person=person, payer=payer, plan=plan, start=start, end=end)
            for person, payer, plan, start, end in spans
        ]
    )
    return sort_rows(_spoil_birth_dates(rng, rows, people, protected), ("person", "start", "payer"))


def _spoil_birth_dates(rng: Rng, rows: Rows, people: People, protected: np.ndarray) -> Rows:
    # In place, not as extra copies: a person whose every span lacks a usable
    # birth date must leave the denominator and show in the data-quality report.
    # Age-edge and boundary-score persons keep theirs so their cases stay visible.
    rows["bad"] = rows["bad"].copy()
    eligible = ~protected[rows["person"]] & (people.cohort[rows["person"]] == ADULT)
    k = bad_count("eligibility", rows["bad"].size)
    for kind in range(1, len(BAD_ROWS["eligibility"]) + 1):
        rows["bad"][choose(rng, eligible & (rows["bad"] == 0), k)] = kind
    return rows
