"""Watch lists: a TOML file of settings, feeds and article URLs, and OPML exported by readers.

    [watch]
    contact = "newsdesk-research@example.org"   # goes into the user agent: required
    interval = 600          # seconds between polls of a source (per source: interval = ...)
    max_age_days = 14       # articles older than this are no longer polled
    allow_private_hosts = false  # true lets feeds lead to loopback and private addresses
    opml = ["feeds.opml"]   # feed lists exported from a reader (relative to this file)

    [[feed]]
    url = "https://news.example.com/rss.xml"

    [[article]]
    url = "https://news.example.com/2026/11/30/story.html"

    [site."news.example.com"]   # per host: article id rule and extraction settings
    id_rule = "/(\\d{6,})"      # first group: the publisher's story id
    drop = ["^Listen to this article"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit


class WatchListError(ValueError):
    """The watch list cannot be read or says something impossible."""


@dataclass(frozen=True)
class Site:
    """Settings of one host: how to name its stories and what to drop from them."""

    id_rule: str | None = None
    id_prefix: str | None = None
    drop: tuple[str, ...] = ()
    favor: str = "precision"


@dataclass(frozen=True)
class Source:
    """One thing to poll: a feed or a single article page."""

    url: str
    kind: str  # "feed" or "article"
    interval: float


@dataclass(frozen=True)
class Settings:
    """How the watcher behaves on the network."""

    contact: str
    interval: float = 600.0
    max_age_days: float = 14.0
    timeout: float = 20.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    host_delay: float = 1.0       # seconds between two requests to one host
    host_concurrency: int = 2
    workers: int = 4              # sources polled at once
    backoff: float = 60.0         # first wait after a 429 or 5xx; doubles up to max_backoff
    max_backoff: float = 6 * 3600.0
    user_agent: str = ""
    # Off: feeds cannot steer the watcher at the machine's own network (SSRF). Tests turn it on.
    allow_private_hosts: bool = False

    @property
    def agent(self) -> str:
        """Return the User-Agent header: the product, its version and the contact."""
        return self.user_agent or f"writethru-watch/1 (+{self.contact})"


@dataclass(frozen=True)
class WatchList:
    """Everything a watch list says."""

    settings: Settings
    sources: list[Source]
    sites: dict[str, Site] = field(default_factory=dict)

    def site(self, url: str) -> Site:
        """Return the settings of the host of url (defaults when it has none)."""
        host = (urlsplit(url).hostname or "").lower()
        return self.sites.get(host) or self.sites.get(host.removeprefix("www.")) or Site()


_SETTINGS = {"contact", "interval", "max_age_days", "timeout", "max_bytes", "max_redirects",
             "host_delay", "host_concurrency", "workers", "backoff", "max_backoff",
             "user_agent", "allow_private_hosts", "opml"}


def load(path: Path) -> WatchList:
    """Read a TOML watch list (or an .opml feed list alone); raise WatchListError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WatchListError(f"cannot read the watch list {path}: {exc.strerror}") from exc
    if path.suffix.lower() in (".opml", ".xml"):
        doc: dict = {"watch": {}, "feed": [{"url": u} for u in read_opml(raw, str(path))]}
    else:
        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise WatchListError(f"{path}: not a TOML file: {exc}") from exc
    return from_dict(doc, path.parent, str(path))


def from_dict(doc: dict, base: Path, name: str) -> WatchList:
    """Check a parsed watch list and build it; raise WatchListError naming the bad part."""
    watch = doc.get("watch", {})
    unknown = sorted(set(doc) - {"watch", "feed", "article", "site"}) + sorted(
        set(watch) - _SETTINGS)
    if unknown:
        raise WatchListError(f"{name}: unknown setting {unknown[0]!r}")
    contact = str(watch.get("contact", "")).strip()
    if not contact:
        raise WatchListError(f"{name}: [watch] contact is required (an e-mail address or URL "
                             "for publishers to reach whoever runs this watcher)")
    if not isinstance(watch.get("allow_private_hosts", False), bool):  # bool("no") is True
        raise WatchListError(f"{name}: allow_private_hosts is true or false")
    try:
        settings = Settings(contact=contact, **{
            k: type(getattr(Settings, k))(v) for k, v in watch.items()
            if k not in ("contact", "opml")})
    except (TypeError, ValueError) as exc:
        raise WatchListError(f"{name}: a [watch] setting has the wrong type: {exc}") from exc
    if settings.interval <= 0 or settings.timeout <= 0 or settings.max_bytes <= 0:
        raise WatchListError(f"{name}: interval, timeout and max_bytes must be positive")
    sources = []
    for kind in ("feed", "article"):
        for entry in _entries(doc.get(kind, []), kind, name):
            sources.append(Source(_web_url(entry["url"], name), kind,
                                  float(entry.get("interval", settings.interval))))
    for opml in watch.get("opml", []):
        try:
            raw = (base / opml).read_bytes()
        except OSError as exc:
            raise WatchListError(f"{name}: cannot read {opml}: {exc.strerror}") from exc
        sources += [Source(_web_url(u, opml), "feed", settings.interval)
                    for u in read_opml(raw, opml)]
    sites = {host.lower(): _site(value, f"{name} [site.{host}]")
             for host, value in doc.get("site", {}).items()}
    if not sources:
        raise WatchListError(f"{name}: no [[feed]] or [[article]] to watch")
    return WatchList(settings, list(dict.fromkeys(sources)), sites)


def _entries(value, kind: str, name: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(e, dict) and isinstance(
            e.get("url"), str) for e in value):
        raise WatchListError(f"{name}: each [[{kind}]] needs a url = \"...\"")
    return value


def _web_url(url: str, name: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WatchListError(f"{name}: {url!r} is not an http(s) URL")
    return url.strip()


def _site(value: dict, name: str) -> Site:
    if not isinstance(value, dict) or set(value) - {"id_rule", "id_prefix", "drop", "favor"}:
        raise WatchListError(f"{name}: takes id_rule, id_prefix, drop and favor only")
    for pattern in [value.get("id_rule") or "", *value.get("drop", [])]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise WatchListError(f"{name}: bad regular expression {pattern!r}: {exc}") from exc
    if value.get("favor", "precision") not in ("precision", "recall", "balanced"):
        raise WatchListError(f"{name}: favor is precision, recall or balanced")
    return Site(value.get("id_rule"), value.get("id_prefix"), tuple(value.get("drop", [])),
                value.get("favor", "precision"))


def read_opml(raw: bytes, name: str) -> list[str]:
    """Return the feed URLs (xmlUrl) of an OPML document, parsed without entity expansion."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(raw)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise WatchListError(f"{name}: not an OPML file: {exc}") from exc
    if root.tag != "opml":
        raise WatchListError(f"{name}: not an OPML file (the root element is <{root.tag}>)")
    return [urljoin("", o.get("xmlUrl", "")) for o in root.iter("outline") if o.get("xmlUrl")]
