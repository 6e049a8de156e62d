"""`rare-earth`: the warehouse without the UI. `load` runs the same Dagster job the UI launches."""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.engines import Engine, EngineUnavailable, engine_from_env, engine_named, ensure_available
from orchestration.operations import (
    PARTNER_FLOW,
    FilesReport,
    LoadedMonth,
    LoadPlan,
    StatusSnapshot,
    WarehouseBusy,
    files_seen_since,
    headline,
    plan_load,
    publishable_after_failure,
    status_snapshot,
)
from orchestration.short_process import collect_rarely
from orchestration.warehouse import INSTANCE_CONFIG, REPO_ROOT, LoadRunning, Warehouse

if TYPE_CHECKING:  # Dagster takes seconds to import: `status` and `sample` do without it.
    from dagster import AssetCheckEvaluation, ExecuteInProcessResult


def prepare_dagster_home(warehouse: Warehouse) -> Path:
    """DAGSTER_HOME inside the warehouse folder (unless set), with the project's dagster.yaml (kept up to date:
    a warehouse made by an earlier release gets its run monitoring)."""
    home = warehouse.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    ours = INSTANCE_CONFIG.read_bytes()
    if not (home / "dagster.yaml").exists() or (home / "dagster.yaml").read_bytes() != ours:
        (home / "dagster.yaml").write_bytes(ours)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def cmd_sample(args: argparse.Namespace) -> int:
    from orchestration.sample import write_partner_sample_files, write_sample_files

    out = Path(args.out) if args.out else Warehouse.from_env(args.warehouse).ensure().landing
    written = write_sample_files(out, cumulative=args.cumulative)
    partner = write_partner_sample_files(out)
    print(f"wrote {len(written)} sample customs files to {out}")
    print(f"wrote {len(partner)} sample partner-reported files (UN Comtrade format, synthetic) to {out / 'partner'}")
    return 0


def _execute_monthly_load(
    months: tuple[date, date], engine: Engine, tags: dict[str, str] | None = None, publish_only: bool = False
) -> ExecuteInProcessResult:
    import dagster as dg

    from orchestration.definitions import load_definitions
    from orchestration.defs.jobs import LAUNCHED_BY_CLI
    from orchestration.defs.partitions import partition_range_tags
    from orchestration.runs import process_tags

    defs = load_definitions()
    result = defs.resolve_job_def("monthly_load").execute_in_process(
        instance=dg.DagsterInstance.get(),
        tags={**partition_range_tags(*months), **LAUNCHED_BY_CLI, **process_tags(), **(tags or {})},
        # The run's full event log, step failures' stack traces and dbt's log included, is in the Dagster
        # UI; the terminal gets the summary below.
        run_config={
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
            # In the run's config, so that the UI shows which engine built the marts.
            "resources": {"dbt_engine": {"config": {"engine": engine.name}}},
        },
        raise_on_error=False,
        # Publishing alone: the publish and what follows it (replica, Data Docs, report).
        asset_selection=sorted(
            dg.AssetSelection.assets(["serving", "rare_earth_duckdb"])
            .downstream()
            .resolve(defs.get_repository_def().asset_graph)
        )
        if publish_only
        else None,
    )
    if _interrupted(result):
        raise KeyboardInterrupt  # Dagster turned Ctrl-C into a failed step; say it as an interrupt
    return result


def _interrupted(result: ExecuteInProcessResult) -> bool:
    return any(
        event.step_failure_data is not None
        and event.step_failure_data.error is not None
        and event.step_failure_data.error.cls_name == "DagsterExecutionInterruptedError"
        for event in result.get_step_failure_events()
    )


def _report_step_failures(result: ExecuteInProcessResult) -> None:
    """One line per failed step, without its stack trace (that stays in the run's log)."""
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:  # Dagster wraps the step's own error
            error = error.cause
        message = error.message.strip().splitlines()[0] if error and error.message.strip() else "no message"
        if error is not None and error.cls_name:  # "dagster._core.definitions.events.Failure: dbt build failed"
            message = re.sub(rf"^[\w.]*\b{re.escape(error.cls_name)}: ", "", message)
        print(f"step {event.step_key} failed: {message}", file=sys.stderr)


def _report_dbt_log(result: ExecuteInProcessResult) -> None:
    """dbt's log, kept while it ran, when its build failed (with --verbose it was shown as it came)."""
    from orchestration.progress import take_dbt_log

    kept = take_dbt_log()
    failed = {event.step_key for event in result.get_step_failure_events()}
    # dagster-dbt tags the op of a dbt build with its selection.
    dbt_failed = any(
        node.name in failed and any(tag.startswith("dagster_dbt/") for tag in node.definition.tags)
        for node in result.job_def.nodes
    )
    if dbt_failed and kept:
        print("the dbt build failed; its log:", file=sys.stderr)
        for line in kept:
            print(f"  {line}" if line else "", file=sys.stderr)


def _recover(warehouse: Warehouse, wait: bool) -> None:
    """Fail the runs of loads that were killed, then make sure no other run of this warehouse is going (what a
    killed publish left on disk, the next publish removes)."""
    import time

    import dagster as dg

    from orchestration.runs import live_runs, recover_dead_runs

    with dg.DagsterInstance.get() as instance:
        for recovered in recover_dead_runs(instance):
            print(recovered.recovered(), flush=True)
        while running := live_runs(instance):
            if not wait:
                raise LoadRunning(f"{running[0].running()}; wait for it with `rare-earth load --wait`")
            print(f"waiting: {running[0].running()}", flush=True)
            time.sleep(5)


class CheckReport:
    """Prints a run's check outcomes: a count, then the warnings and errors each check put in its metadata
    (each distinct text once per load, though a second run checks the same months again)."""

    def __init__(self) -> None:
        self._shown: set[tuple[str, str]] = set()
        self._quarantined: set[str] = set()

    def already_said(self, files: FilesReport) -> None:
        """The quarantined files the end report listed: a check's errors name them again."""
        self._quarantined = {f"quarantined: {f.reason}" for f in files.quarantined}

    def report(self, result: ExecuteInProcessResult, months: tuple[date, date]) -> bool:
        """True when an error-level check failed."""
        evaluations = result.get_asset_check_evaluations()
        warned = [e for e in evaluations if not e.passed and e.severity.value == "WARN"]
        failed = [e for e in evaluations if not e.passed and e.severity.value != "WARN"]
        passed = len(evaluations) - len(warned) - len(failed)
        print(f"{passed} checks passed, {len(warned)} with warnings (published), {len(failed)} failed")
        span = f"{months[0]:%Y-%m}..{months[1]:%Y-%m}"
        for evaluation in warned:
            self._details(evaluation, "warnings", f"warnings from {_check_name(evaluation)} for {span} (published)")
        for evaluation in failed:
            self._details(evaluation, "errors", f"errors: {_check_name(evaluation)} failed for {span}")
        return bool(failed)

    def _details(self, evaluation: AssetCheckEvaluation, key: str, title: str) -> None:
        said = _metadata_lines(evaluation, key)
        lines = [line for line in said if line not in self._quarantined]
        seen = (_check_name(evaluation), "\n".join(lines))
        if seen in self._shown or (said and not lines):
            print(f"{title}: {'as above' if lines else 'the quarantined files above'}", file=sys.stderr)
            return
        self._shown.add(seen)
        print(title + (":" if lines else ""), file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)


def _check_name(evaluation: AssetCheckEvaluation) -> str:
    return f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"


def _metadata_lines(evaluation: AssetCheckEvaluation, key: str) -> list[str]:
    """The lines an expectation-suite check condensed for people (`warnings` / `errors`); for a dbt test, how
    many rows it found."""
    entry = evaluation.metadata.get(key)
    if entry is not None:
        return [line for line in str(entry.value).splitlines() if line.strip()]
    rows = evaluation.metadata.get("dagster_dbt/failed_row_count")
    return [f"{rows.value:,} rows failed the dbt test"] if rows is not None else []


def _report_files(report: FilesReport, plan: LoadPlan) -> None:
    """Counts, and only the files that were not plainly loaded (each file's progress line said the rest)."""
    duplicates = report.with_status("duplicate")
    counts = [f"{len(report.loaded)} files loaded", f"{len(report.quarantined)} quarantined"]
    counts += [f"{len(duplicates)} duplicate"] if duplicates else []
    counts += [f"{len(plan.passed_over)} passed over"] if plan.passed_over else []
    print(", ".join(counts))
    for file in report.not_plainly_loaded:
        if file.status == "quarantined":
            print(f"quarantined, not loaded: {file.reason}", file=sys.stderr)
        elif file.warning:
            print(f"warning: {_shown(file.file_name)}: {file.warning}", file=sys.stderr)
        else:
            print(f"  {file.status:<11} {_shown(file.file_name)}: {file.detail()}")
    _report_passed_over(plan)
    for month in report.held:
        print(f"held back, not published: {month.summary()}", file=sys.stderr)


def _report_passed_over(plan: LoadPlan) -> None:
    """One line for each landing file a load passes over: hidden names, and refused files whose bytes did
    not change since (they stay refused until they do)."""
    for file in plan.passed_over:
        print(f"  {file.kind:<11} {_shown(file.file_name)}: {file.reason}")


def _shown(name: str) -> str:
    """A file name on one line, whatever characters it holds."""
    return name if name.isprintable() else repr(name)


def cmd_load(args: argparse.Namespace) -> int:
    try:
        engine = engine_named(args.engine) if args.engine else engine_from_env()
        ensure_available(engine)
    except EngineUnavailable as err:
        print(f"rare-earth load: {err}", file=sys.stderr)
        return 2
    warehouse = Warehouse.from_env(args.warehouse).ensure()
    os.environ["WAREHOUSE_DIR"] = str(warehouse.root)
    try:
        with warehouse.load_lock(wait=args.wait):
            return _load(warehouse, args.wait, engine)
    except LoadRunning as err:
        print(err, file=sys.stderr)
        return 3


def _load(warehouse: Warehouse, wait: bool, engine: Engine) -> int:
    plan = plan_load(warehouse, engine)  # hashes each new file once per load
    if plan.months is None:
        _report_passed_over(plan)
        print(
            f"nothing new in {warehouse.landing}: every other file there is already loaded or refused"
            if plan.passed_over
            else f"nothing new in {warehouse.landing}: every file there is already loaded, quarantined or published"
        )
        return 0
    if not plan.publish_only:
        # Before Dagster is imported here, so that the two start up side by side (see worker_process).
        from orchestration.worker_process import start_worker_process

        start_worker_process(warehouse.root / "logs" / "worker-process.log")
    prepare_dagster_home(warehouse)
    _recover(warehouse, wait)
    started = datetime.now(UTC)
    checks = CheckReport()
    if plan.publish_only:
        # Only the audit trail changed (e.g. a file was quarantined): readers get it, the marts are as they were.
        _report_passed_over(plan)
        print("nothing new to load; publishing the audit trail recorded since the last publish")
        result = _execute_monthly_load(plan.months, engine, publish_only=True)
        _report_dbt_log(result)
        return _finish(warehouse, result, blocked=False, quarantined=0)
    months = plan.months
    on = "" if engine is Engine.DUCKDB else f" (dbt on {engine.value})"
    print(f"loading {months[0]:%Y-%m} .. {months[1]:%Y-%m} from {warehouse.landing}{on}", flush=True)
    result = _execute_monthly_load(months, engine)
    _report_dbt_log(result)
    files = files_seen_since(warehouse, started)
    _report_files(files, plan)
    checks.already_said(files)
    print(f"run {result.run_id}")
    blocked = checks.report(result, months)
    if not result.success and publishable_after_failure(warehouse, started):
        # The failing months are held back now, so a second run publishes the months that passed.
        print(f"held back {len(files.held)} month(s); publishing the months that passed with a second run", flush=True)
        from orchestration.defs.jobs import PUBLISHES_WHAT_PASSED_IN

        result = _execute_monthly_load(months, engine, {PUBLISHES_WHAT_PASSED_IN: result.run_id})
        _report_dbt_log(result)
        print(f"run {result.run_id}")
        checks.report(result, months)
    return _finish(warehouse, result, blocked, len(files.quarantined))


def _finish(warehouse: Warehouse, result: ExecuteInProcessResult, blocked: bool, quarantined: int) -> int:
    latest = headline(warehouse)
    if latest:
        print(f"latest headline: {latest}")
    if result.success and warehouse.published_db.exists():
        print(f"published: {warehouse.published_db} (open it read-only) and {warehouse.exports_dir}/*.parquet")
        print(f"report: {warehouse.reports_dir / 'index.html'}")
    if blocked:
        print(
            "a blocking check failed (above): the months it names are held back and keep their last published "
            "state; the run is in the Dagster UI (make dev)",
            file=sys.stderr,
        )
        return 1
    if not result.success:
        _report_step_failures(result)
        print(
            f"the load run failed; its log, with the full error, is run {result.run_id} in the Dagster UI (make dev)",
            file=sys.stderr,
        )
        return 1
    return 2 if quarantined else 0


def _months_flagged(months: tuple[date, ...], checked: int, limit: int = 6) -> str:
    listed = ", ".join(f"{m:%Y-%m}" for m in months[:limit])
    listed += f" and {len(months) - limit} more" if len(months) > limit else ""
    return f"{len(months)} of {checked} month{'s' if checked != 1 else ''} ({listed})"


def _print_checks(snapshot: StatusSnapshot) -> None:
    if not snapshot.checks:
        print("checks: none recorded yet")
        return
    print("checks (the latest outcome of each month they checked):")
    print(f"  passed: {', '.join(c.check_name for c in snapshot.checks_with('passed')) or 'none'}")
    for label, flagged in (
        ("warnings", [(c, c.warning_months) for c in snapshot.checks if c.warning_months]),
        ("errors", [(c, c.error_months) for c in snapshot.checks if c.error_months]),
    ):
        listed = "; ".join(f"{c.check_name} in {_months_flagged(months, c.months_checked)}" for c, months in flagged)
        print(f"  {label}: {listed or 'none'}")


def _print_partner_files(months: list[LoadedMonth]) -> None:
    """Partner-reported files hold a year or more each: one line per file, with the months it covers."""
    if not months:
        return
    by_file: dict[tuple[str, int], list[LoadedMonth]] = {}
    for m in months:
        by_file.setdefault((m.file_name, m.vintage), []).append(m)
    print(f"\npartner-reported (UN Comtrade): {len({m.month for m in months})} months loaded from {len(by_file)} files")
    for (name, vintage), held in sorted(by_file.items(), key=lambda item: item[0][1]):
        first, last = min(m.month for m in held), max(m.month for m in held)
        print(f"  {first:%Y-%m}..{last:%Y-%m}  vintage {vintage:<4} {sum(m.rows for m in held):>7,} rows  {name}")


def cmd_status(args: argparse.Namespace) -> int:
    warehouse = Warehouse.from_env(args.warehouse)
    try:
        snapshot = status_snapshot(warehouse)
    except WarehouseBusy as busy:
        print(busy)
        return 1
    if snapshot is None:
        print(f"no warehouse at {warehouse.root} yet: run `rare-earth sample` then `rare-earth load`")
        return 0
    print(f"warehouse: {snapshot.root}")
    for flow in ("export", "import"):
        rows = [m for m in snapshot.months if m.flow == flow]
        distinct = sorted({m.month for m in rows})
        print(f"\n{flow}s: {len(distinct)} months loaded")
        for m in rows:
            print(f"  {m.month:%Y-%m}  vintage {m.vintage:<4} {m.rows:>7,} rows  {m.file_name}")
    _print_partner_files([m for m in snapshot.months if m.flow == PARTNER_FLOW])
    print(f"\nquarantined files: {len(snapshot.quarantined)}")
    for q in snapshot.quarantined:
        print(f"  {q.file_name}: {q.reason}")
    print(f"\nmonths held back by a blocking check: {len(snapshot.held)}")
    for h in snapshot.held:
        print(f"  {h.summary()}")
    if snapshot.last_publish is not None:
        print(f"\nlast publish: {snapshot.last_publish:%Y-%m-%d %H:%M:%S} UTC, {snapshot.published_db}")
    else:
        print("\nlast publish: never")
    _print_checks(snapshot)
    print(f"PostgreSQL replica: {snapshot.replica or 'not running (start it with `rare-earth serve-bi`)'}")
    return 0


def _render_dbt_docs(warehouse: Warehouse, out: Path) -> int:
    """dbt's documentation as one self-contained HTML file (orchestration/dbt_docs.py); the caller holds the
    writer lock, since dbt opens the build database and the warehouse's dbt target folder."""
    import subprocess

    from orchestration.dbt_docs import write_static_docs
    from orchestration.dbt_process import DBT_EXECUTABLE

    # The builds' target folder: dbt's partial-parse state there spares a parse of the whole project.
    target = warehouse.dbt_target_dir
    result = subprocess.run(
        [
            DBT_EXECUTABLE,
            "docs",
            "generate",
            "--project-dir",
            str(REPO_ROOT / "dbt_project"),
            "--profiles-dir",
            str(REPO_ROOT / "dbt_project"),
            "--target-path",
            str(target),
        ],
        env={**os.environ, "WAREHOUSE_DIR": str(warehouse.root)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        print(result.stdout[-3000:], file=sys.stderr)
        return result.returncode
    write_static_docs(target, out / "index.html", warehouse)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """GX Data Docs and dbt docs as static HTML under warehouse/docs/, browsable without network."""
    from orchestration.quality.data_docs import data_docs_are_current, data_docs_index

    warehouse = Warehouse.from_env(args.warehouse)
    if not warehouse.build_db.exists():
        print(f"no warehouse at {warehouse.root} yet: run `rare-earth load` first", file=sys.stderr)
        return 1
    docs = warehouse.docs_dir
    with warehouse.writer_lock():
        # Asked before dbt opens the database; a load renders the Data Docs after each publish.
        data_docs_current = data_docs_are_current(warehouse)
        failed = _render_dbt_docs(warehouse, docs / "dbt")
    if failed:
        return failed
    if data_docs_current:
        data_docs = data_docs_index(warehouse)
    else:
        from orchestration.quality.data_docs import render_warehouse_data_docs

        data_docs = render_warehouse_data_docs(warehouse)
    print(f"dbt docs: {docs / 'dbt' / 'index.html'}")
    already = " (up to date: the last load rendered them)" if data_docs_current else ""
    print(f"Great Expectations Data Docs: {data_docs}{already}")
    print("open them in a browser; they need no network")
    return 0


def cmd_serve_bi(args: argparse.Namespace) -> int:
    """A local PostgreSQL replica of the published marts for BI tools (or stop it)."""
    from orchestration.serving.local_postgres import DATABASE, READER, LocalPostgres, LocalPostgresError
    from orchestration.serving.postgres import SCHEMA, replicate_marts

    warehouse = Warehouse.from_env(args.warehouse)
    cluster = LocalPostgres(warehouse.postgres_dir)
    if args.stop:
        stopped = cluster.stop()
        print(
            f"stopped the PostgreSQL replica in {cluster.root}" if stopped else "the PostgreSQL replica was not running"
        )
        return 0
    if not warehouse.published_db.exists():
        print(f"nothing published in {warehouse.root} yet: run `rare-earth load` first", file=sys.stderr)
        return 1
    try:
        credentials = cluster.start()
    except LocalPostgresError as err:
        print(err, file=sys.stderr)
        return 1
    report = replicate_marts(warehouse.published_db, credentials.admin_url, READER)
    print(f"PostgreSQL replica of the marts: {len(report.tables)} tables, {sum(report.tables.values()):,} rows")
    print(f"  host      127.0.0.1\n  port      {credentials.port}\n  database  {DATABASE}\n  schema    {SCHEMA}")
    print(f"  user      {READER} (read-only: SELECT on {SCHEMA} only)\n  password  {credentials.reader_password}")
    print(f"  url       {credentials.reader_url}")
    print(
        f'try: psql "{credentials.reader_url}" -c "select * from marts.monthly_headlines order by month desc limit 1"'
    )
    print("every `rare-earth load` now updates it after publishing; stop it with `rare-earth serve-bi --stop`")
    return 0


def main(argv: list[str] | None = None) -> int:
    collect_rarely()
    parser = argparse.ArgumentParser(prog="rare-earth", description=__doc__)
    parser.add_argument("--warehouse", help="warehouse folder (default: $WAREHOUSE_DIR or ./warehouse)")
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="write the bundled sample files (customs and partner-reported)")
    sample.add_argument("--out", help="folder to write to (default: the landing folder)")
    sample.add_argument(
        "--cumulative", action="store_true", help="write 2025 as year-to-date (cumulative) files instead of months"
    )
    sample.set_defaults(run=cmd_sample)
    load = commands.add_parser("load", help="ingest new or changed landing files")
    load.add_argument("--wait", action="store_true", help="wait for a load that is running instead of stopping")
    load.add_argument("-v", "--verbose", action="store_true", help="show dbt's log as it builds")
    load.add_argument(
        "--engine",
        choices=[engine.value for engine in Engine],
        help="the engine dbt builds the marts on (default: $RARE_EARTH_ENGINE, else duckdb); spark needs .[spark]",
    )
    load.set_defaults(run=cmd_load)
    commands.add_parser("status", help="months loaded, files quarantined, last publish").set_defaults(run=cmd_status)
    serve_bi = commands.add_parser("serve-bi", help="serve the marts to BI tools from a local PostgreSQL on 127.0.0.1")
    serve_bi.add_argument("--stop", action="store_true", help="stop the local PostgreSQL")
    serve_bi.set_defaults(run=cmd_serve_bi)
    docs_help = "render GX Data Docs and dbt docs to static HTML under warehouse/docs/"
    commands.add_parser("docs", help=docs_help).set_defaults(run=cmd_docs)
    for sub in commands.choices.values():
        sub.add_argument("--warehouse", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from orchestration.progress import show_progress

    shown = show_progress(sys.stderr, dbt_live=getattr(args, "verbose", False))
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted: nothing half-done is published; the next load takes up what is left", file=sys.stderr)
        return 130
    except Exception:
        log = _log_traceback(Warehouse.from_env(args.warehouse))
        error = sys.exception()
        print(f"rare-earth {args.command}: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        print(f"the traceback is in {log}", file=sys.stderr)
        return 1
    finally:
        shown.finish()


def _log_traceback(warehouse: Warehouse) -> Path:
    """Keep the current exception's traceback in the warehouse's logs folder, for whoever mends the code."""
    import traceback

    logs = warehouse.root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"rare-earth-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}.log"
    log.write_text(traceback.format_exc(), encoding="utf-8")
    return log


if __name__ == "__main__":
    sys.exit(main())
