"""The publish step: after every blocking check and dbt test of the run passed, readers get the new marts."""

import dagster as dg

from orchestration.defs.partitions import monthly_partitions, single_run
from orchestration.defs.resources import WarehouseResource
from orchestration.serving.publish import publish_warehouse as publish

MARTS = (
    "fct_trade_monthly",
    "exports_by_group_monthly",
    "magnet_exports_monthly",
    "monthly_headlines",
    "dim_partner",
    "dim_product",
)


@dg.asset(
    key=["serving", "rare_earth_duckdb"],
    deps=[dg.AssetKey(["marts", name]) for name in MARTS],
    description=(
        "$WAREHOUSE_DIR/rare_earth.duckdb (schemas marts and audit, DuckDB 1.5 storage) and "
        "exports/<mart>.parquet, written as new files and swapped in with os.replace: readers see the old "
        "or the new warehouse, never a mix. Runs only when the upstream blocking checks passed."
    ),
    group_name="serving",
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    kinds={"duckdb", "parquet"},
    owners=["team:data-engineering"],
    pool="duckdb_writer",
)
def publish_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    report = publish(warehouse.get())
    context.log.info(f"published {len(report.tables)} tables to {report.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            "published_at": dg.MetadataValue.timestamp(report.published_at),
            "tables": dg.MetadataValue.json(report.tables),
            "parquet_exports": dg.MetadataValue.json([str(p) for p in report.exports]),
        }
    )
