"""FHIR NDJSON files keep every promise of the other landing files: accounting per file,
duplicates, replacement, supersession by resource id, plain failures, no patient data."""

from __future__ import annotations

import json
import logging

import duckdb
import pytest

from orchestration.ingest import fhir
from orchestration.ingest.fhir import load_fhir
from orchestration.ingest.landing import LandingError
from orchestration.ingest.landing_files import FileState
from orchestration.ingest.landing_store import superseded_counts
from tests.helpers.fhir import obs, vas, write_lines

NAME, SSN = "Zelda Quixote", "987-65-4321"
PATIENT = {"resourceType": "Patient", "id": "P1", "birthDate": "1960-01-01"}


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def scores(con) -> list[tuple]:
    return con.execute(
        "select assessment_id, score::double, _source_row from raw.fhir_observation order by 1"
    ).fetchall()


def test_every_line_is_loaded_or_quarantined_with_its_line_number(tmp_path, con):
    lines = [
        obs(id="A"),
        "",
        "not json",
        "   ",
        obs(id="B", status="preliminary"),
        PATIENT,
        "\r\x0c\x0b",
        vas(81, "mm", id="C"),
    ]
    write_lines(tmp_path, "export/2025/Observation.ndjson", lines)  # found recursively
    [load] = load_fhir(con, tmp_path, "run-1")
    assert load.table == "fhir" and load.path == "fhir/export/2025/Observation.ndjson"
    # Blank lines (empty, spaces, a lone CR, form and vertical feeds) are no records.
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (5, 3, 2) and load.balanced
    assert scores(con) == [("A", 7.0, 1), ("C", 81.0, 8)]
    assert con.execute("select _source_row from raw.fhir_patient").fetchall() == [(6,)]
    assert con.execute("select row_number, reason from raw.quarantine order by 1").fetchall() == [
        (3, "not_json"), (5, "status_not_final")
    ]  # fmt: skip
    history = con.execute(
        "select table_name, rows_read, rows_loaded, rows_quarantined from raw.load_history"
    ).fetchall()
    assert history == [("fhir", 5, 3, 2)]


def test_last_line_without_newline_and_crlf_line_ends(tmp_path, con):
    path = tmp_path / "fhir" / "a.ndjson"
    path.parent.mkdir()
    path.write_bytes((json.dumps(obs(id="A")) + "\r\n" + json.dumps(obs(id="B"))).encode())
    [load] = load_fhir(con, tmp_path, "run-1")
    assert (load.rows_read, load.rows_loaded) == (2, 2)


def test_empty_file_has_no_records(tmp_path, con):
    write_lines(tmp_path, "empty.ndjson", [])
    [load] = load_fhir(con, tmp_path, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (0, 0, 0)


def test_duplicate_file_under_another_path_is_loaded_once(tmp_path, con):
    write_lines(tmp_path, "a.ndjson", [obs(id="A")])
    write_lines(tmp_path, "copy/a.ndjson", [obs(id="A")])
    first, second = load_fhir(con, tmp_path, "run-1")
    assert second.duplicate_of == "fhir/a.ndjson" and second.rows_loaded == 0 and second.balanced
    assert scores(con) == [("A", 7.0, 1)]
    again = load_fhir(con, tmp_path, "run-2")
    assert [f.status for f in again] == ["duplicate", "duplicate"] and scores(con) == [("A", 7.0, 1)]


def test_path_resent_with_other_content_replaces_its_earlier_version(tmp_path, con):
    write_lines(tmp_path, "a.ndjson", [obs(id="A"), "bad", {"resourceType": "Patient", "id": "P1",
                                                            "birthDate": "1960-01-01"}])  # fmt: skip
    load_fhir(con, tmp_path, "run-1")
    write_lines(tmp_path, "a.ndjson", [obs(id="A", valueQuantity={"value": 3})])
    [second] = load_fhir(con, tmp_path, "run-2")
    assert second.replaces is not None
    assert scores(con) == [("A", 3.0, 1)]
    assert con.execute("select count(*) from raw.fhir_patient").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.quarantine").fetchone()[0] == 0
    audit = con.execute("select count(*) from raw.fhir_observation_superseded").fetchone()[0]
    assert audit == 1 and con.execute("select count(*) from raw.fhir_patient_superseded").fetchone()[0] == 1
    assert superseded_counts(con)["fhir"] == {"files_replaced": 1, "records_superseded": 0}


def test_latest_loaded_resource_wins_by_id(tmp_path, con):
    write_lines(
        tmp_path,
        "a.ndjson",
        [obs(id="A"), {"resourceType": "Patient", "id": "P1", "birthDate": "1960-01-01"}],
    )
    load_fhir(con, tmp_path, "run-1")
    later = {**PATIENT, "birthDate": "1961-01-01"}
    write_lines(tmp_path, "b.ndjson", [obs(id="A", valueInteger=2, valueQuantity=None), later])
    _, second = load_fhir(con, tmp_path, "run-2")
    assert second.rows_superseded == 2
    assert scores(con) == [("A", 2.0, 1)]
    assert con.execute("select birth_date::varchar from raw.fhir_patient").fetchall() == [("1961-01-01",)]


def test_file_that_changes_while_read_waits_for_the_next_run(tmp_path, con, monkeypatch):
    write_lines(tmp_path, "a.ndjson", [obs(id="A")])
    states = iter([FileState(10, 1), FileState(20, 2)])
    monkeypatch.setattr(fhir, "file_state", lambda path, name: next(states))
    [waiting] = load_fhir(con, tmp_path, "run-1")
    assert waiting.status == "still_being_written" and scores(con) == []
    monkeypatch.undo()
    [loaded] = load_fhir(con, tmp_path, "run-2")
    assert loaded.status == "loaded" and scores(con) == [("A", 7.0, 1)]


def test_other_files_in_the_fhir_folder_fail_named(tmp_path, con):
    write_lines(tmp_path, "a.ndjson", [obs()])
    (tmp_path / "fhir" / "manifest.json").write_text("{}")
    with pytest.raises(
        LandingError, match=r"^fhir/manifest\.json: not a NDJSON file \(expected \*\.ndjson\)$"
    ):
        load_fhir(con, tmp_path, "run-1")


def test_no_fhir_folder_is_no_file(tmp_path, con):
    assert load_fhir(con, tmp_path, "run-1") == []
    assert con.execute("select count(*) from raw.fhir_observation").fetchone()[0] == 0


def test_engine_and_count_disagreeing_fails_the_file_without_loading(tmp_path, con, monkeypatch):
    write_lines(tmp_path, "a.ndjson", [obs()])
    real = fhir.scan_lines
    monkeypatch.setattr(fhir, "scan_lines", lambda path: real(path).__class__(*(a[:0] for a in (
        real(path).lines, real(path).starts, real(path).ends))))  # fmt: skip
    with pytest.raises(
        LandingError, match=r"^fhir/a\.ndjson: 0 lines counted but 1 read; the file was not loaded$"
    ):
        load_fhir(con, tmp_path, "run-1")
    assert con.execute("select count(*) from raw.load_history").fetchone()[0] == 0


SECRET_LINES = {
    "not_json": f"{{{NAME} {SSN}",
    "invalid_utf8": (f'{{"name": "{NAME}", "ssn": "{SSN}"').encode("latin-1") + b"\xff}",
    "unknown_site": json.dumps(obs(bodySite={"text": f"{NAME} {SSN}"})),
    "subject": json.dumps(obs(subject={"reference": f"Patient/{SSN}", "display": NAME}, status="draft")),
    "value": json.dumps(obs(valueQuantity={"value": SSN})),
    "date": json.dumps(obs(effectiveDateTime=SSN)),
    "other_type": json.dumps({"resourceType": "Person", "name": [{"text": NAME}]}),
    "patient": json.dumps(
        {"resourceType": "Patient", "id": "P1", "birthDate": SSN, "name": [{"text": NAME}]}
    ),
}


@pytest.mark.parametrize("line", SECRET_LINES.values(), ids=SECRET_LINES.keys())
def test_a_planted_name_and_ssn_never_reach_a_message_or_log(tmp_path, con, line, caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "fhir" / "a.ndjson"
    path.parent.mkdir()
    path.write_bytes(
        (line if isinstance(line, bytes) else line.encode()) + b"\n" + json.dumps(obs()).encode()
    )
    [load] = load_fhir(con, tmp_path, "run-1")
    assert load.balanced and load.rows_quarantined == 1
    texts = [repr(load), caplog.text]
    assert all(NAME not in t and SSN not in t for t in texts)


def test_a_file_error_names_the_file_and_never_the_content(tmp_path, con, monkeypatch):
    write_lines(tmp_path, f"{'x'}.ndjson", [f'{{"name": "{NAME}", "ssn": "{SSN}"}}'])

    def broken(*args, **kwargs):
        raise duckdb.InvalidInputException(f"Malformed JSON near {NAME} {SSN}")

    monkeypatch.setattr(fhir, "_stage", broken)
    with pytest.raises(LandingError) as raised:
        load_fhir(con, tmp_path, "run-1")
    message = str(raised.value)
    assert message == "fhir/x.ndjson: could not be loaded (database error: InvalidInputException)"
    assert raised.value.__cause__ is None and raised.value.__context__ is None
