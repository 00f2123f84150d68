"""Split and joined paragraphs: one old paragraph re-broken into several consecutive new ones,
or several consecutive old ones joined into one, and their segments across the paragraphs.

Found after pairing, in place only: a split grows from an edited pair in place (or from an
unpaired old paragraph) by taking the unpaired new paragraphs next to it while each makes the
whole match better and takes most of its words from the old paragraph. A join is a split
with the versions swapped. Why: docs/ARCHITECTURE.md, "The diff pipeline" (3, "Splits and
joins").
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence

from .inline import Scorer, Words, segments

#: A new paragraph joins a split only if at least this share of its words (in characters)
#: comes from the old paragraph: the match of the whole must grow by that much of its size.
PIECE_SHARE = 0.5
#: A split or join found from an unpaired paragraph must match its pieces at least this well.
GROUP_THRESHOLD = 0.5
#: Paragraphs on the several side of one split or join, at most.
MAX_PIECES = 16
#: Unpaired old × new paragraphs of one gap searched for a split from an unpaired paragraph.
GROUP_GRID_CAP = 4096

BREAK = "break"

Group = tuple[tuple[int, ...], tuple[int, ...]]  # (old indexes, new indexes)


class _Joined:
    """`Words` of runs of consecutive paragraphs, joined by a space, computed once each."""

    def __init__(self, texts: Sequence[str], single: Mapping[int, Words]) -> None:
        self._texts = texts
        self._single = single
        self._runs: dict[tuple[int, int], Words] = {}

    def __call__(self, lo: int, hi: int) -> Words:
        if lo == hi:
            return self._single[lo]
        w = self._runs.get((lo, hi))
        if w is None:
            w = self._runs[lo, hi] = Words(" ".join(self._texts[lo : hi + 1]))
        return w


def free_gaps(
    spans: Sequence[tuple[int, int, int, int]], free_a: set[int], free_b: set[int], m: int
) -> Iterator[tuple[list[int], list[int], int]]:
    """Yield (free old indexes, free new indexes, end of the gap's new side) of each gap with both.

    `spans` are what kept its place, (first old, last old, first new, last new), increasing in
    both; a gap lies before each span and after the last. Only gaps holding free paragraphs
    on both sides are visited: the work follows the free paragraphs, not the document.
    """
    los_a = [s[0] for s in spans]
    los_b = [s[2] for s in spans]
    olds: dict[int, list[int]] = {}
    for x in sorted(free_a):
        olds.setdefault(bisect.bisect_left(los_a, x), []).append(x)
    news: dict[int, list[int]] = {}
    for y in sorted(free_b):
        g = bisect.bisect_left(los_b, y)
        if g in olds:
            news.setdefault(g, []).append(y)
    for g in sorted(news):
        yield olds[g], news[g], los_b[g] if g < len(spans) else m


def _match(scorer: Scorer, a: Words, b: Words, floor: float) -> float:
    """Return the score of a and b, or 0.0 when their bag-of-words bound is below `floor`."""
    if scorer.bound(a, b) < floor:
        return 0.0
    return scorer.score(a, b)


def _grow(
    one: Words,
    lo: int,
    hi: int,
    start: float,
    free: Callable[[int], bool],
    joined: _Joined,
    scorer: Scorer,
) -> tuple[int, int, float]:
    """Extend the run lo..hi of pieces matched by `one` while a free neighbour improves it.

    A neighbour is taken when the whole matches better and the characters in common grow by
    at least PIECE_SHARE of the neighbour's own: most of its words come from `one`.
    """
    s = start
    while hi - lo + 1 < MAX_PIECES:
        before = s * (one.size + joined(lo, hi).size) / 2
        best = None
        for nlo, nhi, piece in ((lo - 1, hi, lo - 1), (lo, hi + 1, hi + 1)):
            if not free(piece):
                continue
            size = joined(piece, piece).size
            # Cheap first: what of `one` is still unmatched, and the words the piece shares
            # with it at all, must reach the piece's share.
            if one.size - before < PIECE_SHARE * size or scorer.bound(
                    one, joined(piece, piece)) * (one.size + size) / 2 < PIECE_SHARE * size:
                continue
            run = joined(nlo, nhi)
            t = _match(scorer, one, run, s)
            gain = t * (one.size + run.size) / 2 - before
            if t > s and gain >= PIECE_SHARE * size and (
                    best is None or t > best[2]):
                best = (nlo, nhi, t)
        if best is None:
            break
        lo, hi, s = best
    return lo, hi, s


def find_splits(
    one_side: Sequence[str],
    many_side: Sequence[str],
    in_place: Sequence[tuple[int, int]],
    seeds: Sequence[tuple[int, int]],
    free_one: set[int],
    free_many: set[int],
    words_one: Mapping[int, Words],
    words_many: Mapping[int, Words],
    scorer: Scorer,
    scores: Mapping[tuple[int, int], float],
    walls: Sequence[tuple[int, int, int, int]] = (),
) -> list[tuple[int, tuple[int, ...]]]:
    """Return (i, (j, ...)): paragraph i of `one_side` re-broken into consecutive `many_side` ones.

    `in_place` are the pairs (i, j) that kept their place, increasing in both, `seeds` those
    of them that are edited (`scores` has their scores); `walls` other spans in place (first
    and last index on each side: groups found before); `free_one` and `free_many` the
    paragraphs paired with nothing (what groups take is removed from them).
    Grows first from edited pairs in place, then from unpaired paragraphs, one gap at a time.
    With the sides swapped it finds joins.
    """
    joined = _Joined(many_side, words_many)
    found: dict[int, tuple[int, ...]] = {}
    for i, j in seeds:
        if j - 1 not in free_many and j + 1 not in free_many or not scorer.left:
            continue
        one = words_one[i]
        start = scores[i, j] if (i, j) in scores else _match(scorer, one, words_many[j], 0.0)
        lo, hi, _ = _grow(one, j, j, start, free_many.__contains__, joined, scorer)
        if hi > lo:
            found[i] = tuple(range(lo, hi + 1))
            free_many.difference_update(range(lo, hi + 1))
    # The gaps between what kept its place (pairs, and the splits just found).
    if not free_one or len(free_many) < 2:
        return sorted(found.items())
    spans = sorted([(i, i, j, j) for i, j in in_place if i not in found]
                   + [(i, i, run[0], run[-1]) for i, run in found.items()] + list(walls))
    for olds, news, end in list(free_gaps(spans, free_one, free_many, len(many_side))):
        if len(news) < 2 or len(olds) * len(news) > GROUP_GRID_CAP:
            continue
        bounds = [news[0], end]  # pieces of the next group: from bounds[0], before bounds[1]

        def free(x: int, bounds: list[int] = bounds) -> bool:
            return bounds[0] <= x < bounds[1] and x in free_many

        for i in olds:
            if not scorer.left:
                break
            one = words_one[i]
            best = None
            for y in news:
                if not free(y):
                    continue
                size = words_many[y].size
                s = _match(scorer, one, words_many[y], 0.0)
                # Most of the piece's words must come from i, as for every piece.
                if s > 0 and s * (one.size + size) / 2 >= PIECE_SHARE * size and (
                        best is None or s > best[1]):
                    best = (y, s)
            if best is None:
                continue
            lo, hi, t = _grow(one, best[0], best[0], best[1], free, joined, scorer)
            if hi > lo and t >= GROUP_THRESHOLD:
                found[i] = tuple(range(lo, hi + 1))
                free_many.difference_update(range(lo, hi + 1))
                free_one.discard(i)
                bounds[0] = hi + 1
    return sorted(found.items())


def group_segments(single: str, pieces: Sequence[str]) -> list[dict]:
    """Return the segments of one paragraph against several, as a split reads them.

    The equal, delete and break segments rebuild `single`; the equal and insert segments
    between two breaks rebuild each of `pieces` in turn. A break stands where one piece ends
    and the next begins; its text is the white space of `single` that stood there ("" if none).
    A join is the mirror: inserts and deletes swapped.
    """
    bounds = []
    pos = -1
    for p in pieces[:-1]:
        pos += len(p) + 1
        bounds.append(pos)  # the joining space after this piece, in " ".join(pieces)
    out: list[dict] = []
    at = 0  # position in the joined pieces
    b = 0
    for s in segments(single, " ".join(pieces)):
        op, text = s["op"], s["text"]
        if op == "delete":
            out.append(s)
            continue
        start = at
        at += len(text)
        while b < len(bounds) and bounds[b] < at:
            cut = bounds[b] - start
            if cut:
                out.append({"op": op, "text": text[:cut]})
            # The joining space: the single paragraph's own if equal, made up if inserted.
            out.append({"op": BREAK, "text": " " if op == "equal" else ""})
            text = text[cut + 1 :]
            start = bounds[b] + 1
            b += 1
        if text:
            out.append({"op": op, "text": text})
    return out


def cut(segs: Sequence[dict]) -> list[list[dict]]:
    """Return the segments of a split or joined row between its breaks: one list a piece."""
    out: list[list[dict]] = [[]]
    for s in segs:
        if s["op"] == BREAK:
            out.append([])
        else:
            out[-1].append(s)
    return out
