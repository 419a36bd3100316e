"""The SQL that types a landing file's rows and names the first problem of each unusable row.

One projection over the engine's reading of the file yields, per row, the typed
values, the first problem (null for a usable row) and, for unusable rows only,
the row as the file had it: every row is typed once, in one scan. Values are
typed strictly: nothing is rounded, guessed or read in another base (data
contract, "Bad input").

The SQL is written once; the few expressions whose spelling differs between
engines (prefix tests, full regular-expression matches, struct and JSON
literals, engine type names) come from a ``Dialect``: ``DUCKDB`` for the loader,
``engines.spark_dialect`` spells it for ingestion in Spark's own readers (``engines.spark_rows``).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.ingest.landing_spec import SQL_TYPES, Column, TableSpec

# Plain base-10 literals only: `9.6` is no integer, `0xA` and `1e1` are no numbers, and a
# decimal never has more places than the raw column keeps (its trailing zeros aside).
NUMBER_PATTERNS = {
    "integer": r"[+-]?0*[0-9]{1,9}",
    "decimal": r"[+-]?0*[0-9]{1,12}(\.[0-9]{1,6}0*)?",
}
# The largest magnitude each pattern above admits, for values that are integers already.
INTEGER_LIMITS = {"integer": 10**9 - 1, "decimal": 10**12 - 1}
INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "UHUGEINT")  # fmt: skip
# Engine types whose text is normalised so that an integral 10.0 reads as 10.
NUMERIC_PREFIXES = ("FLOAT", "DOUBLE", "DECIMAL")
TIMESTAMP_TYPES = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
# Typed result of one landing file: typed columns, `_problem`, `_raw_row`; row k = record k.
TYPED = "_typed"


class Dialect:
    """DuckDB's spelling of the expressions that differ between engines."""

    types = SQL_TYPES
    wide_integer = "hugeint"

    def quote(self, identifier: str) -> str:
        return quote(identifier)

    def literal(self, text: str) -> str:
        return literal(text)

    def starts_with(self, sql: str, prefix: str) -> str:
        return f"starts_with({sql}, {self.literal(prefix)})"

    def ends_with(self, sql: str, suffix: str) -> str:
        return f"ends_with({sql}, {self.literal(suffix)})"

    def full_match(self, sql: str, pattern: str) -> str:
        return f"regexp_full_match({sql}, {self.literal(pattern)})"

    def problem(self, reason: str, column: str) -> str:
        return f"{{'reason': {self.literal(reason)}, 'column': {self.literal(column)}}}"

    def json_row(self, pairs: dict[str, str]) -> str:
        return "json_object(" + ", ".join(f"{self.literal(name)}, {sql}" for name, sql in pairs.items()) + ")"

    def whole_number(self, value: str) -> str:
        return f"isfinite({value}::double) and {value} = trunc({value}) and abs({value}) < 1e15"

    def text_of(self, value: str, engine_type: str) -> str:
        """A value of the engine's ``engine_type`` as DuckDB writes it: a float as its shortest
        digits, a decimal with its scale's places, a zoned timestamp in UTC as ``+00``."""
        return f"cast({value} as varchar)"

    def trim(self, sql: str) -> str:
        """Spaces off both ends: ASCII and every other Unicode space separator."""
        return f"trim({sql})"


ZONED_TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
DUCKDB = Dialect()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Source:
    """A column as the engine reads it: SQL for its value, and its engine type when not text
    (in DuckDB's names: ``SPARK`` readers name Spark's types the same way)."""

    sql: str
    engine_type: str = "VARCHAR"
    dialect: Dialect = DUCKDB

    @property
    def is_text(self) -> bool:
        return self.engine_type == "VARCHAR"

    @property
    def text_sql(self) -> str:
        """The value as text; a float or decimal holding a whole number reads as that integer."""
        if self.is_text:
            return self.sql
        value, text = self.sql, self.dialect.types["text"]
        if self.engine_type.upper().startswith(NUMERIC_PREFIXES):
            # Anything but a whole number keeps its digits and fails the strict checks
            # where an integer is required.
            whole = self.dialect.whole_number(value)
            integer = f"cast(cast({value} as {self.dialect.wide_integer}) as {text})"
            fraction = self.dialect.text_of(value, self.engine_type)
            return f"case when {whole} then {integer} else {fraction} end"
        return self.dialect.text_of(value, self.engine_type)


def _text(sql: str, dialect: Dialect = DUCKDB) -> str:
    # Same as nullif(trim(v), ''), but only values with a space at either end pay for the
    # trim (which only removes spaces): this runs on every value of every row.
    padded = f"{dialect.starts_with(sql, ' ')} or {dialect.ends_with(sql, ' ')}"
    return f"case when {sql} = '' then null when {padded} then nullif({dialect.trim(sql)}, '') else {sql} end"


def typed_text(column: Column, sql: str, dialect: Dialect = DUCKDB) -> str:
    """A text value typed as ``column`` requires (null when it does not parse)."""
    text = _text(sql, dialect)
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
    typed = f"try_cast({text} as {dialect.types[column.kind]})"
    return f"case when {dialect.full_match(text, NUMBER_PATTERNS[column.kind])} then {typed} end"


def _native(column: Column, source: Source) -> str | None:
    """The typed value straight from an engine type that already is the kind, else None.

    Each gives exactly what typing the value's text would give; anything else
    (floats, wide decimals, zoned timestamps) goes through its text and the strict checks.
    """
    value, kind, types = source.sql, source.engine_type.upper(), source.dialect.types
    if column.kind in INTEGER_LIMITS and kind in INTEGER_TYPES:
        limit = INTEGER_LIMITS[column.kind]
        typed = f"cast({value} as {types[column.kind]})"
        return f"case when {value} between -{limit} and {limit} then {typed} end"
    if column.kind == "decimal" and kind.startswith("DECIMAL("):
        precision, scale = (int(n) for n in kind[len("DECIMAL(") : -1].split(","))
        if scale <= 6 and precision - scale <= 12:
            return f"cast({value} as {types['decimal']})"
    if column.kind == "date" and kind in ("DATE", *TIMESTAMP_TYPES):
        # Compared as dates: a date literal need not fit a nanosecond timestamp's range.
        day = f"cast({value} as date)"
        in_range = f"{day} between date '0001-01-01' and date '9999-12-31'"
        text = typed_text(column, source.text_sql, source.dialect)
        return f"case when {in_range} then {day} else {text} end"
    return None


def _value(column: Column, source: Source) -> tuple[str, str]:
    """(typed value, whether the file gives a value at all) for one column."""
    native = None if source.is_text else _native(column, source)
    if native is not None:
        return native, f"{source.sql} is not null"
    text = source.text_sql
    return typed_text(column, text, source.dialect), f"{_text(text, source.dialect)} is not null"


def _given(column: Column, dialect: Dialect) -> str:
    return dialect.quote(f"_given_{column.name}")


def _problem_case(spec: TableSpec, dialect: Dialect) -> str:
    """The first reason a typed row is unusable, as {reason, column}; null when usable.

    Order matters only for which reason is reported: missing values first, then
    values that do not parse, then the table's own rules (which assume parsed values).
    """
    problem, given = dialect.problem, (lambda c: _given(c, dialect))
    branches = [
        f"when not {given(c)} then {problem('missing_required_value', c.name)}"
        for c in spec.columns
        if c.required
    ]
    branches += [
        f"when {given(c)} and {dialect.quote(c.name)} is null then "
        f"{problem('unparseable_date' if c.kind == 'date' else 'unparseable_number', c.name)}"
        for c in spec.columns
        if c.kind != "text"
    ]
    branches += [f"when {cond} then {problem(r, col)}" for r, col, cond in spec.rules]
    return "case " + " ".join(branches) + " end"


def typed_rows(
    spec: TableSpec,
    sources: dict[str, Source],
    as_text: dict[str, str],
    relation: str,
    dialect: Dialect = DUCKDB,
    keep: tuple[str, ...] = (),
) -> str:
    """Every row of ``relation`` typed, with its first problem and, when unusable, its raw row.

    ``sources`` maps each known column the file has to its reading; ``as_text`` every
    column of the file (by its own name) to SQL for its text, for the quarantined row.
    Only the columns the file has are typed: absent optional columns stay null in raw.
    Required columns are always present (checked before), so the table's rules can run; a
    table with derived columns also gets its absent optional columns as nulls for them.
    ``keep`` names columns of ``relation`` passed through unchanged (a record number).
    """
    present = [c for c in spec.read_columns if c.name in sources]
    checked = TableSpec(spec.name, tuple(present), spec.rules)
    inner = []
    for column in present:
        typed, given = _value(column, sources[column.name])
        inner += [f"{typed} as {dialect.quote(column.name)}", f"{given} as {_given(column, dialect)}"]
    if spec.derived:
        # Derived values and the rules behind them may read optional columns the file lacks.
        inner += [
            f"cast(null as {dialect.types[c.kind]}) as {dialect.quote(c.name)}"
            for c in spec.read_columns
            if c.name not in sources
        ]
    derived = [
        f"cast({c.derived} as {dialect.types[c.kind]}) as {dialect.quote(c.name)}" for c in spec.derived
    ]
    names = ", ".join([*(dialect.quote(c.name) for c in present), *derived, *keep])
    # The raw row is built in the same CASE as its problem: only unusable rows pay for it.
    raw_row = f"case when _problem is not null then {dialect.json_row(as_text)} end"
    return f"""select {names}, _problem, {raw_row} as _raw_row
        from (select *, {_problem_case(checked, dialect)} as _problem
              from (select *, {", ".join(inner)} from {relation}))"""


def temp_table_from_arrow(con, name: str, rows) -> None:
    """``rows`` (an Arrow table) as the temp table ``name``, registered under an explicit
    name so that the engine never looks up a Python variable."""
    con.execute(f"drop table if exists {name}")
    con.register(f"{name}_rows", rows)
    try:
        con.execute(f"create temp table {name} as select * from {name}_rows")
    finally:
        con.unregister(f"{name}_rows")
