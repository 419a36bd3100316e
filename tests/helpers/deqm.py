"""A conformance checker for the DEQM Summary MeasureReport profile that reads the profile's
StructureDefinition (tests/fixtures/deqm, as HL7 publishes it) and checks an instance against
every constraint of its differential that an instance can be checked against offline:

- cardinality (min/max) of every element, extension slices included (matched by their URL),
  relative to each occurrence of the parent element;
- fixed[x] and pattern[x] values;
- required bindings, against the value sets' codes (FHIR R4, held below: no terminology server);
- target profiles of references (reporter: an Organization) and of the measure canonical
  (a Measure of the publication with that url and version);
- the profile's invariants (deqm-0 ... deqm-9), each written here in Python as its FHIRPath
  expression reads; an invariant of the profile without a Python twin is itself a finding;
- the extensions used (measure scoring, reporter group) against their own StructureDefinitions.

mustSupport is an obligation on systems, not on instances: not checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deqm"
PROFILE = "StructureDefinition-summary-measurereport-deqm.json"
# Codes of the value sets the profile binds as required (FHIR R4 4.0.1).
VALUE_SETS = {
    "http://hl7.org/fhir/ValueSet/measure-report-status": {"complete", "pending", "error"},
}
# Codes of FHIR R4's measure-scoring code system (the measure scoring extension's binding).
MEASURE_SCORING = {"proportion", "ratio", "continuous-variable", "cohort"}
Resource = dict[str, Any]


@cache
def structure_definition(name: str = PROFILE) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def extension_definitions() -> dict[str, dict[str, Any]]:
    definitions = (
        structure_definition(p.name) for p in sorted(FIXTURES.glob("StructureDefinition-extension-*.json"))
    )
    return {d["url"]: d for d in definitions}


def as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def children(node: dict[str, Any], name: str) -> list[Any]:
    """The values of an element name; `value[x]` is any `value<Type>` key."""
    if name.endswith("[x]"):
        stem = name[:-3]
        return [v for k, v in node.items() if k.startswith(stem) and k[len(stem) : len(stem) + 1].isupper()]
    return as_list(node.get(name))


def slice_urls(elements: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Element id of an extension slice -> the extension's URL (its type profile)."""
    return {e["id"]: e["type"][0]["profile"][0] for e in elements if "sliceName" in e and e.get("type")}


def _step(nodes: list[Any], segment: str, prefix: str, urls: dict[str, str]) -> list[Any]:
    name, _, slice_name = segment.partition(":")
    found = [child for node in nodes if isinstance(node, dict) for child in children(node, name)]
    if slice_name:
        url = urls[f"{prefix}.{segment}" if prefix else segment]
        found = [child for child in found if isinstance(child, dict) and child.get("url") == url]
    return found


def parents_and_values(
    resource: Resource, element_id: str, urls: dict[str, str]
) -> list[tuple[Any, list[Any]]]:
    """Each occurrence of the element's parent, with the element's values in it."""
    segments = element_id.split(".")
    nodes: list[Any] = [resource]
    prefix = segments[0]
    for segment in segments[1:-1]:
        nodes = _step(nodes, segment, prefix, urls)
        prefix = f"{prefix}.{segment}"
    return [(node, _step([node], segments[-1], prefix, urls)) for node in nodes]


def _matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(_matches(v, value.get(k)) for k, v in pattern.items())
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(_matches(p, v) for v in value) for p in pattern)
    return pattern == value


def element_findings(resource: Resource, element: dict[str, Any], urls: dict[str, str]) -> list[str]:
    findings = []
    where = element["id"]
    for _parent, values in parents_and_values(resource, where, urls):
        low, high = element.get("min", 0), element.get("max", "*")
        if len(values) < low or (high != "*" and len(values) > int(high)):
            findings.append(f"{where}: {len(values)} value(s), cardinality {low}..{high}")
        for key, expected in element.items():
            if key.startswith("fixed") and any(v != expected for v in values):
                findings.append(f"{where}: not the fixed value {expected!r}")
            if key.startswith("pattern") and not all(_matches(expected, v) for v in values):
                findings.append(f"{where}: does not match the pattern {expected!r}")
        binding = element.get("binding", {})
        if binding.get("strength") == "required":
            codes = VALUE_SETS.get(binding["valueSet"])
            if codes is None:
                findings.append(f"{where}: required value set {binding['valueSet']} unknown to this checker")
            elif any(v not in codes for v in values):
                findings.append(f"{where}: {values} not in {binding['valueSet']}")
        for kind in element.get("type", []):
            for target in kind.get("targetProfile", []):
                if kind["code"] == "Reference" and target.endswith("-organization"):
                    if any(v.get("type") != "Organization" and not str(v.get("reference", "")).startswith(
                        "Organization/") for v in values):  # fmt: skip
                        findings.append(f"{where}: does not reference an Organization ({target})")
    return findings


def _scoring(node: dict[str, Any]) -> list[str]:
    url = scoring_url()
    return [
        c.get("code")
        for e in as_list(node.get("extension"))
        if e.get("url") == url
        for c in e.get("valueCodeableConcept", {}).get("coding", [])
    ]


@cache
def scoring_url() -> str:
    """The measure scoring extension's URL, as the profile's `scoring` slice names it."""
    return slice_urls(structure_definition()["differential"]["element"])["MeasureReport.extension:scoring"]


def _has_extension(node: dict[str, Any], url_end: str) -> bool:
    return any(str(e.get("url", "")).endswith(url_end) for e in as_list(node.get("extension")))


def _day_precision(value: Any) -> bool:
    return value is not None and len(str(value)) > 9


def _count_xor_quantity(population: dict[str, Any]) -> bool:
    return _has_extension(population, "measurereport-countQuantity") != ("count" in population)


def _stratum_populations(report: Resource) -> Iterable[dict[str, Any]]:
    for group in report.get("group", []):
        for stratifier in group.get("stratifier", []):
            for stratum in stratifier.get("stratum", []):
                yield from stratum.get("population", [])


def _deqm6(report: Resource) -> bool:
    root = "proportion" in _scoring(report)
    for group in report.get("group", []):
        if root or "proportion" in _scoring(group):
            score = group.get("measureScore")
            if score is not None and not 0.0 <= score.get("value", -1) <= 1.0:
                return False
    return True


# The profile's invariants, as their FHIRPath expressions read (evaluated on the report).
INVARIANTS: dict[str, Callable[[Resource], bool]] = {
    # measure canonical contains '|' and a non-empty version after it
    "deqm-0": lambda r: "|" in r.get("measure", "") and r["measure"].split("|", 1)[1] != "",
    # period start and end at least YYYY-MM-DD
    "deqm-1": lambda r: (
        _day_precision(r.get("period", {}).get("start")) and _day_precision(r.get("period", {}).get("end"))
    ),
    # root scoring proportion | ratio | continuous-variable implies improvementNotation
    "deqm-2": lambda r: (
        not set(_scoring(r)) & {"proportion", "ratio", "continuous-variable"} or "improvementNotation" in r
    ),
    # scoring on the root only xor on every group
    "deqm-3": lambda r: (
        (bool(_scoring(r)) and not any(_scoring(g) for g in r.get("group", [])))
        != (not _scoring(r) and all(_scoring(g) for g in r.get("group", [])))
    ),
    # group scoring proportion | ratio | continuous-variable implies the group improvement notation
    "deqm-4": lambda r: all(
        not set(_scoring(g)) & {"proportion", "ratio", "continuous-variable"}
        or _has_extension(g, "extension-groupImprovementNotation")
        for g in r.get("group", [])
    ),
    # not composite implies every group has a population
    "deqm-5": lambda r: (
        "composite" in _scoring(r) + [c for g in r.get("group", []) for c in _scoring(g)]
        or all(len(g.get("population", [])) >= 1 for g in r.get("group", []))
    ),
    # proportion scoring implies a measureScore between 0 and 1 (absent: nothing to score)
    "deqm-6": _deqm6,
    # a stratifier has a code xor stratum components
    "deqm-7": lambda r: all(
        bool(s.get("code")) != any("component" in st for st in s.get("stratum", []))
        for g in r.get("group", [])
        for s in g.get("stratifier", [])
    ),
    # a group population has a count xor a countQuantity extension
    "deqm-8": lambda r: all(
        _count_xor_quantity(p) for g in r.get("group", []) for p in g.get("population", [])
    ),
    # a stratum population has a count xor a countQuantity extension
    "deqm-9": lambda r: all(_count_xor_quantity(p) for p in _stratum_populations(r)),
}


def invariant_findings(report: Resource) -> list[str]:
    findings = []
    for element in structure_definition()["differential"]["element"]:
        for constraint in element.get("constraint", []):
            check = INVARIANTS.get(constraint["key"])
            if check is None:
                findings.append(f"{constraint['key']}: invariant of the profile not checked")
            elif not check(report):
                findings.append(f"{constraint['key']}: {constraint['human']}")
    return findings


def extension_findings(report: Resource) -> list[str]:
    """Every extension of a known definition: its value's type, cardinality and binding/target."""
    definitions = extension_definitions()
    findings = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for extension in as_list(node.get("extension")):
                definition = definitions.get(extension.get("url"))
                if definition is not None:
                    findings.extend(_one_extension(extension, definition))
            for value in node.values():
                walk(value)

    walk(report)
    return findings


def _one_extension(extension: dict[str, Any], definition: dict[str, Any]) -> list[str]:
    findings = []
    values = {k: v for k, v in extension.items() if k.startswith("value")}
    for element in definition["differential"]["element"]:
        if element["path"] == "Extension.value[x]" and "type" in element:
            allowed = {f"value{t['code'][0].upper()}{t['code'][1:]}" for t in element["type"]}
            if set(values) - allowed or len(values) != 1:
                findings.append(f"{definition['url']}: value {sorted(values)} not one of {sorted(allowed)}")
            for kind in element["type"]:
                for target in kind.get("targetProfile", []):
                    resource_type = target.rsplit("/", 1)[-1]
                    if any(v.get("type") != resource_type for v in values.values()):
                        findings.append(f"{definition['url']}: does not reference a {resource_type}")
        if element["path"] == "Extension.valueCodeableConcept":
            codes = [c.get("code") for v in values.values() for c in v.get("coding", [])]
            if element.get("min", 0) > len(values):
                findings.append(f"{definition['url']}: value missing")
            if element.get("binding", {}).get("valueSet", "").endswith("/measure-scoring") and not set(
                codes
            ) <= (MEASURE_SCORING):
                findings.append(f"{definition['url']}: {codes} not in measure-scoring")
    return findings


def findings(report: Resource, measures: dict[str, Resource] | None = None) -> list[str]:
    """Everything the profile asks of this report that it does not do (empty = conformant)."""
    definition = structure_definition()
    elements = definition["differential"]["element"]
    urls = slice_urls(elements)
    found = []
    if report.get("resourceType") != definition["type"]:
        found.append(f"not a {definition['type']}")
    if definition["url"] not in report.get("meta", {}).get("profile", []):
        found.append(f"meta.profile does not claim {definition['url']}")
    for element in elements[1:]:
        found += element_findings(report, element, urls)
    found += invariant_findings(report)
    found += extension_findings(report)
    if measures is not None and report.get("measure") not in measures:
        found.append(f"MeasureReport.measure: {report.get('measure')} is no Measure of the publication")
    return found
