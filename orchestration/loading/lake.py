"""The raw layer as Parquet files that any engine reads (`warehouse/lake/`), written from the build database.

- `raw/flagged_customs_lines/month=YYYY-MM-DD/lines.parquet`: every raw line of the month with its `is_held` and
  `is_current` flags, which is what dbt's staging reads on DuckDB (hive layout: the month is in the folder's name,
  not in the file).
- `raw/flagged_partner_lines/flagged_partner_lines.parquet`: every partner-reported line with its flags, whole (a few
  thousand lines).
- `audit/<table>/<table>.parquet`: each audit table, whole.

Written just before each dbt build, for the months it builds and any month the lake lacks, so the files hold the
bytes DuckDB builds from. Each file is written under a hidden name and renamed over its place: a reader sees a
month's old file or its new one, never half of one, and Spark's and DuckDB's listings skip hidden names.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.build_database import (
    CHECK_OUTCOMES_TABLE,
    FAILED_BUILDS_TABLE,
    FILES_TABLE,
    FLAGGED_PARTNER_VIEW,
    FLAGGED_VIEW,
    HELD_TABLE,
    PUBLISHES_TABLE,
    RAW_TABLE,
)

LINES_FILE = "lines.parquet"
# Written whole before every build: small, and read by no engine month by month.
WHOLE_TABLES = (
    FLAGGED_PARTNER_VIEW,
    FILES_TABLE,
    HELD_TABLE,
    PUBLISHES_TABLE,
    FAILED_BUILDS_TABLE,
    CHECK_OUTCOMES_TABLE,
)
STAGING_PREFIX = ".staging-"


@dataclass(frozen=True)
class LakeWrite:
    months: list[date]
    rows: int

    def summary(self) -> str:
        if not self.months:
            return "lake: every month already current; partner lines and audit tables rewritten"
        span = f"{self.months[0]:%Y-%m}" + (f"..{self.months[-1]:%Y-%m}" if len(self.months) > 1 else "")
        return f"lake: {len(self.months)} months ({span}), {self.rows:,} raw lines written as Parquet"


def table_dir(lake: Path, relation: str) -> Path:
    """`raw.flagged_customs_lines` -> lake/raw/flagged_customs_lines: the location an engine registers."""
    schema, table = relation.split(".")
    return lake / schema / table


def lake_months(lake: Path) -> set[date]:
    lines = table_dir(lake, FLAGGED_VIEW)
    if not lines.is_dir():
        return set()
    return {
        date.fromisoformat(folder.name.removeprefix("month="))
        for folder in lines.glob("month=*")
        if (folder / LINES_FILE).is_file()
    }


def write_lake(con: duckdb.DuckDBPyConnection, lake: Path, first: date | None, last: date | None) -> LakeWrite:
    """Rewrite the months first..last (every month when both are None), and any loaded month the lake lacks, then
    every table written whole. A raw layer whose columns changed since the lake was written is written whole again."""
    for leftover in lake.glob(f"{STAGING_PREFIX}*"):  # from a load killed while it wrote
        shutil.rmtree(leftover, ignore_errors=True)
    loaded = {month for (month,) in con.execute(f"select distinct month from {RAW_TABLE}").fetchall()}
    present = lake_months(lake)
    if present and _file_columns(con, lake, min(present)) != _lake_columns(con):
        present = set()
    months = sorted(
        month for month in loaded if month not in present or first is None or last is None or first <= month <= last
    )
    rows = _write_months(con, lake, months) if months else 0
    for relation in WHOLE_TABLES:
        folder = table_dir(lake, relation)
        folder.mkdir(parents=True, exist_ok=True)
        name = relation.split(".")[1]
        hidden = folder / f".{name}.parquet.tmp"
        con.execute(f"copy (select * from {relation}) to '{hidden}' (format parquet)")
        _replace(hidden, folder / f"{name}.parquet")
    return LakeWrite(months, rows)


def _lake_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute(f"select column_name from (describe {FLAGGED_VIEW})").fetchall()}


def _file_columns(con: duckdb.DuckDBPyConnection, lake: Path, month: date) -> set[str]:
    file = table_dir(lake, FLAGGED_VIEW) / f"month={month.isoformat()}" / LINES_FILE
    names = [name for (name,) in con.execute(f"select name from parquet_schema('{file}')").fetchall()]
    # The first entry is the schema's root; the month is the folder's name.
    return {*names[1:], "month"}


def _write_months(con: duckdb.DuckDBPyConnection, lake: Path, months: list[date]) -> int:
    staging = lake / f"{STAGING_PREFIX}{os.getpid()}"
    staging.mkdir(parents=True)
    try:
        [(rows,)] = con.execute(
            f"""copy (
                    select * from {FLAGGED_VIEW}
                    where month between ? and ? and month in (select unnest(?::date[]))
                ) to '{staging}' (format parquet, partition_by (month), filename_pattern 'lines_{{i}}')""",
            [months[0], months[-1], months],
        ).fetchall()
        lines = table_dir(lake, FLAGGED_VIEW)
        for month in months:
            folder = f"month={month.isoformat()}"
            (lines / folder).mkdir(parents=True, exist_ok=True)
            _replace(staging / folder / "lines_0.parquet", lines / folder / LINES_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return int(rows)


def _replace(written: Path, place: Path) -> None:
    """Durable, then renamed over its place in one step."""
    with written.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(written, place)
