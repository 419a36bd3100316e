"""Spark SQL's spelling of the loader's typing SQL (``ingest.landing_sql.Dialect``)."""

from __future__ import annotations

from orchestration.ingest.landing_sql import ZONED_TIMESTAMP, Dialect

# Java regular expressions for the Spark dialect.
JAVA_FULL_MATCH = r"\A(?:{pattern})\z"
UNICODE_SPACES_AT_ENDS = r"^[ \p{Zs}]+|[ \p{Zs}]+$"
TRAILING_ZEROS = r"([.][0-9]*?[0-9])0+$"


class SparkDialect(Dialect):
    """Spark SQL's spelling (Spark 3.5): the same values, row for row, as DuckDB's."""

    types = {"text": "string", "date": "date", "integer": "int", "decimal": "decimal(18, 6)"}
    wide_integer = "decimal(38, 0)"

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def literal(self, text: str) -> str:
        # A backslash escapes in Spark's string literals: `\.` must reach the regex as is.
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def starts_with(self, sql: str, prefix: str) -> str:
        return f"startswith({sql}, {self.literal(prefix)})"

    def ends_with(self, sql: str, suffix: str) -> str:
        return f"endswith({sql}, {self.literal(suffix)})"

    def full_match(self, sql: str, pattern: str) -> str:
        # \A and \z: Java's $ would also match before a final line break ("7\n").
        return f"({sql} rlike {self.literal(JAVA_FULL_MATCH.format(pattern=pattern))})"

    def problem(self, reason: str, column: str) -> str:
        return f"named_struct('reason', {self.literal(reason)}, 'column', {self.literal(column)})"

    def json_row(self, pairs: dict[str, str]) -> str:
        fields = ", ".join(f"{self.literal(name)}, {sql}" for name, sql in pairs.items())
        # Null values are kept, as DuckDB's json_object keeps them.
        return f"to_json(named_struct({fields}), map('ignoreNullFields', 'false'))"

    def whole_number(self, value: str) -> str:
        # NaN and infinities fail the bound (NaN compares above every number in Spark).
        return f"abs(cast({value} as double)) < 1e15 and {value} = floor({value})"

    def text_of(self, value: str, engine_type: str) -> str:
        text = f"cast({value} as string)"  # the session runs in UTC
        if engine_type == ZONED_TIMESTAMP:
            return f"concat({text}, '+00')"
        if engine_type.upper().startswith("DECIMAL("):
            # Written out with its scale's places, as DuckDB does (Java would write 1E-8).
            scale = int(engine_type[len("DECIMAL(") : -1].split(",")[1])
            whole = f"floor(abs({value}))"
            digits = f"cast(cast({whole} as decimal(38, 0)) as string)"
            if scale:
                places = f"cast(cast((abs({value}) - {whole}) * {10**scale} as decimal(38, 0)) as string)"
                digits = f"concat({digits}, '.', lpad({places}, {scale}, '0'))"
            return f"concat(case when {value} < 0 then '-' else '' end, {digits})"
        if not engine_type.upper().startswith(("FLOAT", "DOUBLE")):
            return text
        # Java writes a float in exponent form below 1e-3 and from 1e7, DuckDB (like Python)
        # below 1e-4 and from 1e16: in between, the same digits written out, as DuckDB has them.
        plain = f"cast(cast({text} as decimal(38, 20)) as string)"
        shortest = f"regexp_replace({plain}, {self.literal(TRAILING_ZEROS)}, '$1')"
        written_out = f"abs({value}) >= 1e-4 and abs({value}) < 1e16"
        return f"case when {written_out} then {shortest} else {text} end"

    def trim(self, sql: str) -> str:
        # DuckDB's trim removes every Unicode space separator; Spark's only the ASCII space.
        return f"regexp_replace({sql}, {self.literal(UNICODE_SPACES_AT_ENDS)}, '')"


SPARK = SparkDialect()
