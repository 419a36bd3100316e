"""Integer-coded rows to the text tables a payer extract holds, in the loader's column order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo import vocab as v
from demo.arrays import Rng, Rows, one_of
from demo.bad_rows import spoil
from demo.pain import BACK, NRS_DEC, VAS_CM, VAS_MM
from demo.people import People, secondary_plan
from demo.text import constant, ids, iso, lookup, optional, override, text
from orchestration.ingest.landing import TABLES

DATA_SOURCE = "g2139_demo"


def written_columns(table: str, names: set[str] | dict[str, pa.Array]) -> list[str]:
    """The loader's columns of a table that the demo fills, in the loader's order."""
    spec = TABLES[table]
    unknown = set(names) - {c.name for c in spec.columns}
    if unknown or set(spec.required) - set(names):
        raise ValueError(f"{table}: not the loader's columns: {sorted(unknown)}")
    return [c.name for c in spec.columns if c.name in names]


def _table(name: str, columns: dict[str, pa.Array], bad: np.ndarray) -> pa.Table:
    columns = spoil(name, columns, bad)
    return pa.table({column: columns[column] for column in written_columns(name, columns)})


def _member_ids(people: People, person: np.ndarray, payer: np.ndarray) -> pa.Array:
    # One member id per person and payer, as each payer numbers its own members.
    number = pc.utf8_lpad(text(people.first + person + 1), width=8, padding="0")
    return pc.binary_join_element_wise(v.MEMBER_PREFIX.take(payer), number, "")


def _payer_text(rng: Rng, payer: np.ndarray) -> pa.Array:
    return v.SPELLINGS.take(one_of(rng, v.SPELLING_OFFSET[payer], v.SPELLING_COUNT[payer]))


def _plan_codes(people: People, person: np.ndarray, payer: np.ndarray, day: np.ndarray) -> np.ndarray:
    own = np.where(day >= people.plan_switch[person], people.plan2[person], people.plan1[person])
    return np.where(payer == people.payer[person], own, secondary_plan(payer))


def _dx_text(codes: np.ndarray, u: np.ndarray) -> pa.Array:
    # Feeds write ICD-10-CM with and without the dot, now and then in lower case;
    # u (one draw per claim) keeps a claim's lines in one style.
    written = lookup(v.DX, codes)
    written = pc.if_else(pa.array(u < 0.35), pc.replace_substring(written, ".", ""), written)
    return pc.if_else(pa.array(u > 0.95), pc.utf8_lower(written), written)


def _common(rng: Rng, rows: Rows, people: People) -> dict[str, pa.Array]:
    """The columns every table has about the person and the payer."""
    person = rows["person"]
    columns = {"person_id": people.ids.take(person), "data_source": constant(DATA_SOURCE, person.size)}
    if "payer" in rows:
        columns["member_id"] = _member_ids(people, person, rows["payer"])
        columns["payer"] = _payer_text(rng, rows["payer"])
    return columns


def claims_table(rng: Rng, rows: Rows, people: People, chunk: int) -> pa.Table:
    n, person, payer = rows["claim"].size, rows["person"], rows["payer"]
    dx_style = rng.random(int(rows["claim"].max()) + 1)[rows["claim"]]
    institutional = rows["institutional"] == 1
    columns = {
        **_common(rng, rows, people),
        "claim_id": ids(f"CLM{chunk:03d}", rows["claim"], 7),
        "claim_line_number": text(rows["line"]),
        "claim_type": pc.if_else(pa.array(institutional), "institutional", "professional"),
        "plan": v.PLANS.take(_plan_codes(people, person, payer, rows["start"])),
        "claim_line_start_date": iso(rows["start"]),
        "claim_line_end_date": iso(rows["end"]),
        "place_of_service_code": lookup(v.POS, rows["pos"]),
        "hcpcs_code": lookup(v.HCPCS, rows["hcpcs"]),
        "hcpcs_modifier_1": lookup(v.MODIFIERS, rows["modifier"]),
        "rendering_npi": optional(rows["npi"]),
        "rendering_tin": optional(rows["tin"]),
        "diagnosis_code_type": constant("icd-10-cm", n),
        "procedure_code_type": override(constant("icd-10-pcs", n), ~institutional, None),
    }
    for i in range(1, 5):
        columns[f"diagnosis_code_{i}"] = _dx_text(rows[f"dx{i}"], dx_style)
    for i in range(1, 4):
        columns[f"procedure_code_{i}"] = lookup(v.PCS, rows[f"pcs{i}"])
        columns[f"procedure_date_{i}"] = override(iso(rows["procedure_date"]), rows[f"pcs{i}"] == 0, None)
    return _table("medical_claim", columns, rows["bad"])


def _score_text(kind: np.ndarray, value: np.ndarray) -> pa.Array:
    # value is in tenths of the 0-10 scale: NRS "7" or "7.3", VAS "73" (mm) or "7.3" (cm).
    whole = text(value // 10)
    decimal = pc.binary_join_element_wise(whole, text(value % 10), ".")
    one_decimal = (kind == NRS_DEC) | (kind == VAS_CM)
    as_written = pc.if_else(pa.array(kind == VAS_MM), text(value), whole)
    return pc.if_else(pa.array(one_decimal), decimal, as_written)


def pain_table(rng: Rng, rows: Rows, people: People, chunk: int) -> pa.Table:
    n, kind = rows["bad"].size, rows["kind"]
    columns = {
        **_common(rng, rows, people),
        "assessment_id": ids(f"PS{chunk:03d}", np.arange(1, n + 1), 7),
        "assessment_date": iso(rows["date"]),
        "body_site": pc.if_else(pa.array(rows["site"] == BACK), "back", "leg"),
        "instrument": pc.if_else(pa.array((kind == VAS_MM) | (kind == VAS_CM)), "VAS", "NRS"),
        "score": _score_text(kind, rows["value"]),
        "scale_max": pc.if_else(pa.array(kind == VAS_MM), "100", "10"),
    }
    return _table("pain_score", columns, rows["bad"])


def eligibility_table(rng: Rng, rows: Rows, people: People) -> pa.Table:
    person = rows["person"]
    columns = {
        **_common(rng, rows, people),
        "gender": pc.if_else(pa.array(people.female[person]), "female", "male"),
        "birth_date": iso(people.birth[person]),
        "plan": v.PLANS.take(rows["plan"]),
        "enrollment_start_date": iso(rows["start"]),
        "enrollment_end_date": iso(rows["end"]),
    }
    return _table("eligibility", columns, rows["bad"])
