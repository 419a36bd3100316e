"""report.html: one self-contained page to look at a publication, as a pure function of rows.

Input (lists of dicts, column name -> value):
- `marts.measure_summary` rows of this run (payer and all_payers levels are read), every
  measure of the family by `measure_id`;
- `marts.measure_definition` rows: measure ids, titles, strata (and met rules when present);
- episode rows of every measure: measure_id, stratum, performance_year, outcome, rendering_npi,
  baseline_score, followup_score (nothing else is read, so no person id or date can reach
  the page);
- `marts.quarantine_summary` rows: table_name, reason, column_name, rows;
- measure_summary rows of earlier runs (as_of_date, level, level_id, stratum, performance_rate,
  eligible_population, performance_year), for the trends.

Rows without `measure_id` (marts built before the family) are the headline measure's.

Output: UTF-8 bytes of one HTML page: inline CSS, plots as inline SVG, no script, no font or
image fetched, no clock; a section per measure, in it a part per stratum. Every number in a
payer table is the summary mart's own value; each numeric cell also carries it unformatted in
`data-value`, so a test can compare exactly.

    html = build_report(summary_rows, definition_rows, episode_rows, quarantine_rows, history_rows,
                        performance_year=2025, as_of_date=date(2026, 3, 1),
                        met_max_score=3.0, improvement_min=5.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from html import escape

from orchestration.reporting import report_plots as plots
from orchestration.reporting.facts import Row, iso
from orchestration.reporting.report_html import Cell, figure_block, number, page, percent, table, text
from orchestration.reporting.report_stats import (
    Z95,
    Z998,
    MeasureInfo,
    PayerRate,
    eligible_episodes,
    funnel_limits,
    measures_of,
    npi_rates,
    pair_counts,
    payer_rates,
    quarantine_totals,
    rows_of_measure,
    score_pairs,
    summary_index,
    trend_series,
)


def build_report(
    summary_rows: Iterable[Row],
    definition_rows: Iterable[Row],
    episode_rows: Iterable[Row],
    quarantine_rows: Iterable[Row],
    history_rows: Iterable[Row],
    *,
    performance_year: int,
    as_of_date: date | str,
    met_max_score: float,
    improvement_min: float,
    payer_names: Mapping[str, str] | None = None,
) -> bytes:
    """report.html. `met_max_score` and `improvement_min` are the headline measure's met rule
    (dbt vars one_year_met_max_score and improvement_met_min), used for a measure whose
    definition rows do not carry their own (drawn as the score-pair plot's lines)."""
    headline, measures = measures_of(definition_rows)
    summary, episodes, history = list(summary_rows), list(episode_rows), list(history_rows)
    names = dict(payer_names or {})
    sections, statuses = [], []
    for measure in measures.values():
        index = summary_index(rows_of_measure(summary, measure.measure_id, headline), performance_year)
        if ("all_payers", "all", "overall") not in index:
            raise ValueError(
                f"measure_summary has no all_payers row of measure {measure.measure_id} "
                f"for {performance_year}"
            )
        rules = (
            measure.followup_met_max if measure.followup_met_max is not None else met_max_score,
            measure.improvement_met_min if measure.improvement_met_min is not None else improvement_min,
        )
        mine = rows_of_measure(episodes, measure.measure_id, headline)
        past = rows_of_measure(history, measure.measure_id, headline)
        sections.append(measure_section(measure, index, mine, past, performance_year, names, rules))
        statuses.append((measure, index[("all_payers", "all", "overall")]))
    title = "MIPS quality measures " + ", ".join(f"#{m.measure_id}" for m in measures.values())
    header = header_block(title, performance_year, iso(as_of_date), statuses)
    body = "\n".join([header, *sections, quarantine_section(quarantine_rows), notes_block()])
    return page(f"{title}: PY {performance_year}", body).encode("utf-8")


def header_block(
    title: str, performance_year: int, as_of_date: str, statuses: list[tuple[MeasureInfo, Row]]
) -> str:
    pending = [(m, int(overall["pending"])) for m, overall in statuses if not bool(overall["ready"])]
    if not pending:
        status = '<span class="badge ready">Ready: no episode is pending</span>'
    else:
        counts = ", ".join(f"#{m.measure_id} {n}" for m, n in pending)
        status = (
            f'<span class="badge pending">Pending: {counts} episode(s) still inside their follow-up '
            "window</span>"
        )
    contents = "".join(
        f'<li><a href="#measure-{m.measure_id}">#{m.measure_id} {escape(m.title)}</a></li>'
        for m, _ in statuses
    )
    return (
        f"<header><h1>{escape(title)}</h1>\n"
        f'<dl class="facts"><dt>Performance year</dt><dd>{performance_year}</dd>'
        f"<dt>As-of date</dt><dd>{escape(as_of_date)}</dd>"
        f'<dt>Status</dt><dd>{status}</dd></dl>\n<ul class="contents">{contents}</ul></header>'
    )


def measure_section(
    measure: MeasureInfo,
    index: Mapping[tuple[str, str, str], Row],
    episodes: list[Row],
    history: list[Row],
    performance_year: int,
    names: Mapping[str, str],
    rules: tuple[float, float],
) -> str:
    met_max, improvement_min = rules
    overall = index[("all_payers", "all", "overall")]
    rate = overall["performance_rate"]
    shown = "no eligible episodes" if rate is None else f"{float(rate):.1%}"
    parts = [
        f'<section id="measure-{measure.measure_id}"><h2>#{measure.measure_id} {escape(measure.title)}</h2>',
        f'<p class="rule">Met when the follow-up value is at most {met_max:g} or improves on the '
        f"preoperative value by at least {improvement_min:g}. Overall rate over all payers "
        f'(weighted average of the strata): <strong data-value="{"" if rate is None else rate}">'
        f"{shown}</strong>.</p>",
    ]
    for stratum, label in measure.strata.items():
        parts.append(
            stratum_section(
                f"{measure.measure_id}-{stratum}",
                stratum,
                label,
                index,
                episodes,
                history,
                performance_year,
                names,
                rules,
            )  # fmt: skip
        )
    parts.append("</section>")
    return "\n".join(parts)


def stratum_section(
    key: str,
    stratum: str,
    label: str,
    index: Mapping[tuple[str, str, str], Row],
    episodes: list[Row],
    history: list[Row],
    performance_year: int,
    names: Mapping[str, str],
    rules: tuple[float, float],
) -> str:
    rates = payer_rates(index, stratum, names)
    eligible = eligible_episodes(episodes, stratum, performance_year)
    total = rates[-1]
    state = "ready" if total.ready else f"{total.pending} pending"
    parts = [
        f'<div class="stratum" id="{key}">'
        f"<h3>{escape(label)} <small>({escape(stratum)}, {state})</small></h3>",
        rate_block(key, label, rates),
        funnel_block(key, label, eligible, total.performance_rate),
        score_block(key, label, eligible, rules),
        not_measured_block(key, label, rates),
        trend_block(key, stratum, label, history, index, performance_year, rates),
        "</div>",
    ]
    return "\n".join(parts)


def rate_block(key: str, label: str, rates: list[PayerRate]) -> str:
    rows = []
    for r in rates:
        interval = r.interval
        rows.append((r.level_id, [
            text(r.label), number(r.episodes), number(r.pending), number(r.excluded),
            number(r.eligible), number(r.met), percent(r.performance_rate, exact=True),
            percent(interval and interval[0]), percent(interval and interval[1]),
            text("yes" if r.ready else "no"),
        ]))  # fmt: skip
    headers = ["Payer", "Episodes", "Pending", "Excluded", "Eligible", "Met", "Rate", "95 % low",
               "95 % high", "Ready"]  # fmt: skip
    title = f"{label}: performance rate per payer (95 % Wilson interval)"
    return figure_block(
        title,
        plots.payer_rate_plot(f"rate-{key}", title, rates),
        table(f"rates-{key}", "Performance rate per payer", headers, rows),
        "Rate = met / eligible population, from the summary mart. All payers includes episodes "
        "of payers not mapped to one of the five.",
        wide_table=True,
    )


def funnel_block(key: str, label: str, eligible: list[Row], target: float | None) -> str:
    npis = npi_rates(eligible)
    rows = []
    for n in npis:
        rows.append((n.npi, [text(n.npi), number(n.eligible), number(n.met), percent(n.rate),
                             text(funnel_position(n.rate, n.eligible, target))]))  # fmt: skip
    centre = "no eligible episodes" if target is None else f"{target:.1%}"
    title = f"{label}: funnel plot of the rate per rendering NPI (centre {centre})"
    return figure_block(
        title,
        plots.funnel_plot(f"funnel-{key}", title, npis, target),
        table(f"npi-{key}", "Rate per rendering NPI", ["NPI", "Eligible", "Met", "Rate", "Position"], rows),
        "Eligible episodes of the payer feeds per rendering NPI; the centre line is the stratum's "
        "rate over all payers. Limits: normal approximation, 95 % and 99.8 %.",
        collapse_table=len(rows) > 12,
    )


def funnel_position(value: float, volume: int, target: float | None) -> str:
    if target is None:
        return "-"
    low95, high95 = funnel_limits(target, volume, Z95)
    low998, high998 = funnel_limits(target, volume, Z998)
    if value < low998 or value > high998:
        return "outside 99.8 %"
    if value < low95 or value > high95:
        return "outside 95 %"
    return "within"


def score_block(key: str, label: str, eligible: list[Row], rules: tuple[float, float]) -> str:
    met_max, improvement_min = rules
    pairs = score_pairs(eligible)
    counts = pair_counts(pairs, met_max, improvement_min)
    follow_up = "Follow-up"
    headers = [
        "Score pairs",
        f"Follow-up ≤ {met_max:g}",
        f"Improvement ≥ {improvement_min:g} only",
        "Neither",
    ]
    rows = [
        ("pairs", [number(counts[k]) for k in ("pairs", "met_by_score", "met_by_improvement", "neither")])
    ]
    title = f"{label}: baseline against {follow_up.lower()} score"
    return figure_block(
        title,
        plots.score_pair_plot(f"scores-{key}", title, pairs, met_max, improvement_min, follow_up),
        table(f"scores-{key}", "Score pairs against the met rules", headers, rows),
        "Eligible episodes with both scores. Met when the follow-up score is at or below the "
        "solid line or the improvement reaches the dashed line. Larger dots are several "
        "episodes with the same pair.",
    )


def not_measured_block(key: str, label: str, rates: list[PayerRate]) -> str:
    rows = [
        (
            r.level_id,
            [text(r.label), number(r.eligible), number(r.not_measured), percent(r.not_measured_share)],
        )
        for r in rates
    ]
    title = f"{label}: share not measured per payer"
    return figure_block(
        title,
        plots.share_plot(f"notmeasured-{key}", title, rates),
        table(
            f"notmeasured-{key}",
            "Not measured per payer",
            ["Payer", "Eligible", "Not measured", "Share"],
            rows,
        ),  # fmt: skip
        "Not measured: no follow-up score in the window; counted as not met.",
    )


def trend_block(
    key: str,
    stratum: str,
    label: str,
    history: list[Row],
    index: Mapping[tuple[str, str, str], Row],
    performance_year: int,
    rates: list[PayerRate],
) -> str:
    series = trend_series(history, index, stratum, performance_year)
    dates = sorted({as_of for points in series.values() for as_of, _, _ in points})
    if len(dates) < 2:
        return (f'<p class="empty" id="trend-{key}">No history yet: trends appear once the '
                "warehouse holds more than one as-of date of this performance year.</p>")  # fmt: skip
    labels = {r.level_id: r.label for r in rates}
    order = [r.level_id for r in rates if r.level_id in series]
    values = {level_id: {as_of: value for as_of, value, _ in series[level_id]} for level_id in order}
    # Payers as rows and dates as columns: dates are short headers, payer names are not.
    rows = [
        (
            level_id,
            [text(labels[level_id]), *(percent(values[level_id].get(as_of), exact=True) for as_of in dates)],
        )
        for level_id in order
    ]
    title = f"{label}: performance rate per as-of date"
    return figure_block(
        title,
        plots.trend_plot(f"trend-{key}", title, {level_id: series[level_id] for level_id in order}, labels),
        table(f"trend-{key}", "Performance rate per as-of date", ["Payer", *dates], rows),  # fmt: skip
        "Runs of this performance year; a missing point had no eligible episode.",
    )


def quarantine_section(quarantine_rows: Iterable[Row]) -> str:
    rows, totals = quarantine_totals(quarantine_rows)
    head = '<section id="quarantine"><h2>Quarantine by reason</h2>'
    if not rows:
        return head + '<p class="empty">No landing row was quarantined.</p></section>'
    cells: list[tuple[str, list[Cell]]] = [
        (f"{t}/{r}/{c}", [text(t), text(r), text(c or "-"), number(n)]) for t, r, c, n in rows
    ]
    title = "Quarantined landing rows by reason"
    block = figure_block(
        title,
        plots.quarantine_plot("quarantine", title, totals),
        table("quarantine", "Quarantined rows", ["Table", "Reason", "Column", "Rows"], cells),
        "Rows set aside at load, all strata and payers together.",
    )
    return f"{head}\n{block}</section>"


def notes_block() -> str:
    return (
        "<footer><p>Intervals: Wilson score, 95 %. Funnel limits use the normal approximation "
        "around the stratum rate. The page shows counts, rates, provider NPIs and score pairs "
        "only: no person, member or date of an individual.</p></footer>"
    )
