"""Ingest assets: the landing folder (files people download from the GACC portal) and the raw lines."""

import dagster as dg

from orchestration.defs.code_versions import source_version
from orchestration.defs.partitions import MONTHLY, month_range
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.ingest import ingest_landing
from orchestration.loading.summary import preview_markdown, tonnes_by_group

OWNER = "team:data-engineering"

landing_folder = dg.AssetSpec(
    key=["landing", "gacc_files"],
    description=(
        "Raw China Customs (GACC) downloads dropped into $WAREHOUSE_DIR/landing/: GB18030 or UTF-8 CSV "
        "or XLSX, Chinese or English headers; the flow comes from the path (exports/ or imports/)."
    ),
    kinds={"csv", "xlsx"},
    owners=[OWNER],
)


@dg.asset(
    key=["raw", "customs_lines"],
    deps=[landing_folder],
    description=(
        "Every customs line of every loaded file, one row per file line, with lineage (source file, "
        "sha256, row number, vintage, load time). A file loads in one transaction or is quarantined; "
        "`raw.current_customs_lines` shows the latest vintage per flow, month and commodity."
    ),
    **MONTHLY,
    code_version=source_version(
        __name__, "orchestration.gacc", "orchestration.loading", "orchestration.build_database"
    ),
    kinds={"duckdb", "python"},
    owners=[OWNER],
    pool="duckdb_writer",
)
def raw_customs_lines(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    first, last = month_range(context)
    report = ingest_landing(
        wh,
        months=(first, last),
        on_file=lambda o: context.log.info(
            f"{o.file_name}: {o.status} {o.months_label} {o.rows} rows {o.reason or ''}"
        ),
    )
    for outcome in report.outcomes:
        if outcome.status == "quarantined":
            context.log.warning(f"quarantined {outcome.reason}")
        if outcome.detail:  # an unexpected error: its traceback belongs in the run's log
            context.log.error(f"{outcome.file_name}:\n{outcome.detail}")
        if outcome.warning:
            context.log.warning(f"{outcome.file_name}: {outcome.warning}")
    with warehouse.build_db() as con:
        tonnes = tonnes_by_group(con, first, last)
        preview = preview_markdown(con, first, last)
        [(rows,)] = con.execute(
            "select count(*) from raw.current_customs_lines where month between ? and ?", [first, last]
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            "files_loaded": dg.MetadataValue.int(len(report.loaded)),
            "files_quarantined": dg.MetadataValue.int(len(report.quarantined)),
            "files": dg.MetadataValue.md(
                "\n".join(
                    f"- `{o.file_name}` {o.status}: {o.months_label} {o.rows} rows {o.reason or ''}"
                    for o in report.outcomes
                )
                or "no new files"
            ),
            "tonnes_by_group": dg.MetadataValue.json(tonnes),
            "preview": dg.MetadataValue.md(preview),
        }
    )
