"""The reporting files against what their receivers define, read from the receivers' own sources
(tests/fixtures, see its README):

- every MeasureReport against the DEQM Summary MeasureReport profile's StructureDefinition
  (tests/deqm.py checks each constraint of its differential; here: that all pass, that each
  can fail, and that no invariant of the profile goes unchecked), beside fhir.resources' own
  validation. No FHIR profile validator runs offline here (HL7's validator is a Java program
  that fetches packages), so the StructureDefinition is applied by tests/deqm.py;
- every QPP body against CMS's examples: the measurement-set and stratum fields of
  qpp-submissions-docs, the `submission` object of CMS's file-upload client, the measure ids,
  strata and programs of qpp-measures-data (2026) and the MVP M1425.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fhir.resources.R4B.measurereport import MeasureReport

from tests.helpers import deqm
from tests.helpers.reporting import build

FIXTURES = Path(__file__).parent / "fixtures" / "qpp"
GROUP, INDIVIDUAL = "qpp/group/123456789.json", "qpp/individual/123456789_1234567890.json"


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return build(2026)


def reports(files: dict[str, bytes]) -> dict[str, dict]:
    return {p: json.loads(c) for p, c in files.items() if p.startswith("fhir/MeasureReport")}


def measures(files: dict[str, bytes]) -> dict[str, dict]:
    found = [json.loads(c) for p, c in files.items() if p.startswith("fhir/Measure-")]
    return {f"{m['url']}|{m['version']}": m for m in found}


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


# ---- DEQM Summary MeasureReport ---------------------------------------------------------------


def test_the_fixture_is_the_summary_profile_and_every_invariant_has_a_check() -> None:
    definition = deqm.structure_definition()
    assert definition["url"].endswith("/summary-measurereport-deqm") and definition["type"] == "MeasureReport"
    keys = {c["key"] for e in definition["differential"]["element"] for c in e.get("constraint", [])}
    assert keys == set(deqm.INVARIANTS)  # deqm-0 .. deqm-9, no more, no fewer
    bounded = [e for e in definition["differential"]["element"] if "min" in e or "max" in e]
    assert len(bounded) >= 30


def test_every_report_conforms_at_every_level_and_measure(files) -> None:
    found = reports(files)
    levels = {re.sub(r"^fhir/MeasureReport-(4[0-9]{2}-)?|-[^-]+\.json$", "", p) for p in found}
    assert levels == {"payer", "all_payers", "tin", "tin_npi"}
    assert {r["measure"].split("/")[-1] for r in found.values()} == {"459|2026", "461|2026", "471|2026"}
    for path, report in found.items():
        assert deqm.findings(report, measures(files)) == [], path
        MeasureReport.model_validate(report)  # the FHIR library's own validation


def _report(files: dict[str, bytes], path: str = "fhir/MeasureReport-all_payers-all.json") -> dict:
    return json.loads(files[path])


def _population(group: dict, code: str) -> dict:
    return next(p for p in group["population"] if p["code"]["coding"][0]["code"] == code)


# Each constraint of the profile, broken on purpose: the checker names it.
BROKEN = {
    "MeasureReport.subject: 1 value(s), cardinality 0..0": lambda r: r.update(
        subject={"display": "Payer aetna"}
    ),
    "MeasureReport.reporter: 0 value(s), cardinality 1..1": lambda r: r.pop("reporter"),
    "MeasureReport.reporter: does not reference an Organization": lambda r: r["reporter"].update(
        type="Patient"
    ),
    "MeasureReport.type: not the fixed value 'summary'": lambda r: r.update(type="individual"),
    "MeasureReport.status: ['draft'] not in": lambda r: r.update(status="draft"),
    "MeasureReport.date: 0 value(s), cardinality 1..1": lambda r: r.pop("date"),
    "MeasureReport.group: 0 value(s), cardinality 1..*": lambda r: r.update(group=[]),
    "MeasureReport.period.end: 0 value(s), cardinality 1..1": lambda r: r["period"].pop("end"),
    "MeasureReport.extension:scoring: 2 value(s), cardinality 0..1": lambda r: r["extension"].append(
        r["extension"][0]
    ),
    "MeasureReport.group.population.code: 0 value(s), cardinality 1..1": lambda r: r["group"][0][
        "population"
    ][0].pop("code"),
    "MeasureReport.group.stratifier.stratum.population.count: 0 value(s), cardinality 1..1": lambda r: r[
        "group"
    ][0]["stratifier"][0]["stratum"][0]["population"][0].pop("count"),
    "MeasureReport.group.population.subjectResults: 1 value(s), cardinality 0..0": lambda r: r["group"][0][
        "population"
    ][0].update(subjectResults={"reference": "List/x"}),
    "MeasureReport.evaluatedResource: 1 value(s), cardinality 0..0": lambda r: r.update(
        evaluatedResource=[{"reference": "Observation/x"}]
    ),
    "deqm-0": lambda r: r.update(measure=r["measure"].split("|")[0]),
    "deqm-1": lambda r: r["period"].update(start="2026"),
    "deqm-2": lambda r: r.pop("improvementNotation"),
    "deqm-3": lambda r: r.pop("extension"),
    "deqm-4": lambda r: [g.update(extension=r["extension"]) for g in r["group"]] and r.pop("extension"),
    "deqm-5": lambda r: r["group"][0].update(population=[]),
    "deqm-6": lambda r: r["group"][1].update(measureScore={"value": 1.5}),
    "deqm-7": lambda r: r["group"][0]["stratifier"][0].pop("code"),
    "deqm-8": lambda r: _population(r["group"][0], "numerator").update(
        extension=[
            {
                "url": "http://hl7.org/fhir/StructureDefinition/measurereport-countQuantity",
                "valueQuantity": {"value": 1},
            }
        ]  # fmt: skip
    ),
    "deqm-9": lambda r: r["group"][1]["stratifier"][0]["stratum"][0]["population"][0].update(
        extension=[
            {
                "url": "http://hl7.org/fhir/StructureDefinition/measurereport-countQuantity",
                "valueQuantity": {"value": 1},
            }
        ]  # fmt: skip
    ),
    "extension-measureScoring: ['cardinal'] not in measure-scoring": lambda r: r["extension"][0][
        "valueCodeableConcept"
    ]["coding"][0].update(code="cardinal"),
    "meta.profile does not claim": lambda r: r.pop("meta"),
    "is no Measure of the publication": lambda r: r.update(measure=r["measure"].replace("|2026", "|2025")),
}


@pytest.mark.parametrize("expected", list(BROKEN))
def test_each_constraint_can_fail(files, expected: str) -> None:
    report = _report(files)
    BROKEN[expected](report)
    found = deqm.findings(report, measures(files))
    assert any(expected in f for f in found), found


def test_reporter_group_extension_names_the_tin_as_a_group(files) -> None:
    report = _report(files, "fhir/MeasureReport-471-tin-123456789.json")
    assert deqm.findings(report) == []
    report["reporter"]["extension"][0]["valueReference"]["type"] = "Organization"
    assert any("does not reference a Group" in f for f in deqm.findings(report))


def test_the_measure_each_report_points_to_is_published(files) -> None:
    published = measures(files)
    assert set(published) == {r["measure"] for r in reports(files).values()}
    for measure in published.values():
        assert not measure["url"].startswith("urn:")
        groups = [g["id"] for g in measure["group"]]
        report = _report(files, f"fhir/MeasureReport-{'' if measure['id'] == '459' else measure['id'] + '-'}"
                         "payer-aetna.json")  # fmt: skip
        assert [g["id"] for g in report["group"]] == groups  # the report's groups are the measure's
        populations = {p["id"] for g in measure["group"] for p in g["population"]}
        assert {p["id"] for g in report["group"] for p in g["population"]} == populations


# ---- QPP measurement sets ---------------------------------------------------------------------


def test_measurement_set_fields_are_cms_fields(files) -> None:
    """Our body is a measurement set as qpp-submissions-docs' example has it, plus programName
    (written on the measurement set by CMS's conversion tool) and the submission it belongs to."""
    (example,) = fixture("submission-example-quality.json")["measurementSets"]
    (converted, *_) = fixture("conversion-tool-clinicalDocument.json")["measurementSets"]
    assert "programName" in converted
    for path in (GROUP, INDIVIDUAL):
        body = json.loads(files[path])
        assert set(body) == set(example) | {"programName", "submission"}, path
        assert (body["category"], body["submissionMethod"]) == (
            example["category"],
            example["submissionMethod"],
        )
        multi = next(m for m in example["measurements"] if "strata" in m["value"])
        for measurement in body["measurements"]:
            assert set(measurement) == set(multi)
            assert set(measurement["value"]) == set(multi["value"])
            for stratum in measurement["value"]["strata"]:
                assert set(stratum) == set(multi["value"]["strata"][0])


def test_the_submission_inside_is_what_cms_client_posts(files) -> None:
    """CMS's file-upload client posts `submission: {programName, entityType, entityId,
    taxpayerIdentificationNumber, nationalProviderIdentifier, performanceYear}` (null or absent
    when not set) inside the measurement set when no submission exists yet; the same fields are
    the submission's in qpp-submissions-docs' example."""
    client = (FIXTURES / "file-uploader-util.submitMeasurementSets.js").read_text()
    posted = re.search(r"\{submission: \{(.*?)\}\}", client, re.S)
    assert posted is not None
    keys = set(re.findall(r"(\w+):", posted.group(1)))
    assert keys == {"programName", "entityType", "entityId", "taxpayerIdentificationNumber",
                    "nationalProviderIdentifier", "performanceYear"}  # fmt: skip
    example = fixture("submission-example-quality.json")
    for path, entity in ((GROUP, "group"), (INDIVIDUAL, "individual")):
        submission = json.loads(files[path])["submission"]
        assert set(submission) <= keys & set(example)
        assert submission["entityType"] == entity and submission["performanceYear"] == 2026
        assert ("nationalProviderIdentifier" in submission) == (entity == "individual")


def test_measures_strata_and_program_are_those_of_qpp_measures_data(files) -> None:
    data = {m["measureId"]: m for m in fixture("measures-data-2026-spine.json")}
    (mvp,) = fixture("mvp-2026-M1425.json")
    assert (mvp["mvpId"], mvp["title"]) == ("M1425", "Surgical Care")
    for path in (GROUP, INDIVIDUAL):
        body = json.loads(files[path])
        assert body["programName"] == mvp["mvpId"]
        assert {m["measureId"] for m in body["measurements"]} == set(data) <= set(mvp["qualityMeasureIds"])
        for measurement in body["measurements"]:
            measure = data[measurement["measureId"]]
            assert (measure["metricType"], measure["overallAlgorithm"]) == (
                "multiPerformanceRate",
                "weightedAverage",
            )
            assert body["submissionMethod"] in measure["submissionMethods"]
            assert body["programName"] in measure["allowedPrograms"]
            assert sorted(s["stratum"] for s in measurement["value"]["strata"]) == sorted(
                s["name"] for s in measure["strata"]
            )


def test_the_qpp_mvp_seed_is_the_mvp_of_qpp_measures_data() -> None:
    from orchestration.reporting.qpp import read_mvps
    from tests.helpers.reporting import SEEDS

    (mvp,) = fixture("mvp-2026-M1425.json")
    family = {m["measureId"] for m in fixture("measures-data-2026-spine.json")}
    assert read_mvps(SEEDS) == {mvp["mvpId"]: family & set(mvp["qualityMeasureIds"])}
