"""Parsing payloads: plain text, HTML, JSON, ninjs 1.x/2.x/3.x, and the errors for bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.ingest import (
    IngestError,
    MalformedPayload,
    UnprocessablePayload,
    UnsupportedContentType,
    ninjs_version,
    parse_payload,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "ap-troops-eastern-europe"
V2 = (SEEDS / "001_af56ba67cce1b9fd.txt").read_text(encoding="utf-8")
HEADLINE = "Biden ordering 3,000 troops to Eastern Europe to bolster NATO"


def ninjs3(**extra) -> dict:
    """Return the v2 seed as a realistic ninjs 3.1 document."""
    doc = {
        "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#",
        "uri": "urn:example:ap:troops-eastern-europe",
        "type": "text",
        "version": "2",
        "firstCreated": "2022-02-02T12:00:00Z",
        "versionCreated": "2022-02-02T14:05:00Z",
        "language": "en",
        "edNote": "Eds: UPDATES with details on deployments, quotes.",
        "headlines": [{"role": "main", "value": HEADLINE}],
        "by": "By ROBERT BURNS and LOLITA C. BALDOR",
        "bodies": [{"role": "main", "contentType": "text/plain", "value": V2}],
    }
    doc.update(extra)
    return doc


def test_plain_text_seed():
    sub = parse_payload(V2.encode(), "text/plain; charset=utf-8")
    assert len(sub.paragraphs) == 33
    assert (sub.meta, sub.source_format) == ({}, "text")
    # the seed has no final newline, so the canonical text differs: the original is kept
    assert sub.sources == {"source/original.txt": V2.encode()}
    assert sub.text.endswith("contributed.\n")


def test_plain_text_already_canonical_keeps_no_source():
    sub = parse_payload(b"One.\n\nTwo.\n", "text/plain")
    assert sub.paragraphs == ["One.", "Two."]
    assert sub.sources == {}


def test_plain_text_crlf_and_bom_keep_original():
    body = "\ufeffOne\r\nwrapped.\r\n\r\nTwo.\r\n".encode()
    sub = parse_payload(body, "text/plain")
    assert sub.paragraphs == ["One wrapped.", "Two."]
    assert sub.sources == {"source/original.txt": body}


def test_plain_text_leading_wire_lines_become_meta():
    body = (b"Eds: UPDATES with Pentagon comment.\n\n1st Ld-Writethru\n\n"
            b"WASHINGTON (AP) \xe2\x80\x94 Lede.\n")
    sub = parse_payload(body, "text/plain")
    assert sub.paragraphs == ["WASHINGTON (AP) — Lede."]
    assert sub.meta == {
        "editor_note": "Eds: UPDATES with Pentagon comment.",
        "label": "1st Ld-Writethru",
    }
    assert sub.source_format == "text"
    assert sub.sources == {"source/original.txt": body}


def test_eds_line_later_in_body_stays_a_paragraph():
    sub = parse_payload(b"Lede.\n\nEds: not at the top.\n", "text/plain")
    assert sub.paragraphs == ["Lede.", "Eds: not at the top."]


def test_html_content_type():
    body = b"<p>One &amp; two</p><script>x()</script><p>Three</p>"
    sub = parse_payload(body, "text/html; charset=UTF-8")
    assert sub.paragraphs == ["One & two", "Three"]
    assert (sub.meta, sub.source_format) == ({}, "html")
    assert sub.sources == {"source/body.html": body}


def test_json_body_and_meta():
    doc = {
        "body": V2, "headline": f"  {HEADLINE} ", "byline": "By ROBERT BURNS",
        "url": "https://apnews.com/article/troops", "label": "2nd Ld-Writethru",
        "published_at": "2022-02-02T14:05:00Z", "editor_note": "Eds: UPDATES.", "updated_at": None,
    }
    body = json.dumps(doc).encode()
    sub = parse_payload(body, "application/json")
    assert len(sub.paragraphs) == 33
    assert sub.meta == {
        "headline": HEADLINE, "byline": "By ROBERT BURNS", "url": "https://apnews.com/article/troops",
        "label": "2nd Ld-Writethru", "published_at": "2022-02-02T14:05:00Z",
        "editor_note": "Eds: UPDATES.",
    }
    assert sub.source_format == "json"
    assert sub.sources == {"source/body.json": body}


def test_json_body_html():
    sub = parse_payload(b'{"body_html": "<p>A</p><p>B</p>"}', "application/json")
    assert (sub.paragraphs, sub.meta, sub.source_format) == (["A", "B"], {}, "html")


def test_json_field_takes_precedence_over_leading_body_line():
    body = json.dumps({"body": "Eds: from body.\n\nLede.", "editor_note": "Eds: from field."})
    sub = parse_payload(body.encode(), "application/json")
    assert sub.paragraphs == ["Lede."]
    assert sub.meta["editor_note"] == "Eds: from field."


def test_ninjs3_seed():
    body = json.dumps(ninjs3()).encode()
    sub = parse_payload(body, "application/ninjs+json")
    assert len(sub.paragraphs) == 33
    assert sub.meta == {
        "uri": "urn:example:ap:troops-eastern-europe", "headline": HEADLINE,
        "byline": "By ROBERT BURNS and LOLITA C. BALDOR",
        "editor_note": "Eds: UPDATES with details on deployments, quotes.",
        "published_at": "2022-02-02T12:00:00Z", "updated_at": "2022-02-02T14:05:00Z",
        "version_label": "2",
    }
    assert sub.source_format == "ninjs-3"
    assert sub.sources == {"source/ninjs.json": body}


def test_ninjs3_detected_under_application_json_with_html_body():
    doc = ninjs3(bodies=[
        {"role": "summary", "value": "Short."},
        {"role": "main", "contentType": "text/html", "value": "<p>One</p><p>Two</p>"},
    ])
    del doc["$schema"]
    sub = parse_payload(json.dumps(doc).encode(), "application/json")
    assert sub.paragraphs == ["One", "Two"]
    assert sub.source_format == "ninjs-3"


def test_ninjs2_document():
    doc = {
        "uri": "urn:example:ap:troops", "version": "3", "versioncreated": "2022-02-02T15:00:00Z",
        "ednote": "Eds: ADDS quotes.", "by": "By ROBERT BURNS",
        "headlines": [{"value": HEADLINE}],
        "bodies": [{"contenttype": "text/html", "value": "<p>First.</p><p>Second.</p>"}],
    }
    sub = parse_payload(json.dumps(doc).encode(), "application/vnd.iptc.ninjs+json")
    assert sub.paragraphs == ["First.", "Second."]
    assert sub.meta == {
        "uri": "urn:example:ap:troops", "headline": HEADLINE, "byline": "By ROBERT BURNS",
        "editor_note": "Eds: ADDS quotes.", "updated_at": "2022-02-02T15:00:00Z",
        "version_label": "3",
    }
    assert sub.source_format == "ninjs-2"


def test_ninjs1_style_fields():
    doc = {
        "uri": "urn:example:sd:1", "headline": HEADLINE, "byline": "By AP",
        "body_html": "<p>Para &amp; one.</p><p>Two.</p>", "body_text": "ignored when html is there",
        "versioncreated": "2022-02-02T15:00:00+00:00", "pubstatus": "usable",
    }
    sub = parse_payload(json.dumps(doc).encode(), "application/json")
    assert sub.paragraphs == ["Para & one.", "Two."]
    assert sub.source_format == "ninjs-1"
    assert sub.meta["byline"] == "By AP"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#"}, 2),
        ({"$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#", "ednote": "x"}, 3),
        ({"versionCreated": "x"}, 3),
        ({"bodies": [{"contentType": "text/plain", "value": "x"}]}, 3),
        ({"bodies": [{"contenttype": "text/plain", "value": "x"}]}, 2),
        ({"ednote": "x"}, 2),
        ({"body_text": "x"}, 1),
        ({"bodies": [{"value": "x"}]}, 3),
    ],
)
def test_ninjs_version_detection(doc, expected):
    assert ninjs_version({"uri": "urn:x", **doc}) == expected


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (ninjs3(versionCreated="yesterday"), "$.versionCreated"),
        (ninjs3(uri=5), "$.uri"),
        (ninjs3(pubStatus="gone"), "$.pubStatus"),
        (ninjs3(bodies=[{"value": 7}]), "$.bodies[0].value"),
        (ninjs3(headlines=[{"text": HEADLINE}]), "$.headlines[0]"),
        (ninjs3(bodies=[{"value": "x", "mime": "text/plain"}]), "$.bodies[0]"),
        # a 2.x name in a 3.x document is an unexpected property at the top level
        (ninjs3(ednote="x"), "$"),
        ({"uri": "urn:x", "ednote": "x", "bodies": [{"value": "x", "contenttype": 1}]},
         "$.bodies[0].contenttype"),
        ({"uri": "urn:x", "headline": 5, "body_text": "x"}, "$.headline"),
    ],
)
def test_ninjs_failing_schema_names_the_field(doc, field):
    with pytest.raises(UnprocessablePayload) as info:
        parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert info.value.field == field
    assert field in info.value.detail


def test_ninjs_with_geojson_place_validates_offline():
    point = {"type": "Point", "coordinates": [22, 50]}
    doc = ninjs3(places=[{"name": "Rzeszow", "geoJSON": point}])
    sub = parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert sub.source_format == "ninjs-3"


BAD_INPUTS = [
    # (body, content type, error type, field)
    (b"text", None, UnsupportedContentType, None),
    (b"text", "", UnsupportedContentType, None),
    (b"<x/>", "application/xml", UnsupportedContentType, None),
    (b"text", "multipart/form-data; boundary=x", UnsupportedContentType, None),
    (b"caf\xe9", "text/plain", MalformedPayload, None),
    (b"caf\xe9", "text/plain; charset=latin-1", MalformedPayload, None),
    (b"\xff\xfe{}", "application/json", MalformedPayload, None),
    (b"{not json", "application/json", MalformedPayload, None),
    (b"[1, 2]", "application/json", MalformedPayload, None),
    (b'"a string"', "application/ninjs+json", MalformedPayload, None),
    (b"", "text/plain", UnprocessablePayload, None),
    (b" \r\n\t\n\xc2\xa0\n", "text/plain", UnprocessablePayload, None),
    (b"Eds: only a note.\n", "text/plain", UnprocessablePayload, None),
    (b"<script>x</script><p> </p>", "text/html", UnprocessablePayload, None),
    (b"{}", "application/json", UnprocessablePayload, "body"),
    (b'{"headline": "H"}', "application/json", UnprocessablePayload, "body"),
    (b'{"body": ""}', "application/json", UnprocessablePayload, "body"),
    (b'{"body": "  \\n\\n "}', "application/json", UnprocessablePayload, "body"),
    (b'{"body": null}', "application/json", UnprocessablePayload, "body"),
    (b'{"body": 42}', "application/json", UnprocessablePayload, "body"),
    (b'{"body": ["a"]}', "application/json", UnprocessablePayload, "body"),
    (b'{"body": "x", "headline": {"a": 1}}', "application/json", UnprocessablePayload, "headline"),
    (b'{"body": "x", "body_html": "<p>y</p>"}', "application/json", UnprocessablePayload,
     "body_html"),
    (b'{"body_html": "<br><br>"}', "application/json", UnprocessablePayload, "body_html"),
    (b'{"body": "x", "headine": "typo"}', "application/json", UnprocessablePayload, "headine"),
    (b'{"body": "x", "published_at": "last Tuesday"}', "application/json", UnprocessablePayload,
     "published_at"),
    (b'{"body": "x", "url": "not a url"}', "application/json", UnprocessablePayload, "url"),
    (b'{"uri": "urn:x"}', "application/json", UnprocessablePayload, "$.bodies"),
    (b'{"uri": "urn:x", "bodies": [{"value": " "}]}', "application/json", UnprocessablePayload,
     "$.bodies[0].value"),
]


@pytest.mark.parametrize(("body", "content_type", "error", "field"), BAD_INPUTS)
def test_bad_inputs(body, content_type, error, field):
    with pytest.raises(error) as info:
        parse_payload(body, content_type)
    assert isinstance(info.value, IngestError)
    assert info.value.detail
    assert info.value.field == field


def test_paragraph_limit_names_the_count_and_the_setting():
    body = "\n\n".join(f"Paragraph {i}." for i in range(11)).encode()
    assert len(parse_payload(body, "text/plain", max_paragraphs=11).paragraphs) == 11
    with pytest.raises(UnprocessablePayload) as info:
        parse_payload(body, "text/plain", max_paragraphs=10)
    assert "11 paragraphs" in info.value.detail and "WRITETHRU_MAX_PARAGRAPHS" in info.value.detail
    assert info.value.field == "body"
