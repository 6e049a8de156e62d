"""The report's charts as Altair specs, from frames read off the published marts."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from orchestration.rules import rare_earth_product_groups

WIDTH = 640
HEIGHT = 260


def us_magnets_chart(us: pd.DataFrame, trough_month: date, trough_tonnes: float) -> alt.LayerChart:
    """(a) US-bound magnet tonnes by month, the trough and the latest month annotated."""
    line = (
        alt.Chart(us)
        .mark_line(point=True, color="#b22222")
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("tonnes:Q", title="tonnes"),
            tooltip=[alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("tonnes:Q", format=",.0f")],
        )
    )
    latest = us.sort_values("month").tail(1)
    marks = pd.DataFrame(
        {
            "month": [pd.Timestamp(trough_month), latest["month"].iloc[0]],
            "tonnes": [trough_tonnes, float(latest["tonnes"].iloc[0])],
            "label": [
                f"trough {trough_month:%Y-%m}: {trough_tonnes:,.0f} t",
                f"latest {latest['month'].iloc[0]:%Y-%m}: {float(latest['tonnes'].iloc[0]):,.0f} t",
            ],
        }
    )
    points = alt.Chart(marks).mark_point(size=120, color="black", filled=True).encode(x="month:T", y="tonnes:Q")
    labels = (
        alt.Chart(marks)
        .mark_text(align="right", dx=-8, dy=-10, fontWeight="bold")
        .encode(x="month:T", y="tonnes:Q", text="label:N")
    )
    return (line + points + labels).properties(
        width=WIDTH, height=HEIGHT, title="US-bound rare-earth magnet exports (HS 85051110), tonnes"
    )


def growth_chart(growth: pd.DataFrame) -> alt.Chart:
    """(b) Month-on-month growth: US-bound magnets, world magnets, all rare-earth exports."""
    long = growth.melt("month", var_name="series", value_name="mom_pct").dropna()
    if long.empty:  # one month loaded: no change to draw, and an empty chart has no size to render
        return (
            alt.Chart(pd.DataFrame({"note": ["no month-on-month change yet: the warehouse holds one month"]}))
            .mark_text(size=14)
            .encode(text="note:N")
            .properties(width=WIDTH, height=HEIGHT, title="Month-on-month growth of exports, %")
        )
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("mom_pct:Q", title="month-on-month, %"),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["series:N", alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("mom_pct:Q", format=".1f")],
        )
        .properties(width=WIDTH, height=HEIGHT, title="Month-on-month growth of exports, %")
    )


def destinations_chart(destinations: pd.DataFrame, latest: date) -> alt.Chart:
    """(c) Top magnet destinations in the latest month, against the same month a year before."""
    order = destinations[destinations["period"] == f"{latest:%Y-%m}"].sort_values("tonnes", ascending=False)
    return (
        alt.Chart(destinations)
        .mark_bar()
        .encode(
            y=alt.Y("partner:N", sort=list(order["partner"]), title=None),
            yOffset=alt.YOffset("period:N"),
            x=alt.X("tonnes:Q", title="tonnes"),
            color=alt.Color("period:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["partner:N", "period:N", alt.Tooltip("tonnes:Q", format=",.0f")],
        )
        .properties(
            width=WIDTH, height=HEIGHT + 120, title="Top destinations of magnets: latest month and a year before"
        )
    )


def mix_chart(mix: pd.DataFrame) -> alt.Chart:
    """(d) Product-group mix of rare-earth exports over time (world, tonnes)."""
    return (
        alt.Chart(mix)
        .mark_area()
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m")),
            y=alt.Y(
                "tonnes:Q", stack="normalize", title="share of rare-earth export tonnes", axis=alt.Axis(format="%")
            ),
            color=alt.Color(
                "product_group:N",
                sort=list(rare_earth_product_groups()),
                title=None,
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("group_rank:Q"),
            tooltip=["product_group:N", alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("tonnes:Q", format=",.0f")],
        )
        .properties(width=WIDTH, height=HEIGHT, title="Product-group mix of rare-earth exports (world)")
    )
