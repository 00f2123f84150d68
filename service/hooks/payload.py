"""The JSON a subscriber receives for a new version: the article, the version, its digest, links.

Made once per delivery, at its first attempt (not in the POST that saved the version), from the
store and the Differ: the diff was usually just computed by `Differ.record`, so it is cached.
"""

from __future__ import annotations

import json
from typing import Any

from .. import config
from ..diff import digest_of
from ..json_shapes import iso

__all__ = ["build_payload", "links"]


def links(article: str, version: int, base_url: str = "") -> dict:
    """Return the compare, version, API and card links of a version (absolute under base_url)."""
    base = config.base_url(base_url)
    before = version - 1  # 0: the empty story, so v1's compare shows the whole first version
    compare = f"/articles/{article}/compare/{before}...{version}"
    return {"compare": base + compare,
            "version": f"{base}/articles/{article}/versions/{version}",
            "api": f"{base}/api/articles/{article}/versions/{version}",
            "card": f"{base}{compare}/card.png"}


def build_payload(differ: Any, article: str, version: int, commit: str, base_url: str = "",
                  event: str = "version.created") -> bytes:
    """Return the payload's bytes: compact JSON, UTF-8, what the signature is computed over."""
    old, new = differ.endpoints(article, version - 1, version)
    old_version = None if old == 0 else differ.store.read(article, old)
    result = differ.diff_versions(old_version, new)
    digest = [{"kind": item["kind"], "text": item["text"]}
              for item in digest_of(result, old_version, new)]
    body = {"event": event, "article": article, "version": version, "commit": commit,
            "headline": new.meta.get("headline"), "label": new.meta.get("label"),
            "created_at": iso(new.created_at), "digest": digest,
            "links": links(article, version, base_url)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
