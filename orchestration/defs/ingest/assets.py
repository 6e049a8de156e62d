"""Ingest assets: the landing folder (files people download) and the raw lines of each source."""

import dagster as dg

from orchestration.defs.code_versions import source_version
from orchestration.defs.partitions import MONTHLY, month_range
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.ingest import IngestReport, ingest_landing
from orchestration.loading.landing import Source
from orchestration.loading.summary import partner_lines_by_reporter, preview_markdown, tonnes_by_group

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

partner_landing_folder = dg.AssetSpec(
    key=["landing", "partner_files"],
    description=(
        "Partner-reported statistics dropped into $WAREHOUSE_DIR/landing/partner/: UN Comtrade downloads (CSV or "
        "XLSX, its 47-column layout) of what China's partners report importing from China."
    ),
    kinds={"csv", "xlsx"},
    owners=[OWNER],
)

_INGEST_CODE = ("orchestration.loading", "orchestration.build_database")


def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource, source: Source) -> IngestReport:
    """Load the source's unseen landing files of the run's months, logging each outcome where the run shows it."""
    report = ingest_landing(
        warehouse.get(),
        months=month_range(context),
        on_file=lambda o: context.log.info(
            f"{o.file_name}: {o.status} {o.months_label} {o.rows} rows {o.reason or ''}"
        ),
        source=source,
    )
    for outcome in report.outcomes:
        if outcome.status == "quarantined":
            context.log.warning(f"quarantined {outcome.reason}")
        if outcome.detail:  # an unexpected error: its traceback belongs in the run's log
            context.log.error(f"{outcome.file_name}:\n{outcome.detail}")
        if outcome.warning:
            context.log.warning(f"{outcome.file_name}: {outcome.warning}")
    return report


def _files_metadata(report: IngestReport) -> dict[str, dg.MetadataValue]:
    return {
        "files_loaded": dg.MetadataValue.int(len(report.loaded)),
        "files_quarantined": dg.MetadataValue.int(len(report.quarantined)),
        "files": dg.MetadataValue.md(
            "\n".join(
                f"- `{o.file_name}` {o.status}: {o.months_label} {o.rows} rows {o.reason or ''}"
                for o in report.outcomes
            )
            or "no new files"
        ),
    }


@dg.asset(
    key=["raw", "customs_lines"],
    deps=[landing_folder],
    description=(
        "Every customs line of every loaded file, one row per file line, with lineage (source file, "
        "sha256, row number, vintage, load time). A file loads in one transaction or is quarantined; "
        "`raw.current_customs_lines` shows the latest vintage per flow, month and commodity."
    ),
    **MONTHLY,
    code_version=source_version(__name__, "orchestration.gacc", *_INGEST_CODE),
    kinds={"duckdb", "python"},
    owners=[OWNER],
    pool="duckdb_writer",
)
def raw_customs_lines(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    report = _ingest(context, warehouse, Source.CUSTOMS)
    first, last = month_range(context)
    with warehouse.build_db() as con:
        tonnes = tonnes_by_group(con, first, last)
        preview = preview_markdown(con, first, last)
        [(rows,)] = con.execute(
            "select count(*) from raw.current_customs_lines where month between ? and ?", [first, last]
        ).fetchall()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            **_files_metadata(report),
            "tonnes_by_group": dg.MetadataValue.json(tonnes),
            "preview": dg.MetadataValue.md(preview),
        }
    )


@dg.asset(
    key=["raw", "partner_lines"],
    deps=[partner_landing_folder],
    description=(
        "Every line of every loaded partner-reported file (UN Comtrade, landing/partner/), all 47 columns typed, with "
        "lineage (source file, sha256, row number, vintage, load time). Same rules as customs files: one transaction "
        "or quarantine; `raw.current_partner_lines` shows the latest vintage per reporter, flow, month, commodity and "
        "breakdown."
    ),
    **MONTHLY,
    code_version=source_version(__name__, "orchestration.comtrade", *_INGEST_CODE),
    kinds={"duckdb", "python"},
    owners=[OWNER],
    pool="duckdb_writer",
)
def raw_partner_lines(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    report = _ingest(context, warehouse, Source.PARTNER)
    first, last = month_range(context)
    with warehouse.build_db() as con:
        by_reporter = partner_lines_by_reporter(con, first, last)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(by_reporter.values())),
            **_files_metadata(report),
            "lines_by_reporter_and_flow": dg.MetadataValue.json(by_reporter),
        }
    )
