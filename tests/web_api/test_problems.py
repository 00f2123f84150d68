"""Every problem document the app can produce has one shape: the OpenAPI `Problem` schema.

Each problem type of web/problems.py is provoked by a real request (a route that raises is
added only for the failures no request can cause: an unexpected exception and stray werkzeug
errors), and every answer is checked against the schema the OpenAPI document publishes.
"""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from werkzeug.exceptions import BadRequest, ImATeapot

from service import create_app
from service.store.errors import StoreFull
from service.web.openapi import document
from service.web.problems import PROBLEM_JSON, PROBLEM_TYPES

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = "text/plain; charset=utf-8"
POST = "/api/articles/story/versions"

# slug -> (method, url, request keyword arguments); 'boom' and 'teapot' are test-only routes.
REQUESTS = {
    "invalid-article-id": ("GET", "/api/articles/..bad", {}),
    "invalid-cursor": ("GET", "/api/articles?cursor=forged", {}),
    "invalid-parameter": ("GET", "/api/articles/story/diff?ignore=case", {}),
    "malformed-payload": ("POST", POST, {"data": b"\xff\xfe", "content_type": TEXT, "headers": AUTH}),
    "bad-request": ("GET", "/api/test/bad-request", {}),
    "unauthorized": ("POST", POST, {"data": b"Text.", "content_type": TEXT}),
    "article-not-found": ("GET", "/api/articles/nothing-here", {}),
    "version-not-found": ("GET", "/api/articles/story/versions/9", {}),
    "not-found": ("GET", "/api/no-such-route", {}),
    "method-not-allowed": ("DELETE", "/api/articles/story", {}),
    "request-entity-too-large": ("POST", POST, {"data": b"a " * 600, "content_type": TEXT,
                                                "headers": AUTH}),
    "unsupported-content-type": ("POST", POST, {"data": b"x", "content_type": "image/png",
                                                "headers": AUTH}),
    "unsupported-content-encoding": ("POST", POST, {
        "data": b"x", "content_type": TEXT, "headers": {**AUTH, "Content-Encoding": "gzip"}}),
    "unprocessable-payload": ("POST", POST, {"data": b"   \n", "content_type": TEXT,
                                             "headers": AUTH}),
    "internal-error": ("GET", "/api/test/boom", {}),
    "store-unavailable": ("GET", "/healthz", {}),
    "store-damaged": ("GET", "/healthz", {}),
    "store-full": ("POST", "/api/test/full", {}),
    "read-only": ("POST", POST, {"data": b"Text.", "content_type": TEXT, "headers": AUTH}),
    "forbidden": ("GET", "/api/hooks", {}),  # on a server without a token
    "http-error": ("GET", "/api/test/teapot", {}),
}


def _boom():
    raise RuntimeError("a bug")


def _bad_request():
    raise BadRequest()


def _teapot():
    raise ImATeapot()


def _full():
    # A real full disk is tests/test_store_disk_full.py's (a tmpfs); here only the answer's shape.
    raise StoreFull("cannot write object 00ab in /srv/s.git/objects/00: [Errno 28] No space left")


def make_client(store_path, **config):
    """Return a client of an app with a token, a small body limit and the test-only routes."""
    app = create_app({"TESTING": True, "STORE_PATH": store_path, "TOKEN": TOKEN,
                      "MAX_BODY": 1024, "DURABLE": False, **config})
    app.add_url_rule("/api/test/boom", view_func=_boom)
    app.add_url_rule("/api/test/bad-request", view_func=_bad_request)
    app.add_url_rule("/api/test/teapot", view_func=_teapot)
    app.add_url_rule("/api/test/full", view_func=_full, methods=["POST"])
    return app.test_client()


@pytest.fixture(scope="module")
def schema():
    """Return a validator of the Problem schema as the OpenAPI document publishes it."""
    return Draft202012Validator(document()["components"]["schemas"]["Problem"])


def test_every_problem_type_is_provoked_here():
    assert set(REQUESTS) == set(PROBLEM_TYPES)


@pytest.mark.parametrize("slug", sorted(REQUESTS))
def test_each_problem_has_the_published_shape(slug, schema, tmp_path):
    store_path = tmp_path / "store.git"
    if slug == "store-unavailable":
        store_path.write_text("a file where the store should be")
    client = make_client(store_path, READ_ONLY=slug == "read-only",
                         **({"TOKEN": ""} if slug == "forbidden" else {}))
    if slug == "store-damaged":
        # What a save leaves when it finds an article's head commit missing.
        assert client.post(POST, data=b"One.", content_type=TEXT, headers=AUTH).status_code == 201
        (store_path / "writethru" / "broken.json").write_text('{"article": "story", "detail": "x"}')
    if slug in ("version-not-found", "invalid-parameter"):
        resp = client.post(POST, data=b"One version.", content_type=TEXT, headers=AUTH)
        assert resp.status_code == 201
    method, url, kwargs = REQUESTS[slug]
    resp = client.open(url, method=method, **kwargs)
    body = resp.get_json(force=True)
    assert resp.mimetype == PROBLEM_JSON
    assert list(schema.iter_errors(body)) == []
    assert body["type"] == PROBLEM_TYPES[slug].uri
    assert body["status"] == resp.status_code
    if slug != "http-error":
        assert resp.status_code == PROBLEM_TYPES[slug].status
    assert body["title"] and body["detail"]
    assert "Traceback" not in body["detail"] and str(tmp_path) not in body["detail"]
    assert "/srv/" not in body["detail"]  # paths are for the log
    if resp.status_code in (503, 507) and slug != "store-damaged":
        assert int(resp.headers["Retry-After"]) > 0


def test_pages_answer_the_same_errors_in_html(tmp_path):
    client = make_client(tmp_path / "store.git")
    resp = client.get("/articles/nothing-here", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    resp = client.get("/articles/nothing-here", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and resp.mimetype == PROBLEM_JSON
    assert resp.get_json()["type"] == PROBLEM_TYPES["article-not-found"].uri
