"""The SQL that types a staged landing file and names the first problem of each unusable row.

A staged file (temp table ``_staged``) has every value as text; ``headers`` maps
each known column to the staged column holding it. Values are typed strictly:
nothing is rounded, guessed or read in another base (data contract, "Bad input").
"""

from __future__ import annotations

import duckdb

from orchestration.ingest.landing_spec import SQL_TYPES, Column, TableSpec

# Plain base-10 literals only: `9.6` is no integer, `0xA` and `1e1` are no numbers, and a
# decimal never has more places than the raw column keeps (its trailing zeros aside).
NUMBER_PATTERNS = {
    "integer": r"[+-]?0*[0-9]{1,9}",
    "decimal": r"[+-]?0*[0-9]{1,12}(\.[0-9]{1,6}0*)?",
}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(source: str | None) -> str:
    return f"nullif(trim({quote(source)}), '')" if source else "cast(null as varchar)"


def _typed(column: Column, source: str | None) -> str:
    text = _text(source)
    if column.kind == "text":
        return text
    if column.kind == "date":
        # ISO 8601 date, or a timestamp whose date part is used (data contract). Plain
        # string tests rather than a regular expression: this runs on every row.
        return (
            f"case when length({text}) >= 10 and substr({text}, 5, 1) = '-' and substr({text}, 8, 1) = '-' "
            f"and (length({text}) = 10 or substr({text}, 11, 1) in ('T', ' ')) "
            f"then try_cast(substr({text}, 1, 10) as date) end"
        )
    pattern = literal(NUMBER_PATTERNS[column.kind])
    typed = f"try_cast({text} as {SQL_TYPES[column.kind]})"
    return f"case when regexp_full_match({text}, {pattern}) then {typed} end"


def _problem(reason: str, column: str) -> str:
    return f"{{'reason': {literal(reason)}, 'column': {literal(column)}}}"


def _text_alias(column: Column) -> str:
    return quote(column.name if column.kind == "text" else f"_text_{column.name}")


def _problem_case(spec: TableSpec) -> str:
    """The first reason a typed row is unusable, as {reason, column}; null when usable.

    Order matters only for which reason is reported: missing values first, then
    values that do not parse, then the table's own rules (which assume parsed values).
    """
    branches = [
        f"when {_text_alias(c)} is null then {_problem('missing_required_value', c.name)}"
        for c in spec.columns
        if c.required
    ]
    branches += [
        f"when {_text_alias(c)} is not null and {quote(c.name)} is null then "
        f"{_problem('unparseable_date' if c.kind == 'date' else 'unparseable_number', c.name)}"
        for c in spec.columns
        if c.kind != "text"
    ]
    branches += [f"when {cond} then {_problem(r, col)}" for r, col, cond in spec.rules]
    return "case " + " ".join(branches) + " end"


def typed_select(spec: TableSpec, headers: dict[str, str], with_text: bool) -> str:
    """``_staged`` with its known columns typed, numbered by position in the file.

    Only the columns the file has are typed: absent optional columns stay null in raw.
    """
    present = [c for c in spec.columns if c.name in headers]
    projections = [f"{_typed(c, headers[c.name])} as {quote(c.name)}" for c in present]
    if with_text:
        projections += [f"{_text(headers[c.name])} as {_text_alias(c)}" for c in present if c.kind != "text"]
    return f"select rowid + 1 as _row_number, {', '.join(projections)} from _staged"


def find_problems(con: duckdb.DuckDBPyConnection, spec: TableSpec, headers: dict[str, str]) -> None:
    """Temp table ``_problems``: the number and first problem of every unusable row.

    Rows the CSV reading already found unreadable (``_unreadable``) are not typed.
    Only the (few) unusable rows are kept; usable rows are typed again on insert,
    which is cheaper than materialising a typed copy of the whole file.
    """
    # Required columns are always present (checked before), so the table's rules can run.
    checked = TableSpec(spec.name, tuple(c for c in spec.columns if c.name in headers), spec.rules)
    con.execute("drop table if exists _problems")
    con.execute(
        f"""create temp table _problems as
        select _row_number, {_problem_case(checked)} as _problem
        from ({typed_select(spec, headers, with_text=True)})
        where _problem is not null and _row_number not in (select _row_number from _unreadable)"""
    )


def row_as_json(names: dict[str, str]) -> str:
    """A staged row as a JSON object keyed by the file's own column names (for quarantine)."""
    pairs = ", ".join(f"{literal(name)}, _staged.{quote(source)}" for name, source in names.items())
    return f"json_object({pairs})"
