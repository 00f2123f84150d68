"""Moved paragraphs: pair what is still unpaired on both sides, exact matches first."""

from __future__ import annotations

import bisect
import heapq
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from .align import longest_increasing
from .inline import Scorer, Words

#: Near matches (not exact) must score at least this to count as one paragraph moved.
MOVE_THRESHOLD = 0.6
#: Confirmed near-match candidates kept at most; past it the search stops (bounded work).
MAX_CANDIDATES = 5000
#: Per new paragraph: how many of its rarest content words are looked up, and how many of
#: the old paragraphs sharing most of them are scored.
LOOKUP_WORDS = 8
SCORED_PER_PARAGRAPH = 6
#: Content words in more unpaired paragraphs than this are too common to point anywhere.
MAX_POSTINGS = 64
#: Index hits (old paragraphs counted for a new one) in all; past it the search stops.
MAX_HITS = 1_000_000

_CONTENT = re.compile(r"\w{4,}")


def _content_words(text: str) -> set[str]:
    return set(_CONTENT.findall(text.lower()))


def find_moves(
    old: Sequence[str],
    new: Sequence[str],
    olds: Sequence[int],
    news: Sequence[int],
    words_a: Mapping[int, Words],
    words_b: Mapping[int, Words],
    scorer: Scorer,
) -> list[tuple[int, int]]:
    """Pair unpaired old paragraphs `olds` with unpaired new ones `news`, one to one.

    Equal keys pair first (in order of appearance), then near matches found through an
    index of content words, confirmed by `scorer` and taken best first. The near-match
    search stops at MAX_CANDIDATES confirmed, MAX_HITS index hits or the scorer's budget.
    """
    found: list[tuple[int, int]] = []
    by_key: dict[str, list[int]] = defaultdict(list)
    # Every key takes part, empty ones too: then each key pairs min(count old, count new)
    # times in all, whichever copies the alignment chose, and diff(a, b) mirrors diff(b, a).
    for i in olds:
        by_key[old[i]].append(i)
    for lst in by_key.values():
        lst.reverse()  # pop() from the end hands them out in order
    left_b = []
    for j in news:
        same = by_key.get(new[j])
        if same:
            found.append((same.pop(), j))
        else:
            left_b.append(j)
    used = {i for i, _ in found}
    left_a = [i for i in olds if i not in used]
    if not left_a or not left_b:
        return found

    postings: dict[str, list[int]] = defaultdict(list)
    for i in left_a:
        for w in _content_words(old[i]):
            postings[w].append(i)
    confirmed: list[tuple[float, int, int]] = []
    hits_left = MAX_HITS
    for j in left_b:
        words = [w for w in _content_words(new[j]) if 0 < len(postings.get(w, ())) <= MAX_POSTINGS]
        if not words:
            continue
        # The rarest words point most surely at the same paragraph elsewhere.
        words.sort(key=lambda w: (len(postings[w]), w))
        hits: dict[int, int] = defaultdict(int)
        for w in words[:LOOKUP_WORDS]:
            hits_left -= len(postings[w])
            for i in postings[w]:
                hits[i] += 1
        wb = words_b[j]
        for _, i in heapq.nsmallest(SCORED_PER_PARAGRAPH, [(-c, i) for i, c in hits.items()]):
            wa = words_a[i]
            if scorer.bound(wa, wb) >= MOVE_THRESHOLD:
                s = scorer.score(wa, wb)
                if s >= MOVE_THRESHOLD:
                    confirmed.append((-s, j, i))
        if len(confirmed) >= MAX_CANDIDATES or hits_left <= 0 or not scorer.left:
            break
    confirmed.sort()
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    for _, j, i in confirmed:
        if i not in taken_a and j not in taken_b:
            taken_a.add(i)
            taken_b.add(j)
            found.append((i, j))
    return found


def settle_in_place(
    pairs: Sequence[tuple[int, int]], candidates: Sequence[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Split move candidates into those that kept their place and those that really moved.

    A candidate (i, j) kept its place when i and j fall in the same gap between in-place
    `pairs` (increasing in both) and it crosses no other such candidate: of the candidates
    in one gap, a longest chain increasing in both stays in place. Returns (in place, moved).
    """
    pi = [i for i, _ in pairs]
    pj = [j for _, j in pairs]
    by_gap: dict[int, list[tuple[int, int]]] = defaultdict(list)
    moved = []
    for i, j in candidates:
        g = bisect.bisect_left(pi, i)
        if g == bisect.bisect_left(pj, j):
            by_gap[g].append((i, j))
        else:
            moved.append((i, j))
    stay = []
    for group in by_gap.values():
        group.sort(key=lambda p: p[1])
        keep = [group[x] for x in longest_increasing([i for i, _ in group])]
        stay.extend(keep)
        kept = set(keep)
        moved.extend(p for p in group if p not in kept)
    return stay, moved
