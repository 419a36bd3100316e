"""Index surgeries of both strata: what is billed, by whom, on which claims."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo import vocab as v
from demo.arrays import Rng, choose, count, pick
from demo.people import ADULT, People, Pools

# A surgery's lines that lack a provider identifier: the TIN, or the NPI.
NO_MISSING, MISSING_TIN, MISSING_NPI = range(3)


@dataclass(frozen=True)
class Surgeries:
    person: np.ndarray
    date: np.ndarray
    stratum: np.ndarray  # v.FUSION or v.DISCECTOMY
    payer: np.ndarray
    second_payer: np.ndarray
    professional: np.ndarray  # surgeon lines billed
    facility: np.ndarray  # facility claim billed
    primary: np.ndarray
    addon: np.ndarray
    same_day: np.ndarray  # a discectomy/laminectomy CPT billed with a fusion
    instrumentation: np.ndarray
    graft: np.ndarray
    assistant_modifier: np.ndarray
    surgeon: np.ndarray
    assistant: np.ndarray
    pos: np.ndarray
    pcs: np.ndarray  # (n, 3)
    admit: np.ndarray
    discharge: np.ndarray
    facility_lines: np.ndarray
    dx: np.ndarray  # (n, 3)
    missing: np.ndarray  # NO_MISSING, MISSING_TIN or MISSING_NPI on every line
    plain: np.ndarray  # nothing else decides this episode: fit for a boundary case


def surgeries(rng: Rng, people: People, pools: Pools) -> Surgeries:
    once, twice = people.surgeries >= 1, people.surgeries == 2
    person = np.concatenate([np.flatnonzero(once), np.flatnonzero(twice)])
    date = np.concatenate([people.surgery1[once], people.surgery2[twice]])
    stratum = np.concatenate([people.stratum1[once], people.stratum2[twice]])
    is_first = np.arange(person.size) < once.sum()
    n = person.size
    fusion = stratum == v.FUSION
    second_payer = np.where(is_first, people.second_payer[person], -1)
    dual = second_payer >= 0
    # Surgeon-only or facility-only billing, never for the dual-payer copies.
    facility_only = choose(rng, ~dual, count(0.02, n))
    surgeon_only = choose(rng, ~dual & ~facility_only, count(0.03, n))
    primary, addon = _primary_and_addon(rng, stratum)
    same_day = np.where(
        fusion & (rng.random(n) < 0.15), pick(rng, v.codes(v.HCPCS, v.SAME_DAY_DISCECTOMY_CPT), n), 0
    )
    plain = (people.cohort == ADULT) & (people.exclusion == 0) & ~people.no_eligibility
    plain &= (people.payer != v.UNMAPPED) & (people.second_payer < 0) & (people.surgeries == 1)
    missing = np.full(n, NO_MISSING)
    missing[choose(rng, ~dual, count(0.006, n))] = MISSING_TIN
    missing[choose(rng, ~dual & (missing == NO_MISSING), count(0.004, n))] = MISSING_NPI
    return Surgeries(
        person=person,
        date=date,
        stratum=stratum,
        payer=people.payer[person],
        second_payer=second_payer,
        professional=~facility_only,
        facility=~surgeon_only,
        primary=primary,
        addon=addon,
        same_day=same_day,
        instrumentation=np.where(
            fusion & (rng.random(n) < 0.7), pick(rng, v.codes(v.HCPCS, v.INSTRUMENTATION_CPT), n), 0
        ),
        graft=np.where(fusion & (rng.random(n) < 0.4), pick(rng, v.codes(v.HCPCS, v.GRAFT_CPT), n), 0),
        assistant_modifier=np.where(
            rng.random(n) < np.where(fusion, 0.3, 0.1), rng.integers(1, len(v.MODIFIERS), n), 0
        ),
        surgeon=pick(rng, pools.surgeons, n),
        assistant=pick(rng, pools.assistants, n),
        # Discectomies are often outpatient (POS 22); fusions mostly inpatient (21).
        pos=np.where(rng.random(n) < np.where(fusion, 0.85, 0.45), v.POS.index("21"), v.POS.index("22")),
        pcs=_facility_procedures(rng, stratum),
        admit=date - (fusion & (rng.random(n) < 0.2)),
        discharge=date + np.where(fusion, rng.integers(1, 6, n), rng.integers(0, 2, n)),
        facility_lines=rng.integers(1, 5, n),
        dx=_surgery_dx(rng, n),
        missing=missing,
        plain=plain[person] & (missing == NO_MISSING),
    )


def _primary_and_addon(rng: Rng, stratum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = stratum.size
    primary = np.zeros(n, dtype=np.int64)
    addon_of = np.zeros(len(v.HCPCS), dtype=np.int64)
    addon_share = np.zeros(n)
    for code, spec in enumerate(v.STRATA):
        here = stratum == code
        primary[here] = pick(rng, v.codes(v.HCPCS, spec.primary), int(here.sum()), spec.weights())
        pairs = spec.codes.addon_of()
        addon_of[v.codes(v.HCPCS, list(pairs))] = v.codes(v.HCPCS, list(pairs.values()))
        addon_share[here] = spec.addon_share
    return primary, np.where(rng.random(n) < addon_share, addon_of[primary], 0)


def _facility_procedures(rng: Rng, stratum: np.ndarray) -> np.ndarray:
    """(n, 3) ICD-10-PCS codes of the facility claim."""
    n = stratum.size
    fusion_codes, disc_codes = v.codes(v.PCS, v.FUSION_PCS), v.codes(v.PCS, v.DISCECTOMY_PCS)
    excision = v.codes(v.PCS, [c for c in v.DISCECTOMY_PCS if c.startswith("0SB")])
    own = np.where(stratum == v.FUSION, pick(rng, fusion_codes, n), pick(rng, disc_codes, n))
    # Another level of the same procedure, or (with a fusion) a disc excision the same day.
    level = np.where(stratum == v.FUSION, pick(rng, fusion_codes, n), pick(rng, disc_codes, n))
    u = rng.random(n)
    with_excision = (stratum == v.FUSION) & (u < 0.4)
    second = np.where(with_excision, pick(rng, excision, n), np.where(u < 0.6, level, 0))
    second = np.where(second == own, 0, second)
    third = np.where((stratum == v.FUSION) & (rng.random(n) < 0.15), pick(rng, excision, n), 0)
    pcs = np.column_stack([own, second, third])
    # Sometimes the disc excision is listed first: the fusion must be found in any position.
    swap = with_excision & (rng.random(n) < 0.25)
    pcs[swap, :2] = pcs[swap, 1::-1]
    return pcs


def _surgery_dx(rng: Rng, n: int) -> np.ndarray:
    pool = v.codes(v.DX, v.SURGERY_DX)
    order = np.argsort(rng.random((n, pool.size)), axis=1)[:, :2]
    comorbidity = np.where(rng.random(n) < 0.3, pick(rng, v.codes(v.DX, v.COMORBIDITY_DX), n), 0)
    return np.column_stack([pool[order], comorbidity])
