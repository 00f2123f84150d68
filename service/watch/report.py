"""What a pass did: counts per source for its progress line, and the summary of the pass."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from ..plural import plural

# Outcomes of one page, in the order lines list them.
OUTCOMES = ("saved", "unchanged", "not_modified", "not_due", "settled", "failed", "deleted")
_WORDS = {"saved": "new version", "unchanged": "unchanged", "not_modified": "not modified (304)",
          "not_due": "polled lately",
          "settled": "settled (too old to poll)", "failed": "failed", "deleted": "deleted"}


@dataclass
class Report:
    """Counts of one pass, per source and in all; safe to add to from several threads."""

    sources: int = 0
    totals: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, counts: Counter, source: bool = True) -> None:
        """Add one source's counts to the pass's (source=False: pages polled on their own)."""
        with self._lock:
            self.sources += source
            self.totals.update(counts)

    def summary(self) -> str:
        """Return the pass's closing line."""
        pages = sum(self.totals[o] for o in OUTCOMES)
        return (f"watch: {plural(self.sources, 'source')}, {plural(pages, 'page')}: "
                f"{counts_line(self.totals)}")


def counts_line(counts: Counter) -> str:
    """Return '2 new versions, 3 unchanged, ...' for the outcomes that happened."""
    parts = []
    for outcome in OUTCOMES:
        if counts[outcome]:
            word = _WORDS[outcome]
            parts.append(plural(counts[outcome], word) if outcome == "saved"
                         else f"{counts[outcome]} {word}")
    return ", ".join(parts) or "nothing to do"
