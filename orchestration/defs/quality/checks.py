"""Expectation suites as partitioned, blocking asset checks: a failing raw month stops its dbt build."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from orchestration.build_database import record_check_outcomes
from orchestration.defs.ingest.assets import raw_customs_lines
from orchestration.defs.partitions import month_range, monthly_partitions
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.holds import HeldMonth, HoldRequest, hold_back
from orchestration.loading.summary import quarantined_since
from orchestration.progress import logger as progress
from orchestration.quality.frames import (
    RAW_MONTH_GROUPS,
    RAW_MONTH_LOCATE_BY,
    marts_month_frame,
    raw_month_frame,
    raw_month_parameters,
    staged_month_frame,
)
from orchestration.quality.runner import SuiteReport, run_suite_by

HOLD_NOTE = (
    "A month failing an error-level expectation is held back: its new lines leave the marts, the month keeps "
    "its last published state, and the other months of the run are published by the run that follows."
)


def _label(key: tuple[Any, ...]) -> str:
    return " ".join(f"{v:%Y-%m}" if isinstance(v, date) else str(v) for v in key)


def check_result(
    reports: dict[str, SuiteReport],
    held: list[HeldMonth],
    quarantined: list[tuple[str, str]],
) -> dg.AssetCheckResult:
    """One check result over the run's months: ERROR blocks downstream, WARN is reported only.

    `reports` are keyed by what each validated group is (a month, or a month of a file). A file
    quarantined by this run's ingest is an error too: its months must not look as if it never came.
    """
    errors = [o for r in reports.values() for o in r.errors]
    warnings = [o for r in reports.values() for o in r.warnings]
    failed = [f"- **quarantined** {reason}" for _, reason in quarantined]
    failed += [f"- **{label}** {o.summary()}" for label, r in reports.items() for o in (*r.errors, *r.warnings)]
    return dg.AssetCheckResult(
        passed=not errors and not warnings and not quarantined,
        severity=dg.AssetCheckSeverity.ERROR if errors or quarantined else dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_validated": sum(r.rows for r in reports.values()),
            "groups_validated": len(reports),
            "expectations": sum(len(r.outcomes) for r in reports.values()),
            "failed_errors": len(errors),
            "failed_warnings": len(warnings),
            "files_quarantined": len(quarantined),
            "months_held_back": len(held),
            "failures": dg.MetadataValue.md("\n".join(failed) or "every expectation passed"),
            "held_back": dg.MetadataValue.md(
                "\n".join(f"- {h.month:%Y-%m} {h.flow} from `{h.file_name}` (vintage {h.vintage})" for h in held)
                or "nothing"
            ),
        },
    )


def _record_outcomes_and_hold(
    warehouse: WarehouseResource,
    check_name: str,
    reports: dict[tuple[Any, ...], SuiteReport],
    request_of: Callable[[tuple[Any, ...], str], HoldRequest],
) -> list[HeldMonth]:
    """Record each month's outcome (the report shows it) and hold back the months with errors.

    Every key starts with the month.
    """
    rank = {"passed": 0, "warning": 1, "error": 2}
    statuses: dict[date, str] = {}
    summaries: dict[date, list[str]] = {}
    for key, report in reports.items():
        status = "error" if report.errors else "warning" if report.warnings else "passed"
        statuses[key[0]] = max(statuses.get(key[0], "passed"), status, key=rank.__getitem__)
        summaries.setdefault(key[0], []).extend(o.summary() for o in (*report.errors, *report.warnings))
    outcomes = {month: (statuses[month], "; ".join(summaries[month]) or None) for month in statuses}
    progress.info(
        f"{check_name}: {len(outcomes)} months checked, "
        + ", ".join(f"{sum(v == s for v in statuses.values())} {s}" for s in ("passed", "warning", "error"))
    )
    requests = [
        request_of(key, "; ".join(o.summary() for o in report.errors))
        for key, report in reports.items()
        if report.errors
    ]
    with warehouse.build_db() as con:
        record_check_outcomes(con, check_name, outcomes)
        return hold_back(con, check_name, requests) if requests else []


@dg.asset_check(
    asset=raw_customs_lines,
    name="raw_month_expectations",
    description=(
        "expectations/raw_month.json per flow: columns, 8-digit codes, known partners, non-negative quantities, "
        "kilograms for rare-earth codes, rows of the partition's months, no 10,000-row file, no duplicate keys; "
        "and no file quarantined by this run. " + HOLD_NOTE
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def raw_month_expectations(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    first, last = month_range(context)
    record = context.instance.get_run_record_by_id(context.run.run_id)
    run_started = datetime.fromtimestamp(record.start_time if record and record.start_time else 0, UTC)
    with warehouse.build_db() as con:
        frame = pd.concat([raw_month_frame(con, flow, first, last) for flow in ("export", "import")])
        quarantined = quarantined_since(con, run_started)
    reports = run_suite_by(
        "raw_month", frame, RAW_MONTH_GROUPS, raw_month_parameters(first, last), locate_by=RAW_MONTH_LOCATE_BY
    )
    held = _record_outcomes_and_hold(
        warehouse,
        "raw_month_expectations",
        reports,
        lambda key, reason: HoldRequest(month=key[0], flow=key[1], vintage=key[3], reason=reason),
    )
    return check_result({_label(key[:3]): r for key, r in reports.items()}, held, quarantined)


@dg.asset_check(
    asset=dg.AssetKey(["marts", "exports_by_group_monthly"]),
    name="marts_month_expectations",
    description=(
        "expectations/marts_month.json: WORLD = sum over partners, YTD = sum of the months, all_rare_earth = "
        "its four groups (errors, blocking the publish); month-on-month moves beyond the series' historical "
        "band (warnings naming the series and the size of the move). " + HOLD_NOTE
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def marts_month_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _validate_built_months(
        context, warehouse, "marts_month_expectations", marts_month_frame, ("series", "month", "mom_pct", "band")
    )


@dg.asset_check(
    asset=dg.AssetKey(["marts", "fct_trade_monthly"]),
    name="staged_month_expectations",
    description=(
        "expectations/staged_month.json (warnings): every code joins to dim_product and dim_partner; value per "
        "kilogram within 1/5 to 5 times its commodity's median over the earlier months."
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def staged_month_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _validate_built_months(
        context,
        warehouse,
        "staged_month_expectations",
        staged_month_frame,
        ("source_file", "hs_code", "partner_code", "usd_per_kg"),
    )


def _validate_built_months(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    check_name: str,
    frame_of: Callable[[duckdb.DuckDBPyConnection, date, date], pd.DataFrame],
    locate_by: tuple[str, ...],
) -> dg.AssetCheckResult:
    """Run a suite on what dbt built for the run's months, month by month; hold back the failing ones."""
    first, last = month_range(context)
    with warehouse.build_db() as con:
        frame = frame_of(con, first, last)
    suite = check_name.removesuffix("_expectations")
    reports = run_suite_by(suite, frame, ("month",), locate_by=locate_by)
    held = _record_outcomes_and_hold(
        warehouse, check_name, reports, lambda key, reason: HoldRequest(month=key[0], reason=reason)
    )
    return check_result({_label(key): r for key, r in reports.items()}, held, [])
