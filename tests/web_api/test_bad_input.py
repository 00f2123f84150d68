"""Bad input gets a clear problem document and changes nothing in the store.

Inputs tried (one row each below): article ids with '/', '..', spaces, control characters, 129
characters, a '.lock' ending, a trailing dot, a leading dot or dash, non-ASCII; a body that is
not UTF-8; malformed JSON; JSON that is not an object; JSON without a body; an empty body and an
all-white-space body; an unknown content type; a gzip Content-Encoding; a body over the limit;
a missing and a wrong token; more paragraphs than allowed; an unknown article and an unknown
version; a version that is not a number; a ninjs document that fails its schema; a forged
listing cursor.
"""

from __future__ import annotations

import gzip
import json

import pytest

from service import create_app

from .conftest import seed_texts, snapshot

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "text/plain; charset=utf-8"
GOOD = "/api/articles/ap-troops-eastern-europe/versions"

CASES = [
    # (name, method, url, body, content type, headers, status)
    ("id with slash", "POST", "/api/articles/a%2Fb/versions", b"x", TEXT, AUTH, 400),
    ("id with raw slash", "POST", "/api/articles/a/b/versions", b"x", TEXT, AUTH, 400),
    ("id with dots", "POST", "/api/articles/a..b/versions", b"x", TEXT, AUTH, 400),
    ("id is dotdot", "POST", "/api/articles/../versions", b"x", TEXT, AUTH, 400),
    ("id with space", "POST", "/api/articles/a%20b/versions", b"x", TEXT, AUTH, 400),
    ("id with control char", "POST", "/api/articles/a%01b/versions", b"x", TEXT, AUTH, 400),
    ("id with newline", "POST", "/api/articles/a%0Ab/versions", b"x", TEXT, AUTH, 400),
    ("id of 129 chars", "POST", f"/api/articles/{'a' * 129}/versions", b"x", TEXT, AUTH, 400),
    ("id ending in a dot", "POST", "/api/articles/story./versions", b"x", TEXT, AUTH, 400),
    ("id ending .lock", "POST", "/api/articles/story.lock/versions", b"x", TEXT, AUTH, 400),
    ("id starting with dot", "POST", "/api/articles/.hidden/versions", b"x", TEXT, AUTH, 400),
    ("id starting with dash", "POST", "/api/articles/-rf/versions", b"x", TEXT, AUTH, 400),
    ("id non-ascii", "POST", "/api/articles/caf%C3%A9/versions", b"x", TEXT, AUTH, 400),
    ("not utf-8", "POST", GOOD, "Café".encode("latin-1"), TEXT, AUTH, 400),
    ("malformed json", "POST", GOOD, b'{"body": "x"', "application/json", AUTH, 400),
    ("json not an object", "POST", GOOD, b'["x"]', "application/json", AUTH, 400),
    ("json without body", "POST", GOOD, b'{"headline": "H"}', "application/json", AUTH, 422),
    ("json body not a string", "POST", GOOD, b'{"body": 5}', "application/json", AUTH, 422),
    ("json empty body", "POST", GOOD, b'{"body": "  "}', "application/json", AUTH, 422),
    ("empty body", "POST", GOOD, b"", TEXT, AUTH, 422),
    ("white space body", "POST", GOOD, b" \n\t\r\n  \n", TEXT, AUTH, 422),
    ("too many paragraphs", "POST", GOOD, b"\n\n".join(b"p%d" % i for i in range(21)), TEXT, AUTH,
     422),
    ("unknown content type", "POST", GOOD, b"x", "application/pdf", AUTH, 415),
    ("no content type", "POST", GOOD, b"x", None, AUTH, 415),
    ("gzip content encoding", "POST", GOOD, gzip.compress(b"Text."), TEXT,
     {**AUTH, "Content-Encoding": "gzip"}, 415),
    ("body over limit", "POST", GOOD, b"word " * 300, TEXT, AUTH, 413),
    ("missing token", "POST", GOOD, b"x", TEXT, {}, 401),
    ("wrong token", "POST", GOOD, b"x", TEXT, {"Authorization": "Bearer nope"}, 401),
    ("wrong scheme", "POST", GOOD, b"x", TEXT, {"Authorization": f"Basic {TOKEN}"}, 401),
    ("ninjs failing schema", "POST", GOOD,
     json.dumps({"uri": "urn:x", "headlines": "not a list",
                 "bodies": [{"role": "main", "contentType": "text/plain", "value": "Text."}]}).encode(),
     "application/json", AUTH, 422),
    ("unknown article", "GET", "/api/articles/nope", None, None, {}, 404),
    ("unknown version", "GET", "/api/articles/ap-troops-eastern-europe/versions/9", None, None, {}, 404),
    ("version zero", "GET", "/api/articles/ap-troops-eastern-europe/versions/0", None, None, {}, 400),
    ("version not a number", "GET", "/api/articles/ap-troops-eastern-europe/versions/two", None, None,
     {}, 400),
    ("bad limit", "GET", "/api/articles?limit=0", None, None, {}, 400),
    ("forged cursor", "GET", "/api/articles?cursor=bm9wZQ", None, None, {}, 400),
    ("unknown endpoint", "GET", "/api/nothing-here", None, None, {}, 404),
    ("wrong method", "DELETE", "/api/articles/ap-troops-eastern-europe", None, None, {}, 405),
]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    store = tmp_path_factory.mktemp("bad") / "store.git"
    app = create_app({"TESTING": True, "STORE_PATH": store, "TOKEN": TOKEN, "MAX_BODY": 1024,
                      "MAX_PARAGRAPHS": 20, "DURABLE": False})
    client = app.test_client()
    for body in seed_texts()[:1]:
        # The seed's first version is over this app's 1 KiB limit, so post a short article.
        assert len(body) > 1024
    resp = client.post(GOOD, data=b"A short first version.\n\nWith two paragraphs.", headers=AUTH,
                       content_type=TEXT)
    assert resp.status_code == 201
    return client, store


@pytest.mark.parametrize("name,method,url,body,ctype,headers,status", CASES,
                         ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_changes_nothing(guarded, name, method, url, body, ctype,
                                                  headers, status):
    client, store = guarded
    before = snapshot(store)
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["data"] = body
    if ctype is not None:
        kwargs["content_type"] = ctype
    resp = client.open(url, method=method, **kwargs)
    assert resp.status_code == status, resp.data[:300]
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["status"] == status
    assert problem["type"] and problem["title"] and problem["detail"]
    assert "Traceback" not in resp.get_data(as_text=True)
    assert snapshot(store) == before, f"{name} changed the store"
    if status == 401:
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    if status == 405:
        assert "GET" in resp.headers["Allow"]
    if name == "gzip content encoding":
        assert resp.headers["Accept-Encoding"] == "identity"


def test_schema_failure_names_the_field(guarded):
    client, _ = guarded
    doc = {"uri": "urn:x", "headlines": "not a list",
           "bodies": [{"role": "main", "contentType": "text/plain", "value": "Text."}]}
    resp = client.post(GOOD, json=doc, headers=AUTH)
    assert resp.status_code == 422
    assert "headlines" in resp.get_json()["detail"]
