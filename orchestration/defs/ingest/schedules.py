"""China Customs publishes detailed monthly data around the 20th: load the previous month on the 21st."""

import dagster as dg

from orchestration.defs.jobs import monthly_load

after_detailed_release = dg.build_schedule_from_partitioned_job(
    monthly_load,
    name="after_detailed_release",
    description="On the 21st at 06:00 UTC, load the previous month.",
    day_of_month=21,
    hour_of_day=6,
)
