"""The plots of report.html as inline SVG strings, drawn with matplotlib's object API (no
pyplot: no global figure state, no GUI backend) and made byte-deterministic.

matplotlib's SVG carries a creation date, a creator URL, an XML prologue and ids made from a
random salt; each is removed or fixed here, so that the same rows give the same page and the
page names no address outside itself. Text stays text (`svg.fonttype: none`): smaller, sharp
and readable by a screen reader; the page's CSS names the fonts, so nothing is fetched.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from orchestration.reporting.report_stats import (
    Z95,
    Z998,
    NpiRate,
    PayerRate,
    funnel_limits,
)

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, GREY, VERMILION = "#0072B2", "#E69F00", "#009E73", "#6b6b6b", "#D55E00"
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasSVG(figure)
    return figure, figure.add_subplot()


def draw(key: str, title: str, width: float, height: float, paint: Callable[[Axes], None]) -> str:
    """Run `paint(axes)` on a new figure and return its cleaned inline SVG; `title` becomes its
    <title> (the page shows it as a heading, where a long title wraps instead of being cut)."""
    # The salt keys matplotlib's clip-path and marker ids: fixed per plot, so the bytes repeat
    # and two plots on one page never share an id.
    with matplotlib.rc_context({**RC, "svg.hashsalt": f"g2139-{key}"}):
        figure, axes = new_figure(width, height)
        paint(axes)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return clean_svg(buffer.getvalue(), key, title)


def clean_svg(svg: str, key: str, title: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    # HTML parses inline SVG in its own namespace; the declarations are the only URLs left.
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    # Element ids (figure_1, axes_1...) repeat in every figure; prefix them to keep them unique.
    svg = re.sub(r'id="([^"]+)"', rf'id="{key}-\1"', svg)
    svg = re.sub(r'(href="#|url\(#)([^")]+)', rf"\g<1>{key}-\2", svg)
    label = f"{key}-title"
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{label}" ',
        1,
    ).replace(">", f'>\n <title id="{label}">{escape(title)}</title>', 1)


def percent_axis(axes: Axes, axis: str = "x") -> None:
    formatter = PercentFormatter(xmax=1.0, decimals=0)
    (axes.xaxis if axis == "x" else axes.yaxis).set_major_formatter(formatter)


def payer_plot(
    key: str,
    title: str,
    rates: Sequence[PayerRate],
    xlabel: str,
    mark: Callable[[Axes, float, PayerRate], bool],
) -> str:
    """One row per payer on a 0-100 % axis; `mark` draws a payer's row and returns False when
    there is nothing to draw, and the row then says 'no eligible episodes', so that its absence
    is visible rather than blank."""

    def paint(axes: Axes) -> None:
        positions = list(range(len(rates)))[::-1]
        for y, r in zip(positions, rates, strict=True):
            if not mark(axes, y, r):
                axes.text(0.01, y, "no eligible episodes", va="center", color=GREY, fontsize=9)
        axes.set_yticks(positions, [r.label for r in rates])
        axes.set_xlim(0, 1)
        percent_axis(axes)
        axes.set_xlabel(xlabel)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)

    return draw(key, title, 6.4, 0.45 * len(rates) + 1.3, paint)


def payer_rate_plot(key: str, title: str, rates: Sequence[PayerRate]) -> str:
    """Dot per payer with its 95 % Wilson interval."""

    def mark(axes: Axes, y: float, r: PayerRate) -> bool:
        interval = r.interval
        if r.performance_rate is None or interval is None:
            return False
        colour = GREY if r.level_id == "all" else BLUE
        axes.plot(interval, (y, y), color=colour, linewidth=2.2, solid_capstyle="butt")
        axes.plot(r.performance_rate, y, "o", color=colour, markersize=7)
        return True

    return payer_plot(key, title, rates, "Performance rate (met / eligible) with 95 % Wilson interval", mark)


def funnel_plot(key: str, title: str, npis: Sequence[NpiRate], target: float | None) -> str:
    """Rate per NPI against its eligible volume, with 95 % and 99.8 % limits around `target`."""

    def paint(axes: Axes) -> None:
        largest = max((n.eligible for n in npis), default=1)
        if target is not None:
            volumes = [1 + (largest * 1.1 - 1) * i / 199 for i in range(200)]
            for z, style, label in ((Z95, "--", "95 % limits"), (Z998, ":", "99.8 % limits")):
                limits = [funnel_limits(target, v, z) for v in volumes]
                axes.plot(volumes, [lo for lo, _ in limits], style, color=GREY, linewidth=1, label=label)
                axes.plot(volumes, [hi for _, hi in limits], style, color=GREY, linewidth=1)
            axes.axhline(target, color=VERMILION, linewidth=1.2, label=f"stratum rate {target:.1%}")
        axes.plot([n.eligible for n in npis], [n.rate for n in npis], "o", color=BLUE,
                  markersize=6, alpha=0.85, label="rendering NPI")  # fmt: skip
        axes.set_xlim(0, largest * 1.1 + 0.5)
        axes.set_ylim(-0.02, 1.02)
        percent_axis(axes, "y")
        axes.set_xlabel("Eligible episodes of the NPI (volume)")
        axes.set_ylabel("Performance rate")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=8, frameon=False)

    return draw(key, title, 6.4, 4.0, paint)


def score_pair_plot(
    key: str,
    title: str,
    pairs: Mapping[tuple[float, float], int],
    met_max: float,
    improvement_min: float,
    follow_up: str,
) -> str:
    """Baseline against follow-up score; identical pairs are one dot sized by their number."""

    def paint(axes: Axes) -> None:
        axes.axhspan(0, met_max, color=GREEN, alpha=0.08, linewidth=0)
        axes.axhline(
            met_max, color=GREEN, linewidth=1.2, label=f"follow-up score {met_max:g} (met at or below)"
        )
        axes.plot((improvement_min, 10), (0, 10 - improvement_min), "--", color=ORANGE, linewidth=1.2,
                  label=f"improvement {improvement_min:g} (met at or below)")  # fmt: skip
        points = sorted(pairs.items())
        axes.scatter([b for (b, _), _ in points], [f for (_, f), _ in points],
                     s=[14 + 10 * n for _, n in points], color=BLUE, alpha=0.55, linewidths=0)  # fmt: skip
        # A little margin, so that dots on a score of 0 or 10 are not cut in half.
        axes.set_xlim(-0.3, 10.3)
        axes.set_ylim(-0.3, 10.3)
        axes.set_xticks(range(0, 11, 2))
        axes.set_yticks(range(0, 11, 2))
        axes.set_aspect("equal")
        axes.set_xlabel("Baseline score (0-10)")
        axes.set_ylabel(f"{follow_up} score (0-10)")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, fontsize=8, frameon=False)

    return draw(key, title, 4.4, 5.0, paint)


def share_plot(key: str, title: str, rates: Sequence[PayerRate]) -> str:
    """Share of the eligible population not measured (no follow-up score), per payer."""

    def mark(axes: Axes, y: float, r: PayerRate) -> bool:
        share = r.not_measured_share
        if share is None:
            return False
        axes.barh(y, share, color=GREY if r.level_id == "all" else ORANGE, height=0.6)
        # The value beside the bar, so that a share of zero is seen as zero, not as missing.
        axes.text(share + 0.01, y, f"{share:.1%}", va="center", fontsize=9)
        return True

    return payer_plot(key, title, rates, "Not measured / eligible population", mark)


def trend_plot(key: str, title: str, series: Mapping[str, Sequence[tuple[str, float | None, int]]],
               labels: Mapping[str, str]) -> str:  # fmt: skip
    """Performance rate per as-of date, one line per payer; a date without a rate is a gap."""

    def paint(axes: Axes) -> None:
        dates = sorted({as_of for points in series.values() for as_of, _, _ in points})
        position = {as_of: i for i, as_of in enumerate(dates)}
        for i, (level_id, points) in enumerate(series.items()):
            # A payer without any rate would only add a legend entry with nothing drawn.
            if all(value is None for _, value, _ in points):
                continue
            xs = [position[as_of] for as_of, _, _ in points]
            ys = [float("nan") if value is None else value for _, value, _ in points]
            colour = "#333333" if level_id == "all" else SERIES_COLOURS[i % len(SERIES_COLOURS)]
            axes.plot(xs, ys, "o-", color=colour, linewidth=2.6 if level_id == "all" else 1.4,
                      markersize=4, label=labels.get(level_id, level_id))  # fmt: skip
        axes.set_xticks(range(len(dates)), dates)
        axes.set_ylim(-0.02, 1.02)
        percent_axis(axes, "y")
        axes.set_xlabel("As-of date of the run")
        axes.set_ylabel("Performance rate")
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)

    return draw(key, title, 6.4, 3.4, paint)


def quarantine_plot(key: str, title: str, totals: Mapping[str, int]) -> str:
    def paint(axes: Axes) -> None:
        reasons = list(totals)
        positions = list(range(len(reasons)))[::-1]
        axes.barh(positions, [totals[r] for r in reasons], color=VERMILION, height=0.5)
        axes.set_yticks(positions, reasons)
        axes.set_xlabel("Quarantined rows")
        axes.xaxis.get_major_locator().set_params(integer=True)

    return draw(key, title, 6.4, 0.45 * max(len(totals), 1) + 1.3, paint)
