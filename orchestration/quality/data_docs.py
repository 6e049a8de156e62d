"""Great Expectations Data Docs as static HTML that opens without network access.

GX renders its pages with Bootstrap, jQuery and Vega from CDNs. The page content itself is plain HTML,
so the network references are dropped and GX's own stylesheet (shipped in the package) plus a few rules
for the Bootstrap classes the pages use are inlined.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.build_database import build_db
from orchestration.loading.holds import held_months
from orchestration.loading.summary import loaded_months
from orchestration.quality.runner import gx_suite, gx_validation
from orchestration.quality.suites import SUITES
from orchestration.warehouse import Warehouse
from orchestration.worker_process import in_worker_process

if TYPE_CHECKING:
    import pandas as pd

_NETWORK_TAG = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>|<(?:link|img)[^>]*\b(?:href|src)=\"(?:https?://|\.\./)[^\"]*\"[^>]*/?>",
    re.IGNORECASE,
)
_NETWORK_LINK = re.compile(r"\bhref=\"https?://[^\"]*\"", re.IGNORECASE)
_BASE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
.card { border: 1px solid #ddd; border-radius: 4px; margin: 1rem 0; padding: .5rem 1rem; }
.collapse:not(.show) { display: block; } .sr-only { display: none; }
.text-danger, .failed { color: #b00020; } .text-success, .passed { color: #1b5e20; }
nav, .navbar, form, .ge-breadcrumbs, footer { display: none; }
.severity-error { color: #b00020; } .severity-warning { color: #8a5a00; }
.fa-check-circle::before { content: "\\2714"; } .fa-times::before { content: "\\2718"; }
.fa-exclamation-triangle::before { content: "\\26A0"; }
"""


@dataclass(frozen=True)
class ValidationPage:
    """A frame to validate for the docs: `title` names it (suite, month, flow), `data_asset` what the rows are
    (layer, table and month)."""

    suite: str
    title: str
    data_asset: str
    frame: pd.DataFrame
    parameters: dict[str, Any] | None = None


# GX's page renderers with the content blocks of gx_renderers.py: each expectation explained, with its severity.
_EXPLAINED = "orchestration.quality.gx_renderers"
_SUITE_SECTIONS = {
    "class_name": "ExpectationSuiteColumnSectionRenderer",
    "bullet_list_renderer": {"module_name": _EXPLAINED, "class_name": "ExplainedSuiteBullets"},
}
_VALIDATION_SECTIONS = {
    "class_name": "ValidationResultsColumnSectionRenderer",
    "table_renderer": {"module_name": _EXPLAINED, "class_name": "ExplainedValidationTable"},
}


def _gx_css() -> str:
    import great_expectations

    css = Path(great_expectations.__file__).parent / "render" / "view" / "static" / "styles"
    return (css / "data_docs_default_styles.css").read_text(encoding="utf-8")


def offline(page: str) -> str:
    """The GX page with every network reference removed and the styles inlined."""
    page = _NETWORK_TAG.sub("", page)
    page = _NETWORK_LINK.sub('href="#"', page)
    return page.replace("</head>", f"<style>{_gx_css()}{_BASE_STYLE}</style></head>", 1)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _named(result: Any, validation: ValidationPage) -> Any:
    """The result with what GX's validation page shows as its data asset and run: a frame validated in memory
    has neither (the page said "Data asset: None")."""
    from great_expectations.core.run_identifier import RunIdentifier

    result.meta.setdefault("batch_spec", {})["data_asset_name"] = validation.data_asset
    # Validated as the Data Docs are rendered, on the warehouse's current rows: the run is that moment, named by
    # its time (GX then shows the time once).
    now = datetime.now(UTC).replace(microsecond=0)
    result.meta["run_id"] = RunIdentifier(run_name=f"{now:%Y-%m-%dT%H:%M:%SZ}", run_time=now)
    return result


def render_data_docs(out: Path, validations: list[ValidationPage], held: list[str]) -> Path:
    """Write every suite and every validation as a page under `out`, with an index; returns the index."""
    from great_expectations.render.renderer import ExpectationSuitePageRenderer, ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    view = DefaultJinjaPageView()
    (out / "suites").mkdir(parents=True, exist_ok=True)
    (out / "validations").mkdir(parents=True, exist_ok=True)
    for suite in SUITES:
        page = view.render(ExpectationSuitePageRenderer(_SUITE_SECTIONS).render(gx_suite(suite.name)))
        (out / "suites" / f"{suite.name}.html").write_text(offline(page), encoding="utf-8")
    rows = []
    for validation in validations:
        result = _named(gx_validation(validation.suite, validation.frame, validation.parameters), validation)
        name = f"{_slug(validation.title)}.html"
        page = view.render(ValidationResultsPageRenderer(_VALIDATION_SECTIONS).render(result))
        (out / "validations" / name).write_text(offline(page), encoding="utf-8")
        status = "passed" if result.success else "failed"
        rows.append(
            f'<tr><td><a href="validations/{name}">{html.escape(validation.title)}</a></td>'
            f'<td class="{status}">{status}</td><td>{len(validation.frame):,}</td></tr>'
        )
    suite_links = "".join(
        f'<li><a href="suites/{s.name}.html">{s.name}</a> (expectations/{s.name}.json): validates {s.table}</li>'
        for s in SUITES
    )
    held_items = "".join(f"<li>{html.escape(h)}</li>" for h in held) or "<li>none</li>"
    index = out / "index.html"
    index.write_text(
        f"""<!doctype html><html><head><meta charset="utf-8"><title>Data quality: expectation suites</title>
<style>{_BASE_STYLE}</style></head><body>
<h1>Data quality of the rare-earth warehouse</h1>
<p>The Great Expectations suites that guard every monthly load, and their results on the latest month.
Error-level expectations block a month (it is held back); warnings are published and reported.</p>
<h2>Expectation suites</h2><ul>{suite_links}</ul>
<h2>Validations of the latest month</h2>
<table><tr><th>validation</th><th>status</th><th>rows</th></tr>{"".join(rows)}</table>
<h2>Months held back by a blocking check</h2><ul>{held_items}</ul>
<p><a href="../dbt/index.html">dbt documentation of the models</a></p>
</body></html>""",
        encoding="utf-8",
    )
    return index


def data_docs_index(warehouse: Warehouse) -> Path:
    return warehouse.docs_dir / "gx" / "index.html"


def data_docs_are_current(warehouse: Warehouse) -> bool:
    """Rendered since the build database last changed (each load renders them after it publishes; rendering
    only reads the database)."""
    index = data_docs_index(warehouse)
    return index.exists() and index.stat().st_mtime > warehouse.build_db.stat().st_mtime


def render_warehouse_data_docs(warehouse: Warehouse) -> Path:
    """Data Docs of the warehouse under `docs/gx/`: every suite, and its validation of the latest month."""
    with build_db(warehouse) as con:
        month = max(m.month for m in loaded_months(con))
        pages = [
            ValidationPage(
                suite.name,
                f"{suite.name} {month:%Y-%m}",
                f"{suite.table}, {month:%Y-%m}",
                suite.frame(con, month, month),
                suite.parameters(month, month),
            )
            for suite in SUITES
        ]
        held = [h.summary() for h in held_months(con)]
    return in_worker_process(render_data_docs, data_docs_index(warehouse).parent, pages, held)
