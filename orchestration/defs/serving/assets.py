"""The publish step: after every blocking check and dbt test of the run passed, readers get the new marts."""

import dagster as dg

from orchestration.defs.code_versions import source_version
from orchestration.defs.partitions import MONTHLY
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.assets import mart_keys
from orchestration.serving.local_postgres import replica_target
from orchestration.serving.postgres import replicate_marts
from orchestration.serving.publish import publish_warehouse as publish

HOW_TO_CONFIGURE = "set RARE_EARTH_POSTGRES_URL or run `rare-earth serve-bi`"
PUBLISHED = dg.AssetKey(["serving", "rare_earth_duckdb"])


@dg.asset(
    key=PUBLISHED,
    deps=mart_keys(),
    description=(
        "$WAREHOUSE_DIR/rare_earth.duckdb (schemas marts and audit, DuckDB 1.5 storage) and "
        "exports/<mart>.parquet, written as new files and swapped in with os.replace: readers see the old "
        "or the new warehouse, never a mix. Runs only when the upstream blocking checks passed."
    ),
    **MONTHLY,
    code_version=source_version(__name__, "orchestration.serving"),
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
    deps=[PUBLISHED],
    description=(
        "The published marts copied into PostgreSQL schema `marts` for BI tools: COPY into a new schema, renamed "
        "to `marts` in one transaction, column comments from the dbt docs, SELECT granted to the read-only "
        "login. Runs when $RARE_EARTH_POSTGRES_URL is set or the local cluster of `rare-earth serve-bi` runs."
    ),
    code_version=source_version(__name__, "orchestration.serving"),
    kinds={"postgres"},
    owners=["team:data-engineering"],
)
def postgres_replica(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    target = replica_target(wh.postgres_dir)
    if target is None:
        # Recorded, so that the UI says what happened instead of showing the replica as missing.
        context.log.info(f"no PostgreSQL replica configured: {HOW_TO_CONFIGURE}")
        return dg.MaterializeResult(metadata={"status": dg.MetadataValue.text(f"not configured: {HOW_TO_CONFIGURE}")})
    report = replicate_marts(wh.published_db, target.conninfo, target.reader_role)
    context.log.info(f"replicated {len(report.tables)} marts to {target.label}")
    return dg.MaterializeResult(
        metadata={
            "status": dg.MetadataValue.text("replicated"),
            "target": target.label,
            "tables": dg.MetadataValue.json(report.tables),
            "dagster/row_count": sum(report.tables.values()),
            "old_schemas_still_read": report.retired_left,
        }
    )
