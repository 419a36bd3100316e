"""Test modules share code through `tests/helpers/` only: none imports another test module,
`conftest.py`, or a private (underscore) name, so each module can move or change alone."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def problems(source: str, name: str) -> list[str]:
    """What in one file's imports breaks the rule, each named with the file and line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            found.append(f"{name}:{node.lineno}: relative import")
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            names = [alias.name for alias in node.names]
            if node.module == "tests":  # `from tests import helpers` names a module
                modules = [f"tests.{n}" for n in names]
                names = []
        elif isinstance(node, ast.Import):
            modules, names = [alias.name for alias in node.names], []
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] != "tests":
                continue
            if parts[:2] != ["tests", "helpers"]:
                found.append(f"{name}:{node.lineno}: imports {module}, not a helper")
            elif any(p.startswith("_") and p != "__init__" for p in parts):
                found.append(f"{name}:{node.lineno}: imports the private module {module}")
        if modules[0].split(".")[0] == "tests":
            private = [n for n in names if n.startswith("_")]
            found += [f"{name}:{node.lineno}: imports the private name {n}" for n in private]
    return found


def test_tests_import_only_public_helpers():
    files = sorted(TESTS.rglob("*.py"))
    assert len(files) > 40 and (TESTS / "helpers" / "scenarios.py") in files
    found = [
        problem
        for path in files
        for problem in problems(path.read_text(encoding="utf-8"), path.relative_to(TESTS).as_posix())
    ]
    assert not found, "\n".join(found)


def test_the_rule_sees_each_kind_of_breach():
    source = "\n".join([
        "from tests.test_landing import write",
        "from tests.conftest import settings_for",
        "import tests.test_gate",
        "from tests.helpers.reporting import _rate",
        "from tests.helpers._private import thing",
        "from .test_rules import CODES",
        "from tests import test_cli",
        "from tests.helpers.landing import write",
        "from tests import helpers",
        "from orchestration.rules import _private_but_not_a_test",
    ])  # fmt: skip
    assert [p.split(": ", 1)[1] for p in problems(source, "x.py")] == [
        "imports tests.test_landing, not a helper",
        "imports tests.conftest, not a helper",
        "imports tests.test_gate, not a helper",
        "imports the private name _rate",
        "imports the private module tests.helpers._private",
        "relative import",
        "imports tests.test_cli, not a helper",
    ]
