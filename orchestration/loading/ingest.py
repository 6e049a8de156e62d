"""Ingesting the landing folder: every new or changed file, each in its own transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from orchestration.build_database import build_db
from orchestration.comtrade import open_comtrade_file
from orchestration.file_errors import LandingFileError
from orchestration.gacc import GaccFileError, flow_from_path, is_cumulative, open_gacc_file, period_from_name
from orchestration.loading.file_record import FileOutcome, ProgressCallback
from orchestration.loading.landing import LandingFile, Source, scan_landing, unseen_files
from orchestration.loading.load_file import load_file
from orchestration.progress import TRANSIENT
from orchestration.progress import logger as progress
from orchestration.warehouse import Warehouse

MonthRange = tuple[date, date]


@dataclass(frozen=True)
class IngestReport:
    outcomes: tuple[FileOutcome, ...]

    @property
    def loaded(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "loaded"]

    @property
    def quarantined(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]

    @property
    def months(self) -> list[date]:
        return sorted({m for o in self.loaded for m in o.months})


def file_months(file: LandingFile) -> tuple[date, ...]:
    """The months a landing file covers; () when it cannot even be opened (it will be quarantined)."""
    opener = open_comtrade_file if file.source is Source.PARTNER else open_gacc_file
    try:
        return tuple(opener(file.path, relative_path=file.relative_path).months())
    except LandingFileError:
        return ()


def _next_month_in_year(month: date) -> date | None:
    return None if month.month == 12 else month.replace(month=month.month + 1)


def _ytd_flow(file: LandingFile) -> str | None:
    """The flow of a year-to-date (cumulative) customs file; None for a monthly file or one whose flow cannot be
    told."""
    if file.source is not Source.CUSTOMS or not is_cumulative(file.relative_path):
        return None
    try:
        return flow_from_path(file.relative_path)
    except GaccFileError:
        return None


def _is_ytd_file_of(file: LandingFile, flow: str, month: date) -> bool:
    if _ytd_flow(file) != flow:
        return False
    try:
        named = period_from_name(file.relative_path)
    except GaccFileError:
        return False
    # The name usually tells the month; only a file it may cover is opened to read its month column.
    return (named is None or month in named.covered_months()) and month in file_months(file)


def months_to_rebuild(file: LandingFile, landing: Iterable[LandingFile]) -> tuple[date, ...]:
    """The months a new or changed file makes stale: the months it covers and, for a year-to-date file,
    the next month of the same year when a year-to-date file of that month is in the landing folder,
    because that month is derived as the difference of the two cumulatives."""
    covered = file_months(file)
    flow = _ytd_flow(file)
    following = _next_month_in_year(max(covered)) if covered and flow else None
    if following is not None and any(
        other.name != file.name and _is_ytd_file_of(other, flow, following) for other in landing
    ):
        return (*covered, following)
    return covered


def _in_range(file: LandingFile, months: MonthRange | None) -> bool:
    # A file that cannot be opened belongs to no month: any run quarantines it rather than leave it waiting.
    if months is None:
        return True
    covered = file_months(file)
    first, last = months
    return not covered or any(first <= m <= last for m in covered)


def ingest_landing(
    warehouse: Warehouse,
    months: MonthRange | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_progress: ProgressCallback | None = None,
    source: Source = Source.CUSTOMS,
) -> IngestReport:
    """Load every unseen landing file of `source` touching `months` (all of them when None), one writer at a time."""
    outcomes: list[FileOutcome] = []
    with build_db(warehouse) as con:
        # Filtered by source before hashing: the other source's asset reads (and hashes) its own files.
        of_source = [file for file in scan_landing(warehouse.landing) if file.source is source]
        pending = [(file, sha) for file, sha in unseen_files(con, of_source) if _in_range(file, months)]
        for number, (file, sha256) in enumerate(pending, start=1):

            def rows_read(name: str, rows: int, number: int = number) -> None:
                progress.info(f"file {number}/{len(pending)} {name}: {rows:,} rows", extra=TRANSIENT)
                if on_progress is not None:
                    on_progress(name, rows)

            outcome = load_file(con, file, sha256, rows_read)
            outcomes.append(outcome)
            progress.info(
                f"file {number}/{len(pending)} {outcome.file_name}: {outcome.status}"
                + (f" {outcome.months_label} ({outcome.rows:,} rows)" if outcome.status == "loaded" else "")
            )
            if on_file is not None:
                on_file(outcome)
    return IngestReport(tuple(outcomes))
