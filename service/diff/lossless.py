"""The lossless rules of a diff, and `verify`, which checks a diff against them.

Lossless means, for old paragraphs 0..n-1 and new ones 0..m-1:
  1. the `right` indexes of the rows, in row order, are exactly 0, 1, ..., m-1;
  2. every `left` index 0..n-1 appears in exactly one row;
  3. over the rows that are not `moved`, `left` indexes increase in row order;
  4. unchanged and unedited moved rows join paragraphs with equal comparison keys (the text
     itself, or its typography-normalised form); for rows with segments, the equal and delete
     segments rebuild the old paragraph exactly and the equal and insert segments the new one;
  5. a removed row stands right after the row holding the nearest earlier old paragraph that
     did not move (after the removed rows that follow that one), or first if there is none.
So the left paragraphs of the rows give the old text back and the right ones the new text.
"""

from __future__ import annotations

from collections.abc import Sequence

from .engine import KINDS, Diff
from .typography import normalise


class LossError(ValueError):
    """A diff breaks one of the lossless rules of this module's docstring."""


def verify(old: Sequence[str], new: Sequence[str], diff: Diff, *, ignore_typography=False) -> None:
    """Check that `diff` is a lossless diff of `old` to `new`.

    Raises:
        LossError: naming the first rule broken.
    """
    key = normalise if ignore_typography else str
    rows = diff.rows
    rights = [r["right"] for r in rows if r["right"] is not None]
    if rights != list(range(len(new))):
        raise LossError(f"right indexes in row order are {rights}, not 0..{len(new) - 1}")
    lefts = sorted(r["left"] for r in rows if r["left"] is not None)
    if lefts != list(range(len(old))):
        raise LossError(f"left indexes are {lefts}, not each of 0..{len(old) - 1} once")
    in_order = [r["left"] for r in rows if r["left"] is not None and r["kind"] != "moved"]
    if in_order != sorted(in_order):
        raise LossError(f"left indexes of rows that did not move go back: {in_order}")
    moved = {r["left"] for r in rows if r["kind"] == "moved"}
    for p, r in enumerate(rows):
        kind, i, j = r["kind"], r["left"], r["right"]
        sides = {"added": (False, True), "removed": (True, False)}.get(kind, (True, True))
        if kind not in KINDS or ((i is not None), (j is not None)) != sides:
            raise LossError(f"row {p} {r} has the wrong kind or sides")
        if "segments" in r:
            segs = r["segments"]
            was = "".join(s["text"] for s in segs if s["op"] in ("equal", "delete"))
            now = "".join(s["text"] for s in segs if s["op"] in ("equal", "insert"))
            if kind not in ("changed", "moved") or was != old[i] or now != new[j]:
                raise LossError(f"row {p}: segments do not rebuild old[{i}] and new[{j}]")
        elif kind in ("unchanged", "moved") and key(old[i]) != key(new[j]):
            raise LossError(f"row {p}: old[{i}] and new[{j}] differ but carry no segments")
        elif kind == "changed":
            raise LossError(f"row {p}: a changed row without segments")
        if kind == "removed":
            k = i - 1
            while k in moved:
                k -= 1
            before = rows[p - 1]["left"] if p else None
            if (k >= 0 and (before != k or rows[p - 1]["kind"] == "moved")) or (k < 0 and p):
                raise LossError(f"row {p}: removed old[{i}] does not stand where it stood")
