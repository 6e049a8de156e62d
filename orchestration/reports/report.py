"""The monthly report: one self-contained HTML page (Vega inline, no network) and a PNG per chart,
rendered from the published marts only, so it shows exactly what readers see."""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.reports.words import (
    FLOW_WORDS,
    Coverage,
    Source,
    month_sources,
    quality_notes,
    quality_status,
    vintage_sentence,
)
from orchestration.rules import rare_earth_product_groups, us_partner_code

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Report:
    index: Path
    pngs: dict[str, Path]  # chart name -> PNG
    latest_month: date
    published_at: datetime
    trough: tuple[date, float]
    takeaways: list[tuple[date, str, str, str]]  # month, headline, quality status, its notes (one a line); newest first
    sources: dict[tuple[str, date], str]  # (flow, month) -> the release and file its figures come from, in words
    specs: dict[str, dict]  # chart name -> its Vega-Lite spec, as embedded in the page and drawn in the PNG


def _frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    def frame(query: str, parameters: dict[str, object] | None = None) -> pd.DataFrame:
        return con.execute(query, parameters).df()

    tables = {
        r[0] for r in con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    }
    outcomes = (
        "select month, check_name, status, summary from audit.check_outcomes"
        if "audit.check_outcomes" in tables
        else "select null::date as month, null as check_name, null as status, null as summary where false"
    )
    held = (
        "select distinct month from audit.held_months"
        if "audit.held_months" in tables
        else "select null::date as month where false"
    )
    releases = (
        "select vintage, release_label from audit.files"
        if "audit.files" in tables
        else "select null::integer as vintage, null as release_label where false"
    )
    return {
        "us": frame(
            """select month, cast(tonnes as double) as tonnes from marts.magnet_exports_monthly
               where partner_code = $us order by month""",
            {"us": us_partner_code()},
        ),
        "headlines": frame("select * from marts.monthly_headlines order by month"),
        "growth": frame(
            """select month, cast(us_magnet_mom_pct as double) as "US-bound magnets",
                      cast(world_magnet_mom_pct as double) as "world magnets",
                      cast(all_rare_earth_mom_pct as double) as "all rare-earth exports"
               from marts.monthly_headlines order by month"""
        ),
        "mix": frame(
            """select month, product_group, cast(tonnes as double) as tonnes,
                      list_position($groups, product_group) as group_rank
               from marts.exports_by_group_monthly
               where partner_code = 'WORLD' and list_contains($groups, product_group)
               order by month, group_rank""",
            {"groups": list(rare_earth_product_groups())},
        ),
        "destinations": frame(
            """with latest as (select max(month) as month from marts.magnet_exports_monthly),
               top as (
                   select partner_code from marts.magnet_exports_monthly, latest
                   where magnet_exports_monthly.month = latest.month and partner_code <> 'WORLD'
                   order by tonnes desc, partner_code limit 10)
               select coalesce(partner_name_en, m.partner_code) as partner, strftime(m.month, '%Y-%m') as period,
                      cast(m.tonnes as double) as tonnes
               from marts.magnet_exports_monthly as m join top using (partner_code), latest
               where m.month in (latest.month, latest.month - interval 1 year)"""
        ),
        "outcomes": frame(f"select * from ({outcomes}) order by month, check_name"),
        "held": frame(held),
        "sources": frame(
            f"""with r as ({releases})
                select t.flow, t.month, t.source_file, t.vintage, any_value(r.release_label) as release,
                       any_value(t.derivation) as derivation,
                       list(distinct t.product_group order by t.product_group) as product_groups
                from marts.fct_trade_monthly as t left join r on r.vintage = t.vintage
                group by t.flow, t.month, t.source_file, t.vintage order by all"""
        ),
        "first_files": frame(
            "select distinct flow, month, first_release, first_file from marts.revisions order by all"
        ),
        "meta": frame("select * from marts.meta_publish order by flow"),
        "mirror": frame(
            """select month, cast(china_reported_tonnes as double) as "China's reported exports",
                      cast(partner_reported_tonnes as double) as "US-reported imports from China"
               from marts.mirror_trade_monthly
               where partner_iso3 = 'USA' and product_group = 'magnets' order by month"""
            if "marts.mirror_trade_monthly" in tables
            else "select null::date as month where false"
        ),
        "mirror_gaps": frame(
            """select month, product_group, partner_iso3, coalesce(partner_name_en, partner_iso3) as partner,
                      cast(china_reported_tonnes as double) as china,
                      cast(partner_reported_tonnes as double) as partner_t,
                      cast(tonnes_gap_pct as double) as gap, cast(tonnes_gap_next_month_pct as double) as gap_next
               from marts.mirror_trade_monthly
               where month = (select max(month) from marts.mirror_trade_monthly where tonnes_gap_pct is not null)
                 and tonnes_gap_pct is not null
               order by product_group, partner"""
            if "marts.mirror_trade_monthly" in tables
            else "select null::date as month where false"
        ),
    }


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def prepare_report() -> None:
    """Import altair and start the Vega renderer (its first chart takes 0.6 s, the next ones 0.02 s)."""
    import altair as alt
    import pandas as pd
    import vl_convert

    vl_convert.vegalite_to_png(alt.Chart(pd.DataFrame({"x": [0]})).mark_point().encode(x="x:Q").to_dict())


def build_report(published_db: Path, out: Path) -> Report:
    """Render the report from the published warehouse into `out` (index.html and one PNG per chart)."""
    import pandas as pd
    import vl_convert

    from orchestration.reports import charts  # altair: 0.3 s to import

    con = duckdb.connect(str(published_db), read_only=True)
    try:
        frames = _frames(con)
    finally:
        con.close()
    headlines = frames["headlines"]
    latest = headlines.iloc[-1]
    latest_month = pd.Timestamp(latest["month"]).date()
    trough = (pd.Timestamp(latest["us_magnet_trough_month"]).date(), float(latest["us_magnet_trough_tonnes"]))
    built = {
        "us_magnets": charts.us_magnets_chart(frames["us"], *trough),
        "growth": charts.growth_chart(frames["growth"]),
        "destinations": charts.destinations_chart(frames["destinations"], latest_month),
        "product_mix": charts.mix_chart(frames["mix"]),
        "partners": charts.mirror_chart(frames["mirror"]),
    }
    out.mkdir(parents=True, exist_ok=True)
    # Altair checks a spec against the Vega-Lite JSON schema on every to_dict: a third of the report's time. The
    # charts are code, so their specs are checked by the tests (tests/reports/test_report.py), not at each load.
    specs = {name: chart.to_dict(validate=False) for name, chart in built.items()}
    pngs = {}
    for name, spec in specs.items():
        pngs[name] = out / f"{name}.png"
        _write(pngs[name], vl_convert.vegalite_to_png(spec, scale=2))
    takeaways = _takeaways(headlines, frames["outcomes"], frames["held"])
    meta = frames["meta"]
    published_at = pd.Timestamp(meta["published_at"].max()).to_pydatetime()
    sources, vintage = _vintage(meta, frames["sources"], frames["first_files"])
    notes = {"partners": _mirror_table(frames["mirror_gaps"])}
    page = _page(specs, takeaways, vintage, sources, published_at, _vega_bundle(), notes)
    _write(out / "index.html", page.encode("utf-8"))
    return Report(out / "index.html", pngs, latest_month, published_at, trough, takeaways, sources, specs)


def _month(value: object) -> date:
    import pandas as pd

    return pd.Timestamp(value).date()


def _takeaways(headlines: pd.DataFrame, outcomes: pd.DataFrame, held: pd.DataFrame) -> list[tuple[date, str, str, str]]:
    """Each month's headline, newest first, with its data-quality status and notes."""
    rank = {"passed": 0, "warning": 1, "error": 2}
    by_month: dict[date, list[tuple[str, str, str | None]]] = {}
    for o in outcomes.itertuples():
        by_month.setdefault(_month(o.month), []).append((str(o.check_name), str(o.status), o.summary))
    held_months = {_month(m) for m in held["month"]}
    takeaways = []
    for row in headlines.iloc[::-1].itertuples():
        month = _month(row.month)
        checked = by_month.get(month, [])
        worst = max((rank.get(status, 2) for _, status, _ in checked), default=None)
        notes = quality_notes(month, checked)
        takeaways.append((month, str(row.headline), quality_status(month in held_months, worst), "\n".join(notes)))
    return takeaways


def _vintage(
    meta: pd.DataFrame, sources: pd.DataFrame, first_files: pd.DataFrame
) -> tuple[dict[tuple[str, date], str], str]:
    """Where each month's figures come from, and the sentence that sums it up."""
    found = [
        Source(
            flow=str(s.flow),
            month=_month(s.month),
            source_file=str(s.source_file),
            vintage=int(s.vintage),
            release=s.release if isinstance(s.release, str) else None,
            derivation=s.derivation if isinstance(s.derivation, str) else None,
            product_groups=tuple(s.product_groups),
        )
        for s in sources.itertuples()
    ]
    first: dict[tuple[str, date], list[tuple[str | None, str]]] = {}
    for f in first_files.itertuples():
        if isinstance(f.first_file, str):
            release = f.first_release if isinstance(f.first_release, str) else None
            first.setdefault((str(f.flow), _month(f.month)), []).append((release, f.first_file))
    coverage = [
        Coverage(str(r.flow), _month(r.first_month), _month(r.last_month), int(r.months), int(r.files))
        for r in meta.itertuples()
    ]
    revised = [(str(f.flow), _month(f.month)) for f in first_files.itertuples()]
    return month_sources(found, first), vintage_sentence(coverage, revised)


SECTIONS = {
    "us_magnets": "US-bound magnet exports: the 2025 trough and the latest month",
    "growth": "Month-on-month: US-bound magnets, world magnets, all rare-earth exports",
    "destinations": "Where the magnets go: top destinations, latest month and a year before",
    "product_mix": "What China exports: the product-group mix over time",
    "partners": "What the partners report",
}


def _page(
    specs: dict[str, dict],
    takeaways: list[tuple[date, str, str, str]],
    vintage: str,
    sources: dict[tuple[str, date], str],
    published_at: datetime,
    vega_bundle: str,
    notes: dict[str, str],
) -> str:
    sections = "".join(
        f'<section id="section-{name}"><h2>{html.escape(title)}</h2><div class="chart" id="chart-{name}"></div>'
        f'<p class="png"><a href="{name}.png">PNG</a></p>{notes.get(name, "")}</section>'
        for name, title in SECTIONS.items()
    )
    rows = "".join(
        f"<tr><td>{month:%Y-%m}</td><td>{html.escape(headline)}</td><td>{html.escape(status)}"
        + (f"<details><summary>what was found</summary>{_list(detail.splitlines())}</details>" if detail else "")
        + "</td></tr>"
        for month, headline, status, detail in takeaways
    )
    # SVG, not canvas: the page's text stays text (selectable, and measurable by the layout test).
    embeds = "".join(
        f"vegaEmbed('#chart-{name}', {json.dumps(spec)}, {{actions: false, renderer: 'svg'}}).catch(console.error);\n"
        for name, spec in specs.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>China rare-earth exports: monthly report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 980px; margin: 0 auto; padding: 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }}
td:first-child {{ white-space: nowrap; }} #takeaways td:nth-child(2) {{ width: 55%; }} details {{ font-size: .8rem; }}
details ul {{ margin: .2rem 0; padding-left: 1.1rem; }}
.meta {{ color: #555; }} section {{ margin: 2rem 0; }}
</style>
<script type="text/javascript">{vega_bundle}</script>
</head><body>
<h1>China rare-earth exports: monthly report</h1>
<p class="meta" id="vintage">Data vintage: {html.escape(vintage)}. Published {published_at:%Y-%m-%d %H:%M} UTC.
Source: China Customs (GACC) files and, for the partners' side, UN Comtrade downloads, audited by this
warehouse's expectation suites.</p>
{_sources_table(sources)}
{sections}
<section id="takeaways"><h2>Key takeaways, month by month</h2>
<table><tr><th>month</th><th>headline</th><th>data quality</th></tr>{rows}</table></section>
<script type="text/javascript">
{embeds}</script>
</body></html>
"""


def _mirror_table(gaps: pd.DataFrame) -> str:
    """The latest month both sides reported, partner by partner: China's tonnes, the partner's, and the gaps."""
    if gaps.empty:
        return '<p class="meta">No partner-reported statistics yet: put UN Comtrade downloads in landing/partner/.</p>'

    def pct(value: object) -> str:
        return "" if value is None or value != value else f"{float(value):+.1f}%"  # NaN: the side is missing

    month = _month(gaps["month"].iloc[0])
    rows = "".join(
        f"<tr><td>{html.escape(str(g.product_group))}</td><td>{html.escape(str(g.partner))}</td>"
        f"<td>{g.china:,.0f}</td><td>{g.partner_t:,.0f}</td><td>{pct(g.gap)}</td><td>{pct(g.gap_next)}</td></tr>"
        for g in gaps.itertuples()
    )
    return (
        f"<p>{month:%B %Y}, each partner's own statistics against China's (tonnes). A gap is the partner's figure "
        "against China's; the partner's next month often matches better, since goods are recorded on arrival. A gap "
        "that suddenly leaves its usual band is named under the month's data quality.</p>"
        '<table id="mirror-gaps"><tr><th>product group</th><th>partner</th><th>China reports</th>'
        f"<th>partner reports</th><th>gap</th><th>gap, partner's next month</th></tr>{rows}</table>"
    )


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"


def _sources_table(sources: dict[tuple[str, date], str]) -> str:
    """Month by month, newest first: the release and file of each flow's figures."""
    flows = sorted({flow for flow, _ in sources})
    months = sorted({month for _, month in sources}, reverse=True)
    head = "".join(f"<th>{html.escape(FLOW_WORDS.get(flow, flow))}</th>" for flow in flows)
    rows = "".join(
        f"<tr><td>{month:%Y-%m}</td>"
        + "".join(f"<td>{html.escape(sources.get((flow, month), 'not loaded'))}</td>" for flow in flows)
        + "</tr>"
        for month in months
    )
    return (
        '<details class="meta" id="sources"><summary>Which release and file each month comes from</summary>'
        f"<table><tr><th>month</th>{head}</tr>{rows}</table></details>"
    )


def _vega_bundle() -> str:
    """Vega's JavaScript, inlined so the page needs no network. vl-convert bundles it in about 1 s: the bundle is
    kept in the user's cache folder, one file per vl-convert version, and bundled again only when that changes."""
    import vl_convert

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rare-earth"
    cached = cache / f"vega-bundle-{vl_convert.__version__}.js"
    if not cached.exists():
        cache.mkdir(parents=True, exist_ok=True)
        _write(cached, vl_convert.javascript_bundle().encode("utf-8"))
    return cached.read_text(encoding="utf-8")
