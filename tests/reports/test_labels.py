"""Annotation placement in plot pixels: off the lines, the points and each other, inside the allowed area."""

from __future__ import annotations

from itertools import pairwise

from orchestration.reports.labels import UPWARDS_FIRST, Box, Label, place_labels, text_box

AREA = Box(0, 0, 640, 260)


def test_a_label_keeps_off_a_line_through_its_point_and_inside_the_area() -> None:
    line = [(500.0, 100.0), (600.0, 100.0), (640.0, 100.0)]  # flat through the anchor, to the right edge
    label = Label((640.0, 100.0), "latest 2025-12: 564 t", 11)
    [placement] = place_labels([label], [line], [((640.0, 100.0), 6.0)], AREA)
    box = text_box(label, placement)
    assert box.inside(AREA)
    assert not any(box.grown(3).crossed_by(a, b) for a, b in pairwise(line))


def test_labels_of_one_point_stack_without_overlapping() -> None:
    labels = [Label((320.0, 0.0), text, 11) for text in ("+667%", "+158%", "+120%")]
    placements = place_labels(labels, [], [((320.0, 0.0), 5.0)], Box(0, -70, 640, 0), UPWARDS_FIRST)
    boxes = [text_box(label, p) for label, p in zip(labels, placements, strict=True)]
    assert all(box.y1 <= -10 for box in boxes)  # stacked above the point, nearest first
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_a_segment_crossing_a_box_is_seen_and_one_passing_by_is_not() -> None:
    box = Box(10, 10, 20, 20)
    assert box.crossed_by((0, 0), (30, 30))
    assert box.crossed_by((15, 0), (15, 30))
    assert not box.crossed_by((0, 25), (30, 25))
    assert not box.crossed_by((0, 0), (30, 5))
