"""The publish step: after every blocking check and dbt test of the run passed, readers get the new marts."""

from collections.abc import Iterator

import dagster as dg

from orchestration.defs.partitions import MONTHLY
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.assets import rare_earth_dbt_models
from orchestration.serving.local_postgres import replica_target
from orchestration.serving.postgres import replicate_marts
from orchestration.serving.publish import publish_warehouse as publish

# Every dbt model in the marts schema, so that a new mart is upstream of the publish without a list here.
MARTS = sorted(key for key in rare_earth_dbt_models.keys if key.path[0] == "marts")


@dg.asset(
    key=["serving", "rare_earth_duckdb"],
    deps=MARTS,
    description=(
        "$WAREHOUSE_DIR/rare_earth.duckdb (schemas marts and audit, DuckDB 1.5 storage) and "
        "exports/<mart>.parquet, written as new files and swapped in with os.replace: readers see the old "
        "or the new warehouse, never a mix. Runs only when the upstream blocking checks passed."
    ),
    group_name="serving",
    **MONTHLY,
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
            "covers": dg.MetadataValue.md("\n".join(f"- {line}" for line in report.coverage) or "nothing"),
            "tables": dg.MetadataValue.json(report.tables),
            "parquet_exports": dg.MetadataValue.json([str(p) for p in report.exports]),
        }
    )


@dg.asset(
    key=["serving", "postgres_replica"],
    deps=[publish_warehouse],
    description=(
        "The published marts copied into PostgreSQL schema `marts` for BI tools: COPY into a new schema, renamed "
        "to `marts` in one transaction, column comments from the dbt docs, SELECT granted to the read-only "
        "login. Runs when $RARE_EARTH_POSTGRES_URL is set or the local cluster of `rare-earth serve-bi` runs."
    ),
    group_name="serving",
    **MONTHLY,
    kinds={"postgres"},
    owners=["team:data-engineering"],
    output_required=False,
)
def postgres_replica(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    wh = warehouse.get()
    target = replica_target(wh.postgres_dir)
    if target is None:
        context.log.info("no PostgreSQL replica configured: set RARE_EARTH_POSTGRES_URL or run `rare-earth serve-bi`")
        return
    report = replicate_marts(wh.published_db, target.conninfo, target.reader_role)
    context.log.info(f"replicated {len(report.tables)} marts to {target.label}")
    yield dg.MaterializeResult(
        metadata={
            "target": target.label,
            "tables": dg.MetadataValue.json(report.tables),
            "dagster/row_count": sum(report.tables.values()),
            "old_schemas_still_read": report.retired_left,
        }
    )
