"""Back- and leg-pain scores around each surgery, in its stratum's windows, with pinned boundaries."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from demo import vocab as v
from demo.arrays import (
    Rng,
    Rows,
    add_months,
    between,
    choose,
    concat,
    count,
    jitter,
    part,
    pick,
    sort_rows,
    tenths,
)
from demo.bad_rows import with_bad_rows
from demo.claims import ACTIVITY_FIRST, ACTIVITY_LAST
from demo.people import People
from demo.surgeries import Surgeries

PAIN_KEYS = ("person", "date", "site", "kind", "value", "bad")
# Pain instruments as written: NRS integer, NRS one decimal, VAS mm, VAS cm.
NRS_INT, NRS_DEC, VAS_MM, VAS_CM = range(4)
PAIN_KIND_SHARES = (0.55, 0.15, 0.20, 0.10)
BACK, LEG = 0, 1


class Pin(NamedTuple):
    """A boundary case: scores (tenths of the 0-10 scale) that make the boundary decide."""

    stratum: int
    name: str
    needs_baseline: bool
    instrument: int
    before: int
    after: int


_F, _D = v.FUSION, v.DISCECTOMY
PINS = (
    Pin(_F, "improvement_5_nrs_8.1_to_3.1", True, NRS_DEC, 81, 31),
    Pin(_F, "improvement_5_vas_81_to_31_mm", True, VAS_MM, 81, 31),
    Pin(_F, "improvement_5_vas_8.1_to_3.1_cm", True, VAS_CM, 81, 31),
    Pin(_F, "improvement_4.9_nrs_8.0_to_3.1", True, NRS_DEC, 80, 31),
    Pin(_F, "followup_3_nrs", True, NRS_INT, 70, 30),
    Pin(_F, "followup_3.0_nrs", True, NRS_DEC, 70, 30),
    Pin(_F, "followup_30_mm", True, VAS_MM, 70, 30),
    Pin(_F, "baseline_3_months_before", True, NRS_DEC, 90, 40),
    Pin(_F, "baseline_on_surgery_day", True, NRS_DEC, 85, 35),
    Pin(_F, "followup_at_window_start", True, NRS_INT, 70, 20),
    Pin(_F, "followup_at_window_end", True, NRS_INT, 70, 20),
    Pin(_F, "preop_day_before_window", False, NRS_DEC, 100, 45),
    Pin(_D, "improvement_5_nrs_8.1_to_3.1", True, NRS_DEC, 81, 31),
    Pin(_D, "improvement_4.9_nrs_8.0_to_3.1", True, NRS_DEC, 80, 31),
    Pin(_D, "followup_3_nrs", True, NRS_INT, 70, 30),
    Pin(_D, "baseline_3_months_before", True, NRS_DEC, 90, 40),
    Pin(_D, "followup_at_window_start", True, NRS_INT, 70, 20),
    Pin(_D, "followup_at_window_end", True, NRS_INT, 70, 20),
)


def bound(s: Surgeries, offsets: list[tuple[int, int]]) -> np.ndarray:
    """procedure date + (months, days) of each surgery's stratum."""
    out = np.empty(s.date.size, dtype=np.int64)
    for stratum, (months, days) in enumerate(offsets):
        here = s.stratum == stratum
        out[here] = add_months(s.date[here], months) + days
    return out


def _window(s: Surgeries, which: int) -> np.ndarray:
    return bound(s, [spec.window[which] for spec in v.STRATA])


def pain_rows(rng: Rng, people: People, s: Surgeries) -> tuple[Rows, np.ndarray]:
    """Score rows and the mask of persons who carry a boundary case."""
    n = s.person.size
    kind = pick(rng, np.arange(4), n, PAIN_KIND_SHARES)
    pre = tenths(rng.normal(6.5, 2.1, n))
    post = np.clip(pre - np.rint(rng.normal(3.9, 3.1, n) * 10).astype(np.int64), 0, 100)
    baseline = choose(rng, np.ones(n, dtype=bool), count(0.85, n))
    followup = choose(rng, np.ones(n, dtype=bool), count(0.55, n))
    pins = _pin_boundaries(rng, s, s.plain & followup, baseline, (kind, pre, post))
    pinned = np.logical_or.reduce(list(pins.values()))
    back = concat(
        [
            *_baseline_scores(rng, s, kind, pre, baseline, pins, pinned),
            *_older_scores(rng, s, kind, pre, pins),
            _interim_scores(rng, s, kind, (pre + post) // 2),
            *_followup_scores(rng, s, kind, post, followup, pins, pinned),
            _background_scores(rng, people),
        ]
    )
    rows = concat([back, _leg_scores(rng, back)])
    # NRS written as integers holds whole points only.
    whole_points = np.rint(rows["value"] / 10).astype(np.int64) * 10
    rows["value"] = np.where(rows["kind"] == NRS_INT, whole_points, rows["value"])
    rows = with_bad_rows(rng, rows, "pain_score")
    boundary_people = np.zeros(people.payer.size, dtype=bool)
    boundary_people[s.person[pinned]] = True
    return sort_rows(rows, ("person", "date", "site", "bad")), boundary_people


def _pin_boundaries(
    rng: Rng, s: Surgeries, candidates: np.ndarray, baseline: np.ndarray, scores: tuple[np.ndarray, ...]
) -> dict[str, np.ndarray]:
    """Chooses the surgeries of each boundary case and sets their scores in place."""
    kind, pre, post = scores
    used = np.zeros(candidates.size, dtype=bool)
    pins: dict[str, np.ndarray] = {}
    for pin in PINS:
        eligible = candidates & ~used & (s.stratum == pin.stratum)
        eligible &= baseline if pin.needs_baseline else ~baseline
        chosen = choose(rng, eligible, count(0.002, candidates.size))
        used |= chosen
        kind[chosen], pre[chosen], post[chosen] = pin.instrument, pin.before, pin.after
        pins[pin.name] = pins.get(pin.name, chosen) | chosen
    return pins


def _scores(person: np.ndarray, date: np.ndarray, kind: np.ndarray, value: np.ndarray) -> Rows:
    return part(PAIN_KEYS, person.size, person=person, date=date, site=BACK, kind=kind, value=value)


def _some(s: Surgeries, mask: np.ndarray, date: np.ndarray, kind: np.ndarray, value: np.ndarray) -> Rows:
    """Back-pain scores of the masked surgeries (date, kind and value per surgery)."""
    return _scores(s.person[mask], date[mask], kind[mask], value[mask])


def _baseline_scores(
    rng: Rng,
    s: Surgeries,
    kind: np.ndarray,
    pre: np.ndarray,
    chosen: np.ndarray,
    pins: Rows,
    pinned: np.ndarray,
) -> list[Rows]:
    lo = add_months(s.date, -3)
    date = between(rng, lo, s.date)
    date[pins["baseline_3_months_before"]] = lo[pins["baseline_3_months_before"]]
    date[pins["baseline_on_surgery_day"]] = s.date[pins["baseline_on_surgery_day"]]
    # Two scores the same day (the lowest counts) or an earlier one (the latest counts).
    same_day = choose(rng, chosen & ~pinned, count(0.08, chosen.sum()))
    earlier = choose(rng, chosen & ~pinned & ~same_day & (date > lo), count(0.10, chosen.sum()))
    earlier_date = np.where(earlier, between(rng, lo, np.maximum(lo, date - 1)), date)
    return [
        _some(s, chosen, date, kind, pre),
        _some(s, same_day, date, kind, jitter(rng, pre)),
        _some(s, earlier, earlier_date, kind, jitter(rng, pre)),
    ]


def _older_scores(rng: Rng, s: Surgeries, kind: np.ndarray, pre: np.ndarray, pins: Rows) -> list[Rows]:
    # 4-6 months before the surgery, and one day before the 3-month window: never baseline.
    older = choose(rng, np.ones(s.person.size, dtype=bool), count(0.25, s.person.size))
    date = between(rng, add_months(s.date, -6), add_months(s.date, -4))
    return [
        _some(s, older, date, kind, jitter(rng, pre)),
        _some(s, pins["preop_day_before_window"], add_months(s.date, -3) - 1, kind, pre),
    ]


def _interim_scores(rng: Rng, s: Surgeries, kind: np.ndarray, value: np.ndarray) -> Rows:
    # A post-operative visit outside the follow-up window: never the follow-up score.
    chosen = choose(rng, np.ones(s.person.size, dtype=bool), count(0.35, s.person.size))
    lo = bound(s, [spec.interim[0] for spec in v.STRATA])
    hi = bound(s, [spec.interim[1] for spec in v.STRATA])
    return _some(s, chosen, between(rng, lo, hi), kind, jitter(rng, value))


def _followup_scores(
    rng: Rng,
    s: Surgeries,
    kind: np.ndarray,
    post: np.ndarray,
    chosen: np.ndarray,
    pins: Rows,
    pinned: np.ndarray,
) -> list[Rows]:
    n = s.person.size
    lo, target, hi = _window(s, 0), _window(s, 1), _window(s, 2)
    spread = np.array([spec.spread_days for spec in v.STRATA])[s.stratum]
    # Clustered around the target (12 or 3 months), never outside the window.
    date = np.clip(target + np.rint(rng.normal(0, 1, n) * spread).astype(np.int64), lo, hi)
    date[pins["followup_at_window_start"]] = lo[pins["followup_at_window_start"]]
    date[pins["followup_at_window_end"]] = hi[pins["followup_at_window_end"]]
    # A second score in the window: the one closest to the target counts.
    second = choose(rng, chosen & ~pinned, count(0.10, chosen.sum()))
    # Scores just outside the window leave the episode unmeasured.
    late = choose(rng, ~chosen, count(0.04, n))
    early = choose(rng, ~chosen & ~late, count(0.03, n))
    too_early = between(rng, bound(s, [spec.early for spec in v.STRATA]), lo - 1)
    outside = np.where(late, between(rng, hi + 1, hi + 60), too_early)
    return [
        _some(s, chosen, date, kind, post),
        _some(s, second, between(rng, lo, hi), kind, jitter(rng, post)),
        _some(s, late | early, outside, kind, post),
    ]


def _background_scores(rng: Rng, people: People) -> Rows:
    # Back pain recorded for persons without surgery: must never pair with anything.
    who = choose(rng, people.surgeries == 0, count(0.15, int((people.surgeries == 0).sum())))
    person = np.repeat(np.flatnonzero(who), 1 + (rng.random(int(who.sum())) < 0.5))
    date = between(rng, ACTIVITY_FIRST, ACTIVITY_LAST, person.size)
    return _scores(person, date, np.full(person.size, NRS_INT), tenths(rng.normal(5.0, 2.5, person.size)))


def _leg_scores(rng: Rng, back: Rows) -> Rows:
    # Leg pain taken alongside, on the same instrument: never counts for this measure.
    keep = rng.random(back["person"].size) < 0.6
    value = np.clip(back["value"][keep] + np.rint(rng.normal(-5, 15, keep.sum())).astype(np.int64), 0, 100)
    return part(
        PAIN_KEYS,
        int(keep.sum()),
        person=back["person"][keep],
        date=back["date"][keep],
        site=LEG,
        kind=back["kind"][keep],
        value=value,
    )
