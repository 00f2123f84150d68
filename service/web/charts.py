"""The growth chart of a story, drawn on the server as SVG: words and paragraphs by version.

Two small panels share the version axis (words above, paragraphs below) rather than one chart with
two y axes, which invites false comparisons. The SVG is built with ElementTree, so every text is
escaped, and it carries classes and presentation attributes only: a strict CSP forbids style="".
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..plural import plural

WIDTH = 640
PANEL_HEIGHT = 96
LEFT, RIGHT, TOP, GAP, BOTTOM = 70, 22, 26, 40, 32


@dataclass(frozen=True)
class Point:
    """One version's size."""

    version: int
    words: int
    paragraphs: int


def nice_ceiling(value: int) -> int:
    """Round a positive maximum up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _x_positions(count: int) -> list[float]:
    inner = WIDTH - LEFT - RIGHT
    if count == 1:
        return [LEFT + inner / 2]
    return [LEFT + inner * i / (count - 1) for i in range(count)]


def _label_every(count: int) -> int:
    # About twelve labels fit the width; label every k-th version past that.
    return max(1, math.ceil(count / 12))


def _panel(svg, points, xs, field: str, title: str, top: float, css: str) -> None:
    values = [getattr(p, field) for p in points]
    ceiling = nice_ceiling(max(values))
    bottom = top + PANEL_HEIGHT
    group = ET.SubElement(svg, "g", {"class": f"chart-panel chart-panel--{css}"})
    ET.SubElement(group, "text", {"x": str(LEFT), "y": f"{top - 6:.0f}",
                                  "class": "chart-title"}).text = title
    for fraction in (0, 0.5, 1):
        y = bottom - PANEL_HEIGHT * fraction
        ET.SubElement(group, "line", {"x1": str(LEFT), "x2": str(WIDTH - RIGHT),
                                      "y1": f"{y:.1f}", "y2": f"{y:.1f}", "class": "chart-grid"})
        label = ET.SubElement(group, "text", {"x": str(LEFT - 6), "y": f"{y + 4:.1f}",
                                              "class": "chart-tick", "text-anchor": "end"})
        label.text = f"{round(ceiling * fraction):,}"
    ys = [bottom - PANEL_HEIGHT * v / ceiling for v in values]
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    if len(points) > 1:
        area = f"{xs[0]:.1f},{bottom:.1f} {coords} {xs[-1]:.1f},{bottom:.1f}"
        ET.SubElement(group, "polygon", {"points": area, "class": "chart-area"})
        ET.SubElement(group, "polyline", {"points": coords, "class": "chart-line", "fill": "none"})
    unit = "words" if field == "words" else "paragraphs"
    for point, x, y, value in zip(points, xs, ys, values, strict=True):
        dot = ET.SubElement(group, "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "3.5",
                                              "class": "chart-dot"})
        ET.SubElement(dot, "title").text = f"v{point.version}: {value:,} {unit}"


def growth_chart(points: list[Point], headline: str = "") -> str:
    """Return the SVG markup of words and paragraphs by version (an empty string for no points)."""
    if not points:
        return ""
    height = TOP + PANEL_HEIGHT + GAP + PANEL_HEIGHT + BOTTOM
    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {WIDTH} {height}",
        "class": "chart", "role": "img", "aria-labelledby": "chart-title chart-desc",
        "preserveAspectRatio": "xMidYMid meet",
    })
    ET.SubElement(svg, "title", {"id": "chart-title"}).text = (
        f"How {headline} grew" if headline else "How the story grew")
    first, last = points[0], points[-1]
    ET.SubElement(svg, "desc", {"id": "chart-desc"}).text = (
        f"Words went from {first.words:,} in v{first.version} to {last.words:,} in "
        f"v{last.version}; paragraphs from {first.paragraphs:,} to {last.paragraphs:,}, "
        f"over {plural(len(points), 'version')}.")
    xs = _x_positions(len(points))
    _panel(svg, points, xs, "words", "Words", TOP, "words")
    _panel(svg, points, xs, "paragraphs", "Paragraphs", TOP + PANEL_HEIGHT + GAP, "paragraphs")
    every = _label_every(len(points))
    for i, (point, x) in enumerate(zip(points, xs, strict=True)):
        if i % every and i != len(points) - 1:
            continue
        ET.SubElement(svg, "text", {"x": f"{x:.1f}", "y": str(height - 8), "class": "chart-tick",
                                    "text-anchor": "middle"}).text = f"v{point.version}"
    return ET.tostring(svg, encoding="unicode")
