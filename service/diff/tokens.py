"""Split text into words, and map paragraphs or words to single characters for diffing.

diff-match-patch diffs strings; to diff sequences of paragraphs (or words) each distinct
item gets one character, and the strings handed to it are made only of those characters.
The items' own characters are never looked at, so texts full of private-use characters,
emoji or anything else encode just as well.

Words (`split_tokens`, `split_words`): docs/ARCHITECTURE.md, "4. Rows and inline segments".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

# Code points handed out in this order: the Private Use Areas first (easy to recognise when
# debugging), then the rest of Unicode. Surrogates (U+D800–U+DFFF) are never used: Python
# would carry them, but they are not characters and would not survive encoding to UTF-8.
_RANGES = (
    (0xE000, 0xF8FF + 1),  # BMP private use: 6,400
    (0xF0000, 0xFFFFD + 1),  # plane 15 private use: 65,534
    (0x100000, 0x10FFFD + 1),  # plane 16 private use: 65,534
    (0x10000, 0xF0000),  # planes 1–14: past ~137k distinct items, any character will do
    (0x0000, 0xD800),
    (0xF900, 0x10000),
    (0xFFFFE, 0x100000),
    (0x10FFFE, 0x110000),
)
CAPACITY = sum(stop - start for start, stop in _RANGES)  # 1,112,064: every non-surrogate

# A word is a run of word characters, as \w+, except that a number (a word that starts with
# a digit) keeps its group separators and decimal points: `1,700`, `3.5`, `12,345.67` and
# `1.5bn` are one word each, so an edited figure shows whole (`[-1997-]{+1996+}`, never
# `199[-7-]{+6+}`); `U.S.` and `v1.2` split as before. Signs, `%` and hyphens
# stay apart (`-4`, `20%`, `2,000-strong`), as they are often not part of the number
# (`pages 3-4`) and `20%` -> `20 percent` then keeps the 20. Punctuation is apart too:
# "talks," still shares "talks".
_WORD_OR_SPACE = re.compile(r"\d+(?:[.,]\d+)*\w*|\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\d+(?:[.,]\d+)*\w*|\w+|[^\w\s]")

# Scripts written without spaces between words: Chinese, Japanese, Thai, Lao, Khmer, Myanmar.
# A run of them would otherwise be one "word" from one punctuation mark to the next, so a
# one-word edit made a whole clause differ and a paragraph score like a rewrite. Such runs
# are cut into words by ICU's word break iterator (UAX #29 plus its dictionaries for these
# scripts: the segmentation browsers, Lucene and Elasticsearch use), through icu4py, whose
# wheels ship ICU and its data, so nothing is downloaded at run time. Not one character a
# word (as wikidiff2 does for ideographs): dictionary words keep a highlight and the score
# at word level as for Latin text (`進める` -> `急ぐ`, `推进` -> `加快` whole, and unrelated
# paragraphs share fewer stray characters), and Thai, whose letters and vowel marks are no
# words at all, gets words too. Hangul is written with spaces and is left to \w+.
_NO_SPACE = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer, Khmer symbols
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b"  # 々 〆 〇, Suzhou numerals, kana repeats, 〻
    "\u3040-\u30ff\u31f0-\u31ff"  # hiragana, katakana and its phonetic extensions
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs: extension A, unified, compatibility
    "\uff66-\uff9f"  # halfwidth katakana
    "\U00020000-\U000323af"  # CJK ideographs, extensions B to H
)
_HAS_NO_SPACE = re.compile(f"[{_NO_SPACE}]")
# A run of word characters and of those scripts (their vowel marks are not \w), through a
# number's separators; anything else is one token as above. Runs with none of those scripts
# are split as everywhere else.
_RUN_OR_OTHER = re.compile(rf"(?:[\w{_NO_SPACE}]|(?<=\d)[.,](?=\d))+|\s+|[^\w\s]")
_word_breaker = None  # icu4py's WordBreaker, imported the first time it is needed (~20 ms)

K = TypeVar("K", bound=Hashable)


class TooManyTokens(ValueError):
    """More distinct items than there are Unicode characters to stand for them."""


def code_point(k: int) -> str:
    """Return the character that stands for the k-th distinct item."""
    for start, stop in _RANGES:
        if k < stop - start:
            return chr(start + k)
        k -= stop - start
    raise TooManyTokens(f"more than {CAPACITY:,} distinct items cannot be told apart")


class Encoder(Generic[K]):
    """Hand out one character per distinct key, the same character for equal keys."""

    def __init__(self, reserved: int = 0) -> None:
        self._codes: dict[K, str] = {}
        self.keys: dict[str, K] = {}  # character -> key, to read a diff's parts back
        self._next = reserved  # the first `reserved` characters stay free for the caller

    def code(self, key: K) -> str:
        """Return the character of a key, handing out a new one the first time."""
        c = self._codes.get(key)
        if c is None:
            k = self._next
            c = chr(0xE000 + k) if k < 6400 else code_point(k)
            self._codes[key] = c
            self.keys[c] = key
            self._next = k + 1
        return c

    def encode(self, keys: Iterable[K]) -> str:
        """Return the string standing for a sequence of keys."""
        code = self.code
        return "".join([code(k) for k in keys])


def split_tokens(text: str) -> list[str]:
    """Split text into words, white-space runs and single other characters (joined: the text)."""
    if _HAS_NO_SPACE.search(text) is None:
        return _WORD_OR_SPACE.findall(text)
    out: list[str] = []
    for t in _RUN_OR_OTHER.findall(text):
        if _HAS_NO_SPACE.search(t) is not None:
            out.extend(_dictionary_words(t))
        elif len(t) > 1 and not t.isspace():
            out.extend(_WORD_OR_SPACE.findall(t))  # as in text without those scripts
        else:
            out.append(t)
    return out


def split_words(text: str) -> list[str]:
    """Return the words and punctuation marks of a text, white space left out."""
    if _HAS_NO_SPACE.search(text) is None:
        return _WORD.findall(text)
    return [t for t in split_tokens(text) if not t.isspace()]


def _dictionary_words(run: str) -> tuple[str, ...]:
    """Cut a run of word characters in scripts without spaces into words (ICU word breaks).

    Runs up to a clause long are cached: a diff splits the same runs in both versions, and
    again for the inline segments.
    """
    return _cached_words(run) if len(run) <= 100 else _break_words(run)


@functools.lru_cache(maxsize=8192)
def _cached_words(run: str) -> tuple[str, ...]:
    return _break_words(run)


def _break_words(run: str) -> tuple[str, ...]:
    global _word_breaker
    if _word_breaker is None:
        from icu4py.breakers import WordBreaker

        _word_breaker = WordBreaker
    # The root locale: ICU's dictionaries for these scripts apply whatever the locale.
    return tuple(_word_breaker(run, "root"))
