"""The Dagster code location: assets, job, sensor and schedule as the UI shows them, evaluated for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import load_definitions
from orchestration.defs.house_rules import DUE_EACH_MONTH
from orchestration.defs.ingest.assets import landing_folder, raw_customs_lines
from orchestration.defs.ingest.sensors import landing_folder_sensor
from orchestration.defs.resources import WarehouseResource
from orchestration.sample import write_sample_files
from orchestration.sample.revision import with_partner_quantity


def test_the_code_location_loads_with_ingest_assets_sensor_and_schedule() -> None:
    repo = load_definitions().get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    assert {"landing/gacc_files", "raw/customs_lines"} <= keys
    assert repo.has_job("monthly_load")
    assert repo.get_sensor_def("landing_folder_sensor").job_name == "monthly_load"
    schedule = repo.get_schedule_def("after_detailed_release")
    assert schedule.cron_schedule == "0 6 21 * *"
    raw = repo.asset_graph.get(dg.AssetKey(["raw", "customs_lines"]))
    assert isinstance(raw.partitions_def, dg.MonthlyPartitionsDefinition)
    assert raw.partitions_def.get_first_partition_key() == "2015-01-01"


def test_every_asset_is_grouped_by_its_key_prefix_versioned_and_due_after_the_release() -> None:
    graph = load_definitions().get_repository_def().asset_graph
    nodes = {key.to_user_string(): graph.get(key) for key in graph.get_all_asset_keys()}
    assert {node.group_name for node in nodes.values()} == {
        "landing", "raw", "reference", "staging", "intermediate", "marts", "serving", "quality", "reports"
    }  # fmt: skip
    for name, node in nodes.items():
        assert node.group_name == node.key.path[0], name
        if name in ("landing/gacc_files", "landing/partner_files"):  # files people drop in: nothing materialises them
            continue
        assert node.code_version, name
        assert node.freshness_policy == DUE_EACH_MONTH, name
    assert (DUE_EACH_MONTH.deadline_cron, DUE_EACH_MONTH.timezone) == ("0 0 22 * *", "Asia/Shanghai")


def test_dbt_assets_are_owned_by_the_team_of_their_dbt_group() -> None:
    graph = load_definitions().get_repository_def().asset_graph
    team = {"staging": "team:data-engineering", "intermediate": "team:data-engineering",
            "reference": "team:data-engineering", "marts": "team:analytics-engineering"}  # fmt: skip
    dbt_assets = [k for k in graph.get_all_asset_keys() if k.path[0] in team]
    assert len(dbt_assets) >= 10
    for key in dbt_assets:
        assert graph.get(key).owners == [team[key.path[0]]], key.to_user_string()


def test_only_what_is_monthly_by_nature_is_partitioned_by_month_and_checks_are_not() -> None:
    graph = load_definitions().get_repository_def().asset_graph
    unpartitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is None}
    assert unpartitioned == {
        "landing/gacc_files", "landing/partner_files", "reference/dim_partner_codes", "reference/dim_product_codes",
        "reference/dim_province_codes", "reference/dim_regime_codes", "reference/published_figures",
        "marts/dim_partner", "marts/dim_product", "marts/dim_province", "marts/dim_regime", "quality/data_docs",
        "reports/monthly_report", "serving/postgres_replica",
    }  # fmt: skip
    for name in ("raw_month", "staged_month", "marts_month"):
        [key] = [k for k in graph.asset_check_keys if k.name == f"{name}_expectations"]
        assert graph.get_check_spec(key).partitions_def is None


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def test_the_sensor_requests_one_run_per_new_or_changed_file(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path))
    landing = tmp_path / "landing"
    written = write_sample_files(landing)
    resources = {"warehouse": warehouse}
    with dg.build_sensor_context(resources=resources, instance=instance) as context:
        result = landing_folder_sensor(context)
    assert len(result.run_requests) == len(written) == 48
    nov = next(r for r in result.run_requests if r.run_key.startswith("exports/2025/gacc_exports_2025-11.csv:"))
    assert nov.tags["dagster/asset_partition_range_start"] == "2025-11-01"
    assert nov.tags["dagster/asset_partition_range_end"] == "2025-11-01"
    with dg.build_sensor_context(resources=resources, cursor=result.cursor, instance=instance) as context:
        assert landing_folder_sensor(context).run_requests == []
    changed = landing / "exports/2025/gacc_exports_2025-11.csv"
    changed.write_bytes(with_partner_quantity(changed.read_bytes(), "85051110", "502", 590_000))  # a revised US figure
    shutil.copy(landing / "exports/2025/gacc_exports_2025-10.csv", landing / "exports/misnamed_2025-12.csv")
    with dg.build_sensor_context(resources=resources, cursor=result.cursor, instance=instance) as context:
        requests = {r.run_key.split(":")[0]: r for r in landing_folder_sensor(context).run_requests}
    assert set(requests) == {"exports/2025/gacc_exports_2025-11.csv", "exports/misnamed_2025-12.csv"}
    assert requests["exports/2025/gacc_exports_2025-11.csv"].run_key != nov.run_key
    assert requests["exports/2025/gacc_exports_2025-11.csv"].tags["dagster/asset_partition_range_start"] == "2025-11-01"
    # Its rows say October, its name December: a run of the latest month quarantines it with the reason.
    latest = dg.MonthlyPartitionsDefinition(start_date="2015-01-01").get_last_partition_key()
    assert requests["exports/misnamed_2025-12.csv"].tags["dagster/asset_partition_range_start"] == latest


def test_the_sensor_fails_a_run_whose_process_is_gone_so_the_queue_moves_on(tmp_path: Path) -> None:
    from dagster._core.storage.dagster_run import DagsterRun

    from orchestration.runs import process_tags

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        dead = instance.add_run(
            DagsterRun(job_name="monthly_load", status=dg.DagsterRunStatus.STARTED, tags=process_tags(ended.pid))
        )
        resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path))}
        with dg.build_sensor_context(resources=resources, instance=instance) as context:
            landing_folder_sensor(context)
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE


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


def test_the_sensor_skips_files_a_cli_load_already_took_unless_a_load_holds_the_lock(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    from orchestration.loading.ingest import ingest_landing
    from orchestration.warehouse import Warehouse

    write_sample_files(tmp_path / "landing")
    ingest_landing(Warehouse(tmp_path))
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path))}
    with dg.build_sensor_context(resources=resources, instance=instance) as context:
        assert landing_folder_sensor(context).run_requests == []
    # While a load holds the build database the sensor cannot look; run keys still prevent repeats.
    with Warehouse(tmp_path).writer_lock(), dg.build_sensor_context(resources=resources, instance=instance) as context:
        assert len(landing_folder_sensor(context).run_requests) == 48


def test_lineage_runs_from_the_landing_folder_to_every_mart_without_gaps() -> None:
    graph = load_definitions().get_repository_def().asset_graph
    for mart in ("fct_trade_monthly", "exports_by_group_monthly", "magnet_exports_monthly", "monthly_headlines",
                 "exports_by_province_monthly", "exports_by_regime_monthly"):  # fmt: skip
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


@pytest.mark.slow
def test_after_a_run_held_a_month_back_a_sensor_launches_the_months_that_passed(tmp_path: Path) -> None:
    from conftest import ZH_HEADER, render_csv

    from orchestration.defs.jobs import PUBLISHES_WHAT_PASSED_IN
    from orchestration.defs.partitions import partition_range_tags
    from orchestration.defs.quality.checks import expectation_check
    from orchestration.defs.serving.sensors import publish_months_that_passed
    from orchestration.quality.suites import SUITES

    exports = tmp_path / "landing" / "exports"
    exports.mkdir(parents=True)
    good = ["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "29,100,000"]
    (exports / "nov.csv").write_text(render_csv(ZH_HEADER, [good]), encoding="utf-8")
    (exports / "dup_2025-12.csv").write_text(render_csv(ZH_HEADER, [["202512", *good[1:]]] * 2), encoding="utf-8")
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(tmp_path))}
    raw_month_expectations = expectation_check(next(suite for suite in SUITES if suite.name == "raw_month"))
    tags = partition_range_tags(date(2025, 11, 1), date(2025, 12, 1))
    with dg.instance_for_test() as instance:
        failed = dg.materialize(
            [landing_folder, raw_customs_lines, raw_month_expectations],
            selection=[raw_customs_lines],
            resources=resources,
            instance=instance,
            tags=tags,
            raise_on_error=False,
        )
        assert not failed.success
        [evaluation] = failed.get_asset_check_evaluations()
        assert evaluation.metadata["held_back"].value == "- 2025-12 export from `exports/dup_2025-12.csv` (vintage 1)"

        def evaluate(run: dg.DagsterRun) -> dg.RunRequest | dg.SkipReason:
            context = dg.build_run_status_sensor_context(
                sensor_name="publish_months_that_passed",
                dagster_instance=instance,
                dagster_run=run,
                dagster_event=failed.get_run_failure_event(),
                resources=resources,
            ).for_run_failure()
            return publish_months_that_passed(context)

        request = evaluate(failed.dagster_run)
        assert isinstance(request, dg.RunRequest)
        assert request.tags == {**tags, PUBLISHES_WHAT_PASSED_IN: failed.run_id}
        follow_up = failed.dagster_run.with_tags({**failed.dagster_run.tags, PUBLISHES_WHAT_PASSED_IN: "x"})
        assert isinstance(evaluate(follow_up), dg.SkipReason)  # never a loop


def test_the_engine_is_a_resource_choice_in_the_launchpad(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.defs.resources import DbtEngineResource
    from orchestration.engines import Engine

    job = load_definitions().resolve_job_def("monthly_load")
    chosen = {"resources": {"dbt_engine": {"config": {"engine": "SPARK"}}}}
    assert dg.validate_run_config(job, chosen)["resources"]["dbt_engine"]["config"]["engine"] == "spark"
    with pytest.raises(dg.DagsterInvalidConfigError, match="FLINK"):
        dg.validate_run_config(job, {"resources": {"dbt_engine": {"config": {"engine": "FLINK"}}}})
    # Unset, the environment decides, and DuckDB without it.
    monkeypatch.delenv("RARE_EARTH_ENGINE", raising=False)
    assert DbtEngineResource().get() is Engine.DUCKDB
    monkeypatch.setenv("RARE_EARTH_ENGINE", "spark")
    assert DbtEngineResource().get() is Engine.SPARK
    assert DbtEngineResource(engine=Engine.DUCKDB).get() is Engine.DUCKDB
