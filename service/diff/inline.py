"""Word-level comparison of two paragraphs: the similarity score and the inline segments.

The score, its budget and the character pass: docs/ARCHITECTURE.md, "The diff pipeline".
"""

from __future__ import annotations

from collections import Counter

from diff_match_patch import diff_match_patch

from .tokens import Encoder, split_tokens, split_words

_dmp = diff_match_patch()
# No time limit: the 1 s default makes a diff depend on the machine's speed (and on load);
# the size limits below bound the work instead.
_dmp.Diff_Timeout = 0

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
_OPS = {0: EQUAL, 1: INSERT, -1: DELETE}

#: Above this many word-and-space tokens in a pair, show the paragraph replaced whole.
INLINE_TOKEN_LIMIT = 8000
#: Above this many words in a pair, the score is the bag-of-words bound (no word diff).
SCORE_WORD_LIMIT = 4000
#: Word work one paragraph diff may spend on scoring pairs (edit pairing and move finding
#: together), in cells: words × words for a word diff, distinct words for a bag bound. A word
#: diff costs up to ~0.4 µs a cell, so this bounds adversarial input to about a second; real
#: updates use far less (the 1 MB bench story 0.25 M, the seed pair 5 k).
SCORE_BUDGET = 3_000_000
#: Replaced runs this short (each side, in characters) get a character-level pass ...
CHAR_PASS_MAX = 32
#: ... kept when at least this share of their characters is common (Dice): `it's`/`it’s` is
#: 0.75, `1,700`/`1,800` 0.8, while `Tuesday`/`Wednesday` (0.63) stays a whole-word change.
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
    enc: Encoder[str] = Encoder()
    ca, cb = enc.encode(a.words), enc.encode(b.words)
    keys = enc.keys
    common = 0
    # No clean-up: the equal parts are then a longest common run of words, which the
    # bag-of-words bound provably bounds.
    for op, chars in _dmp.diff_main(ca, cb, False):
        if op == 0:
            common += sum([len(keys[c]) for c in chars])
    return 2 * common / total


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
    ta, tb = split_tokens(old), split_tokens(new)
    if len(ta) + len(tb) > INLINE_TOKEN_LIMIT:
        return _whole(old, new)
    enc: Encoder[str] = Encoder()
    ca, cb = enc.encode(ta), enc.encode(tb)
    keys = enc.keys
    diffs = [(op, "".join([keys[c] for c in chars])) for op, chars in _dmp.diff_main(ca, cb, False)]
    # Semantic clean-up on the real text (not the codes), so lengths are in characters and
    # scattered one-word equalities inside a rewrite fold into one readable replacement.
    _dmp.diff_cleanupSemantic(diffs)
    return _merge(_char_pass(diffs))


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
    """Return the character diff of a short replacement; None if too long or too different."""
    if len(old) > CHAR_PASS_MAX or len(new) > CHAR_PASS_MAX:
        return None
    fine = _dmp.diff_main(old, new, False)
    common = sum(len(t) for o, t in fine if o == 0)
    return fine if 2 * common >= CHAR_PASS_MIN_SHARE * (len(old) + len(new)) else None


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
