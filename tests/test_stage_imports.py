"""The shape of the code location, read from the source: four sibling stages, none importing
another; shared modules import no stage; `definitions` only wires; publish reads marts only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "orchestration"
STAGES = ("ingest", "transform", "gate", "publish")
SHARED = ("resources", "rules", "warehouse")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "orchestration" and parts[1] in STAGES else None


def test_every_stage_is_a_package():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_other_stage(stage):
    for path in (PACKAGE / stage).rglob("*.py"):
        others = {stage_of(m) for m in imported_modules(path)} - {None, stage}
        assert not others, f"{path.relative_to(PACKAGE)} imports stage(s) {sorted(others)}"


@pytest.mark.parametrize("module", SHARED)
def test_shared_modules_import_no_stage(module):
    stages = {stage_of(m) for m in imported_modules(PACKAGE / f"{module}.py")} - {None}
    assert not stages, f"{module}.py imports {sorted(stages)}"


def test_expectations_import_only_shared_modules():
    for path in (PACKAGE.parent / "expectations").glob("*.py"):
        ours = {m for m in imported_modules(path) if m.startswith("orchestration")}
        assert all(m.split(".")[1] in SHARED for m in ours), (path.name, ours)


def test_definitions_only_wires():
    source = (PACKAGE / "definitions.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert functions == ["build_definitions"]
    assert "duckdb" not in source and "select " not in source.lower()


def test_publish_reads_only_marts_and_writes_nothing_to_the_warehouse():
    sql = "\n".join(p.read_text(encoding="utf-8") for p in (PACKAGE / "publish").glob("*.py"))
    assert re.search(r"\b(raw|reference|meta|staging|intermediate)\.[a-z_]+", sql) is None
    assert "marts.episodes" in sql
    # The warehouse's read methods (rows, frame, copy_csv) open read-only connections.
    assert ".execute(" not in sql and ".connect(" not in sql
