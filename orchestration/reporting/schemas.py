"""The publication's `schema/` folder and the validation of every JSON file against it.

The JSON Schemas are templates shipped with the package (schemas/*.json). Their enumerations
(measure ids, strata, QPP stratum names, payers, outcomes) are not written in them: a template
names the seed column that holds them (`x-enum-from`, `x-required-from`) and `generated_schemas`
fills them in from the seeds the models use, so a new measure, stratum or payer is a seed row.
The column dictionary of episodes.csv is built from the seeds the same way.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from orchestration.reporting.facts import Files, dump_json

SCHEMA_DIR = Path(__file__).parent / "schemas"
EPISODE_COLUMNS_FILE = Path(__file__).with_name("episode_columns.json")
# `<payer>/<measure_id>/episodes.csv` of the measures beside the headline one: its columns in
# file order (the publisher writes exactly these).
MEASURE_EPISODE_COLUMNS_FILE = Path(__file__).with_name("measure_episode_columns.json")
COLUMN_DICTIONARY = "schema/episodes.columns.json"
MEASURE_COLUMN_DICTIONARY = "schema/measure-episodes.columns.json"
# Published path pattern -> schema file (first match wins; PurePosixPath.match is from the right,
# and a pattern matches only paths with as many folders).
SCHEMA_OF = (
    ("all_payers/summary.json", "all-payers-summary.schema.json"),
    ("qpp/*/*.json", "qpp-measurement-set.schema.json"),
    (COLUMN_DICTIONARY, "episodes-columns.schema.json"),
    (MEASURE_COLUMN_DICTIONARY, "episodes-columns.schema.json"),
    ("manifest.json", "manifest.schema.json"),
    ("data_quality.json", "data-quality.schema.json"),
    ("*/summary.json", "summary.schema.json"),
    ("*/*/summary.json", "measure-summary.schema.json"),
)
BOOLEAN = ["false", "true"]
# Seed columns that hold each enumeration a template may name; a missing seed adds nothing.
# Measure ids: every seed that names the family's measures (the measures seed among them).
SEED_SOURCES = {
    "measure_id": ("measure.measure_id", "measure_stratum.measure_id", "quality_code.measure_id",
                   "qpp_mvp.measure_id"),
    "stratum": ("measure_stratum.stratum",),
    "qpp_stratum": ("qpp_stratum_name.qpp_stratum",),
    "payer": ("payer_alias.payer",),
    "outcome": ("quality_code.outcome",),
}  # fmt: skip
ENUM_FROM, REQUIRED_FROM = "x-enum-from", "x-required-from"


def template_schemas() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(SCHEMA_DIR.glob("*.schema.json"))}


def seed_values(seeds_dir: Path, source: str) -> list[str]:
    """The distinct values of a named enumeration (SEED_SOURCES), read from the seeds."""
    values: set[str] = set()
    for reference in SEED_SOURCES[source]:
        seed, column = reference.split(".")
        values |= set(_distinct(_seed(seeds_dir, seed), column))
    return sorted(values)


def _fill(node: Any, seeds_dir: Path) -> Any:
    if isinstance(node, list):
        return [_fill(item, seeds_dir) for item in node]
    if not isinstance(node, dict):
        return node
    filled = {key: _fill(value, seeds_dir) for key, value in node.items()}
    if ENUM_FROM in node:
        filled["enum"] = seed_values(seeds_dir, node[ENUM_FROM]) + list(node.get("x-enum-extra", []))
    if REQUIRED_FROM in node:
        filled["required"] = seed_values(seeds_dir, node[REQUIRED_FROM])
    return filled


def generated_schemas(seeds_dir: Path) -> dict[str, dict[str, Any]]:
    """Every schema with its enumerations read from the seeds (what the publication ships)."""
    return {name: _fill(schema, seeds_dir) for name, schema in template_schemas().items()}


def _validators(schemas: Mapping[str, dict[str, Any]]) -> dict[str, Draft202012Validator]:
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return {
        name: Draft202012Validator(
            schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for name, schema in schemas.items()
    }


def schema_name_for(path: str) -> str | None:
    if path.startswith("schema/") and path not in (COLUMN_DICTIONARY, MEASURE_COLUMN_DICTIONARY):
        return None
    for pattern, name in SCHEMA_OF:
        if PurePosixPath(path).match(pattern) and path.count("/") == pattern.count("/"):
            return name
    return None


def schema_failures(files: Mapping[str, bytes]) -> list[str]:
    """Every JSON file of the publication against the schema the publication itself ships (in
    `schema/`); those schemas against the draft 2020-12 meta-schema. fhir/ files are checked by
    the FHIR library instead."""
    failures = []
    shipped = {}
    for path in sorted(files):
        if path.startswith("schema/") and path.endswith(".schema.json"):
            schema = json.loads(files[path])
            meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
            failures += [f"{path}: not a draft 2020-12 schema: {e.message}" for e in meta.iter_errors(schema)]
            shipped[PurePosixPath(path).name] = schema
    validators = _validators(shipped)
    for path in sorted(files):
        name = schema_name_for(path)
        if name is None:
            continue
        if name not in validators:
            failures.append(f"{path}: the publication ships no schema/{name}")
            continue
        try:
            instance = json.loads(files[path])
        except ValueError as error:
            failures.append(f"{path}: not JSON: {error}")
            continue
        errors = sorted(validators[name].iter_errors(instance), key=lambda e: list(e.absolute_path))
        for error in errors:
            where = "/".join(map(str, error.absolute_path)) or "(root)"
            failures.append(f"{path} {where}: {error.message} [{name}]")
    return failures


def _seed(seeds_dir: Path, name: str) -> list[dict[str, str]]:
    path = seeds_dir / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _distinct(rows: Iterable[Mapping[str, str]], column: str) -> list[str]:
    return sorted({row[column] for row in rows if row.get(column)})


def _value_sets(seeds_dir: Path, strata: list[dict[str, str]]) -> list[dict[str, str]]:
    names = _distinct(strata, "procedure_value_set") or ["lumbar_fusion", "lumbar_discectomy"]
    # Add-on codes never start an episode, so they never appear as its procedure code.
    rows = [row for name in names for row in _seed(seeds_dir, name)]
    return [row for row in rows if row.get("role", "primary") == "primary"]


def episode_columns() -> list[dict[str, Any]]:
    """episodes.csv in file order: name, type, nullable (empty cells allowed), meaning.

    A data file beside this module, so that the columns' documentation is edited as data.
    """
    return json.loads(EPISODE_COLUMNS_FILE.read_text(encoding="utf-8"))


def measure_episode_columns() -> list[dict[str, Any]]:
    """`<payer>/<measure_id>/episodes.csv` in file order, like episode_columns()."""
    return json.loads(MEASURE_EPISODE_COLUMNS_FILE.read_text(encoding="utf-8"))


def _allowed(seeds_dir: Path) -> dict[str, dict[str, list[str]]]:
    """Per column, its allowed values (or code prefixes), read from the seeds the models use."""
    codes = _seed(seeds_dir, "quality_code")
    strata = _seed(seeds_dir, "measure_stratum")
    procedures = _value_sets(seeds_dir, strata)
    exact = [row for row in procedures if row.get("match_type", "exact") == "exact"]
    exclusions = _seed(seeds_dir, "spine_exclusion")
    return {
        "payer": {"allowed_values": seed_values(seeds_dir, "payer")},
        "procedure_code": {
            "allowed_values": _distinct(exact, "code"),
            "allowed_prefixes": _distinct([row for row in procedures if row not in exact], "code"),
        },
        "outcome": {"allowed_values": sorted({*_distinct(codes, "outcome"), "pending"})},
        "quality_code": {"allowed_values": _distinct(codes, "quality_code")},
        "g2139": {"allowed_values": BOOLEAN},
        "exclusion_reason": {"allowed_values": _distinct(exclusions, "reason")},
        "is_final": {"allowed_values": BOOLEAN},
        # measure_stratum is the home of the strata; quality_code names them too.
        "stratum": {"allowed_values": seed_values(seeds_dir, "stratum") or _distinct(codes, "stratum")},
        "procedure_code_system": {"allowed_values": _distinct(procedures, "code_system")},
        "exclusion_diagnosis_code": {"allowed_prefixes": _distinct(exclusions, "code_prefix")},
    }


def column_dictionary(seeds_dir: Path, measure_file: bool = False) -> dict[str, Any]:
    """episodes.csv (or, with `measure_file`, `<measure_id>/episodes.csv`), column by column, with
    allowed values read from the seeds."""
    allowed = _allowed(seeds_dir)
    allowed["measure_id"] = {"allowed_values": seed_values(seeds_dir, "measure_id")}
    return {
        "file": "<payer>/<measure_id>/episodes.csv" if measure_file else "<payer>/episodes.csv",
        "format": "CSV, comma-separated, header row, UTF-8; booleans true/false; empty cell = no value",
        "columns": [
            {**column, "allowed_values": None, **allowed.get(column["name"], {})}
            for column in (measure_episode_columns() if measure_file else episode_columns())
        ],
    }


def schema_files(seeds_dir: Path) -> Files:
    files = {f"schema/{name}": dump_json(schema) for name, schema in generated_schemas(seeds_dir).items()}
    files[COLUMN_DICTIONARY] = dump_json(column_dictionary(seeds_dir))
    files[MEASURE_COLUMN_DICTIONARY] = dump_json(column_dictionary(seeds_dir, measure_file=True))
    return files


def read_payer_names(seeds_dir: Path) -> dict[str, str]:
    """Canonical payer key -> display name, from seed payer_alias."""
    return {row["payer"]: row["payer_name"] for row in _seed(seeds_dir, "payer_alias")}
