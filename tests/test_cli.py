"""`g2139 run` exit status and messages for unusable input (data contract, "How it is run")."""

from __future__ import annotations

import pytest

from orchestration.cli import main


def run_args(tmp_path, landing) -> list[str]:
    return [
        "run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
        "--output", str(tmp_path / "out"), "--as-of", "2026-11-27",
    ]  # fmt: skip


@pytest.mark.pipeline
def test_missing_landing_folder_fails_naming_it(tmp_path, capsys):
    assert main(run_args(tmp_path, tmp_path / "nowhere")) == 1
    err = capsys.readouterr().err
    assert "nowhere: landing folder does not exist" in err and "nothing was published" in err
    assert not (tmp_path / "out" / "2026").exists()


@pytest.mark.pipeline
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
