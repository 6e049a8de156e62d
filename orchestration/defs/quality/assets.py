"""Great Expectations Data Docs, rendered after each publish."""

import dagster as dg

from orchestration.defs.partitions import MONTHLY
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.serving.assets import publish_warehouse
from orchestration.quality.data_docs import render_warehouse_data_docs


@dg.asset(
    key=["quality", "data_docs"],
    deps=[publish_warehouse],
    description=(
        "$WAREHOUSE_DIR/docs/gx/index.html: the expectation suites of expectations/ and their validation of the "
        "latest month, as offline HTML (GX's CDN assets dropped, its stylesheet inlined), with the held-back months."
    ),
    group_name="quality",
    **MONTHLY,
    kinds={"python", "html"},
    owners=["team:data-engineering"],
    pool="duckdb_writer",
)
def data_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    index = render_warehouse_data_docs(warehouse.get())
    context.log.info(f"Data Docs: {index}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(index))})
