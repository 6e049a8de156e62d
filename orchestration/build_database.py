"""The build database: its schema (raw layer and audit trail), how to open it, and the audit bookkeeping.

Only the pipeline opens this file, one process at a time (DuckDB allows one writer); analysts read the
published copy. The schema is created once and migrated by adding only: a warehouse built by an earlier
release gets the new columns and tables the first time it is opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from orchestration.gacc import RAW_LINE_SCHEMA
from orchestration.rules import marts_version
from orchestration.warehouse import Warehouse

RAW_TABLE = "raw.customs_lines"
# Every raw line flagged is_held and is_current: the one home of those two rules (dbt's staging reads it).
FLAGGED_VIEW = "raw.flagged_customs_lines"
CURRENT_VIEW = "raw.current_customs_lines"
# The second source, partner-reported statistics (UN Comtrade downloads in landing/partner/), by the same rules.
PARTNER_TABLE = "raw.partner_lines"
FLAGGED_PARTNER_VIEW = "raw.flagged_partner_lines"
CURRENT_PARTNER_VIEW = "raw.current_partner_lines"
# Every current line of either source, as its flow, month, vintage and file: what holds and publishes reason about.
CURRENT_LINES_VIEW = "raw.current_lines"
# The flow a held month of a partner file is recorded under (audit.held_months.flow).
PARTNER_FLOW = "partner"
FILES_TABLE = "audit.files"
HELD_TABLE = "audit.held_months"
PUBLISHES_TABLE = "audit.publishes"
FAILED_BUILDS_TABLE = "audit.failed_builds"
CHECK_OUTCOMES_TABLE = "audit.check_outcomes"
BUILD_MONTHS_TABLE = "control.build_months"  # the build's own control tables are not published
MARTS_VERSION_TABLE = "control.marts_version"

# DuckDB would cache up to 80 % of the machine's memory; a load stays well under 1 GB and spills instead.
BUILD_MEMORY_LIMIT = "400MB"

# The reader's first quantity keeps the raw column name of the first release.
RAW_COLUMN_NAMES = {"quantity": "quantity_kg"}
# What the loader adds to the reader's columns: where each line came from.
LINEAGE_COLUMNS = {
    "flow": "varchar not null",
    "source_file": "varchar not null",
    "source_sha256": "varchar not null",
    "vintage": "integer not null",
    "loaded_at": "timestamptz not null",
    # 'month', or 'ytd' for a year-to-date (cumulative) file
    "period_kind": "varchar not null default 'month'",
}
# What the loader adds to a partner file's columns.
PARTNER_LINEAGE_COLUMNS = {
    "source_file": "varchar not null",
    "source_sha256": "varchar not null",
    "vintage": "integer not null",
    "loaded_at": "timestamptz not null",
}
_ARROW_TO_DUCKDB = {
    pa.int64(): "bigint",
    pa.int8(): "tinyint",
    pa.date32(): "date",
    pa.string(): "varchar",
    pa.float64(): "double",
    pa.bool_(): "boolean",
}


def _duckdb_type(field: pa.Field) -> str:
    kind = field.type
    name = f"decimal({kind.precision}, {kind.scale})" if pa.types.is_decimal(kind) else _ARROW_TO_DUCKDB[kind]
    return name if field.nullable else f"{name} not null"


def raw_columns() -> dict[str, str]:
    """Column name -> DuckDB type of the raw table: RAW_LINE_SCHEMA, renamed, then the lineage columns."""
    read = {RAW_COLUMN_NAMES.get(f.name, f.name): _duckdb_type(f) for f in RAW_LINE_SCHEMA}
    return {**read, **LINEAGE_COLUMNS}


def partner_columns() -> dict[str, str]:
    """Column name -> DuckDB type of the partner table: the Comtrade reader's schema, then the lineage columns."""
    from orchestration.comtrade import PARTNER_LINE_SCHEMA

    return {**{f.name: _duckdb_type(f) for f in PARTNER_LINE_SCHEMA}, **PARTNER_LINEAGE_COLUMNS}


def _table_ddl(table: str, columns: dict[str, str]) -> str:
    create = ",\n    ".join(f"{name} {kind}" for name, kind in columns.items())
    # A column added after a warehouse was created is added to it (without NOT NULL: its old rows have none).
    added = "\n".join(
        f"alter table {table} add column if not exists {name} {kind.replace(' not null', '')};"
        for name, kind in columns.items()
    )
    return f"create table if not exists {table} (\n    {create}\n);\n{added}\n"


# Table -> (what it is, column -> what it holds): schema "audit" of the published file carries these as comments
# (serving/table_docs.py). Only these audit tables are published; the rest (failed builds, dbt's stored test
# failures) are the pipeline's own bookkeeping and stay in the build database.
TableDocs = dict[str, tuple[str, dict[str, str]]]
AUDIT_DOCS: TableDocs = {
    "files": (
        "One row per landing file the warehouse has seen: what it held, and whether it was loaded, quarantined "
        "(with the reason), superseded by a later vintage, or a duplicate of a file already loaded.",
        {
            "file_name": "The file, below the landing folder.",
            "sha256": "SHA-256 of the file's bytes.",
            "flow": "'export' or 'import'; for a partner-reported file, the flows it holds (e.g. 'import').",
            "months": "The months the file holds, e.g. '2025-11'.",
            "rows": "Data rows read from the file.",
            "status": "'loaded', 'quarantined', 'superseded' or 'duplicate'.",
            "reason": "Why the file was quarantined, naming the line or column and what was expected.",
            "vintage": "Load sequence number of the file's lines (higher is newer); the marts show the newest.",
            "seen_at": "When the file was read (UTC).",
            "size_bytes": "Size of the file in bytes.",
            "mtime_ns": "Modification time of the file when it was read (nanoseconds since 1970).",
            "encoding": "How the file was read: 'gb18030', 'utf-8', 'utf-8-sig' (with a byte-order mark) or 'xlsx'.",
            "header_language": "The language of the header row: 'zh' (Chinese) or 'en' (English).",
            "currencies": "The currencies of the file's value columns: 'USD', 'CNY', or both, comma-separated.",
            "release_label": "'flash', 'detailed' or 'revised' when the file name says so.",
            "detail": "The traceback of an unexpected error that quarantined the file.",
            "warning": "Loaded, but worth a look (e.g. names that match no code list).",
            "source": "'customs' (a China Customs download) or 'partner' (a UN Comtrade download in landing/partner/).",
        },
    ),
    "held_months": (
        "Months of files held back by a blocking check: their lines stay in the build's raw layer, out of the marts, "
        "which show the month's last published state.",
        {
            "flow": "'export' or 'import', or 'partner' for a month of a partner-reported file.",
            "month": "The month held back (first day).",
            "vintage": "Vintage of the file whose month was held.",
            "file_name": "That file, below the landing folder.",
            "check_name": "The blocking check that failed.",
            "reason": "What the check found.",
            "held_at": "When the month was held (UTC).",
        },
    ),
    "publishes": (
        "Every publish of the marts, this one included, with the newest vintage it contains.",
        {
            "published_at": "When the marts were published (UTC).",
            "last_vintage": "Newest file vintage in the published marts: later vintages are not published yet.",
            "path": "The published DuckDB file.",
        },
    ),
    "check_outcomes": (
        "The latest outcome of each expectation-suite check per month: what readers see as the month's quality status.",
        {
            "month": "The month checked (first day).",
            "check_name": "The check: an expectation suite (expectations/<name>.json) run on a layer.",
            "status": "'passed', 'warning' (published and reported) or 'error' (the month is held back).",
            "summary": "What failed, in words.",
            "checked_at": "When the check ran (UTC).",
        },
    ),
}

_AUDIT_DDL = f"""
create table if not exists {FILES_TABLE} (
    file_name       varchar not null,
    sha256          varchar not null,
    flow            varchar,
    months          varchar,
    rows            bigint,
    status          varchar not null,
    reason          varchar,
    vintage         integer,
    seen_at         timestamptz not null,
    size_bytes      bigint not null,
    mtime_ns        bigint not null,
    encoding        varchar,
    header_language varchar,
    currencies      varchar,
    release_label   varchar, -- 'flash', 'detailed' or 'revised' when the file name says so
    detail          varchar, -- the traceback of an unexpected error that quarantined the file
    warning         varchar  -- loaded, but worth a look (e.g. names that match no code list)
);

-- Added after the first release: warehouses built before get the columns here.
alter table {FILES_TABLE} add column if not exists release_label varchar;
alter table {FILES_TABLE} add column if not exists detail varchar;
alter table {FILES_TABLE} add column if not exists warning varchar;
-- 'customs' (a GACC download) or 'partner' (a UN Comtrade download, in landing/partner/).
alter table {FILES_TABLE} add column if not exists source varchar default 'customs';

-- A month of a file that failed a blocking check: its lines stay in the raw layer, out of the marts.
create table if not exists {HELD_TABLE} (
    flow            varchar not null,
    month           date not null,
    vintage         integer not null,
    file_name       varchar not null,
    check_name      varchar not null,
    reason          varchar not null,
    held_at         timestamptz not null
);

-- Every publish, with the newest vintage it included: later vintages are not published yet.
create table if not exists {PUBLISHES_TABLE} (
    published_at    timestamptz not null,
    last_vintage    integer not null,
    path            varchar not null
);

-- The latest outcome of each expectation-suite check per month: what readers see as its quality status.
create table if not exists {CHECK_OUTCOMES_TABLE} (
    month           date not null,
    check_name      varchar not null,
    status          varchar not null,  -- 'passed' | 'warning' | 'error'
    summary         varchar,
    checked_at      timestamptz not null
);

-- The marts_version (dbt var) the incremental models were last fully built at, and the engine (dbt target) that
-- built them: another engine holds its own incremental state, so a change of engine rebuilds every month.
create table if not exists {MARTS_VERSION_TABLE} (
    version         integer not null
);
alter table {MARTS_VERSION_TABLE} add column if not exists engine varchar default 'duckdb';

-- The months the running dbt build rewrites (dbt's macro months_in_run reads them): empty between builds.

create table if not exists {BUILD_MONTHS_TABLE} (
    first_month     date not null,
    last_month      date not null
);

-- Months a dbt build failed for: their marts may be half-built, so nothing is published until a
-- build of those months succeeds.
create table if not exists {FAILED_BUILDS_TABLE} (
    first_month     date not null,
    last_month      date not null,
    reason          varchar not null,
    failed_at       timestamptz not null
);

-- Every raw line, flagged by the two rules that decide what the marts show (written here only; dbt's
-- staging reads this view and every model filters on its flags):
-- is_held: the line's month of its file was held back by a blocking check ({HELD_TABLE}): it stays in
--   the raw layer, out of the marts.
-- is_current: the line is of the current vintage. A later vintage replaces an earlier one per (flow, month,
--   commodity): a file holding only magnets for a month revises the magnets and leaves that month's other
--   codes as they were. Year-to-date (cumulative) files are vintages of their own kind: dbt derives months
--   from them. A held-back month of a file is skipped, so the month keeps its earlier vintage.
create or replace view {FLAGGED_VIEW} as
with lines as (
    select
        l.*,
        exists (
            select 1 from {HELD_TABLE} as h where h.vintage = l.vintage and h.flow = l.flow and h.month = l.month
        ) as is_held
    from {RAW_TABLE} as l
)
select
    *,
    not is_held and vintage = max(case when not is_held then vintage end)
        over (partition by flow, month, hs_code, period_kind) as is_current
from lines;

-- The current lines, with the raw table's columns: what the loader, the holds and the raw suite read.
create or replace view {CURRENT_VIEW} as
select * exclude (is_held, is_current) from {FLAGGED_VIEW} where is_current;

-- The partner-reported lines by the same two rules. A file is one vintage, so a hold names it by vintage and month.
-- A later file replaces an earlier one per Comtrade record: reporter, flow, month, commodity, partner and breakdown
-- (second partner, customs procedure, modes of supply and transport). A file of one reporter's magnets revises those
-- and leaves its other codes and the other reporters as they were; a file of a breakdown (e.g. by mode of transport)
-- adds to the totals an earlier file gave, never replaces them.
create or replace view {FLAGGED_PARTNER_VIEW} as
with lines as (
    select
        l.*,
        exists (select 1 from {HELD_TABLE} as h where h.vintage = l.vintage and h.month = l.month) as is_held
    from {PARTNER_TABLE} as l
)
select
    *,
    not is_held and vintage = max(case when not is_held then vintage end)
        over (
            partition by reporterCode, flowCode, month, cmdCode, partnerCode, partner2Code, customsCode, mosCode,
                motCode
        ) as is_current
from lines;

create or replace view {CURRENT_PARTNER_VIEW} as
select * exclude (is_held, is_current) from {FLAGGED_PARTNER_VIEW} where is_current;

-- Every current line of either source as its flow (the one a hold records it under), month, vintage and file.
create or replace view {CURRENT_LINES_VIEW} as
select flow, month, vintage, source_file from {CURRENT_VIEW}
union all
select '{PARTNER_FLOW}', month, vintage, source_file from {CURRENT_PARTNER_VIEW};
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create schema if not exists raw; create schema if not exists audit; create schema if not exists control;"
        "create sequence if not exists audit.vintage_seq start 1;"
    )
    con.execute(_table_ddl(RAW_TABLE, raw_columns()))
    con.execute(_table_ddl(PARTNER_TABLE, partner_columns()))
    con.execute(_AUDIT_DDL)


# Build databases this process has brought up to date, by path and inode: a run opens its database a dozen
# times, and the DDL rewrites the catalog each time.
_schema_ensured: set[tuple[str, int]] = set()


def connect_build_db(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    warehouse.ensure()
    con = duckdb.connect(str(warehouse.build_db), config={"memory_limit": BUILD_MEMORY_LIMIT})
    identity = (str(warehouse.build_db), warehouse.build_db.stat().st_ino)
    if identity not in _schema_ensured:
        ensure_schema(con)
        _schema_ensured.add(identity)
    return con


@contextmanager
def build_db(warehouse: Warehouse, timeout_s: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The build database, opened by one process at a time: DuckDB refuses a second one anyway, and
    the writer lock makes the others wait instead of failing on DuckDB's file lock."""
    with warehouse.writer_lock(timeout_s):
        con = connect_build_db(warehouse)
        try:
            yield con
        finally:
            con.close()


def recorded_files(warehouse: Warehouse) -> set[tuple[str, str]] | None:
    """(file name, sha256) of every file the warehouse has recorded; None while a load holds the database.

    Taking the writer lock without waiting means a reader here can never make a starting load fail
    on DuckDB's file lock.
    """
    if not warehouse.build_db.exists():
        return set()
    try:
        with build_db(warehouse, timeout_s=0) as con:
            return set(con.execute(f"select file_name, sha256 from {FILES_TABLE}").fetchall())
    except TimeoutError:
        return None


def last_published_vintage(con: duckdb.DuckDBPyConnection) -> int:
    [(vintage,)] = con.execute(f"select coalesce(max(last_vintage), 0) from {PUBLISHES_TABLE}").fetchall()
    return int(vintage)


def record_publish(con: duckdb.DuckDBPyConnection, published_at: datetime, last_vintage: int, path: str) -> None:
    con.execute(f"insert into {PUBLISHES_TABLE} values (?, ?, ?)", [published_at, last_vintage, path])


INTERRUPTED_BUILD = "the dbt build started but did not finish (killed or crashed); the next load builds it again"


def record_build(con: duckdb.DuckDBPyConnection, first: date, last: date, error: str | None) -> None:
    """The latest dbt build of the months: failed or unfinished (`error`), or succeeded (None), which clears
    earlier failures inside them. A build records INTERRUPTED_BUILD before it starts, so a kill mid-build
    leaves its months unpublishable until a build of them succeeds."""
    con.execute(f"delete from {FAILED_BUILDS_TABLE} where first_month >= ? and last_month <= ?", [first, last])
    if error is not None:
        con.execute(f"insert into {FAILED_BUILDS_TABLE} values (?, ?, ?, ?)", [first, last, error, datetime.now(UTC)])


def set_build_months(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None) -> None:
    """The months the next dbt build rewrites; None (after a build) means every month again."""
    con.execute(f"delete from {BUILD_MONTHS_TABLE}")
    if months is not None:
        con.execute(f"insert into {BUILD_MONTHS_TABLE} values (?, ?)", list(months))


def marts_rebuild_reason(con: duckdb.DuckDBPyConnection, engine: str) -> str | None:
    """Why the next build must rebuild every month, or None: the incremental models were built at another
    marts_version (or, with none recorded, by a release before the versions), or by another engine."""
    recorded = con.execute(f"select max(version), max(engine) from {MARTS_VERSION_TABLE}").fetchone()
    if recorded is None or recorded[0] is None:
        [(built,)] = con.execute(
            """select count(*) from information_schema.tables
               where table_schema = 'marts' and table_name = 'fct_trade_monthly'"""
        ).fetchall()
        recorded = (None, engine) if built else (marts_version(), engine)
    version, built_on = recorded
    if version != marts_version():
        return f"the marts changed shape with this release (marts_version {marts_version()})"
    if built_on != engine:
        return f"the marts were built with dbt on {built_on} and this load builds on {engine}"
    return None


def record_marts_version(con: duckdb.DuckDBPyConnection, engine: str) -> None:
    """After a successful build: the incremental models are of this release's shape, built by this engine."""
    con.execute(f"delete from {MARTS_VERSION_TABLE}")
    con.execute(f"insert into {MARTS_VERSION_TABLE} (version, engine) values (?, ?)", [marts_version(), engine])


def failed_build_ranges(con: duckdb.DuckDBPyConnection) -> list[tuple[date, date]]:
    return con.execute(f"select first_month, last_month from {FAILED_BUILDS_TABLE}").fetchall()


def unaudited_builds(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Month ranges whose last dbt build failed: their marts may be half-built and must not be published."""
    rows = con.execute(
        f"""select strftime(first_month, '%Y-%m') || '..' || strftime(last_month, '%Y-%m') || ': ' || reason
            from {FAILED_BUILDS_TABLE} order by failed_at"""
    ).fetchall()
    return [r[0] for r in rows]


def record_check_outcomes(
    con: duckdb.DuckDBPyConnection, check_name: str, outcomes: dict[date, tuple[str, str | None]]
) -> None:
    """The check's latest status ('passed' | 'warning' | 'error') and summary per month, replacing earlier ones."""
    checked_at = datetime.now(UTC)
    con.begin()
    try:
        for month, (status, summary) in outcomes.items():
            con.execute(f"delete from {CHECK_OUTCOMES_TABLE} where check_name = ? and month = ?", [check_name, month])
            con.execute(
                f"insert into {CHECK_OUTCOMES_TABLE} values (?, ?, ?, ?, ?)",
                [month, check_name, status, summary, checked_at],
            )
        con.commit()
    except BaseException:
        con.rollback()
        raise
