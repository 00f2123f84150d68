"""What the Differ reads (the store's versions, as protocols) and what it returns (VersionDiff).

The diff wing never imports the store: any object with the store's `read`, `versions` and
`read_many` will do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from .engine import Diff
from .ignore import NOTHING, Ignore
from .meta import meta_changes, meta_stats


class Version(Protocol):
    """What the Differ reads of a stored version (the store's Version)."""

    # Read-only properties: the store's dataclasses are frozen.
    @property
    def version(self) -> int: ...
    @property
    def commit(self) -> str: ...
    @property
    def paragraphs(self) -> Sequence[str]: ...
    @property
    def meta(self) -> Mapping[str, Any]: ...


class VersionInfo(Protocol):
    """What the Differ reads of a history entry (the store's VersionInfo)."""

    @property
    def version(self) -> int: ...
    @property
    def commit(self) -> str: ...
    @property
    def meta(self) -> Mapping[str, Any]: ...


class VersionSource(Protocol):
    """The store, as the Differ uses it (the diff engine never imports the store)."""

    def read(self, article_id: str, version: int | str = ...) -> Any:
        """Return one version (a number or "latest")."""
        ...

    def versions(self, article_id: str, upto: str | None = ...) -> list[Any]:
        """Return the history entries, oldest first."""
        ...

    def read_many(self, article_id: str, numbers: Any = ..., upto: str | None = ...) -> Any:
        """Return an iterator over versions, oldest first, read in one walk."""
        ...


@dataclass
class VersionDiff(Diff):
    """The diff of two stored versions: paragraph rows and stats, and what changed in their meta.

    `meta` is `meta.meta_changes` of the two versions; the stats add `meta_changed`,
    `meta_fields` and `typography_only` (changed or edited moved rows whose only differences
    are typographic) to the engine's counts.
    """

    meta: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON-ready form {"stats": ..., "meta": ..., "rows": ...}."""
        return {"stats": self.stats, "meta": self.meta, "rows": self.rows}


def with_meta(diff: Diff, old_meta: Mapping[str, Any] | None, new_meta: Mapping[str, Any],
              ignore: Ignore = NOTHING) -> VersionDiff:
    """Return `diff` with the metadata changes of its two versions and the stats that count them."""
    changes = meta_changes(old_meta, new_meta, ignore_typography="typography" in ignore)
    typography_only = sum(1 for r in diff.rows if r.get("typography"))
    stats = {**diff.stats, "typography_only": typography_only, **meta_stats(changes)}
    return VersionDiff(rows=diff.rows, stats=stats, meta=changes)


class Comparison(NamedTuple):
    """A diff and the two versions it compares (`old` None: the empty story before v1)."""

    diff: VersionDiff
    old: Any
    new: Any


def previous(version: int) -> int:
    """Return the version a comparison starts from when only its end is given.

    The one before; for version 1 that is 0, the empty story, so a one-version article's
    default comparison shows everything as added.
    """
    return version - 1
