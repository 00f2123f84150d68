"""The JSON shapes of articles, versions and diffs: the API and `writethru ... --json` share them."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def version_summary(info) -> dict:
    """One entry of an article's version list."""
    return {
        "version": info.version,
        "commit": info.commit,
        "created_at": iso(info.created_at),
        "headline": info.meta.get("headline"),
        "label": info.meta.get("label"),
        "paragraphs": info.paragraphs,
        "words": info.words,
    }


def article(article_id: str, infos: list) -> dict:
    """The article and its versions, oldest first."""
    latest = infos[-1]
    return {
        "id": article_id,
        "headline": latest.meta.get("headline"),
        "updated_at": iso(latest.created_at),
        "latest": latest.version,
        "versions": [version_summary(i) for i in infos],
    }


def article_summary(summary) -> dict:
    """One entry of the article list."""
    return {
        "id": summary.id,
        "headline": summary.headline or None,  # null, as in the article's own answer
        "versions": summary.versions,
        "updated_at": iso(summary.updated_at),
        "commit": summary.commit,
    }


def version(v) -> dict:
    """One version: text, paragraphs, metadata."""
    return {
        "article": v.article,
        "version": v.version,
        "commit": v.commit,
        "created_at": iso(v.created_at),
        "text": v.text,
        "paragraphs": list(v.paragraphs),
        "meta": dict(v.meta),
    }


def diff(article_id: str, old, new, result, ignore: frozenset[str],
         digest: list[dict] | None = None) -> dict:
    """The diff document; `old` is None when comparing against the empty story before v1.

    `result` is the Differ's VersionDiff: `meta` lists the metadata fields that changed
    (headline, byline, ...), with word segments for the headline. `digest`, when given, is
    the update digest (`diff.digest_of`): shared modules do not import the diff wing, so the
    caller (web or CLI) computes it.
    """
    doc: dict = {
        "article": article_id,
        "from": old.version if old is not None else 0,
        "to": new.version,
        "from_commit": old.commit if old is not None else None,
        "to_commit": new.commit,
        "ignore": ",".join(sorted(ignore)) or None,
        "stats": dict(result.stats),
        "meta": list(result.meta),
    }
    if digest is not None:
        doc["digest"] = digest
    doc["rows"] = list(result.rows)  # last: a reader of the raw JSON meets the digest first
    return doc
