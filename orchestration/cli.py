"""`rare-earth`: the warehouse without the UI. `load` runs the same Dagster job the UI launches."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.build_database import build_db
from orchestration.loading.holds import (
    HeldMonth,
    has_unpublished_audit,
    held_months,
    months_to_redo,
    publishable_after_failure,
)
from orchestration.loading.ingest import months_to_rebuild
from orchestration.loading.landing import LandingFile, scan_landing, skipped_in_landing, unseen_files
from orchestration.loading.summary import latest_headline, loaded_months, quarantined_files
from orchestration.warehouse import REPO_ROOT, LoadRunning, Warehouse

if TYPE_CHECKING:  # Dagster takes seconds to import: `status` and `sample` do without it.
    from dagster import ExecuteInProcessResult


def prepare_dagster_home(warehouse: Warehouse) -> Path:
    """DAGSTER_HOME inside the warehouse folder (unless set), with the project's dagster.yaml (kept up to date:
    a warehouse made by an earlier release gets its run monitoring)."""
    home = warehouse.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    ours = (REPO_ROOT / "dagster.yaml").read_bytes()
    if not (home / "dagster.yaml").exists() or (home / "dagster.yaml").read_bytes() != ours:
        (home / "dagster.yaml").write_bytes(ours)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _pending_month_range(pending: list[LandingFile], landing: list[LandingFile]) -> tuple[date, date] | None:
    if not pending:
        return None
    from orchestration.defs.partitions import latest_month

    months = [m for file in pending for m in months_to_rebuild(file, landing)] or [latest_month()]
    return min(months), max(months)


def cmd_sample(args: argparse.Namespace) -> int:
    from orchestration.sample import write_sample_files

    out = Path(args.out) if args.out else Warehouse.from_env(args.warehouse).ensure().landing
    written = write_sample_files(out, cumulative=args.cumulative)
    print(f"wrote {len(written)} sample customs files to {out}")
    return 0


def _execute_monthly_load(
    months: tuple[date, date], tags: dict[str, str] | None = None, publish_only: bool = False
) -> ExecuteInProcessResult:
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.jobs import LAUNCHED_BY_CLI
    from orchestration.defs.partitions import partition_range_tags
    from orchestration.runs import process_tags

    return defs.resolve_job_def("monthly_load").execute_in_process(
        instance=dg.DagsterInstance.get(),
        tags={**partition_range_tags(*months), **LAUNCHED_BY_CLI, **process_tags(), **(tags or {})},
        # The run's full event log, step failures' stack traces included, is in the Dagster UI; the
        # terminal gets the summary below.
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
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


def _report_step_failures(result: ExecuteInProcessResult) -> None:
    """One line per failed step, without its stack trace (that stays in the run's log)."""
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:  # Dagster wraps the step's own error
            error = error.cause
        message = error.message.strip().splitlines()[0] if error and error.message.strip() else "no message"
        print(f"step {event.step_key} failed: {message}", file=sys.stderr)


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


def _report_checks(result: ExecuteInProcessResult, months: tuple[date, date]) -> bool:
    """Print the run's check outcomes (failures to stderr); True when an error-level check failed."""
    evaluations = result.get_asset_check_evaluations()
    failed_checks = [e for e in evaluations if not e.passed]
    warned = sum(e.severity.value == "WARN" for e in failed_checks)
    print(
        f"{len(evaluations) - len(failed_checks)} checks passed, {len(failed_checks) - warned} failed, "
        f"{warned} warned (warnings are published and listed below)"
    )
    for evaluation in failed_checks:
        failures = evaluation.metadata.get("failures")
        print(
            f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed "
            f"({evaluation.severity.value}) for {months[0]:%Y-%m}..{months[1]:%Y-%m}"
            + (f"\n{failures.value}" if failures else ""),
            file=sys.stderr,
        )
    return any(e.severity.value == "ERROR" for e in failed_checks)


def _report_files(warehouse: Warehouse, started: datetime) -> tuple[int, list[HeldMonth]]:
    """Print the files this load saw and the months it held back; returns (quarantined files, held months)."""
    with build_db(warehouse) as con:
        seen = con.execute(
            """select file_name, status, months, rows, reason, warning from audit.files
               where seen_at >= ? order by file_name""",
            [started],
        ).fetchall()
        held = [h for h in held_months(con) if h.held_at >= started]
    for name, status, file_months_label, rows, reason, warning in seen:
        detail = reason if reason else f"{file_months_label} ({rows:,} rows)"
        print(f"  {status:<11} {_shown(name)}: {detail}")
        if warning:
            print(f"warning: {_shown(name)}: {warning}", file=sys.stderr)
    quarantined = [row for row in seen if row[1] == "quarantined"]
    loaded = [row for row in seen if row[1] == "loaded"]
    print(f"{len(loaded)} files loaded, {len(quarantined)} quarantined")
    for row in quarantined:
        print(f"quarantined, not loaded: {row[4]}", file=sys.stderr)
    for month in held:
        print(f"held back, not published: {month.summary()}", file=sys.stderr)
    return len(quarantined), held


def _passed_over(warehouse: Warehouse, landing: list[LandingFile], pending: list[LandingFile]) -> list[str]:
    """One line for each landing file a load passes over: hidden names, and refused files whose bytes did
    not change since (they stay refused until they do)."""
    lines = [f"  skipped     {_shown(name)}: {why}" for name, why in skipped_in_landing(warehouse.landing)]
    unchanged = {file.name for file in landing} - {file.name for file in pending}
    with build_db(warehouse) as con:
        refused = [q for q in quarantined_files(con) if q.file_name in unchanged]
    lines += [
        f"  refused     {_shown(q.file_name)}: unchanged since it was quarantined on {q.seen_at:%Y-%m-%d}; "
        "replace the file to load it (`rare-earth status` says why)"
        for q in refused
    ]
    return lines


def _shown(name: str) -> str:
    """A file name on one line, whatever characters it holds."""
    return name if name.isprintable() else repr(name)


def cmd_load(args: argparse.Namespace) -> int:
    warehouse = Warehouse.from_env(args.warehouse).ensure()
    os.environ["WAREHOUSE_DIR"] = str(warehouse.root)
    try:
        with warehouse.load_lock(wait=args.wait):
            return _load(warehouse, args.wait)
    except LoadRunning as err:
        print(err, file=sys.stderr)
        return 3


def _load(warehouse: Warehouse, wait: bool) -> int:
    landing = scan_landing(warehouse.landing)
    with build_db(warehouse) as con:
        pending = [file for file, _ in unseen_files(con, landing)]  # hashes each new file once per load
        left_over = months_to_redo(con)
        audit_changed = has_unpublished_audit(con)
    months = _pending_month_range(pending, landing)
    passed_over = _passed_over(warehouse, landing, pending)
    if months is None and left_over is None and not audit_changed:
        for line in passed_over:
            print(line)
        print(
            f"nothing new in {warehouse.landing}: every other file there is already loaded or refused"
            if passed_over
            else f"nothing new in {warehouse.landing}: every file there is already loaded, quarantined or published"
        )
        return 0
    prepare_dagster_home(warehouse)
    _recover(warehouse, wait)
    started = datetime.now(UTC)
    if months is None and left_over is None:
        # Only the audit trail changed (e.g. a file was quarantined): readers get it, the marts are as they were.
        print("nothing new to load; publishing the audit trail recorded since the last publish")
        result = _execute_monthly_load(_published_range(warehouse), publish_only=True)
        return _finish(warehouse, result, blocked=False, quarantined=0)
    if months is not None and left_over is not None:
        months = (min(months[0], left_over[0]), max(months[1], left_over[1]))
    months = months or left_over
    assert months is not None
    print(f"loading {months[0]:%Y-%m} .. {months[1]:%Y-%m} from {warehouse.landing}", flush=True)
    for line in passed_over:
        print(line)
    result = _execute_monthly_load(months)
    quarantined, held = _report_files(warehouse, started)
    print(f"run {result.run_id}")
    blocked = _report_checks(result, months)
    if not result.success:
        with build_db(warehouse) as con:
            publish_the_rest = publishable_after_failure(con, started)
        if publish_the_rest:
            # The failing months are held back now, so a second run publishes the months that passed.
            print(f"held back {len(held)} month(s); publishing the months that passed with a second run", flush=True)
            from orchestration.defs.jobs import PUBLISHES_WHAT_PASSED_IN

            result = _execute_monthly_load(months, {PUBLISHES_WHAT_PASSED_IN: result.run_id})
            print(f"run {result.run_id}")
            _report_checks(result, months)
    return _finish(warehouse, result, blocked, quarantined)


def _published_range(warehouse: Warehouse) -> tuple[date, date]:
    from orchestration.defs.partitions import latest_month

    with build_db(warehouse) as con:
        months = [m.month for m in loaded_months(con)]
    return (min(months), max(months)) if months else (latest_month(), latest_month())


def _finish(warehouse: Warehouse, result: ExecuteInProcessResult, blocked: bool, quarantined: int) -> int:
    with build_db(warehouse) as con:
        headline = latest_headline(con)
    if headline:
        print(f"latest headline: {headline}")
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


def failing_checks_summary(warehouse: Warehouse) -> str:
    """The checks whose latest evaluation failed, from the warehouse's Dagster instance."""
    if not (warehouse.dagster_home / "dagster.yaml").exists():
        return "none recorded"
    prepare_dagster_home(warehouse)
    import dagster as dg

    from orchestration.definitions import defs

    failing: list[str] = []
    with dg.DagsterInstance.get() as instance:
        for key in defs.get_repository_def().asset_graph.asset_check_keys:
            record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key]).get(key)
            # A check planned but never run (its run was blocked upstream) has no evaluation yet.
            if record is None or record.status.value != "FAILED":
                continue
            severity = getattr(record.evaluation, "severity", None)
            failing.append(f"{key.asset_key.to_user_string()}:{key.name} ({severity.value if severity else 'ERROR'})")
    return ", ".join(failing) or "none"


def cmd_status(args: argparse.Namespace) -> int:
    warehouse = Warehouse.from_env(args.warehouse)
    if not warehouse.build_db.exists():
        print(f"no warehouse at {warehouse.root} yet: run `rare-earth sample` then `rare-earth load`")
        return 0
    try:
        con = duckdb.connect(str(warehouse.build_db), read_only=True)
    except duckdb.IOException:
        print("a load is running and holds the build database; try again when it finishes")
        return 1
    try:
        months = loaded_months(con)
        quarantined = quarantined_files(con)
        held = held_months(con)
    finally:
        con.close()
    print(f"warehouse: {warehouse.root}")
    for flow in ("export", "import"):
        rows = [m for m in months if m.flow == flow]
        distinct = sorted({m.month for m in rows})
        print(f"\n{flow}s: {len(distinct)} months loaded")
        for m in rows:
            print(f"  {m.month:%Y-%m}  vintage {m.vintage:<4} {m.rows:>7,} rows  {m.file_name}")
    print(f"\nquarantined files: {len(quarantined)}")
    for q in quarantined:
        print(f"  {q.file_name}: {q.reason}")
    print(f"\nmonths held back by a blocking check: {len(held)}")
    for h in held:
        print(f"  {h.summary()}")
    if warehouse.published_db.exists():
        published = datetime.fromtimestamp(warehouse.published_db.stat().st_mtime, UTC)
        print(f"\nlast publish: {published:%Y-%m-%d %H:%M:%S} UTC, {warehouse.published_db}")
    else:
        print("\nlast publish: never")
    print(f"failing checks: {failing_checks_summary(warehouse)}")
    from orchestration.serving.local_postgres import replica_target

    target = replica_target(warehouse.postgres_dir)
    print(f"PostgreSQL replica: {target.label if target else 'not running (start it with `rare-earth serve-bi`)'}")
    return 0


def _render_dbt_docs(warehouse: Warehouse, out: Path) -> int:
    """dbt's documentation as one self-contained HTML file (`docs generate --static`); the caller holds
    the writer lock, since dbt opens the build database."""
    import subprocess
    import tempfile

    dbt = Path(sys.executable).with_name("dbt")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as target:
        result = subprocess.run(
            [
                str(dbt),
                "docs",
                "generate",
                "--static",
                "--project-dir",
                str(REPO_ROOT / "dbt_project"),
                "--profiles-dir",
                str(REPO_ROOT / "dbt_project"),
                "--target-path",
                target,
            ],
            env={**os.environ, "WAREHOUSE_DIR": str(warehouse.root)},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(result.stdout[-3000:], file=sys.stderr)
            return result.returncode
        shutil.copyfile(Path(target) / "static_index.html", out / "index.html")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """GX Data Docs and dbt docs as static HTML under warehouse/docs/, browsable without network."""
    warehouse = Warehouse.from_env(args.warehouse)
    if not warehouse.build_db.exists():
        print(f"no warehouse at {warehouse.root} yet: run `rare-earth load` first", file=sys.stderr)
        return 1
    docs = warehouse.docs_dir
    with warehouse.writer_lock():
        failed = _render_dbt_docs(warehouse, docs / "dbt")
    if failed:
        return failed
    from orchestration.quality.data_docs import render_warehouse_data_docs

    data_docs = render_warehouse_data_docs(warehouse)
    print(f"dbt docs: {docs / 'dbt' / 'index.html'}")
    print(f"Great Expectations Data Docs: {data_docs}")
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
    parser = argparse.ArgumentParser(prog="rare-earth", description=__doc__)
    parser.add_argument("--warehouse", help="warehouse folder (default: $WAREHOUSE_DIR or ./warehouse)")
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="write the bundled sample customs files")
    sample.add_argument("--out", help="folder to write to (default: the landing folder)")
    sample.add_argument(
        "--cumulative", action="store_true", help="write 2025 as year-to-date (cumulative) files instead of months"
    )
    sample.set_defaults(run=cmd_sample)
    load = commands.add_parser("load", help="ingest new or changed landing files")
    load.add_argument("--wait", action="store_true", help="wait for a load that is running instead of stopping")
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

    shown = show_progress(sys.stderr)
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
