"""`g2139 run` exit status and messages for unusable input (data contract, "How it is run")."""

from __future__ import annotations

import json
import subprocess
import sys

import dagster as dg
import pytest

from orchestration.automation.alerts import alerts_path
from orchestration.cli import main


def run_args(tmp_path, landing) -> list[str]:
    return [
        "run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
        "--output", str(tmp_path / "out"), "--as-of", "2026-11-27",
    ]  # fmt: skip


def test_missing_landing_folder_fails_naming_it(tmp_path, capsys):
    assert main(run_args(tmp_path, tmp_path / "nowhere")) == 1
    err = capsys.readouterr().err
    assert "nowhere: landing folder does not exist" in err and "nothing was published" in err
    assert not (tmp_path / "out" / "2026").exists()


def test_landing_without_claims_fails(tmp_path, capsys):
    (tmp_path / "landing" / "eligibility").mkdir(parents=True)
    (tmp_path / "landing" / "eligibility" / "e.csv").write_text("person_id,birth_date\nP1,1960-01-01\n")
    assert main(run_args(tmp_path, tmp_path / "landing")) == 1
    assert "no usable claims at all" in capsys.readouterr().err


def test_unusable_as_of_date_is_a_usage_error(tmp_path, capsys):
    assert main([*run_args(tmp_path, tmp_path)[:-2], "--as-of", "27/11/2026"]) == 2
    assert "G2139_AS_OF" in capsys.readouterr().err


def test_demo_data_refuses_to_mix_with_other_files(tmp_path, capsys):
    assert main(["demo-data", "--out", str(tmp_path), "--people", "50"]) == 0
    (tmp_path / "pain_score" / "stray.csv").write_text("x\n")
    assert main(["demo-data", "--out", str(tmp_path), "--people", "50"]) == 2
    assert "stray.csv" in capsys.readouterr().err


def test_unknown_or_malformed_var_is_a_usage_error(tmp_path, capsys):
    assert main([*run_args(tmp_path, tmp_path), "--var", "one_year_max=4.0"]) == 2
    assert "one_year_max: not a var of dbt_project.yml" in capsys.readouterr().err
    assert main([*run_args(tmp_path, tmp_path), "--var", "improvement_met_min"]) == 2
    assert "expected name=value" in capsys.readouterr().err


DUCKDB_HOLDER = (
    "import sys, time, duckdb\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "print('held', flush=True)\n"
    "time.sleep(120)\n"
)


@pytest.mark.parametrize("trouble", ["corrupt file", "held by another process"])
def test_an_unusable_warehouse_fails_in_one_line_and_its_alert_is_still_recorded(trouble, tmp_path, capsys):
    """The failure handler needs no warehouse: the user reads one line, the alert is made."""
    (tmp_path / "landing").mkdir()
    warehouse = tmp_path / "w.duckdb"
    holder = None
    if trouble == "corrupt file":
        warehouse.write_bytes(b"not a DuckDB file\n" * 4096)
    else:
        command = [sys.executable, "-c", DUCKDB_HOLDER, str(warehouse)]
        holder = subprocess.Popen(command, stdout=subprocess.PIPE)
        assert holder.stdout.readline().strip() == b"held"
    alerts = alerts_path(dg.DagsterInstance.get())
    before = alerts.read_text().splitlines() if alerts.exists() else []
    try:
        assert main(run_args(tmp_path, tmp_path / "landing")) == 1
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and out == ""
    lines = err.splitlines()
    assert lines[0] == "g2139 run failed; nothing was published." and len(lines) == 2, err
    assert str(warehouse) in lines[1] or "w.duckdb" in lines[1], lines[1]
    [alert] = [json.loads(line) for line in alerts.read_text().splitlines()[len(before) :]]
    assert alert["failed_steps"] and alert["error_types"]
