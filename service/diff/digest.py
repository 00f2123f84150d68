"""The update digest: the few changes a news editor looks for first, read off a diff.

`update_digest` is a pure function over a diff (rows with their segments, stats, metadata
changes) and the two versions' paragraphs and metadata: no network, no model, the same answer
for the same input. Items come most important first: a killed story, headline and label, a
new lede, corrections and editor's notes, byline; then numbers that changed, quotes added,
removed or altered; then counts of paragraphs added, removed, moved, edited and touched only
in typography. Each item is a dict {"kind", "text", "row"} (`row`: index in the diff's rows,
or None) with fields of its kind; a kind cut at CAP items ends with a {"kind": "more"} item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

from ..plural import plural
from .typography import normalise

__all__ = ["CAP", "digest_of", "update_digest"]

#: At most this many number and quote items each; the rest are counted in a "more" item.
CAP = 5
#: Excerpts (a lede, a quote) are cut to this many characters.
EXCERPT = 120

# A number: digits with thousands separators, decimals or a time's colon inside ("1,700",
# "3.5", "10:30"); \d is Unicode-aware, so full-width digits in CJK text count too.
_NUMBER = re.compile(r"\d(?:[\d,.:\u00a0\u202f]*\d)?")
# Quoted text: straight or curly double quotes, guillemets, CJK corner brackets.
_QUOTE = re.compile(r"[\"\u201c\u201d\u201e\u00ab\u300c\u300e]([^\"\u201c\u201d\u201e\u00ab\u00bb"
                    r"\u300c\u300d\u300e\u300f]+)[\"\u201c\u201d\u00bb\u300d\u300f]")
_NAME = r"\b((?:[A-Z][\w.'\u2019-]*)(?:\s+(?:[A-Z][\w.'\u2019-]*|de|van|von|al-\w+)){0,5})"
_VERBS = r"(?:said|says|told|added|wrote|asked|explained|insisted|warned|declared)\b"
# Who said it: in the rest of the sentence after the quote ("…," said Jane Doe / "…" of X,
# Jane Doe said), or before it (Jane Doe wrote on Twitter that "…").
_SAID_AFTER = re.compile(r"(?:^|,)\s*" + _VERBS + r"\s+" + _NAME)
_NAME_AFTER = re.compile(r"(?:^|,)\s*" + _NAME + r"\s+" + _VERBS)
_NAME_BEFORE = re.compile(_NAME + r"\s+" + _VERBS + r"[^.\"\u201c\u201d]{0,80}$")
# Where a sentence ends: not after "Sen." or "Mr." (short words), so titles stay in names.
_SENTENCE_END = re.compile(r"(?<=\w{4}[.!?])\s|(?<=[.!?][\"\u201d])\s")
_NOT_NAMES = frozenset({"He", "She", "They", "It", "We", "I", "You", "The", "This", "That",
                        "Officials", "Police", "A", "An"})
_CORRECTION = re.compile(
    r"\b(?:an?\s+)?(?:earlier|previous)\s+version\s+of\s+this\s+(?:story|article|report)"
    r"|\bthis\s+(?:story|article|report)\s+(?:has\s+been|was)\s+(?:corrected|updated\s+to\s+correct)"
    r"|^\s*(?:correction|corrects?|clarification)\b\s*[:\-—]"
    r"|\bcorrects?\s+(?:the\s+)?(?:spelling|name|number|figure|date|title|age|headline)\b",
    re.IGNORECASE)
_KILL_TEXT = re.compile(
    r"\b(?:story|article|report|item)\b[^.]{0,60}?\b(?:has\s+been|was|is\s+being|have\s+been)"
    r"\s+(?:withdrawn|killed|eliminated|retracted)\b", re.IGNORECASE)
_KILL_MARK = re.compile(r"^\s*(?:MANDATORY\s+)?(?:KILL|KILLED|WITHDRAWN|WITHDRAWAL|ELIMINATION)\b")
_KILL_LABEL = re.compile(r"\b(?:kill|killed|withdrawn|withheld|canceled|cancelled|eliminate)\b",
                         re.IGNORECASE)
_KILL_STATUS = frozenset({"canceled", "cancelled", "withheld"})
_STATUS_KEYS = ("pub_status", "pubStatus", "pubstatus")
_PUNCT = ",.;:!?\"'()[]\u201c\u201d\u2018\u2019\u3001\u3002\uff0c\uff1a\uff1b"
_META_KINDS = ("headline", "label", "editor_note", "byline")


def update_digest(diff: Any, old: Sequence[str] | None, new: Sequence[str],
                  old_meta: Mapping[str, Any] | None = None,
                  new_meta: Mapping[str, Any] | None = None) -> list[dict]:
    """Return the digest of a diff (anything with `rows`, `stats`, `meta`) of `old` and `new`."""
    old = list(old or [])
    rows: list[dict] = list(diff.rows)
    meta = {c["field"]: c for c in getattr(diff, "meta", []) or []}
    top: dict[str, list[dict]] = {k: [] for k in ("killed", *_META_KINDS, "lede", "correction")}
    _meta_items(meta, top)
    _killed(rows, new, old_meta, new_meta, meta, top)
    _lede(rows, old, new, top)
    _corrections(rows, old, new, top)
    order = ("killed", "headline", "label", "lede", "correction", "editor_note", "byline")
    items = [item for kind in order for item in top[kind]]
    items += _capped(_numbers(rows, old, new), "number", "numbers")
    items += _capped(_quotes(rows, old, new), "quote", "quotes")
    items += _counts(rows)
    return items


def digest_of(result: Any, old: Any, new: Any) -> list[dict]:
    """Return the digest of a Differ's VersionDiff of two Versions (`old` None: the empty story)."""
    return update_digest(result, old.paragraphs if old is not None else [], new.paragraphs,
                         old.meta if old is not None else None, new.meta)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1].rstrip() + "\u2026"


def _meta_items(meta: dict, top: dict) -> None:
    for kind in _META_KINDS:
        change = meta.get(kind)
        if change is None or change.get("typography"):
            continue
        name = "editor's note" if kind == "editor_note" else kind
        before, after = change["old"], change["new"]
        if kind == "editor_note" and after and _CORRECTION.search(after):
            top["correction"].append({"kind": "correction",
                                      "text": f"correction: {_excerpt(_unlabelled(after))}",
                                      "row": None, "field": kind, "note": after})
            continue
        if before is None:
            text = f"{name}: {_excerpt(after)}"
        elif after is None:
            text = f"{name} removed: {_excerpt(before)}"
        else:
            text = f"{name}: {_excerpt(before)} \u2192 {_excerpt(after)}"
        top[kind].append({"kind": kind, "text": text, "row": None, "old": before, "new": after})


def _status(meta: Mapping[str, Any] | None) -> str | None:
    for key in _STATUS_KEYS:
        value = (meta or {}).get(key)
        if isinstance(value, str) and value:
            return value.strip().lower()
    return None


def _killed(rows, new, old_meta, new_meta, meta, top) -> None:
    status = _status(new_meta)
    if status in _KILL_STATUS and _status(old_meta) != status:
        top["killed"].append({"kind": "killed", "text": f"story {status}", "row": None,
                              "status": status})
        return
    for field in ("label", "editor_note"):
        after = (meta.get(field) or {}).get("new")
        if after and _KILL_LABEL.search(after) and (field == "label" or _KILL_TEXT.search(after)):
            top["killed"].append({"kind": "killed", "text": f"story withdrawn: {_excerpt(after)}",
                                  "row": None, "field": field})
            return
    for k, row in enumerate(rows):
        if row["kind"] in ("added", "changed") and row["right"] is not None:
            text = new[row["right"]]
            if (_KILL_MARK.search(text) or _KILL_TEXT.search(text)) and not _was_there(row, text):
                top["killed"].append({"kind": "killed", "row": k,
                                      "text": f"story withdrawn: {_excerpt(text)}"})
                return


def _was_there(row: dict, text: str) -> bool:
    """Tell whether a changed row's marker was already in its old paragraph (not news)."""
    if row["kind"] != "changed":
        return False
    old = "".join(s["text"] for s in row.get("segments", []) if s["op"] in ("equal", "delete"))
    return bool(_KILL_MARK.search(old) or _KILL_TEXT.search(old)) or not old


def _lede(rows, old, new, top) -> None:
    if not new:
        return
    for k, row in enumerate(rows):
        if row["right"] != 0 and 0 not in row.get("rights", ()):
            continue
        kind = row["kind"]
        if kind == "added" or (kind == "moved" and not old[:1] == [new[0]]):
            text = f"new lede: {_excerpt(new[0])}"
        elif kind in ("changed", "split", "joined") and not row.get("typography"):
            text = f"lede rewritten: {_excerpt(new[0])}"
        else:
            return
        top["lede"].append({"kind": "lede", "text": text, "row": k, "new": new[0],
                            "old": old[row["left"]] if row["left"] is not None else None})
        return


def _corrections(rows, old, new, top) -> None:
    for k, row in enumerate(rows):
        if row["kind"] not in ("added", "changed", "split", "joined") or row.get("typography"):
            continue
        for j in _rights(row):
            text = new[j]
            before = old[row["left"]] if row["kind"] == "changed" else ""
            if _CORRECTION.search(text) and not _CORRECTION.search(before):
                top["correction"].append({"kind": "correction", "row": k, "note": text,
                                          "text": f"correction: {_excerpt(_unlabelled(text))}"})


_LABELLED = re.compile(r"^\s*(?:corrections?|clarification)\s*[:\-\u2014]\s*", re.IGNORECASE)


def _unlabelled(note: str) -> str:
    """A note without its own "Correction:" label, which the item's text already says."""
    return _LABELLED.sub("", note, count=1) or note


def _rights(row: dict) -> list[int]:
    return row.get("rights") or ([] if row["right"] is None else [row["right"]])


def _capped(items: list[dict], kind: str, plural_name: str) -> list[dict]:
    if len(items) <= CAP:
        return items
    rest = len(items) - CAP
    return items[:CAP] + [{"kind": "more", "of": kind, "count": rest, "row": None,
                           "text": f"+{rest} more {kind if rest == 1 else plural_name}"}]


# --- numbers ---------------------------------------------------------------------------------

def _numbers(rows, old, new) -> list[dict]:
    """Numbers replaced in place in edited paragraphs: a deleted and an inserted one in one run."""
    found: list[dict] = []
    for k, row in enumerate(rows):
        segs = row.get("segments")
        if not segs or row.get("typography") or row["kind"] not in ("changed", "moved"):
            continue
        before, after = old[row["left"]], new[row["right"]]
        seen: set[int] = set()
        for (a0, a1), (b0, b1) in _runs(segs):
            olds = _tokens(before, a0, a1)
            news = [m for m in _tokens(after, b0, b1) if m.start() not in seen]
            for o, n in zip(olds, news, strict=False):
                if o.group() == n.group():
                    continue
                seen.add(n.start())
                left, right = _word_before(after, n.start()), _word_after(after, n.end())
                text = " ".join(x for x in (left, f"{o.group()} \u2192 {n.group()}", right) if x)
                found.append({"kind": "number", "text": text, "row": k,
                              "old": o.group(), "new": n.group()})
    return found


def _runs(segs: list[dict]):
    """Yield the (old span, new span) of each run of deletes and inserts between equal text."""
    a = b = 0
    start = None
    for s in [*segs, {"op": "equal", "text": ""}]:
        if s["op"] in ("delete", "insert"):
            if start is None:
                start = (a, b)
            if s["op"] == "delete":
                a += len(s["text"])
            else:
                b += len(s["text"])
            continue
        if start is not None:
            yield (start[0], a), (start[1], b)
            start = None
        a += len(s["text"])
        b += len(s["text"])


def _tokens(text: str, lo: int, hi: int) -> list[re.Match[str]]:
    """Return the numbers in `text` that overlap [lo, hi) (or touch it, when it is empty)."""
    out = []
    for m in _NUMBER.finditer(text, max(0, lo - 32), hi + 32):
        if (m.start() < hi and m.end() > lo) or (lo == hi and m.start() <= lo <= m.end()):
            out.append(m)
    return out


def _wide(word: str) -> bool:
    return any(ord(c) >= 0x2E80 for c in word)


def _word_before(text: str, at: int) -> str:
    m = re.search(r"([^\s\d]+)\s*$", text[max(0, at - 40):at])
    word = m.group(1).strip(_PUNCT) if m else ""
    return word[-4:] if _wide(word) else word


def _word_after(text: str, at: int) -> str:
    m = re.match(r"\s*([^\s\d]+)", text[at:at + 40])
    word = m.group(1).strip(_PUNCT) if m else ""
    if _wide(word):
        word = re.split(r"[\u3001\u3002\uff0c\uff1a\uff1b]", word)[0][:4]
    return word


# --- quotes ----------------------------------------------------------------------------------

def _quoted(text: str) -> list[tuple[str, str | None]]:
    """Return the quotes of a paragraph (three words or more) with their speaker, when named."""
    out = []
    for m in _QUOTE.finditer(text):
        quote = m.group(1).strip().rstrip(",;:")  # the comma before "he said"
        if len(quote.split()) < 3 and not (_wide(quote) and len(quote) >= 6):
            continue  # a scare quote ("imminent"), not speech
        out.append((quote, _speaker(text, m.start(), m.end())))
    return out


def _speaker(text: str, start: int, end: int) -> str | None:
    after = re.split(r"[\"\u201c]", _SENTENCE_END.split(text[end:end + 120])[0])[0]
    for pattern in (_SAID_AFTER, _NAME_AFTER):
        m = pattern.search(after)
        if m and m.group(1).split()[0] not in _NOT_NAMES:
            return m.group(1).rstrip(".,")
    m = _NAME_BEFORE.search(_SENTENCE_END.split(text[max(0, start - 160):start])[-1])
    if m and m.group(1).split()[0] not in _NOT_NAMES:
        return m.group(1).rstrip(".,")
    return None


def _quotes(rows, old, new) -> list[dict]:
    """Quotes added, removed or altered; a quote only moved between paragraphs is none of these."""
    gone: list[tuple[int, str, str | None]] = []
    came: list[tuple[int, str, str | None]] = []
    for k, row in enumerate(rows):
        if row["kind"] == "unchanged" or row.get("typography"):
            continue
        if row["kind"] == "moved" and not row.get("segments"):
            continue
        olds = [q for i in _lefts(row) for q in _quoted(old[i])]
        news = [q for j in _rights(row) for q in _quoted(new[j])]
        keys = {normalise(q) for q, _ in olds}
        new_keys = {normalise(q) for q, _ in news}
        gone += [(k, q, s) for q, s in olds if normalise(q) not in new_keys]
        came += [(k, q, s) for q, s in news if normalise(q) not in keys]
    # A quote removed in one paragraph and added in another is moved, not news.
    came_keys = {normalise(q) for _, q, _ in came}
    gone_keys = {normalise(q) for _, q, _ in gone}
    gone = [g for g in gone if normalise(g[1]) not in came_keys]
    came = [c for c in came if normalise(c[1]) not in gone_keys]
    items: list[dict] = []
    left = list(gone)
    for k, quote, speaker in came:
        match = _closest(quote, k, left)
        if match is not None:
            left.remove(match)
            who = speaker or match[2]
            items.append(_quote_item("altered", k, quote, who, old=match[1]))
        else:
            items.append(_quote_item("added", k, quote, speaker))
    items += [_quote_item("removed", k, q, s) for k, q, s in left]
    items.sort(key=lambda item: item["row"])
    return items


def _lefts(row: dict) -> list[int]:
    return row.get("lefts") or ([] if row["left"] is None else [row["left"]])


def _closest(quote: str, row: int, gone: list) -> tuple | None:
    """The removed quote this one rewrites: same row first, then any, if similar enough."""
    if len(gone) > 50:
        gone = [g for g in gone if g[0] == row]  # bounded work on huge rewrites
    best, score = None, 0.5
    for g in sorted(gone, key=lambda g: g[0] != row):
        ratio = SequenceMatcher(None, normalise(g[1]), normalise(quote)).ratio()
        if ratio > score:
            best, score = g, ratio
    return best


def _quote_item(change: str, row: int, quote: str, speaker: str | None, old: str | None = None):
    who = f" \u2014 {speaker}" if speaker else ""
    text = f"quote {change}: \u201c{_excerpt(quote)}\u201d{who}"
    if old is not None:
        text = f"quote altered: \u201c{_excerpt(old)}\u201d \u2192 \u201c{_excerpt(quote)}\u201d{who}"
    item: dict = {"kind": "quote", "change": change, "text": text, "row": row, "quote": quote,
                  "speaker": speaker}
    if old is not None:
        item["old"] = old
    return item


# --- counts ----------------------------------------------------------------------------------

_COUNTED = (("added", "added"), ("removed", "removed"), ("moved", "moved"),
            ("edited", "edited"), ("split", "split"), ("joined", "joined"),
            ("typography", "with typography-only edits"))


def _counts(rows: list[dict]) -> list[dict]:
    """One item per kind of paragraph change present, pointing at its first row."""
    tally: dict[str, list[int]] = {}
    for k, row in enumerate(rows):
        kind = row["kind"]
        if kind == "changed":
            kind = "typography" if row.get("typography") else "edited"
        elif kind == "moved" and row.get("typography"):
            tally.setdefault("typography", []).append(k)
        if kind != "unchanged":
            tally.setdefault(kind, []).append(k)
    return [{"kind": "count", "change": kind, "count": len(tally[kind]), "row": tally[kind][0],
             "text": f"{plural(len(tally[kind]), 'paragraph')} {words}"}
            for kind, words in _COUNTED if kind in tally]
