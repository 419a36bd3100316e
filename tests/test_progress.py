"""Where a run is: one plain line per stage off a terminal, a live display on one, nothing
when no command shows progress (a run under the daemon)."""

from __future__ import annotations

import io
import re

from orchestration import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_name_stage_count_rows_per_second_and_elapsed():
    out = io.StringIO()
    with progress.showing(out):
        progress.stage("ingest medical_claim", "files")
        progress.advance("medical_claim/2026-11/a.csv", rows=1_200)
        progress.advance("medical_claim/2026-11/b.csv", rows=800)
        progress.stage("dbt build", "models", total=3)
        progress.advance("episodes")
        progress.end()
        progress.stage("publish", "files")
        progress.advance("2026", count=1)
    first, second, third = out.getvalue().splitlines()
    assert re.fullmatch(r"ingest medical_claim: 2 files, 2,000 rows, [\d,]+ rows/s, \d+\.\d s", first)
    assert re.fullmatch(r"dbt build: 1/3 models, \d+\.\d s", second)
    assert re.fullmatch(r"publish: 1 file, \d+\.\d s", third)
    assert "a.csv" not in out.getvalue(), "off a terminal a stage is one line: no file names"


def test_live_display_on_a_terminal_shows_the_stage_its_files_and_rate():
    out = _Terminal()
    with progress.showing(out):
        assert isinstance(progress._shown, progress.LiveProgress)
        progress.stage("ingest pain_score", "files")
        progress.advance("pain_score/p.csv", rows=5_000)
    text = out.getvalue()
    assert "ingest pain_score" in text and "1 file" in text and "rows/s" in text


def test_nothing_is_shown_without_a_command_showing_progress():
    assert progress._shown is None
    progress.stage("ingest eligibility")  # as under the daemon: no display, no error
    progress.advance("eligibility/e.csv", rows=3)
    progress.end()
