"""The diff and annotate endpoints over the demo article and a history built in the test."""

from __future__ import annotations

import pytest

ARTICLE = "/api/articles/ap-troops-eastern-europe"


def test_default_diff_is_previous_to_latest_and_matches_the_seed_truth(seeded):
    resp = seeded.get(f"{ARTICLE}/diff")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["article"], body["from"], body["to"]) == ("ap-troops-eastern-europe", 1, 2)
    stats = body["stats"]
    assert (stats["added"], stats["removed"], stats["changed"], stats["moved"], stats["unchanged"]) == (
        25, 0, 1, 0, 7)
    changed = [r for r in body["rows"] if r["kind"] == "changed"]
    assert [(r["left"], r["right"]) for r in changed] == [(0, 2)]
    edits = [s for s in changed[0]["segments"] if s["op"] != "equal"]
    assert edits == [{"op": "delete", "text": "'"}, {"op": "insert", "text": "\u2019"}]
    promos = [r["right"] for r in body["rows"] if r.get("promo")]
    assert promos == [6, 25]
    assert resp.headers["Cache-Control"] == "no-cache"


def test_the_diff_document_with_its_digest_follows_the_openapi_schema(seeded):
    # json_shapes (shared) may not import the diff wing: the caller hands it the digest.
    from jsonschema import Draft202012Validator

    from service import json_shapes
    from service.diff import Differ, digest_of
    from service.store import GitStore
    from service.web.openapi import document

    store = GitStore(seeded.application.config["STORE_PATH"])
    for a, b in ((1, 2), (0, 2), (2, 2)):
        result, old, new = Differ(store).compare("ap-troops-eastern-europe", a, b)
        doc = json_shapes.diff("ap-troops-eastern-europe", old, new, result, frozenset(),
                               digest=digest_of(result, old, new))
        Draft202012Validator({"$ref": "#/components/schemas/Diff",
                              "components": document()["components"]}).validate(doc)
        assert list(doc)[-2:] == ["digest", "rows"]
        if (a, b) == (2, 2):
            assert doc["digest"] == []
        else:
            assert doc["digest"][0]["kind"] == "lede"
            assert doc["rows"][doc["digest"][0]["row"]]["right"] == 0


def test_the_api_diff_carries_the_digest(seeded):
    body = seeded.get(f"{ARTICLE}/diff").get_json()
    digest = body["digest"]
    assert digest[0]["kind"] == "lede" and body["rows"][digest[0]["row"]]["right"] == 0
    counts = {i["change"]: i["count"] for i in digest if i["kind"] == "count"}
    assert counts == {"added": 25, "typography": 1}
    assert seeded.get(f"{ARTICLE}/diff?from=2&to=2").get_json()["digest"] == []
    ignoring = seeded.get(f"{ARTICLE}/diff?ignore=typography").get_json()["digest"]
    assert "typography" not in [i.get("change") for i in ignoring]


def test_ignore_typography(seeded):
    body = seeded.get(f"{ARTICLE}/diff?from=1&to=2&ignore=typography").get_json()
    assert (body["stats"]["changed"], body["stats"]["unchanged"], body["stats"]["added"]) == (0, 8, 25)
    assert body["ignore"] == "typography"


def test_fixed_versions_are_immutable_and_conditional(seeded):
    resp = seeded.get(f"{ARTICLE}/diff?from=1&to=2")
    assert "immutable" in resp.headers["Cache-Control"]
    again = seeded.get(f"{ARTICLE}/diff?from=1&to=2", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    other = seeded.get(f"{ARTICLE}/diff?from=1&to=2&ignore=typography")
    assert other.headers["ETag"] != resp.headers["ETag"]


def test_a_moving_end_is_never_immutable(seeded):
    for query in ("from=latest&to=2", "from=1", "", "to=latest"):
        resp = seeded.get(f"{ARTICLE}/diff?{query}")
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-cache", query
    assert "immutable" in seeded.get(f"{ARTICLE}/diff?to=2").headers["Cache-Control"]


def test_reverse_and_empty_diffs(seeded):
    back = seeded.get(f"{ARTICLE}/diff?from=2&to=1").get_json()
    assert (back["stats"]["removed"], back["stats"]["added"]) == (25, 0)
    first = seeded.get(f"{ARTICLE}/diff?from=0&to=1").get_json()
    assert first["from"] == 0 and first["stats"]["added"] == 8
    same = seeded.get(f"{ARTICLE}/diff?from=2&to=2").get_json()
    assert {r["kind"] for r in same["rows"]} == {"unchanged"}


def test_one_version_article_diffs_against_the_empty_story(client):
    client.post("/api/articles/solo/versions", data=b"One.\n\nTwo.", content_type="text/plain")
    body = client.get("/api/articles/solo/diff").get_json()
    assert (body["from"], body["to"], body["stats"]["added"]) == (0, 1, 2)


def test_annotate_three_versions(client):
    versions = [
        "Lede one.\n\nBackground paragraph about the troops.",
        "New lede.\n\nLede one.\n\nBackground paragraph about the troops.",
        "New lede.\n\nLede one.\n\nBackground paragraph about the many troops.\n\nA quote.",
    ]
    for text in versions:
        assert client.post("/api/articles/built/versions", data=text.encode(),
                           content_type="text/plain").status_code == 201
    body = client.get("/api/articles/built/annotate?version=3").get_json()
    assert body["version"] == 3
    got = [(p["text"], p["first_version"], p["last_changed_version"]) for p in body["paragraphs"]]
    assert got == [
        ("New lede.", 2, 2),
        ("Lede one.", 1, 1),
        ("Background paragraph about the many troops.", 1, 3),
        ("A quote.", 3, 3),
    ]
    latest = client.get("/api/articles/built/annotate").get_json()
    assert latest["paragraphs"] == body["paragraphs"]


@pytest.mark.parametrize("query,status,parameter", [
    ("from=x", 400, "from"),
    ("to=-1", 400, "to"),
    ("to=0", 400, "to"),
    ("from=1&to=9", 404, None),
    ("from=9&to=1", 404, None),
    ("ignore=case", 400, "ignore"),
    ("to=1.5", 400, "to"),
])
def test_bad_diff_parameters(seeded, query, status, parameter):
    resp = seeded.get(f"{ARTICLE}/diff?{query}")
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["status"] == status
    if parameter:
        assert resp.get_json()["parameter"] == parameter


@pytest.mark.parametrize("url,status", [
    ("/api/articles/nope/annotate", 404),
    (f"{ARTICLE}/annotate?version=9", 404),
    (f"{ARTICLE}/annotate?version=zero", 400),
    (f"{ARTICLE}/annotate?version=1&ignore=x", 400),
    ("/api/articles/bad..id/diff", 400),
])
def test_bad_annotate_parameters(seeded, url, status):
    resp = seeded.get(url)
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"


def test_diff_etag_follows_the_promo_pattern(tmp_path):
    from service import create_app

    from .conftest import seed_texts

    tags = []
    for pattern in (r"^(WATCH|READ MORE)\s*:", r"^WATCH\s*:"):
        app = create_app({"TESTING": True, "STORE_PATH": tmp_path / "s.git", "DURABLE": False,
                          "PROMO_PATTERN": pattern})
        client = app.test_client()
        for body in seed_texts():
            client.post(f"{ARTICLE}/versions", data=body, content_type="text/plain")
        resp = client.get(f"{ARTICLE}/diff?from=1&to=2")
        tags.append(resp.headers["ETag"])
        promos = [r["right"] for r in resp.get_json()["rows"] if r.get("promo")]
        assert promos == ([6, 25] if "READ" in pattern else [6])
    assert tags[0] != tags[1]
