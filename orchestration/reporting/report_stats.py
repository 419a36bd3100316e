"""The numbers behind report.html, as plain values: rows of the summary mart per stratum and
payer, per-NPI counts and score pairs from the episodes mart, trend series, quarantine totals.

Every count and rate shown next to a payer comes from `marts.measure_summary` unchanged; this
module only adds what the mart does not hold: Wilson intervals, funnel limits and the per-NPI
tallies (the funnel needs every rendering NPI, whatever TIN billed it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orchestration.reporting.facts import (
    Row,
    common_title,
    count,
    headline_measure_id,
    iso,
    rate,
    with_measure_id,
)

# Outcomes that are in the eligible population (the denominator): met, not met, not measured.
ELIGIBLE_OUTCOMES = ("met", "not_met", "not_measured")
Z95 = 1.959964  # two-sided 95 %
Z998 = 3.090232  # two-sided 99.8 %, the funnel plot's outer limits


def wilson(met: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of met/n; it stays inside [0, 1] and is sensible for small n,
    which the normal (Wald) interval is not."""
    if n <= 0:
        return None
    p = met / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def funnel_limits(target: float, n: float, z: float) -> tuple[float, float]:
    """Normal-approximation control limits around `target` for volume n, clipped to [0, 1]."""
    half = z * math.sqrt(target * (1 - target) / n)
    return max(0.0, target - half), min(1.0, target + half)


@dataclass(frozen=True)
class PayerRate:
    """One payer (or all payers) in one stratum, as the summary mart has it."""

    level_id: str
    label: str
    episodes: int
    pending: int
    excluded: int
    eligible: int
    met: int
    not_measured: int
    performance_rate: float | None
    ready: bool

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.met, self.eligible)

    @property
    def not_measured_share(self) -> float | None:
        """Share of the eligible population without a follow-up score (not measured)."""
        return None if self.eligible == 0 else self.not_measured / self.eligible


@dataclass(frozen=True)
class NpiRate:
    npi: str
    eligible: int
    met: int

    @property
    def rate(self) -> float:
        return self.met / self.eligible


def summary_index(summary_rows: Iterable[Row], performance_year: int) -> dict[tuple[str, str, str], Row]:
    """(level, level_id, stratum) -> row, for the run's performance year only."""
    return {
        (row["level"], str(row["level_id"]), row["stratum"]): row
        for row in summary_rows
        if count(row["performance_year"]) == performance_year
    }


def payer_rate(row: Row | None, level_id: str, label: str) -> PayerRate:
    """A missing row means no episodes (the mart writes zeros, but be safe for other levels)."""
    value = row or {}
    return PayerRate(
        level_id=level_id,
        label=label,
        episodes=count(value.get("episodes")),
        pending=count(value.get("pending")),
        excluded=count(value.get("excluded")),
        eligible=count(value.get("eligible_population")),
        met=count(value.get("performance_met")),
        not_measured=count(value.get("not_measured")),
        performance_rate=rate(value.get("performance_rate")),
        ready=bool(value.get("ready", True)),
    )


def payer_rates(
    index: Mapping[tuple[str, str, str], Row], stratum: str, payer_names: Mapping[str, str]
) -> list[PayerRate]:
    """Every payer of the mart in key order, then all payers (which include unmapped ones)."""
    payers = sorted({level_id for level, level_id, _ in index if level == "payer"})
    rows = [payer_rate(index.get(("payer", p, stratum)), p, payer_names.get(p, p)) for p in payers]
    return [*rows, payer_rate(index.get(("all_payers", "all", stratum)), "all", "All payers")]


def eligible_episodes(episode_rows: Iterable[Row], stratum: str, performance_year: int) -> list[Row]:
    return [
        row
        for row in episode_rows
        if row["stratum"] == stratum
        and row["outcome"] in ELIGIBLE_OUTCOMES
        and count(row["performance_year"]) == performance_year
    ]


def npi_rates(episodes: Iterable[Row]) -> list[NpiRate]:
    """Eligible episodes and met per rendering NPI; episodes without an NPI are left out."""
    eligible: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for row in episodes:
        npi = row.get("rendering_npi")
        if npi:
            eligible[str(npi)] += 1
            met[str(npi)] += row["outcome"] == "met"
    return [NpiRate(npi, eligible[npi], met[npi]) for npi in sorted(eligible)]


def score_pairs(episodes: Iterable[Row]) -> Counter[tuple[float, float]]:
    """(baseline, follow-up) score pairs with how many episodes share each; only the scores
    leave this function, so no identifier or date of a person reaches the page."""
    pairs: Counter[tuple[float, float]] = Counter()
    for row in episodes:
        baseline, follow_up = row.get("baseline_score"), row.get("followup_score")
        if baseline is not None and follow_up is not None:
            pairs[(float(baseline), float(follow_up))] += 1
    return pairs


def pair_counts(
    pairs: Mapping[tuple[float, float], int], met_max: float, improvement_min: float
) -> dict[str, int]:
    """How the pairs fall against the two met rules (either rule suffices)."""
    by_score = sum(n for (_, f), n in pairs.items() if f <= met_max)
    by_improvement = sum(n for (b, f), n in pairs.items() if f > met_max and b - f >= improvement_min)
    total = sum(pairs.values())
    return {
        "pairs": total,
        "met_by_score": by_score,
        "met_by_improvement": by_improvement,
        "neither": total - by_score - by_improvement,
    }


def trend_series(
    history_rows: Iterable[Row],
    current: Mapping[tuple[str, str, str], Row],
    stratum: str,
    performance_year: int,
) -> dict[str, list[tuple[str, float | None, int]]]:
    """level_id -> [(as_of_date, rate, eligible)] by date, for payers and all payers. The
    current run's rows win over a history row of the same as-of date (history may hold it)."""
    points: dict[tuple[str, str], tuple[float | None, int]] = {}
    current_rows = [row for (_, _, s), row in current.items() if s == stratum]
    for row in [*history_rows, *current_rows]:
        year = row.get("performance_year")
        if row["stratum"] != stratum or row["level"] not in ("payer", "all_payers"):
            continue
        if year is not None and count(year) != performance_year:
            continue
        key = (str(row["level_id"]), iso(row["as_of_date"]))
        points[key] = (rate(row["performance_rate"]), count(row["eligible_population"]))
    series: dict[str, list[tuple[str, float | None, int]]] = {}
    for (level_id, as_of), (value, eligible) in sorted(points.items()):
        series.setdefault(level_id, []).append((as_of, value, eligible))
    return series


def quarantine_totals(
    quarantine_rows: Iterable[Row],
) -> tuple[list[tuple[str, str, str, int]], dict[str, int]]:
    """The quarantine rows sorted (table, reason, column) and the row total per reason."""
    rows = sorted(
        (str(r["table_name"]), str(r["reason"]), str(r.get("column_name") or ""), count(r["rows"]))
        for r in quarantine_rows
    )
    totals: Counter[str] = Counter()
    for _, reason, _, n in rows:
        totals[reason] += n
    return rows, dict(sorted(totals.items()))


@dataclass(frozen=True)
class MeasureInfo:
    """One measure of the family as the definition mart describes it: id, title, its strata
    with a label each (by name), and its met rule when the mart holds it."""

    measure_id: str
    title: str
    strata: dict[str, str]
    followup_met_max: float | None
    improvement_met_min: float | None


def stratum_label(stratum_title: str, measure_title: str, stratum: str) -> str:
    """'Back Pain ... (lumbar fusion stratum)' -> 'Lumbar fusion stratum'; a title without a
    qualifier: the stratum's name."""
    rest = stratum_title.removeprefix(measure_title).strip()
    if rest.startswith("(") and rest.endswith(")"):
        text = rest[1:-1].strip()
        return text[:1].upper() + text[1:]
    return stratum


def measures_of(definition_rows: Iterable[Row]) -> tuple[str, dict[str, MeasureInfo]]:
    """The headline measure's id and every measure of the definition mart, by id."""
    rows = list(definition_rows)
    by_measure: dict[str, list[Row]] = {}
    for row in rows:
        by_measure.setdefault(str(row["measure_id"]), []).append(row)
    measures = {}
    for measure_id, mine in sorted(by_measure.items()):
        title = common_title(r["measure_title"] for r in mine)
        first = mine[0]
        measures[measure_id] = MeasureInfo(
            measure_id=measure_id,
            title=title,
            strata={
                r["stratum"]: stratum_label(r["measure_title"], title, r["stratum"])
                for r in sorted(mine, key=lambda r: r["stratum"])
            },
            followup_met_max=None
            if first.get("followup_met_max") is None
            else float(first["followup_met_max"]),
            improvement_met_min=(
                None if first.get("improvement_met_min") is None else float(first["improvement_met_min"])
            ),
        )
    return headline_measure_id(rows), measures


def rows_of_measure(rows: Iterable[Row], measure_id: str, headline: str) -> list[Row]:
    """The rows of one measure; rows without `measure_id` (marts built before the family) are
    the headline measure's."""
    return [row for row in with_measure_id(rows, headline) if str(row["measure_id"]) == measure_id]
