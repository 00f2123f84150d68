"""The watcher's passes: poll every due source, follow feeds to pages, save new versions.

A pass polls sources in a few threads; a stop request (SIGTERM) is honoured between pages,
never inside a save, so nothing is half-saved. Saves go through `GitStore.save`, as a POST's do.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..ingest.article import NotAStory, extract
from ..ingest.errors import IngestError
from ..ingest.fields import finish
from ..plural import plural
from ..store import ArticleNotFound, GitStore, SaveResult
from ..store.text import canonical_text
from .config import Source, WatchList
from .feeds import NotAFeed, entries
from .fetch import Fetcher, FetchError, Response
from .identity import article_id, story_url
from .report import Report, counts_line
from .state import UrlState, WatchState

HTML_TYPES = ("text/html", "application/xhtml+xml")
DAY = 86400.0


class Watcher:
    """Polls a watch list into a store; `record` runs after each new version (Differ.record)."""

    def __init__(self, watchlist: WatchList, store: GitStore,
                 record: Callable[[SaveResult], None] = lambda saved: None,
                 say: Callable[[str], None] = print, state_path: Path | None = None):
        self.watchlist = watchlist
        self.settings = watchlist.settings
        self.store = store
        self.record = record
        self.say = say
        self.stop = threading.Event()
        self.state = WatchState(state_path or store.path / "writethru" / "watch.sqlite")
        self.fetcher = Fetcher(self.settings, self.state, self.stop)
        self._save_lock = threading.Lock()
        self._polled: set[str] = set()

    def close(self) -> None:
        """Close the state file."""
        self.state.close()

    def run_once(self) -> Report:
        """Poll every due source and every due known page once; return the pass's counts."""
        report = Report()
        self._polled = set()  # pages polled in this pass, through whichever source
        now = time.time()
        due = [s for s in self.watchlist.sources
               if (self.state.get(s.url).next_poll or 0) <= now]
        with ThreadPoolExecutor(max(1, self.settings.workers)) as pool:
            lines = pool.map(lambda source: self._source(source, report), due)
            for line in lines:
                self.say(line)
        if not self.stop.is_set():
            counts: Counter = Counter()
            for page in self._due_pages(time.time()):
                if self.stop.is_set():
                    break
                if page.url not in self._polled:
                    counts[self._page(page.url)] += 1
            if counts:
                report.add(counts, source=False)
                self.say(f"known pages: {counts_line(counts)}")
        return report

    def run_forever(self) -> None:
        """Run passes until stop is set; sleeps until the next source or page is due."""
        while not self.stop.is_set():
            self.say(self.run_once().summary())
            self.stop.wait(self._until_next())

    def _until_next(self) -> float:
        """Return the seconds to sleep until a source or a live (unsettled) page is due."""
        now = time.time()
        times = [self.state.get(s.url).next_poll or 0 for s in self.watchlist.sources]
        times += [p.next_poll or 0 for p in self._live_pages(now)]
        return min(max(1.0, min(times, default=0) - now), 300.0)

    def _due_pages(self, now: float) -> list[UrlState]:
        return [p for p in self._live_pages(now) if (p.next_poll or 0) <= now]

    def _live_pages(self, now: float) -> list[UrlState]:
        # Settled pages (older than max_age_days) are never polled, so they are never due:
        # left in, their past next_poll would wake the loop every second. Worked out from
        # the age, not stored, so raising max_age_days brings them back.
        return [p for p in self.state.pages()
                if not (p.first_seen and self._age(p, now) > self._max_age())]

    def _source(self, source: Source, report: Report) -> str:
        counts: Counter = Counter()
        if source.kind == "article":
            counts[self._page(source.url)] += 1
            line = f"article {source.url}: {counts_line(counts)}"
        else:
            line = f"feed {source.url}: {self._feed(source, counts)}"
        self.state.update(source.url, next_poll=time.time() + source.interval)
        report.add(counts)
        return line

    def _feed(self, source: Source, counts: Counter) -> str:
        known = self.state.get(source.url)
        try:
            response = self.fetcher.get(source.url, known)
        except FetchError as exc:
            return f"feed not read ({exc}); nothing changed"
        if response.not_modified:
            self.state.update(source.url, last_seen=time.time())
            return "not modified (304)"
        try:
            found = entries(response.body, response.url)
        except NotAFeed as exc:
            return f"{exc}; nothing changed"
        self._validators(source.url, response)
        for entry in found:
            if self.stop.is_set():
                break
            if entry.published and entry.published < time.time() - self._max_age():
                counts["settled"] += 1
                continue
            counts[self._page(entry.url, from_feed=True)] += 1
        return f"{plural(len(found), 'entry', 'entries')}: {counts_line(counts)}"

    def _max_age(self) -> float:
        return self.settings.max_age_days * DAY

    def _page(self, url: str, from_feed: bool = False) -> str:
        """Poll one article page; return its outcome (a key of report.OUTCOMES)."""
        known = self.state.get(url)
        now = time.time()
        self._polled.add(url)
        if known.deleted_at:
            return "deleted"
        if from_feed and known.next_poll and known.next_poll > now:
            return "not_due"  # polled recently through another feed or as a known page
        if known.first_seen and self._age(known, now) > self._max_age():
            return "settled"
        try:
            response = self.fetcher.get(url, known)
        except FetchError as exc:
            return self._failed(url, known, exc)
        fields: dict = {"last_seen": now, "first_seen": known.first_seen or now, "failures": 0}
        if response.not_modified:
            self.state.update(url, next_poll=self._next_poll(known, now), **fields)
            return "not_modified"
        if response.media_type not in HTML_TYPES:
            return self._log(url, known, f"not HTML ({response.media_type or 'no type'})")
        site = self.watchlist.site(url)
        try:
            story = extract(response.body, response.url, drop=site.drop, favor=site.favor)
        except NotAStory as exc:
            return self._log(url, known, str(exc))
        name = story_url(response.url, story.canonical)
        article = article_id(name, site.id_rule, site.id_prefix)
        outcome = self._save(article, name, story, response)
        if outcome == "failed":
            return self._log(url, known, "the page's text could not be saved")
        fields.update(article_id=article, published_at=story.published_at or known.published_at)
        self._validators(url, response, **fields)
        self.state.update(url, next_poll=self._next_poll(self.state.get(url), now))
        return outcome

    def _save(self, article: str, url: str, story, response: Response) -> str:
        meta = {"headline": story.headline, "byline": story.byline, "url": url,
                "published_at": story.published_at, "updated_at": story.updated_at}
        meta = {k: v for k, v in meta.items() if v}
        try:
            submission = finish(story.paragraphs, meta, "watch",
                                {"source/page.html": response.body}, None)
        except IngestError:
            return "failed"
        # One save at a time in this process: a stop request waits for it to finish.
        with self._save_lock:
            if self._same_as_latest(article, submission.text, meta.get("headline", "")):
                return "unchanged"
            saved = self.store.save(article, submission)
            if saved.created:
                self.record(saved)
                self.say(f"saved {article} v{saved.version} from {response.url}")
                return "saved"
        return "unchanged"

    def _same_as_latest(self, article: str, text: str, headline: str) -> bool:
        """Tell whether the latest version has this text and headline (times may differ)."""
        try:
            latest = self.store.read(article)
        except ArticleNotFound:
            return False
        return canonical_text(latest.paragraphs) == text and (
            latest.meta.get("headline", "") == headline)

    def _failed(self, url: str, known: UrlState, exc: FetchError) -> str:
        if exc.status in (404, 410) and known.article_id:
            # Published once, gone now: the story was taken down. No empty version is saved.
            self.state.update(url, deleted_at=time.time(), deleted_status=exc.status)
            self.say(f"watch: {url}: HTTP {exc.status}: {known.article_id} marked deleted "
                     "by its publisher; nothing saved")
            return "deleted"
        return self._log(url, known, str(exc))

    def _log(self, url: str, known: UrlState, reason: str) -> str:
        self.say(f"watch: {url}: {reason}; nothing saved")
        failures = known.failures + 1
        wait = min(self.settings.interval * 2 ** min(failures, 10), 7 * DAY)
        self.state.update(url, failures=failures, next_poll=time.time() + wait)
        return "failed"

    def _validators(self, url: str, response: Response, **fields) -> None:
        self.state.update(url, etag=response.headers.get("etag"),
                          last_modified=response.headers.get("last-modified"), **fields)

    def _age(self, known: UrlState, now: float) -> float:
        from datetime import datetime

        if known.published_at:
            try:
                return now - datetime.fromisoformat(known.published_at).timestamp()
            except ValueError:
                pass
        return now - (known.first_seen or now)

    def _next_poll(self, known: UrlState, now: float) -> float:
        # Stories settle: a day-old story is polled half as often as a new one, and so on.
        return now + self.settings.interval * (1 + self._age(known, now) / DAY)

