"""Running Great Expectations suites on frames: an ephemeral, offline GE context, results and
Data Docs kept privately beside the warehouse, failures named by ids only (never patient data)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orchestration.gate.docs import make_offline, make_private
from orchestration.resources import RunSettings

# (suite name, expectations, frame to validate, id column named in failures)
SuiteInput = tuple[str, list, pd.DataFrame, str]
EXAMPLE_IDS = 5  # offending ids named in a failure message: ids only, never patient data


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    name: str
    expectation_type: str
    passed: bool
    unexpected_count: int = 0
    example_ids: tuple[str, ...] = ()

    def detail(self) -> str:
        if self.passed:
            return "passed"
        ids = f" (e.g. {', '.join(self.example_ids)})" if self.example_ids else ""
        return f"{self.unexpected_count} unexpected{ids}"

    def as_check(self) -> dict:
        return {"name": f"{self.suite}: {self.name}", "passed": self.passed, "detail": self.detail()}


@dataclass
class GateResult:
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    results_dir: Path | None = None

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    def failures(self) -> list[str]:
        return [
            f"expectation failed: {o.suite}: {o.name}: {o.detail()}" for o in self.outcomes if not o.passed
        ]


def _context(docs_dir: Path | None):
    # Great Expectations takes seconds to import: only runs that check data pay for it.
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,  # offline and private: nothing leaves the machine
        progress_bars=ProgressBarsConfig(globally=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="g2139",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _outcomes(suite_name: str, validation, id_column: str) -> list[ExpectationOutcome]:
    outcomes = []
    for result in validation.results:
        config = result.expectation_config
        details = result.result or {}
        ids = tuple(
            str(row.get(id_column))
            for row in (details.get("partial_unexpected_index_list") or [])[:EXAMPLE_IDS]
            if isinstance(row, dict)
        )
        outcomes.append(
            ExpectationOutcome(
                suite=suite_name,
                name=config.description or config.type,
                expectation_type=config.type,
                passed=bool(result.success),
                unexpected_count=int(details.get("unexpected_count") or 0),
                example_ids=ids,
            )
        )
    return outcomes


def validate(
    suites: list[SuiteInput],
    results_dir: Path | None = None,
    run_id: str | None = None,
    asset_name: str | None = None,
) -> GateResult:
    """Runs each (suite, frame, id column); keeps JSON results and Data Docs in results_dir.
    The Dagster run id and the checked asset's name label the results in Data Docs."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    docs_dir = results_dir / "data_docs" if results_dir else None
    context = _context(docs_dir)
    source = context.data_sources.add_pandas("warehouse")
    gate = GateResult(results_dir=results_dir)
    for name, expectations, frame, id_column in suites:
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        batch = source.add_dataframe_asset(asset_name or suite.name).add_batch_definition_whole_dataframe(
            "all"
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"{suite.name}_gate",
                validation_definitions=[definition],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")] if docs_dir else [],
                result_format={
                    "result_format": "SUMMARY",
                    "unexpected_index_column_names": [id_column],
                    "partial_unexpected_count": EXAMPLE_IDS,
                },
            )
        )
        run = checkpoint.run(
            batch_parameters={"dataframe": frame},
            run_id=RunIdentifier(run_name=run_id) if run_id else None,
        )
        [validation] = run.run_results.values()
        gate.outcomes.extend(_outcomes(suite.name, validation, id_column))
        if results_dir:
            _write_private(
                results_dir / f"{suite.name}.json", json.dumps(validation.to_json_dict(), indent=2)
            )
    if docs_dir is not None and docs_dir.exists():
        make_offline(docs_dir, asset_name)
    if results_dir is not None and results_dir.exists():
        make_private(results_dir)
    return gate


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        handle.write(text)


def results_dir_for(settings: RunSettings, run_id: str) -> Path:
    """Validation results live beside the warehouse, per run (not published to payers)."""
    return settings.warehouse.parent / "validations" / run_id
