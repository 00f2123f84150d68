"""A fixture news site on 127.0.0.1 for the watcher's tests: feeds, pages, robots, bad answers.

Stories change under the test's control (`site.stories[slug]`); every request's path and
headers are kept in `site.requests`, so tests can see conditional GETs and robots obeyed.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TEMPLATE = (Path(__file__).parent / "article.html").read_text(encoding="utf-8")
ROBOTS = "User-agent: *\nDisallow: /private/\n"


@dataclass
class Story:
    """One story of the site, as its newsroom has it now."""

    headline: str
    paragraphs: list[str]
    byline: str = "Mary Keane"
    published: str = "2026-11-30T08:00:00Z"
    modified: str = "2026-11-30T08:00:00Z"
    status: int = 200


@dataclass
class NewsSite:
    """The site's content and what it was asked; `start()` serves it on a free port."""

    stories: dict[str, Story] = field(default_factory=dict)
    feeds: dict[str, list[str]] = field(default_factory=dict)  # path -> links as listed
    overrides: dict[str, tuple[int, dict, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    delay: dict[str, float] = field(default_factory=dict)
    drip: dict[str, str] = field(default_factory=dict)  # path -> "headers" or "body": 1 byte/0.2 s
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> str:
        """Serve on 127.0.0.1 in a thread; return the base URL."""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                site.requests.append((self.path, dict(self.headers)))
                status, headers, body = site.answer(self.path, self.headers)
                time.sleep(site.delay.get(self.path.split("?")[0], 0))
                if self.path.split("?")[0] in site.drip:
                    return self.trickle(status, headers, body, site.drip[self.path.split("?")[0]])
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the watcher gave up on a slow or huge answer: as it should

            def trickle(self, status: int, headers: dict, body: bytes, part: str) -> None:
                """Send the head at once and drip the body, or drip from the first byte."""
                head = (f"HTTP/1.1 {status} OK\r\n" + "".join(
                    f"{k}: {v}\r\n" for k, v in headers.items()) +
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
                if part == "body":
                    self.wfile.write(head)
                for byte in (body if part == "body" else head + body):
                    if site.stopping.wait(0.2):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                    except OSError:
                        return  # the watcher hung up: as it should at its deadline

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.base

    def stop(self) -> None:
        """Stop serving."""
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def asked(self, path: str) -> list[dict]:
        """Return the headers of every request for path (query included)."""
        return [headers for p, headers in self.requests if p == path]

    def page(self, slug: str) -> bytes:
        """Return the HTML of a story as the site renders it now."""
        story = self.stories[slug]
        body = "\n".join(f"    <p>{html.escape(p)}</p>" for p in story.paragraphs)
        return TEMPLATE.format(
            headline=html.escape(story.headline), byline=html.escape(story.byline),
            canonical=f"{self.base}/news/{slug}", published=story.published,
            modified=story.modified, body=body).encode("utf-8")

    def answer(self, path: str, headers) -> tuple[int, dict, bytes]:
        """Return (status, headers, body) for a GET of path."""
        bare = path.split("?", 1)[0]
        if bare in self.overrides:
            return self.overrides[bare]
        if bare == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, ROBOTS.encode()
        if bare in self.feeds:
            return self._conditional(self.rss(self.feeds[bare]), "application/rss+xml", headers)
        slug = bare.removeprefix("/news/").removeprefix("/private/")
        if bare.startswith(("/news/", "/private/")) and slug in self.stories:
            story = self.stories[slug]
            if story.status != 200:
                return story.status, {"Content-Type": "text/html"}, b"<h1>Not here</h1>"
            return self._conditional(self.page(slug), "text/html; charset=utf-8", headers)
        return 404, {"Content-Type": "text/html"}, b"<h1>Page not found</h1>"

    def _conditional(self, body: bytes, kind: str, headers) -> tuple[int, dict, bytes]:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        answer = {"Content-Type": kind, "ETag": etag,
                  "Last-Modified": formatdate(1764489600, usegmt=True)}
        if headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, answer, body

    def rss(self, links: list[str]) -> bytes:
        """Return an RSS 2.0 feed listing links (paths on this site, or absolute)."""
        items = "".join(
            f"<item><title>Story {i}</title><link>{html.escape(self._abs(link))}</link>"
            f"<guid>{html.escape(self._abs(link))}</guid>"
            f"<pubDate>{formatdate(time.time() - 3600, usegmt=True)}</pubDate></item>"
            for i, link in enumerate(links))
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>The Harbour Gazette</title><link>{self.base}/</link>"
                f"<description>News</description>{items}</channel></rss>").encode()

    def _abs(self, link: str) -> str:
        return link if link.startswith("http") else self.base + link
