"""After a run held failing months back, a second run publishes the months that passed."""

from datetime import UTC, datetime

import dagster as dg

from orchestration.defs.jobs import LAUNCHED_BY_CLI, PUBLISHES_WHAT_PASSED_IN, monthly_load
from orchestration.defs.partitions import PARTITION, RANGE_END, RANGE_START
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.holds import publishable_after_failure

PARTITION_TAGS = (PARTITION, RANGE_START, RANGE_END)


@dg.run_failure_sensor(
    name="publish_months_that_passed",
    monitored_jobs=[monthly_load],
    request_job=monthly_load,
    description=(
        "When a monthly_load run failed a blocking check, its failing months are held back (or their files "
        "quarantined); this launches the same months again so that the months that passed are published."
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def publish_months_that_passed(
    context: dg.RunFailureSensorContext, warehouse: WarehouseResource
) -> dg.RunRequest | dg.SkipReason:
    run = context.dagster_run
    if PUBLISHES_WHAT_PASSED_IN in run.tags or run.tags.items() >= LAUNCHED_BY_CLI.items():
        return dg.SkipReason(f"run {run.run_id} is itself a follow-up, or `rare-earth load` follows it up")
    record = context.instance.get_run_record_by_id(run.run_id)
    if record is None or record.start_time is None:
        return dg.SkipReason(f"run {run.run_id} never started")
    try:
        with warehouse.build_db(timeout_s=30) as con:
            publish_the_rest = publishable_after_failure(con, datetime.fromtimestamp(record.start_time, UTC))
    except TimeoutError:
        return dg.SkipReason("a load holds the build database; the next load publishes what passed")
    if not publish_the_rest:
        return dg.SkipReason(f"run {run.run_id} left nothing that passed to publish")
    return dg.RunRequest(
        run_key=f"publish-what-passed:{run.run_id}",
        tags={**{k: v for k, v in run.tags.items() if k in PARTITION_TAGS}, PUBLISHES_WHAT_PASSED_IN: run.run_id},
    )
