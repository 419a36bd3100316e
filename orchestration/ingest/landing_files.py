"""Finding a landing table's files, and saying in plain words what went wrong with one."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.landing_spec import TABLES, LandingError, TableSpec

SUPPORTED_SUFFIXES = (".csv", ".parquet")
_KIND_NAMES = {".csv": "CSV", ".parquet": "Parquet", ".ndjson": "NDJSON"}


def _kinds(suffixes: tuple[str, ...]) -> tuple[str, str]:
    """("CSV or Parquet", "*.csv or *.parquet"): what a folder's files must be, in words."""
    names = " or ".join(_KIND_NAMES.get(s, s) for s in suffixes)
    return names, " or ".join(f"*{s}" for s in suffixes)


def landing_files(
    landing_dir: Path, table: str, suffixes: tuple[str, ...] = SUPPORTED_SUFFIXES
) -> list[Path]:
    """The files of one landing table, found recursively, in order of relative path.

    Subfolders are part of the table (landing zones partition by date). Hidden
    entries (a leading dot: uploads in progress, editor and OS files) are skipped.
    Anything else that is not a readable CSV or Parquet file fails the run, named:
    nothing in a table's folder is ignored without a word.
    """
    folder = landing_dir / table
    if not os.path.lexists(folder):
        return []
    if not folder.is_dir():
        raise LandingError(f"{table}: not a folder")
    files: list[Path] = []
    _walk(landing_dir, folder, files, set(), suffixes, refuse=True)
    return sorted(files, key=lambda p: p.relative_to(landing_dir).as_posix())


def landing_tables() -> tuple[TableSpec, ...]:
    """Every landing table the loader reads, each from its folder `<landing>/<name>/`:
    the tables of the landing spec (CSV or Parquet) and the FHIR exports (NDJSON)."""
    from orchestration.ingest.fhir_sql import FHIR

    return (*TABLES.values(), FHIR)


def landing_inventory(landing_dir: Path) -> dict[str, Path]:
    """What a run's loader will look at, by path relative to the landing folder: every file
    of every landing table's folder, found as the loader finds them (recursively, hidden
    entries skipped). A file the loader would refuse (another kind) is listed too: a run
    then fails naming it, instead of the file going unnoticed. The landing sensor asks this."""
    files: list[Path] = []
    for spec in landing_tables():
        folder = landing_dir / spec.name
        if folder.is_dir():
            _walk(landing_dir, folder, files, set(), spec.suffixes, refuse=False)
    return {p.relative_to(landing_dir).as_posix(): p for p in sorted(files)}


def _walk(
    landing_dir: Path,
    folder: Path,
    files: list[Path],
    seen: set[tuple[int, int]],
    suffixes: tuple[str, ...],
    refuse: bool,
) -> None:
    shown = folder.relative_to(landing_dir).as_posix()
    try:
        info = folder.stat()
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        raise LandingError(f"{shown}: {plain_error(error)}") from None
    if (info.st_dev, info.st_ino) in seen:  # a link back up the tree: each folder once
        return
    seen.add((info.st_dev, info.st_ino))
    kinds, patterns = _kinds(suffixes)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        name = path.relative_to(landing_dir).as_posix()
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise LandingError(f"{name}: symbolic link to a file that does not exist") from None
        except OSError as error:
            raise LandingError(f"{name}: {plain_error(error)}") from None
        if stat.S_ISDIR(mode):
            if refuse and path.suffix.lower() in suffixes:
                raise LandingError(f"{name}: a folder named like a file (expected a {kinds} file)")
            _walk(landing_dir, path, files, seen, suffixes, refuse)
        elif not refuse:
            files.append(path)
        elif not stat.S_ISREG(mode):
            raise LandingError(f"{name}: not a regular file")
        elif path.suffix.lower() not in suffixes:
            raise LandingError(f"{name}: not a {kinds} file (expected {patterns})")
        elif not os.access(path, os.R_OK):
            raise LandingError(f"{name}: cannot be read (permission denied)")
        else:
            files.append(path)


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int


def file_state(path: Path, name: str) -> FileState:
    """Size and modification time; a file whose state changes while it is read waits a run."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise LandingError(f"{name}: the file disappeared while it was read") from None
    return FileState(info.st_size, info.st_mtime_ns)


class EngineFailure(Exception):
    """Another engine's failure, already in plain words (its own text can quote rows)."""


def plain_error(error: BaseException) -> str:
    """An operating-system or engine failure in plain words, without the engine's text.

    Engine messages can quote the offending line (row content) and carry SQL and
    hints meant for developers, so only what the user can act on is kept.
    """
    number = getattr(error, "errno", None)
    text = str(error)
    if number == errno.ENOSPC or "No space left on device" in text:
        return "No space left on device"
    if isinstance(error, PermissionError) or number == errno.EACCES:
        return "cannot be read (permission denied)"
    if isinstance(error, FileNotFoundError):
        return "the file disappeared while it was read"
    if isinstance(error, duckdb.OutOfMemoryException) or "Out of Memory" in text:
        return "not enough memory to load the file"
    if isinstance(error, EngineFailure):
        return f"could not be loaded ({error})"
    if isinstance(error, OSError):
        return f"cannot be read ({os.strerror(number) if number else 'input/output error'})"
    return f"could not be loaded (database error: {type(error).__name__})"
