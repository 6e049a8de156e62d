"""The monthly report, rendered from the published marts after each publish."""

import base64

import dagster as dg

from orchestration.defs.code_versions import source_version
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.serving.assets import PUBLISHED
from orchestration.progress import logger as progress
from orchestration.reports.report import build_report
from orchestration.worker_process import in_worker_process

TAKEAWAY_MONTHS = 6


@dg.asset(
    key=["reports", "monthly_report"],
    deps=[PUBLISHED],
    description=(
        "$WAREHOUSE_DIR/reports/index.html, one offline HTML page (Vega inline, no network), and a PNG per chart: "
        "US-bound magnets with the trough and the latest month, month-on-month growth of US-bound magnets vs world "
        "magnets vs all rare-earth exports, top magnet destinations now and a year before, the product-group mix, "
        "and each month's headline with its data-quality status. Read from the published marts only."
    ),
    code_version=source_version(__name__, "orchestration.reports"),
    kinds={"python", "html"},
    owners=["team:analytics-engineering"],
)
def monthly_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    report = in_worker_process(build_report, wh.published_db, wh.reports_dir)
    progress.info(f"report: {report.index} and {len(report.pngs)} PNG charts")
    context.log.info(f"report: {report.index}")
    chart = base64.b64encode(report.pngs["us_magnets"].read_bytes()).decode("ascii")
    takeaways = "\n".join(
        f"- **{month:%Y-%m}** {headline} _({status})_"
        for month, headline, status, _ in report.takeaways[:TAKEAWAY_MONTHS]
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.index)),
            "latest_month": f"{report.latest_month:%Y-%m}",
            "trough": f"{report.trough[0]:%Y-%m}: {report.trough[1]:,.0f} t",
            "published_at": dg.MetadataValue.timestamp(report.published_at),
            "us_magnets_chart": dg.MetadataValue.md(f"![US-bound magnet exports](data:image/png;base64,{chart})"),
            "key_takeaways": dg.MetadataValue.md(takeaways),
            "charts": dg.MetadataValue.json({name: str(path) for name, path in report.pngs.items()}),
        }
    )
