"""The shape of the code location, read from the source: four sibling stages, none importing
another; shared modules import no stage; the engines depend on stages' public names only and
only `definitions` chooses them; no import cycle anywhere; `definitions` only wires; publish
reads marts only; no code file over 400 lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.helpers.import_graph import find_cycle, import_graph

PACKAGE = Path(__file__).resolve().parent.parent / "orchestration"
STAGES = ("ingest", "transform", "gate", "publish")
SHARED = ("resources", "rules", "warehouse", "asset_keys")
ROOT = PACKAGE.parent
CODE_FOLDERS = ("orchestration", "expectations", "bench", "demo")
MAX_LINES = 400


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
    assert "import duckdb" not in source and "select " not in source.lower()


def test_publish_reads_only_marts_and_writes_nothing_to_the_warehouse():
    sql = "\n".join(p.read_text(encoding="utf-8") for p in (PACKAGE / "publish").glob("*.py"))
    assert re.search(r"\b(raw|reference|meta|staging|intermediate)\.[a-z_]+", sql) is None
    assert "marts.episodes" in sql
    # The warehouse's read methods (rows, frame, copy_csv) open read-only connections.
    assert ".execute(" not in sql and ".connect(" not in sql


def test_the_code_location_has_no_import_cycle():
    assert find_cycle(import_graph(PACKAGE)) is None


def test_an_import_cycle_is_found_even_through_a_function_level_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def late():\n    from ..c import helper\n")
    (package / "c.py").write_text("from pkg import a\n")
    assert find_cycle(import_graph(package)) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]
    (package / "c.py").write_text("import os\n")
    assert find_cycle(import_graph(package)) is None


def test_only_definitions_chooses_an_engine():
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "engines" or path.name == "definitions.py":
            continue
        engines = {m for m in imported_modules(path) if m.startswith("orchestration.engines")}
        assert not engines, f"{path.relative_to(PACKAGE)} imports {sorted(engines)}"


def test_engines_use_only_public_names_of_the_stages():
    for path in (PACKAGE / "engines").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and stage_of(node.module or ""):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"engines/{path.name} imports {private} from {node.module}"


def test_no_module_imports_another_modules_private_names():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("orchestration"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.relative_to(PACKAGE)} imports {private} from {node.module}"


def test_the_engines_are_covered_by_these_rules():
    assert (PACKAGE / "engines" / "__init__.py").is_file()
    assert any(m.startswith("orchestration.engines") for m in import_graph(PACKAGE))


def test_no_code_file_is_over_400_lines():
    files = [p for folder in CODE_FOLDERS for p in (ROOT / folder).rglob("*.py")]
    assert len(files) > 50
    long = {
        str(p.relative_to(ROOT)): n
        for p in files
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"over {MAX_LINES} lines: {long}"
