"""Providers and persons: who is insured where, who has surgery when, and who is a rare case."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo import vocab as v
from demo.arrays import (
    Rng,
    add_months,
    allocate,
    between,
    choose,
    count,
    day,
    jan1,
    oct1_on_or_before,
    one_of,
    pick,
)
from demo.text import ids

ENROLLMENT_FIRST = day("2020-01-01")
ENROLLMENT_LAST = day("2028-12-31")
NO_SWITCH = ENROLLMENT_LAST + 1

# Person cohorts by age on the 1 October on or before the first surgery.
ADULT, AGE_17, AGE_18_ON_OCT_1, AGE_18 = range(4)
NO_DISTRACTOR, ADDON_ONLY, CERVICAL = range(3)

# Provider pools are shared by all chunks, so they get their own stream. Surgeons
# and assistants work in a handful of surgical groups (TINs); office clinicians in
# a dozen practices.
POOL_STREAM = 2**32 - 1
SURGICAL_GROUPS, SURGEONS, ASSISTANTS = 6, 48, 18
PRACTICES, CLINICIANS = 12, 400


@dataclass(frozen=True)
class Pools:
    surgeons: np.ndarray
    assistants: np.ndarray
    clinicians: np.ndarray
    npis: np.ndarray  # every NPI, sorted, and ...
    tins: np.ndarray  # ... the TIN it bills under

    def tin_of(self, npi: np.ndarray) -> np.ndarray:
        """The TIN of each NPI (0 for 0, no NPI)."""
        at = np.clip(np.searchsorted(self.npis, npi), 0, self.npis.size - 1)
        return np.where(self.npis[at] == npi, self.tins[at], 0)


@dataclass(frozen=True)
class People:
    first: int  # global index of the chunk's first person
    ids: pa.Array
    payer: np.ndarray
    female: np.ndarray
    clinician: np.ndarray  # NPI of the person's usual office
    plan1: np.ndarray
    plan2: np.ndarray
    plan_switch: np.ndarray  # day the second enrollment span starts (NO_SWITCH: one span)
    enrollment_start: np.ndarray
    surgeries: np.ndarray  # 0, 1 or 2
    surgery1: np.ndarray  # day number, -1 without surgery
    surgery2: np.ndarray
    stratum1: np.ndarray  # FUSION or DISCECTOMY, per surgery
    stratum2: np.ndarray
    cohort: np.ndarray
    second_payer: np.ndarray  # the other payer billed for the first surgery, -1 none
    no_eligibility: np.ndarray
    exclusion: np.ndarray  # 0 none, 1 within the lookback, 2 older than the lookback
    exclusion_dx: np.ndarray
    exclusion_payer: np.ndarray
    distractor: np.ndarray
    birth: np.ndarray


def pools(seed: int) -> Pools:
    rng = np.random.default_rng([seed, POOL_STREAM])
    npis = _npis(rng, SURGEONS + ASSISTANTS + CLINICIANS)
    tins = rng.permutation(
        np.unique(rng.integers(200_000_000, 990_000_000, 4 * (SURGICAL_GROUPS + PRACTICES)))
    )
    surgical = SURGEONS + ASSISTANTS
    # Every group has several NPIs: round-robin, then shuffled by the NPI order.
    tin = np.concatenate(
        [
            tins[np.arange(surgical) % SURGICAL_GROUPS],
            tins[SURGICAL_GROUPS + np.arange(CLINICIANS) % PRACTICES],
        ]
    )
    order = np.argsort(npis)
    return Pools(
        surgeons=npis[:SURGEONS],
        assistants=npis[SURGEONS:surgical],
        clinicians=npis[surgical:],
        npis=npis[order],
        tins=tin[order],
    )


def _npis(rng: Rng, n: int) -> np.ndarray:
    """Distinct individual NPIs with a valid check digit (Luhn over 80840 + 9 digits)."""
    base = rng.permutation(np.unique(rng.integers(100_000_000, 200_000_000, 2 * n)))[:n]
    digits = base[:, None] // 10 ** np.arange(8, -1, -1) % 10
    doubled = digits[:, ::2] * 2
    total = 24 + (doubled // 10 + doubled % 10).sum(axis=1) + digits[:, 1::2].sum(axis=1)
    return base * 10 + (10 - total % 10) % 10


def people(rng: Rng, first: int, n: int, provider_pools: Pools) -> People:
    payer = allocate(rng, n, v.PAYER_SHARES)
    surgeries, (surgery1, stratum1), (surgery2, stratum2) = _surgery_dates(rng, n)
    surgical = surgeries > 0
    cohort = _age_cohorts(rng, surgical, payer)
    second_payer = np.full(n, -1)
    dual = choose(rng, surgical & (cohort == ADULT) & (payer != v.UNMAPPED), count(0.01, surgical.sum()))
    second_payer[dual] = other_payer(rng, payer[dual])
    no_eligibility = choose(rng, surgical & (cohort == ADULT) & ~dual, count(0.003, surgical.sum()))
    exclusion, exclusion_dx, exclusion_payer = _exclusions(
        rng, surgical & (cohort == ADULT) & ~no_eligibility, payer
    )
    plan1, plan2, plan_switch = _plans(rng, payer, dual)
    return People(
        first=first,
        ids=ids("P", np.arange(first + 1, first + n + 1), 7),
        payer=payer,
        female=rng.random(n) < 0.55,
        clinician=pick(rng, provider_pools.clinicians, n),
        plan1=plan1,
        plan2=plan2,
        plan_switch=plan_switch,
        enrollment_start=between(rng, ENROLLMENT_FIRST, day("2021-03-31"), n),
        surgeries=surgeries,
        surgery1=surgery1,
        surgery2=surgery2,
        stratum1=stratum1,
        stratum2=stratum2,
        cohort=cohort,
        second_payer=second_payer,
        no_eligibility=no_eligibility,
        exclusion=exclusion,
        exclusion_dx=exclusion_dx,
        exclusion_payer=exclusion_payer,
        distractor=_distractors(rng, surgical),
        birth=_birth_dates(rng, cohort, payer, surgery1),
    )


def other_payer(rng: Rng, payer: np.ndarray) -> np.ndarray:
    """A mapped payer different from each given one."""
    return (payer % v.MAPPED_PAYERS + rng.integers(1, v.MAPPED_PAYERS, payer.size)) % v.MAPPED_PAYERS


Surgery = tuple[np.ndarray, np.ndarray]  # day number (-1 none) and stratum, per person


def _surgery_dates(rng: Rng, n: int) -> tuple[np.ndarray, Surgery, Surgery]:
    surgical = choose(rng, np.ones(n, dtype=bool), count(0.60, n))
    twice = choose(rng, surgical, count(0.05, surgical.sum()))
    stratum1 = (rng.random(n) < v.DISCECTOMY_SHARE).astype(np.int64)
    stratum2 = (rng.random(n) < v.DISCECTOMY_SHARE).astype(np.int64)
    first_day = np.array([s.first_day for s in v.STRATA])
    last_day = np.array([s.last_day for s in v.STRATA])
    first = np.where(surgical, between(rng, first_day[stratum1], last_day[stratum1]), -1)
    # A second surgery at least six months after the first, inside its own period.
    lo2 = np.maximum(first_day[stratum2], first_day[stratum1] + 180)
    second = np.where(twice, between(rng, lo2, last_day[stratum2]), -1)
    first = np.where(twice, between(rng, first_day[stratum1], np.minimum(first, second - 180)), first)
    for stratum, spec in enumerate(v.STRATA):
        pinned = np.flatnonzero(choose(rng, surgical & ~twice & (stratum1 == stratum), len(spec.pinned_days)))
        first[pinned] = np.array(spec.pinned_days)[: pinned.size]
    return surgical.astype(np.int64) + twice, (first, stratum1), (second, stratum2)


def _age_cohorts(rng: Rng, surgical: np.ndarray, payer: np.ndarray) -> np.ndarray:
    # Young patients sit on commercial plans; Medicare would be implausible.
    cohort = np.full(surgical.size, ADULT)
    for code, share in ((AGE_17, 0.005), (AGE_18_ON_OCT_1, 0.003), (AGE_18, 0.002)):
        eligible = surgical & (payer != v.MEDICARE) & (cohort == ADULT)
        cohort[choose(rng, eligible, count(share, surgical.sum()))] = code
    return cohort


def _birth_dates(rng: Rng, cohort: np.ndarray, payer: np.ndarray, surgery1: np.ndarray) -> np.ndarray:
    n = cohort.size
    reference = np.where(surgery1 >= 0, surgery1, day("2024-07-01"))
    age = np.where(
        payer == v.MEDICARE,
        65 + np.minimum(rng.exponential(7.0, n), 24),
        np.clip(rng.normal(52, 9, n), 19, 64),
    )
    birth = reference - np.floor(age * 365.25).astype(np.int64)
    # The age rule looks at the 1 October on or before the surgery: these sit on its edge.
    eighteenth = add_months(oct1_on_or_before(reference), -18 * 12)
    later = rng.integers(1, 365, n)
    birth = np.where(cohort == AGE_17, eighteenth + later, birth)
    birth = np.where(cohort == AGE_18_ON_OCT_1, eighteenth, birth)
    return np.where(cohort == AGE_18, add_months(eighteenth, -12) + later, birth)


def _exclusions(
    rng: Rng, eligible: np.ndarray, payer: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person: exclusion kind (0, 1 recent, 2 old), its diagnosis code and the billed payer."""
    n_surgical = int(eligible.sum())
    reasons = len(v.EXCLUSION_DX)
    recent = choose(rng, eligible, count(0.04, n_surgical, minimum=reasons))
    old = choose(rng, eligible & ~recent, count(0.01, n_surgical))
    kind = recent.astype(np.int64) + 2 * old
    reason = np.zeros(payer.size, dtype=np.int64)
    # Every reason occurs among the recent ones, whatever their number.
    reason[recent] = rng.permutation(np.arange(recent.sum()) % reasons)
    reason[old] = rng.integers(0, reasons, old.sum())
    flat = one_of(rng, v.EXCLUSION_OFFSET[reason], v.EXCLUSION_COUNT[reason])
    dx = np.where(kind > 0, v.codes(v.DX, v.EXCLUSION_FLAT)[flat], 0)
    billed = payer.copy()
    elsewhere = choose(rng, kind > 0, count(0.10, int((kind > 0).sum())))
    billed[elsewhere] = other_payer(rng, payer[elsewhere])
    return kind, dx, billed


def _distractors(rng: Rng, surgical: np.ndarray) -> np.ndarray:
    kind = np.full(surgical.size, NO_DISTRACTOR)
    for code in (ADDON_ONLY, CERVICAL):
        kind[choose(rng, ~surgical & (kind == NO_DISTRACTOR), count(0.005, surgical.size))] = code
    return kind


def _plans(rng: Rng, payer: np.ndarray, dual: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = payer.size
    medicare = payer == v.MEDICARE
    medicare_plans = len(v.PLANS) - v.COMMERCIAL_PLANS
    offset = np.where(medicare, v.COMMERCIAL_PLANS, 0)
    size = np.where(medicare, medicare_plans, v.COMMERCIAL_PLANS)
    plan1 = one_of(rng, offset, size)
    plan2 = offset + (plan1 - offset + 1) % size  # another plan of the same payer
    # Plan changes happen at open enrollment: a second span from 1 January.
    switched = choose(rng, ~dual, count(0.30, n))
    switch = np.where(switched, jan1(rng.integers(2022, 2027, n)), NO_SWITCH)
    return plan1, plan2, switch


def secondary_plan(payer: np.ndarray) -> np.ndarray:
    return np.where(payer == v.MEDICARE, v.COMMERCIAL_PLANS, 0)
