"""The resources of the code location: the warehouse folder every asset shares, and dbt."""

from __future__ import annotations

from contextlib import AbstractContextManager

import dagster as dg
import duckdb

from orchestration.build_database import build_db
from orchestration.defs.transform.project import dbt_resource
from orchestration.engines import Engine, engine_from_env
from orchestration.runs import process_tags, recover_dead_runs
from orchestration.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse folder (landing files, build database, published files)."""

    warehouse_dir: str = ""  # empty: $WAREHOUSE_DIR, else ./warehouse

    def get(self) -> Warehouse:
        return Warehouse.from_env(self.warehouse_dir or None)

    def build_db(self, timeout_s: float = 600.0) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """The build database (raw layer and audit trail), once the other writers are done with it."""
        return build_db(self.get(), timeout_s)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Runs before any step claims a pool slot, however the run was launched (CLI, UI, sensor,
        # schedule): the run names its process, and the runs whose process is gone give their slots back.
        run, instance = context.dagster_run, context.instance
        if run is None or instance is None:
            return
        instance.add_run_tags(run.run_id, process_tags())
        for recovered in recover_dead_runs(instance, current_run_id=run.run_id):
            context.log.warning(recovered.recovered())


class DbtEngineResource(dg.ConfigurableResource):
    """The engine dbt builds the marts on (orchestration/engines.py): in the launchpad,
    `resources: {dbt_engine: {config: {engine: SPARK}}}`."""

    engine: Engine | None = None  # None: $RARE_EARTH_ENGINE, else DuckDB

    def get(self) -> Engine:
        return self.engine or engine_from_env()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={"warehouse": WarehouseResource(), "dbt": dbt_resource(), "dbt_engine": DbtEngineResource()}
    )
