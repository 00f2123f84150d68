"""The server-drawn growth chart: valid SVG, escaped text, no style attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from service.web.charts import Point, growth_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (1, 1), (7, 10), (10, 10), (11, 20),
                                                (33, 50), (485, 500), (1241, 2000), (5001, 10000)])
def test_nice_ceiling(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_chart_draws_both_panels_and_escapes_the_headline():
    points = [Point(1, 485, 8), Point(2, 1241, 33), Point(3, 1300, 35)]
    svg = growth_chart(points, headline="<script>alert(1)</script> & co")
    root = ET.fromstring(svg)  # well-formed XML, so the headline was escaped
    assert root.find(f"{SVG}title").text == "How <script>alert(1)</script> & co grew"
    assert "<script>" not in svg
    assert len(root.findall(f".//{SVG}circle")) == 6
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert [t.text for t in root.iter(f"{SVG}title")][1:4] == [
        "v1: 485 words", "v2: 1,241 words", "v3: 1,300 words"]
    assert all("style" not in el.attrib for el in root.iter())


def test_chart_of_one_version_and_of_none():
    root = ET.fromstring(growth_chart([Point(1, 10, 2)]))
    assert len(root.findall(f".//{SVG}circle")) == 2
    assert not root.findall(f".//{SVG}polyline")
    assert growth_chart([]) == ""


def test_many_versions_label_only_some():
    svg = ET.fromstring(growth_chart([Point(n, n * 10, n) for n in range(1, 41)]))
    labels = [t.text for t in svg.findall(f"{SVG}text") if t.text and t.text.startswith("v")]
    assert labels[0] == "v1" and labels[-1] == "v40" and len(labels) <= 15
