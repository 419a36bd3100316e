"""End to end: the same pain scores delivered as CSV or as a FHIR export give byte-identical feeds.

The landing folder of the measure scenarios is run twice: as written, and with every
pain score that has a FHIR form moved from `pain_score.csv` into a FHIR NDJSON export
(scores without one - the deliberately bad rows - stay in the CSV file), plus Patient
resources repeating eligibility's birth dates.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from demo.fhir import observation, patient
from orchestration.cli import main
from tests.helpers.scenario_runs import Runs, as_of_dates
from tests.helpers.scenarios import PERFORMANCE_YEAR

pytestmark = pytest.mark.pipeline

FEED_FILES = ("episodes.csv", "summary.json")


def _run(landing: Path, root: Path, as_of: date) -> Path:
    output = root / "published"
    code = main([
        "run", "--landing", str(landing), "--warehouse", str(root / "warehouse.duckdb"),
        "--output", str(output), "--as-of", as_of.isoformat(), "--performance-year", str(PERFORMANCE_YEAR),
    ])  # fmt: skip
    assert code == 0
    return output / str(PERFORMANCE_YEAR)


def _as_fhir(landing: Path) -> tuple[int, int]:
    """Moves every score with a FHIR form into fhir/; returns (observations, patients) written."""
    scores = landing / "pain_score" / "pain_score.csv"
    with scores.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames or [], list(reader)
    kept, lines = [], []
    for index, row in enumerate(rows):
        resource = observation(row, index, f"obs-{index}")
        if resource is None:
            kept.append(row)
        else:
            lines.append(json.dumps(resource))
    with scores.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(kept)
    with (landing / "eligibility" / "eligibility.csv").open(newline="", encoding="utf-8") as handle:
        births: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            births.setdefault(row["person_id"], set()).add(row["birth_date"])
    patients = [
        json.dumps(patient(p, next(iter(b)))) for p, b in sorted(births.items()) if len(b) == 1 and _iso(b)
    ]
    folder = landing / "fhir" / "export"
    folder.mkdir(parents=True)
    (folder / "Observation.ndjson").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    (folder / "Patient.ndjson").write_text("".join(f"{line}\n" for line in patients), encoding="utf-8")
    return len(lines), len(patients)


def _iso(values: set[str]) -> bool:
    try:
        return all(date.fromisoformat(v) for v in values)
    except ValueError:
        return False


def _feeds(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.name in FEED_FILES
    }


def test_scores_as_csv_or_as_fhir_give_byte_identical_feeds(scenario_runs: Runs, tmp_path):
    # The CSV delivery is the measure scenarios' own run (shared); the FHIR one is run here.
    csv_run = scenario_runs.get(max(as_of_dates()))
    fhir_landing = tmp_path / "fhir" / "landing"
    shutil.copytree(csv_run.landing, fhir_landing)
    observations, patients = _as_fhir(fhir_landing)
    assert observations > 50 and patients > 10
    from_csv = _feeds(csv_run.published)
    from_fhir_folder = _run(fhir_landing, tmp_path / "fhir", csv_run.as_of)
    from_fhir = _feeds(from_fhir_folder)
    assert len(from_csv) >= 10 and from_fhir.keys() == from_csv.keys()
    for name, content in from_csv.items():
        assert from_fhir[name] == content, f"{name} differs between the CSV and the FHIR delivery"
    manifest = json.loads((from_fhir_folder / "manifest.json").read_text())
    fhir_inputs = [i for i in manifest["inputs"] if i["table"] == "fhir"]
    assert sum(i["rows_read"] for i in fhir_inputs) == observations + patients
    assert all(i["rows_read"] == i["rows_loaded"] + i["rows_quarantined"] for i in fhir_inputs)
