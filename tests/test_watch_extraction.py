"""Extraction on real-shaped pages (tests/data/extraction: NAME.html beside NAME.json, the
expected paragraphs), and reading OPML feed lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.ingest.article import extract
from service.watch.config import WatchListError, read_opml

PAGES = sorted((Path(__file__).parent / "data" / "extraction").glob("*.html"))


def test_the_expected_paragraphs_are_extracted_exactly_and_nothing_else():
    found = wanted = extra = 0
    for page in PAGES:
        want = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        got = extract(page.read_bytes(), f"https://example.org/{page.stem}").paragraphs
        found += sum(p in got for p in want)
        wanted += len(want)
        extra += sum(p not in want for p in got)
    print(f"extraction: {found}/{wanted} paragraphs exact ({found / wanted:.0%}) on "
          f"{len(PAGES)} pages, {extra} furniture paragraphs let through")
    assert len(PAGES) >= 3
    assert found / wanted >= 0.9 and extra == 0


def test_opml_lists_its_feeds_and_refuses_entities_and_other_xml():
    opml = (b'<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
            b'<outline text="A" type="rss" xmlUrl="https://a.example/rss"/>'
            b'<outline text="B" xmlUrl="https://b.example/atom.xml"/></outline></body></opml>')
    assert read_opml(opml, "feeds.opml") == ["https://a.example/rss", "https://b.example/atom.xml"]
    bomb = (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]>'
            b'<opml><body><outline xmlUrl="&a;"/></body></opml>')
    for bad, said in ((bomb, "not an OPML file"), (b"<rss/>", "root element is <rss>"),
                      (b"not xml", "not an OPML file")):
        with pytest.raises(WatchListError, match=said):
            read_opml(bad, "feeds.opml")
