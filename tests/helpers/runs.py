"""One published run of the pipeline, and the settings a test run uses."""

from __future__ import annotations

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
        warehouse = destination / "warehouse.duckdb"
        destination.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.settings.warehouse, warehouse)
        shutil.copytree(self.settings.output_dir, destination / "published", symlinks=True)
        settings = settings_for(self.settings.landing_dir, destination, warehouse=warehouse)
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
