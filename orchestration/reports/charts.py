"""The report's charts as Altair specs, from frames read off the published marts.

Every month axis has a tick every 1, 2, 3, 6 or 12 months, the first step that leaves room for each label, so
labels never collide (Vega's own choice of ticks, with the first and last labels pushed flush to the ends,
did). Annotations are placed in Python (orchestration/reports/labels.py), off the lines, points and each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import altair as alt
import pandas as pd

from orchestration.reports.labels import (
    DIRECTIONS,
    EM_PER_CHARACTER,
    LINE_HEIGHT,
    UPWARDS_FIRST,
    Box,
    Direction,
    Label,
    Point,
    place_labels,
)
from orchestration.rules import rare_earth_product_groups

WIDTH = 640
HEIGHT = 260
AXIS_LABEL_SIZE = 10  # Vega's default
ANNOTATION_SIZE = 11
MONTH_LABEL = "2024-01"
MONTH_STEPS = (1, 2, 3, 6, 12)
# Radii of the points Vega draws: a line's points (size 30) and the annotated ones (size 120).
POINT_RADIUS = math.sqrt(30 / math.pi)
MARKER_RADIUS = math.sqrt(120 / math.pi)
# The growth axis stops at +100% (a doubling; a fall cannot pass −100%): a larger move sits on its top edge, labelled
# above it.
# A linear axis keeps equal distances equal percentage points, which is how readers compare ordinary months; a
# symmetric-log axis would squeeze the ±50% where most months lie, and its distances are easily misread.
GROWTH_LIMIT = 100.0
GROWTH_STEP = 25.0
# Room above the growth plot for the labels of the rises beyond its axis: three, stacked (labels.DISTANCES).
ABOVE_ROOM = 46 + ANNOTATION_SIZE * LINE_HEIGHT + 4
# Room right of the plot for the label of the latest point, which has no line to its right.
RIGHT_ROOM = 220.0


@dataclass(frozen=True)
class MonthPlot:
    """A chart's plot area as Vega maps it: the first to the last month across, `low` to `high` up."""

    first: pd.Timestamp
    last: pd.Timestamp
    low: float
    high: float

    def x(self, month: pd.Timestamp) -> float:
        start, end = month_domain(self.first, self.last)
        return WIDTH * (pd.Timestamp(month) - start).total_seconds() / (end - start).total_seconds()

    def y(self, value: float) -> float:
        return HEIGHT * (self.high - min(max(value, self.low), self.high)) / (self.high - self.low)

    def point(self, month: pd.Timestamp, value: float) -> Point:
        return (self.x(month), self.y(value))

    def month_x(self) -> alt.X:
        return month_x(self.first, self.last)

    def value_scale(self) -> alt.Scale:
        return alt.Scale(domain=[self.low, self.high], nice=False, zero=False)


def month_domain(first: pd.Timestamp, last: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first to the last month; half a month either side of a single month, which has no width of its own."""
    if first == last:
        return first - pd.Timedelta(days=15), first + pd.Timedelta(days=15)
    return first, last


def month_x(first: pd.Timestamp, last: pd.Timestamp) -> alt.X:
    """The month channel from `first` to `last`, with ticks spaced for their labels."""
    months = pd.date_range(first, last, freq="MS")
    per_month = WIDTH / max(len(months) - 1, 1)
    room = len(MONTH_LABEL) * AXIS_LABEL_SIZE * EM_PER_CHARACTER + 16
    step = next((s for s in MONTH_STEPS if s * per_month >= room), MONTH_STEPS[-1])
    ticks = [m for m in months if (m.month - 1) % step == 0] or list(months[:1])
    return alt.X(
        "month:T",
        title=None,
        scale=alt.Scale(domain=[_datetime(end) for end in month_domain(first, last)]),
        axis=alt.Axis(
            format="%Y-%m",
            values=[_datetime(m) for m in ticks],
            labelFontSize=AXIS_LABEL_SIZE,
            labelOverlap=True,  # a safety net: the ticks are spaced to need none
            labelSeparation=6,
        ),
    )


def _datetime(day: pd.Timestamp) -> alt.DateTime:
    # Local time, as Vega reads the frames' month strings.
    return alt.DateTime(year=day.year, month=day.month, date=day.day)


def _rounded_up(value: float) -> float:
    """`value` rounded up to a half power of ten (820 -> 850)."""
    if value <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(value)) / 2
    return math.ceil(value / step) * step


def _annotation_layer(marks: pd.DataFrame, x: alt.X, y: alt.Y, **encodings: object) -> alt.Chart:
    """Text at each row's anchor, offset as its placement says (columns dx, dy, align, baseline)."""
    return (
        alt.Chart(marks)
        .mark_text(
            fontSize=ANNOTATION_SIZE,
            fontWeight="bold",
            dx=alt.ExprRef("datum.dx"),
            dy=alt.ExprRef("datum.dy"),
            align=alt.ExprRef("datum.align"),
            baseline=alt.ExprRef("datum.baseline"),
        )
        .encode(x=x, y=y, text="label:N", **encodings)
        .properties(name="annotations")
    )


def _placed(
    marks: pd.DataFrame,
    plot: MonthPlot,
    value: str,
    lines: list[list[Point]],
    area: Box,
    directions: tuple[Direction, ...] = DIRECTIONS,
) -> pd.DataFrame:
    """`marks` (month, `value`, label) with the placement of each label: off `lines`, their points and each other."""
    labels = [Label(plot.point(m, v), str(t), ANNOTATION_SIZE) for m, v, t in marks[["month", value, "label"]].values]
    points = [(p, POINT_RADIUS) for line in lines for p in line] + [(label.anchor, MARKER_RADIUS) for label in labels]
    placements = place_labels(labels, lines, points, area, directions)
    return marks.assign(
        dx=[p.dx for p in placements],
        dy=[p.dy for p in placements],
        align=[p.align for p in placements],
        baseline=[p.baseline for p in placements],
    )


def _note_chart(note: str, title: str) -> alt.Chart:
    """A chart of the right size holding one sentence, where there is nothing to draw yet."""
    return (
        alt.Chart(pd.DataFrame({"note": [note]}))
        .mark_text(size=14)
        .encode(text="note:N")
        .properties(width=WIDTH, height=HEIGHT, title=title)
    )


def us_magnets_chart(us: pd.DataFrame, trough_month: date, trough_tonnes: float) -> alt.LayerChart:
    """(a) US-bound magnet tonnes by month, the trough and the latest month annotated."""
    us = us.sort_values("month")
    months = pd.to_datetime(us["month"])
    plot = MonthPlot(months.iloc[0], months.iloc[-1], 0.0, _rounded_up(float(us["tonnes"].max()) * 1.1))
    x, y = plot.month_x(), alt.Y("tonnes:Q", title="tonnes", scale=plot.value_scale())
    line = (
        alt.Chart(us)
        .mark_line(point=alt.OverlayMarkDef(color="#b22222"), color="#b22222")
        .encode(
            x=x,
            y=y,
            tooltip=[alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("tonnes:Q", format=",.0f")],
        )
    )
    latest_month, latest_tonnes = months.iloc[-1], float(us["tonnes"].iloc[-1])
    marks = pd.DataFrame(
        {
            "month": [pd.Timestamp(trough_month), latest_month],
            "tonnes": [trough_tonnes, latest_tonnes],
            "label": [
                f"trough {trough_month:%Y-%m}: {trough_tonnes:,.0f} t",
                f"latest {latest_month:%Y-%m}: {latest_tonnes:,.0f} t",
            ],
        }
    )
    series = [[plot.point(m, t) for m, t in zip(months, us["tonnes"].astype(float), strict=True)]]
    marks = _placed(marks, plot, "tonnes", series, Box(0, 0, WIDTH + RIGHT_ROOM, HEIGHT))
    points = alt.Chart(marks).mark_point(size=120, color="black", filled=True).encode(x=x, y=y)
    return (line + points + _annotation_layer(marks, x, y)).properties(
        width=WIDTH, height=HEIGHT, title="US-bound rare-earth magnet exports (HS 85051110), tonnes"
    )


def _growth_plot(long: pd.DataFrame) -> MonthPlot:
    """Months across; the moves' range up, in steps of 25 points, cut at ±100% and always holding 0."""
    low = max(-GROWTH_LIMIT, min(0.0, math.floor(long["mom_pct"].min() / GROWTH_STEP) * GROWTH_STEP))
    high = min(GROWTH_LIMIT, max(0.0, math.ceil(long["mom_pct"].max() / GROWTH_STEP) * GROWTH_STEP))
    months = pd.to_datetime(long["month"])
    return MonthPlot(months.min(), months.max(), low, max(high, low + GROWTH_STEP))


def growth_chart(growth: pd.DataFrame) -> alt.Chart | alt.LayerChart:
    """(b) Month-on-month growth: US-bound magnets, world magnets, all rare-earth exports. A rise beyond the axis
    sits on its top edge as a triangle, labelled with its size above the plot, where no line runs."""
    title = "Month-on-month growth of exports, %"
    long = growth.melt("month", var_name="series", value_name="mom_pct").dropna()
    if long.empty:  # one month loaded: no change to draw, and an empty chart has no size to render
        return _note_chart("no month-on-month change yet: the warehouse holds one month", title)
    long = long.assign(month=pd.to_datetime(long["month"]), mom_pct=long["mom_pct"].astype(float))
    plot = _growth_plot(long)
    long = long.assign(shown=long["mom_pct"].clip(plot.low, plot.high))
    beyond = long[long["mom_pct"] != long["shown"]].sort_values(["month", "mom_pct"], ascending=[True, False])
    x = plot.month_x()
    y = alt.Y("shown:Q", title="month-on-month, %", scale=plot.value_scale())
    color = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    tooltip = ["series:N", alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("mom_pct:Q", format=".1f")]
    base = alt.Chart(long).encode(x=x, y=y, color=color, tooltip=tooltip)
    layers = [base.mark_line(), base.transform_filter(alt.datum.shown == alt.datum.mom_pct).mark_point(filled=True)]
    if not beyond.empty:
        lines = [
            [plot.point(m, v) for m, v in zip(s["month"], s["shown"], strict=True)] for _, s in long.groupby("series")
        ]
        marks = _placed(
            beyond.assign(label=beyond["mom_pct"].map("{:+.0f}%".format)),
            plot,
            "shown",
            lines,
            Box(0, -ABOVE_ROOM, WIDTH, 0),  # above the plot, where no line runs
            UPWARDS_FIRST,
        )
        layers += [
            alt.Chart(marks).mark_point(shape="triangle-up", filled=True, size=90).encode(x=x, y=y, color="series:N"),
            _annotation_layer(marks, x, y, color=alt.Color("series:N")),
        ]
        title = alt.TitleParams(
            title,
            subtitle=f"The axis stops at {plot.high:+.0f}%: a larger rise sits on its top edge as a triangle, "
            "its size written above",
        )
    return alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=title)


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
    months = pd.to_datetime(mix["month"])
    return (
        alt.Chart(mix)
        .mark_area()
        .encode(
            x=month_x(months.min(), months.max()),
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


def mirror_chart(mirror: pd.DataFrame) -> alt.Chart | alt.LayerChart:
    """(e) What the partner reports: the US's imports of magnets from China beside China's exports to the US, by
    month (one column per side)."""
    title = "Magnets: China's reported exports to the US beside US-reported imports from China, tonnes"
    long = mirror.melt("month", var_name="side", value_name="tonnes").dropna()
    if long.empty:
        return _note_chart("no US-reported figures loaded yet (landing/partner/)", title)
    long = long.assign(month=pd.to_datetime(long["month"]), tonnes=long["tonnes"].astype(float))
    plot = MonthPlot(long["month"].min(), long["month"].max(), 0.0, _rounded_up(float(long["tonnes"].max()) * 1.1))
    base = alt.Chart(long).encode(
        x=plot.month_x(),
        y=alt.Y("tonnes:Q", title="tonnes", scale=plot.value_scale()),
        color=alt.Color("side:N", title=None, legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("side:N", legend=None),
        tooltip=["side:N", alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("tonnes:Q", format=",.0f")],
    )
    return alt.layer(base.mark_line(), base.mark_point(filled=True)).properties(
        width=WIDTH,
        height=HEIGHT,
        title=alt.TitleParams(
            title,
            subtitle="Mirror figures never match: the partner values imports CIF and records goods on arrival, "
            "weeks after China records them leaving",
        ),
    )
