"""Monthly partitions shared by every partitioned asset, and the month range a run covers."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from orchestration.gacc import FIRST_MONTH

# The last partition is the last complete month: customs publish month M during month M+1.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH.isoformat())

# One run for a range of months: a Dagster run costs seconds of fixed overhead on these machines.
single_run = dg.BackfillPolicy.single_run()

# What every monthly asset declares: the partitions, and one run for a range of them.
MONTHLY = {"partitions_def": monthly_partitions, "backfill_policy": single_run}


def month_range(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[date, date]:
    """First and last month (as first-of-month dates) of the partitions this run materialises."""
    window = context.partition_time_window
    last = (window.end - timedelta(days=1)).date()
    return window.start.date(), last.replace(day=1)


def partition_key(month: date) -> str:
    """The partition key of a month, clamped into the partitions that exist."""
    keys = monthly_partitions.get_partition_keys()
    return min(max(month.strftime("%Y-%m-%d"), keys[0]), keys[-1])


def partition_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags asking for one run over a range of monthly partitions (what a single-run backfill sets)."""
    return {
        "dagster/asset_partition_range_start": partition_key(first),
        "dagster/asset_partition_range_end": partition_key(last),
    }


def latest_month() -> date:
    return date.fromisoformat(monthly_partitions.get_last_partition_key() or "2015-01-01")
