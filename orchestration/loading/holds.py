"""Holding back a month that failed a blocking check, and what is left to publish.

A held month of a file keeps its lines in the raw layer (queryable, with the reason) but out of the
current vintage, so the marts rebuild that month from its earlier vintage: exactly what was last
published. Only vintages newer than the last publish are held; a published month is never taken back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from orchestration.loading.schema import (
    CHECK_OUTCOMES_TABLE,
    CURRENT_VIEW,
    FAILED_BUILDS_TABLE,
    FILES_TABLE,
    HELD_TABLE,
    PUBLISHES_TABLE,
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


def last_published_vintage(con: duckdb.DuckDBPyConnection) -> int:
    [(vintage,)] = con.execute(f"select coalesce(max(last_vintage), 0) from {PUBLISHES_TABLE}").fetchall()
    return int(vintage)


def hold_back(con: duckdb.DuckDBPyConnection, check_name: str, requests: list[HoldRequest]) -> list[HeldMonth]:
    """Hold the unpublished current lines each request names; returns what was held (maybe nothing)."""
    floor = last_published_vintage(con)
    held_at = datetime.now(UTC)
    held: list[HeldMonth] = []
    con.begin()
    try:
        for request in requests:
            targets = con.execute(
                f"""select distinct flow, month, vintage, source_file from {CURRENT_VIEW}
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
              and not exists (select 1 from {CURRENT_VIEW} as c where c.vintage = f.vintage)""",
        [check_name],
    )
    # A file a held vintage had superseded is current again.
    con.execute(
        f"""update {FILES_TABLE} as f set status = 'loaded'
            where f.status = 'superseded'
              and exists (select 1 from {CURRENT_VIEW} as c where c.vintage = f.vintage)"""
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
        f"select min(month), max(month) from {CURRENT_VIEW} where vintage > ?", [last_published_vintage(con)]
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


def months_to_redo(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The months a load must build again although no new file came: current lines no publish has included,
    and months whose last dbt build failed or never finished."""
    ranges = con.execute(f"select first_month, last_month from {FAILED_BUILDS_TABLE}").fetchall()
    ranges += [unpublished] if (unpublished := unpublished_months(con)) else []
    return (min(first for first, _ in ranges), max(last for _, last in ranges)) if ranges else None


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
