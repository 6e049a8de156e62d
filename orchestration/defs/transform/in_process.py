"""`dbt build` in the run's own process (dbt's programmatic dbtRunner), its results as dagster-dbt's events.

dagster-dbt starts dbt as a subprocess, which imports dbt again and parses the project again: 1.5 to 2 s of
a one-month load that the run's process, having imported dagster-dbt (and with it most of dbt), spares.
dagster-dbt still does everything else: the selection of the run's dbt assets, and turning dbt's result
events into materialisations and asset checks (`DbtCliEventMessage.to_default_asset_events`), from the
same structured events its subprocess would have printed (`msg_to_dict` is dbt's own JSON log format).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource
from dagster_dbt.asset_utils import extract_runtime_selection_from_args, get_updated_cli_invocation_params_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

# dbt's log lines a person reads (its text log shows these levels).
SHOWN_LEVELS = {"info", "warn", "error"}
# The events dagster-dbt turns into materialisations and check results (DbtCoreCliEventMessage.is_result_event).
RESULT_EVENTS = {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}


@dataclass
class DbtBuildRun:
    """A finished dbt invocation, in this process or dagster-dbt's subprocess (on_spark.py): dbt's structured
    events, whether it succeeded, and why not."""

    args: list[str]
    raw_events: list[dict[str, Any]] = field(default_factory=list)
    success: bool = False
    exception: BaseException | None = None

    def error(self) -> str | None:
        if self.success:
            return None
        errors = [e["info"]["msg"] for e in self.raw_events if e["info"].get("level") == "error" and e["info"]["msg"]]
        if self.exception is not None:
            errors.append(str(self.exception))
        detail = "; ".join(dict.fromkeys(line.strip() for line in errors if line.strip())) or "no error message"
        return f"`dbt {' '.join(self.args[:1])}` failed: {detail}"


def dbt_build_in_process(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    args: Sequence[str],
    target_path: Path,
    on_log_line: Callable[[str], None],
) -> tuple[DbtBuildRun, Iterator[Any]]:
    """Run dbt with `args` for the context's selection of dbt assets; return the finished run and its
    Dagster events (Output, AssetCheckResult, ...), as `dbt.cli(args, context=context).stream()` would."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    cleaned, selects, excludes = extract_runtime_selection_from_args(args)
    params = get_updated_cli_invocation_params_for_context(
        context=context,
        manifest={},
        dagster_dbt_translator=DagsterDbtTranslator(),
        runtime_selects=selects,
        runtime_excludes=excludes,
    )
    project_dir = Path(params.dbt_project.project_dir) if params.dbt_project else Path(dbt.project_dir)
    argv = [
        *cleaned,
        *params.selection_args,
        *(["--indirect-selection", params.indirect_selection] if params.indirect_selection else []),
        *(["--profiles-dir", str(dbt.profiles_dir)] if dbt.profiles_dir else []),
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        # Nothing on this process's stdout or in a log file: the events come to on_event.
        "--log-level",
        "none",
        "--log-level-file",
        "none",
        "--no-send-anonymous-usage-stats",
        # dbt rewrites run_results.json after every node and manifest.json twice: a second of a one-month
        # build. The run's events carry the same results; `make parse` and `rare-earth docs` write their own.
        "--no-write-json",
    ]
    run = DbtBuildRun(args=argv)

    def on_event(message: Any) -> None:
        # Most of dbt's events are debug lines (each statement, each connection) that neither a reader nor
        # Dagster uses: only the rest is turned into dicts (protobuf to JSON, the costly part).
        if message.info.level not in SHOWN_LEVELS and message.info.name not in RESULT_EVENTS:
            return
        event = msg_to_dict(message)
        run.raw_events.append(event)
        if message.info.level in SHOWN_LEVELS:
            on_log_line(str(event["info"].get("msg", "")))

    try:
        result = dbtRunner(callbacks=[on_event]).invoke(argv)
    finally:
        _let_go_of_the_database()
    if result.exception is not None and not isinstance(result.exception, Exception):
        # dbtRunner returns what it caught; an interrupt (Ctrl-C, a run terminated in the UI) stops the run
        # here, as it stopped dbt, and the build stays recorded as unfinished.
        raise result.exception
    run.success = bool(result.success)
    run.exception = result.exception
    if result.exception is not None:
        on_log_line(f"Encountered an error:\n{result.exception}")

    def dagster_events() -> Iterator[Any]:
        for raw in run.raw_events:
            yield from DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}).to_default_asset_events(
                manifest=params.manifest,
                dagster_dbt_translator=params.dagster_dbt_translator,
                context=context,
                target_path=target_path,
                project=params.dbt_project,
            )

    return run, dagster_events()


def _let_go_of_the_database() -> None:
    """A dbt process lets go of the DuckDB file when it exits; this process goes on, and opens the file next
    with settings of its own, which DuckDB refuses while dbt-duckdb's connection is open."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import cleanup_connections

    cleanup_connections()
    with contextlib.suppress(Exception):  # env() raises a bare Exception when dbt never connected
        DuckDBConnectionManager.env().close()
