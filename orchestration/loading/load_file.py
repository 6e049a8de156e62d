"""Loading one landing file into the raw layer: all of it, with its audit record, or none of it."""

from __future__ import annotations

import contextlib
import hashlib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from orchestration.build_database import CURRENT_VIEW, FILES_TABLE, RAW_COLUMN_NAMES, RAW_TABLE
from orchestration.gacc import RAW_LINE_SCHEMA, GaccFileError, open_gacc_file
from orchestration.loading.landing import LandingFile
from orchestration.reference_codes import known_names

PORTAL_ROW_CAP = 10_000
"""The GACC query platform stops a download at 10,000 rows, silently."""

ProgressCallback = Callable[[str, int], None]
_RENAMED = ", ".join(f"{read} as {stored}" for read, stored in RAW_COLUMN_NAMES.items())


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: the record `audit.files` keeps, in Python."""

    file_name: str
    sha256: str
    status: str  # 'loaded' | 'quarantined' | 'duplicate'
    flow: str | None = None
    months: tuple[date, ...] = ()
    rows: int = 0
    vintage: int | None = None
    reason: str | None = None
    superseded: tuple[str, ...] = field(default=())
    detail: str | None = None  # the traceback of an unexpected error, for whoever mends the loader
    warning: str | None = None  # loaded, but something in it deserves a look

    @property
    def months_label(self) -> str:
        return ",".join(f"{m:%Y-%m}" for m in self.months)


def _record(con: duckdb.DuckDBPyConnection, file: LandingFile, outcome: FileOutcome, **details: str | None) -> None:
    con.execute(
        f"""insert into {FILES_TABLE} (file_name, sha256, flow, months, rows, status, reason, vintage, seen_at,
                                    size_bytes, mtime_ns, encoding, header_language, currencies, release_label,
                                    detail, warning)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            outcome.file_name,
            outcome.sha256,
            outcome.flow,
            outcome.months_label or None,
            outcome.rows,
            outcome.status,
            outcome.reason,
            outcome.vintage,
            datetime.now(UTC),
            file.size_bytes,
            file.mtime_ns,
            details.get("encoding"),
            details.get("header_language"),
            details.get("currencies"),
            details.get("release_label"),
            outcome.detail,
            outcome.warning,
        ],
    )


def _same_content(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    rows = con.execute(
        f"select file_name from {FILES_TABLE} where sha256 = ? and status in ('loaded', 'superseded') limit 1",
        [sha256],
    ).fetchall()
    return rows[0][0] if rows else None


def _mark_superseded(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Files none of whose lines are current any more become 'superseded'; their lines stay queryable."""
    rows = con.execute(
        f"""update {FILES_TABLE} f set status = 'superseded'
            where f.status = 'loaded'
              and not exists (select 1 from {CURRENT_VIEW} c where c.vintage = f.vintage)
            returning file_name"""
    ).fetchall()
    return [r[0] for r in rows]


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
    duplicate_of = _same_content(con, sha256)
    if duplicate_of is not None:
        outcome = FileOutcome(file.name, sha256, "duplicate", reason=f"same content as {duplicate_of}, already loaded")
        _record(con, file, outcome)
        return outcome

    con.begin()
    try:
        file.check_inside_landing()
        gacc = open_gacc_file(file.path, relative_path=file.relative_path)
        [(vintage,)] = con.execute("select nextval('audit.vintage_seq')").fetchall()
        failure: list[GaccFileError] = []
        rows_read = 0
        digest = hashlib.sha256()

        def guarded() -> Iterator[pa.RecordBatch]:
            # DuckDB pulls these batches; a reader error must stop the insert, not surface as a DuckDB error.
            nonlocal rows_read
            try:
                for batch in gacc.batches(digest=digest):
                    rows_read += batch.num_rows
                    if on_progress is not None:
                        on_progress(file.name, rows_read)
                    yield batch
            except GaccFileError as err:
                failure.append(err)

        incoming = pa.RecordBatchReader.from_batches(RAW_LINE_SCHEMA, guarded())
        con.register("incoming_lines", incoming)
        try:
            con.execute(
                f"""insert into {RAW_TABLE} by name
                    select * rename ({_RENAMED}), ? as flow, ? as source_file, ? as source_sha256, ? as vintage,
                           ? as loaded_at, ? as period_kind
                    from incoming_lines""",
                [gacc.flow, file.name, sha256, vintage, datetime.now(UTC), "ytd" if gacc.cumulative else "month"],
            )
        finally:
            # In a transaction DuckDB aborted, unregistering fails too and would hide the error that aborted it.
            with contextlib.suppress(duckdb.Error):
                con.unregister("incoming_lines")
        if failure:
            raise failure[0]
        if digest.hexdigest() != sha256 or file.changed_since_scan():
            raise GaccFileError(
                file.name,
                "the file changed while being read (still being downloaded or copied?); "
                "it is loaded on the next run once it stays unchanged",
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
        _record(
            con,
            file,
            outcome,
            encoding=gacc.encoding,
            header_language=gacc.header.language,
            currencies=",".join(gacc.header.currencies) or None,
            release_label=gacc.release,
        )
        superseded = tuple(_mark_superseded(con))
        con.commit()
        return replace(outcome, superseded=superseded)
    except Exception as err:  # whatever one file does, the files beside it still load
        con.rollback()
        outcome = _quarantine(file, sha256, err)
        _record(con, file, outcome)
        return outcome
    except BaseException:
        con.rollback()
        raise


def _unreadable_names(con: duckdb.DuckDBPyConnection, vintage: int) -> str | None:
    """A warning when most names in every name column match neither GACC code list: text that decoded but does
    not read, such as Latin-1 names taken for GB18030 (mojibake). One column alone is not enough: people
    abbreviate commodity names. The codes still load."""
    unreadable: list[str] = []
    for column, names in known_names().items():
        [(named, unknown, example)] = con.execute(
            f"""with known as (select unnest($names) as name)
                select count(l.{column}), count(l.{column}) filter (where k.name is null),
                       any_value(l.{column}) filter (where k.name is null)
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


def _quarantine(file: LandingFile, sha256: str, err: Exception) -> FileOutcome:
    """The quarantine record of a refused file: a reader's own words, or an unexpected error with its traceback."""
    unexpected = err if not isinstance(err, GaccFileError) else err.__cause__
    detail = "".join(traceback.format_exception(unexpected)) if isinstance(unexpected, BaseException) else None
    if isinstance(err, GaccFileError):
        reason = str(err)
    else:
        reason = (
            f"{file.name}: unexpected error while loading ({type(err).__name__}: {err}); "
            "the traceback is in audit.files.detail and the run's log"
        )
    return FileOutcome(file.name, sha256, "quarantined", reason=" ".join(reason.split()), detail=detail)
