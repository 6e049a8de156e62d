"""What the `rare-earth` commands ask of the warehouse, in plain data: a load's plan, what a load did with
the landing files, and the warehouse's status.

The CLI prints these and runs the Dagster job; it reaches the build database, the landing folder and the
audit trail only through this module. Nothing here imports Dagster at module level, so `rare-earth status`
starts in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import duckdb

from orchestration.build_database import (
    CHECK_OUTCOMES_TABLE,
    FILES_TABLE,
    PARTNER_FLOW,
    build_db,
    marts_rebuild_reason,
)
from orchestration.engines import Engine
from orchestration.loading import holds
from orchestration.loading.holds import HeldMonth
from orchestration.loading.ingest import months_to_rebuild
from orchestration.loading.landing import scan_landing, skipped_in_landing, unseen_files
from orchestration.loading.summary import (
    LoadedMonth,
    QuarantinedFile,
    latest_headline,
    loaded_months,
    quarantined_files,
)
from orchestration.warehouse import Warehouse

__all__ = [
    "PARTNER_FLOW",
    "CheckOutcomes",
    "FileSeen",
    "FilesReport",
    "HeldMonth",
    "LoadPlan",
    "LoadedMonth",
    "PassedOver",
    "QuarantinedFile",
    "StatusSnapshot",
    "WarehouseBusy",
    "files_seen_since",
    "headline",
    "plan_load",
    "publishable_after_failure",
    "status_snapshot",
]

MonthRange = tuple[date, date]


class WarehouseBusy(RuntimeError):
    """A load holds the build database (DuckDB allows one writer and no reader beside it)."""


# --- Planning a load ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassedOver:
    """A landing file a load does not read: a hidden name ('skipped'), or a quarantined file whose bytes
    did not change since ('refused': it stays refused until they do)."""

    file_name: str
    kind: Literal["skipped", "refused"]
    reason: str


@dataclass(frozen=True)
class LoadPlan:
    """What `rare-earth load` is about to do.

    `months` is the range the run covers: the months of new or changed files (and the months derived from
    them), widened to the months a previous load left to build or publish; for `publish_only` (only the audit
    trail changed, e.g. a file was quarantined) the months already loaded. None when there is nothing to do.
    """

    landing: Path
    months: MonthRange | None
    new_files: int
    publish_only: bool
    passed_over: tuple[PassedOver, ...]


def plan_load(warehouse: Warehouse, engine: Engine = Engine.DUCKDB) -> LoadPlan:
    """Look at the landing folder and the audit trail; hashes each new landing file once. A load whose engine did
    not build the marts last rebuilds every month."""
    landing = scan_landing(warehouse.landing)
    with build_db(warehouse) as con:
        pending = [file for file, _ in unseen_files(con, landing)]
        left_over = holds.months_to_redo(con)
        audit_changed = holds.has_unpublished_audit(con)
        unchanged = {file.name for file in landing} - {file.name for file in pending}
        refused = [q for q in quarantined_files(con) if q.file_name in unchanged]
        loaded = [m.month for m in loaded_months(con)]
        reshaped = marts_rebuild_reason(con, engine.value) is not None
    passed_over = [PassedOver(name, "skipped", why) for name, why in skipped_in_landing(warehouse.landing)]
    passed_over += [
        PassedOver(
            q.file_name,
            "refused",
            f"unchanged since it was quarantined on {q.seen_at:%Y-%m-%d}; replace the file to load it "
            "(`rare-earth status` says why)",
        )
        for q in refused
    ]
    months: MonthRange | None = None
    if pending:
        rebuilt = [m for file in pending for m in months_to_rebuild(file, landing)] or [_latest_month()]
        months = (min(rebuilt), max(rebuilt))
    if left_over is not None:
        months = (min(months[0], left_over[0]), max(months[1], left_over[1])) if months else left_over
    if reshaped and loaded:  # the dbt step rebuilds every month; with no new file, the load still runs
        months = (min(loaded), max(loaded)) if months is None else (min(months[0], *loaded), max(months[1], *loaded))
    publish_only = months is None and audit_changed
    if publish_only:
        months = (min(loaded), max(loaded)) if loaded else (_latest_month(), _latest_month())
    return LoadPlan(warehouse.landing, months, len(pending), publish_only, tuple(passed_over))


def _latest_month() -> date:
    from orchestration.defs.partitions import latest_month  # Dagster: only a load that runs needs it

    return latest_month()


# --- What a load did ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSeen:
    """A landing file as a load recorded it in `audit.files`."""

    file_name: str
    status: str  # 'loaded' | 'quarantined' | 'duplicate' | 'superseded'
    months: str | None  # e.g. '2025-11', or '2025-01..2025-02'
    rows: int | None
    reason: str | None  # why it was quarantined, or what it duplicates
    warning: str | None  # loaded, but worth a look

    @property
    def plainly_loaded(self) -> bool:
        return self.status in ("loaded", "superseded") and not self.warning

    def detail(self) -> str:
        if self.reason:
            return self.reason
        loaded = f"{self.months} ({self.rows:,} rows)" if self.rows is not None else (self.months or "")
        return f"{loaded}; warning: {self.warning}" if self.warning else loaded


@dataclass(frozen=True)
class FilesReport:
    """The files a load recorded and the months it held back, since it started."""

    files: tuple[FileSeen, ...]
    held: tuple[HeldMonth, ...]

    def with_status(self, *statuses: str) -> list[FileSeen]:
        return [f for f in self.files if f.status in statuses]

    @property
    def loaded(self) -> list[FileSeen]:
        # A file of this load that a later file of the same load replaced was loaded too.
        return self.with_status("loaded", "superseded")

    @property
    def quarantined(self) -> list[FileSeen]:
        return self.with_status("quarantined")

    @property
    def not_plainly_loaded(self) -> list[FileSeen]:
        return [f for f in self.files if not f.plainly_loaded]


def files_seen_since(warehouse: Warehouse, since: datetime) -> FilesReport:
    with build_db(warehouse) as con:
        rows = con.execute(
            f"""select file_name, status, months, rows, reason, warning from {FILES_TABLE}
                where seen_at >= ? order by file_name""",
            [since],
        ).fetchall()
        held = [h for h in holds.held_months(con) if h.held_at >= since]
    return FilesReport(tuple(FileSeen(*row) for row in rows), tuple(held))


def publishable_after_failure(warehouse: Warehouse, run_started: datetime) -> bool:
    """Whether a failed run held months back or quarantined files and left months that passed unpublished."""
    with build_db(warehouse) as con:
        return holds.publishable_after_failure(con, run_started)


def headline(warehouse: Warehouse) -> str | None:
    """The latest month's generated headline, once the marts exist."""
    with build_db(warehouse) as con:
        return latest_headline(con)


# --- Status --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOutcomes:
    """An expectation-suite check's latest outcome for each month it checked (`audit.check_outcomes`)."""

    check_name: str
    months_checked: int
    warning_months: tuple[date, ...]
    error_months: tuple[date, ...]
    checked_at: datetime

    @property
    def status(self) -> Literal["passed", "warning", "error"]:
        return "error" if self.error_months else "warning" if self.warning_months else "passed"


@dataclass(frozen=True)
class StatusSnapshot:
    root: Path
    months: tuple[LoadedMonth, ...]
    quarantined: tuple[QuarantinedFile, ...]
    held: tuple[HeldMonth, ...]
    published_db: Path
    last_publish: datetime | None
    checks: tuple[CheckOutcomes, ...]
    replica: str | None  # where the marts are replicated to PostgreSQL, without the password

    def checks_with(self, status: str) -> list[CheckOutcomes]:
        return [c for c in self.checks if c.status == status]


def status_snapshot(warehouse: Warehouse) -> StatusSnapshot | None:
    """The warehouse at a glance; None when there is none yet. Raises WarehouseBusy while a load runs.

    Reads the build database read-only and never imports Dagster."""
    if not warehouse.build_db.exists():
        return None
    try:
        con = duckdb.connect(str(warehouse.build_db), read_only=True)
    except duckdb.IOException as err:
        raise WarehouseBusy("a load is running and holds the build database; try again when it finishes") from err
    try:
        months = loaded_months(con)
        quarantined = quarantined_files(con)
        held = holds.held_months(con)
        checks = _check_outcomes(con)
    finally:
        con.close()
    published = warehouse.published_db
    last_publish = datetime.fromtimestamp(published.stat().st_mtime, UTC) if published.exists() else None
    from orchestration.serving.local_postgres import replica_target

    target = replica_target(warehouse.postgres_dir)
    return StatusSnapshot(
        root=warehouse.root,
        months=tuple(months),
        quarantined=tuple(quarantined),
        held=tuple(held),
        published_db=published,
        last_publish=last_publish,
        checks=checks,
        replica=target.label if target else None,
    )


def _check_outcomes(con: duckdb.DuckDBPyConnection) -> tuple[CheckOutcomes, ...]:
    try:
        rows = con.execute(
            f"""select check_name, count(*),
                       list(month order by month) filter (where status = 'warning'),
                       list(month order by month) filter (where status = 'error'),
                       max(checked_at)
                from {CHECK_OUTCOMES_TABLE} group by check_name order by check_name"""
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse from before the checks recorded their outcomes
        return ()
    return tuple(
        CheckOutcomes(name, checked, tuple(warned or ()), tuple(failed or ()), at)
        for name, checked, warned, failed, at in rows
    )
