"""The paragraph diff of two versions: `diff_paragraphs(old, new)` returns rows and stats.

Pure functions over str (no Flask, no git). Each row is a dict
    {"kind": "unchanged" | "changed" | "added" | "removed" | "moved",
     "left": old index or None, "right": new index or None,
     "segments": [{"op": "equal" | "insert" | "delete", "text": str}, ...],  # edited pairs
     "promo": True}                                                          # promo lines
in the new version's order, removed paragraphs where they stood; the left paragraphs of the
rows give the old text back and the right ones the new (the rules: `lossless.py`). The
pipeline, align -> pair edits -> moves -> rows, is described in docs/ARCHITECTURE.md, "The diff
pipeline".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .align import align, gaps, pair_edits
from .inline import Scorer, WordsOf, segments
from .moves import find_moves, settle_in_place
from .typography import is_promo, normalise

__all__ = ["KINDS", "Diff", "check_paragraphs", "diff_paragraphs"]

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


def check_paragraphs(name: str, paragraphs: Sequence[str]) -> None:
    """Raise TypeError unless `paragraphs` is a sequence of str (naming it `name`)."""
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
    check_paragraphs("old", old)
    check_paragraphs("new", new)
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
    """Return (in-place pairs, moved pairs) of old and new keys (align, pair edits, moves)."""
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
