"""The paragraph diff of two versions (DESIGN §4): rows, stats, display rows and annotate.

Pure functions over str, no Flask and no git. `diff_paragraphs(old, new)` returns a `Diff`:

`rows`, in the new version's order, each a dict
    {"kind": "unchanged" | "changed" | "added" | "removed" | "moved",
     "left": old index or None, "right": new index or None,
     "segments": [{"op": "equal" | "insert" | "delete", "text": str}, ...],
     "promo": True}
(`segments` on changed rows and on moved rows that were edited; `promo` only on promotional
lines, either side).
`stats`: {"unchanged", "changed", "added", "removed", "moved", "words_added", "words_removed"}.

Lossless means, for old paragraphs 0..n-1 and new ones 0..m-1:
  1. the `right` indexes of the rows, in row order, are exactly 0, 1, ..., m-1;
  2. every `left` index 0..n-1 appears in exactly one row;
  3. over the rows that are not `moved`, `left` indexes increase in row order;
  4. unchanged and unedited moved rows join paragraphs with equal comparison keys (the text
     itself, or its typography-normalised form); for rows with segments, the equal and delete
     segments rebuild the old paragraph exactly and the equal and insert segments the new one;
  5. a removed row stands right after the row holding the nearest earlier old paragraph that
     did not move (after the removed rows that follow that one), or first if there is none.
So the left paragraphs of the rows give the old text back and the right ones the new text.

A `moved` row stands at the paragraph's new place; `display_rows` adds a `moved_away` row at
its old place (placed like a removed row) so a page can show and link both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .align import align, gaps, pair_edits
from .inline import Scorer, WordsOf, segments
from .moves import find_moves, settle_in_place
from .typography import is_promo, normalise

__all__ = [
    "Diff",
    "LossError",
    "annotate",
    "annotate_from_diffs",
    "diff_paragraphs",
    "display_rows",
    "verify",
]

_WORD = re.compile(r"\S+")
KINDS = ("unchanged", "changed", "added", "removed", "moved")


@dataclass
class Diff:
    """The rows and stats of one paragraph diff."""

    rows: list[dict] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the JSON-ready form {"stats": ..., "rows": ...}."""
        return {"stats": self.stats, "rows": self.rows}


def _check(name: str, paragraphs: Sequence[str]) -> None:
    if isinstance(paragraphs, str | bytes) or not isinstance(paragraphs, Sequence):
        kind = type(paragraphs).__name__
        raise TypeError(f"{name} must be a list of paragraphs (str), got {kind}")
    for k, p in enumerate(paragraphs):
        if not isinstance(p, str):
            raise TypeError(f"{name}[{k}] must be a str, got {type(p).__name__}")


def diff_paragraphs(
    old: Sequence[str],
    new: Sequence[str],
    *,
    ignore_typography: bool = False,
    promo_pattern: str | None = None,
) -> Diff:
    """Diff two versions given as lists of paragraphs.

    Args:
        old: the earlier version's paragraphs.
        new: the later version's paragraphs.
        ignore_typography: compare by `typography.normalise` keys (rows keep the real text).
        promo_pattern: regular expression for promotional lines (default: config's).

    Raises:
        TypeError: a version is not a sequence of str.
        ValueError: promo_pattern is not a valid regular expression.
    """
    _check("old", old)
    _check("new", new)
    is_promo("", promo_pattern)  # a bad pattern fails before any work
    if ignore_typography:
        ka, kb = [normalise(p) for p in old], [normalise(p) for p in new]
    else:
        ka, kb = list(old), list(new)
    # Work in one orientation whichever way round the versions come, so that diff(b, a) is
    # exactly the mirror of diff(a, b): alignment ties (repeated paragraphs) then break the
    # same way in both directions.
    flip = kb < ka
    if flip:
        pairs, moved = _pair(kb, ka)
        pairs = sorted((i, j) for j, i in pairs)
        moved = [(i, j) for j, i in moved]
    else:
        pairs, moved = _pair(ka, kb)
    return _build(old, new, ka, kb, pairs, moved, promo_pattern, flip)


def _pair(ka: list[str], kb: list[str]):
    """Return (in-place pairs, moved pairs) of old and new keys; see the module docstring."""
    n, m = len(ka), len(kb)
    pairs = align(ka, kb)
    words_a, words_b = WordsOf(ka), WordsOf(kb)
    scorer = Scorer()  # one budget for all the scoring of this diff
    edited: list[tuple[int, int]] = []
    spans = list(gaps(pairs, n, m))
    if spans:
        # A paragraph whose exact twin is unpaired on the other side is that twin moved;
        # keep it out of the edit pairing so a look-alike here cannot claim it first.
        in_a, in_b = {i for i, _ in pairs}, {j for _, j in pairs}
        loose_a = {ka[i] for i in range(n) if i not in in_a}
        loose_b = {kb[j] for j in range(m) if j not in in_b}
        for ra, rb in spans:
            ra = [i for i in ra if ka[i] not in loose_b]
            rb = [j for j in rb if kb[j] not in loose_a]
            edited.extend(pair_edits(ra, rb, words_a, words_b, scorer))
    if edited:
        pairs = sorted(pairs + edited)
    paired_a = {i for i, _ in pairs}
    paired_b = {j for _, j in pairs}
    candidates = find_moves(
        ka,
        kb,
        [i for i in range(n) if i not in paired_a],
        [j for j in range(m) if j not in paired_b],
        words_a,
        words_b,
        scorer,
    )
    stay, moved = settle_in_place(pairs, candidates)
    if stay:
        pairs = sorted(pairs + stay)
    return pairs, moved


def _mirrored(segs: list[dict]) -> list[dict]:
    """Return the segments of the reverse edit: inserts and deletes swapped, deletes first."""
    out: list[dict] = []
    run: list[dict] = []
    for s in [*segs, None]:
        if s is None or s["op"] == "equal":
            out.extend(x for x in run if x["op"] == "delete")
            out.extend(x for x in run if x["op"] == "insert")
            run = []
            if s is not None:
                out.append(s)
        else:
            run.append({"op": "delete" if s["op"] == "insert" else "insert", "text": s["text"]})
    return out


def _build(old, new, ka, kb, pairs, moved, promo_pattern, flip) -> Diff:
    n, m = len(old), len(new)
    in_place_a = {i for i, _ in pairs}
    right_of = {j: i for i, j in pairs}
    moved_to = {j: i for i, j in moved}
    moved_a = {i for i, _ in moved}
    stats = dict.fromkeys(KINDS, 0)
    stats["words_added"] = stats["words_removed"] = 0
    rows: list[dict] = []
    # By text, so the two sides of an unchanged row (equal texts) are tested once.
    promos: dict[str, bool] = {}

    def promo(text: str) -> bool:
        p = promos.get(text)
        if p is None:
            p = promos[text] = is_promo(text, promo_pattern)
        return p

    def row(kind: str, i: int | None, j: int | None) -> None:
        r: dict = {"kind": kind, "left": i, "right": j}
        if kind in ("changed", "moved") and ka[i] != kb[j]:
            segs = _mirrored(segments(new[j], old[i])) if flip else segments(old[i], new[j])
            r["segments"] = segs
            stats["words_added"] += _touched_words(new[j], segs, "insert")
            stats["words_removed"] += _touched_words(old[i], segs, "delete")
        elif kind == "added":
            stats["words_added"] += len(_WORD.findall(new[j]))
        elif kind == "removed":
            stats["words_removed"] += len(_WORD.findall(old[i]))
        if (j is not None and promo(new[j])) or (i is not None and promo(old[i])):
            r["promo"] = True
        stats[kind] += 1
        rows.append(r)

    def removed_after(i: int) -> None:
        # The old paragraphs after i up to the next one that kept its place: removed ones get
        # their row here; moved ones have theirs at the new place.
        k = i + 1
        while k < n and k not in in_place_a:
            if k not in moved_a:
                row("removed", k, None)
            k += 1

    removed_after(-1)
    for j in range(m):
        i = right_of.get(j)
        if i is not None:
            row("unchanged" if ka[i] == kb[j] else "changed", i, j)
            removed_after(i)
        elif j in moved_to:
            row("moved", moved_to[j], j)
        else:
            row("added", None, j)
    return Diff(rows=rows, stats=stats)


def _touched_words(text: str, segs: list[dict], op: str) -> int:
    """Count the words of `text` that overlap a segment of kind `op` (insert or delete)."""
    spans = []
    pos = 0
    for s in segs:
        if s["op"] == "equal" or s["op"] == op:
            end = pos + len(s["text"])
            if s["op"] == op:
                spans.append((pos, end))
            pos = end
    count, k = 0, 0
    for w in _WORD.finditer(text):
        while k < len(spans) and spans[k][1] <= w.start():
            k += 1
        if k == len(spans):
            break
        if spans[k][0] < w.end():
            count += 1
    return count


def display_rows(diff: Diff | Mapping) -> list[dict]:
    """Return the rows plus a `moved_away` row at each moved paragraph's old place.

    Each moved row gets `"from": i` (its old index) and each `moved_away` row `"to": j`
    (the new index), so a page can mark both places and link them. Accepts a `Diff` or
    its `to_dict()` form (e.g. from a cache).
    """
    rows = diff.rows if isinstance(diff, Diff) else diff["rows"]
    moved = {r["left"]: r["right"] for r in rows if r["kind"] == "moved"}
    n = sum(1 for r in rows if r["left"] is not None)
    out: list[dict] = []

    def moved_away_after(i: int) -> None:
        k = i + 1
        while k < n and k in moved:
            out.append({"kind": "moved_away", "left": k, "right": None, "to": moved[k]})
            k += 1

    moved_away_after(-1)
    for r in rows:
        if r["kind"] == "moved":
            out.append({**r, "from": r["left"]})
        else:
            out.append(r)
            if r["left"] is not None:
                moved_away_after(r["left"])
    return out


class LossError(ValueError):
    """A diff breaks one of the lossless rules of this module's docstring."""


def verify(old: Sequence[str], new: Sequence[str], diff: Diff, *, ignore_typography=False) -> None:
    """Check that `diff` is a lossless diff of `old` to `new`.

    Raises:
        LossError: naming the first rule broken.
    """
    key = normalise if ignore_typography else str
    rows = diff.rows
    rights = [r["right"] for r in rows if r["right"] is not None]
    if rights != list(range(len(new))):
        raise LossError(f"right indexes in row order are {rights}, not 0..{len(new) - 1}")
    lefts = sorted(r["left"] for r in rows if r["left"] is not None)
    if lefts != list(range(len(old))):
        raise LossError(f"left indexes are {lefts}, not each of 0..{len(old) - 1} once")
    in_order = [r["left"] for r in rows if r["left"] is not None and r["kind"] != "moved"]
    if in_order != sorted(in_order):
        raise LossError(f"left indexes of rows that did not move go back: {in_order}")
    moved = {r["left"] for r in rows if r["kind"] == "moved"}
    for p, r in enumerate(rows):
        kind, i, j = r["kind"], r["left"], r["right"]
        sides = {"added": (False, True), "removed": (True, False)}.get(kind, (True, True))
        if kind not in KINDS or ((i is not None), (j is not None)) != sides:
            raise LossError(f"row {p} {r} has the wrong kind or sides")
        if "segments" in r:
            segs = r["segments"]
            was = "".join(s["text"] for s in segs if s["op"] in ("equal", "delete"))
            now = "".join(s["text"] for s in segs if s["op"] in ("equal", "insert"))
            if kind not in ("changed", "moved") or was != old[i] or now != new[j]:
                raise LossError(f"row {p}: segments do not rebuild old[{i}] and new[{j}]")
        elif kind in ("unchanged", "moved") and key(old[i]) != key(new[j]):
            raise LossError(f"row {p}: old[{i}] and new[{j}] differ but carry no segments")
        elif kind == "changed":
            raise LossError(f"row {p}: a changed row without segments")
        if kind == "removed":
            k = i - 1
            while k in moved:
                k -= 1
            before = rows[p - 1]["left"] if p else None
            if (k >= 0 and (before != k or rows[p - 1]["kind"] == "moved")) or (k < 0 and p):
                raise LossError(f"row {p}: removed old[{i}] does not stand where it stood")


def annotate_from_diffs(paragraphs: Sequence[str], diffs: Sequence[Diff | Mapping]) -> list[dict]:
    """Annotate the last version from the diffs between consecutive versions.

    Args:
        paragraphs: the last version's paragraphs (version len(diffs) + 1).
        diffs: diffs[k] is the diff of version k+1 to version k+2 (a `Diff` or its
            `to_dict()` form, e.g. from a cache keyed by commit ids).

    Returns one dict per paragraph: {"index", "text", "first_version", "last_changed_version"},
    versions counted from 1. Unchanged and moved rows carry a paragraph's history forward;
    changed rows and moved rows with segments also make this version its last change.

    Raises:
        ValueError: the diffs do not chain (paragraph counts disagree).
    """
    _check("paragraphs", paragraphs)
    rows_list = [d.rows if isinstance(d, Diff) else d["rows"] for d in diffs]
    count = sum(1 for r in rows_list[0] if r["left"] is not None) if rows_list else len(paragraphs)
    history = [(1, 1)] * count
    for v, rows in enumerate(rows_list, start=2):
        lefts = sum(1 for r in rows if r["left"] is not None)
        if lefts != len(history):
            raise ValueError(
                f"diff {v - 1}->{v} has {lefts} old paragraphs, version {v - 1} has {len(history)}"
            )
        nxt: list[tuple[int, int]] = [(v, v)] * sum(1 for r in rows if r["right"] is not None)
        for r in rows:
            j = r["right"]
            if j is None or r["kind"] == "added":
                continue
            first, last = history[r["left"]]
            edited = r["kind"] == "changed" or "segments" in r
            nxt[j] = (first, v if edited else last)
        history = nxt
    if len(history) != len(paragraphs):
        raise ValueError(f"the diffs end with {len(history)} paragraphs, not {len(paragraphs)}")
    return [
        {"index": k, "text": text, "first_version": f, "last_changed_version": last}
        for k, (text, (f, last)) in enumerate(zip(paragraphs, history, strict=True))
    ]


def annotate(versions: Sequence[Sequence[str]], *, ignore_typography: bool = False) -> list[dict]:
    """Annotate the last of `versions` (oldest first): where each paragraph came from.

    Raises:
        ValueError: `versions` is empty.
        TypeError: a version is not a sequence of str.
    """
    if not versions:
        raise ValueError("annotate needs at least one version")
    diffs = [
        diff_paragraphs(a, b, ignore_typography=ignore_typography)
        for a, b in zip(versions, versions[1:], strict=False)
    ]
    return annotate_from_diffs(versions[-1], diffs)
