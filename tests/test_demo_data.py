"""The synthetic landing folder: deterministic, complete, and honest about its bad rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo import writer
from demo.bad_rows import BAD_ROWS, MIN_BAD_ROWS
from demo.vocab import PAYER_SPELLINGS, UNMAPPED_PAYERS
from demo.writer import DEFAULT_PEOPLE, write_demo_landing
from orchestration.ingest.landing import MEDICAL_CLAIM
from tests.helpers.demo import (
    ADDON_CPT,
    DISCECTOMY_PCS,
    FUSION_PCS,
    PRIMARY_CPT,
    TABLES,
    data_files,
    matches,
    read_table,
    surgeries,
    without_bad_rows,
)

SMALL = 400
Landing = tuple[Path, dict[str, int]]  # the folder and the counts write_demo_landing returned
# The measure's spine_exclusion prefixes by reason (dots removed, upper case).
EXCLUSION_PREFIXES = {
    "cancer": ("C412", "C7951", "C720", "C701", "C900"),
    "fracture": ("S320", "M4856", "M8008"),
    "infection": ("M4626", "M4627", "M4636", "M4637", "M4646", "M4647", "M4656", "M4657", "A1801", "G061"),
    "scoliosis": ("M410", "M411", "M412", "M414", "Q675", "Q763"),
}


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _age_on_october_1(birth: pd.Series, day: pd.Series) -> pd.Series:
    """Age on the 1 October on or before `day` (the measure's age rule)."""
    born, on = pd.to_datetime(birth), pd.to_datetime(day)
    year = on.dt.year - (on.dt.month < 10).astype(int)
    birthday_after = (born.dt.month > 10) | ((born.dt.month == 10) & (born.dt.day > 1))
    return year - born.dt.year - birthday_after.astype(int)


@pytest.fixture(scope="module")
def default_landing(default_demo: Landing) -> Landing:
    return default_demo


@pytest.fixture(scope="module")
def frames(default_landing: Landing) -> dict[str, pd.DataFrame]:
    root, _ = default_landing
    return {table: read_table(root, table) for table in TABLES}


@pytest.fixture(scope="module")
def good(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {table: without_bad_rows(frame, table) for table, frame in frames.items()}


# --- determinism ---


def test_same_people_and_seed_give_byte_identical_files(tmp_path: Path) -> None:
    write_demo_landing(tmp_path / "a", people=SMALL, seed=7)
    write_demo_landing(tmp_path / "b", people=SMALL, seed=7)
    first = _digests(tmp_path / "a")
    assert first and first == _digests(tmp_path / "b")


def test_another_seed_changes_every_file(tmp_path: Path) -> None:
    write_demo_landing(tmp_path / "a", people=SMALL, seed=7)
    write_demo_landing(tmp_path / "b", people=SMALL, seed=8)
    first, second = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


def test_a_chunk_does_not_depend_on_the_chunks_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "CHUNK_PEOPLE", 150)
    write_demo_landing(tmp_path / "short", people=150)
    write_demo_landing(tmp_path / "long", people=400)
    short, long = _digests(tmp_path / "short"), _digests(tmp_path / "long")
    for name in (
        "medical_claim/professional_000.csv",
        "medical_claim/institutional_000.parquet",
        "eligibility/eligibility_000.csv",
        "pain_score/pain_score_000.csv",
    ):
        assert short[name] == long[name]


# --- layout and counts ---


def test_default_folder_layout(default_landing: Landing) -> None:
    root, _ = default_landing
    assert DEFAULT_PEOPLE <= writer.CHUNK_PEOPLE  # one chunk at the default size
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "eligibility/eligibility_000.csv",
        "fhir/Observation_000.ndjson",
        "fhir/Patient_000.ndjson",
        "functional_status/functional_status_000.csv",
        "medical_claim/institutional_000.parquet",
        "medical_claim/professional_000.csv",
        "pain_score/pain_score_000.csv",
        "pain_score/pain_score_resend.csv",
    ]


def test_chunked_layout_with_unique_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "CHUNK_PEOPLE", 150)
    write_demo_landing(tmp_path, people=400)
    names = {p.name for p in (tmp_path / "medical_claim").iterdir()}
    assert names == {
        f"{kind}_{i:03d}.{ext}"
        for i in range(3)
        for kind, ext in (("professional", "csv"), ("institutional", "parquet"))
    }
    assert {p.name for p in (tmp_path / "eligibility").iterdir()} == {
        f"eligibility_{i:03d}.csv" for i in range(3)
    }
    claims = read_table(tmp_path, "medical_claim")
    assert not claims.duplicated(["claim_id", "claim_line_number"]).any()
    persons = set(claims["person_id"]) - {""}
    assert persons == {f"P{i:07d}" for i in range(1, 401)}
    assert not read_table(tmp_path, "pain_score")["assessment_id"].duplicated().any()
    assert not read_table(tmp_path, "functional_status")["assessment_id"].duplicated().any()


def test_returned_counts_are_the_data_rows_in_the_files(default_landing: Landing) -> None:
    root, counts = default_landing
    lines = sum(len(p.read_bytes().splitlines()) for p in (root / "fhir").iterdir())
    tables = {t: len(read_table(root, t)) for t in (*TABLES, "functional_status")}
    assert counts == {**tables, "fhir": lines}


def test_resend_is_a_byte_copy_of_the_smallest_pain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "CHUNK_PEOPLE", 150)
    write_demo_landing(tmp_path, people=400)
    chunks = data_files(tmp_path, "pain_score")
    smallest = min(chunks, key=lambda p: p.stat().st_size)
    assert (tmp_path / "pain_score" / "pain_score_resend.csv").read_bytes() == smallest.read_bytes()


def test_rewriting_is_idempotent_but_stray_files_are_refused(tmp_path: Path) -> None:
    write_demo_landing(tmp_path, people=SMALL)
    before = _digests(tmp_path)
    write_demo_landing(tmp_path, people=SMALL)
    assert _digests(tmp_path) == before
    (tmp_path / "eligibility" / "members_2019.csv").write_text("person_id,birth_date\n")
    with pytest.raises(FileExistsError, match="members_2019.csv"):
        write_demo_landing(tmp_path, people=SMALL)


# --- file format ---


def test_csv_files_are_plain_text_with_empty_missing_cells(default_landing: Landing) -> None:
    root, _ = default_landing
    for path in root.rglob("*.csv"):
        text = path.read_text()
        assert '"' not in text and ",null," not in text.lower()
        assert ",," in text


def test_institutional_claims_are_parquet_with_string_columns(default_landing: Landing) -> None:
    root, _ = default_landing
    schema = pq.read_schema(root / "medical_claim" / "institutional_000.parquet")
    # The loader's columns, in its order: the ones the demo fills, required ones included.
    assert schema.names == [c.name for c in MEDICAL_CLAIM.columns if c.name in schema.names]
    assert set(MEDICAL_CLAIM.required) <= set(schema.names) and "rendering_tin" in schema.names
    assert all(field.type == pa.string() for field in schema)


def test_good_dates_are_iso(good: dict[str, pd.DataFrame]) -> None:
    columns = {
        "medical_claim": ("claim_line_start_date", "claim_line_end_date", "procedure_date_1"),
        "eligibility": ("birth_date", "enrollment_start_date", "enrollment_end_date"),
        "pain_score": ("assessment_date",),
    }
    for table, names in columns.items():
        for name in names:
            values = good[table][name]
            values = values[values != ""]
            assert pd.to_datetime(values, format="%Y-%m-%d", errors="coerce").notna().all(), name


# --- content ---


def test_every_payer_spelling_appears(frames: dict[str, pd.DataFrame]) -> None:
    spellings = {s for names in PAYER_SPELLINGS.values() for s in names} | set(UNMAPPED_PAYERS)
    assert set(frames["medical_claim"]["payer"]) == spellings
    assert set(frames["eligibility"]["payer"]) <= spellings


def test_every_bad_row_kind_is_present(frames: dict[str, pd.DataFrame]) -> None:
    for table, kinds in BAD_ROWS.items():
        frame = frames[table]
        total = 0
        for kind, cells in kinds.items():
            found = int(matches(frame, cells).sum())
            assert found >= MIN_BAD_ROWS, (table, kind)
            total += found
        assert 0.001 <= total / len(frame) <= 0.01, table


def test_claim_lines_per_person_and_surgery_share(good: dict[str, pd.DataFrame]) -> None:
    claims = good["medical_claim"]
    assert 8 <= len(claims) / DEFAULT_PEOPLE <= 12
    operated = claims.loc[claims["hcpcs_code"].isin(PRIMARY_CPT), "person_id"].nunique()
    assert 0.55 <= operated / DEFAULT_PEOPLE <= 0.65
    # Each stratum's surgeries span the denominator periods of PY 2024..2027, edges included.
    episodes = surgeries(claims)
    for stratum, first, last in (
        ("fusion", "2022-10-01", "2026-09-30"),
        ("discectomy", "2023-08-01", "2027-07-31"),
    ):
        dates = episodes.loc[episodes["stratum"] == stratum, "date"]
        assert dates.min() == first and dates.max() == last


def test_fusions_appear_on_facility_claims_and_alone(good: dict[str, pd.DataFrame]) -> None:
    claims = good["medical_claim"]
    facility = claims[claims["claim_type"] == "institutional"]
    procedures = facility[["procedure_code_1", "procedure_code_2"]]
    pcs = procedures.apply(lambda codes: codes.str[:4].isin(FUSION_PCS))
    lumbar = facility[pcs.any(axis=1)]
    assert (lumbar["procedure_code_type"] == "icd-10-pcs").all()
    assert (lumbar["procedure_date_1"] != "").all()
    assert pcs["procedure_code_2"].any()  # sometimes not the first procedure
    surgeon = claims[claims["hcpcs_code"].isin(PRIMARY_CPT)]
    facility_only = set(zip(lumbar["person_id"], lumbar["procedure_date_1"], strict=True)) - set(
        zip(surgeon["person_id"], surgeon["claim_line_start_date"], strict=True)
    )
    assert facility_only
    assistants = claims[claims["hcpcs_modifier_1"].isin({"80", "AS"})]
    assert set(assistants["hcpcs_code"]) <= PRIMARY_CPT | ADDON_CPT and len(assistants)


def test_add_on_codes_alone_never_make_a_surgery(good: dict[str, pd.DataFrame]) -> None:
    claims = good["medical_claim"]
    primary = set(claims.loc[claims["hcpcs_code"].isin(PRIMARY_CPT), "person_id"])
    index_pcs = FUSION_PCS | DISCECTOMY_PCS
    pcs = claims["procedure_code_1"].str[:4].isin(index_pcs) | claims["procedure_code_2"].str[:4].isin(
        index_pcs
    )
    add_on_only = set(claims.loc[claims["hcpcs_code"].isin(ADDON_CPT), "person_id"]) - primary
    assert add_on_only and not add_on_only & set(claims.loc[pcs, "person_id"])


def test_some_fusions_are_billed_to_two_payers(good: dict[str, pd.DataFrame]) -> None:
    claims = good["medical_claim"]
    surgeon = claims[claims["hcpcs_code"].isin(PRIMARY_CPT) & (claims["hcpcs_modifier_1"] == "")]
    alias = {s.lower().replace(" ", ""): p for p, names in PAYER_SPELLINGS.items() for s in names}
    payer = surgeon["payer"].str.lower().str.replace(" ", "").map(alias)
    payers = payer.groupby([surgeon["person_id"], surgeon["claim_line_start_date"]]).nunique()
    assert (payers == 2).any()


def test_exclusion_diagnoses_of_every_reason(good: dict[str, pd.DataFrame]) -> None:
    claims = good["medical_claim"]
    dx = pd.concat([claims[f"diagnosis_code_{i}"] for i in range(1, 5)])
    normalised = set(dx.str.replace(".", "", regex=False).str.upper()) - {""}
    for reason, prefixes in EXCLUSION_PREFIXES.items():
        assert any(code.startswith(prefixes) for code in normalised), reason
    # Feeds differ in how they write codes; the pipeline must not care.
    assert dx.str.contains(".", regex=False).any()
    assert dx.str.fullmatch(r"[A-Z]\d{3,}").any()
    assert dx.str.contains(r"^[a-z]", regex=True).any()


def test_ages_on_the_edge_of_18(good: dict[str, pd.DataFrame]) -> None:
    claims, eligibility = good["medical_claim"], good["eligibility"]
    surgeries = claims.loc[claims["hcpcs_code"].isin(PRIMARY_CPT), ["person_id", "claim_line_start_date"]]
    births = eligibility.drop_duplicates("person_id")[["person_id", "birth_date"]]
    joined = surgeries.merge(births, on="person_id")
    age = _age_on_october_1(joined["birth_date"], joined["claim_line_start_date"])
    assert (age == 17).any() and (age == 18).any()
    assert (age < 17).sum() == 0 and age.median() > 40
    assert set(surgeries["person_id"]) - set(births["person_id"])  # no eligibility at all


def test_pain_scores_and_their_boundaries(good: dict[str, pd.DataFrame]) -> None:
    pain = good["pain_score"]
    back = pain[pain["body_site"] == "back"]
    assert {"back", "leg"} == set(pain["body_site"])
    nrs, vas = back[back["instrument"] == "NRS"], back[back["instrument"] == "VAS"]
    assert set(nrs["scale_max"]) == {"10"} and set(vas["scale_max"]) == {"10", "100"}
    assert nrs["score"].str.fullmatch(r"(\d|10)(\.\d)?").all()
    assert vas.loc[vas["scale_max"] == "100", "score"].str.fullmatch(r"\d{1,3}").all()
    assert vas.loc[vas["scale_max"] == "10", "score"].str.fullmatch(r"\d{1,2}\.\d").all()
    # 8.1 -> 3.1 and 81 mm -> 31 mm: an improvement of exactly 5.0.
    for instrument, scale, before, after in (("NRS", "10", "8.1", "3.1"), ("VAS", "100", "81", "31")):
        rows = back[(back["instrument"] == instrument) & (back["scale_max"] == scale)]
        persons = set(rows.loc[rows["score"] == before, "person_id"]) & set(
            rows.loc[rows["score"] == after, "person_id"]
        )
        assert persons, (instrument, before, after)
    assert {"3", "3.0", "30"} <= set(back["score"])
    same_day = back.duplicated(["person_id", "assessment_date"], keep=False)
    assert same_day.any()  # two scores on one day: the tie rules decide
