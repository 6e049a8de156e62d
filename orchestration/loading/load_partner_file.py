"""Loading one partner-reported file (a UN Comtrade download in landing/partner/) into `raw.partner_lines`.

The same rules as a customs file: all of it in one transaction with its audit record, or quarantined with the
reader's reason; a later file for the same Comtrade record (reporter, flow, month, commodity, partner and breakdown)
is a new vintage that replaces it. The reporter, partner and flow come from the file's columns, never from its path.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb

from orchestration.build_database import CURRENT_PARTNER_VIEW, FILES_TABLE, PARTNER_TABLE
from orchestration.comtrade import PARTNER_LINE_SCHEMA, open_comtrade_file
from orchestration.loading.file_record import (
    FileOutcome,
    ProgressCallback,
    insert_whole_file,
    next_vintage,
    record_file,
)
from orchestration.loading.landing import LandingFile, Source
from orchestration.rules import china_iso3


def load_partner_lines(
    con: duckdb.DuckDBPyConnection, file: LandingFile, sha256: str, on_progress: ProgressCallback | None
) -> FileOutcome:
    """Insert the file's lines as a new vintage with its audit record (in the caller's transaction)."""
    comtrade = open_comtrade_file(file.path, relative_path=file.relative_path)
    vintage = next_vintage(con)
    rows_read = insert_whole_file(  # the reader refuses a file without data rows
        con,
        file,
        sha256,
        comtrade.batches,
        PARTNER_LINE_SCHEMA,
        f"""insert into {PARTNER_TABLE} by name
            select *, $source_file as source_file, $source_sha256 as source_sha256, $vintage as vintage,
                   $loaded_at as loaded_at
            from incoming_lines""",
        {"vintage": vintage},
        on_progress,
    )
    [(months, flows, with_china)] = con.execute(
        f"""select list(distinct month order by month),
                   string_agg(distinct lower(flowDesc), ',' order by lower(flowDesc)),
                   count(*) filter (where partnerISO = $china)
            from {PARTNER_TABLE} where vintage = $vintage""",
        {"vintage": vintage, "china": china_iso3()},
    ).fetchall()
    warning = None
    if not with_china:
        warning = (
            f"no line has China ({china_iso3()}) as partner: the mirror compares what partners report of their "
            "trade with China, so this file adds nothing to it"
        )
    outcome = FileOutcome(file.name, sha256, "loaded", flows, tuple(months), rows_read, vintage, warning=warning)
    record_file(con, file, outcome, encoding=comtrade.encoding)
    return replace(outcome, superseded=tuple(_mark_superseded(con, vintage)))


def _mark_superseded(con: duckdb.DuckDBPyConnection, vintage: int) -> list[str]:
    """Partner files none of whose lines are current any more become 'superseded'; their lines stay queryable.
    Partner files are small: the current view is evaluated whole."""
    rows = con.execute(
        f"""update {FILES_TABLE} set status = 'superseded'
            where status = 'loaded' and source = $partner and vintage <> $vintage
              and vintage not in (select distinct vintage from {CURRENT_PARTNER_VIEW})
            returning file_name""",
        {"partner": Source.PARTNER.value, "vintage": vintage},
    ).fetchall()
    return sorted(r[0] for r in rows)
