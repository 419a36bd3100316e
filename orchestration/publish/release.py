"""Release mechanics: a private release folder, filled, listed, then swapped in atomically.

Everything is written into a fresh folder under ``<output>/.releases``, listed with
sha256 and row counts in ``manifest.json``, then made visible by one atomic rename of
the ``<output>/<PY>`` link: readers see the previous complete set or the new one, never
a mix, and a failure leaves the previous set intact. Files are 0600, folders 0700.
Nothing here knows what the files hold (see ``feeds``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.checksums import file_sha256

RELEASES = ".releases"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Release:
    folder: Path
    outputs: list[dict]


def private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def write_json(path: Path, payload: object) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")


def list_outputs(release: Path) -> list[dict]:
    """Every file of the release with its sha256 and, for CSV, its data rows."""
    outputs = []
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        rows = sum(1 for _ in path.open("rb")) - 1 if path.suffix == ".csv" else None
        outputs.append(
            {"path": path.relative_to(release).as_posix(), "sha256": file_sha256(path), "rows": rows}
        )
    return outputs


def swap_in(release: Path, target: Path) -> None:
    """Points `<output>/<PY>` at the new release with one atomic rename."""
    link = target.with_name(f".{target.name}.{release.name}.link")
    link.unlink(missing_ok=True)
    link.symlink_to(release.relative_to(target.parent))
    if target.exists() and not target.is_symlink():
        # A folder left by another tool: keep it among the releases, then swap.
        target.rename(target.parent / RELEASES / f"{target.name}-previous")
    os.replace(link, target)


def prune(releases: Path, year: int, keep: Path) -> None:
    for old in releases.glob(f"{year}-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def write_release(
    output_dir: Path, year: int, run_id: str, fill: Callable[[Path], dict[str, Any]]
) -> Release:
    """Runs `fill(release_folder)`, which writes the files and returns the manifest's fields;
    adds `outputs`, writes the manifest and swaps the release in. On any failure the
    half-written release is removed and the previous publication stays in place."""
    private_dir(output_dir)
    releases = output_dir / RELEASES
    private_dir(releases)
    release = releases / f"{year}-{run_id}"
    try:
        private_dir(release)
        fields = fill(release)
        outputs = list_outputs(release)
        write_json(release / MANIFEST, {**fields, "outputs": outputs})
        swap_in(release, output_dir / str(year))
    except BaseException:
        shutil.rmtree(release, ignore_errors=True)
        raise
    prune(releases, year, keep=release)
    return Release(folder=output_dir / str(year), outputs=outputs)
