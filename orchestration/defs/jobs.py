"""The job a data engineer launches for one month or a range: everything downstream of the landing folder."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.house_rules import EXTERNAL
from orchestration.defs.partitions import monthly_partitions

# A run that publishes the months that passed, after a run that held failing months back.
PUBLISHES_WHAT_PASSED_IN = "rare_earth/publishes_what_passed_in"
# `rare-earth load` runs the job in process and follows a failed run up itself.
LAUNCHED_BY_CLI = {"rare_earth/launched_by": "cli"}

monthly_load = dg.define_asset_job(
    name="monthly_load",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*EXTERNAL),
    partitions_def=monthly_partitions,
    description=(
        "Ingest the landing files for the chosen months, check them, `dbt build` those months, and publish "
        "the audited marts."
    ),
    # One process: DuckDB allows one writer, and each extra step process costs seconds of imports.
    executor_def=dg.in_process_executor,
)
