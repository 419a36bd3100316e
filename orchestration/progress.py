"""Where a run is: its stage, the files or models done, rows per second, elapsed time.

On a terminal a live display (rich) shows each stage as it goes; otherwise one plain line
per finished stage keeps logs readable. Stages report through the module functions
(`stage`, `advance`), which do nothing unless `g2139 run` or `g2139 bench` shows progress in
this process: under the Dagster daemon a run reports nothing here (its events are in the UI).

Only names of stages, files and models and counts are shown: never a row's content.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Stage:
    name: str
    unit: str  # what `done` counts: files, models, checks, runs
    total: int | None = None
    done: int = 0
    rows: int = 0
    item: str = ""
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def rate(self) -> str:
        seconds = self.seconds
        return f"{self.rows / seconds:,.0f} rows/s" if self.rows and seconds > 0 else ""

    def count(self) -> str:
        """`3 files`, `1 file`, `12/40 models`."""
        unit = self.unit.removesuffix("s") if (self.total or self.done) == 1 else self.unit
        return f"{self.done}/{self.total} {unit}" if self.total is not None else f"{self.done} {unit}"

    def line(self) -> str:
        """The stage in one plain line (when it ends, or when not on a terminal)."""
        parts = [self.count()]
        if self.rows:
            parts.append(f"{self.rows:,} rows, {self.rate()}")
        return f"{self.name}: {', '.join(parts)}, {self.seconds:.1f} s"


class PlainProgress:
    """One line per finished stage, for logs and pipes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.current: Stage | None = None

    def stage(self, name: str, unit: str, total: int | None) -> None:
        self.end()
        self.current = Stage(name, unit, total)

    def advance(self, item: str, rows: int, count: int) -> None:
        if self.current is not None:
            self.current.done += count
            self.current.rows += rows
            self.current.item = item

    def end(self) -> None:
        if self.current is not None:
            print(self.current.line(), file=self.stream, flush=True)
            self.current = None


class LiveProgress(PlainProgress):
    """A rich display on a terminal: the stage running, its last file or model, the count
    (of a known total), rows per second and elapsed time; each finished stage stays as a line."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        super().__init__(stream)
        self.display = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[count]}"),
            TextColumn("[cyan]{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[item]}"),
            console=Console(file=stream),
            refresh_per_second=4,
        )
        self.display.start()
        self.task = None

    def _fields(self) -> dict:
        stage = self.current
        return {"count": stage.count(), "rate": stage.rate(), "item": stage.item[-48:]}

    def stage(self, name: str, unit: str, total: int | None) -> None:
        super().stage(name, unit, total)
        self.task = self.display.add_task(name, total=total, **self._fields())

    def advance(self, item: str, rows: int, count: int) -> None:
        super().advance(item, rows, count)
        if self.task is not None:
            self.display.update(self.task, completed=self.current.done, **self._fields())

    def end(self) -> None:
        if self.current is not None and self.task is not None:
            done = self.current.done
            self.display.update(self.task, total=max(done, 1), completed=max(done, 1), **self._fields())
        self.current, self.task = None, None

    def close(self) -> None:
        self.end()
        self.display.stop()


_shown: PlainProgress | None = None


@contextlib.contextmanager
def showing(stream: TextIO | None = None, live: bool | None = None) -> Iterator[PlainProgress]:
    """Progress of what runs in this process, on `stream` (stderr): live on a terminal."""
    global _shown
    out = sys.stderr if stream is None else stream
    is_live = out.isatty() if live is None else live
    shown = LiveProgress(out) if is_live else PlainProgress(out)
    previous, _shown = _shown, shown
    try:
        yield shown
    finally:
        _shown = previous
        if isinstance(shown, LiveProgress):
            shown.close()
        else:
            shown.end()


def stage(name: str, unit: str = "files", total: int | None = None) -> None:
    """A stage begins (the previous one, if any, ends)."""
    if _shown is not None:
        _shown.stage(name, unit, total)


def advance(item: str = "", rows: int = 0, count: int = 1) -> None:
    """`count` files, models or checks of the stage done (`item`: the last one's name)."""
    if _shown is not None:
        _shown.advance(item, rows, count)


def end() -> None:
    """The stage running ends (its line is printed)."""
    if _shown is not None:
        _shown.end()
