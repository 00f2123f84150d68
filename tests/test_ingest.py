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
        "version_label": "2", "language": "en",
    }
    assert sub.source_format == "ninjs-3"
    assert sub.sources == {"source/ninjs.json": body}
    assert sub.warnings == ()


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
        # a missing required property is named itself, not the object that lacks it
        (ninjs3(headlines=[{"text": HEADLINE}]), "$.headlines[0].value"),
        (ninjs3(urgency=12), "$.urgency"),
        (ninjs3(subjects={"name": "Politics"}), "$.subjects"),
        ({"uri": "urn:x", "headline": "H", "body_text": "x", "urgency": "high"}, "$.urgency"),
        ({"headlines": [{"value": "H"}], "bodies": [{"value": "x"}]}, "$.uri"),
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


def test_unknown_properties_are_warned_not_refused_nor_read():
    """A 2.x name in a 3.x document, an extra key in a body: kept in source/, named, not read."""
    doc = ninjs3(ednote="Eds: not read.", bodies=[{"value": "Text.", "mime": "text/plain"}])
    del doc["edNote"]
    sub = parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert sub.paragraphs == ["Text."]
    assert "editor_note" not in sub.meta
    assert sub.warnings == (
        "$.bodies[0].mime is not a ninjs 3.1 property: kept in source/ninjs.json, not read",
        "$.ednote is not a ninjs 3.1 property: kept in source/ninjs.json, not read",
    )


SUPERDESK = {
    "guid": "urn:newsml:localhost:2024-05-01T10:00:00.000000:abc", "type": "text",
    "version": "3", "versioncreated": "2024-05-01T10:05:00+0000", "pubstatus": "usable",
    "urgency": 3, "language": "en", "headline": "Council approves budget", "slugline": "budget",
    "byline": "Jane Doe", "body_html": "<p>The council approved.</p><p>Vote was 7-2.</p>",
    "charcount": 40, "wordcount": 7, "readtime": 0, "priority": 5, "service": [{"code": "n"}],
    "subject": [{"code": "11000000", "name": "politics", "scheme": "http://cv.iptc.org/newscodes/subjectcode/"}],
    "profile": "Article", "annotations": [],
}


def test_superdesk_output_is_saved_with_warnings():
    sub = parse_payload(json.dumps(SUPERDESK).encode(), "application/json")
    assert sub.source_format == "ninjs-1"
    assert sub.paragraphs == ["The council approved.", "Vote was 7-2."]
    assert sub.meta["uri"] == SUPERDESK["guid"]
    assert (sub.meta["headline"], sub.meta["byline"]) == ("Council approves budget", "Jane Doe")
    assert sub.meta["subjects"] == [{"name": "politics", "code": "11000000",
                                     "scheme": "http://cv.iptc.org/newscodes/subjectcode/"}]
    assert (sub.meta["urgency"], sub.meta["pub_status"]) == (3, "usable")
    assert sub.meta["updated_at"] == "2024-05-01T10:05:00+00:00"
    assert sub.warnings[:2] == (
        "$.uri is missing; $.guid was taken as the item's uri",
        "$.versioncreated has an offset without a colon; read as 2024-05-01T10:05:00+00:00")
    unknown = sorted(w.split()[0] for w in sub.warnings[2:])
    assert unknown == ["$.annotations", "$.priority", "$.readtime", "$.service"]


def test_superdesk_with_a_wrong_type_is_still_refused():
    doc = {**SUPERDESK, "wordcount": "seven"}
    with pytest.raises(UnprocessablePayload) as info:
        parse_payload(json.dumps(doc).encode(), "application/json")
    assert info.value.field == "$.wordcount"


def test_body_chosen_by_role_and_type_not_position():
    doc = ninjs3(bodies=[
        {"role": "text", "contentType": "text/plain", "value": "One run-on. Two."},
        {"role": "summary", "contentType": "text/html", "value": "<p>Short.</p>"},
        {"role": "xhtml", "contentType": "application/xhtml+xml",
         "value": '<div xmlns="http://www.w3.org/1999/xhtml"><p>One run-on.</p><p>Two.</p></div>'},
        {"role": "image", "contentType": "image/jpeg", "value": "/9j/4AAQ"},
    ])
    sub = parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert sub.paragraphs == ["One run-on.", "Two."]


NITF = """<?xml version="1.0" encoding="UTF-8"?>
<nitf><head><title>Ignored title</title></head><body>
<body.head><hedline><hl1>Storm hits coast</hl1><hl2>Thousands without power</hl2></hedline>
<byline>By A. Writer</byline></body.head>
<body.content><p>First <em>paragraph</em>.</p><media media-type="image"><media-caption>A
caption</media-caption></media><block><p>Second.</p><hl2>Subhead</hl2><p>Third.</p></block>
</body.content><body.end><tagline>Not story text.</tagline></body.end></body></nitf>"""


def test_nitf_body_gives_paragraphs_headline_and_byline():
    doc = {"uri": "urn:x", "title": "A title",
           "bodies": [{"contentType": "application/nitf+xml", "value": NITF}]}
    sub = parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert sub.paragraphs == ["First paragraph.", "Second.", "Subhead", "Third."]
    assert (sub.meta["headline"], sub.meta["byline"]) == ("Storm hits coast", "By A. Writer")


def test_title_is_the_headline_when_nothing_else_names_one():
    doc = {"uri": "urn:x", "title": "Press conference at 4", "bodies": [{"value": "Text."}]}
    sub = parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert sub.meta["headline"] == "Press conference at 4"


BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><p>&lol2;</p>')


@pytest.mark.parametrize("ctype", ["application/nitf+xml", "application/xhtml+xml"])
def test_xml_entity_declarations_are_refused(ctype):
    doc = {"uri": "urn:x", "bodies": [{"contentType": ctype, "value": BOMB}]}
    with pytest.raises(UnprocessablePayload) as info:
        parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert info.value.field == "$.bodies[0].value"
    assert "entities" in info.value.detail


def test_xhtml_that_is_not_well_formed_is_read_as_html_with_a_warning():
    doc = {"uri": "urn:x", "body_xhtml": "<p>A &nbsp; b<p>C & d"}
    sub = parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert sub.paragraphs == ["A b", "C & d"]
    assert sub.warnings == ("$.body_xhtml is not well-formed XML; it was read as HTML",)


@pytest.mark.parametrize("item_type", ["picture", "audio", "video", "graphic"])
def test_media_item_without_text_is_refused_saying_so(item_type):
    doc = ninjs3(type=item_type, descriptions=[{"role": "caption", "value": "A caption."}])
    del doc["bodies"]
    with pytest.raises(UnprocessablePayload) as info:
        parse_payload(json.dumps(doc).encode(), "application/ninjs+json")
    assert f"{item_type} item has no text to version" in info.value.detail
    assert info.value.field == "$.bodies"


def test_publisher_metadata_in_meta_for_each_generation():
    places = [{"name": "Poland", "uri": "http://sws.geonames.org/798544/",
               "geoJSON": {"type": "Point", "coordinates": [19, 52]}}]
    v3 = ninjs3(pubStatus="withheld", urgency=2, places=places,
                people=[{"name": "Joe Biden", "rel": "about", "contactInfo": []}],
                subjects=[{"name": "Defence", "uri": "medtop:16009000", "relevance": 90}])
    v1 = {"uri": "urn:y", "headline": "H", "body_text": "x", "pubstatus": "canceled",
          "urgency": 2, "language": "en",
          "place": [{"name": "Poland", "code": "PL", "rel": "about"}],
          "person": [{"name": "Joe Biden"}], "subject": [{"name": "Defence", "code": "x"}]}
    m3 = parse_payload(json.dumps(v3).encode(), "application/ninjs+json").meta
    m1 = parse_payload(json.dumps(v1).encode(), "application/ninjs+json").meta
    assert (m3["pub_status"], m3["urgency"], m3["language"]) == ("withheld", 2, "en")
    assert m3["places"] == [{"name": "Poland", "uri": "http://sws.geonames.org/798544/"}]
    assert m3["people"] == [{"name": "Joe Biden", "rel": "about"}]
    assert m3["subjects"] == [{"name": "Defence", "uri": "medtop:16009000"}]
    assert (m1["pub_status"], m1["urgency"]) == ("canceled", 2)
    assert m1["places"] == [{"name": "Poland", "code": "PL", "rel": "about"}]
    assert (m1["people"], m1["subjects"]) == ([{"name": "Joe Biden"}],
                                             [{"name": "Defence", "code": "x"}])


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
