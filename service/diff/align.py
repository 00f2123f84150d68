"""Paragraph pairing: paragraphs unique in both versions, every pairing of the copies of
repeated ones (within REPEATED_PAIRS), a first alignment (patience, then repeated lines by
diff-match-patch in the gaps between) and edited paragraphs paired in its gaps.

Why, and the caps: docs/ARCHITECTURE.md, "The diff pipeline" (1. Pair, 2. Pair edits).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Mapping, Sequence

from diff_match_patch import diff_match_patch

from .inline import Scorer, Words
from .tokens import Encoder

_dmp = diff_match_patch()
# No time limit: the 1 s default makes the alignment depend on the machine's speed, and the
# same two versions must always give the same diff (diffs are cached by commit id). The caps
# below bound the work by sizes instead.
_dmp.Diff_Timeout = 0

#: Pair an old and a new paragraph in the same gap as edited when they score at least this.
EDIT_THRESHOLD = 0.5
#: ... or at least this when they are the only unpaired old and new paragraph between the
#: same two neighbours that kept their place (a rewrite in place, as a reader pairs it).
#: Measured with `score`: wire ledes rewritten in place around a new development score
#: 0.34-0.43 (a flood lede after a levee broke 0.34, a quake lede with a new death toll 0.40,
#: an election lede once the result is in 0.40, Notre Dame's "battled a blaze" to "fire tore
#: through the roof" 0.43); a lede that changed subject entirely 0.16, a new dateline and
#: story 0.11; one paragraph replaced by another on a different point of the same story
#: 0.01-0.14. 0.25 leaves a margin both ways.
REWRITE_THRESHOLD = 0.25
#: Largest gap (old × new paragraphs) scored pair by pair; bigger gaps go to the move step.
GRID_CAP = 4096
#: Largest gap between anchors (old × new repeated paragraphs, common ends trimmed) handed
#: to diff-match-patch, whose bisect costs up to ~0.5 µs per cell here; bigger gaps are left
#: to the move step, which pairs equal paragraphs by hash in linear time.
GAP_CAP = 250_000
#: Cells of all the gaps diffed in one alignment, so many gaps just under GAP_CAP stay bounded.
GAP_BUDGET = 1_000_000
#: Pairs of copies of repeated paragraphs ("___", a promo line twice) that take part in the
#: choice of what stays in place, at most; the copies of keys past it are aligned by `fill`.
REPEATED_PAIRS = 20_000


def longest_increasing(values: Sequence[int]) -> list[int]:
    """Return the positions of a longest strictly increasing subsequence of `values`.

    Patience sorting, O(n log n); of equal-length answers, the one ending earliest.
    """
    tails: list[int] = []  # tails[k]: smallest last value of a run of length k+1
    tail_at: list[int] = []
    back = [-1] * len(values)
    for x, v in enumerate(values):
        k = bisect.bisect_left(tails, v)
        back[x] = tail_at[k - 1] if k else -1
        if k == len(tails):
            tails.append(v)
            tail_at.append(x)
        else:
            tails[k] = v
            tail_at[k] = x
    out = []
    x = tail_at[-1] if tail_at else -1
    while x >= 0:
        out.append(x)
        x = back[x]
    out.reverse()
    return out


def _equal_pairs(a: str, b: str, ia: Sequence[int], ib: Sequence[int], out: list, cap: int) -> int:
    """Append (ia[x], ib[y]) for the equal characters a[x] == b[y] of diff(a, b).

    The common ends always; the middle only if its cells (length × length) are at most `cap`.
    Returns the cells diffed.
    """
    pre = _dmp.diff_commonPrefix(a, b)
    out.extend(zip(ia[:pre], ib[:pre], strict=True))
    a, b, ia, ib = a[pre:], b[pre:], ia[pre:], ib[pre:]
    suf = _dmp.diff_commonSuffix(a, b)
    tail = list(zip(ia[len(a) - suf :], ib[len(b) - suf :], strict=True)) if suf else []
    if suf:
        a, b, ia, ib = a[:-suf], b[:-suf], ia[:-suf], ib[:-suf]
    cells = len(a) * len(b)
    if cells > cap:
        cells = 0  # past the cap: the middle is left to the move step
    elif cells:
        x = y = 0
        # No clean-up at paragraph level: diff_cleanupSemantic on paragraph codes trades many
        # unchanged paragraphs for a few big replacements (the seed pair: 8 removed, 33 added).
        for op, chars in _dmp.diff_main(a, b, False):
            k = len(chars)
            if op == 0:
                out.extend(zip(ia[x : x + k], ib[y : y + k], strict=True))
            x += k if op <= 0 else 0
            y += k if op >= 0 else 0
    out.extend(tail)
    return cells


def unique_pairs(
    old: Sequence[str], new: Sequence[str], count_old: Counter | None = None,
    count_new: Counter | None = None,
) -> list[tuple[int, int]]:
    """Return (i, j) for every key that occurs exactly once in each version, in old order.

    `count_old` and `count_new`, the `Counter`s of the keys, are computed if not given.
    """
    count_old = Counter(old) if count_old is None else count_old
    count_new = Counter(new) if count_new is None else count_new
    at_new = {k: j for j, k in enumerate(new) if count_new[k] == 1 and count_old.get(k) == 1}
    return [(i, at_new[k]) for i, k in enumerate(old) if k in at_new]


def repeated_pairs(
    old: Sequence[str], new: Sequence[str], count_old: Counter | None = None,
    count_new: Counter | None = None,
) -> tuple[list[tuple[int, int]], set[str]]:
    """Return every (i, j) of equal keys in both versions but not once in each, and the rest.

    Keys with the fewest such pairs first, up to REPEATED_PAIRS pairs in all; the keys past
    it are returned apart, for `fill` and the hash to match. Counters as for `unique_pairs`.
    """
    count_old = Counter(old) if count_old is None else count_old
    count_new = Counter(new) if count_new is None else count_new
    keys = [k for k, c in count_new.items() if k in count_old and (c > 1 or count_old[k] > 1)]
    if not keys:
        return [], set()
    keys.sort(key=lambda k: count_old[k] * count_new[k])  # stable: in order of appearance
    chosen: set[str] = set()
    total = 0
    for k in keys:
        total += count_old[k] * count_new[k]
        if total > REPEATED_PAIRS:
            break
        chosen.add(k)
    at_new: dict[str, list[int]] = {k: [] for k in chosen}
    for j, k in enumerate(new):
        if k in chosen:
            at_new[k].append(j)
    out = [(i, j) for i, k in enumerate(old) if k in chosen for j in at_new[k]]
    return out, set(keys) - chosen


def align(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """Return (i, j) pairs of equal keys, increasing in both: a longest common run, bounded.

    Anchors first on keys that occur exactly once in each version, by a longest increasing
    subsequence (patience, O(n log n)), so that repeated lines ("READ MORE: …", "___") cannot
    pull the alignment out of step; then `fill` matches repeated keys between the anchors.
    """
    unique = unique_pairs(old, new)
    anchors = [unique[x] for x in longest_increasing([j for _, j in unique])]
    return fill(old, new, anchors, GAP_BUDGET)[0]


def fill(
    old: Sequence[str],
    new: Sequence[str],
    anchors: Sequence[tuple[int, int]],
    budget: int,
    keys: set[str] | None = None,
) -> tuple[list[tuple[int, int]], int]:
    """Match repeated keys in the gaps between `anchors`; return (anchors + matches, budget left).

    `anchors` are pairs increasing in both (of any keys: exact or edited). Only keys that are in
    both versions but not once in each ("repeated"), or only `keys`, are matched: a key unique
    in both that is off the anchors has its twin in another gap. Each gap is diffed over those
    keys alone, and only keys present on both sides of that gap, within GAP_CAP and the
    `budget` of cells.
    """
    if keys is not None:
        repeated = keys
    else:
        count_old, count_new = Counter(old), Counter(new)
        repeated = {k for k, c in count_old.items()
                    if k in count_new and (c > 1 or count_new[k] > 1)}
    if not repeated:
        return list(anchors), budget
    pairs: list[tuple[int, int]] = []
    enc: Encoder[str] = Encoder()
    pi, pj = 0, 0
    for i, j in [*anchors, (len(old), len(new))]:
        ia = [x for x in range(pi, i) if old[x] in repeated]
        ib = [y for y in range(pj, j) if new[y] in repeated]
        if ia and ib:
            # Keys on one side of the gap only cannot match here either.
            here = {old[x] for x in ia} & {new[y] for y in ib}
            ia = [x for x in ia if old[x] in here]
            ib = [y for y in ib if new[y] in here]
            if ia:
                a = enc.encode([old[x] for x in ia])
                b = enc.encode([new[y] for y in ib])
                budget -= _equal_pairs(a, b, ia, ib, pairs, min(GAP_CAP, budget))
        if i < len(old):
            pairs.append((i, j))
        pi, pj = i + 1, j + 1
    return pairs, budget


def gaps(pairs: Sequence[tuple[int, int]], n: int, m: int):
    """Yield (old range, new range) between consecutive pairs where both sides are non-empty."""
    pi, pj = 0, 0
    for i, j in [*pairs, (n, m)]:
        if i > pi and j > pj:
            yield range(pi, i), range(pj, j)
        pi, pj = i + 1, j + 1


def pair_edits(
    olds: Sequence[int],
    news: Sequence[int],
    words_a: Mapping[int, Words],
    words_b: Mapping[int, Words],
    scorer: Scorer,
    scores: dict[tuple[int, int], float] | None = None,
) -> list[tuple[int, int]]:
    """Pair edited paragraphs of one gap: the order-preserving matching of greatest total score.

    Returns (i, j) pairs increasing in both, and puts each one's score in `scores` if given;
    an empty list when the gap is past GRID_CAP or the scorer's budget is spent.
    """
    k, ln = len(olds), len(news)
    if k == 0 or ln == 0 or k * ln > GRID_CAP or not scorer.left:
        return []
    weight: dict[tuple[int, int], float] = {}
    for x, i in enumerate(olds):
        wa = words_a[i]
        for y, j in enumerate(news):
            wb = words_b[j]
            if scorer.bound(wa, wb) >= EDIT_THRESHOLD:  # cheap filter before the word diff
                s = scorer.score(wa, wb)
                if s >= EDIT_THRESHOLD:
                    weight[x, y] = s
    if not weight:
        return []
    if len(weight) == 1:
        ((x, y),) = weight
        if scores is not None:
            scores[olds[x], news[y]] = weight[x, y]
        return [(olds[x], news[y])]
    # best[x][y]: greatest total over olds[:x] × news[:y] (a weighted LCS).
    best = [[0.0] * (ln + 1) for _ in range(k + 1)]
    for x in range(k):
        row, nxt = best[x], best[x + 1]
        for y in range(ln):
            v = row[y + 1] if row[y + 1] >= nxt[y] else nxt[y]
            w = weight.get((x, y))
            if w is not None and row[y] + w > v:
                v = row[y] + w
            nxt[y + 1] = v
    out = []
    x, y = k, ln
    while x and y:
        w = weight.get((x - 1, y - 1))
        if w is not None and best[x][y] == best[x - 1][y - 1] + w:
            out.append((olds[x - 1], news[y - 1]))
            if scores is not None:
                scores[olds[x - 1], news[y - 1]] = w
            x, y = x - 1, y - 1
        elif best[x][y] == best[x - 1][y]:
            x -= 1
        else:
            y -= 1
    out.reverse()
    return out
