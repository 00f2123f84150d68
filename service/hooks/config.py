"""Webhook subscriptions: read from a TOML file, checked, and matched against article ids.

The file is WRITETHRU_HOOKS_FILE, else `<store>/writethru/hooks.toml`; no file means no
subscriptions. Each `[[subscription]]` has `url` (http or https), `secret` (the HMAC key, at
least 16 characters), optional `articles` (ids or glob patterns such as "ap-*"; default every
article) and optional `description`. A mistake is a HooksFileError naming the file, the line
and the field, and nothing of the file is used.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..config import ConfigError

__all__ = ["HooksFileError", "Subscription", "hooks_file", "load_subscriptions", "parse_subscriptions"]

FIELDS = ("url", "secret", "articles", "description")
MIN_SECRET = 16
# The article id alphabet (store/ids.py) plus the glob characters * ? [ ] !.
_PATTERN = re.compile(r"[A-Za-z0-9._\-*?\[\]!]{1,128}")


class HooksFileError(ConfigError):
    """The hooks file cannot be used; the message names the file, line and field."""


@dataclass(frozen=True)
class Subscription:
    """One subscriber: where to POST, the key to sign with, and which articles it wants."""

    url: str
    secret: str
    articles: tuple[str, ...] = ("*",)
    description: str = ""

    def wants(self, article_id: str) -> bool:
        """Tell whether a new version of this article is delivered to this subscriber."""
        # fnmatchcase: the same answer on every OS (fnmatch folds case on Windows).
        return any(fnmatch.fnmatchcase(article_id, p) for p in self.articles)

    @property
    def name(self) -> str:
        """The description when given, else the URL: what the delivery log shows."""
        return self.description or self.url


def file_stamp(path: Path) -> tuple | None:
    """Return what tells that a file changed (mtime, size, inode); None when it is not there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def hooks_file(store_path: Path | str, env: Mapping[str, str] | None = None) -> Path:
    """Return the hooks file: WRITETHRU_HOOKS_FILE when set, else <store>/writethru/hooks.toml."""
    given = (os.environ if env is None else env).get("WRITETHRU_HOOKS_FILE", "").strip()
    return Path(given) if given else Path(store_path) / "writethru" / "hooks.toml"


def load_subscriptions(path: Path) -> tuple[Subscription, ...]:
    """Read and check the hooks file; no file is no subscriptions."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no file, or no folder for it: none
        return ()
    except OSError as exc:
        raise HooksFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HooksFileError(f"{path}: not UTF-8 (byte {exc.start})") from exc
    return parse_subscriptions(text, str(path))


def parse_subscriptions(text: str, where: str = "hooks file") -> tuple[Subscription, ...]:
    """Parse the TOML text of a hooks file into subscriptions, or raise HooksFileError."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message says "(at line L, column C)"
        raise HooksFileError(f"{where}: not valid TOML: {exc}") from exc
    unknown = sorted(set(doc) - {"subscription"})
    if unknown:
        raise HooksFileError(f"{where}, line {_line(text, None, unknown[0])}: unknown key "
                             f"{unknown[0]!r}; subscriptions go in [[subscription]] tables")
    entries = doc.get("subscription", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise HooksFileError(f"{where}: 'subscription' must be [[subscription]] tables")
    out: list[Subscription] = []
    seen: dict[str, int] = {}
    for k, entry in enumerate(entries):
        sub = _subscription(entry, lambda field, k=k: f"{where}, subscription {k + 1} "
                            f"(line {_line(text, k, field)}), {field}")
        if sub.url in seen:
            raise HooksFileError(f"{where}, subscription {k + 1} (line {_line(text, k, 'url')}), "
                                 f"url: {sub.url} is already subscription {seen[sub.url] + 1}; "
                                 "list every article it wants in one subscription")
        seen[sub.url] = k
        out.append(sub)
    return tuple(out)


def _subscription(entry: dict, at) -> Subscription:
    for field in entry:
        if field not in FIELDS:
            raise HooksFileError(f"{at(field)}: unknown field; expected {', '.join(FIELDS)}")
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        raise HooksFileError(f"{at('url')}: required, the http(s) address to POST to")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise HooksFileError(f"{at('url')}: must be an absolute http or https URL without a "
                             f"fragment, got {url!r}")
    secret = entry.get("secret")
    if not isinstance(secret, str) or len(secret) < MIN_SECRET:
        raise HooksFileError(f"{at('secret')}: required, a string of at least {MIN_SECRET} "
                             "characters (the key the payload is signed with)")
    articles = entry.get("articles", ["*"])
    if isinstance(articles, str):
        articles = [articles]
    if not isinstance(articles, list) or not articles:
        raise HooksFileError(f"{at('articles')}: must be a list of article ids or patterns "
                             "such as [\"ap-*\"] (leave it out for every article)")
    for pattern in articles:
        if not isinstance(pattern, str) or not _PATTERN.fullmatch(pattern):
            raise HooksFileError(f"{at('articles')}: {pattern!r} is not an article id or "
                                 "pattern (letters, digits, . _ - and the globs * ? [ ])")
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise HooksFileError(f"{at('description')}: must be a string")
    return Subscription(url.strip(), secret, tuple(articles), description.strip())


def _line(text: str, index: int | None, field: str) -> int:
    """Return the line of `field` in the index-th [[subscription]] (None: at the top level)."""
    lines = text.splitlines()
    start, end, seen = 0, len(lines), -1
    if index is not None:
        for n, line in enumerate(lines):
            if re.match(r"\s*\[\[\s*subscription\s*\]\]", line):
                seen += 1
                if seen == index:
                    start = n
                elif seen == index + 1:
                    end = n
                    break
    key = re.compile(rf"\s*[\"']?{re.escape(field)}[\"']?\s*=")
    for n in range(start, end):
        if key.match(lines[n]):
            return n + 1
    return start + 1
