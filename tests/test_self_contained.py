"""The project stands on its own: no tracked file points at material a clone does not have."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Spelled in pieces so that this file does not cite them itself.
OUTSIDE = ("DEVELOPERS" + ".md", "../" + "shared", "/work/" + "shared")


def test_no_file_cites_material_outside_the_project():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(tracked) > 100
    for name in tracked:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".parquet", ".duckdb"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not [n for n in OUTSIDE if n in text], name
