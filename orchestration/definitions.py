"""The Dagster code location: `dagster dev -m orchestration.definitions`."""

import dagster as dg

from orchestration.defs.ingest.assets import landing_folder, raw_customs_lines
from orchestration.defs.ingest.schedules import after_detailed_release
from orchestration.defs.ingest.sensors import landing_folder_sensor
from orchestration.defs.jobs import monthly_load
from orchestration.defs.quality.assets import data_docs
from orchestration.defs.quality.checks import (
    marts_month_expectations,
    raw_month_expectations,
    staged_month_expectations,
)
from orchestration.defs.reports.assets import monthly_report
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.serving.assets import postgres_replica, publish_warehouse
from orchestration.defs.serving.sensors import publish_months_that_passed
from orchestration.defs.transform.assets import rare_earth_dbt_models
from orchestration.defs.transform.project import dbt_resource

defs = dg.Definitions(
    assets=[
        landing_folder,
        raw_customs_lines,
        rare_earth_dbt_models,
        publish_warehouse,
        postgres_replica,
        data_docs,
        monthly_report,
    ],
    asset_checks=[raw_month_expectations, staged_month_expectations, marts_month_expectations],
    jobs=[monthly_load],
    sensors=[landing_folder_sensor, publish_months_that_passed],
    schedules=[after_detailed_release],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
)
