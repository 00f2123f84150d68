"""Typography normalisation (for `ignore=typography`) and promotional-line tagging; pure."""

from __future__ import annotations

import functools
import re
import unicodedata

from ..config import DEFAULT_PROMO_PATTERN

__all__ = ["DEFAULT_PROMO_PATTERN", "is_promo", "normalise"]

_SINGLE = "\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\uff07"  # ‘ ’ ‚ ‛ ′ ‵ ʼ ＇
_DOUBLE = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\uff02"  # “ ” „ ‟ ″ ‶ « » ＂
# hyphen, non-breaking hyphen, figure dash, en, em, bar, bullet, minus, small and fullwidth:
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d"
_TABLE = str.maketrans(
    {**dict.fromkeys(_SINGLE, "'"), **dict.fromkeys(_DOUBLE, '"'), **dict.fromkeys(_DASHES, "-")}
)
_SPACE_RUN = re.compile(r"\s+")  # \s is Unicode-aware: NBSP, thin spaces, line separators


def normalise(text: str) -> str:
    """Return the comparison key of a paragraph: NFKC, straight quotes, '-' dashes, one space."""
    # Translate before NFKC as well as after: NFKC splits ″ into two primes, which would
    # otherwise become two apostrophes instead of one straight double quote.
    text = unicodedata.normalize("NFKC", text.translate(_TABLE)).translate(_TABLE)
    return _SPACE_RUN.sub(" ", text).strip()


@functools.lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"promo pattern {pattern!r} is not a regular expression: {exc}") from exc


# Compiled at import (about 0.15 ms) rather than inside a worker's first diff.
_compiled(DEFAULT_PROMO_PATTERN)


def is_promo(text: str, pattern: str | None = None) -> bool:
    """Tell whether a paragraph is a promotional line ("WATCH: …", "READ MORE: …")."""
    regex = _compiled(DEFAULT_PROMO_PATTERN if pattern is None else pattern)
    return regex.search(text.strip()) is not None
