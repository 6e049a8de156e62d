"""Annotation labels placed off the lines, the points and each other, in the pixels of a chart's plot area.

Vega-Lite has no label placement of its own, so the charts compute where each label goes: the first of a few
positions around its point (right, left, below, above, the diagonals, then farther out) whose box stays in the
allowed area and touches no line, no point and no label already placed. A label's box is estimated from its
length, generously, because the browser and vl-convert each measure text with their own fonts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Align = Literal["left", "center", "right"]
Baseline = Literal["top", "middle", "bottom"]
Point = tuple[float, float]

# Wider than the average glyph of DejaVu Sans Bold (digits 0.70 em), the widest sans-serif either renderer picks.
EM_PER_CHARACTER = 0.72
LINE_HEIGHT = 1.3  # ems
CLEARANCE = 3.0  # pixels between a label and a line, a point or another label
# From the anchor, nearest first; 18 pixels apart, so labels stack one line apart with their clearance.
DISTANCES = (10.0, 28.0, 46.0, 64.0)
# (x, y) directions from the anchor, and how the text hangs there: preferred first.
DIRECTIONS: tuple[tuple[float, float, Align, Baseline], ...] = (
    (1, 0, "left", "middle"),
    (-1, 0, "right", "middle"),
    (0, 1, "center", "top"),
    (0, -1, "center", "bottom"),
    (0.7, 0.7, "left", "top"),
    (-0.7, 0.7, "right", "top"),
    (0.7, -0.7, "left", "bottom"),
    (-0.7, -0.7, "right", "bottom"),
)


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def grown(self, by: float) -> Box:
        return Box(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)

    def inside(self, area: Box) -> bool:
        return area.x0 <= self.x0 and self.x1 <= area.x1 and area.y0 <= self.y0 and self.y1 <= area.y1

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def crossed_by(self, a: Point, b: Point) -> bool:
        """Whether the segment a-b passes through the box (Liang-Barsky clipping)."""
        t0, t1 = 0.0, 1.0
        dx, dy = b[0] - a[0], b[1] - a[1]
        for p, q in ((-dx, a[0] - self.x0), (dx, self.x1 - a[0]), (-dy, a[1] - self.y0), (dy, self.y1 - a[1])):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
        return True


@dataclass(frozen=True)
class Label:
    anchor: Point  # the point the label names, in plot pixels
    text: str
    font_size: float


@dataclass(frozen=True)
class Placement:
    """What the text mark needs: its offset from the anchor and how it hangs there."""

    dx: float
    dy: float
    align: Align
    baseline: Baseline


def text_box(label: Label, placement: Placement) -> Box:
    width = len(label.text) * label.font_size * EM_PER_CHARACTER
    height = label.font_size * LINE_HEIGHT
    x = label.anchor[0] + placement.dx
    y = label.anchor[1] + placement.dy
    x0 = {"left": x, "center": x - width / 2, "right": x - width}[placement.align]
    y0 = {"top": y, "middle": y - height / 2, "bottom": y - height}[placement.baseline]
    return Box(x0, y0, x0 + width, y0 + height)


Direction = tuple[float, float, Align, Baseline]
# The same directions, those upwards first: for points on a plot's top edge, with the free room above them.
UPWARDS_FIRST: tuple[Direction, ...] = tuple(sorted(DIRECTIONS, key=lambda d: d[1] >= 0))


def _candidates(directions: Sequence[Direction]) -> list[Placement]:
    return [
        Placement(round(x * d, 1), round(y * d, 1), align, baseline)
        for d in DISTANCES
        for x, y, align, baseline in directions
    ]


def place_labels(
    labels: Sequence[Label],
    lines: Sequence[Sequence[Point]],
    points: Sequence[tuple[Point, float]],
    area: Box,
    directions: Sequence[Direction] = DIRECTIONS,
) -> list[Placement]:
    """A placement per label, in order: off every segment of `lines`, every point of `points` ((center, radius))
    and the labels placed before it, inside `area`. A label with no free position takes the one that touches
    the fewest things (the layout tests would fail on it)."""
    segments = [(a, b) for line in lines for a, b in pairwise(line)]
    placed: list[Box] = []
    result: list[Placement] = []
    for label in labels:

        def collisions(placement: Placement, label: Label = label) -> int:
            box = text_box(label, placement).grown(CLEARANCE)
            return (
                (0 if text_box(label, placement).inside(area) else 100)
                + sum(box.crossed_by(a, b) for a, b in segments)
                + sum(box.overlaps(Box(x - r, y - r, x + r, y + r)) for (x, y), r in points)
                + sum(box.overlaps(other) for other in placed)
            )

        best = min(_candidates(directions), key=collisions)  # min keeps the first of equals: the preferred position
        result.append(best)
        placed.append(text_box(label, best))
    return result
