"""Search across every version: words edited away, change filters, pages, bad queries, the CLI."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from service.cli import cli

BASE = ["The storm reached the coast on Monday.", "Power was cut to 40,000 homes.",
        "Schools will stay closed, the mayor said."]


def post(client, article: str, paragraphs: list[str], **fields) -> None:
    resp = client.post(f"/api/articles/{article}/versions",
                       json={"body": "\n\n".join(paragraphs), **fields})
    assert resp.status_code == 201, resp.get_json()


@pytest.fixture
def stories(client):
    """Stories whose updates each make one kind of change (and a word edited away in v3)."""
    post(client, "gone", ["The evacuation order covers Smithfield.", *BASE])
    post(client, "gone", ["The evacuation order covers Smithfield.", *BASE, "More rain is due."])
    post(client, "gone", ["The evacuation order covers the valley.", *BASE, "More rain is due."])
    post(client, "head", BASE, headline="Storm hits coast")
    post(client, "head", BASE, headline="Storm batters coast, cuts power")
    post(client, "numbers", BASE)
    post(client, "numbers", [BASE[0], "Power was cut to 65,000 homes.", BASE[2]])
    post(client, "quotes", BASE)
    post(client, "quotes", [*BASE, "“We are ready,” said Chief Ada Obi."])
    post(client, "removed", BASE)
    post(client, "removed", BASE[:2])
    post(client, "fixed", BASE)
    post(client, "fixed", BASE, editor_note="Corrects an earlier version of this story that "
                                             "misspelled the mayor's name.")
    post(client, "killed", BASE, label="1st Ld-Writethru")
    post(client, "killed", BASE, label="KILL: withdrawn")
    return client


def search(client, **args) -> dict:
    resp = client.get("/api/search", query_string=args)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_word_edited_away_is_found_in_the_versions_it_stood_in(stories):
    body = search(stories, q="Smithfield")
    assert [(h["article"], h["from_version"], h["to_version"]) for h in body["hits"]] == \
        [("gone", 1, 2)]
    hit = body["hits"][0]
    assert hit["paragraph"] == 1 and hit["versions"] == 3
    assert hit["text"][slice(*hit["highlights"][0])] == "Smithfield"
    assert hit["links"]["gone"] == "/articles/gone/compare/2...3"
    assert hit["links"]["appeared"] == "/articles/gone/versions/1"
    # Its replacement came in v3 and is still there.
    valley = search(stories, q="valley")["hits"]
    assert [(h["from_version"], h["to_version"], h["links"]["gone"]) for h in valley] == \
        [(3, 3, None)]
    assert valley[0]["links"]["appeared"] == "/articles/gone/compare/2...3"


@pytest.mark.parametrize("changed, articles", [
    ("headline", {"head"}),
    ("numbers", {"numbers"}),
    ("quotes", {"quotes"}),
    ("removed", {"removed"}),
    ("corrections", {"fixed"}),
    ("killed", {"killed"}),
    ("label", {"killed"}),
    ("added", {"gone", "quotes"}),
])
def test_each_change_filter_finds_exactly_the_stories_with_that_change(stories, changed, articles):
    hits = search(stories, changed=changed)["hits"]
    assert {h["article"] for h in hits} == articles
    assert all(h["match"] == "change" and h["changes"] for h in hits)
    assert all(h["links"]["compare"].endswith(f"{h['from_version']}...{h['to_version']}")
               for h in hits)


def test_words_and_a_change_filter_together(stories):
    hits = search(stories, q="homes", changed="number")["hits"]
    assert {h["article"] for h in hits} == {"numbers"}
    assert {(h["from_version"], h["to_version"]) for h in hits} == {(1, 1), (2, 2)}


def test_label_and_dates(stories):
    assert {h["article"] for h in search(stories, label="Ld-Writethru")["hits"]} == {"killed"}
    assert search(stories, q="storm", since="2000-01-01")["hits"]
    assert search(stories, q="storm", until="2000-01-01")["hits"] == []


def test_pages_are_stable_while_new_versions_come_in(stories):
    seen, cursor, pages = [], None, 0
    while True:
        args = {"q": "storm", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = search(stories, **args)
        seen += [(h["article"], h["from_version"], h["field"]) for h in body["hits"]]
        pages += 1
        if pages == 2:  # a new version in a story listed later cannot shift what follows
            post(stories, "zz-late", ["The storm moved inland."])
        if not body["next"]:
            break
        cursor = re.search(r"cursor=([^&]+)", body["next"]).group(1)
    assert len(seen) == len(set(seen))
    everything = search(stories, q="storm", limit=100)["hits"]
    assert seen == [(h["article"], h["from_version"], h["field"]) for h in everything]


def test_words_in_scripts_without_spaces(client):
    post(client, "tokyo", ["東京で大きな地震が発生しました。", "被害の状況は分かっていません。"])
    post(client, "tokyo", ["東京で大きな地震が発生しました。", "けが人が出ています。"])
    hits = search(client, q="被害")["hits"]
    assert [(h["from_version"], h["to_version"]) for h in hits] == [(1, 1)]
    assert hits[0]["text"][slice(*hits[0]["highlights"][0])] == "被害"


@pytest.mark.parametrize("args, parameter", [
    ({"q": '"unbalanced'}, "q"),            # FTS5: unterminated phrase
    ({"q": "AND OR"}, "q"),                 # FTS5: operators without terms
    ({"q": "storm AND"}, "q"),              # FTS5: an operator with nothing after it
    ({"q": "storm " * 100}, "q"),           # 600 characters
    ({"changed": "weather"}, "changed"),
    ({"q": "storm", "since": "last week"}, "since"),
    ({"q": "storm", "limit": "0"}, "limit"),
    ({"q": "storm", "limit": "many"}, "limit"),
    ({"q": "storm", "cursor": "not-ours"}, "cursor"),
    ({}, "q"),
])
def test_bad_searches_get_a_clear_400(stories, args, parameter):
    resp = stories.get("/api/search", query_string=args)
    assert resp.status_code == 400
    problem = resp.get_json()
    assert problem["parameter"] == parameter and problem["detail"]
    page = stories.get("/search", query_string=args or {"q": '"x'})
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_the_search_page_works_without_script(stories):
    html = stories.get("/search?q=Smithfield").get_data(as_text=True)
    assert "<mark>Smithfield</mark>" in html
    assert 'href="/articles/gone/compare/2...3"' in html
    # The form's checkboxes (change=a&change=b) filter as changed=a,b does.
    html = stories.get("/search?change=number&change=quote").get_data(as_text=True)
    for article in ("numbers", "quotes"):
        assert f'href="/articles/{article}"' in html
    assert 'href="/articles/removed"' not in html
    assert re.search(r'value="number" checked', html)


def test_hostile_text_is_escaped_on_the_page(client):
    post(client, "xss", ["<script>alert(1)</script> storm"], headline="<img src=x onerror=alert(1)>")
    html = client.get("/search?q=storm").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_a_damaged_index_is_rebuilt_from_git(stories, store_path):
    search(stories, q="storm")
    index = store_path / "writethru" / "search.sqlite"
    stories.application.extensions.pop("search")  # as a fresh process would find the file
    index.write_bytes(b"not a database at all" * 100)
    assert [h["article"] for h in search(stories, q="Smithfield")["hits"]] == ["gone"]
    assert sqlite3.connect(index).execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_the_cli_searches_and_prints_json(stories, store_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["--store", str(store_path), "search", "Smithfield"])
    assert result.exit_code == 0, result.output
    assert "gone  v1–v2 of 3" in result.output and "writethru diff gone 2 3" in result.output
    result = runner.invoke(cli, ["--store", str(store_path), "search", "--changed", "quotes",
                                 "--json"])
    assert result.exit_code == 0
    assert [h["article"] for h in json.loads(result.output)["hits"]] == ["quotes"]
    result = runner.invoke(cli, ["--store", str(store_path), "search", '"open'])
    assert result.exit_code != 0 and "cannot be read" in result.output


def test_two_processes_catching_up_at_once_index_each_version_once(store_path, tmp_path):
    # Every gunicorn worker may start catching up on the same new versions; each article is
    # indexed under the index's write lock, so the second finds the first one's work done.
    import threading

    from service.diff import Differ
    from service.search import SearchIndex
    from service.store import GitStore
    from service.store.submission import Submission

    store = GitStore(store_path)
    for k in range(30):
        for n in range(3):
            store.save(f"story-{k}", Submission(paragraphs=[f"Story {k} says {n}.", "Same."],
                                                meta={}))
    indexes = [SearchIndex(GitStore(store_path), Differ(GitStore(store_path))) for _ in range(3)]
    threads = [threading.Thread(target=index.sync) for index in indexes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn = sqlite3.connect(indexes[0].path)
    # Per story: "Same." for v1-v3 and one "Story k says n." span a version.
    assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 30 * 4
    assert conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 90
    assert conn.execute("SELECT count(*) FROM fts WHERE fts MATCH 'Same'").fetchone()[0] == 30


def test_figures_and_abbreviations_are_found_as_typed(stories):
    # FTS5 would refuse 40,000 bare (a comma is its syntax); typed alone it is a phrase.
    hits = search(stories, q="40,000")["hits"]
    assert {h["article"] for h in hits} >= {"numbers", "gone"}
    assert all(h["text"][slice(*h["highlights"][0])] == "40,000" for h in hits)
    assert not [h for h in search(stories, q="65,000")["hits"] if h["article"] != "numbers"]
    # An apostrophe or a hyphen is no syntax error either.
    assert {h["article"] for h in search(stories, q="mayor's")["hits"]} == {"fixed"} or \
        search(stories, q="mayor's")["hits"] == []
    assert stories.get("/api/search?q=co-op").status_code == 200


def test_a_label_filter_takes_percent_and_underscore_as_themselves(client):
    post(client, "pct", BASE, label="UPDATE_1")
    post(client, "pct", BASE + ["More."], label="UPDATE_1")
    post(client, "other", BASE, label="UPDATEX1")
    assert {h["article"] for h in search(client, label="UPDATE_1")["hits"]} == {"pct"}
    assert search(client, label="%")["hits"] == []


def _index(store_path):
    from service.diff import Differ
    from service.search import SearchIndex
    from service.store import GitStore

    return SearchIndex(GitStore(store_path), Differ(GitStore(store_path)))


def test_a_worker_that_listed_the_refs_earlier_never_indexes_an_older_head(client, store_path):
    post(client, "race", BASE)
    slow = _index(store_path)
    old_head = slow.pending()["race"]  # this worker lists the refs...
    post(client, "race", [*BASE, "A new paragraph with Kilbeg in it."])
    assert _index(store_path).sync() == 0  # ...another indexes v2 meanwhile...
    slow.pending = lambda: {"race": old_head}  # type: ignore[method-assign]
    slow.sync()  # ...and the slow one catches up with what it listed
    rows = sqlite3.connect(slow.path).execute("SELECT versions FROM heads").fetchall()
    assert rows == [(2,)]
    assert search(client, q="Kilbeg")["hits"]


def test_one_story_that_cannot_be_indexed_does_not_fail_every_search(client, store_path, caplog):
    post(client, "fine", BASE)
    post(client, "fine", [*BASE, "Kilbeg."])
    post(client, "broken", BASE)
    post(client, "broken", [*BASE, "Kilbeg too."])
    differ = client.application.extensions["differ"]
    real = differ.diff_versions

    def failing(old, new, *args, **kwargs):
        if "Kilbeg too." in new.paragraphs:
            raise ValueError("a digest that cannot be read")
        return real(old, new, *args, **kwargs)

    differ.diff_versions = failing
    hits = search(client, q="Kilbeg")["hits"]
    assert [h["article"] for h in hits] == ["fine"]
    assert "search cannot index broken" in caplog.text
    differ.diff_versions = real
    post(client, "broken", [*BASE, "Kilbeg too.", "Fixed."])  # a new head is tried again
    assert {h["article"] for h in search(client, q="Kilbeg")["hits"]} == {"fine", "broken"}


@pytest.mark.parametrize("q", ['disk:"y"', 'locked:"storm"', 'readonly:"a"', 'malformed:"a"',
                               '"x" AND disk:y'])
def test_a_query_naming_words_of_database_faults_is_still_the_readers_400(stories, q):
    resp = stories.get("/api/search", query_string={"q": q})
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "q"


def test_an_index_deleted_under_a_running_server_is_rebuilt_at_the_next_search(stories, store_path):
    import time

    assert search(stories, q="Smithfield")["hits"]
    time.sleep(0.05)  # past the refs' racy window, so the clean stamp is remembered
    assert search(stories, q="Smithfield")["hits"]
    for suffix in ("", "-wal", "-shm"):
        (store_path / "writethru" / f"search.sqlite{suffix}").unlink(missing_ok=True)
    assert [h["article"] for h in search(stories, q="Smithfield")["hits"]] == ["gone"]


def test_a_store_mounted_read_only_answers_search_with_a_clear_503(stories, store_path, tmp_path):
    from mounts import read_only_mount

    from service.web.app import create_app

    with read_only_mount(store_path, tmp_path / "ro") as view:
        replica = create_app({"TESTING": True, "STORE_PATH": view, "DURABLE": False,
                              "READ_ONLY": True}).test_client()
        for url in ("/api/search?q=storm", "/search?q=storm"):
            resp = replica.get(url)
            assert resp.status_code == 503, url
            assert "search index cannot be built" in resp.get_data(as_text=True)
            assert str(view) not in resp.get_data(as_text=True)
        assert replica.get("/api/articles").status_code == 200  # the rest still serves
