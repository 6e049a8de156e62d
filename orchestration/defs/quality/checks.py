"""Expectation suites as partitioned, blocking asset checks: a failing raw month stops its dbt build."""

from datetime import UTC, datetime

import dagster as dg

from orchestration.defs.ingest.assets import raw_customs_lines
from orchestration.defs.partitions import month_range, monthly_partitions
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.ingest import connect_build_db
from orchestration.loading.summary import quarantined_since
from orchestration.quality.frames import (
    marts_month_frame,
    raw_month_frame,
    raw_month_parameters,
    staged_month_frame,
)
from orchestration.quality.runner import SuiteReport, run_suite


def check_result(reports: dict[str, SuiteReport], quarantined: list[tuple[str, str]]) -> dg.AssetCheckResult:
    """One check result for a suite run per flow: ERROR blocks downstream, WARN is reported only.

    A file quarantined by this run's ingest is an error too: its months must not be published as if
    the file had never been dropped.
    """
    errors = [o for r in reports.values() for o in r.errors]
    warnings = [o for r in reports.values() for o in r.warnings]
    failed = [f"- **quarantined** {reason}" for _, reason in quarantined]
    failed += [f"- **{flow}** {o.summary()}" for flow, r in reports.items() for o in (*r.errors, *r.warnings)]
    return dg.AssetCheckResult(
        passed=not errors and not warnings and not quarantined,
        severity=dg.AssetCheckSeverity.ERROR if errors or quarantined else dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_validated": sum(r.rows for r in reports.values()),
            "expectations": sum(len(r.outcomes) for r in reports.values()),
            "failed_errors": len(errors),
            "failed_warnings": len(warnings),
            "files_quarantined": len(quarantined),
            "failures": dg.MetadataValue.md("\n".join(failed) or "every expectation passed"),
        },
    )


@dg.asset_check(
    asset=raw_customs_lines,
    name="raw_month_expectations",
    description=(
        "expectations/raw_month.json per flow: columns, 8-digit codes, known partners, non-negative quantities, "
        "kilograms for rare-earth codes, rows of the partition's months, no 10,000-row file, no duplicate keys; "
        "and no file quarantined by this run."
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def raw_month_expectations(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    first, last = month_range(context)
    wh = warehouse.get()
    record = context.instance.get_run_record_by_id(context.run.run_id)
    run_started = datetime.fromtimestamp(record.start_time if record and record.start_time else 0, UTC)
    with wh.writer_lock():
        con = connect_build_db(wh)
        try:
            frames = {flow: raw_month_frame(con, flow, first, last) for flow in ("export", "import")}
            quarantined = quarantined_since(con, run_started)
        finally:
            con.close()
    parameters = raw_month_parameters(first, last)
    reports = {
        flow: run_suite("raw_month", frame, parameters, locate_by=("source_file", "row_number"))
        for flow, frame in frames.items()
        if len(frame)
    }
    return check_result(reports, quarantined)


@dg.asset_check(
    asset=dg.AssetKey(["marts", "exports_by_group_monthly"]),
    name="marts_month_expectations",
    description=(
        "expectations/marts_month.json: WORLD = sum over partners, YTD = sum of the months, all_rare_earth = "
        "its four groups (errors, blocking the publish); month-on-month moves beyond the series' historical "
        "band (warnings naming the series and the size of the move)."
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def marts_month_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    first, last = month_range(context)
    wh = warehouse.get()
    with wh.writer_lock():
        con = connect_build_db(wh)
        try:
            frame = marts_month_frame(con, first, last)
        finally:
            con.close()
    report = run_suite("marts_month", frame, locate_by=("series", "month", "mom_pct", "band"))
    return check_result({"exports": report}, [])


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
    first, last = month_range(context)
    wh = warehouse.get()
    with wh.writer_lock():
        con = connect_build_db(wh)
        try:
            frame = staged_month_frame(con, first, last)
        finally:
            con.close()
    report = run_suite("staged_month", frame, locate_by=("source_file", "hs_code", "partner_code", "usd_per_kg"))
    return check_result({"lines": report}, [])
