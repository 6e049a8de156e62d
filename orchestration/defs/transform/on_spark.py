"""`dbt build --target spark` in dagster-dbt's own subprocess (`DbtCliResource.cli`), its results as Dagster events.

A subprocess, unlike the DuckDB build (in_process.py): Spark starts a JVM whose settings (warehouse folder,
metastore) hold for the life of the process that started it, and whose memory should go when the build is done.
Its start-up (tens of seconds) dwarfs the import and parse that running dbt in process would spare.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.transform.in_process import RESULT_EVENTS, SHOWN_LEVELS, DbtBuildRun
from orchestration.engines import Engine


def dbt_build_on_spark(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    args: Sequence[str],
    months: tuple[date, date] | None,
    target_path: Path,
    on_log_line: Callable[[str], None],
) -> tuple[DbtBuildRun, list[Any]]:
    """Run dbt on Spark for the context's selection; `months` None builds every month. Returns the finished run
    and its Dagster events, as dbt_build_in_process does."""
    spark_dbt = DbtCliResource(
        project_dir=dbt.project_dir,
        profiles_dir=dbt.profiles_dir,
        dbt_executable=dbt.dbt_executable,
        target=Engine.SPARK.dbt_target,
    )
    # Spark has no control table to read the run's months from (macros/months_in_run.sql): they come as vars.
    run_vars = (
        ["--vars", json.dumps({"month_start": months[0].isoformat(), "month_end": months[1].isoformat()})]
        if months
        else []
    )
    argv = [*args, *run_vars, "--no-send-anonymous-usage-stats"]
    run = DbtBuildRun(args=argv)
    events: list[Any] = []
    invocation = spark_dbt.cli(argv, context=context, target_path=target_path, raise_on_error=False)
    # dagster-dbt echoes every event, and the JVM's own log lines, to this process's stdout: they belong in the
    # run's log, not on a terminal.
    with contextlib.redirect_stdout(io.StringIO()) as echoed:
        for message in invocation.stream_raw_events():
            info = message.raw_event["info"]
            if info.get("level") in SHOWN_LEVELS:
                on_log_line(str(info.get("msg", "")))
            if info.get("level") == "error" or info.get("name") in RESULT_EVENTS:
                run.raw_events.append(message.raw_event)
            if info.get("name") in RESULT_EVENTS:
                events.extend(
                    message.to_default_asset_events(
                        manifest=invocation.manifest,
                        dagster_dbt_translator=invocation.dagster_dbt_translator,
                        context=context,
                        target_path=invocation.target_path,
                        project=invocation.project,
                    )
                )
    run.success = invocation.is_successful()
    if not run.success:
        echo = [line for line in echoed.getvalue().splitlines() if line.strip() and not line.startswith("{")]
        error = invocation.get_error()
        run.exception = RuntimeError("; ".join([str(error) if error else "dbt on Spark failed", *echo[-5:]]))
    return run, events
