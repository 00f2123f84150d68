"""CORS: pages on other origins read the API, feeds and /healthz; they write only when listed."""

import subprocess

import pytest

from service import create_app
from service.config import ConfigError

DASHBOARD = "https://dashboard.example"
STRANGER = "https://elsewhere.example"
TEXT = {"Content-Type": "text/plain"}


def make(store_path, **settings):
    """Return a test client of the app with these settings over the defaults."""
    return create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False,
                       **settings}).test_client()


def refs(store_path) -> str:
    if not store_path.exists():
        return ""
    return subprocess.run(["git", "--git-dir", str(store_path), "for-each-ref"],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def saved(client):
    resp = client.post("/api/articles/a1/versions", data="One.\n\nTwo.", headers=TEXT)
    assert resp.status_code == 201
    return resp


def test_a_preflight_for_a_read_allows_the_revalidation_headers(client, saved):
    resp = client.options("/api/articles/a1", headers={
        "Origin": STRANGER, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in resp.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in resp.headers["Access-Control-Allow-Headers"]
    assert int(resp.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in resp.headers


@pytest.mark.parametrize("path", ["/api/articles/a1", "/api/articles", "/feed.atom",
                                  "/articles/a1/feed.atom", "/healthz",
                                  "/api/articles/a1/versions/1", "/api/articles/nope"])
def test_a_read_from_another_origin_may_be_read_and_its_headers_seen(client, saved, path):
    resp = client.get(path, headers={"Origin": STRANGER})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    exposed = resp.headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Link" in exposed and "Location" in exposed


def test_a_304_carries_the_cors_headers_too(client, saved):
    etag = client.get("/api/articles/a1").headers["ETag"]
    resp = client.get("/api/articles/a1", headers={"Origin": STRANGER, "If-None-Match": etag})
    assert resp.status_code == 304
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in resp.headers["Access-Control-Expose-Headers"]


def test_pages_are_not_shared_with_other_origins(client, saved):
    resp = client.get("/articles/a1", headers={"Origin": STRANGER})
    assert resp.status_code == 200
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_listed_read_origins_are_echoed_and_others_get_nothing(store_path):
    client = make(store_path, CORS_ORIGINS=f"{DASHBOARD} https://other.example")
    ok = client.get("/healthz", headers={"Origin": DASHBOARD})
    assert ok.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Origin" in ok.headers["Vary"]
    no = client.get("/healthz", headers={"Origin": STRANGER})
    assert "Access-Control-Allow-Origin" not in no.headers and "Origin" in no.headers["Vary"]
    pre = client.options("/healthz", headers={"Origin": STRANGER,
                                              "Access-Control-Request-Method": "GET"})
    assert not [h for h in pre.headers.keys() if h.startswith("Access-Control-Allow")]


def test_a_post_from_another_origin_is_refused_without_configuration(client, store_path):
    pre = client.options("/api/articles/a1/versions", headers={
        "Origin": STRANGER, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert not [h for h in pre.headers.keys() if h.startswith("Access-Control-Allow")]
    # A text/plain POST needs no preflight: the server itself must refuse it.
    resp = client.post("/api/articles/a1/versions", data="Planted.", headers={
        **TEXT, "Origin": STRANGER})
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert "WRITETHRU_CORS_WRITE_ORIGINS" in resp.get_json()["detail"]
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert refs(store_path) == ""  # nothing saved


def test_a_post_from_the_servers_own_origin_or_no_browser_is_taken(client):
    own = client.post("/api/articles/a1/versions", data="One.", headers={
        **TEXT, "Origin": "http://localhost"})
    assert own.status_code == 201
    assert client.post("/api/articles/a1/versions", data="Two.", headers=TEXT).status_code == 201


def test_a_listed_write_origin_may_post_with_a_token(store_path):
    client = make(store_path, CORS_WRITE_ORIGINS=DASHBOARD, TOKEN="s3cret")
    pre = client.options("/api/articles/a1/versions", headers={
        "Origin": DASHBOARD, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == DASHBOARD  # never * for writes
    assert pre.headers["Access-Control-Allow-Methods"] == "POST"
    allowed = pre.headers["Access-Control-Allow-Headers"]
    assert "Authorization" in allowed and "Content-Type" in allowed
    assert "Origin" in pre.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in pre.headers
    resp = client.post("/api/articles/a1/versions", data="One.", headers={
        **TEXT, "Origin": DASHBOARD, "Authorization": "Bearer s3cret"})
    assert resp.status_code == 201
    assert resp.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Location" in resp.headers["Access-Control-Expose-Headers"]
    other = client.post("/api/articles/a1/versions", data="Two.", headers={
        **TEXT, "Origin": STRANGER, "Authorization": "Bearer s3cret"})
    assert other.status_code == 403


@pytest.mark.parametrize("setting,value", [
    ("CORS_WRITE_ORIGINS", "*"), ("CORS_ORIGINS", "dashboard.example"),
    ("CORS_ORIGINS", "https://dashboard.example/app"), ("CORS_ORIGINS", "* https://a.example"),
    ("CORS_WRITE_ORIGINS", "ftp://files.example")])
def test_unusable_origin_settings_are_refused_at_start(store_path, setting, value):
    with pytest.raises(ConfigError):
        make(store_path, **{setting: value})
    assert not store_path.exists()
