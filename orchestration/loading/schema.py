"""The raw layer and the audit trail in the build database: created once, migrated by adding only."""

from __future__ import annotations

import duckdb

RAW_TABLE = "raw.customs_lines"
CURRENT_VIEW = "raw.current_customs_lines"
FILES_TABLE = "audit.files"
HELD_TABLE = "audit.held_months"
PUBLISHES_TABLE = "audit.publishes"
FAILED_BUILDS_TABLE = "audit.failed_builds"
CHECK_OUTCOMES_TABLE = "audit.check_outcomes"

_DDL = f"""
create schema if not exists raw;
create schema if not exists audit;
create sequence if not exists audit.vintage_seq start 1;

create table if not exists {RAW_TABLE} (
    flow            varchar not null,
    month           date not null,
    period_months   tinyint not null,
    hs_code         varchar not null,
    commodity_name  varchar,
    partner_code    varchar,
    partner_name    varchar,
    regime_code     varchar,
    regime_name     varchar,
    province_code   varchar,
    province_name   varchar,
    quantity_kg     decimal(18, 3),
    unit            varchar,
    quantity_2      decimal(18, 3),
    unit_2          varchar,
    value_usd       decimal(18, 3),
    value_cny       decimal(18, 3),
    source_file     varchar not null,
    source_sha256   varchar not null,
    row_number      bigint not null,
    vintage         integer not null,
    loaded_at       timestamptz not null,
    period_kind     varchar not null default 'month'  -- 'month', or 'ytd' for a year-to-date (cumulative) file
);

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
alter table {RAW_TABLE} add column if not exists period_kind varchar default 'month';
alter table {FILES_TABLE} add column if not exists release_label varchar;
alter table {FILES_TABLE} add column if not exists detail varchar;
alter table {FILES_TABLE} add column if not exists warning varchar;

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

-- Months a dbt build failed for: their marts may be half-built, so nothing is published until a
-- build of those months succeeds.
create table if not exists {FAILED_BUILDS_TABLE} (
    first_month     date not null,
    last_month      date not null,
    reason          varchar not null,
    failed_at       timestamptz not null
);

-- A later vintage replaces an earlier one per (flow, month, commodity): a file holding only magnets
-- for a month revises the magnets and leaves that month's other codes as they were. Year-to-date
-- (cumulative) files are vintages of their own kind: dbt derives months from them. A held-back month
-- of a file is skipped, so the month keeps its earlier vintage.
create or replace view {CURRENT_VIEW} as
select l.*
from {RAW_TABLE} as l
where not exists (
    select 1 from {HELD_TABLE} as h where h.vintage = l.vintage and h.flow = l.flow and h.month = l.month
)
qualify l.vintage = max(l.vintage) over (partition by l.flow, l.month, l.hs_code, l.period_kind);
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)
