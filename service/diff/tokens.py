"""Map paragraphs or words to single characters so diff-match-patch can diff them as text.

diff-match-patch diffs strings; to diff sequences of paragraphs (or words) each distinct
item gets one character, and the strings handed to it are made only of those characters.
The items' own characters are never looked at, so texts full of private-use characters,
emoji or anything else encode just as well.
"""

from __future__ import annotations

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

_WORD_OR_SPACE = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+|[^\w\s]")  # punctuation apart: "talks," still shares "talks"

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
    return _WORD_OR_SPACE.findall(text)


def split_words(text: str) -> list[str]:
    """Return the words and punctuation marks of a text, white space left out."""
    return _WORD.findall(text)
