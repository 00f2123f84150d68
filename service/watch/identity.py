"""Article identity: one stable article id per story, from its canonical URL.

The canonical URL (`<link rel=canonical>`) names the story however it was reached; without
one, the URL stripped of tracking parameters. A per-site rule (a regular expression whose
first group is the publisher's own story id) keeps the history when a slug changes.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ..store.ids import ARTICLE_ID_RE

TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ref|ref_src|cmpid|"
                      r"ito|itm_.*|ns_.*|s_cid|share|at_.*|_ga|CMP|ocid|taid|smid|src)$",
                      re.IGNORECASE)


def clean_url(url: str) -> str:
    """Return url without tracking parameters, fragment, default port or trailing slash."""
    parts = urlsplit(url.strip())
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING.match(k)))
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))


def story_url(page_url: str, canonical: str | None) -> str:
    """Return the URL that names the story: the canonical if it is a web URL, else page_url."""
    if canonical:
        absolute = urljoin(page_url, canonical.strip())
        if urlsplit(absolute).scheme in ("http", "https"):
            return clean_url(absolute)
    return clean_url(page_url)


def article_id(url: str, rule: str | None = None, prefix: str | None = None) -> str:
    """Return the article id of a story URL (valid under the store's article id rule).

    rule: a regular expression on the URL whose first group is the publisher's story id;
    prefix: what the id starts with (default: the host). Without a rule, the host and path.
    """
    parts = urlsplit(url)
    host = prefix or (parts.hostname or "site").removeprefix("www.")
    if rule and (found := re.search(rule, url)) and found.groups() and found.group(1):
        tail = found.group(1)
    else:
        tail = parts.path.strip("/") + (f"-{parts.query}" if parts.query else "")
        tail = re.sub(r"\.(s?html?|php|aspx?)$", "", tail)
    candidate = _slug(f"{host}-{tail}")
    if len(candidate) > 128 or not ARTICLE_ID_RE.fullmatch(candidate):
        # Too long or nothing left: keep a readable start and a hash of the whole URL.
        digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
        candidate = _slug(f"{candidate[:100]}-{digest}") if candidate else f"u-{digest}"
    return candidate


def _slug(text: str) -> str:
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"-{2,}", "-", text).strip("-._")
    return text.removesuffix(".lock").rstrip(".")
