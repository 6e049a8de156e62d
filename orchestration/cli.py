"""`rare-earth`: the warehouse without the UI. `load` runs the same Dagster job the UI launches."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.loading.ingest import build_db, file_months
from orchestration.loading.landing import scan_landing, unseen_files
from orchestration.loading.summary import latest_headline, loaded_months, quarantined_files
from orchestration.warehouse import REPO_ROOT, Warehouse

PIPELINE_STAGE_NOTE = (
    "note: the raw, staged and marts suites guard loads; holding back single months of "
    "a multi-month run, and the PostgreSQL replica are not built yet."
)


def prepare_dagster_home(warehouse: Warehouse) -> Path:
    """DAGSTER_HOME inside the warehouse folder (unless set), with the project's dagster.yaml."""
    home = warehouse.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _pending_month_range(warehouse: Warehouse) -> tuple[date, date] | None:
    with build_db(warehouse) as con:
        pending = unseen_files(con, scan_landing(warehouse.landing))
    if not pending:
        return None
    from orchestration.defs.partitions import latest_month

    months = [m for file, _ in pending for m in file_months(file)] or [latest_month()]
    return min(months), max(months)


def cmd_sample(args: argparse.Namespace) -> int:
    from orchestration.sample import write_sample_files

    out = Path(args.out) if args.out else Warehouse.from_env(args.warehouse).ensure().landing
    written = write_sample_files(out)
    print(f"wrote {len(written)} sample customs files to {out}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    warehouse = Warehouse.from_env(args.warehouse).ensure()
    os.environ["WAREHOUSE_DIR"] = str(warehouse.root)
    months = _pending_month_range(warehouse)
    if months is None:
        print(f"nothing new in {warehouse.landing}: every file there is already loaded or quarantined")
        return 0
    prepare_dagster_home(warehouse)
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.partitions import partition_range_tags

    started = datetime.now(UTC)
    print(f"loading {months[0]:%Y-%m} .. {months[1]:%Y-%m} from {warehouse.landing}", flush=True)
    result = defs.resolve_job_def("monthly_load").execute_in_process(
        instance=dg.DagsterInstance.get(),
        tags=partition_range_tags(*months),
        # The run's full event log is in the Dagster UI; the terminal gets warnings and the summary below.
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    con = duckdb.connect(str(warehouse.build_db), read_only=True)
    try:
        seen = con.execute(
            "select file_name, status, months, rows, reason from audit.files where seen_at >= ? order by file_name",
            [started],
        ).fetchall()
        headline = latest_headline(con)
    finally:
        con.close()
    for name, status, file_months_label, rows, reason in seen:
        detail = reason if reason else f"{file_months_label} ({rows:,} rows)"
        print(f"  {status:<11} {name}: {detail}")
    quarantined = [row for row in seen if row[1] == "quarantined"]
    loaded = [row for row in seen if row[1] == "loaded"]
    print(f"{len(loaded)} files loaded, {len(quarantined)} quarantined, run {result.run_id}")
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
    if headline:
        print(f"latest headline: {headline}")
    if warehouse.published_db.exists():
        print(f"published: {warehouse.published_db} (open it read-only) and {warehouse.exports_dir}/*.parquet")
    for row in quarantined:
        print(f"quarantined, not loaded: {row[4]}", file=sys.stderr)
    if not result.success:
        blocked = any(e.severity.value == "ERROR" for e in failed_checks)
        reason = (
            "a blocking check failed (above): the steps after it did not run and nothing was published"
            if blocked
            else "see the log above"
        )
        print(f"the load run failed: {reason}; the run is in the Dagster UI (make dev)", file=sys.stderr)
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
    if warehouse.published_db.exists():
        published = datetime.fromtimestamp(warehouse.published_db.stat().st_mtime, UTC)
        print(f"\nlast publish: {published:%Y-%m-%d %H:%M:%S} UTC, {warehouse.published_db}")
    else:
        print("\nlast publish: never")
    print(f"failing checks: {failing_checks_summary(warehouse)}")
    print(PIPELINE_STAGE_NOTE)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """dbt's documentation as one self-contained HTML file (no network), from the build database."""
    import subprocess
    import tempfile

    warehouse = Warehouse.from_env(args.warehouse)
    if not warehouse.build_db.exists():
        print(f"no warehouse at {warehouse.root} yet: run `rare-earth load` first", file=sys.stderr)
        return 1
    out = warehouse.root / "docs" / "dbt"
    out.mkdir(parents=True, exist_ok=True)
    dbt = Path(sys.executable).with_name("dbt")
    with tempfile.TemporaryDirectory() as target, warehouse.writer_lock():
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
    print(f"dbt docs: {out / 'index.html'} (open it in a browser; it needs no network)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rare-earth", description=__doc__)
    parser.add_argument("--warehouse", help="warehouse folder (default: $WAREHOUSE_DIR or ./warehouse)")
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="write the bundled sample customs files")
    sample.add_argument("--out", help="folder to write to (default: the landing folder)")
    sample.set_defaults(run=cmd_sample)
    commands.add_parser("load", help="ingest new or changed landing files").set_defaults(run=cmd_load)
    commands.add_parser("status", help="months loaded, files quarantined, last publish").set_defaults(run=cmd_status)
    commands.add_parser("docs", help="render dbt docs to static HTML under warehouse/docs/").set_defaults(run=cmd_docs)
    for sub in commands.choices.values():
        sub.add_argument("--warehouse", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
