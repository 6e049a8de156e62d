"""The report's layout, measured in a real browser: in every chart no two texts overlap (axis labels, titles,
legends, annotations), and no annotation touches a line or a point. Checked on the page (Vega's SVG in headless
Chromium) and on each PNG (vl-convert's SVG of the same chart, which its PNG rasterises, measured in Chromium).

Geometry, not pixels: the boxes of the rendered text and points, and the lines sampled every pixel of their length.
Chromium measures with its own sans-serif font (DejaVu Sans here), at least as wide as vl-convert's.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pytest
import vl_convert
from conftest import SampleLoad
from playwright.sync_api import Browser, Page, expect, sync_playwright

from orchestration.reports.report import SECTIONS, Report, build_report

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"  # Debian's package, as tests/e2e/test_dagster_ui.py uses it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# A box this far inside another still counts as apart: sub-pixel rounding of the renderers.
TOLERANCE = 0.5

# What a chart's SVG holds, in page pixels: every visible text with its box and the class of its mark (e.g.
# "mark-text role-axis-label"), every point (symbol) box, and every line sampled each pixel of its length.
MEASURE = """(root) => {
  const shown = (element) => {
    for (let node = element; node && node !== root.parentNode; node = node.parentNode) {
      if (!(node instanceof Element)) continue;
      const style = getComputedStyle(node);
      if (node.getAttribute('opacity') === '0' || style.opacity === '0' || style.display === 'none'
          || style.visibility === 'hidden') return false;
    }
    return true;
  };
  const box = (element) => { const r = element.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const texts = [...root.querySelectorAll('text')]
    .filter((t) => t.textContent.trim() && shown(t))
    .map((t) => ({mark: t.parentNode.getAttribute('class') || '', text: t.textContent, box: box(t)}));
  const points = [...root.querySelectorAll('g.mark-symbol.role-mark > path')].filter(shown).map(box);
  const lines = [...root.querySelectorAll('g.mark-line.role-mark > path')].filter(shown).map((path) => {
    const matrix = path.getScreenCTM();
    const length = path.getTotalLength();
    const samples = [];
    for (let at = 0; at <= length; at += 1) {
      const p = path.getPointAtLength(at).matrixTransform(matrix);
      samples.push([p.x, p.y]);
    }
    return samples;
  });
  return {texts, points, lines};
}"""


@dataclass(frozen=True)
class Text:
    mark: str
    text: str
    box: tuple[float, float, float, float]

    @property
    def is_annotation(self) -> bool:
        return "role-mark" in self.mark  # a text mark of the chart's own, not of an axis, legend or title

    @property
    def is_axis_label(self) -> bool:
        return "role-axis-label" in self.mark


@dataclass(frozen=True)
class Layout:
    texts: list[Text]
    points: list[tuple[float, float, float, float]]
    lines: list[list[tuple[float, float]]]

    @property
    def annotations(self) -> list[Text]:
        return [t for t in self.texts if t.is_annotation]

    @property
    def axis_labels(self) -> list[Text]:
        return [t for t in self.texts if t.is_axis_label]


def overlap(a: tuple[float, ...], b: tuple[float, ...], tolerance: float = TOLERANCE) -> bool:
    return a[0] < b[2] - tolerance and b[0] < a[2] - tolerance and a[1] < b[3] - tolerance and b[1] < a[3] - tolerance


def inside(point: tuple[float, float], box: tuple[float, ...], margin: float) -> bool:
    return box[0] - margin <= point[0] <= box[2] + margin and box[1] - margin <= point[1] <= box[3] + margin


def measure(page: Page, selector: str) -> Layout:
    found = page.locator(selector).first.evaluate(MEASURE)
    return Layout(
        texts=[Text(t["mark"], t["text"], tuple(t["box"])) for t in found["texts"]],
        points=[tuple(p) for p in found["points"]],
        lines=[[tuple(p) for p in line] for line in found["lines"]],
    )


def layout_faults(layout: Layout) -> list[str]:
    """Every overlap of two texts, of an annotation and a point, and of an annotation and a line (stroke 2 px)."""
    faults = [
        f"{a.text!r} overlaps {b.text!r}: {a.box} {b.box}"
        for a, b in combinations(layout.texts, 2)
        if overlap(a.box, b.box)
    ]
    for label in layout.annotations:
        faults += [f"{label.text!r} overlaps a point at {p}" for p in layout.points if overlap(label.box, p)]
        crossed = sum(inside(s, label.box, margin=1.0) for line in layout.lines for s in line)
        if crossed:
            faults.append(f"{label.text!r} sits on a line ({crossed} pixels of it)")
    return faults


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


@pytest.fixture(scope="module")
def report(sample_load: SampleLoad, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return build_report(sample_load.pristine / "rare_earth.duckdb", tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def test_the_page_charts_keep_texts_apart_and_annotations_off_the_lines(
    report: Report, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(report.index.as_uri(), wait_until="load")
    layouts = {}
    for name in SECTIONS:
        expect(page.locator(f"#chart-{name} svg g.role-axis-label").first).to_be_attached(timeout=30_000)
        layouts[name] = measure(page, f"#chart-{name} svg")
    page.screenshot(path=tmp_path / "report.png", full_page=True)
    for name, layout in layouts.items():
        assert len(layout.axis_labels) >= 6, (name, [t.text for t in layout.texts])
        assert layout_faults(layout) == [], f"{name}: see {tmp_path / 'report.png'}"
    # The annotations are there to be checked: the trough and the latest month, and the rises beyond the growth axis.
    assert sorted(t.text for t in layouts["us_magnets"].annotations) == [
        "latest 2025-12: 564 t",
        "trough 2025-05: 46 t",
    ]
    assert sorted(t.text for t in layouts["growth"].annotations) == ["+158%", "+667%"]
    assert all(layouts[name].lines for name in ("us_magnets", "growth"))


@pytest.mark.parametrize("name", list(SECTIONS))
def test_each_png_keeps_texts_apart_and_annotations_off_the_lines(
    report: Report, browser: Browser, tmp_path: Path, name: str
) -> None:
    svg = vl_convert.vegalite_to_svg(report.specs[name])
    page = browser.new_page()
    page.set_content(f'<!DOCTYPE html><html><body style="margin:0">{svg}</body></html>')
    drawn = page.locator("svg").first
    width, height = (float(drawn.get_attribute(side) or 0) for side in ("width", "height"))
    assert png_size(report.pngs[name]) == (round(width * 2), round(height * 2))  # the PNG is this SVG at scale 2
    page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    layout = measure(page, "svg")
    assert len(layout.axis_labels) >= 6, [t.text for t in layout.texts]
    assert layout_faults(layout) == [], f"see {tmp_path / f'{name}.png'}"
