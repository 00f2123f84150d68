"""Searching the index: words in any version (FTS5), filtered by what changed, when and label.

A query with words answers text hits: a paragraph or headline, the versions it stood in, and
where its words are. A query with filters only answers change hits: the versions whose update
digest has that kind of change. Hits come in a stable order (text hits as they were indexed,
change hits by article and version), so a cursor continues a listing while new versions are
indexed.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .indexer import CHANGE_KINDS, words_of

MAX_QUERY = 500
MAX_LIMIT = 100
#: What a filter may say, and the digest kind it means.
ALIASES = {
    **{k: k for k in CHANGE_KINDS},
    "numbers": "number", "quotes": "quote", "headlines": "headline", "labels": "label",
    "corrections": "correction", "kill": "killed", "kills": "killed", "bylines": "byline",
    "ledes": "lede", "editor-note": "editor_note", "editors-note": "editor_note",
}
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_TERM = re.compile(r'"([^"]*)"|(\w+)(\*?)', re.UNICODE)


class BadQuery(ValueError):
    """A search the index cannot answer as asked; the message says why and what would do."""

    def __init__(self, message: str, parameter: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass
class Search:
    """What was asked: words (FTS5 syntax), change kinds, a time range, a label, a page."""

    q: str = ""
    changed: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    label: str = ""
    limit: int = 20
    cursor: str | None = None


def parse_search(args: dict[str, str]) -> Search:
    """Read and check search parameters (strings, as in a query string); raise BadQuery."""
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        raise BadQuery(f"the query has {len(q):,} characters; at most {MAX_QUERY} are taken", "q")
    changed = []
    for name in filter(None, (x.strip().lower() for x in (args.get("changed") or "").split(","))):
        if name not in ALIASES:
            raise BadQuery(f"unknown change {name!r}; use one or more of "
                           f"{', '.join(sorted(set(ALIASES.values())))}, joined by commas",
                           "changed")
        changed.append(ALIASES[name])
    try:
        limit = int(args.get("limit") or 20)
    except ValueError:
        raise BadQuery("limit must be a whole number from 1 to 100", "limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be from 1 to {MAX_LIMIT}", "limit")
    search = Search(q=q, changed=sorted(set(changed)), label=(args.get("label") or "").strip(),
                    since=_when(args.get("since"), "since"), until=_when(args.get("until"), "until"),
                    limit=limit, cursor=args.get("cursor") or None)
    if search.cursor is not None:
        _decode(search.cursor)
    if not (search.q or search.changed or search.label or search.since or search.until):
        raise BadQuery("say what to search for: words (q), or a change, label or dates", "q")
    return search


def _when(value: str | None, name: str) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadQuery(f"{name} must be a date or date-time such as 2026-12-01 or "
                       "2026-12-01T14:05:00Z", name) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _ns(when: datetime | None, default: int) -> int:
    return default if when is None else int(when.timestamp() * 1_000_000_000)


def _encode(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(key, list) and len(key) == 3 and isinstance(key[0], str) \
                and all(type(k) is int and 0 <= k < 2**63 for k in key[1:]):
            return key
    except (ValueError, TypeError, RecursionError):
        pass
    raise BadQuery("cursor is not one this server gave; start again without it", "cursor")


# A word FTS5 takes as it is (a "bareword"), optionally a prefix, or a bracket of its syntax.
_BARE = re.compile(r"^\(*[\w]+\*?\)*$")


def fts_query(q: str) -> str:
    """Return the FTS5 query of what a reader typed.

    With double quotes in it, it is FTS5 syntax as written. Otherwise each word FTS5 would not
    take bare ("40,000", "U.S.", "co-op") becomes a phrase of its parts, so a figure or an
    abbreviation is found rather than refused; CJK runs become phrases of their words.
    """
    if '"' in q:
        return q
    out = []
    for part in q.split():
        if part in _OPERATORS or (part.isascii() and _BARE.match(part)):
            out.append(part)
        else:
            out.append(f'"{words_of(part)}"')
    return " ".join(out)


def terms(q: str) -> list[tuple[str, bool]]:
    """Return the words of a query to highlight, each with whether it is a prefix (word*)."""
    out = []
    for m in _TERM.finditer(q):
        if m.group(1) is not None:
            out.append((m.group(1), False))
        elif m.group(2) not in _OPERATORS:
            out.append((m.group(2), bool(m.group(3))))
    return [(t, p) for t, p in out if t.strip()]


def highlights(text: str, found: list[tuple[str, bool]]) -> list[list[int]]:
    """Return [start, end] of each place a query word occurs in text (case-insensitive)."""
    spans = []
    for term, prefix in found:
        parts = [re.escape(p) for p in term.split()]
        if not term.isascii():  # CJK phrases were spaced into words; the text has no spaces
            pattern = r"\s*".join(parts)
        else:
            pattern = r"\b" + r"\s+".join(parts) + (r"\w*" if prefix else r"\b")
        spans += [[m.start(), m.end()] for m in re.finditer(pattern, text, re.IGNORECASE)]
    spans.sort()
    merged: list[list[int]] = []
    for s in spans:
        if merged and s[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], s[1])
        else:
            merged.append(s)
    return merged


def run(conn: sqlite3.Connection, search: Search) -> tuple[list[dict], str | None]:
    """Return a page of hits and the cursor of the next page (None at the end)."""
    since, until = _ns(search.since, 0), _ns(search.until, 2**63 - 1)
    if search.until is not None and search.until.time() == datetime.min.time():
        until += 86_400 * 1_000_000_000 - 1  # a bare date means the whole day
    after = _decode(search.cursor) if search.cursor else ["", 0, 0]
    return (_text_hits if search.q else _change_hits)(conn, search, since, until, after)


def _text_hits(conn, search: Search, since: int, until: int, after: list):
    # In the order spans were indexed (FTS5's rowid): FTS5 walks it without sorting every
    # match, so a word in 100,000 stories costs a page, and a new span only ever comes last.
    where = ["fts MATCH ?", "fts.rowid > ?"]
    params: list = [fts_query(search.q), after[2]]
    if search.changed:
        marks = ",".join("?" * len(search.changed))
        where.append(f"s.article IN (SELECT c.article FROM changes c JOIN versions v "
                     f"USING (article, version) WHERE c.kind IN ({marks}) "
                     f"AND v.created_ns BETWEEN ? AND ?)")
        params += [*search.changed, since, until]
    if search.since or search.until or search.label:
        where.append("EXISTS (SELECT 1 FROM versions v WHERE v.article = s.article AND "
                     "v.version BETWEEN s.first AND s.last AND v.created_ns BETWEEN ? AND ? "
                     "AND v.label LIKE ? ESCAPE '\\')")
        params += [since, until, _like(search.label)]
    sql = ("SELECT s.id, s.article, s.field, s.position, s.first, s.last, s.text FROM fts "
           f"JOIN spans s ON s.id = fts.rowid WHERE {' AND '.join(where)} "
           "ORDER BY fts.rowid LIMIT ?")
    try:
        rows = conn.execute(sql, [*params, search.limit + 1]).fetchall()
    except sqlite3.OperationalError as exc:
        # FTS5 refuses a query it cannot parse (syntax, an unterminated phrase, a column
        # filter naming no column) with the generic SQLITE_ERROR; a locked, failing or damaged
        # database has codes of its own and is not the reader's fault. Not by the message's
        # words: it repeats what the reader typed ("no such column: disk").
        if (getattr(exc, "sqlite_errorcode", sqlite3.SQLITE_ERROR) & 0xFF) == sqlite3.SQLITE_ERROR:
            raise BadQuery(f"the query cannot be read ({exc}); put words in double quotes to "
                           "search for them as they are", "q") from None
        raise
    found = terms(fts_query(search.q))
    hits = [{
        "article": article, "match": "text", "field": fld,
        "paragraph": None if fld == "headline" else position + 1,
        "from_version": first, "to_version": last, "text": text,
        "highlights": highlights(text, found),
    } for _, article, fld, position, first, last, text in rows[:search.limit]]
    _annotate(conn, hits)
    more = len(rows) > search.limit
    last_row = rows[search.limit - 1] if more else None
    return hits, _encode([last_row[1], last_row[4], last_row[0]]) if last_row else None


def _like(text: str) -> str:
    """A LIKE pattern for `text` anywhere, its own % and _ matched as themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _change_hits(conn, search: Search, since: int, until: int, after: list):
    where = ["(v.article, v.version) > (?, ?)", "v.created_ns BETWEEN ? AND ?",
             "v.label LIKE ? ESCAPE '\\'"]
    params: list = [after[0], after[1], since, until, _like(search.label)]
    if search.changed:
        # From the changes of those kinds (its index is in this order for one kind), not
        # from every version: a kind found in a tenth of 100,000 stories reads that tenth.
        # Ordered and cut by the changes' own columns, so the index walks in order and stops
        # at the page's end (by the versions' columns SQLite sorted every match: 66 ms → 0.1).
        marks = ",".join("?" * len(search.changed))
        where[0] = "(c.article, c.version) > (?, ?)"
        sql = (f"SELECT c.article, c.version FROM changes c JOIN versions v "
               f"USING (article, version) WHERE c.kind IN ({marks}) AND {' AND '.join(where)} "
               "GROUP BY c.article, c.version ORDER BY c.article, c.version LIMIT ?")
        params = [*search.changed, *params]
    else:
        sql = (f"SELECT v.article, v.version FROM versions v WHERE {' AND '.join(where)} "
               "ORDER BY v.article, v.version LIMIT ?")
    rows = conn.execute(sql, [*params, search.limit + 1]).fetchall()
    hits = []
    for article, version in rows[:search.limit]:
        changes = conn.execute("SELECT kind, text FROM changes WHERE article = ? AND version = ?",
                               (article, version)).fetchall()
        wanted = [{"kind": k, "text": t} for k, t in changes
                  if not search.changed or k in search.changed]
        hits.append({"article": article, "match": "change", "from_version": version - 1,
                     "to_version": version, "changes": wanted})
    _annotate(conn, hits)
    more = len(rows) > search.limit
    last_row = rows[search.limit - 1] if more else None
    return hits, _encode([last_row[0], last_row[1], 0]) if last_row else None


def _annotate(conn, hits: list[dict]) -> None:
    """Add each hit's story: its latest headline and version count, and the version's time."""
    for hit in hits:
        latest, headline = conn.execute(
            "SELECT version, headline FROM versions WHERE article = ? ORDER BY version DESC "
            "LIMIT 1", (hit["article"],)).fetchone()
        hit["headline"], hit["versions"] = headline, latest
        label_row = conn.execute("SELECT label, created_ns FROM versions WHERE article = ? "
                                 "AND version = ?", (hit["article"], hit["to_version"])).fetchone()
        hit["label"] = label_row[0] if label_row else ""
        hit["created_at"] = datetime.fromtimestamp(label_row[1] / 1e9, UTC).isoformat(
            timespec="seconds").replace("+00:00", "Z") if label_row else None
