"""What the pages show, shaped from store and diff data: compare rows, headlines, ages. No Flask."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..diff import meta as diff_meta
from ..diff.display import move_directions
from ..diff.splits import cut
from ..store.text import first_words

AGE_BUCKETS = 6  # age-0 (the first version) .. age-5 (the newest); the stylesheet has six shades


def headline(meta: dict, paragraphs=None) -> tuple[str, bool]:
    """Return (headline, made_up): the stored headline, else the first paragraph's first words."""
    given = (meta or {}).get("headline") or ""
    if given.strip():
        return given.strip(), False
    for paragraph in paragraphs or ():
        if paragraph.strip():
            return first_words(paragraph), True
    return "Untitled article", True


@dataclass(frozen=True)
class Part:
    """One paragraph of the several in a split or joined row, with its segments."""

    index: int                     # in its version, from 0
    segments: list


@dataclass
class Row:
    """One line of the compare view: one old and one new paragraph at most, but for a split
    (one old, several new) and a joined row (several old, one new)."""

    kind: str          # unchanged, changed, added, removed, moved, moved_away, split, joined
    left: int | None               # index in the old version
    right: int | None              # index in the new version
    left_text: str | None = None
    right_text: str | None = None
    left_segments: list | None = None    # equal + delete, for the old side of an edit
    right_segments: list | None = None   # equal + insert
    inline_segments: list | None = None  # all three, for the one-column layout
    promo: bool = False
    typography: bool = False       # an edit of quotes, dashes, spaces only ("punctuation only")
    anchor: str | None = None      # c1, c2, ... on every change
    moved_from: int | None = None  # for a moved row: the old index
    moved_to: int | None = None    # for a moved-away placeholder: the new index
    moved_direction: str | None = None  # "up" or "down", on moved and moved_away rows
    left_parts: list[Part] | None = None    # split and joined rows: the old paragraphs
    right_parts: list[Part] | None = None   # the new paragraphs
    inline_parts: list[Part] | None = None  # the new ones with every segment (one column)


def _split_segments(segments):
    left = [s for s in segments if s["op"] != "insert"]
    right = [s for s in segments if s["op"] != "delete"]
    return left, right


def build_rows(display: list[dict], old: list[str], new: list[str]) -> list[Row]:
    """Turn diff.display_rows output into Rows with texts, split segments and change anchors."""
    moved_segments = {r["left"]: r["segments"] for r in display
                      if r["kind"] == "moved" and r.get("segments")}
    directions = move_directions(display)
    rows = []
    changes = 0
    for item in display:
        kind, left, right = item["kind"], item.get("left"), item.get("right")
        row = Row(kind=kind, left=left, right=right, promo=bool(item.get("promo")),
                  typography=bool(item.get("typography")),
                  left_text=old[left] if left is not None else None,
                  right_text=new[right] if right is not None else None)
        segments = item.get("segments")
        if kind == "changed" and segments:
            row.left_segments, row.right_segments = _split_segments(segments)
            row.inline_segments = segments
        elif kind in ("split", "joined"):
            _group_parts(row, item)
        elif kind == "moved":
            row.moved_from = item.get("from", left)
            row.moved_direction = directions.get(item["left"])
            row.left_text = None  # the old text shows where it stood, in the moved_away row
            if segments:
                row.right_segments = _split_segments(segments)[1]
        elif kind == "moved_away":
            row.moved_to = item["to"]
            row.moved_direction = directions.get(item["left"])
            if left in moved_segments:
                row.left_segments = _split_segments(moved_segments[left])[0]
        if kind != "unchanged":
            changes += 1
            row.anchor = f"c{changes}"
        rows.append(row)
    return rows


def _group_parts(row: Row, item: dict) -> None:
    """Fill the parts of a split or joined row: each side's paragraphs with their segments.

    The single side keeps its breaks (where the paragraph was cut, or where several were
    joined); each paragraph of the several sides gets the segments between two breaks.
    """
    segments = item["segments"]
    pieces = cut(segments)
    if row.kind == "split":
        row.left_parts = [Part(item["left"], [s for s in segments if s["op"] != "insert"])]
        row.right_parts = [Part(j, [s for s in piece if s["op"] != "delete"])
                           for j, piece in zip(item["rights"], pieces, strict=True)]
        row.inline_parts = [Part(j, piece) for j, piece in zip(item["rights"], pieces,
                                                                strict=True)]
    else:
        row.left_parts = [Part(i, [s for s in piece if s["op"] != "insert"])
                          for i, piece in zip(item["lefts"], pieces, strict=True)]
        row.right_parts = [Part(item["right"], [s for s in segments if s["op"] != "delete"])]
        row.inline_parts = [Part(item["right"], segments)]


@dataclass(frozen=True)
class DigestLine:
    """One item of the compare page's "What changed" list, with the anchor of its row."""

    kind: str                      # the digest item's kind: lede, number, quote, count, ...
    text: str
    anchor: str | None             # c1, c2, ... of the row it comes from; None: plain text


def digest_lines(digest: list[dict], rows: list[Row]) -> list[DigestLine]:
    """Pair each digest item (its `row` indexes the diff's rows) with that row's page anchor.

    The page's rows are the diff's rows in order plus a `moved_away` row at each moved
    paragraph's old place, so skipping those gives back the diff's indexes.
    """
    anchors = [r.anchor for r in rows if r.kind != "moved_away"]
    out = []
    for item in digest:
        k = item.get("row")
        anchor = anchors[k] if isinstance(k, int) and 0 <= k < len(anchors) else None
        out.append(DigestLine(item["kind"], item["text"], anchor))
    return out


def describe(row: Row) -> tuple[str, bool]:
    """Return (kind, promo) of a row, as `diff.fold_rows` asks."""
    return row.kind, row.promo


@dataclass(frozen=True)
class EmptyStory:
    """Version 0, the empty story before version 1, as the compare page shows it."""

    version: int = 0
    paragraphs: tuple = ()
    meta: dict = field(default_factory=dict)
    created_at: None = None


def safe_link(url: str | None) -> str | None:
    """Return url when it is an absolute http(s) address, else None (no javascript: links)."""
    if url and re.match(r"^https?://[^\s]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def age_bucket(first_version: int, latest: int) -> int:
    """Map the version a paragraph came in to one of AGE_BUCKETS shades (0 oldest, 5 newest)."""
    if latest <= 1:
        return 0
    return round((first_version - 1) * (AGE_BUCKETS - 1) / (latest - 1))


@dataclass(frozen=True)
class MetaRow:
    """One line of the compare page's "Details that changed" table."""

    name: str                      # as summaries word it: "headline", "editor's note"
    old: str | None
    new: str | None
    left_segments: list | None = None   # equal + delete (the headline)
    right_segments: list | None = None  # equal + insert
    typography: bool = False


def meta_rows(changes: list[dict]) -> list[MetaRow]:
    """Turn a diff's metadata changes (`VersionDiff.meta`) into rows of the compare page."""
    out = []
    for c in changes:
        left = right = None
        if c.get("segments"):
            left, right = _split_segments(c["segments"])
        out.append(MetaRow(diff_meta.LABELS.get(c["field"], c["field"]), c["old"], c["new"],
                           left, right, bool(c.get("typography"))))
    return out


@dataclass(frozen=True)
class Window:
    """The versions one page of a timeline shows: `first` to `last`, newest first on the page."""

    first: int
    last: int
    newer: bool                # newer versions are on another page
    newer_before: int | None   # that page's `before` (None: the newest page, no `before`)
    older_before: int | None   # the `before` of the next older page; None: this is the oldest


def window(count: int, before: int | None, size: int) -> Window:
    """Return the versions below `before` (all newest when None), at most size of them.

    A `before` past the newest version is read as "the newest page", so an old link still works.
    """
    top = count if before is None or before > count else before - 1
    first = max(1, top - size + 1)
    newer_before = top + size + 1 if top + size < count else None
    return Window(first, top, top < count, newer_before, first if first > 1 else None)


def sample_evenly(count: int, most: int) -> list[int]:
    """Return at most `most` indexes of range(count), evenly spread, the first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


#: Digest highlights a home-page line shows at most, and the characters of each quote or number.
HOME_HIGHLIGHTS = 3
HOME_ITEM = 48
# Metadata changes named, not quoted: the home page has no room for a before and after.
_NAMED = {"headline": "headline changed", "byline": "byline changed",
          "editor_note": "editor's note changed"}


def _short(text: str, limit: int = HOME_ITEM) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def _highlight(item: dict) -> str | None:
    """One digest item in a few words, or None when the line leaves it out."""
    kind = item["kind"]
    if kind in _NAMED:
        return _NAMED[kind]
    if kind == "lede":
        return item["text"].split(":", 1)[0]  # "new lede", "lede rewritten"
    if kind == "correction":
        return "correction"
    if kind == "quote":
        change = "altered" if "old" in item else item.get("change", "added")
        return f"quote {change}: \u201c{_short(item['quote'], HOME_ITEM - 20)}\u201d"
    if kind in ("killed", "number"):
        return _short(item["text"])
    return None  # the label (shown on its own), "+n more", counts (only when nothing else)


def home_line(version: int, label: str | None, digest: list[dict] | None) -> str:
    """The home page's line for an article's latest version: "v4 · label · highlights".

    digest None: version 1 ("new story"). Plain text: the template escapes it.
    """
    parts = [f"v{version}"]
    if label:
        parts.append(_short(label))
    if digest is None:
        parts.append("new story")
    else:
        # A lede "rewritten" only where a number changed says less than the number itself.
        number_rows = {item["row"] for item in digest if item["kind"] == "number"}
        kept = [i for i in digest if not (i["kind"] == "lede" and i["row"] in number_rows)]
        said = [h for h in map(_highlight, kept) if h][:HOME_HIGHLIGHTS]
        if not said:
            said = [item["text"] for item in digest if item["kind"] == "count"][:2]
        if said:
            parts.append(", ".join(said))
    return " \u00b7 ".join(parts)
