"""Read-only replicas: WRITETHRU_READ_ONLY refuses POST with a `read-only` problem and serves
every read; a mirror kept current by `git push --mirror` or `git fetch` lists what its refs say
on the next request, with no index to delete by hand.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
import requests

from service import config, create_app
from service.ingest import parse_payload
from service.store import GitStore
from service.web.problems import PROBLEM_JSON

from .conftest import seed_texts, snapshot

ARTICLE = "ap-troops-eastern-europe"


def git(repo: Path, *args: str) -> str:
    """Run plain git on a repository and return its output."""
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout


def refs_of(repo: Path) -> dict[str, str]:
    """Return {article id: commit} as git lists the article refs."""
    out = git(repo, "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/articles")
    return dict(line.split() for line in out.splitlines())


def listing(get) -> dict[str, str]:
    """Page through /api/articles with get(url) -> (status, json); return {id: commit}."""
    url, seen = "/api/articles?limit=4", {}
    while url:
        status, body = get(url)
        assert status == 200, body
        seen.update((a["id"], a["commit"]) for a in body["articles"])
        url = body["next"]
    return seen


def text(body: str):
    return parse_payload(body.encode(), "text/plain")


def test_the_setting_comes_from_the_environment():
    assert config.defaults()["READ_ONLY"] is False
    assert config.from_env({"WRITETHRU_READ_ONLY": "1"}) == {"READ_ONLY": True}
    assert config.from_env({"WRITETHRU_READ_ONLY": "off"}) == {"READ_ONLY": False}
    assert "READ_ONLY" in {key for key, *_ in config.SETTINGS}


def test_a_replica_refuses_posts_and_serves_every_read(tmp_path):
    store_path = tmp_path / "store.git"
    primary = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False})
    for body in seed_texts():
        assert primary.test_client().post(f"/api/articles/{ARTICLE}/versions", data=body,
                                          content_type="text/plain").status_code == 201
    replica = create_app({"TESTING": True, "STORE_PATH": store_path, "READ_ONLY": True,
                          "TOKEN": "s3cret"}).test_client()
    before = snapshot(store_path)
    refused = replica.post(f"/api/articles/{ARTICLE}/versions", data=b"A new version.",
                           content_type="text/plain", headers={"Authorization": "Bearer s3cret"})
    assert refused.status_code == 403 and refused.mimetype == PROBLEM_JSON
    problem = refused.get_json()
    assert problem["type"] == "urn:writethru:problem:read-only" and problem["status"] == 403
    assert "read-only replica" in problem["detail"] and "primary" in problem["detail"]
    # Refused before anything else: no token, a bad id, a bad body are all the same 403.
    assert replica.post("/api/articles/..bad/versions", data=b"").status_code == 403
    assert snapshot(store_path) == before
    for url in ("/api/articles", f"/api/articles/{ARTICLE}", f"/api/articles/{ARTICLE}/versions/1",
                f"/api/articles/{ARTICLE}/diff", f"/api/articles/{ARTICLE}/annotate", "/feed.atom",
                f"/articles/{ARTICLE}/feed.atom", "/", f"/articles/{ARTICLE}",
                f"/articles/{ARTICLE}/compare/1...2", f"/articles/{ARTICLE}/versions/2"):
        assert replica.get(url).status_code == 200, url
    health = replica.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok", "read_only": True}
    assert primary.test_client().get("/healthz").get_json() == {"status": "ok"}


def test_a_mirror_push_shows_up_on_the_replica_at_the_next_request(tmp_path):
    primary = GitStore(tmp_path / "primary.git", durable=False)
    for i in range(12):
        primary.save(f"story-{i:02d}", text(f"Story {i}.\n\nSecond paragraph."))
    replica_path = tmp_path / "replica.git"
    subprocess.run(["git", "clone", "--quiet", "--mirror", str(primary.path), str(replica_path)],
                   check=True)
    client = create_app({"TESTING": True, "STORE_PATH": replica_path, "READ_ONLY": True}
                        ).test_client()
    statuses: Counter = Counter()

    def get(url: str):
        resp = client.get(url)
        statuses[resp.status_code // 100] += 1
        return resp.status_code, resp.get_json()

    assert listing(get) == refs_of(replica_path)  # the replica's index is built now
    for i in range(12, 20):
        primary.save(f"story-{i:02d}", text(f"Story {i}."))
    primary.save("story-03", text("Story 3, updated."))
    git(primary.path, "update-ref", "-d", "refs/articles/story-04")
    git(primary.path, "push", "--quiet", "--mirror", str(replica_path))
    assert refs_of(replica_path) == refs_of(primary.path)
    listed = listing(get)
    assert listed == refs_of(replica_path) and "story-04" not in listed
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert all(f"/articles/story-{i:02d}" in feed for i in range(12, 20))
    assert client.get("/api/articles/story-03").get_json()["versions"][-1]["version"] == 2
    # A restarted replica agrees, and POST stays refused: the next push would overwrite it.
    restarted = create_app({"TESTING": True, "STORE_PATH": replica_path, "READ_ONLY": True}
                           ).test_client()
    assert {a["id"] for a in restarted.get("/api/articles?limit=200").get_json()["articles"]} == set(
        refs_of(replica_path))
    assert restarted.post("/api/articles/story-00/versions", data=b"Text.",
                          content_type="text/plain").status_code == 403
    assert statuses[5] == 0


@pytest.mark.slow
def test_a_served_replica_follows_git_fetch(server_factory, tmp_path):
    # The README's recipe: a mirror clone, a server with WRITETHRU_READ_ONLY=1, `git fetch`.
    primary = server_factory(tmp_path / "primary.git")
    replica_path = tmp_path / "replica.git"
    for i in range(5):
        resp = requests.post(f"{primary.url}/api/articles/story-{i}/versions",
                             data=f"Story {i}.".encode(), headers={"Content-Type": "text/plain"},
                             timeout=10)
        assert resp.status_code == 201
    subprocess.run(["git", "clone", "--quiet", "--mirror", str(primary.store), str(replica_path)],
                   check=True)
    replica = server_factory(replica_path, env={"WRITETHRU_READ_ONLY": "1"})

    def get(url: str):
        resp = requests.get(replica.url + url, timeout=10)
        assert resp.status_code < 500
        return resp.status_code, resp.json()

    assert listing(get) == refs_of(replica_path)
    health = requests.get(f"{replica.url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok", "read_only": True}
    refused = requests.post(f"{replica.url}/api/articles/story-0/versions", data=b"Text.",
                            headers={"Content-Type": "text/plain"}, timeout=10)
    assert refused.status_code == 403 and refused.json()["type"].endswith(":read-only")
    for i in range(3, 8):
        requests.post(f"{primary.url}/api/articles/story-{i}/versions",
                      data=f"Story {i}, again.".encode(), headers={"Content-Type": "text/plain"},
                      timeout=10).raise_for_status()
    git(replica_path, "fetch", "--prune", "--quiet")
    for _ in range(3):  # every worker process answers from the new refs at once
        assert listing(get) == refs_of(replica_path) == refs_of(primary.store)
    feed = requests.get(f"{replica.url}/feed.atom", timeout=10).text
    assert all(f"/articles/story-{i}" in feed for i in range(3, 8))
