"""Paragraph alignment: unchanged paragraphs by diff-match-patch, then edited ones in the gaps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from diff_match_patch import diff_match_patch

from .inline import Words, bag_bound, score
from .tokens import Encoder

_dmp = diff_match_patch()
# No time limit: the 1 s default makes the alignment depend on the machine's speed, and the
# same two versions must always give the same diff (diffs are cached by commit id).
_dmp.Diff_Timeout = 0

#: Pair an old and a new paragraph in the same gap as edited when they score at least this.
EDIT_THRESHOLD = 0.5
#: Largest gap (old × new paragraphs) scored pair by pair; bigger gaps go to the move step.
GRID_CAP = 4096

# Paragraphs found in only one version can never be equal, so they share one character per
# side instead of taking one each: the alphabet is needed only for paragraphs in both.
_OLD_ONLY, _NEW_ONLY = "\ue000", "\ue001"


def _equal_pairs(a: str, b: str, i0: int, j0: int, out: list[tuple[int, int]]) -> None:
    """Append the (i, j) of the equal characters of diff(a, b), offset by (i0, j0)."""
    if a == b:
        out.extend(zip(range(i0, i0 + len(a)), range(j0, j0 + len(b)), strict=True))
        return
    if not a or not b:
        return
    i, j = i0, j0
    # No clean-up at paragraph level: diff_cleanupSemantic on paragraph codes trades many
    # unchanged paragraphs for a few big replacements (the seed pair became 8 removed, 33 added).
    for op, chars in _dmp.diff_main(a, b, False):
        k = len(chars)
        if op == 0:
            out.extend(zip(range(i, i + k), range(j, j + k), strict=True))
            i += k
            j += k
        elif op == -1:
            i += k
        else:
            j += k


def align(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """Return the (i, j) pairs of equal keys, increasing in both, as a longest common run.

    Anchors first on keys that occur exactly once in each version, so that repeated lines
    ("READ MORE: …", "___") cannot pull the alignment out of step; then diffs each gap
    between anchors in full.
    """
    count_old, count_new = Counter(old), Counter(new)
    enc = Encoder(reserved=2)

    def codes(keys: Sequence[str], other: Counter[str], lone: str) -> str:
        code = enc.code
        return "".join([code(k) if k in other else lone for k in keys])

    a = codes(old, count_new, _OLD_ONLY)
    b = codes(new, count_old, _NEW_ONLY)
    unique = {k for k, n in count_old.items() if n == 1 and count_new.get(k) == 1}
    ua = [i for i, k in enumerate(old) if k in unique]
    ub = [j for j, k in enumerate(new) if k in unique]
    anchors: list[tuple[int, int]] = []
    _equal_pairs("".join([a[i] for i in ua]), "".join([b[j] for j in ub]), 0, 0, anchors)
    pairs: list[tuple[int, int]] = []
    pi, pj = 0, 0
    for x, y in anchors:
        i, j = ua[x], ub[y]
        _equal_pairs(a[pi:i], b[pj:j], pi, pj, pairs)
        pairs.append((i, j))
        pi, pj = i + 1, j + 1
    _equal_pairs(a[pi:], b[pj:], pi, pj, pairs)
    return pairs


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
    words_a: Sequence[Words],
    words_b: Sequence[Words],
) -> list[tuple[int, int]]:
    """Pair edited paragraphs of one gap: the order-preserving matching of greatest total score.

    Returns (i, j) pairs increasing in both; an empty list when the gap is past GRID_CAP.
    """
    k, ln = len(olds), len(news)
    if k == 0 or ln == 0 or k * ln > GRID_CAP:
        return []
    weight: dict[tuple[int, int], float] = {}
    for x, i in enumerate(olds):
        wa = words_a[i]
        for y, j in enumerate(news):
            wb = words_b[j]
            if bag_bound(wa, wb) >= EDIT_THRESHOLD:  # cheap filter before the word diff
                s = score(wa, wb)
                if s >= EDIT_THRESHOLD:
                    weight[x, y] = s
    if not weight:
        return []
    if len(weight) == 1:
        ((x, y),) = weight
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
            x, y = x - 1, y - 1
        elif best[x][y] == best[x - 1][y]:
            x -= 1
        else:
            y -= 1
    out.reverse()
    return out
