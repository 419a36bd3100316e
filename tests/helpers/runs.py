"""One published run of the pipeline, and the settings a test run uses."""

from __future__ import annotations

import dataclasses
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.resources import RunSettings, resolve_settings

AS_OF = "2026-11-27"
DEMO_PEOPLE = 3000
DEMO_SEED = 2139


@dataclass
class Published:
    settings: RunSettings
    run_id: str

    @property
    def folder(self) -> Path:
        return self.settings.output_dir / str(self.settings.performance_year)

    def copy_to(self, destination: Path) -> Published:
        """An independent copy (warehouse and publication) for a test that changes things."""
        warehouse, output = destination / "warehouse.duckdb", destination / "published"
        destination.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.settings.warehouse, warehouse)
        shutil.copytree(self.settings.output_dir, output, symlinks=True)
        settings = dataclasses.replace(self.settings, warehouse=warehouse, output_dir=output)
        return Published(settings, self.run_id)


def settings_for(landing: Path, root: Path, warehouse: Path | None = None) -> RunSettings:
    return resolve_settings(
        landing=str(landing),
        output=str(root / "published"),
        warehouse=str(warehouse or root / "warehouse.duckdb"),
        as_of=AS_OF,
        performance_year="2026",
        environ={},
    )


def tree_digest(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (following the release link) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@dataclass
class NextDay:
    """The demo run's warehouse one night later: `g2139 run --as-of 2026-11-28` on a copy of
    it (the marts rebuilt, the unchanged reference data reused), with what that run left."""

    run: Published  # read only: a test that changes things works on `run.copy_to(tmp_path)`
    stdout: list[str]  # what `g2139 run` printed
    manifest: dict
    dbt_results: list[dict]  # the build's run_results.json
    seed_decision: str  # the build decision recorded on seed lumbar_fusion's materialization
    seed_row_count: int  # the row count recorded there
    seed_rows_before: int  # the seed's rows in the warehouse before the run


def without_progress(err: str) -> list[str]:
    """A run's stderr lines past its progress (one plain line per stage, ending in its time)."""
    return [line for line in err.splitlines() if not re.search(r", \d+\.\d s$", line)]
