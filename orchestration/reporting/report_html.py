"""HTML pieces of report.html: cells, tables, figure blocks and the page with its inline CSS.

Tables carry a caption and header cells with scope, so a screen reader can name every number;
numeric cells keep their exact value in `data-value` next to the rounded one shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

NULL = "–"


@dataclass(frozen=True)
class Cell:
    shown: str
    value: str | None = None  # exact value for machines; None for text cells
    numeric: bool = False


def text(value: str) -> Cell:
    return Cell(value)


def number(value: int) -> Cell:
    return Cell(str(value), str(value), numeric=True)


def percent(value: float | None, exact: bool = False) -> Cell:
    """A rate shown as a percentage with one decimal; `exact` keeps the mart's six decimals in
    data-value (rates from the summary mart), otherwise four (derived values)."""
    if value is None:
        return Cell(NULL, "", numeric=True)
    # A narrow no-break space keeps "48.0 %" on one line.
    return Cell(f"{value * 100:.1f}\u202f%", f"{value:.{6 if exact else 4}f}", numeric=True)


def table(
    table_id: str, caption: str, headers: Sequence[str], rows: Sequence[tuple[str, Sequence[Cell]]]
) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = []
    for row_id, cells in rows:
        first, *rest = cells
        tds = "".join(cell_html(c) for c in rest)
        body.append(f'<tr data-id="{escape(row_id)}"><th scope="row">{escape(first.shown)}</th>{tds}</tr>')
    return (
        f'<table id="table-{escape(table_id)}"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def cell_html(cell: Cell) -> str:
    if cell.value is None:
        return f"<td>{escape(cell.shown)}</td>"
    return f'<td class="num" data-value="{escape(cell.value)}">{escape(cell.shown)}</td>'


def figure_block(
    title: str, svg: str, table_html: str, note: str, collapse_table: bool = False, wide_table: bool = False
) -> str:
    """A titled plot beside its table; a long table folds into <details> so the plots stay in
    view, a table with many columns gets the larger share of the width."""
    if collapse_table:
        table_html = f"<details><summary>Show the table</summary>{table_html}</details>"
    block = "block wide" if wide_table else "block"
    return (
        f"<h4>{escape(title)}</h4>"
        f'<div class="{block}"><figure>{svg}<figcaption>{escape(note)}</figcaption></figure>'
        f'<div class="table">{table_html}</div></div>'
    )


CSS = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5b5b60; --line: #d9d9de; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px; color: var(--ink);
  font: 15px/1.5 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; background: #fff; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 26px 0 4px; }
h4 { font-size: 15px; margin: 20px 0 4px; }
.contents { margin: 8px 0 0; padding-left: 20px; } .rule { color: var(--muted); }
h2 small, h3 small { font-size: 14px; font-weight: normal; color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0; }
.facts dt { color: var(--muted); } .facts dt::after { content: ":"; }
.facts dd { margin: 0 0 0 -18px; font-weight: bold; }
.badge { padding: 1px 8px; border-radius: 4px; }
.ready { background: #dff3e8; color: #0b5d33; } .pending { background: #fdebd3; color: #7a4100; }
.block { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 20px;
  align-items: start; margin: 18px 0 8px; }
.block.wide { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
.table { overflow-x: auto; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
th, td { padding: 3px 5px; border-bottom: 1px solid var(--line); text-align: left; }
thead th { border-bottom: 2px solid var(--ink); vertical-align: bottom; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 36px; font-size: 13px; color: var(--muted); }
@media (max-width: 900px) { .block, .block.wide { grid-template-columns: 1fr; } }
@media print { h2 { break-before: page; } .block { break-inside: avoid; } }
"""


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
