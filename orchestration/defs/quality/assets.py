"""Great Expectations Data Docs, rendered after each publish."""

import dagster as dg

from orchestration.defs.code_versions import source_version
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.serving.assets import PUBLISHED
from orchestration.quality.data_docs import render_warehouse_data_docs


@dg.asset(
    key=["quality", "data_docs"],
    deps=[PUBLISHED],
    description=(
        "$WAREHOUSE_DIR/docs/gx/index.html: the expectation suites of expectations/ and their validation of the "
        "latest month, as offline HTML (GX's CDN assets dropped, its stylesheet inlined), with the held-back months."
    ),
    code_version=source_version(__name__, "orchestration.quality"),
    kinds={"python", "html"},
    owners=["team:data-engineering"],
    pool="duckdb_writer",
)
def data_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    index = render_warehouse_data_docs(warehouse.get())
    context.log.info(f"Data Docs: {index}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(index))})
