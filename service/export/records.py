"""The research export's records: articles, versions with metadata, and changed units.

Pure functions over the store's VersionInfo and Version and the diff engine's rows; the schema,
field by field, is docs/EXPORT.md. Every record is a flat dict (a version's `meta` and
`meta_fields` excepted: CSV writes them as JSON text) whose first field, `record`, names its kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ACTIONS", "ARTICLE_FIELDS", "CHANGE_FIELDS", "CHANGE_KINDS", "FIELDS", "VERSION_FIELDS",
    "article_record", "change_records", "iso", "version_record", "words",
]

_WORD = re.compile(r"\S+")  # the diff engine's word, so counts match its stats

#: The kinds of changed unit; `typography` is a `changed` row whose only differences are
#: quotes, dashes, white space or Unicode forms (the engine's `typography` flag).
CHANGE_KINDS = ("added", "removed", "changed", "typography", "moved", "split", "joined")

#: Our kinds in NewsEdits' edit actions (Spangher et al., 2022): a paragraph moved is their
#: refactor; a split or a join rewrites text across paragraph bounds, which they count as edits.
ACTIONS = {"added": "addition", "removed": "deletion", "changed": "edit", "typography": "edit",
           "moved": "refactor", "split": "edit", "joined": "edit"}

ARTICLE_FIELDS = ("record", "article", "headline", "versions", "first_version_at",
                  "last_version_at", "first_commit", "latest_commit")

#: The count fields a version record takes from the stats of its diff with the one before.
STAT_FIELDS = ("added", "removed", "changed", "typography_only", "moved", "split", "joined",
               "unchanged", "words_added", "words_removed")

VERSION_FIELDS = ("record", "article", "version", "commit", "previous_commit", "created_at",
                  "headline", "label", "byline", "paragraphs", "words", *STAT_FIELDS,
                  "meta_fields", "meta")

CHANGE_FIELDS = ("record", "article", "from_version", "to_version", "from_commit", "to_commit",
                 "changed_at", "kind", "action", "old_index", "new_index", "old_indexes",
                 "new_indexes", "old_text", "new_text", "old_words", "new_words", "edited",
                 "promo")

FIELDS = {"articles": ARTICLE_FIELDS, "versions": VERSION_FIELDS, "changes": CHANGE_FIELDS}


def iso(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with a Z (as the API does)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def words(text: str) -> int:
    """Return the number of words (runs of non-space) in text."""
    return len(_WORD.findall(text))


def _text_field(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value if isinstance(value, str) and value else None


def article_record(article_id: str, infos: Sequence[Any]) -> dict:
    """Return the record of an article from its VersionInfos (oldest first, at least one)."""
    first, latest = infos[0], infos[-1]
    return {"record": "article", "article": article_id,
            "headline": _text_field(latest.meta, "headline"), "versions": len(infos),
            "first_version_at": iso(first.created_at), "last_version_at": iso(latest.created_at),
            "first_commit": first.commit, "latest_commit": latest.commit}


def version_record(article_id: str, info: Any, previous: Any | None,
                   stats: Mapping[str, Any] | None) -> dict:
    """Return the record of a version (a VersionInfo) with the stats of its diff from `previous`.

    stats None (version 1, or not known): the count fields are null.
    """
    meta = dict(info.meta)
    record: dict[str, Any] = {
        "record": "version", "article": article_id, "version": info.version,
        "commit": info.commit, "previous_commit": previous.commit if previous else None,
        "created_at": iso(info.created_at), "headline": _text_field(meta, "headline"),
        "label": _text_field(meta, "label"), "byline": _text_field(meta, "byline"),
        "paragraphs": info.paragraphs, "words": info.words,
    }
    for name in STAT_FIELDS:
        record[name] = stats.get(name, 0) if stats is not None else None
    record["meta_fields"] = list(stats.get("meta_fields") or []) if stats is not None else None
    record["meta"] = meta
    return record


def kind_of(row: Mapping[str, Any]) -> str:
    """Return the export kind of a diff row (`typography` for a typography-only change)."""
    kind = row["kind"]
    return "typography" if kind == "changed" and row.get("typography") else kind


def _indexes(row: Mapping[str, Any], many: str, one: str) -> list[int]:
    if many in row:
        return list(row[many])
    return [] if row[one] is None else [row[one]]


def change_records(article_id: str, old: Any, new: Any,
                   rows: Sequence[Mapping[str, Any]]) -> Iterator[dict]:
    """Yield one record per changed unit of the diff rows of Versions `old` and `new`.

    Unchanged rows give none. The texts of a split's (or join's) several paragraphs are joined
    by a blank line, as the store's text joins paragraphs.
    """
    base = {"record": "change", "article": article_id, "from_version": old.version,
            "to_version": new.version, "from_commit": old.commit, "to_commit": new.commit,
            "changed_at": iso(new.created_at)}
    for row in rows:
        if row["kind"] == "unchanged":
            continue
        kind = kind_of(row)
        lefts, rights = _indexes(row, "lefts", "left"), _indexes(row, "rights", "right")
        old_text = "\n\n".join(old.paragraphs[i] for i in lefts) if lefts else None
        new_text = "\n\n".join(new.paragraphs[j] for j in rights) if rights else None
        yield {**base, "kind": kind, "action": ACTIONS[kind],
               "old_index": lefts[0] if lefts else None,
               "new_index": rights[0] if rights else None,
               "old_indexes": lefts, "new_indexes": rights,
               "old_text": old_text, "new_text": new_text,
               "old_words": words(old_text) if old_text is not None else 0,
               "new_words": words(new_text) if new_text is not None else 0,
               # A moved paragraph may be edited too; a changed one always is.
               "edited": old_text is not None and new_text is not None and old_text != new_text,
               "promo": bool(row.get("promo"))}
