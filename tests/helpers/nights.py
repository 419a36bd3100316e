"""Helpers of the tests that run the pipeline night after night on one landing folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.runs import AS_OF, tree_digest

ROOT = Path(__file__).resolve().parents[2]  # the project: `python -m tests.helpers...` from there
RUN_ID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def publication(folder: Path) -> dict[str, bytes]:
    """Every published file byte for byte, run ids aside (the manifest's, and the load ids
    that begin with one). The manifest's time and the checks a run evaluated are left out:
    a nightly build that reuses the reference data does not test the seeds again; every
    check it evaluated passed."""
    files = tree_digest(folder)
    manifest = json.loads(files["manifest.json"])
    assert all(check["passed"] for check in manifest.pop("checks"))
    manifest.pop("created_at")
    files["manifest.json"] = json.dumps(manifest, indent=1, sort_keys=True).encode()
    return {path: RUN_ID.sub(b"<run>", content) for path, content in files.items()}


def differences(left: dict[str, bytes], right: dict[str, bytes]) -> list[str]:
    """The paths whose bytes differ (or that only one side has), for a readable failure."""
    return sorted(p for p in left.keys() | right.keys() if left.get(p) != right.get(p))


def run_killed_at(point: str, landing: Path, root: Path, as_of: str = AS_OF) -> subprocess.CompletedProcess:
    """The nightly run in another process, killed (SIGKILL) at ``point`` (tests/helpers/kill_run.py)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.helpers.kill_run", point, str(landing), str(root), as_of],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
    )
