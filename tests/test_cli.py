"""`g2139 run` exit status and messages for unusable input (data contract, "How it is run")."""

from __future__ import annotations

import json
import subprocess
import sys

import dagster as dg
import pytest

from orchestration.automation.alerts import alerts_path
from orchestration.cli import main
from tests.helpers.runs import without_progress


def run_args(tmp_path, landing) -> list[str]:
    return [
        "run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
        "--output", str(tmp_path / "out"), "--as-of", "2026-11-27",
    ]  # fmt: skip


def test_missing_landing_folder_fails_in_one_line_before_creating_anything(tmp_path, capsys):
    import dagster as dg

    runs_before = len(dg.DagsterInstance.get().get_runs())
    assert main(run_args(tmp_path, tmp_path / "nowhere")) == 1
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert "nowhere: landing folder does not exist" in line and "G2139_LANDING_DIR" in line
    assert "nothing was created or published" in line and captured.out == ""
    assert "Error" not in line and "orchestration." not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no warehouse, log or publication folder"
    assert len(dg.DagsterInstance.get().get_runs()) == runs_before, "no Dagster run started"


def test_unusable_paths_and_year_fail_before_work_naming_the_setting(tmp_path, capsys):
    (tmp_path / "landing").mkdir()
    (tmp_path / "w.duckdb").mkdir()  # a folder where the warehouse file should be
    assert main(run_args(tmp_path, tmp_path / "landing")) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "w.duckdb: the warehouse is a folder" in line and "G2139_WAREHOUSE" in line
    (tmp_path / "w.duckdb").rmdir()
    assert main([*run_args(tmp_path, tmp_path / "landing"), "--performance-year", "1999"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "performance year 1999 is not one of 2019.." in line and "G2139_PERFORMANCE_YEAR" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing"]


@pytest.mark.pipeline
def test_landing_without_claims_fails_naming_the_folder_not_a_class(tmp_path, capsys):
    (tmp_path / "landing" / "eligibility").mkdir(parents=True)
    (tmp_path / "landing" / "eligibility" / "e.csv").write_text("person_id,birth_date\nP1,1960-01-01\n")
    assert main(run_args(tmp_path, tmp_path / "landing")) == 1
    err = capsys.readouterr().err
    assert "medical_claim: no usable claims at all" in err
    assert "LandingError" not in err and "orchestration." not in err


def test_version_and_run_help_name_every_setting_its_variable_and_default(capsys):
    from importlib.metadata import version

    from orchestration.automation.alerts import ENV_WEBHOOK
    from orchestration.gate.docs import DEFAULT_RETENTION, ENV_RETENTION
    from orchestration.settings import OTHER_VARIABLES, RUN_OPTIONS

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == f"g2139 {version('g2139')}"
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for option, variable, default, _ in RUN_OPTIONS:
        assert f"{option} " in text and f"env {variable}; default: {default})" in text
    others = {name: default for name, default, _ in OTHER_VARIABLES}
    assert ENV_WEBHOOK in others and others[ENV_RETENTION] == str(DEFAULT_RETENTION)
    for name, default, _ in OTHER_VARIABLES:
        assert f"{name} " in text and f"(default: {default})" in text


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
    lines = without_progress(err)
    assert lines[0] == "g2139 run failed; nothing was published." and len(lines) == 2, err
    assert str(warehouse) in lines[1] or "w.duckdb" in lines[1], lines[1]
    [alert] = [json.loads(line) for line in alerts.read_text().splitlines()[len(before) :]]
    assert alert["failed_steps"] and alert["error_types"]
