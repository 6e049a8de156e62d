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
    takeaways: list[tuple[date, str, str, str]]  # month, headline, quality status, its detail; newest first


def _frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    def frame(query: str, parameters: dict[str, object] | None = None) -> pd.DataFrame:
        return con.execute(query, parameters).df()

    tables = {
        r[0] for r in con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    }
    quality = (
        """select month,
                  string_agg(distinct check_name, ', ' order by check_name) filter (where status <> 'passed') as checks,
                  string_agg(summary, '; ' order by check_name) filter (where status <> 'passed') as detail,
                  max(case status when 'error' then 2 when 'warning' then 1 else 0 end) as worst
           from audit.check_outcomes group by month"""
        if "audit.check_outcomes" in tables
        else "select null::date as month, null as checks, null as detail, null::integer as worst where false"
    )
    held = (
        "select distinct month from audit.held_months"
        if "audit.held_months" in tables
        else "select null::date as month where false"
    )
    return {
        "us": frame(
            """select month, cast(tonnes as double) as tonnes from marts.magnet_exports_monthly
               where partner_code = $us order by month""",
            {"us": us_partner_code()},
        ),
        "headlines": frame("select * from marts.monthly_headlines order by month"),
        "growth": frame(
            """select month, us_magnet_mom_pct as "US-bound magnets", world_magnet_mom_pct as "world magnets",
                      all_rare_earth_mom_pct as "all rare-earth exports"
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
        "quality": frame(
            f"""with q as ({quality}), h as ({held})
                select h2.month,
                       case when h.month is not null then 'held back: this month shows its last published state'
                            when q.worst = 2 then 'errors from ' || q.checks
                            when q.worst = 1 then 'warnings from ' || q.checks
                            when q.worst = 0 then 'all checks passed'
                            else 'not checked by this warehouse' end as status,
                       coalesce(q.detail, '') as detail
                from marts.monthly_headlines as h2
                left join q on q.month = h2.month left join h on h.month = h2.month"""
        ),
        "meta": frame("select * from marts.meta_publish order by flow"),
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
    }
    out.mkdir(parents=True, exist_ok=True)
    specs = {name: chart.to_dict() for name, chart in built.items()}
    pngs = {}
    for name, spec in specs.items():
        pngs[name] = out / f"{name}.png"
        _write(pngs[name], vl_convert.vegalite_to_png(spec, scale=2))
    quality = {pd.Timestamp(q.month).date(): (str(q.status), str(q.detail)) for q in frames["quality"].itertuples()}
    takeaways = [
        (month, str(row.headline), *quality.get(month, ("", "")))
        for row in headlines.iloc[::-1].itertuples()
        for month in [pd.Timestamp(row.month).date()]
    ]
    meta = frames["meta"]
    published_at = pd.Timestamp(meta["published_at"].max()).to_pydatetime()
    vintage = "; ".join(
        f"{r.flow}s {pd.Timestamp(r.first_month):%Y-%m} to {pd.Timestamp(r.last_month):%Y-%m} "
        f"({r.months} months, {r.files} files, newest vintage {r.last_vintage})"
        for r in meta.itertuples()
    )
    page = _page(specs, takeaways, vintage, published_at, _vega_bundle())
    _write(out / "index.html", page.encode("utf-8"))
    return Report(out / "index.html", pngs, latest_month, published_at, trough, takeaways)


SECTIONS = {
    "us_magnets": "US-bound magnet exports: the 2025 trough and the latest month",
    "growth": "Month-on-month: US-bound magnets, world magnets, all rare-earth exports",
    "destinations": "Where the magnets go: top destinations, latest month and a year before",
    "product_mix": "What China exports: the product-group mix over time",
}


def _page(
    specs: dict[str, dict],
    takeaways: list[tuple[date, str, str, str]],
    vintage: str,
    published_at: datetime,
    vega_bundle: str,
) -> str:
    sections = "".join(
        f'<section><h2>{html.escape(title)}</h2><div class="chart" id="chart-{name}"></div>'
        f'<p class="png"><a href="{name}.png">PNG</a></p></section>'
        for name, title in SECTIONS.items()
    )
    rows = "".join(
        f"<tr><td>{month:%Y-%m}</td><td>{html.escape(headline)}</td><td>{html.escape(status)}"
        + (f"<details><summary>what was found</summary>{html.escape(detail)}</details>" if detail else "")
        + "</td></tr>"
        for month, headline, status, detail in takeaways
    )
    embeds = "".join(
        f"vegaEmbed('#chart-{name}', {json.dumps(spec)}, {{actions: false}}).catch(console.error);\n"
        for name, spec in specs.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>China rare-earth exports: monthly report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 980px; margin: 0 auto; padding: 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }}
td:first-child {{ white-space: nowrap; }} td:nth-child(2) {{ width: 55%; }} details {{ font-size: .8rem; }}
.meta {{ color: #555; }} section {{ margin: 2rem 0; }}
</style>
<script type="text/javascript">{vega_bundle}</script>
</head><body>
<h1>China rare-earth exports: monthly report</h1>
<p class="meta" id="vintage">Data vintage: {html.escape(vintage)}. Published {published_at:%Y-%m-%d %H:%M} UTC.
Source: China Customs (GACC) files, audited by this warehouse's expectation suites.</p>
{sections}
<section id="takeaways"><h2>Key takeaways, month by month</h2>
<table><tr><th>month</th><th>headline</th><th>data quality</th></tr>{rows}</table></section>
<script type="text/javascript">
{embeds}</script>
</body></html>
"""


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
