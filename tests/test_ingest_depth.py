"""Markup nested thousands deep is a valid document: it is read, never a 500."""

from __future__ import annotations

import pytest

DEPTH = 5000


def nested(tag: str, inner: str) -> str:
    return f"<{tag}>" * DEPTH + inner + f"</{tag}>" * DEPTH


@pytest.mark.parametrize("content_type, body", [
    ("application/nitf+xml",
     "<nitf><body><body.content>" + nested("block", "<p>Deep text.</p>") +
     "</body.content></body></nitf>"),
    ("application/xhtml+xml",
     '<html xmlns="http://www.w3.org/1999/xhtml"><body>' + nested("div", "<p>Deep text.</p>") +
     "</body></html>"),
    ("text/html", nested("div", "<p>Deep text.</p>")),
])
def test_a_deeply_nested_ninjs_body_is_read(client, content_type, body):
    doc = {"uri": "urn:test:deep", "headlines": [{"value": "Deep", "role": "main"}],
           "bodies": [{"value": body, "contentType": content_type, "role": "main"}]}
    resp = client.post("/api/articles/deep/versions", json=doc)
    assert resp.status_code == 201, resp.get_json()
    assert client.get("/api/articles/deep/versions/1").get_json()["paragraphs"] == ["Deep text."]


def test_a_deeply_nested_html_post_is_read(client):
    resp = client.post("/api/articles/deep-html/versions", content_type="text/html",
                       data=nested("div", "<p>One.</p><p>Two.</p>"))
    assert resp.status_code == 201, resp.get_json()
    assert client.get("/api/articles/deep-html/versions/1").get_json()["paragraphs"] == \
        ["One.", "Two."]
