"""What stays in place and what moved: near matches across the document, the heaviest
order-keeping chain of pairs (the rest moved), equal paragraphs paired by hash.

Why: docs/ARCHITECTURE.md, "The diff pipeline" (3. What stays in place, what moved).
"""

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
#: Entries `heaviest_chain` may shift in its front (memmoves), per pair and in all, before a
#: Fenwick tree takes over: mostly ordered documents shift none, reversed ones few.
FRONT_SHIFTS = (64, 1_000_000)

_CONTENT = re.compile(r"\w{4,}")


def _content_words(text: str) -> set[str]:
    return set(_CONTENT.findall(text.lower()))


def equal_pairs(
    old: Sequence[str], new: Sequence[str], olds: Sequence[int], news: Sequence[int]
) -> list[tuple[int, int]]:
    """Pair the unpaired old paragraphs `olds` with unpaired new ones `news` of equal keys.

    In order of appearance: the k-th old copy of a key with its k-th new copy.
    """
    found: list[tuple[int, int]] = []
    by_key: dict[str, list[int]] = defaultdict(list)
    # Every key takes part, empty ones too: then each key pairs min(count old, count new)
    # times in all, whichever copies the alignment chose, and diff(a, b) mirrors diff(b, a).
    for i in olds:
        by_key[old[i]].append(i)
    for lst in by_key.values():
        lst.reverse()  # pop() from the end hands them out in order
    for j in news:
        same = by_key.get(new[j])
        if same:
            found.append((same.pop(), j))
    return found


def near_matches(
    old: Sequence[str],
    new: Sequence[str],
    olds: Sequence[int],
    news: Sequence[int],
    words_a: Mapping[int, Words],
    words_b: Mapping[int, Words],
    scorer: Scorer,
    threshold: float,
) -> list[tuple[int, int, float]]:
    """Pair unpaired old paragraphs `olds` with unpaired new ones `news` that score `threshold`.

    Candidates are found through an index of content words, confirmed by `scorer` and taken
    one to one, best first; returns (i, j, score). The search stops at MAX_CANDIDATES
    confirmed, MAX_HITS index hits or the scorer's budget.
    """
    if not olds or not news:
        return []
    postings: dict[str, list[int]] = defaultdict(list)
    for i in olds:
        for w in _content_words(old[i]):
            postings[w].append(i)
    confirmed: list[tuple[float, int, int]] = []
    hits_left = MAX_HITS
    for j in news:
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
            if scorer.bound(wa, wb) >= threshold:
                s = scorer.score(wa, wb)
                if s >= threshold:
                    confirmed.append((-s, j, i))
        if len(confirmed) >= MAX_CANDIDATES or hits_left <= 0 or not scorer.left:
            break
    confirmed.sort()
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    found = []
    for s, j, i in confirmed:
        if i not in taken_a and j not in taken_b:
            taken_a.add(i)
            taken_b.add(j)
            found.append((i, j, -s))
    return found


def pair_weight(score: float, old_text: str, new_text: str) -> int:
    """Return the weight of a pair in the chain that stays in place: its text in common.

    About twice the characters the two paragraphs share (score × both lengths), so a long
    paragraph outweighs a short one and an exact pair an edited one of the same length.
    """
    return round(score * (len(old_text) + len(new_text)) * 8)


def heaviest_chain(js: Sequence[int], weights: Sequence[int]) -> list[int]:
    """Return the positions of a chain of greatest total weight: js strictly increasing.

    `js` are the new indexes of pairs in old order, pairs of the same old index in decreasing
    new order (so no two of them chain); `weights` positive integers. Of chains of equal
    weight, each step back takes the predecessor ending earliest in the new version (the
    smallest j), so the answer is deterministic. A front of (j, best total) entries, best
    increasing with j, costs O(n log n) comparisons and a memmove per pair; should the
    memmoves pass FRONT_SHIFTS, a Fenwick tree (O(n log n) whatever the input) takes over.
    """
    n = len(js)
    if all(js[x] < js[x + 1] for x in range(n - 1)):
        return list(range(n))
    back = [-1] * n
    fj: list[int] = []  # the front's j, increasing
    fb: list[int] = []  # the best total of a chain ending there, increasing
    fx: list[int] = []  # the position ending that chain
    shifts = FRONT_SHIFTS[0] * n + FRONT_SHIFTS[1]
    for x in range(n):
        j = js[x]
        k = bisect.bisect_left(fj, j)
        b = weights[x]
        if k:
            b += fb[k - 1]
            back[x] = fx[k - 1]
        if k < len(fj) and fj[k] == j and fb[k] >= b:
            continue  # a chain as heavy ends at the same j already
        e = k
        while e < len(fb) and fb[e] <= b:  # chains it outweighs, ending later: dominated
            e += 1
        if e == k + 1:
            fj[k], fb[k], fx[k] = j, b, x
            continue
        shifts -= len(fj) - e
        if shifts < 0:
            return _heaviest_chain_fenwick(js, weights)
        fj[k:e] = [j]
        fb[k:e] = [b]
        fx[k:e] = [x]
    out = []
    x = fx[-1]
    while x >= 0:
        out.append(x)
        x = back[x]
    out.reverse()
    return out


def _heaviest_chain_fenwick(js: Sequence[int], weights: Sequence[int]) -> list[int]:
    """`heaviest_chain` by a Fenwick tree of prefix maxima over the ranks of j (same answer)."""
    n = len(js)
    rank = {j: r for r, j in enumerate(sorted(set(js)))}
    # A key orders by best total, then by the smaller j: best * n + (n - 1 - rank).
    tree_key = [-1] * (n + 1)
    tree_at = [-1] * (n + 1)
    back = [-1] * n
    top_key, top_at = -1, -1
    for x in range(n):
        r = rank[js[x]]
        k, key, at = r, -1, -1  # the best key among ranks < r
        while k > 0:
            if tree_key[k] > key:
                key, at = tree_key[k], tree_at[k]
            k &= k - 1
        b = weights[x] + (key // n if at >= 0 else 0)
        back[x] = at
        mine = b * n + (n - 1 - r)
        if mine > top_key:
            top_key, top_at = mine, x
        k = r + 1
        while k <= n:
            if mine > tree_key[k]:
                tree_key[k], tree_at[k] = mine, x
            k += k & -k
    out = []
    x = top_at
    while x >= 0:
        out.append(x)
        x = back[x]
    out.reverse()
    return out


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
