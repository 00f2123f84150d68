"""Word-level comparison of two paragraphs: the similarity score and the inline segments.

Both compare the same tokens (`tokens.split_tokens`, `split_words`) by a longest common
subsequence (`_equal_runs`). The score, its budget, the clean-up and the character pass:
docs/ARCHITECTURE.md, "The diff pipeline" (2. Pair edits; 4. Rows and inline segments).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import accumulate
from typing import cast

from rapidfuzz.distance import LCSseq

from .tokens import split_tokens, split_words

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
_DIGIT = re.compile(r"\d")
_OPS = {0: EQUAL, 1: INSERT, -1: DELETE}

#: Above this many word-and-space tokens in a pair, show the paragraph replaced whole.
INLINE_TOKEN_LIMIT = 8000
#: Above this many words in a pair, the score is the bag-of-words bound (no word diff).
SCORE_WORD_LIMIT = 4000
#: Word work one paragraph diff may spend on scoring pairs (edit pairing and move finding
#: together), in cells: words × words for a word diff, distinct words for a bag bound. The
#: word diff (`_equal_runs`, bit-parallel in C++) of two 100-word paragraphs takes ~8 µs
#: (under 0.001 µs a cell; diff-match-patch's took up to 0.4 µs), so the bench's worst case
#: spends ~0.1 s of scoring; real updates use far less (the 1 MB story 0.25 M, the seed 5 k).
SCORE_BUDGET = 3_000_000
#: Replaced runs this short (each side, in characters) get a character-level pass ...
CHAR_PASS_MAX = 32
#: ... kept when at least this share of their characters is common (Dice): `it's`/`it’s` is
#: 0.75, `Zelenskyy`/`Zelensky` 0.94, while `Tuesday`/`Wednesday` (0.63) stays a whole-word
#: change. Never for runs with a digit: a number is a word (`1,700`/`1,800` whole).
CHAR_PASS_MIN_SHARE = 0.75


class Words:
    """A paragraph's words, their bag and its count of non-space characters, computed once."""

    __slots__ = ("words", "bag", "size")

    def __init__(self, text: str) -> None:
        self.words = split_words(text)
        self.bag = Counter(self.words)
        self.size = sum(map(len, self.words))


class WordsOf(dict[int, Words]):
    """`Words` of a list of texts by index, computed the first time each is asked for."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__()
        self._texts = texts

    def __missing__(self, k: int) -> Words:
        w = self[k] = Words(self._texts[k])
        return w


def bag_bound(a: Words, b: Words) -> float:
    """Return an upper bound of `score(a, b)` from the words the two have in common."""
    total = a.size + b.size
    if total == 0:
        return 1.0
    small, large = (a.bag, b.bag) if len(a.bag) <= len(b.bag) else (b.bag, a.bag)
    common = 0
    for w, n in small.items():
        m = large.get(w)
        if m:
            common += len(w) * (n if n < m else m)
    return 2 * common / total


def score(a: Words, b: Words) -> float:
    """Return the Dice share of non-space characters in the equal parts of a word diff.

    1.0 for the same words, 0.0 for none in common; two empty paragraphs score 1.0.
    """
    total = a.size + b.size
    if total == 0:
        return 1.0
    if len(a.words) + len(b.words) > SCORE_WORD_LIMIT:
        return bag_bound(a, b)  # a word diff this long would cost more than it tells
    # No clean-up: the equal parts are a longest common subsequence of words, which the
    # bag-of-words bound provably bounds.
    at = list(accumulate(map(len, a.words), initial=0))  # characters before each word
    return 2 * sum([at[x + n] - at[x] for x, _, n in _equal_runs(a.words, b.words)]) / total


class Scorer:
    """`bag_bound` and `score` drawing on one budget of cells; past it, every pair scores 0."""

    __slots__ = ("left",)

    def __init__(self, budget: int | None = None) -> None:
        self.left = SCORE_BUDGET if budget is None else budget

    def bound(self, a: Words, b: Words) -> float:
        """Return `bag_bound(a, b)`, or 0.0 once the budget is spent."""
        cells = min(len(a.bag), len(b.bag))
        if cells > self.left:
            self.left = 0
            return 0.0
        self.left -= cells
        return bag_bound(a, b)

    def score(self, a: Words, b: Words) -> float:
        """Return `score(a, b)`, or 0.0 when its word diff would pass the budget."""
        if len(a.words) + len(b.words) <= SCORE_WORD_LIMIT:  # else score is the cheap bound
            cells = len(a.words) * len(b.words)
            if cells > self.left:
                return 0.0
            self.left -= cells
        return score(a, b)


def segments(old: str, new: str) -> list[dict]:
    """Return inline segments `{"op", "text"}`: equal+delete rebuild `old`, equal+insert `new`."""
    if old == new:
        return [{"op": EQUAL, "text": old}] if old else []
    limit = INLINE_TOKEN_LIMIT
    if len(old) + len(new) <= limit:  # so many tokens at most: no need to count them
        return _segments(old, new, *_trimmed(old, new))
    if len(old.split()) + len(new.split()) > limit:
        return _whole(old, new)  # as many tokens at least, found without splitting them
    tokens = split_tokens(old), split_tokens(new)
    if len(tokens[0]) + len(tokens[1]) > limit:
        return _whole(old, new)
    return _segments(old, new, 0, len(old), len(new), tokens)


def _segments(
    old: str, new: str, start: int, end_old: int, end_new: int,
    tokens: tuple[list[str], list[str]] | None = None,
) -> list[dict]:
    """Return the segments of old[start:end_old] against new[start:end_new] (whose `tokens`
    may be given), the text before and after them equal (and cut between tokens)."""
    if tokens is None:
        tokens = split_tokens(old[start:end_old]), split_tokens(new[start:end_new])
    ta, tb = tokens
    parts = _folded(ta, tb, _equal_runs(ta, tb))
    if parts is None:  # two different tokens of one hash: again, by exact codes
        codes: dict[str, int] = {}
        ca = [codes.setdefault(t, len(codes)) for t in ta]
        cb = [codes.setdefault(t, len(codes)) for t in tb]
        parts = _folded(ta, tb, _equal_runs(ca, cb))
    parts = _char_pass(cast(list[tuple[int, str]], parts))
    return _merge([(0, old[:start]), *parts, (0, old[end_old:])])


def _trimmed(old: str, new: str) -> tuple[int, int, int]:
    """Return (start, end in old, end in new): the two texts with their common ends cut off.

    Only to speed up a small edit in a long paragraph: the cuts fall where no token can
    cross (after white space, before a character that is not), one word further out than
    needed, so that the diff, its clean-up and where edits sit come out as on whole texts.
    """
    n = min(len(old), len(new))
    lo, hi = 0, n  # common prefix length by halving (slices compare in C)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[lo:mid] == new[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    head = lo
    lo, hi = 0, n - head  # common suffix length, not into the prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid : len(old) - lo] == new[len(new) - mid : len(new) - lo]:
            lo = mid
        else:
            hi = mid - 1
    tail = lo
    start = 0
    if head > 1:
        for _ in range(2):  # the last cut inside the common start, then one word further out
            k = old.rfind(" ", 0, (start or head) - 1)
            while k >= 0 and old[k + 1].isspace():
                k = old.rfind(" ", 0, k)
            start = k + 1
            if not start:
                break
    end = len(old)
    if tail > 1:
        at = len(old) - tail
        for _ in range(2):  # the first cut inside the common end, then one word further out
            k = old.find(" ", at)
            while 0 <= k < len(old) - 1 and old[k + 1].isspace():
                k = old.find(" ", k + 1)
            if k < 0 or k == len(old) - 1:
                end = len(old)
                break
            end = at = k + 1
    return start, end, len(new) - (len(old) - end)


def _folded(
    a: list[str], b: list[str], runs: list[tuple[int, int, int]]
) -> list[tuple[int, str]] | None:
    """Return the (op, text) parts of a token diff, small equal parts folded into the edits.

    Diff-match-patch's semantic clean-up rule, over whole tokens: an equal part no longer
    (in characters) than the edits on each side of it becomes part of one replacement, and
    the equal part before is weighed again, so scattered one-word equalities inside a
    rewrite fold into one readable replacement. Unlike diff-match-patch's clean-up, no step
    works by character (it could cut a word or a number: `th[-at-]{+ese+}`, `1,[-7-]{+8+}00`),
    and it is linear: each fold takes the stack down. None if an equal part that stays is
    not equal (`_equal_runs` compares tokens by hash).
    """
    at_a = list(accumulate(map(len, a), initial=0))  # characters before each token
    at_b = list(accumulate(map(len, b), initial=0))
    # Equal parts and edits, alternating, as (is an edit, a from, a to, b from, b to): what
    # folds is always one stretch of each text.
    stack: list[tuple[bool, int, int, int, int]] = []
    x = y = 0
    for i, j, n in runs:
        if i > x or j > y:
            size = max(at_a[i] - at_a[x], at_b[j] - at_b[y])
            while len(stack) > 1:
                _, ex, ei, _, _ = stack[-1]
                _, bx, bi, by, bj = stack[-2]
                equal = at_a[ei] - at_a[ex]
                if equal > size or equal > max(at_a[bi] - at_a[bx], at_b[bj] - at_b[by]):
                    break
                del stack[-2:]
                x, y = bx, by
                size = max(at_a[i] - at_a[x], at_b[j] - at_b[y])
            stack.append((True, x, i, y, j))
        if n:
            if stack and not stack[-1][0]:  # runs that touch: one equal part
                _, ex, _, ey, _ = stack.pop()
                stack.append((False, ex, i + n, ey, j + n))
            else:
                stack.append((False, i, i + n, j, j + n))
        x, y = i + n, j + n
    out: list[tuple[int, str]] = []
    for edit, xa, ia, yb, jb in _tidied(a, b, stack):
        if not edit:
            same = a[xa:ia]
            if same != b[yb:jb]:
                return None
            out.append((0, "".join(same)))
        else:
            if ia > xa:
                out.append((-1, "".join(a[xa:ia])))
            if jb > yb:
                out.append((1, "".join(b[yb:jb])))
    return out


def _tidied(
    a: list[str], b: list[str], parts: list[tuple[bool, int, int, int, int]]
) -> list[tuple[bool, int, int, int, int]]:
    """Place edits where diff-match-patch's clean-up did, among equally long diffs.

    A replacement gives the tokens both its sides start or end with to the equal parts
    (`[-to -]{+Ukraine. +}and` -> `[-to-]{+Ukraine.+} and`), and an insertion or deletion
    that starts with the white space the equal part after it starts with moves one token
    on (`could{+ has+} the` -> `could {+has +}the`).
    """
    for k, (edit, xa, ia, yb, jb) in enumerate(parts):
        if edit and (
            (xa < ia and yb < jb and (a[xa] == b[yb] or a[ia - 1] == b[jb - 1]))
            or (k + 1 < len(parts) and (b[yb] if xa == ia else a[xa]).isspace())
        ):
            break
    else:
        return parts  # nothing to move (most diffs)
    out: list[list] = [list(p) for p in parts]
    k = 0
    while k < len(out):
        edit, xa, ia, yb, jb = out[k]
        if not edit:
            k += 1
            continue
        before = out[k - 1] if k and not out[k - 1][0] else None
        after = out[k + 1] if k + 1 < len(out) and not out[k + 1][0] else None
        if xa < ia and yb < jb:
            x0, y0 = xa, yb
            while xa < ia and yb < jb and a[xa] == b[yb]:
                xa, yb = xa + 1, yb + 1
            if xa > x0:
                if before is None:
                    before = [False, x0, x0, y0, y0]
                    out.insert(k, before)
                    k += 1
                before[2], before[4] = xa, yb
            x1, y1 = ia, jb
            while xa < ia and yb < jb and a[ia - 1] == b[jb - 1]:
                ia, jb = ia - 1, jb - 1
            if ia < x1:
                if after is None:
                    after = [False, x1, x1, y1, y1]
                    out.insert(k + 1, after)
                after[1], after[3] = ia, jb
        elif after is not None and after[2] - after[1] > 1:  # the equal part stays
            side, start = (b, yb) if xa == ia else (a, xa)
            if side[start].isspace() and side[start] == a[after[1]]:
                if before is None:
                    before = [False, xa, xa, yb, yb]
                    out.insert(k, before)
                    k += 1
                before[2], before[4] = xa + 1, yb + 1
                xa, ia, yb, jb = xa + 1, ia + 1, yb + 1, jb + 1
                after[1], after[3] = after[1] + 1, after[3] + 1
        out[k][1:] = xa, ia, yb, jb
        k += 1
    return [(e, xa, ia, yb, jb) for e, xa, ia, yb, jb in out if ia > xa or jb > yb]


def _equal_runs(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int, int]]:
    """Return the runs (i, j, n), a[i:i+n] == b[j:j+n], of a longest common subsequence.

    Of two token lists (or two strings), ending with (len(a), len(b), 0). By RapidFuzz's
    LCS, bit-parallel in C++ (Hyyrö): on the bench's heavy rewrite some 200 times faster than
    diff-match-patch's bisect, a Python loop over every cell (~0.4 µs each). RapidFuzz
    compares strings by character but list items by their 64-bit hash, so two different
    tokens could, very rarely, come out equal: `segments` checks the equal parts it shows;
    for `score` such a pair would only score a little higher.
    """
    return [(m.a, m.b, m.size) for m in LCSseq.editops(a, b).as_matching_blocks()]


def _whole(old: str, new: str) -> list[dict]:
    out = []
    if old:
        out.append({"op": DELETE, "text": old})
    if new:
        out.append({"op": INSERT, "text": new})
    return out


def _char_pass(diffs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Re-diff short one-for-one replacements by character (`Putin's` -> `Putin’s`)."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(diffs)
    while i < n:
        op, text = diffs[i]
        # One delete and one insert, in either order, then an equal part or the end.
        if op != 0 and i + 1 < n and diffs[i + 1][0] == -op and (i + 2 == n or diffs[i + 2][0] == 0):
            (_, gone), (_, came) = sorted(diffs[i : i + 2])
            fine = _by_character(gone, came)
            if fine is not None:
                out.extend(fine)
                i += 2
                continue
        out.append((op, text))
        i += 1
    return out


def _by_character(old: str, new: str) -> list[tuple[int, str]] | None:
    """Return the character diff of a short replacement; None if too long, too different or
    a number (a number is one word: `1,700` -> `1,800` shows whole)."""
    total = len(old) + len(new)
    if (
        len(old) > CHAR_PASS_MAX
        or len(new) > CHAR_PASS_MAX
        or 2 * min(len(old), len(new)) < CHAR_PASS_MIN_SHARE * total  # cannot share enough
        or _DIGIT.search(old + new)
    ):
        return None
    runs = _equal_runs(old, new)
    if 2 * sum([n for _, _, n in runs]) < CHAR_PASS_MIN_SHARE * total:
        return None
    fine: list[tuple[int, str]] = []
    x = y = 0
    for i, j, n in runs:
        if i > x:
            fine.append((-1, old[x:i]))
        if j > y:
            fine.append((1, new[y:j]))
        if n:
            fine.append((0, old[i : i + n]))
        x, y = i + n, j + n
    return fine


def _merge(diffs: list[tuple[int, str]]) -> list[dict]:
    out: list[dict] = []
    for op, text in diffs:
        if not text:
            continue
        name = _OPS[op]
        if out and out[-1]["op"] == name:
            out[-1]["text"] += text
        else:
            out.append({"op": name, "text": text})
    return out
