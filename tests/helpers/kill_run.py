"""A nightly run in its own process, killed (SIGKILL) at a named point: what a power cut or
`kill -9` does. `python -m tests.helpers.kill_run <point> <landing> <root> <as-of>` (the folders of
`conftest.settings_for`); the tests that use it
check what the next run makes of the warehouse and publication left behind."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from orchestration.publish import release


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    """Kills the process when the run reaches ``point``."""
    if point == "before_manifest":  # every published file written, the manifest not yet
        write_json = release.write_json

        def killing_write_json(path: Path, payload: object) -> None:
            if path.name == release.MANIFEST:
                _kill()
            write_json(path, payload)

        release.write_json = killing_write_json
    elif point == "after_swap":  # the new release is live, nothing after it has run
        swap_in = release.swap_in

        def killing_swap_in(new: Path, target: Path) -> None:
            swap_in(new, target)
            _kill()

        release.swap_in = killing_swap_in
    else:
        raise SystemExit(f"unknown point {point!r}")


def main(point: str, landing: str, root: str, as_of: str) -> int:
    from orchestration.pipeline import run_pipeline
    from orchestration.resources import resolve_settings

    arm(point)
    settings = resolve_settings(
        landing=landing,
        output=str(Path(root) / "published"),
        warehouse=str(Path(root) / "warehouse.duckdb"),
        as_of=as_of,
        performance_year=as_of[:4],
        environ={},
    )
    outcome = run_pipeline(settings)
    print("\n".join(outcome.report_lines()))
    return 0 if outcome.success else 1


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
