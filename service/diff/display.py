"""Rows as a reader sees them: a moved paragraph shown at both places and which way it went,
quiet runs folded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..plural import plural
from .engine import Diff, lefts_of


def display_rows(diff: Diff | Mapping) -> list[dict]:
    """Return the rows plus a `moved_away` row at each moved paragraph's old place.

    Each moved row gets `"from": i` (its old index) and each `moved_away` row `"to": j`
    (the new index), so a page can mark both places and link them. Accepts a `Diff` or
    its `to_dict()` form (e.g. from a cache).
    """
    rows = diff.rows if isinstance(diff, Diff) else diff["rows"]
    moved = {r["left"]: r["right"] for r in rows if r["kind"] == "moved"}
    n = sum(len(lefts_of(r)) for r in rows)
    out: list[dict] = []

    def moved_away_after(i: int) -> None:
        k = i + 1
        while k < n and k in moved:
            out.append({"kind": "moved_away", "left": k, "right": None, "to": moved[k]})
            k += 1

    moved_away_after(-1)
    for r in rows:
        if r["kind"] == "moved":
            out.append({**r, "from": r["left"]})
        else:
            out.append(r)
            if r["left"] is not None:
                moved_away_after(lefts_of(r)[-1])
    return out


def move_directions(rows: list[dict]) -> dict[int, str]:
    """Return "up" or "down" for each moved row, by its old index: which way it went.

    Relative to the paragraphs that kept their place (unchanged, changed, split, joined): a
    paragraph now below one that stood after it moved down, now above one that stood before
    it moved up; a paragraph shifted by insertions or removals above it is no move at all.
    Takes the engine's rows or `display_rows` (moved_away rows are skipped).
    """
    kept = ("unchanged", "changed", "split", "joined")
    out: dict[int, str] = {}
    last = -1  # the last old index held by a row that kept its place, above this one
    for r in rows:
        if r["kind"] in kept:
            last = lefts_of(r)[-1]
        elif r["kind"] == "moved" and r["left"] < last:
            out[r["left"]] = "down"
    for r in rows:
        if r["kind"] == "moved" and r["left"] not in out:
            out[r["left"]] = "up"
    return out


@dataclass
class Fold:
    """A run of rows shown folded behind a summary: unchanged paragraphs or promotional lines."""

    kind: str  # "unchanged" or "promo"
    rows: list[Any] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Say what is folded, e.g. '7 unchanged paragraphs'."""
        if self.kind == "promo":
            n = len(self.rows)
            return "Promotional line" if n == 1 else plural(n, "promotional line")
        return plural(len(self.rows), "unchanged paragraph")


def _dict_row(row: Any) -> tuple[str, bool]:
    return row["kind"], bool(row.get("promo"))


def fold_rows(rows: list[Any], show_unchanged: bool, *, fold_promo: bool = True,
              describe: Callable[[Any], tuple[str, bool]] = _dict_row) -> list[Any]:
    """Fold runs of unchanged rows (unless shown) and of added or removed promo lines.

    Returns rows and Folds in order. `describe(row)` gives (kind, promo) of a row; the default
    reads the engine's dict rows. The pages and the terminal fold with this one function.
    """
    blocks: list[Any] = []
    for row in rows:
        kind, promo = describe(row)
        if kind == "unchanged" and not show_unchanged:
            fold = "unchanged"
        elif fold_promo and promo and kind in ("added", "removed"):
            fold = "promo"
        else:
            blocks.append(row)
            continue
        last = blocks[-1] if blocks else None
        if isinstance(last, Fold) and last.kind == fold:
            last.rows.append(row)
        else:
            blocks.append(Fold(fold, [row]))
    return blocks
