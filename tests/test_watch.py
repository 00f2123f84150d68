"""The watcher against a fixture news site on 127.0.0.1: versions, furniture, manners, identity.

Real parts throughout: a real http.server, a real bare git store, trafilatura on real-shaped
pages. Nothing goes beyond 127.0.0.1.
"""

from __future__ import annotations

import textwrap
import threading
import time

import pytest
from click.testing import CliRunner
from watch_site.site import NewsSite, Story

from service.cli.watch import watch
from service.hooks import Queue, queue_file
from service.store import ArticleNotFound, GitStore
from service.watch.config import load
from service.watch.runner import Watcher

FISH = [
    "The harbour board voted on Tuesday night to close the old fish market by the end of the "
    "year, ending more than a century of trading on the quay.",
    "Councillor Ann Byrne said the building was no longer safe and that repairs would cost more "
    "than a new market on the industrial estate, which the board has already approved.",
    "Traders said they had not been consulted. \u201cWe found out from the radio,\u201d said Tom "
    "Walsh, who has sold fish on the quay for thirty years.",
    "The board will meet traders next week to discuss stalls in the new building.",
]
FURNITURE = ("Advertisement", "Share", "Related stories", "Ferry timetable", "lifeboat",
             "Subscribe", "Sign up", "All rights reserved", "By Mary Keane", "Email this")


@pytest.fixture
def site():
    news = NewsSite(stories={"fish-market": Story("Old fish market to close", list(FISH)),
                             "ferry": Story("Ferry fares to rise in spring", [
                                 "Ferry fares between the harbour and the islands will rise by "
                                 "six per cent in March, the operator said on Monday.",
                                 "The operator blamed fuel costs and said the winter timetable "
                                 "would not change."]),
                             "secret": Story("Private page", list(FISH))},
                    feeds={"/feed.xml": ["/news/fish-market?utm_source=rss", "/news/ferry"],
                           "/other.xml": ["/news/fish-market?utm_medium=social&fbclid=x1"]})
    news.start()
    yield news
    news.stop()


def watch_list(tmp_path, body: str, **settings) -> object:
    """Write a watch list with fast settings for the tests and load it."""
    values = {"contact": "tests@example.org", "interval": 0.001, "host_delay": 0,
              "timeout": 2, "backoff": 60, "workers": 2, "allow_private_hosts": True,
              **settings}  # the fixture site is on 127.0.0.1, refused unless allowed
    lines = "\n".join(f"{k} = {v!r}".replace("'", '"').replace("= True", "= true")
                      .replace("= False", "= false") for k, v in values.items())
    path = tmp_path / "watch.toml"
    path.write_text(f"[watch]\n{lines}\n\n{textwrap.dedent(body)}", encoding="utf-8")
    return load(path)


def run(watchlist, store, lines=None) -> Watcher:
    """Make a watcher on store whose log lines go to lines, and run one pass."""
    said = lines if lines is not None else []
    watcher = Watcher(watchlist, store, say=said.append)
    watcher.last = watcher.run_once()  # type: ignore[attr-defined]
    return watcher


def ids(store: GitStore) -> list[str]:
    return sorted(a.id for a in store.list_articles(limit=100)[0])


def test_new_versions_exactly_when_text_or_headline_changes(site, tmp_path, store):
    watchlist = watch_list(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    run(watchlist, store).close()
    fish = "127.0.0.1-news-fish-market"
    assert ids(store) == ["127.0.0.1-news-ferry", fish]
    first = store.read(fish)
    assert first.paragraphs == FISH
    assert first.meta["headline"] == "Old fish market to close"
    assert first.meta["byline"] == "Mary Keane"
    assert first.meta["url"] == f"{site.base}/news/fish-market"
    assert first.meta["published_at"] == "2026-11-30T08:00:00Z"
    assert first.meta["source_format"] == "watch"
    assert store.sources(fish, 1)["source/page.html"] == site.page("fish-market")

    # Only the modified time changes: the page differs (so no 304) but the story does not.
    site.stories["fish-market"].modified = "2026-11-30T09:00:00Z"
    run(watchlist, store).close()
    assert len(store.versions(fish)) == 1

    site.stories["fish-market"].paragraphs[1] = FISH[1].replace("already approved", "not approved")
    run(watchlist, store).close()
    assert [v.version for v in store.versions(fish)] == [1, 2]
    assert store.read(fish).paragraphs[1].endswith("not approved.")

    site.stories["fish-market"].headline = "Fish market to close after 120 years"
    run(watchlist, store).close()
    assert len(store.versions(fish)) == 3
    assert store.read(fish).meta["headline"] == "Fish market to close after 120 years"
    assert len(store.versions("127.0.0.1-news-ferry")) == 1


def test_furniture_never_enters_the_paragraphs(site, tmp_path, store):
    run(watch_list(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n'), store).close()
    for article in ids(store):
        for paragraph in store.read(article).paragraphs:
            assert not any(word.lower() in paragraph.lower() for word in FURNITURE), paragraph


def test_conditional_gets_are_sent_and_a_304_saves_nothing(site, tmp_path, store):
    watchlist = watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/fish-market"\n')
    run(watchlist, store).close()
    head = store.head("127.0.0.1-news-fish-market")
    watcher = run(watchlist, store)
    watcher.close()
    second = site.asked("/news/fish-market")[-1]
    assert second["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in second
    assert watcher.last.totals["not_modified"] >= 1 and watcher.last.totals["saved"] == 0
    assert store.head("127.0.0.1-news-fish-market") == head


def test_robots_disallow_is_obeyed(site, tmp_path, store):
    lines: list[str] = []
    run(watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/private/secret"\n'),
        store, lines).close()
    assert site.asked("/private/secret") == []
    assert site.asked("/robots.txt")
    assert any("robots.txt disallows it" in line for line in lines)
    assert ids(store) == []


def test_a_429_backs_off_the_host(site, tmp_path, store):
    site.overrides["/news/ferry"] = (429, {"Retry-After": "120"}, b"slow down")
    lines: list[str] = []
    watchlist = watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/ferry"\n'
                                     f'[[article]]\nurl = "{site.base}/news/fish-market"\n', workers=1)
    run(watchlist, store, lines).close()
    assert any("HTTP 429" in line and "120 s" in line for line in lines), lines
    asked_before = len(site.requests)
    del site.overrides["/news/ferry"]
    run(watchlist, store, lines).close()
    assert len(site.requests) == asked_before  # the host is left alone while it backs off
    assert any("backing off 127.0.0.1" in line for line in lines)


@pytest.mark.parametrize("gone", [404, 410])
def test_a_404_after_publication_marks_the_story_deleted(site, tmp_path, store, gone):
    watchlist = watch_list(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    run(watchlist, store).close()
    site.stories["ferry"].status = gone
    lines: list[str] = []
    watcher = run(watchlist, store, lines)
    deleted = watcher.state.deleted()
    watcher.close()
    assert [d.url for d in deleted] == [f"{site.base}/news/ferry"]
    assert deleted[0].deleted_status == gone
    assert any("127.0.0.1-news-ferry marked deleted" in line for line in lines)
    assert len(store.versions("127.0.0.1-news-ferry")) == 1  # no empty version


def test_a_page_that_was_never_published_is_not_marked_deleted(site, tmp_path, store):
    watcher = run(watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/nothing"\n'),
                  store)
    assert watcher.state.deleted() == []
    watcher.close()


def test_the_same_story_through_two_feeds_is_one_article(site, tmp_path, store):
    feeds = f'[[feed]]\nurl = "{site.base}/feed.xml"\n[[feed]]\nurl = "{site.base}/other.xml"\n'
    run(watch_list(tmp_path, feeds), store).close()
    assert ids(store) == ["127.0.0.1-news-ferry", "127.0.0.1-news-fish-market"]
    assert len(store.versions("127.0.0.1-news-fish-market")) == 1


def test_a_new_slug_keeps_its_history_when_the_canonical_says_so(site, tmp_path, store):
    watchlist = watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/fish-market"\n')
    run(watchlist, store).close()
    moved = NewsSite.page(site, "fish-market").replace(b"needed", b"")
    changed = moved.replace(b"next week", b"on Friday")
    site.overrides["/news/fish-market-closes"] = (200, {"Content-Type": "text/html"}, changed)
    run(watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/fish-market-closes"\n'),
        store).close()
    assert ids(store) == ["127.0.0.1-news-fish-market"]
    assert len(store.versions("127.0.0.1-news-fish-market")) == 2


BAD = {
    "/slow": "timed out",
    "/picture.png": "not HTML (image/png)",
    "/huge": "too large",
    "/broken": "no main text",
    "/empty": "the page's main text is only page furniture",
    "/oops": "HTTP 503",
}


def test_bad_pages_get_a_clear_line_and_change_nothing(site, tmp_path, store):
    site.delay["/slow"] = 3
    site.overrides.update({
        "/slow": (200, {"Content-Type": "text/html"}, site.page("ferry")),
        "/picture.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        "/huge": (200, {"Content-Type": "text/html"}, b"<p>" + b"word " * 300_000 + b"</p>"),
        "/broken": (200, {"Content-Type": "text/html"}, b"<html><body><div><p<<>>\x00<table"),
        "/empty": (200, {"Content-Type": "text/html"},
                   b"<html><body><nav><a href='/'>Home</a></nav><p>Advertisement</p></body>"),
        "/oops": (503, {"Content-Type": "text/html"}, b"<h1>Service unavailable</h1>"),
        "/notafeed.xml": (200, {"Content-Type": "text/html"}, site.page("ferry")),
    })
    body = "".join(f'[[article]]\nurl = "{site.base}{path}"\n' for path in BAD)
    body += f'[[feed]]\nurl = "{site.base}/notafeed.xml"\n'
    lines: list[str] = []
    watcher = run(watch_list(tmp_path, body, max_bytes=1_000_000, timeout=1, workers=1),
                  store, lines)
    watcher.close()
    for path, reason in BAD.items():
        assert any(f"{path}: {reason}" in line and "nothing saved" in line for line in lines), (
            path, lines)
    assert any("notafeed.xml: not an RSS or Atom feed" in line for line in lines), lines
    assert watcher.last.totals["saved"] == 0
    with pytest.raises(ArticleNotFound):
        store.read("127.0.0.1-slow")
    assert ids(store) == []


def test_the_command_prints_a_line_per_source_and_a_summary(site, tmp_path, store_path):
    watch_list(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    result = CliRunner().invoke(watch, ["--config", str(tmp_path / "watch.toml"), "--once",
                                        "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    assert f"feed {site.base}/feed.xml: 2 entries: 2 new versions" in result.output
    assert "watch: 1 source, 2 pages: 2 new versions" in result.output
    assert len(GitStore(store_path).versions("127.0.0.1-news-ferry")) == 1


@pytest.mark.parametrize("text, said", [
    ("[watch]\ninterval = 5\n[[feed]]\nurl = 'http://x/f'\n", "contact is required"),
    ("[watch]\ncontact = 'a@b'\n", "no [[feed]] or [[article]]"),
    ("[watch]\ncontact = 'a@b'\n[[feed]]\nurl = 'ftp://x/f'\n", "not an http(s) URL"),
    ("[watch]\ncontact = 'a@b'\ncolour = 1\n", "unknown setting 'colour'"),
    ("[watch\n", "not a TOML file"),
    ("[watch]\ncontact = 'a@b'\n[[feed]]\nurl = 'http://x/f'\n[site.'x']\nid_rule = '('\n",
     "bad regular expression"),
    ("[watch]\ncontact = 'a@b'\nallow_private_hosts = 'no'\n[[feed]]\nurl = 'http://x/f'\n",
     "allow_private_hosts is true or false"),
])
def test_a_bad_watch_list_is_refused_with_a_clear_line(tmp_path, store_path, text, said):
    (tmp_path / "w.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(watch, ["--config", str(tmp_path / "w.toml"), "--once",
                                        "--store", str(store_path)])
    assert result.exit_code == 2 and said in result.output, result.output
    assert not store_path.exists()


def test_stories_older_than_max_age_are_no_longer_polled(site, tmp_path, store):
    feed = f'[[feed]]\nurl = "{site.base}/feed.xml"\n'
    # The feed dates its entries an hour ago: with a 36-second age limit they have settled.
    lines: list[str] = []
    run(watch_list(tmp_path, feed, max_age_days=0.0004), store, lines).close()
    assert site.asked("/news/ferry") == [] and ids(store) == []
    assert any("settled" in line for line in lines), lines
    # Polled while young; once older than the limit, a known page is not fetched again.
    young = GitStore(tmp_path / "young.git")
    run(watch_list(tmp_path, feed), young).close()
    assert len(site.asked("/news/ferry")) == 1
    site.stories["ferry"].paragraphs.append("A later paragraph nobody will collect.")
    run(watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/ferry"\n',
                   max_age_days=0.0004), young).close()
    assert len(site.asked("/news/ferry")) == 1
    assert len(young.versions("127.0.0.1-news-ferry")) == 1


def test_a_settled_page_does_not_wake_the_loop_every_second(site, tmp_path, store):
    run(watch_list(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n'), store).close()
    # Both pages are known and overdue, but older than max_age_days: never polled again.
    watcher = run(watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/ferry"\n',
                             max_age_days=0.0004, interval=120), store)
    try:
        assert watcher.last.totals["settled"] == 1
        assert watcher._due_pages(time.time()) == []
        assert watcher._until_next() > 60  # the source's 120 s interval, not a 1 s spin
    finally:
        watcher.close()


def test_private_addresses_are_refused_unless_the_watch_list_allows_them(site, tmp_path, store):
    port = site.base.rsplit(":", 1)[1]
    body = (f'[[feed]]\nurl = "{site.base}/feed.xml"\n'
            f'[[article]]\nurl = "{site.base}/news/ferry"\n'
            f'[[article]]\nurl = "http://localhost:{port}/news/fish-market"\n')
    lines: list[str] = []
    run(watch_list(tmp_path, body, allow_private_hosts=False), store, lines).close()
    assert site.requests == []  # not even robots.txt was asked for
    assert ids(store) == []
    assert any(f"feed {site.base}/feed.xml: feed not read (refused: 127.0.0.1 is at 127.0.0.1, "
               "not a public address" in line for line in lines), lines
    assert any("/news/ferry: refused: 127.0.0.1 is at 127.0.0.1" in line and "nothing saved" in
               line for line in lines), lines
    assert any("/fish-market: refused: localhost is at" in line for line in lines), lines


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickling_server_is_cut_at_the_deadline(site, tmp_path, store, part):
    site.drip["/news/ferry"] = part  # a byte every 0.2 s: never a 0.5 s read timeout
    lines: list[str] = []
    watchlist = watch_list(tmp_path, f'[[article]]\nurl = "{site.base}/news/ferry"\n',
                           timeout=0.5)  # the whole answer within 3 x 0.5 s
    pass_ = threading.Thread(target=run, args=(watchlist, store, lines), daemon=True)
    pass_.start()
    pass_.join(20)
    assert not pass_.is_alive(), "the watcher is still reading the trickle"
    assert any("/news/ferry: timed out" in line and "nothing saved" in line
               for line in lines), lines
    assert ids(store) == []


def test_versions_saved_by_watch_queue_their_webhooks(site, tmp_path, store_path):
    (store_path / "writethru").mkdir(parents=True)
    (store_path / "writethru" / "hooks.toml").write_text(
        '[[subscription]]\nurl = "http://127.0.0.1:9/hook"\nsecret = "s3cret-of-sixteen-chars"\n'
        'articles = ["*-ferry"]\n', encoding="utf-8")
    watch_list(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    result = CliRunner().invoke(watch, ["--config", str(tmp_path / "watch.toml"), "--once",
                                        "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    queued = Queue(queue_file(store_path)).pending()
    assert [(row[2], row[3], row[5]) for row in queued] == [("127.0.0.1-news-ferry", 1, 0)]


@pytest.mark.parametrize("address, is_public", [
    ("93.184.215.14", True), ("2606:4700::1111", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("169.254.169.254", False), ("0.0.0.0", False),
    ("::1", False), ("fe80::1%eth0", False), ("fc00::1", False),
    ("::ffff:127.0.0.1", False),                            # IPv4-mapped
    ("2002:7f00:1::1", False), ("2002:a00:1::1", False),    # 6to4 of 127.0.0.1, 10.0.0.1
    ("2002:5db8:d70e::1", True),                            # 6to4 of a public address
    ("64:ff9b::7f00:1", False), ("64:ff9b::5db8:d70e", True),  # NAT64 of each
])
def test_which_addresses_the_watcher_may_fetch(address, is_public):
    from service.watch.fetch import public

    assert public(address) is is_public
