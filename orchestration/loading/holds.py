"""Holding back a month that failed a blocking check, and what is left to publish.

A held month of a file keeps its lines in the raw layer (queryable, with the reason) but out of the
current vintage, so the marts rebuild that month from its earlier vintage: exactly what was last
published. Only vintages newer than the last publish are held; a published month is never taken back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from orchestration.build_database import (
    CURRENT_LINES_VIEW,
    FILES_TABLE,
    HELD_TABLE,
    PUBLISHES_TABLE,
    failed_build_ranges,
    last_published_vintage,
)


@dataclass(frozen=True)
class HoldRequest:
    """A month a blocking check failed, and why; `flow`/`vintage` None means every one of the month."""

    month: date
    reason: str
    flow: str | None = None
    vintage: int | None = None


@dataclass(frozen=True)
class HeldMonth:
    flow: str
    month: date
    vintage: int
    file_name: str
    check_name: str
    reason: str
    held_at: datetime

    def summary(self) -> str:
        return f"{self.month:%Y-%m} {self.flow} from {self.file_name}, by {self.check_name}: {self.reason}"


def hold_back(con: duckdb.DuckDBPyConnection, check_name: str, requests: list[HoldRequest]) -> list[HeldMonth]:
    """Hold the unpublished current lines each request names; returns what was held (maybe nothing)."""
    floor = last_published_vintage(con)
    held_at = datetime.now(UTC)
    held: list[HeldMonth] = []
    con.begin()
    try:
        for request in requests:
            targets = con.execute(
                f"""select distinct flow, month, vintage, source_file from {CURRENT_LINES_VIEW}
                    where month = ? and vintage > ? and flow = coalesce(?, flow) and vintage = coalesce(?, vintage)
                    order by all""",
                [request.month, floor, request.flow, request.vintage],
            ).fetchall()
            for flow, month, vintage, file_name in targets:
                con.execute(
                    f"insert into {HELD_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
                    [flow, month, vintage, file_name, check_name, request.reason, held_at],
                )
                held.append(HeldMonth(flow, month, vintage, file_name, check_name, request.reason, held_at))
        _restate_file_statuses(con, check_name)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return held


def _restate_file_statuses(con: duckdb.DuckDBPyConnection, check_name: str) -> None:
    # A file all of whose months are held is out of the marts: 'quarantined', with the check's reason.
    con.execute(
        f"""update {FILES_TABLE} as f
            set status = 'quarantined',
                reason = 'held back by ' || ? || ': ' || (
                    select string_agg(distinct strftime(h.month, '%Y-%m') || ' ' || h.reason, '; ')
                    from {HELD_TABLE} as h where h.vintage = f.vintage)
            where f.status = 'loaded'
              and exists (select 1 from {HELD_TABLE} as h where h.vintage = f.vintage)
              and not exists (select 1 from {CURRENT_LINES_VIEW} as c where c.vintage = f.vintage)""",
        [check_name],
    )
    # A file a held vintage had superseded is current again.
    con.execute(
        f"""update {FILES_TABLE} as f set status = 'loaded'
            where f.status = 'superseded'
              and exists (select 1 from {CURRENT_LINES_VIEW} as c where c.vintage = f.vintage)"""
    )


def held_months(con: duckdb.DuckDBPyConnection) -> list[HeldMonth]:
    rows = con.execute(
        f"""select flow, month, vintage, file_name, check_name, reason, held_at
            from {HELD_TABLE} order by held_at, flow, month"""
    ).fetchall()
    return [HeldMonth(*row) for row in rows]


def unpublished_months(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """First and last month of the current lines no publish has included yet (held months are not current)."""
    [(first, last)] = con.execute(
        f"select min(month), max(month) from {CURRENT_LINES_VIEW} where vintage > ?", [last_published_vintage(con)]
    ).fetchall()
    return (first, last) if first is not None else None


def publishable_after_failure(con: duckdb.DuckDBPyConnection, run_started: datetime) -> bool:
    """Whether a run that failed left months that passed: it held months back or quarantined files
    (so the failure is accounted for), and current lines remain that no publish has included."""
    [(accounted,)] = con.execute(
        f"""select exists (select 1 from {HELD_TABLE} where held_at >= $since)
                or exists (select 1 from {FILES_TABLE} where status = 'quarantined' and seen_at >= $since)""",
        {"since": run_started},
    ).fetchall()
    return bool(accounted) and unpublished_months(con) is not None


def has_unpublished_audit(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the audit trail recorded files (e.g. quarantines) since the last publish."""
    rows = con.execute(
        f"""select 1 from {FILES_TABLE}
            where seen_at > (select coalesce(max(published_at), '-infinity'::timestamptz) from {PUBLISHES_TABLE})
            limit 1"""
    ).fetchall()
    return bool(rows)


def months_to_redo(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The months a load must build again although no new file came: current lines no publish has included,
    and months whose last dbt build failed or never finished."""
    ranges = failed_build_ranges(con)
    ranges += [unpublished] if (unpublished := unpublished_months(con)) else []
    return (min(first for first, _ in ranges), max(last for _, last in ranges)) if ranges else None
