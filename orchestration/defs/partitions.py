"""Monthly partitions shared by every monthly asset, and the month range a run covers."""

from __future__ import annotations

from datetime import date

import dagster as dg

from orchestration.gacc import FIRST_MONTH

# The last partition is the last complete month: customs publish month M during month M+1.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH.isoformat())

# What every monthly asset declares. No backfill policy: Dagster 1.13's launch dialog compares the assets'
# policies by object identity and warns of "varying backfill policies" whenever two assets have one, even
# the same. A range launched from the UI therefore runs month by month; `rare-earth load`, the sensor and
# the schedule give a range to one run through its tags (`partition_range_tags`).
MONTHLY = {"partitions_def": monthly_partitions}

RANGE_START, RANGE_END, PARTITION = (
    "dagster/asset_partition_range_start",
    "dagster/asset_partition_range_end",
    "dagster/partition",
)


def month_range(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[date, date]:
    """First and last month (as first-of-month dates) of the run: its partition or range of partitions.

    Read from the run's tags, so that the unpartitioned steps of a monthly run (checks, dimensions) see
    the same months as the partitioned ones; a run of unpartitioned assets alone covers every month.
    """
    tags = context.run.tags
    first, last = tags.get(RANGE_START, tags.get(PARTITION)), tags.get(RANGE_END, tags.get(PARTITION))
    if first is None or last is None:
        return FIRST_MONTH, latest_month()
    return date.fromisoformat(first), date.fromisoformat(last)


def partition_key(month: date) -> str:
    """The partition key of a month, clamped into the partitions that exist."""
    keys = monthly_partitions.get_partition_keys()
    return min(max(month.strftime("%Y-%m-%d"), keys[0]), keys[-1])


def partition_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags asking for one run over a range of monthly partitions (what a single-run backfill sets)."""
    return {RANGE_START: partition_key(first), RANGE_END: partition_key(last)}


def latest_month() -> date:
    return date.fromisoformat(monthly_partitions.get_last_partition_key() or "2015-01-01")
