"""Webhook subscriptions over HTTP: authenticated, checked as the hooks file is, delivered."""

from __future__ import annotations

import json
import stat

import pytest

from service.hooks import Hooks
from service.web.app import create_app

TOKEN = "a-token-for-the-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SUB = {"url": "https://research.example/hook", "secret": "s" * 20, "articles": ["ap-*"],
       "description": "research desk"}


@pytest.fixture
def client(store_path):
    app = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False,
                      "TOKEN": TOKEN, "HOOKS_FILE": str(store_path.parent / "hooks.toml")})
    return app.test_client()


def test_a_subscription_made_over_http_receives_new_versions(client, store_path):
    made = client.post("/api/hooks", json=SUB, headers=AUTH)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert "secret" not in body and body["url"] == SUB["url"] and body["articles"] == ["ap-*"]
    assert made.headers["Location"] == f"/api/hooks/{body['id']}"
    listed = client.get("/api/hooks", headers=AUTH).get_json()
    assert [s["id"] for s in listed["subscriptions"]] == [body["id"]]
    assert "secret" not in json.dumps(listed)
    # The secret is kept for signing only, in a file only its owner reads.
    kept = store_path / "writethru" / "hooks-api.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and SUB["secret"] in kept.read_text()
    for article in ("ap-1", "reuters-1"):
        assert client.post(f"/api/articles/{article}/versions", data=b"Text.",
                           content_type="text/plain", headers=AUTH).status_code == 201
    queued = Hooks(store_path).queue.pending()
    assert [(d[1], d[2]) for d in queued] == [("research desk", "ap-1")]
    # Another process (a fresh Hooks) sees it too, and finds its secret by URL.
    assert Hooks(store_path).find(SUB["url"]).secret == SUB["secret"]
    assert client.delete(f"/api/hooks/{body['id']}", headers=AUTH).status_code == 204
    assert client.get("/api/hooks", headers=AUTH).get_json()["subscriptions"] == []
    assert client.delete(f"/api/hooks/{body['id']}", headers=AUTH).status_code == 404


def test_the_hooks_file_subscriptions_are_listed_and_their_urls_taken(store_path):
    (store_path.parent / "hooks.toml").write_text(
        f'[[subscription]]\nurl = "{SUB["url"]}"\nsecret = "{"f" * 16}"\n')
    client = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False,
                         "TOKEN": TOKEN, "HOOKS_FILE": str(store_path.parent / "hooks.toml")}
                        ).test_client()
    listed = client.get("/api/hooks", headers=AUTH).get_json()
    assert listed["from_file"] == [{"url": SUB["url"], "articles": ["*"], "description": ""}]
    again = client.post("/api/hooks", json=SUB, headers=AUTH)
    assert again.status_code == 422 and "already subscribed" in again.get_json()["detail"]


@pytest.mark.parametrize("doc, field", [
    ({**SUB, "url": "ftp://x.example/"}, "$.url"),
    ({**SUB, "secret": "short"}, "$.secret"),
    ({**SUB, "articles": ["ap/1"]}, "$.articles"),
    ({**SUB, "articles": []}, "$.articles"),
    ({**SUB, "colour": "blue"}, "$.colour"),
    ({k: v for k, v in SUB.items() if k != "url"}, "$.url"),
    (["not", "an", "object"], "$"),
])
def test_bad_subscriptions_are_refused_naming_the_field_and_keep_nothing(client, store_path,
                                                                        doc, field):
    resp = client.post("/api/hooks", json=doc, headers=AUTH)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["field"] == field
    assert not (store_path / "writethru" / "hooks-api.json").exists()


def test_every_route_needs_the_token(client):
    for method, url in (("GET", "/api/hooks"), ("POST", "/api/hooks"),
                        ("DELETE", "/api/hooks/abc")):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            resp = client.open(url, method=method, json=SUB, headers=headers)
            assert resp.status_code == 401, (method, url, headers)
    assert client.post("/api/hooks", data="x", content_type="text/plain",
                       headers=AUTH).status_code == 415


def test_a_server_without_a_token_refuses_to_manage_hooks(store_path):
    open_server = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False})
    resp = open_server.test_client().post("/api/hooks", json=SUB)
    assert resp.status_code == 403 and "WRITETHRU_TOKEN" in resp.get_json()["detail"]


@pytest.mark.parametrize("damage", [
    '{"subscriptions": [{"id": "a"}]}',   # another shape
    '["a", "list"]',                       # not the document
    "not json at all",
])
def test_a_damaged_registry_is_the_servers_500_and_never_stops_the_files_hooks(
        store_path, damage, caplog):
    (store_path.parent / "hooks.toml").write_text(
        f'[[subscription]]\nurl = "https://file.example/hook"\nsecret = "{"f" * 16}"\n')
    client = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False,
                         "TOKEN": TOKEN, "HOOKS_FILE": str(store_path.parent / "hooks.toml")}
                        ).test_client()
    assert client.post("/api/articles/ap-1/versions", data=b"One.", content_type="text/plain",
                       headers=AUTH).status_code == 201
    (store_path / "writethru" / "hooks-api.json").write_text(damage)
    for resp in (client.get("/api/hooks", headers=AUTH),
                 client.post("/api/hooks", json=SUB, headers=AUTH)):
        assert resp.status_code == 500
        assert str(store_path) not in resp.get_json()["detail"]  # the path is for the log
    assert client.post("/api/articles/ap-1/versions", data=b"Two.", content_type="text/plain",
                       headers=AUTH).status_code == 201
    assert [(d[1], d[3]) for d in Hooks(store_path).queue.pending()] == \
        [("https://file.example/hook", 1), ("https://file.example/hook", 2)]


def test_a_password_in_a_receivers_url_is_never_shown(client):
    made = client.post("/api/hooks", json={**SUB, "url": "https://u:pw@research.example/h"},
                       headers=AUTH)
    assert made.status_code == 201
    assert made.get_json()["url"] == "https://u:***@research.example/h"
    assert "pw@" not in json.dumps(client.get("/api/hooks", headers=AUTH).get_json())
