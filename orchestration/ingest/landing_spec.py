"""What the landing tables hold: their columns, kinds and table-specific rules."""

from __future__ import annotations

from dataclasses import dataclass, field


class LandingError(Exception):
    """A landing file (or folder) that cannot be used at all; the message names it.

    Messages are ours, in plain words, and never carry row content or engine text.
    """


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | date | integer | decimal
    required: bool = False
    # A column computed from the row's typed values (SQL over them), never read from the file.
    derived: str | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    # Extra, table-specific rules: (reason, column, SQL condition that makes a row unusable).
    # They run after the generic ones, so they may assume the typed values parse.
    rules: tuple[tuple[str, str, str], ...] = field(default=())
    # Columns that identify a record across files: the latest loaded version wins.
    natural_key: tuple[str, ...] = field(default=())
    # The raw tables a file of this landing table writes, when not the one table named
    # like it (a FHIR export file holds observations and patients).
    stored_in: tuple[str, ...] = field(default=())
    # What the files of its folder `<landing>/<name>/` are (found recursively).
    suffixes: tuple[str, ...] = field(default=(".csv", ".parquet"))

    @property
    def raw_tables(self) -> tuple[str, ...]:
        return self.stored_in or (self.name,)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def read_columns(self) -> tuple[Column, ...]:
        """The columns a file may give (derived ones are computed, never read)."""
        return tuple(c for c in self.columns if c.derived is None)

    @property
    def derived(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.derived is not None)


def _numbered(prefix: str, count: int, kind: str = "text") -> tuple[Column, ...]:
    return tuple(Column(f"{prefix}_{i}", kind) for i in range(1, count + 1))


# Column names are those of the Tuva Project input layer (data contract).
MEDICAL_CLAIM = TableSpec(
    name="medical_claim",
    columns=(
        Column("claim_id", required=True),
        Column("claim_line_number", "integer", required=True),
        Column("claim_type"),
        Column("person_id", required=True),
        Column("member_id"),
        Column("payer", required=True),
        Column("plan"),
        Column("claim_line_start_date", "date", required=True),
        Column("claim_line_end_date", "date"),
        Column("place_of_service_code"),
        Column("hcpcs_code"),
        *_numbered("hcpcs_modifier", 5),
        Column("rendering_npi"),
        Column("rendering_tin"),
        Column("diagnosis_code_type"),
        *_numbered("diagnosis_code", 25),
        Column("procedure_code_type"),
        *_numbered("procedure_code", 25),
        *_numbered("procedure_date", 25, "date"),
        Column("data_source"),
    ),
    natural_key=("claim_id", "claim_line_number"),
)

ELIGIBILITY = TableSpec(
    name="eligibility",
    columns=(
        Column("person_id", required=True),
        Column("member_id"),
        Column("gender"),
        Column("birth_date", "date", required=True),
        Column("payer"),
        Column("plan"),
        Column("enrollment_start_date", "date"),
        Column("enrollment_end_date", "date"),
        Column("data_source"),
    ),
)

PAIN_SCORE = TableSpec(
    name="pain_score",
    columns=(
        Column("assessment_id"),
        Column("person_id", required=True),
        Column("assessment_date", "date", required=True),
        Column("body_site", required=True),
        Column("instrument", required=True),
        Column("score", "decimal", required=True),
        Column("scale_max", "integer", required=True),
        Column("data_source"),
    ),
    # Contract: unknown instrument, body site or scale, an NRS on 0-100 and a
    # score outside 0..scale_max never reach a pair.
    rules=(
        ("unknown_body_site", "body_site", "lower(body_site) not in ('back', 'leg')"),
        ("unknown_instrument", "instrument", "upper(instrument) not in ('NRS', 'VAS')"),
        ("unknown_scale", "scale_max", "scale_max not in (10, 100)"),
        ("nrs_scale_mismatch", "scale_max", "upper(instrument) = 'NRS' and scale_max <> 10"),
        ("score_out_of_range", "score", "score < 0 or score > scale_max"),
    ),
    natural_key=("assessment_id",),
)

# Oswestry Disability Index 2.1a (measure #471): the score (0-100, exact decimal) or the ten
# section answers (0-5 each, blank when unanswered). The score from the answers is
# sum / (5 x answered) x 100, rounded half up to a whole percent, when at most one section is
# unanswered: floor((40 x sum + answered) / (2 x answered)), exact in any engine.
ODI_ITEMS = tuple(f"item_{i}" for i in range(1, 11))
ODI_VERSION = "2.1a"
ODI_ANSWERED = " + ".join(f"(case when {item} is null then 0 else 1 end)" for item in ODI_ITEMS)
ODI_SUM = " + ".join(f"coalesce({item}, 0)" for item in ODI_ITEMS)
ODI_ITEM_SCORE = (
    f"case when ({ODI_ANSWERED}) >= 9 then cast(floor(cast(40 * ({ODI_SUM}) + ({ODI_ANSWERED}) as double)"
    f" / (2 * ({ODI_ANSWERED}))) as decimal(18, 6)) end"
)
FUNCTIONAL_STATUS = TableSpec(
    name="functional_status",
    columns=(
        Column("assessment_id"),
        Column("person_id", required=True),
        Column("assessment_date", "date", required=True),
        Column("instrument", required=True),
        Column("version", required=True),
        Column("score", "decimal"),
        *_numbered("item", 10, "integer"),
        Column("data_source"),
        # The score the section answers give (null without enough answers): stored beside them.
        Column("item_score", "decimal", derived=ODI_ITEM_SCORE),
    ),
    # Contract: ODI 2.1a only; a score on 0-100 or answers 0-5 of at least nine sections;
    # when both are given they agree. Each reason names the column to look at.
    rules=(
        ("unknown_instrument", "instrument", "upper(instrument) <> 'ODI'"),
        ("unsupported_version", "version", f"lower(version) <> '{ODI_VERSION}'"),
        *((("answer_out_of_range", item, f"{item} < 0 or {item} > 5")) for item in ODI_ITEMS),
        ("score_out_of_range", "score", "score < 0 or score > 100"),
        (
            "too_few_answers",
            "item_1",
            f"({ODI_ANSWERED}) < 9 and (score is null or ({ODI_ANSWERED}) > 0)",
        ),
        ("score_disagrees_with_answers", "score", f"score is not null and score <> ({ODI_ITEM_SCORE})"),
    ),
    natural_key=("assessment_id",),
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (MEDICAL_CLAIM, ELIGIBILITY, PAIN_SCORE, FUNCTIONAL_STATUS)
}

# DuckDB types of the raw tables. Scores stay DECIMAL: the measure's arithmetic is exact.
SQL_TYPES = {"text": "varchar", "date": "date", "integer": "integer", "decimal": "decimal(18, 6)"}
