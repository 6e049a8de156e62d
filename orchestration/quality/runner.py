"""A small Great Expectations runner: suite from its JSON file, ephemeral context, one pandas batch.

dagster-ge needs GX < 1.0, and GX through SQLAlchemy on DuckDB crashes while resolving metrics, so the
month's rows come as a pandas frame. GX is imported here only, when a suite runs: it is slow to import.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.warehouse import REPO_ROOT

if TYPE_CHECKING:
    import pandas as pd

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
    # The unexpected rows GX located (up to its partial count, 20), one dict each: the locating columns
    # (`locate_by`) and the unexpected value(s), as plain Python values (dates, numbers, strings).
    located: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    # Per located row, the columns of `context_by`: facts a reader's note is worded from (e.g. the product group
    # and partner of a series), kept out of `summary` and `examples`, which name the row for an engineer.
    context: tuple[dict[str, Any], ...] = field(default=(), hash=False)

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


def expectation_meta(meta: dict[str, Any] | None) -> tuple[str, str, str]:
    """An expectation's severity ('error' unless it says otherwise), its meaning in words, and what its column is
    when the suite's frame computes it (`computed_as`, empty for a column of the data itself)."""
    meta = meta or {}
    return meta.get("severity", "error"), meta.get("description", ""), meta.get("computed_as", "")


def _shown(value: Any) -> str:
    import pandas as pd

    return value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value)


def _located(entry: Any) -> str:
    if not isinstance(entry, dict):
        return _shown(entry)
    # GX gives the locating columns and the unexpected value(s) in one dict per row.
    return " ".join(f"{k}={_shown(v)}" for k, v in entry.items())


def _located_rows(result: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The located unexpected rows as dicts of plain values (GX gives bare indexes without `locate_by`)."""
    located = result.get("partial_unexpected_index_list") or []
    return tuple({k: _python(v) for k, v in e.items()} for e in located if isinstance(e, dict))


def _without(result: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    """`result` with `columns` left out of its located rows."""
    located = result.get("partial_unexpected_index_list") or []
    kept = [{k: v for k, v in e.items() if k not in columns} if isinstance(e, dict) else e for e in located]
    return {**result, "partial_unexpected_index_list": kept}


def _python(value: Any) -> Any:
    import pandas as pd

    if value is pd.NaT or (isinstance(value, float) and value != value):  # NaN: no value
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _examples(result: dict[str, Any]) -> tuple[str, ...]:
    located = result.get("partial_unexpected_index_list") or []
    if located:
        return tuple(dict.fromkeys(_located(e) for e in located))[:MAX_EXAMPLES]
    values = result.get("partial_unexpected_list") or []
    if not values and result.get("observed_value") is not None:
        values = [result["observed_value"]]
    distinct = dict.fromkeys(_shown(v) for v in values)
    return tuple(distinct)[:MAX_EXAMPLES]


@functools.cache
def _gx_context() -> Any:
    """One ephemeral GX context per process: creating one costs about 0.3 s, and a run validates several suites."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@functools.cache
def _gx_suite_and_batches(name: str) -> tuple[Any, Any]:
    """The suite from its JSON file and a pandas batch definition of its own, in the process's GX context."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = json.loads(suite_path(name).read_text(encoding="utf-8"))
    meta = spec.get("meta", {})
    # GX's Data Docs show a suite's notes on its page: its description says what it validates.
    suite = gx.ExpectationSuite(name=spec["name"], meta=meta, notes=meta.get("description"))
    for expectation in spec["expectations"]:
        suite.add_expectation_configuration(ExpectationConfiguration(**expectation))
    batches = (
        _gx_context()
        .data_sources.add_pandas(name)
        .add_dataframe_asset("month")
        .add_batch_definition_whole_dataframe("rows")
    )
    return suite, batches


def prepare_gx(suites: Iterable[str]) -> None:
    """Import GX and read `suites` now, before the first validation asks for them."""
    for name in suites:
        _gx_suite_and_batches(name)
    # Data Docs' renderers: GX's, and the project's that explain each expectation.
    for renderers in (
        "great_expectations.render.renderer",
        "great_expectations.render.view",
        "orchestration.quality.gx_renderers",
    ):
        importlib.import_module(renderers)


def gx_suite(name: str) -> Any:
    """The GX ExpectationSuite of `expectations/<name>.json` (Data Docs render it)."""
    return _gx_suite_and_batches(name)[0]


def gx_validation(name: str, frame: pd.DataFrame, parameters: dict[str, Any] | None = None) -> Any:
    """The GX validation result of one frame, as Data Docs render it."""
    suite, batches = _gx_suite_and_batches(name)
    batch = batches.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(suite, expectation_parameters=parameters or {}, result_format={"result_format": "SUMMARY"})


def _validator(
    name: str, parameters: dict[str, Any] | None, locate_by: tuple[str, ...], context_by: tuple[str, ...] = ()
) -> Callable[[pd.DataFrame], SuiteReport]:
    """One ephemeral GX context and suite, validating any number of frames (a context costs ~0.3 s)."""
    suite, batches = _gx_suite_and_batches(name)
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if locate_by or context_by:
        result_format["unexpected_index_column_names"] = [*locate_by, *context_by]

    def validate(frame: pd.DataFrame) -> SuiteReport:
        batch = batches.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, expectation_parameters=parameters or {}, result_format=result_format)
        return SuiteReport(name, len(frame), tuple(_outcome(name, item, context_by) for item in result.results))

    return validate


def _outcome(suite: str, item: Any, context_by: tuple[str, ...] = ()) -> ExpectationOutcome:
    config = item.expectation_config
    severity, description, _ = expectation_meta(config.meta)
    shown = _without(item.result, context_by)
    return ExpectationOutcome(
        suite=suite,
        expectation=config.type,
        column=config.kwargs.get("column") or ",".join(config.kwargs.get("column_list", [])) or None,
        severity=severity,
        description=description,
        success=bool(item.success),
        unexpected_count=int(item.result.get("unexpected_count") or 0),
        examples=() if item.success else _examples(shown),
        located=() if item.success else _located_rows(shown),
        context=()
        if item.success or not context_by
        else tuple({k: row.get(k) for k in context_by} for row in _located_rows(item.result)),
    )


def run_suite(
    name: str,
    frame: pd.DataFrame,
    parameters: dict[str, Any] | None = None,
    locate_by: tuple[str, ...] = (),
    context_by: tuple[str, ...] = (),
) -> SuiteReport:
    """Validate `frame` against `expectations/<name>.json`; `parameters` fill its `$PARAMETER`s.

    `locate_by` names columns (e.g. source_file, row_number) that say where an unexpected value sits;
    `context_by` names columns kept with each located row for a reader's note (ExpectationOutcome.context).
    """
    return _validator(name, parameters, locate_by, context_by)(frame)


def run_suite_by(
    name: str,
    frame: pd.DataFrame,
    by: tuple[str, ...],
    parameters: dict[str, Any] | None = None,
    locate_by: tuple[str, ...] = (),
    context_by: tuple[str, ...] = (),
) -> dict[tuple[Any, ...], SuiteReport]:
    """Validate each group of `frame` (e.g. each month, or each month of each file) on its own, so that
    a failure points at the month (and file) that must be held back.

    One pass first: when the suite holds for every row of `frame` and each of its expectations holds for a
    subset of rows whenever it holds for all of them, every group passes, and the groups need no pass of their
    own (a 24-month load validates once instead of 48 times). Otherwise each group is validated.
    """
    if frame.empty:
        return {}
    validate = _validator(name, parameters, locate_by, context_by)
    groups = {
        tuple(_plain(v) for v in key): group.reset_index(drop=True)
        for key, group in frame.groupby(list(by), sort=True, dropna=False)
    }
    if len(groups) > 1 and _holds_for_subsets(name):
        whole = validate(frame.reset_index(drop=True))
        if all(outcome.success for outcome in whole.outcomes):
            return {key: SuiteReport(name, len(group), whole.outcomes) for key, group in groups.items()}
    return {key: validate(group) for key, group in groups.items()}


# Expectations that hold for every subset of the rows they hold for: row by row, uniqueness, the column set.
# Not so: row counts, means, sums, or anything else computed over the whole table.
_SUBSET_SAFE = ("expect_column_values_to_", "expect_compound_columns_to_be_unique", "expect_table_columns_to_match_set")


def _holds_for_subsets(name: str) -> bool:
    suite, _ = _gx_suite_and_batches(name)
    return all(e.type.startswith(_SUBSET_SAFE) for e in suite.expectation_configurations)


def _plain(value: Any) -> Any:
    # Group keys come back as pandas/numpy scalars; the callers want dates and Python numbers.
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value
