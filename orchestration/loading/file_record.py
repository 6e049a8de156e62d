"""What every source's loader shares: a file's audit record, its quarantine, and reading it whole into one table.

A load of one file runs in one transaction: its rows, its vintage and its record in `audit.files` commit together
or not at all. Each source (GACC customs downloads, UN Comtrade partner statistics) has its own loader module that
opens the file with its reader and calls these.
"""

from __future__ import annotations

import contextlib
import hashlib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from orchestration.build_database import FILES_TABLE
from orchestration.file_errors import LandingFileError
from orchestration.loading.landing import LandingFile

ProgressCallback = Callable[[str, int], None]
Digest = Any  # a hashlib object: what a reader feeds the bytes it reads
BatchesOf = Callable[[Digest], Iterator[pa.RecordBatch]]


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


def record_file(con: duckdb.DuckDBPyConnection, file: LandingFile, outcome: FileOutcome, **details: str | None) -> None:
    con.execute(
        f"""insert into {FILES_TABLE} (file_name, sha256, flow, months, rows, status, reason, vintage, seen_at,
                                    size_bytes, mtime_ns, encoding, header_language, currencies, release_label,
                                    detail, warning, source)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
            file.source.value,
        ],
    )


def same_content(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    """The loaded file with exactly these bytes, if any."""
    rows = con.execute(
        f"select file_name from {FILES_TABLE} where sha256 = ? and status in ('loaded', 'superseded') limit 1",
        [sha256],
    ).fetchall()
    return rows[0][0] if rows else None


def next_vintage(con: duckdb.DuckDBPyConnection) -> int:
    """The load sequence number of a new file: one sequence for every source, so a vintage names one file."""
    [(vintage,)] = con.execute("select nextval('audit.vintage_seq')").fetchall()
    return int(vintage)


def insert_whole_file(
    con: duckdb.DuckDBPyConnection,
    file: LandingFile,
    sha256: str,
    batches: BatchesOf,
    schema: pa.Schema,
    insert_sql: str,
    parameters: dict[str, Any],
    on_progress: ProgressCallback | None,
) -> int:
    """Insert every batch a reader gives (as the relation `incoming_lines` of `insert_sql`) and return the rows read;
    raises the reader's LandingFileError at its first bad row, or when the bytes read are not the ones hashed.

    `insert_sql` gets `parameters` plus $source_file, $source_sha256 and $loaded_at.
    """
    failure: list[LandingFileError] = []
    rows_read = 0
    digest = hashlib.sha256()

    def guarded() -> Iterator[pa.RecordBatch]:
        # DuckDB pulls these batches; a reader error must stop the insert, not surface as a DuckDB error.
        nonlocal rows_read
        try:
            for batch in batches(digest):
                rows_read += batch.num_rows
                if on_progress is not None:
                    on_progress(file.name, rows_read)
                yield batch
        except LandingFileError as err:
            failure.append(err)

    con.register("incoming_lines", pa.RecordBatchReader.from_batches(schema, guarded()))
    try:
        con.execute(
            insert_sql,
            {**parameters, "source_file": file.name, "source_sha256": sha256, "loaded_at": datetime.now(UTC)},
        )
    finally:
        # In a transaction DuckDB aborted, unregistering fails too and would hide the error that aborted it.
        with contextlib.suppress(duckdb.Error):
            con.unregister("incoming_lines")
    if failure:
        raise failure[0]
    if digest.hexdigest() != sha256 or file.changed_since_scan():
        raise LandingFileError(
            file.name,
            "the file changed while being read (still being downloaded or copied?); "
            "it is loaded on the next run once it stays unchanged",
        )
    return rows_read


def load_or_quarantine(
    con: duckdb.DuckDBPyConnection, file: LandingFile, sha256: str, load: Callable[[], FileOutcome]
) -> FileOutcome:
    """Run a source's `load` of one file in one transaction: committed whole, or rolled back and the file quarantined
    with the reason (whatever one file does, the files beside it still load). An interrupt rolls back and goes on."""
    con.begin()
    try:
        file.check_inside_landing()
        outcome = load()
        con.commit()
        return outcome
    except Exception as err:
        con.rollback()
        outcome = quarantine_outcome(file, sha256, err)
        record_file(con, file, outcome)
        return outcome
    except BaseException:
        con.rollback()
        raise


def quarantine_outcome(file: LandingFile, sha256: str, err: Exception) -> FileOutcome:
    """The quarantine record of a refused file: a reader's own words, or an unexpected error with its traceback."""
    unexpected = err if not isinstance(err, LandingFileError) else err.__cause__
    detail = "".join(traceback.format_exception(unexpected)) if isinstance(unexpected, BaseException) else None
    if isinstance(err, LandingFileError):
        reason = str(err)
    else:
        reason = (
            f"{file.name}: unexpected error while loading ({type(err).__name__}: {err}); "
            "the traceback is in audit.files.detail and the run's log"
        )
    return FileOutcome(file.name, sha256, "quarantined", reason=" ".join(reason.split()), detail=detail)
