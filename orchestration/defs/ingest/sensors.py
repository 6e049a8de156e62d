"""A sensor on the landing folder: one run per new or changed file (run key = file + content hash)."""

import json

import dagster as dg

from orchestration.build_database import recorded_files
from orchestration.defs.jobs import monthly_load
from orchestration.defs.partitions import latest_month, partition_range_tags
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.ingest import months_to_rebuild
from orchestration.loading.landing import scan_landing
from orchestration.runs import recover_dead_runs


@dg.sensor(
    job=monthly_load,
    minimum_interval_seconds=30,
    description="Requests a load of the months a new or changed landing file covers.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_folder_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    # The cursor remembers each file's size, mtime and hash so that unchanged files are not hashed
    # again; it never opens the build database, which a running load holds.
    # A killed run would hold the run queue and the writers' pool for ever: free them within a tick.
    for recovered in recover_dead_runs(context.instance):
        context.log.warning(recovered.recovered())
    known: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
    wh = warehouse.get()
    landing = wh.landing
    # Files a CLI load already took need no run; while a load runs, run keys alone prevent repeats.
    recorded = recorded_files(wh) or set()
    requests: list[dg.RunRequest] = []
    seen: dict[str, list] = {}
    files = scan_landing(landing) if landing.exists() else []
    for file in files:
        previous = known.get(file.name)
        if previous and previous[:2] == [file.size_bytes, file.mtime_ns]:
            seen[file.name] = previous
            continue
        sha = file.sha256()
        seen[file.name] = [file.size_bytes, file.mtime_ns, sha]
        if (previous and previous[2] == sha) or (file.name, sha) in recorded:
            continue
        # A file whose months cannot be told still gets a run (of the latest month), which
        # quarantines it with the reason.
        months = months_to_rebuild(file, files) or (latest_month(),)
        requests.append(dg.RunRequest(run_key=f"{file.name}:{sha}", tags=partition_range_tags(months[0], months[-1])))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen))
