"""Read-only summaries of the raw layer: what a materialisation's metadata and `rare-earth status` show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from orchestration.build_database import CURRENT_LINES_VIEW, CURRENT_PARTNER_VIEW, CURRENT_VIEW, FILES_TABLE
from orchestration.reference_codes import code_units, rare_earth_code_groups
from orchestration.rules import OTHER_GROUP, is_kilogram


@dataclass(frozen=True)
class LoadedMonth:
    flow: str
    month: date
    file_name: str
    vintage: int
    rows: int


@dataclass(frozen=True)
class QuarantinedFile:
    file_name: str
    reason: str
    seen_at: datetime


def tonnes_by_group(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[str, float]:
    """Current kilogram quantities, in tonnes, per flow and product group for the months given: the marts'
    tonnes of those months, by the same kilogram rule (rules.is_kilogram). Lines of monthly files only: the
    months of year-to-date files are differences of cumulatives, which dbt derives."""
    rows = con.execute(
        f"""select flow, hs_code, unit, sum(quantity_kg) / 1000
            from {CURRENT_VIEW}
            where month between ? and ? and period_kind = 'month'
            group by all""",
        [first, last],
    ).fetchall()
    groups, units = rare_earth_code_groups(), code_units()
    tonnes: dict[str, float] = {}
    for flow, hs_code, unit, amount in rows:
        if amount is None or not is_kilogram(unit, units.get(hs_code)):
            continue
        series = f"{flow}:{groups.get(hs_code, OTHER_GROUP)}"
        tonnes[series] = tonnes.get(series, 0.0) + float(amount)
    return dict(sorted(tonnes.items()))


def preview_markdown(con: duckdb.DuckDBPyConnection, first: date, last: date, limit: int = 10) -> str:
    """The largest current lines of the months, as a Markdown table for the Dagster UI."""
    rows = con.execute(
        f"""select flow, strftime(month, '%Y-%m'), hs_code, partner_code, partner_name, quantity_kg, unit, source_file
            from {CURRENT_VIEW} where month between ? and ?
            order by quantity_kg desc nulls last limit ?""",
        [first, last, limit],
    ).fetchall()
    header = "| flow | month | hs_code | partner | name | quantity | unit | file |\n|---|---|---|---|---|---|---|---|\n"
    return header + "".join("| " + " | ".join("" if v is None else str(v) for v in row) + " |\n" for row in rows)


def partner_lines_by_reporter(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[str, int]:
    """Current partner-reported lines of the months per reporter and flow, e.g. {'USA import': 36}."""
    rows = con.execute(
        f"""select reporterISO || ' ' || lower(flowDesc), count(*) from {CURRENT_PARTNER_VIEW}
            where month between ? and ? group by all order by 1""",
        [first, last],
    ).fetchall()
    return {str(key): int(count) for key, count in rows}


def loaded_months(con: duckdb.DuckDBPyConnection) -> list[LoadedMonth]:
    """Per flow and month, each file whose lines are current, with its vintage and current row count; partner-reported
    files under the flow 'partner'."""
    rows = con.execute(
        f"""select flow, month, source_file, vintage, count(*)
            from {CURRENT_LINES_VIEW} group by all order by flow, month, vintage"""
    ).fetchall()
    return [LoadedMonth(*row) for row in rows]


def quarantined_files(con: duckdb.DuckDBPyConnection) -> list[QuarantinedFile]:
    """Files whose latest record is a quarantine: a corrected file under the same name clears it."""
    rows = con.execute(
        f"""select file_name, reason, seen_at from {FILES_TABLE}
            qualify row_number() over (partition by file_name order by seen_at desc) = 1
                and status = 'quarantined'
            order by file_name"""
    ).fetchall()
    return [QuarantinedFile(*row) for row in rows]


def relation_shape(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, list[tuple[str, str]]]:
    """Row count and (column, type) pairs of a table or view, e.g. '"db"."marts"."fct_trade_monthly"'."""
    [(rows,)] = con.execute(f"select count(*) from {relation}").fetchall()
    columns = con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    return rows, [(name, type_) for name, type_ in columns]


def latest_headline(con: duckdb.DuckDBPyConnection) -> str | None:
    """The generated headline of the latest month, once the marts exist."""
    try:
        rows = con.execute(
            """select strftime(month, '%Y-%m') || ': ' || headline
               from marts.monthly_headlines order by month desc limit 1"""
        ).fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def quarantined_since(
    con: duckdb.DuckDBPyConnection, since: datetime, source: str | None = None
) -> list[tuple[str, str]]:
    """(file, reason) of every file (of `source`, when given) quarantined at or after `since`."""
    return con.execute(
        f"""select file_name, reason from {FILES_TABLE}
            where status = 'quarantined' and seen_at >= ? and source = coalesce(?, source) order by 1""",
        [since, source],
    ).fetchall()
