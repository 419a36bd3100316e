"""The SQL that maps staged FHIR resources (one JSON value per line) to typed raw rows.

The data contract's mapping, in one place:

- ``Observation`` with a ``code.coding`` of LOINC (system ``http://loinc.org``, or no
  system) ``72514-3`` or ``38208-5`` is an NRS score on 0-10; ``38214-3`` is a VAS
  whose ``valueQuantity.unit`` (or, without a unit, its UCUM ``code``) says the
  scale: ``mm`` -> 100, ``cm`` -> 10. An NRS given in ``mm`` or ``cm``, or a VAS in
  another unit, is a unit/scale mismatch;
- ``bodySite.coding`` (SNOMED CT, or no system) is looked up in seed
  ``fhir_body_site`` (rows of kind ``snomed``); without a known code,
  ``bodySite.text`` is looked up in the same seed (rows of kind ``text``, matched
  trimmed and case-insensitively);
- ``subject.reference`` ``Patient/<person_id>`` (a full URL ending so also counts);
  ``effectiveDateTime`` or else ``effectivePeriod.start``, its date part as
  written; ``valueQuantity.value`` or else ``valueInteger``, a JSON number;
  ``id`` -> ``assessment_id``; only ``status`` final, amended or corrected counts;
- ``Observation`` with LOINC ``97909-6`` is an ODI 2.1a score on 0-100 (measure #471):
  instrument ``ODI``, no body site, any unit; same status, subject, date and value rules;
- ``Patient`` with ``id`` and ``birthDate`` gives a birth date.

Each line gets the first problem that makes it unusable, in the order below:
not JSON, another resource type, then (observations) another code, another
status, no subject, no date, an unparseable date or value, the unit, the body
site, the range.
"""

from __future__ import annotations

import json

from orchestration.ingest.landing_spec import Column, TableSpec
from orchestration.ingest.landing_sql import literal, typed_text

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
# LOINC code -> instrument; the VAS scale comes from the unit, the NRS scale is 10.
PAIN_CODES = {"72514-3": "NRS", "38208-5": "NRS", "38214-3": "VAS"}
# Oswestry disability index score (ODI 2.1a, 0-100, any unit): functional status, no body site.
ODI_CODES = {"97909-6": "ODI"}
ODI_SCALE = 100
VAS_SCALES = {"mm": 100, "cm": 10}
FINAL_STATUSES = ("final", "amended", "corrected")
SUBJECT = "^(?:.*/)?Patient/([^/]+)$"  # the person id: what follows Patient/ (relative or full URL)

FHIR_OBSERVATION = TableSpec(
    name="fhir_observation",
    columns=(
        Column("assessment_id"),
        Column("person_id"),
        Column("assessment_date", "date"),
        Column("status"),
        Column("loinc_code"),
        Column("instrument"),
        Column("unit"),
        Column("scale_max", "integer"),
        Column("score", "decimal"),
        Column("body_site_code"),
        Column("body_site_text"),
    ),
    natural_key=("assessment_id",),  # the Observation's id: a later version of it wins
)
FHIR_PATIENT = TableSpec(
    name="fhir_patient",
    columns=(Column("person_id"), Column("birth_date", "date")),
    natural_key=("person_id",),  # the Patient's id: a later version of it wins
)
# The landing table of load history and quarantine: a file holds both resource types.
FHIR = TableSpec(
    name="fhir", columns=(), stored_in=(FHIR_OBSERVATION.name, FHIR_PATIENT.name), suffixes=(".ndjson",)
)

# The elements the mapping reads, parsed once per line (a value of another JSON type is null).
_CODINGS = [{"system": "VARCHAR", "code": "VARCHAR"}]
_SHAPE = {
    "resourceType": "VARCHAR", "id": "VARCHAR", "status": "VARCHAR", "birthDate": "VARCHAR",
    "subject": {"reference": "VARCHAR"}, "code": {"coding": _CODINGS},
    "effectiveDateTime": "VARCHAR", "effectivePeriod": {"start": "VARCHAR"},
    "valueQuantity": {"value": "JSON", "unit": "VARCHAR", "code": "VARCHAR"}, "valueInteger": "JSON",
    "bodySite": {"coding": _CODINGS, "text": "VARCHAR"},
}  # fmt: skip


def _in(values) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")" if values else "(null)"


def _first_code(codings: str, system: str, codes) -> str:
    """The first of ``codings`` of ``system`` (or without a system) whose code is listed."""
    return (
        f"list_filter({codings}, lambda c: "
        f"coalesce(c.system, {literal(system)}) = {literal(system)} and c.code in {_in(codes)})[1].code"
    )


def _problem(reason: str, column: str | None) -> str:
    return f"{{'reason': {literal(reason)}, 'column': {literal(column) if column else 'null'}}}"


def parsed_resources() -> str:
    """Each staged line parsed once into the elements the mapping reads (temp table ``_fhir_parsed``:
    materialised, because the engine would otherwise parse again for every element used)."""
    return f"""
        select rowid + 1 as _row_number, json is null as not_json, json_type(json) = 'OBJECT' as is_object,
               json_transform(json, {literal(json.dumps(_SHAPE))}) as r
        from _fhir_staged"""


def typed_resources(body_sites: dict[str, dict[str, str]]) -> str:
    """Every parsed line, typed, with its first problem (null when usable).

    ``body_sites`` is seed ``fhir_body_site``: {kind: {code or text: body site}}.
    """
    vas_scale = " ".join(f"when {literal(u)} then {s}" for u, s in VAS_SCALES.items())
    codes = {**PAIN_CODES, **ODI_CODES}
    instrument = " ".join(f"when {literal(c)} then {literal(i)}" for c, i in codes.items())
    texts = {t.strip().lower() for t in body_sites.get("text", {})}
    date = typed_text(Column("d", "date"), "effective")
    score = typed_text(Column("s", "decimal"), "value_text")
    birth = typed_text(Column("b", "date"), "birth_text")
    fields = f"""
        select _row_number, not_json,
            case when is_object then r.resourceType end as resource_type,
            nullif(trim(r.id), '') as id,
            r.status,
            nullif(trim(regexp_extract(r.subject.reference, {literal(SUBJECT)}, 1)), '') as person_id,
            coalesce(r.effectiveDateTime, r.effectivePeriod.start) as effective,
            coalesce(r.valueQuantity.value, r.valueInteger) as value_json,
            lower(trim(coalesce(r.valueQuantity.unit, r.valueQuantity.code))) as unit,
            {_first_code("r.code.coding", LOINC, codes)} as loinc_code,
            {_first_code("r.bodySite.coding", SNOMED, body_sites.get("snomed", {}))} as body_site_code,
            nullif(trim(r.bodySite.text), '') as body_site_text,
            r.birthDate as birth_text
        from _fhir_parsed"""
    typed = f"""
        select *,
            case when json_type(value_json) in ('UBIGINT', 'BIGINT', 'DOUBLE') then value_json ->> '$' end
                as value_text,
            case loinc_code {instrument} end as instrument,
            case when loinc_code in {_in(ODI_CODES)} then {ODI_SCALE}
                 when loinc_code = '38214-3' then case unit {vas_scale} end
                 when loinc_code is not null and coalesce(unit, '') not in {_in(VAS_SCALES)} then 10
            end as scale_max
        from ({fields})"""
    problem = f"""case
            when not_json then {_problem("not_json", None)}
            when resource_type is null or resource_type not in ('Observation', 'Patient')
                then {_problem("other_resource_type", "resourceType")}
            when resource_type = 'Patient' and id is null then {_problem("missing_required_value", "id")}
            when resource_type = 'Patient' and birth_text is null
                then {_problem("missing_required_value", "birthDate")}
            when resource_type = 'Patient' and birth_date is null
                then {_problem("unparseable_date", "birthDate")}
            when resource_type = 'Patient' then null
            when loinc_code is null then {_problem("other_code", "code")}
            when status is null or status not in {_in(FINAL_STATUSES)}
                then {_problem("status_not_final", "status")}
            when person_id is null then {_problem("missing_subject", "subject")}
            when effective is null then {_problem("missing_date", "effective")}
            when assessment_date is null then {_problem("unparseable_date", "effective")}
            when value_json is null then {_problem("missing_required_value", "value")}
            when score is null then {_problem("unparseable_number", "value")}
            when scale_max is null then {_problem("unit_scale_mismatch", "valueQuantity.unit")}
            when loinc_code not in {_in(ODI_CODES)} and body_site_code is null
                and coalesce(lower(body_site_text), '') not in {_in(texts)}
                then {_problem("unknown_body_site", "bodySite")}
            when score < 0 or score > scale_max then {_problem("score_out_of_range", "value")}
        end"""
    return f"""
        select * exclude (value_json), {problem} as _problem
        from (select *, {date} as assessment_date, {score} as score, {birth} as birth_date from ({typed}))"""
