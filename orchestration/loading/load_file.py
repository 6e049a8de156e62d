"""Loading one landing file into the raw layer: all of it, with its audit record, or none of it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace

import duckdb

from orchestration.build_database import CURRENT_VIEW, FILES_TABLE, RAW_COLUMN_NAMES, RAW_TABLE
from orchestration.gacc import RAW_LINE_SCHEMA, GaccFileError, open_gacc_file
from orchestration.loading.file_record import (
    FileOutcome,
    ProgressCallback,
    insert_whole_file,
    load_or_quarantine,
    next_vintage,
    record_file,
    same_content,
)
from orchestration.loading.landing import LandingFile, Source
from orchestration.loading.load_partner_file import load_partner_lines
from orchestration.reference_codes import known_names

PORTAL_ROW_CAP = 10_000
"""The GACC query platform stops a download at 10,000 rows, silently."""

_RENAMED = ", ".join(f"{read} as {stored}" for read, stored in RAW_COLUMN_NAMES.items())


def _mark_superseded(con: duckdb.DuckDBPyConnection, vintage: int) -> list[str]:
    """Files none of whose lines are current any more become 'superseded'; their lines stay queryable.

    The new `vintage` is the highest and holds nothing back, so it changes which lines are current only
    in the partitions of the current view (flow, month, hs_code, period_kind) it has lines in: only a
    loaded file with lines there can lose its last current line. Every load and hold restates the
    statuses, so any other loaded file keeps the current line it had. The view is then evaluated over
    those files' flows and months only: a filter on its partition columns, which DuckDB applies below
    the window without changing what the window computes. (Over every raw line it took a second for a
    5-million-line file loaded into an empty warehouse, where nothing can be superseded at all.)
    """
    others = [v for (v,) in con.execute(_LOADED_BEFORE, {"vintage": vintage}).fetchall()]
    if not others:
        return []
    candidates = [v for (v,) in con.execute(_SHARING_PARTITIONS, {"vintage": vintage, "others": others}).fetchall()]
    if not candidates:
        return []
    [(flows, first, last)] = con.execute(
        f"select list(distinct flow), min(month), max(month) from {RAW_TABLE} where list_contains($v, vintage)",
        {"v": candidates},
    ).fetchall()
    still_current = {
        v
        for (v,) in con.execute(
            f"""select distinct vintage from {CURRENT_VIEW}
                where list_contains($flows, flow) and month between $first and $last
                  and list_contains($candidates, vintage)""",
            {"flows": flows, "first": first, "last": last, "candidates": candidates},
        ).fetchall()
    }
    superseded = [v for v in candidates if v not in still_current]
    if not superseded:
        return []
    rows = con.execute(
        f"""update {FILES_TABLE} set status = 'superseded'
            where status = 'loaded' and list_contains($v, vintage)
            returning file_name""",
        {"v": superseded},
    ).fetchall()
    return sorted(r[0] for r in rows)


_LOADED_BEFORE = f"select distinct vintage from {FILES_TABLE} where status = 'loaded' and vintage <> $vintage"
# Vintages among `others` with a line in a partition of the current view that `vintage` has lines in.
# `is not distinct from`: the window puts NULL keys into a partition of their own, so they must match here too.
_SHARING_PARTITIONS = f"""
    with touched as (
        select distinct flow, month, hs_code, period_kind from {RAW_TABLE} where vintage = $vintage)
    select distinct l.vintage
    from {RAW_TABLE} as l
    semi join touched as t
        on l.flow is not distinct from t.flow and l.month is not distinct from t.month
       and l.hs_code is not distinct from t.hs_code and l.period_kind is not distinct from t.period_kind
    where list_contains($others, l.vintage)"""


def load_file(
    con: duckdb.DuckDBPyConnection,
    file: LandingFile,
    sha256: str,
    on_progress: ProgressCallback | None = None,
) -> FileOutcome:
    """Load one file in one transaction, or quarantine it with the reason a person can act on.

    Rows, the new vintage, the files it supersedes and the audit record commit together; a file that
    fails half-way (a bad line, a crash, a kill) leaves the warehouse exactly as it was.
    """
    duplicate_of = same_content(con, sha256)
    if duplicate_of is not None:
        outcome = FileOutcome(file.name, sha256, "duplicate", reason=f"same content as {duplicate_of}, already loaded")
        record_file(con, file, outcome)
        return outcome
    load = load_partner_lines if file.source is Source.PARTNER else _load_customs_lines
    with _rows_in_any_order(con):
        return load_or_quarantine(con, file, sha256, lambda: load(con, file, sha256, on_progress))


@contextlib.contextmanager
def _rows_in_any_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB store the inserted rows in whatever order its threads finish them, then restore the setting.

    Keeping the order makes the insert of a 5-million-line file run on one thread (3.8 s instead of 2.0 s),
    and nothing needs it: every line keeps its line number (row_number), and whatever reads lines in file
    order sorts by it. Restored after the transaction ends: DuckDB refuses a SET in an aborted transaction.
    """
    [(before,)] = con.execute("select current_setting('preserve_insertion_order')").fetchall()
    con.execute("set preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if before else 'false'}")


def _load_customs_lines(
    con: duckdb.DuckDBPyConnection, file: LandingFile, sha256: str, on_progress: ProgressCallback | None
) -> FileOutcome:
    gacc = open_gacc_file(file.path, relative_path=file.relative_path)
    vintage = next_vintage(con)
    rows_read = insert_whole_file(
        con,
        file,
        sha256,
        gacc.batches,
        RAW_LINE_SCHEMA,
        f"""insert into {RAW_TABLE} by name
            select * rename ({_RENAMED}), $flow as flow, $source_file as source_file,
                   $source_sha256 as source_sha256, $vintage as vintage, $loaded_at as loaded_at,
                   $period_kind as period_kind
            from incoming_lines""",
        {"flow": gacc.flow, "vintage": vintage, "period_kind": "ytd" if gacc.cumulative else "month"},
        on_progress,
    )
    if rows_read == PORTAL_ROW_CAP:
        raise GaccFileError(
            file.name,
            f"exactly {PORTAL_ROW_CAP:,} data rows: probably truncated at the portal's download cap; "
            "split the query (e.g. by partner or commodity) and download again",
        )
    months = tuple(
        r[0]
        for r in con.execute(
            f"select distinct month from {RAW_TABLE} where vintage = ? order by 1", [vintage]
        ).fetchall()
    )
    outcome = FileOutcome(
        file.name, sha256, "loaded", gacc.flow, months, rows_read, vintage, warning=_unreadable_names(con, vintage)
    )
    record_file(
        con,
        file,
        outcome,
        encoding=gacc.encoding,
        header_language=gacc.header.language,
        currencies=",".join(gacc.header.currencies) or None,
        release_label=gacc.release,
    )
    return replace(outcome, superseded=tuple(_mark_superseded(con, vintage)))


def _unreadable_names(con: duckdb.DuckDBPyConnection, vintage: int) -> str | None:
    """A warning when most names in every name column match neither GACC code list: text that decoded but does
    not read, such as Latin-1 names taken for GB18030 (mojibake). One column alone is not enough: people
    abbreviate commodity names. The codes still load."""
    unreadable: list[str] = []
    for column, names in known_names().items():
        [(named, unknown, example)] = con.execute(
            f"""with known as (select unnest($names) as name)
                select count(l.{column}), count(l.{column}) filter (where k.name is null),
                       -- the first such name in the file, whatever order the insert stored the lines in
                       arg_min(l.{column}, l.row_number) filter (where k.name is null)
                from {RAW_TABLE} as l left join known as k on k.name = l.{column}
                where l.vintage = $vintage""",
            {"names": list(names), "vintage": vintage},
        ).fetchall()
        if not named:
            continue
        if unknown * 2 <= named:
            return None
        unreadable.append(f"{unknown:,} of {named:,} {column.replace('_', ' ')}s (e.g. {example!r})")
    if not unreadable:
        return None
    return (
        f"{' and '.join(unreadable)} match neither GACC code list: is the file in another encoding than it seems "
        "(e.g. Latin-1 read as GB18030)?"
    )
