"""What the store's calls answer: a save's result and an article in a listing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the version that is now the head, and whether it is new."""

    article: str
    version: int
    commit: str
    created: bool


@dataclass(frozen=True)
class ArticleSummary:
    """One article in a listing."""

    id: str
    headline: str
    versions: int
    updated_at: datetime
    commit: str
    fallback_title: str = ""  # first words of the latest text: for lists, when no headline
