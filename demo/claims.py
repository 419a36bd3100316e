"""Claim lines (integer-coded): surgeons, assistants, facilities, office visits and distractors."""

from __future__ import annotations

import numpy as np

from demo import vocab as v
from demo.arrays import (
    Counter,
    Rng,
    Rows,
    add_months,
    between,
    columns,
    concat,
    day,
    explode,
    numbered,
    part,
    pick,
    sort_rows,
)
from demo.bad_rows import with_bad_rows
from demo.people import ADDON_ONLY, CERVICAL, People, Pools
from demo.surgeries import MISSING_NPI, MISSING_TIN, Surgeries

# Visits from 18 months before the first surgery to 18 months after the last fusion.
ACTIVITY_FIRST = day("2021-04-01")
ACTIVITY_LAST = day("2028-03-31")

CLAIM_KEYS = (
    "person",
    "payer",
    "claim",
    "line",
    "institutional",
    "start",
    "end",
    "pos",
    "hcpcs",
    "modifier",
    "npi",
    "tin",
    "missing",
    "dx1",
    "dx2",
    "dx3",
    "dx4",
    "pcs1",
    "pcs2",
    "pcs3",
    "procedure_date",
    "bad",
)


def claim_rows(rng: Rng, people: People, s: Surgeries, pools: Pools) -> Rows:
    ids = Counter()
    dual = s.second_payer >= 0
    everything = concat(
        [
            _surgery_lines(s, s.professional, s.payer, ids, codes=_surgeon_codes(s)),
            # the same surgery billed to a second payer
            _surgery_lines(s, dual, s.second_payer, ids, codes=_surgeon_codes(s)),
            _surgery_lines(
                s,
                s.professional & (s.assistant_modifier > 0),
                s.payer,
                ids,
                codes=np.column_stack([s.primary, s.addon]),
                assistant=True,
            ),
            _facility_claims(s, ids),
            _visit_claims(rng, people, ids),
            _exclusion_claims(rng, people, ids),
            *_distractor_claims(rng, people, pools, ids),
        ]
    )
    # Every line bills under its NPI's group, except the few that lack TIN or NPI.
    everything["tin"] = np.where(everything["missing"] == MISSING_TIN, 0, pools.tin_of(everything["npi"]))
    everything["npi"] = np.where(everything["missing"] == MISSING_NPI, 0, everything["npi"])
    rows = sort_rows(
        with_bad_rows(rng, everything, "medical_claim", ids), ("person", "start", "claim", "line")
    )
    # Renumber claims in file order: lines of a claim share person and date, so they are adjacent.
    rows["claim"] = np.cumsum(np.r_[True, rows["claim"][1:] != rows["claim"][:-1]])
    return rows


def _surgeon_codes(s: Surgeries) -> np.ndarray:
    return np.column_stack([s.primary, s.addon, s.same_day, s.instrumentation, s.graft])


def _surgery_lines(
    s: Surgeries,
    selected: np.ndarray,
    payer: np.ndarray,
    ids: Counter,
    codes: np.ndarray,
    assistant: bool = False,
) -> Rows:
    """One professional claim per selected surgery, a line per non-empty code."""
    which = np.flatnonzero(selected)
    row, line, code = explode(codes[which])
    return _surgery_claim(
        s,
        which,
        row,
        line,
        ids,
        payer=payer[which[row]],
        start=s.date[which[row]],
        end=s.date[which[row]],
        pos=s.pos[which[row]],
        hcpcs=code,
        modifier=s.assistant_modifier[which[row]] if assistant else 0,
        npi=(s.assistant if assistant else s.surgeon)[which[row]],
    )


def _facility_claims(s: Surgeries, ids: Counter) -> Rows:
    # Institutional lines repeat the header's diagnoses and ICD-10-PCS procedures,
    # as in Tuva's medical_claim; a fusion's admission may be the day before.
    which = np.flatnonzero(s.facility)
    row, line = numbered(s.facility_lines[which])
    at = which[row]
    return _surgery_claim(
        s,
        which,
        row,
        line,
        ids,
        payer=s.payer[at],
        institutional=1,
        start=s.admit[at],
        end=s.discharge[at],
        npi=s.surgeon[at],
        procedure_date=s.date[at],
        **columns("pcs", s.pcs[at]),
    )


def _surgery_claim(
    s: Surgeries,
    which: np.ndarray,
    row: np.ndarray,
    line: np.ndarray,
    ids: Counter,
    **cells: np.ndarray | int,
) -> Rows:
    """Claim lines of the surgeries `which` (a claim each; `row` indexes `which` per line)."""
    claim = ids.take(which.size)
    at = which[row]
    return part(
        CLAIM_KEYS,
        row.size,
        person=s.person[at],
        claim=claim[row],
        line=line,
        missing=s.missing[at],
        **columns("dx", s.dx[at]),
        **cells,
    )


def visit_dx(rng: Rng, n: int, minimum: int = 1) -> np.ndarray:
    """(n, 4) distinct weighted visit diagnoses, trailing positions empty."""
    keys = np.log(v.VISIT_DX_WEIGHTS) + rng.gumbel(size=(n, v.VISIT_DX_WEIGHTS.size))
    dx = v.codes(v.DX, v.VISIT_DX)[np.argsort(-keys, axis=1)[:, :4]]
    u = rng.random(n)
    present = np.maximum(minimum, 1 + (u < 0.55) + (u < 0.25) + (u < 0.10))
    return np.where(np.arange(4) < present[:, None], dx, 0)


def _visit_claims(rng: Rng, people: People, ids: Counter) -> Rows:
    person = np.repeat(np.arange(people.payer.size), 2 + rng.poisson(3.2, people.payer.size))
    n = person.size
    around = people.surgery1[person]
    anywhere = between(rng, ACTIVITY_FIRST, ACTIVITY_LAST, n)
    date = np.where(around >= 0, around + rng.integers(-540, 541, n), anywhere)
    em = pick(rng, v.codes(v.HCPCS, v.EM_CPT), n, v.EM_WEIGHTS)
    extra = np.where(rng.random(n) < 0.25, pick(rng, v.codes(v.HCPCS, v.EXTRA_CPT), n), 0)
    row, line, code = explode(np.column_stack([em, extra]))
    claim = ids.take(n)
    at = person[row]
    return part(
        CLAIM_KEYS,
        row.size,
        person=at,
        payer=people.payer[at],
        claim=claim[row],
        line=line,
        start=date[row],
        end=date[row],
        pos=v.POS.index("11"),
        hcpcs=code,
        npi=people.clinician[at],
        **columns("dx", visit_dx(rng, n)[row]),
    )


def _exclusion_claims(rng: Rng, people: People, ids: Counter) -> Rows:
    who = np.flatnonzero(people.exclusion > 0)
    surgery = people.surgery1[who]
    recent = people.exclusion[who] == 1
    # 0-11 months before the surgery excludes it; 13-18 months before must not.
    lo = np.where(recent, add_months(surgery, -11), add_months(surgery, -18))
    hi = np.where(recent, surgery, add_months(surgery, -13))
    dx = visit_dx(rng, who.size, minimum=3)
    dx[np.arange(who.size), rng.integers(0, 3, who.size)] = people.exclusion_dx[who]
    return _one_line_claims(
        ids,
        who,
        people.exclusion_payer[who],
        between(rng, lo, hi),
        pos=v.POS.index("11"),
        hcpcs=v.HCPCS.index("99214"),
        npi=people.clinician[who],
        **columns("dx", dx),
    )


def _one_line_claims(
    ids: Counter, person: np.ndarray, payer: np.ndarray, date: np.ndarray, **cells: np.ndarray | int
) -> Rows:
    """A claim of one line per person, on one day (institutional: to the next day)."""
    end = date + (1 if cells.get("institutional") else 0)
    return part(
        CLAIM_KEYS,
        person.size,
        person=person,
        payer=payer,
        claim=ids.take(person.size),
        line=1,
        start=date,
        end=end,
        **cells,
    )


def _distractor_claims(rng: Rng, people: People, pools: Pools, ids: Counter) -> list[Rows]:
    # Spine surgery that is not an index procedure: an add-on code without its
    # primary, and a cervical fusion (CPT and ICD-10-PCS).
    addon = np.flatnonzero(people.distractor == ADDON_ONLY)
    cervical = np.flatnonzero(people.distractor == CERVICAL)
    disc = v.DX.index("M51.36")
    first, last = v.STRATA[v.FUSION].first_day, v.STRATA[v.FUSION].last_day
    cervical_day = between(rng, first, last, cervical.size)
    return [
        _one_line_claims(
            ids,
            addon,
            people.payer[addon],
            between(rng, first, last, addon.size),
            pos=v.POS.index("21"),
            dx1=disc,
            hcpcs=pick(rng, v.codes(v.HCPCS, v.ADDON_CPT), addon.size),
            npi=pick(rng, pools.surgeons, addon.size),
        ),
        _one_line_claims(
            ids,
            cervical,
            people.payer[cervical],
            cervical_day,
            pos=v.POS.index("21"),
            dx1=disc,
            hcpcs=v.HCPCS.index(v.CERVICAL_CPT),
            npi=pick(rng, pools.surgeons, cervical.size),
        ),
        _one_line_claims(
            ids,
            cervical,
            people.payer[cervical],
            cervical_day,
            institutional=1,
            dx1=disc,
            pcs1=pick(rng, v.codes(v.PCS, v.CERVICAL_PCS), cervical.size),
            procedure_date=cervical_day,
        ),
    ]
