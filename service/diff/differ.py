"""The Differ: diffs, change stats and annotations of a store's articles, cached by commit ids.

A commit id names its content, so a diff of two commits (and an annotation of one) never
changes: the caches need bounds (bytes), not invalidation. Stats of consecutive versions and
provenances (see annotate.py) are also kept on disk (facts.py), so a long history is diffed once
across processes and restarts. The web app and the CLI each make one Differ (it holds the promo
pattern and the caches); nothing here is a module global. See docs/ARCHITECTURE.md, "The
Differ", for why there are these caches and why passes over a whole history never fill the
diff cache.
"""

from __future__ import annotations

import logging
import sys
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..lru import LRU, size_of
from .annotate import Provenance, annotation, next_provenance
from .engine import diff_paragraphs
from .facts import Facts, recipe
from .ignore import NOTHING, Ignore
from .versions import (
    Comparison,
    Version,
    VersionDiff,
    VersionInfo,
    VersionSource,
    previous,
    with_meta,
)

log = logging.getLogger(__name__)

_MIB = 1024 * 1024
# Default bounds: config.CACHE_SHARES of the default WRITETHRU_CACHE_MB (64).
#: Full diffs (rows with their segments) of the pairs readers ask for.
DIFFS_BYTES = 22 * _MIB
#: Stats of consecutive versions (~0.9 KB each with the key): a 5,000-version timeline fits.
STATS_BYTES = 6 * _MIB
#: Annotations (they hold the full text of their version) and, a quarter of it, provenances.
ANNOTATIONS_BYTES = 6 * _MIB
#: What a cache key of two commit ids weighs (a tuple and two 40-character strings).
_KEY_BYTES = 250
#: A walk keeps every provenance on disk but only every CHECKPOINT-th in memory (and the last):
#: without a facts file, a later annotate of an earlier version then costs at most this many diffs.
CHECKPOINT = 64
#: Facts are written every FLUSH steps of a walk, so a walk cut short keeps most of its work.
FLUSH = 256


def _weigh_stats(stats: dict) -> int:
    # The keys and small ints are shared by every stats dict; the dict and its one list (of
    # field names, ~60 bytes each) are not. Cheaper than size_of: a timeline puts thousands.
    fields = stats.get("meta_fields") or ()
    return _KEY_BYTES + sys.getsizeof(stats) + 56 + 68 * len(fields)


def _weigh(value: object) -> int:
    return _KEY_BYTES + size_of(value)


def _weigh_provenance(packed: array) -> int:
    return _KEY_BYTES + sys.getsizeof(packed)


def _pack(history: Provenance) -> array:
    packed = array("I", [f for f, _ in history])
    packed.extend(last for _, last in history)
    return packed


def _unpack(packed: array) -> Provenance:
    half = len(packed) // 2
    return list(zip(packed[:half], packed[half:], strict=True))


class Differ:
    """Compare, annotate and summarise versions of a store's articles, remembering the results."""

    def __init__(self, store: VersionSource, promo_pattern: str | None = None, *,
                 facts: Path | str | None = None, diffs_bytes: int = DIFFS_BYTES,
                 stats_bytes: int = STATS_BYTES, annotations_bytes: int = ANNOTATIONS_BYTES):
        self.store = store
        self.promo_pattern = promo_pattern
        self.facts = Facts(facts)
        self._diffs = LRU(diffs_bytes, _weigh)
        self._stats = LRU(stats_bytes, _weigh_stats)
        self._annotations = LRU(annotations_bytes - annotations_bytes // 4, _weigh)
        self._provenances = LRU(annotations_bytes // 4, _weigh_provenance)
        self._recipes: dict[Ignore, str] = {}

    @staticmethod
    def facts_beside(store_path: Path | str) -> Path:
        """Return where the facts file of the store at `store_path` lives (beside its index)."""
        return Path(store_path) / "writethru" / "facts.sqlite"

    def _key(self, old_commit: str, new_commit: str, ignore: Ignore) -> tuple:
        return (old_commit, new_commit, ignore, self.promo_pattern)

    def _how(self, ignore: Ignore) -> str:
        """Return the facts' name for how this Differ computes under `ignore`."""
        found = self._recipes.get(ignore)
        if found is None:
            found = self._recipes[ignore] = recipe(ignore, self.promo_pattern)
        return found

    def _diff(self, old: Version | None, new: Version, ignore: Ignore) -> VersionDiff:
        """Diff two versions' paragraphs and metadata: every diff (and so every stats) has both."""
        diff = diff_paragraphs(list(old.paragraphs) if old is not None else [],
                               list(new.paragraphs), ignore_typography="typography" in ignore,
                               promo_pattern=self.promo_pattern)
        return with_meta(diff, old.meta if old is not None else None, new.meta, ignore)

    def diff_versions(self, old: Version | None, new: Version,
                      ignore: Ignore = NOTHING) -> VersionDiff:
        """Return the diff of two versions (old None: the empty story), cached by their commits.

        A commit fixes its metadata too, so the metadata changes are cached with the rows.
        """
        key = self._key(old.commit if old is not None else "", new.commit, ignore)

        def compute() -> VersionDiff:
            diff = self._diff(old, new, ignore)
            self._stats.put(key, diff.stats)
            return diff

        return self._diffs.get(key, compute)

    def endpoints(self, article_id: str, a: int | str | None = None,
                  b: int | str = "latest") -> tuple[int | str, Any]:
        """Return (a, version b) with a defaulted to the version before b: the one place that rule lives."""
        new = self.store.read(article_id, b)
        return (previous(new.version) if a is None else a), new

    def compare(self, article_id: str, a: int | str | None = None, b: int | str = "latest",
                ignore: Ignore = NOTHING) -> Comparison:
        """Diff version a (a number, 'latest', 0 for the empty story, None: the one before b) with b.

        Store errors propagate (VersionNotFound says how many versions there are).
        """
        start, new = self.endpoints(article_id, a, b)
        old = None if start == 0 else self.store.read(article_id, start)
        return Comparison(self.diff_versions(old, new, ignore), old, new)

    def _pairs(self, article_id: str, pairs: list[tuple[int, int]],
               upto: str | None = None) -> Iterator[tuple[Any, Any]]:
        """Yield (old, new) Versions for (old number, new number) pairs, read in one walk.

        A version is let go as soon as no pair still to come needs it.
        """
        olds_of: dict[int, list[int]] = {}
        uses: dict[int, int] = {}
        for old, new in pairs:
            olds_of.setdefault(new, []).append(old)
            uses[old] = uses.get(old, 0) + 1
        held: dict[int, Any] = {}
        numbers = [n for pair in pairs for n in pair]
        for version in self.store.read_many(article_id, numbers, upto=upto):
            number = version.version
            held[number] = version
            for old in olds_of.get(number, ()):
                yield held[old], version
                uses[old] -= 1
                if not uses[old]:
                    del held[old]
            if not uses.get(number):
                held.pop(number, None)

    def change_stats(self, article_id: str, infos: Sequence[VersionInfo]) -> list[dict | None]:
        """Return, per VersionInfo in order, the stats of its diff from the one before (None for v1).

        Stats come from memory (or a cached full diff), then from the facts file; the pairs
        still missing are read in one walk of the chain, diffed, and their stats kept in both,
        so a long timeline is diffed once, in any process. Stats count metadata changes too
        (`meta_fields`: "headline changed").
        """
        out: list[dict | None] = [None] * len(infos)
        missing = []
        for k in range(1, len(infos)):
            key = self._key(infos[k - 1].commit, infos[k].commit, NOTHING)
            stats = self._stats.peek(key)
            if stats is None:
                diff = self._diffs.peek(key)
                stats = diff.stats if diff is not None else None
            if stats is None:
                missing.append(k)
            out[k] = stats
        # A fact is keyed by the newer commit alone (a commit names its parent): only pairs of
        # consecutive versions are facts.
        facts = [k for k in missing if infos[k].version == infos[k - 1].version + 1]
        if facts:
            how = self._how(NOTHING)
            found = self.facts.stats(how, [infos[k].commit for k in facts])
            for k in facts:
                stats = found.get(infos[k].commit)
                if stats is not None:
                    self._stats.put(self._key(infos[k - 1].commit, infos[k].commit, NOTHING), stats)
                    out[k] = stats
            missing = [k for k in missing if out[k] is None]
        if missing:
            pairs = [(infos[k - 1].version, infos[k].version) for k in missing]
            position = {infos[k].version: k for k in missing}
            kept: list[tuple[str, dict | None, None]] = []
            for old, new in self._pairs(article_id, pairs, upto=infos[-1].commit):
                diff = self._diff(old, new, NOTHING)
                self._stats.put(self._key(old.commit, new.commit, NOTHING), diff.stats)
                out[position[new.version]] = diff.stats
                if new.version == old.version + 1:
                    kept.append((new.commit, diff.stats, None))
                if len(kept) >= FLUSH:
                    self.facts.keep(self._how(NOTHING), kept)
                    kept = []
            self.facts.keep(self._how(NOTHING), kept)
        return out

    def annotate(self, article_id: str, n: int | str = "latest",
                 ignore: Ignore = NOTHING) -> tuple[list[dict], Any]:
        """Return (annotation, version n): where each paragraph of version n began and last changed.

        The annotation is cached by the commit of version n, which fixes its whole history. Its
        provenance is carried forward from the newest earlier version whose provenance is known
        (in memory or in the facts file) one diff at a time, keeping each step's; so the first
        annotate of a long story costs a diff a version, and any later one about one diff.
        """
        target = self.store.read(article_id, n)
        key = (target.commit, ignore)

        def compute() -> list[dict]:
            return annotation(target.paragraphs, self._provenance(article_id, target, ignore))

        return self._annotations.get(key, compute), target

    def _known(self, commit: str, ignore: Ignore) -> Provenance | None:
        """Return the provenance of a commit from memory or the facts file, None if unknown."""
        packed = self._provenances.peek((commit, ignore))
        if packed is not None:
            return _unpack(packed)
        found = self.facts.newest_provenance(self._how(ignore), [commit])
        if found is None:
            return None
        self._provenances.put((commit, ignore), _pack(found[1]))
        return found[1]

    def _provenance(self, article_id: str, target: Version, ignore: Ignore) -> Provenance:
        """Return the provenance of `target`, walking from the newest version before it known."""
        found = self._known(target.commit, ignore)
        if found is not None and len(found) == len(target.paragraphs):
            return found
        infos = self.store.versions(article_id, upto=target.commit)
        start, history = 0, []
        for k in range(len(infos) - 2, -1, -1):  # memory first: no query
            packed = self._provenances.peek((infos[k].commit, ignore))
            if packed is not None:
                start, history = k + 1, _unpack(packed)
                break
        on_disk = self.facts.newest_provenance(self._how(ignore),
                                               [i.commit for i in infos[start:-1]])
        if on_disk is not None:
            start, history = start + on_disk[0] + 1, on_disk[1]
        try:
            return self._walk(article_id, infos, start, history, ignore)
        except ValueError as exc:  # a kept provenance that does not fit its version (damage)
            if start == 0:
                raise
            log.warning("writethru: provenance of %s v%d does not chain (%s); walking from v1",
                        article_id, start, exc)
            return self._walk(article_id, infos, 0, [], ignore)

    def _walk(self, article_id: str, infos: Sequence[VersionInfo], start: int,
              history: Provenance, ignore: Ignore) -> Provenance:
        """Carry `history`, the provenance of version `start` (0: none), to the last of `infos`.

        Cached full diffs are reused; the versions of the other steps are read in one walk of
        the chain, oldest first, and let go as the walk passes them. Each step's provenance goes
        to the facts file, and every CHECKPOINT-th to memory.
        """
        last = len(infos)
        how = self._how(ignore)
        commit = [""] + [i.commit for i in infos]  # commit[v]: version v's, "" the empty story
        cached = {v: self._diffs.peek(self._key(commit[v - 1], commit[v], ignore))
                  for v in range(max(start, 1) + 1, last + 1)}
        need = {x for v, d in cached.items() if d is None for x in (v - 1, v)}
        versions = self.store.read_many(article_id, sorted(need | ({1} if start == 0 else set())),
                                        upto=commit[last])
        held: dict[int, Any] = {}
        kept: list[tuple[str, dict | None, Provenance]] = []
        for v in range(start + 1, last + 1):
            diff, stats = cached.get(v), None
            if diff is None:
                while v not in held:
                    version = next(versions)
                    held[version.version] = version
            if v == 1:  # every paragraph of the first version begins there: no diff
                history = [(1, 1)] * len(held[1].paragraphs)
            else:
                if diff is None:
                    diff = self._diff(held.pop(v - 1), held[v], ignore)
                    stats = diff.stats
                    self._stats.put(self._key(commit[v - 1], commit[v], ignore), stats)
                history = next_provenance(history, diff, v)
            kept.append((commit[v], stats, history))
            if v % CHECKPOINT == 0 or v == last:
                self._provenances.put((commit[v], ignore), _pack(history))
            if len(kept) >= FLUSH:
                self.facts.keep(how, kept)
                kept = []
        self.facts.keep(how, kept)
        return history

    def record(self, article_id: str, version: int, commit: str | None = None) -> None:
        """Keep the stats and provenance of a just-saved version (one diff); never raises."""
        try:
            numbers = [version - 1, version] if version > 1 else [version]
            read = list(self.store.read_many(article_id, numbers, upto=commit))
            new, old = read[-1], (read[0] if version > 1 else None)
            if old is None:
                history: Provenance | None = [(1, 1)] * len(new.paragraphs)
                stats = None
            else:
                diff = self.diff_versions(old, new)
                stats = diff.stats
                before = self._known(old.commit, NOTHING)
                history = next_provenance(before, diff, version) if before is not None else None
            if history is not None:
                self._provenances.put((new.commit, NOTHING), _pack(history))
            self.facts.keep(self._how(NOTHING), [(new.commit, stats, history)])
        except Exception:  # a save has happened: what it costs us is a recomputation later
            log.exception("writethru: could not record the facts of %s v%s", article_id, version)

    def clear(self) -> None:
        """Empty every cache in memory (tests use it to count computations from a cold start)."""
        for cache in (self._diffs, self._stats, self._annotations, self._provenances):
            cache.clear()

    def cache_counts(self) -> dict:
        """Return hit and miss counts of the diff cache."""
        return {"hits": self._diffs.hits, "misses": self._diffs.misses}

    def sizes(self) -> dict:
        """Return how many entries each cache holds."""
        return {"diffs": len(self._diffs), "stats": len(self._stats),
                "annotations": len(self._annotations), "provenances": len(self._provenances)}

    def weights(self) -> dict:
        """Return (bytes held, bound) of each cache."""
        caches = {"diffs": self._diffs, "stats": self._stats, "annotations": self._annotations,
                  "provenances": self._provenances}
        return {name: (c.weight, c.max_weight) for name, c in caches.items()}
