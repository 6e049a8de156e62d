"""The expectation suites, declared once: a new suite is its JSON in expectations/ plus one entry here.

Each entry says which asset the suite guards, which rows it validates (a frame picked by SQL from the
build database), how those rows are grouped (a failing group is what gets held back) and which columns
locate an unexpected value. The Dagster checks, Data Docs and the tests all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.loading.landing import Source
from orchestration.quality.frames import (
    PARTNER_MONTH_GROUPS,
    RAW_MONTH_GROUPS,
    RAW_MONTH_LOCATE_BY,
    marts_month_frame,
    mirror_month_frame,
    partner_month_frame,
    raw_month_frame,
    raw_month_parameters,
    staged_month_frame,
)
from orchestration.quality.runner import SuiteReport, run_suite_by
from orchestration.worker_process import in_worker_process

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported where a frame is made, not by loading the definitions (0.2 s of every start).
FrameOf = Callable[[duckdb.DuckDBPyConnection, date, date], "pd.DataFrame"]


def _no_parameters(first: date, last: date) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Suite:
    name: str  # expectations/<name>.json
    asset_key: tuple[str, ...]
    description: str
    frame: FrameOf
    group_by: tuple[str, ...] = ("month",)
    locate_by: tuple[str, ...] = ()
    # Columns kept with each unexpected row for the report's note in words (not shown in the check's summary).
    context_by: tuple[str, ...] = ()
    parameters: Callable[[date, date], dict[str, Any]] = field(default=_no_parameters)
    # Files of this source that this run's ingest quarantined fail the check too: their months must not look as if
    # none came.
    counts_quarantined_files_of: Source | None = None

    @property
    def check_name(self) -> str:
        return f"{self.name}_expectations"

    @property
    def table(self) -> str:
        """The layer and table the suite guards, as Data Docs name it (e.g. marts.exports_by_group_monthly)."""
        return ".".join(self.asset_key)

    def validate(self, rows: pd.DataFrame, first: date, last: date) -> dict[tuple[Any, ...], SuiteReport]:
        """One report per group of the months' rows (from `frame`), keyed by the group's values, month first."""
        parameters = self.parameters(first, last)
        return in_worker_process(
            run_suite_by,
            self.name,
            rows,
            self.group_by,
            parameters,
            locate_by=self.locate_by,
            context_by=self.context_by,
        )


def _raw_lines(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    import pandas as pd

    return pd.concat([raw_month_frame(con, flow, first, last) for flow in ("export", "import")])


SUITES: tuple[Suite, ...] = (
    Suite(
        name="raw_month",
        asset_key=("raw", "customs_lines"),
        description=(
            "columns, 8-digit codes, known partners, non-negative quantities, kilograms for rare-earth codes, rows "
            "of the run's months, no 10,000-row file, no duplicate keys; and no file quarantined by this run"
        ),
        frame=_raw_lines,
        group_by=RAW_MONTH_GROUPS,
        locate_by=RAW_MONTH_LOCATE_BY,
        parameters=raw_month_parameters,
        counts_quarantined_files_of=Source.CUSTOMS,
    ),
    Suite(
        name="partner_month",
        asset_key=("raw", "partner_lines"),
        description=(
            "reporter ISO codes, partners, flows, HS codes of 2 to 6 digits, non-negative weights and values, no "
            "repeated line per month of a file; and no partner file quarantined by this run"
        ),
        frame=partner_month_frame,
        group_by=PARTNER_MONTH_GROUPS,
        locate_by=("source_file", "row_number"),
        counts_quarantined_files_of=Source.PARTNER,
    ),
    Suite(
        name="staged_month",
        asset_key=("marts", "fct_trade_monthly"),
        description=(
            "(warnings) every code joins to dim_product and dim_partner; value per kilogram within 1/5 to 5 times "
            "its commodity's median over the earlier months"
        ),
        frame=staged_month_frame,
        locate_by=("source_file", "hs_code", "partner_code", "usd_per_kg"),
    ),
    Suite(
        name="marts_month",
        asset_key=("marts", "exports_by_group_monthly"),
        description=(
            "WORLD = sum over partners, YTD = sum of the months, all_rare_earth = its four groups (errors, blocking "
            "the publish); month-on-month moves beyond the series' historical band (warnings naming the series and "
            "the size of the move)"
        ),
        frame=marts_month_frame,
        locate_by=("series", "month", "mom_pct", "band"),
        context_by=("product_group", "partner_code"),
    ),
    Suite(
        name="mirror_month",
        asset_key=("marts", "mirror_trade_monthly"),
        description=(
            "(warnings) the gap between partner-reported and China-reported tonnes stays within the series' "
            "historical band, naming every month whose gap leaves it"
        ),
        frame=mirror_month_frame,
        locate_by=("series", "month", "tonnes_gap_pct", "band"),
        context_by=("product_group", "partner_iso3", "partner_name_en", "usual_gap_pct"),
    ),
)
