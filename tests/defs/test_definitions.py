"""The Dagster code location: assets, job, sensor and schedule as the UI shows them, evaluated for real."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.defs.ingest.assets import landing_folder, raw_customs_lines
from orchestration.defs.ingest.sensors import landing_folder_sensor
from orchestration.defs.resources import WarehouseResource
from orchestration.sample import write_sample_files


def test_the_code_location_loads_with_ingest_assets_sensor_and_schedule() -> None:
    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    assert {"landing/gacc_files", "raw/customs_lines"} <= keys
    assert repo.has_job("monthly_load")
    assert repo.get_sensor_def("landing_folder_sensor").job_name == "monthly_load"
    schedule = repo.get_schedule_def("after_detailed_release")
    assert schedule.cron_schedule == "0 6 21 * *"
    groups = {repo.asset_graph.get(k).group_name for k in repo.asset_graph.get_all_asset_keys()}
    assert {"ingest", "staging", "intermediate", "marts"} <= groups
    raw = repo.asset_graph.get(dg.AssetKey(["raw", "customs_lines"]))
    assert raw.group_name == "ingest"
    assert isinstance(raw.partitions_def, dg.MonthlyPartitionsDefinition)
    assert raw.partitions_def.get_first_partition_key() == "2015-01-01"


def test_the_sensor_requests_one_run_per_new_or_changed_file(tmp_path: Path) -> None:
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path))
    landing = tmp_path / "landing"
    written = write_sample_files(landing)
    with dg.build_sensor_context(resources={"warehouse": warehouse}) as context:
        result = landing_folder_sensor(context)
    assert len(result.run_requests) == len(written) == 48
    nov = next(r for r in result.run_requests if r.run_key.startswith("exports/2025/gacc_exports_2025-11.csv:"))
    assert nov.tags["dagster/asset_partition_range_start"] == "2025-11-01"
    assert nov.tags["dagster/asset_partition_range_end"] == "2025-11-01"
    with dg.build_sensor_context(resources={"warehouse": warehouse}, cursor=result.cursor) as context:
        assert landing_folder_sensor(context).run_requests == []
    changed = landing / "exports/2025/gacc_exports_2025-11.csv"
    changed.write_bytes(changed.read_bytes().replace(b'"582,', b'"590,'))  # a revised US figure
    shutil.copy(landing / "exports/2025/gacc_exports_2025-10.csv", landing / "exports/misnamed_2025-12.csv")
    with dg.build_sensor_context(resources={"warehouse": warehouse}, cursor=result.cursor) as context:
        requests = {r.run_key.split(":")[0]: r for r in landing_folder_sensor(context).run_requests}
    assert set(requests) == {"exports/2025/gacc_exports_2025-11.csv", "exports/misnamed_2025-12.csv"}
    assert requests["exports/2025/gacc_exports_2025-11.csv"].run_key != nov.run_key
    assert requests["exports/2025/gacc_exports_2025-11.csv"].tags["dagster/asset_partition_range_start"] == "2025-11-01"
    # Its rows say October, its name December: a run of the latest month quarantines it with the reason.
    latest = dg.MonthlyPartitionsDefinition(start_date="2015-01-01").get_last_partition_key()
    assert requests["exports/misnamed_2025-12.csv"].tags["dagster/asset_partition_range_start"] == latest


@pytest.mark.slow
def test_materialising_a_month_reports_rows_files_tonnes_and_a_preview(tmp_path: Path) -> None:
    write_sample_files(tmp_path / "landing")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [landing_folder, raw_customs_lines],
            selection=[raw_customs_lines],
            partition_key="2025-11-01",
            resources={"warehouse": WarehouseResource(warehouse_dir=str(tmp_path))},
            instance=instance,
        )
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["files_loaded"].value == 2  # the November export and import files only
    assert metadata["tonnes_by_group"].value["export:magnets"] == 6150.0
    assert metadata["dagster/row_count"].value > 0
    assert "85051110" in metadata["preview"].value


def test_the_sensor_skips_files_a_cli_load_already_took_unless_a_load_holds_the_lock(tmp_path: Path) -> None:
    from orchestration.loading.ingest import ingest_landing
    from orchestration.warehouse import Warehouse

    write_sample_files(tmp_path / "landing")
    ingest_landing(Warehouse(tmp_path))
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path))}
    with dg.build_sensor_context(resources=resources) as context:
        assert landing_folder_sensor(context).run_requests == []
    # While a load holds the build database the sensor cannot look; run keys still prevent repeats.
    with Warehouse(tmp_path).writer_lock(), dg.build_sensor_context(resources=resources) as context:
        assert len(landing_folder_sensor(context).run_requests) == 48


def test_lineage_runs_from_the_landing_folder_to_every_mart_without_gaps() -> None:
    graph = defs.get_repository_def().asset_graph
    for mart in ("fct_trade_monthly", "exports_by_group_monthly", "magnet_exports_monthly", "monthly_headlines"):
        ancestors, frontier = set(), [dg.AssetKey(["marts", mart])]
        while frontier:
            parents = graph.get(frontier.pop()).parent_keys
            frontier += [p for p in parents if p.to_user_string() not in ancestors]
            ancestors |= {p.to_user_string() for p in parents}
        assert {"landing/gacc_files", "raw/customs_lines", "staging/stg_customs__trade_lines"} <= ancestors, mart
    node = graph.get(dg.AssetKey(["marts", "fct_trade_monthly"]))
    assert node.group_name == "marts" and isinstance(node.partitions_def, dg.MonthlyPartitionsDefinition)
    checks = {
        key.name for key in graph.asset_check_keys if key.asset_key == dg.AssetKey(["marts", "fct_trade_monthly"])
    }
    assert any(name.startswith("unique_combination") for name in checks)
    assert any(name.startswith("relationships") for name in checks)
