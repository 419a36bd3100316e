"""One run per warehouse at a time, whoever starts it: `g2139 run`, the schedule, the
landing sensor or the UI.

A run holds an exclusive OS lock (``flock``) on ``<warehouse>.lock`` from its start to its
end; the lock goes with the process, so a killed run never leaves it behind. A second run
waits for it a bounded time (``G2139_RUN_WAIT_SECONDS``, default 600), saying so in one
line, then refuses in one line. `g2139 run` takes it before the job starts and lets it go when the job has
finished; the job's own taking of it (what protects the runs the daemon or the UI launch,
each in its own process) is then nothing more, and otherwise lasts until the process ends.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ENV_WAIT = "G2139_RUN_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 600.0
POLL_SECONDS = 0.2

_held: dict[str, list[int]] = {}  # lock path -> [file descriptor, times taken]


class RunLockError(RuntimeError):
    """Another run kept the warehouse for longer than this run would wait (or no lock file)."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.name}.lock")


def wait_seconds(environ: dict[str, str] | None = None) -> float:
    text = (os.environ if environ is None else environ).get(ENV_WAIT, "").strip()
    try:
        return max(0.0, float(text)) if text else DEFAULT_WAIT_SECONDS
    except ValueError:
        return DEFAULT_WAIT_SECONDS


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def acquire(warehouse: Path, tell: Callable[[str], None] = say) -> None:
    """Takes the warehouse's run lock, waiting up to ``wait_seconds()`` for another run."""
    path = lock_path(warehouse.absolute())
    key = str(path)
    if key in _held:
        _held[key][1] += 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise RunLockError(f"{path}: the run lock cannot be made ({error.strerror or error})") from None
    try:
        if not _try_lock(fd):
            wait = wait_seconds()
            tell(f"g2139: another run is using {warehouse}; waiting up to {wait:g} s for it to finish")
            deadline = time.monotonic() + wait
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise RunLockError(
                        f"another run is still using {warehouse} after {wait:g} s; "
                        "nothing was done: run again when it has finished"
                    )
                time.sleep(POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise
    _held[key] = [fd, 1]


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def hold(warehouse: Path, tell: Callable[[str], None] = say) -> None:
    """Takes the lock unless this process holds it already; kept until the process ends or
    the one who took it first releases it."""
    if str(lock_path(warehouse.absolute())) not in _held:
        acquire(warehouse, tell)


def release(warehouse: Path) -> None:
    key = str(lock_path(warehouse.absolute()))
    held = _held.get(key)
    if held is None:
        return
    held[1] -= 1
    if held[1] == 0:
        del _held[key]
        os.close(held[0])  # closing the descriptor releases the lock


@contextmanager
def run_lock(warehouse: Path, tell: Callable[[str], None] = say) -> Iterator[None]:
    acquire(warehouse, tell)
    try:
        yield
    finally:
        release(warehouse)
