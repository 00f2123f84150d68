"""The paragraph diff of two versions: `diff_paragraphs(old, new)` returns rows and stats.

Pure functions over str (no Flask, no git). Each row is a dict
    {"kind": "unchanged" | "changed" | "added" | "removed" | "moved" | "split" | "joined",
     "left": old index or None, "right": new index or None,
     "rights": [j, j+1, ...],                                 # split: one old, several new
     "lefts": [i, i+1, ...],                                  # joined: several old, one new
     "segments": [{"op": "equal" | "insert" | "delete" | "break", "text": str}, ...],
     "promo": True}                                           # promo lines
in the new version's order, removed paragraphs where they stood; `left` and `right` are an
index or None on every kind (the first of `lefts`/`rights` on joined and split rows: see
`lefts_of` and `rights_of`); segments on edited pairs, and on split and joined rows across
their paragraphs (`break` where one of the several ends: `splits.group_segments`). The left
paragraphs of the rows give the old text back and the right ones the new (the rules:
`lossless.py`). The pipeline, pairs -> heaviest chain in place -> moves -> splits and joins ->
rows, is described in docs/ARCHITECTURE.md, "The diff pipeline".
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .align import (
    EDIT_THRESHOLD,
    GAP_BUDGET,
    REWRITE_THRESHOLD,
    fill,
    longest_increasing,
    pair_edits,
    repeated_pairs,
    unique_pairs,
)
from .inline import Scorer, WordsOf, segments
from .moves import (
    MOVE_THRESHOLD,
    equal_pairs,
    heaviest_chain,
    near_matches,
    pair_weight,
    settle_in_place,
)
from .splits import BREAK, Group, cut, find_splits, free_gaps, group_segments
from .typography import is_promo, normalise

__all__ = ["KINDS", "Diff", "check_paragraphs", "diff_paragraphs", "lefts_of", "rights_of"]

_WORD = re.compile(r"\S+")
KINDS = ("unchanged", "changed", "added", "removed", "moved", "split", "joined")


@dataclass
class Diff:
    """The rows and stats of one paragraph diff."""

    rows: list[dict] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the JSON-ready form {"stats": ..., "rows": ...}."""
        return {"stats": self.stats, "rows": self.rows}


def lefts_of(row: dict) -> list[int]:
    """Return the old indexes a row holds: `lefts` of a joined row, else [left] or []."""
    if "lefts" in row:
        return row["lefts"]
    return [] if row["left"] is None else [row["left"]]


def rights_of(row: dict) -> list[int]:
    """Return the new indexes a row holds: `rights` of a split row, else [right] or []."""
    if "rights" in row:
        return row["rights"]
    return [] if row["right"] is None else [row["right"]]


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
        pairs, moved, groups = _pair(kb, ka)
        pairs = sorted((i, j) for j, i in pairs)
        moved = [(i, j) for j, i in moved]
        groups = sorted((lefts, rights) for rights, lefts in groups)
    else:
        pairs, moved, groups = _pair(ka, kb)
    return _build(old, new, ka, kb, pairs, moved, groups, promo_pattern, flip)


def _pair(ka: list[str], kb: list[str]):
    """Return (in-place pairs, moved pairs, split and joined groups) of old and new keys.

    The steps (docs/ARCHITECTURE.md, "The diff pipeline"): exact pairs of paragraphs unique in
    both and edited pairs, the heaviest chain of them in place and the rest moved; repeated
    paragraphs in the gaps of that chain; edits among what is left in each gap; splits and
    joins; one-for-one rewrites in place.
    """
    n, m = len(ka), len(kb)
    words_a, words_b = WordsOf(ka), WordsOf(kb)
    scorer = Scorer()  # one budget for all the scoring of this diff
    count_a, count_b = Counter(ka), Counter(kb)
    # 1. Paragraphs unique in both versions pair exactly; a first alignment (patience, then
    #    repeated lines between) only cuts the document into gaps for step 2.
    unique = unique_pairs(ka, kb, count_a, count_b)
    repeated, crowded = repeated_pairs(ka, kb, count_a, count_b)
    shared = {k for k, c in count_b.items() if k in count_a and (c > 1 or count_a[k] > 1)}
    anchors = [unique[x] for x in longest_increasing([j for _, j in unique])]
    first, budget = fill(ka, kb, anchors, GAP_BUDGET, shared)
    # 2. Edited pairs, among paragraphs with no exact twin on the other side: by score in each
    #    gap, then by content words across the whole document.
    scores: dict[tuple[int, int], float] = {}
    edited: list[tuple[int, int]] = []
    alone_a = {i for i in range(n) if ka[i] not in count_b}
    alone_b = {j for j in range(m) if kb[j] not in count_a}
    for olds, news, _ in free_gaps([(i, i, j, j) for i, j in first], alone_a, alone_b, m):
        edited.extend(pair_edits(olds, news, words_a, words_b, scorer, scores))
    alone_a.difference_update(i for i, _ in edited)
    alone_b.difference_update(j for _, j in edited)
    for i, j, s in near_matches(ka, kb, sorted(alone_a), sorted(alone_b), words_a, words_b,
                                scorer, EDIT_THRESHOLD):
        edited.append((i, j))
        scores[i, j] = s
    # 3. The order-keeping set of pairs with the most text in common stays in place, only the
    #    rest moved (an edited pair only if it matches well enough to be recognised elsewhere).
    #    Every pairing of the copies of repeated paragraphs takes part on a lower tier: they
    #    never outweigh a paragraph unique in both, but among chains of equal weight they
    #    choose the one keeping most of them in place; then the most pairs.
    main = sorted(unique + edited)
    low = {p: pair_weight(1.0, ka[p[0]], kb[p[1]]) for p in repeated}
    tier = len(main) + len(repeated) + 1
    high = (sum(low.values()) + 1) * tier
    weighted = [(i, j, (pair_weight(scores[i, j], ka[i], kb[j]) if (i, j) in scores
                        else 16 * len(ka[i])) * high + 1) for i, j in main]
    weighted += [(i, j, w * tier + 1) for (i, j), w in low.items()]
    weighted.sort(key=lambda p: (p[0], -p[1]))
    chain = heaviest_chain([p[1] for p in weighted], [p[2] for p in weighted])
    kept = [(weighted[x][0], weighted[x][1]) for x in chain]
    kept_set = set(kept)
    moved = [p for p in main if p not in kept_set and scores.get(p, 1.0) >= MOVE_THRESHOLD]
    # 4. Copies of repeated paragraphs past REPEATED_PAIRS: by diff-match-patch in the gaps of
    #    the chain (within what is left of the budget), then the rest by hash.
    if kept == anchors:
        pairs = first  # the first alignment's repeated lines all fit (none else would)
    else:
        ki, kj = [i for i, _ in kept], [j for _, j in kept]
        fits = [(i, j) for i, j in first if ka[i] in crowded
                and bisect.bisect_left(ki, i) == bisect.bisect_left(kj, j)]
        pairs, _ = fill(ka, kb, sorted(kept + fits), budget, crowded)
    used_a = {i for i, _ in pairs} | {i for i, _ in moved}
    used_b = {j for _, j in pairs} | {j for _, j in moved}
    hashed = equal_pairs(ka, kb, [i for i in range(n) if i not in used_a],
                         [j for j in range(m) if j not in used_b])
    stay, more = settle_in_place(pairs, hashed)
    pairs = sorted(pairs + stay)
    moved += more
    # 5. Edits among the paragraphs still unpaired, in the gaps of what stays in place.
    used_a = {i for i, _ in pairs} | {i for i, _ in moved}
    used_b = {j for _, j in pairs} | {j for _, j in moved}
    free_a = {i for i in range(n) if i not in used_a}
    free_b = {j for j in range(m) if j not in used_b}
    late: list[tuple[int, int]] = []
    for olds, news, _ in free_gaps([(i, i, j, j) for i, j in pairs], free_a, free_b, m):
        late.extend(pair_edits(olds, news, words_a, words_b, scorer, scores))
    if late:
        pairs = sorted(pairs + late)
        free_a.difference_update(i for i, _ in late)
        free_b.difference_update(j for _, j in late)
    # 6. Splits, then joins (a split with the versions swapped), in place.
    seeds = sorted([p for p in scores if p in kept_set] + late)  # edited pairs in place
    splits = find_splits(ka, kb, pairs, seeds, free_a, free_b, words_a, words_b, scorer, scores)
    split_a = {i for i, _ in splits}
    if split_a:
        pairs = [p for p in pairs if p[0] not in split_a]
    joins = find_splits(kb, ka, [(j, i) for i, j in pairs],
                        [(j, i) for i, j in seeds if i not in split_a], free_b, free_a,
                        words_b, words_a, scorer, {(j, i): s for (i, j), s in scores.items()},
                        [(run[0], run[-1], i, i) for i, run in splits])
    join_b = {j for j, _ in joins}
    if join_b:
        pairs = [p for p in pairs if p[1] not in join_b]
    groups: list[Group] = [((i,), run) for i, run in splits]
    groups += [(run, (j,)) for j, run in joins]
    # 7. A rewrite in place: one unpaired old and one unpaired new paragraph alone between
    #    the same two neighbours that kept their place pair at a lower threshold.
    rewrites = []
    spans = sorted([(i, i, j, j) for i, j in pairs]
                   + [(lefts[0], lefts[-1], rights[0], rights[-1]) for lefts, rights in groups])
    for olds, news, _ in free_gaps(spans, free_a, free_b, m):
        if len(olds) == 1 == len(news) and scorer.left:
            wa, wb = words_a[olds[0]], words_b[news[0]]
            if scorer.bound(wa, wb) >= REWRITE_THRESHOLD:
                s = scorer.score(wa, wb)
                if s >= REWRITE_THRESHOLD:
                    rewrites.append((olds[0], news[0]))
    if rewrites:
        pairs = sorted(pairs + rewrites)
    return pairs, moved, sorted(groups)


def _mirrored(segs: list[dict]) -> list[dict]:
    """Return the segments of the reverse edit: inserts and deletes swapped, deletes first.

    Equal segments and breaks (split and joined rows) stay where they are.
    """
    out: list[dict] = []
    run: list[dict] = []
    for s in [*segs, None]:
        if s is None or s["op"] == "equal" or s["op"] == BREAK:
            out.extend(x for x in run if x["op"] == "delete")
            out.extend(x for x in run if x["op"] == "insert")
            run = []
            if s is not None:
                out.append(s)
        else:
            run.append({"op": "delete" if s["op"] == "insert" else "insert", "text": s["text"]})
    return out


def _build(old, new, ka, kb, pairs, moved, groups, promo_pattern, flip) -> Diff:
    n, m = len(old), len(new)
    in_place_a = {i for i, _ in pairs} | {i for lefts, _ in groups for i in lefts}
    right_of = {j: i for i, j in pairs}
    group_at = {rights[0]: (lefts, rights) for lefts, rights in groups}
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
            # Only quotes, dashes, spaces or Unicode forms differ. Each replaced run is compared
            # first (cheap: only what changed), and the whole paragraphs only when every run
            # passes: normalising a giant paragraph on every edit cost ~300 ms.
            if _runs_typographic(segs) and normalise(old[i]) == normalise(new[j]):
                r["typography"] = True
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

    covered = {j for _, rights in groups for j in rights[1:]}

    def removed_after(i: int) -> None:
        # The old paragraphs after i up to the next one that kept its place: removed ones get
        # their row here; moved ones have theirs at the new place.
        k = i + 1
        while k < n and k not in in_place_a:
            if k not in moved_a:
                row("removed", k, None)
            k += 1

    def group_row(lefts: tuple[int, ...], rights: tuple[int, ...]) -> None:
        # One old paragraph and several new ones (split) or the reverse (joined), with the
        # segments across them (`splits.group_segments`; a join reads as the mirror).
        kind = "split" if len(lefts) == 1 else "joined"
        if kind == "split":
            segs = group_segments(old[lefts[0]], [new[j] for j in rights])
            r: dict = {"kind": kind, "left": lefts[0], "right": rights[0], "rights": list(rights)}
        else:
            segs = _mirrored(group_segments(new[rights[0]], [old[i] for i in lefts]))
            r = {"kind": kind, "left": lefts[0], "lefts": list(lefts), "right": rights[0]}
        r["segments"] = segs
        ones, manys = (old, new) if kind == "split" else (new, old)
        one_op, many_op = ("delete", "insert") if kind == "split" else ("insert", "delete")
        single = lefts[0] if kind == "split" else rights[0]
        several = rights if kind == "split" else lefts
        touched = {one_op: _touched_words(ones[single], segs, one_op),
                   many_op: sum(_touched_words(manys[x], piece, many_op)
                                for x, piece in zip(several, cut(segs), strict=True))}
        stats["words_added"] += touched["insert"]
        stats["words_removed"] += touched["delete"]
        if any(promo(new[j]) for j in rights) or any(promo(old[i]) for i in lefts):
            r["promo"] = True
        stats[kind] += 1
        rows.append(r)

    removed_after(-1)
    for j in range(m):
        i = right_of.get(j)
        if i is not None:
            row("unchanged" if ka[i] == kb[j] else "changed", i, j)
            removed_after(i)
        elif j in group_at:
            lefts, rights = group_at[j]
            group_row(lefts, rights)
            removed_after(lefts[-1])
        elif j in covered:
            continue  # a later paragraph of a split: its row is the split's
        elif j in moved_to:
            row("moved", moved_to[j], j)
        else:
            row("added", None, j)
    return Diff(rows=rows, stats=stats)


def _runs_typographic(segs: list[dict]) -> bool:
    """Tell whether every replaced run of segments reads the same once normalised."""
    gone: list[str] = []
    came: list[str] = []
    for s in [*segs, {"op": "equal", "text": ""}]:
        if s["op"] == "delete":
            gone.append(s["text"])
        elif s["op"] == "insert":
            came.append(s["text"])
        elif s["op"] == "equal":
            if (gone or came) and normalise("".join(gone)) != normalise("".join(came)):
                return False
            gone, came = [], []
    return True


def _touched_words(text: str, segs: list[dict], op: str) -> int:
    """Count the words of `text` that overlap a segment of kind `op` (insert or delete)."""
    spans = []
    pos = 0
    for s in segs:
        if s["op"] == "equal" or s["op"] == op or s["op"] == BREAK:
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
