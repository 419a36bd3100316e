"""The publication gate: Great Expectations suites (expectations/) run on the
published tables, as blocking Dagster asset checks and again by the publisher
on exactly the frames it writes, so nothing unchecked can reach a payer."""

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from expectations import episodes as episode_suite
from expectations import payer_summary as summary_suite
from orchestration.resources import G2139Settings, RunSettings

EPISODES_KEY = dg.AssetKey(["marts", "episodes"])
SUMMARY_KEY = dg.AssetKey(["marts", "payer_summary"])
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


def read_frames(warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The episode feed and the payer summaries, small enough for pandas."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        episodes = con.execute("select * from marts.episodes order by episode_id").df()
        summary = con.execute("select * from marts.payer_summary order by payer").df()
    return episodes, summary


def content_fingerprint(warehouse: Path) -> str:
    """A digest of the published tables' content, to tell whether checked data changed."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        parts = [
            con.execute(
                f"select count(*) || ':' || coalesce(sum(hash(t::varchar)), 0) from {table} t"
            ).fetchone()[0]
            for table in ("marts.episodes", "marts.payer_summary")
        ]
    return "/".join(parts)


def _verdict_path(settings: RunSettings, run_id: str, suite: str) -> Path:
    return results_dir_for(settings, run_id) / "verdicts" / f"{suite}.json"


def record_verdict(
    settings: RunSettings, run_id: str, suite: str, fingerprint: str, gate: GateResult
) -> None:
    """Remembers that this content passed this suite in this run (see `passed_verdicts`)."""
    if gate.passed:
        payload = {"fingerprint": fingerprint, "outcomes": [asdict(o) for o in gate.outcomes]}
        _write_private(_verdict_path(settings, run_id, suite), json.dumps(payload))


def passed_verdicts(
    settings: RunSettings, run_id: str, suites: list[str], fingerprint: str
) -> GateResult | None:
    """The gate result of this run's asset checks, if every suite passed on exactly this
    content; None means the publisher must validate for itself."""
    gate = GateResult(results_dir=results_dir_for(settings, run_id))
    for suite in suites:
        path = _verdict_path(settings, run_id, suite)
        if not path.exists():
            return None
        verdict = json.loads(path.read_text())
        if verdict["fingerprint"] != fingerprint:
            return None
        for outcome in verdict["outcomes"]:
            outcome["example_ids"] = tuple(outcome["example_ids"])
            gate.outcomes.append(ExpectationOutcome(**outcome))
    return gate if gate.passed else None


def _context(docs_dir: Path | None):
    # Great Expectations takes seconds to import: only runs that check data pay for it.
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,  # offline and private (DEVELOPERS.md)
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


def _outcomes(suite_name: str, validation) -> list[ExpectationOutcome]:
    outcomes = []
    for result in validation.results:
        config = result.expectation_config
        details = result.result or {}
        ids = tuple(
            str(row.get("episode_id", row.get("payer")))
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


def validate(suites: list[SuiteInput], results_dir: Path | None = None) -> GateResult:
    """Runs each (suite, frame, id column); keeps JSON results and Data Docs in results_dir."""
    import great_expectations as gx

    docs_dir = results_dir / "data_docs" if results_dir else None
    context = _context(docs_dir)
    source = context.data_sources.add_pandas("published_tables")
    gate = GateResult(results_dir=results_dir)
    for name, expectations, frame, id_column in suites:
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        batch = source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("all")
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
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        [validation] = run.run_results.values()
        gate.outcomes.extend(_outcomes(suite.name, validation))
        if results_dir:
            _write_private(
                results_dir / f"{suite.name}.json", json.dumps(validation.to_json_dict(), indent=2)
            )
    return gate


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        handle.write(text)


def episode_suites(settings: RunSettings, episodes: pd.DataFrame) -> SuiteInput:
    return (
        episode_suite.SUITE_NAME,
        episode_suite.build_expectations(settings.period_start, settings.period_end),
        episode_suite.prepare(episodes),
        episode_suite.ID_COLUMN,
    )


def summary_suites(summary: pd.DataFrame, episodes: pd.DataFrame) -> SuiteInput:
    return (
        summary_suite.SUITE_NAME,
        summary_suite.build_expectations(),
        summary_suite.prepare(summary, episodes),
        summary_suite.ID_COLUMN,
    )


def validate_publication(
    settings: RunSettings, episodes: pd.DataFrame, summary: pd.DataFrame, results_dir: Path | None = None
) -> GateResult:
    return validate([episode_suites(settings, episodes), summary_suites(summary, episodes)], results_dir)


def results_dir_for(settings: RunSettings, run_id: str) -> Path:
    """Validation results live beside the warehouse, per run (not published to payers)."""
    return settings.warehouse.parent / "validations" / run_id


def _check_result(gate: GateResult) -> dg.AssetCheckResult:
    failed = [o for o in gate.outcomes if not o.passed]
    return dg.AssetCheckResult(
        passed=gate.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(f"{o.name}: {o.detail()}" for o in failed) or "all expectations passed",
        metadata={
            "expectations": dg.MetadataValue.int(len(gate.outcomes)),
            "failed": dg.MetadataValue.json([o.as_check() for o in failed]),
            "data_docs": dg.MetadataValue.path(str(gate.results_dir / "data_docs" / "index.html"))
            if gate.results_dir
            else dg.MetadataValue.text("not kept"),
        },
    )


def _run_suite(
    context: dg.AssetCheckExecutionContext,
    settings: RunSettings,
    suite_name: str,
    build: Callable[[pd.DataFrame, pd.DataFrame], SuiteInput],
) -> dg.AssetCheckResult:
    """Validates one suite on the current marts and records the verdict for the publisher."""
    run_id = context.op_execution_context.run_id
    fingerprint = content_fingerprint(settings.warehouse)
    episodes, summary = read_frames(settings.warehouse)
    gate = validate([build(episodes, summary)], results_dir_for(settings, run_id) / suite_name)
    record_verdict(settings, run_id, suite_name, fingerprint, gate)
    return _check_result(gate)


@dg.asset_check(
    asset=EPISODES_KEY,
    blocking=True,
    description="Great Expectations suite `episodes`: score ranges, date windows, value sets, consistency.",
)
def episodes_expectations(
    context: dg.AssetCheckExecutionContext, g2139: G2139Settings
) -> dg.AssetCheckResult:
    settings = g2139.settings()
    return _run_suite(
        context, settings, episode_suite.SUITE_NAME, lambda episodes, _: episode_suites(settings, episodes)
    )


@dg.asset_check(
    asset=SUMMARY_KEY,
    blocking=True,
    additional_deps=[EPISODES_KEY],
    description="Great Expectations suite `payer_summary`: counts add up and match the episode feed.",
)
def payer_summary_expectations(
    context: dg.AssetCheckExecutionContext, g2139: G2139Settings
) -> dg.AssetCheckResult:
    return _run_suite(
        context,
        g2139.settings(),
        summary_suite.SUITE_NAME,
        lambda episodes, summary: summary_suites(summary, episodes),
    )


publication_checks = [episodes_expectations, payer_summary_expectations]
