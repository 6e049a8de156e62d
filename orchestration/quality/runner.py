"""A small Great Expectations runner: suite from its JSON file, ephemeral context, one pandas batch.

dagster-ge needs GX < 1.0, and GX through SQLAlchemy on DuckDB crashes while resolving metrics, so the
month's rows come as a pandas frame. GX is imported here only, when a suite runs: it is slow to import.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.warehouse import REPO_ROOT

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result, in the words a data engineer reads in the UI or the CLI."""

    suite: str
    expectation: str
    column: str | None
    severity: str  # 'error' blocks the month; 'warning' is reported and published
    description: str
    success: bool
    unexpected_count: int
    examples: tuple[str, ...]

    def summary(self) -> str:
        where = f" on {self.column}" if self.column else ""
        found = f": {self.unexpected_count} unexpected, e.g. {', '.join(self.examples)}" if self.examples else ""
        return f"[{self.severity}] {self.suite}.{self.expectation}{where} ({self.description}){found}"


@dataclass(frozen=True)
class SuiteReport:
    suite: str
    rows: int
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "error"]


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / f"{name}.json"


def _shown(value: Any) -> str:
    return value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value)


def _located(entry: Any) -> str:
    if not isinstance(entry, dict):
        return _shown(entry)
    # GX gives the locating columns and the unexpected value(s) in one dict per row.
    return " ".join(f"{k}={_shown(v)}" for k, v in entry.items())


def _examples(result: dict[str, Any]) -> tuple[str, ...]:
    located = result.get("partial_unexpected_index_list") or []
    if located:
        return tuple(dict.fromkeys(_located(e) for e in located))[:MAX_EXAMPLES]
    values = result.get("partial_unexpected_list") or []
    if not values and result.get("observed_value") is not None:
        values = [result["observed_value"]]
    distinct = dict.fromkeys(_shown(v) for v in values)
    return tuple(distinct)[:MAX_EXAMPLES]


def run_suite(
    name: str, frame: pd.DataFrame, parameters: dict[str, Any] | None = None, locate_by: tuple[str, ...] = ()
) -> SuiteReport:
    """Validate `frame` against `expectations/<name>.json`; `parameters` fill its `$PARAMETER`s.

    `locate_by` names columns (e.g. source_file, row_number) that say where an unexpected value sits.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    spec = json.loads(suite_path(name).read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(name=spec["name"], meta=spec.get("meta", {}))
    for expectation in spec["expectations"]:
        suite.add_expectation_configuration(ExpectationConfiguration(**expectation))
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(name)
        .add_dataframe_asset("month")
        .add_batch_definition_whole_dataframe("rows")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if locate_by:
        result_format["unexpected_index_column_names"] = list(locate_by)
    result = batch.validate(suite, expectation_parameters=parameters or {}, result_format=result_format)
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        meta = config.meta or {}
        outcomes.append(
            ExpectationOutcome(
                suite=name,
                expectation=config.type,
                column=config.kwargs.get("column") or ",".join(config.kwargs.get("column_list", [])) or None,
                severity=meta.get("severity", "error"),
                description=meta.get("description", ""),
                success=bool(item.success),
                unexpected_count=int(item.result.get("unexpected_count") or 0),
                examples=() if item.success else _examples(item.result),
            )
        )
    return SuiteReport(name, len(frame), tuple(outcomes))
