"""The lossless rules of a diff, and `verify`, which checks a diff against them.

Lossless means, for old paragraphs 0..n-1 and new ones 0..m-1 (a row "holds" its `left`, or
every index of `lefts` on a joined row; likewise `right`, or `rights` on a split row):
  1. the new indexes the rows hold, in row order, are exactly 0, 1, ..., m-1;
  2. every old index 0..n-1 is held by exactly one row;
  3. over the rows that are not `moved`, the old indexes held increase in row order;
  4. unchanged and unedited moved rows join paragraphs with equal comparison keys (the text
     itself, or its typography-normalised form); for changed and moved rows with segments,
     the equal and delete segments rebuild the old paragraph exactly and the equal and insert
     segments the new one; a split row holds one old paragraph and two or more consecutive
     new ones (`right` the first of `rights`): equal, delete and break segments rebuild the
     old paragraph, equal and insert segments between breaks each new one in turn; a joined
     row is the mirror (`left` the first of `lefts`; equal, insert and break rebuild the new
     paragraph, equal and delete between breaks each old one);
  5. a removed row stands right after the row holding the nearest earlier old paragraph that
     did not move (after the removed rows that follow that one), or first if there is none.
So the left paragraphs of the rows give the old text back and the right ones the new text.
"""

from __future__ import annotations

from collections.abc import Sequence

from .engine import KINDS, Diff, lefts_of, rights_of
from .typography import normalise


class LossError(ValueError):
    """A diff breaks one of the lossless rules of this module's docstring."""


def _rebuild(segs: list[dict], one: str, many: str) -> tuple[str, list[str]]:
    """Return (the single paragraph, the several) that a split or joined row's segments give.

    `one` is the op of the single side (delete for a split), `many` that of the several.
    """
    single = "".join(s["text"] for s in segs if s["op"] in ("equal", one, "break"))
    pieces = [""]
    for s in segs:
        if s["op"] == "break":
            pieces.append("")
        elif s["op"] in ("equal", many):
            pieces[-1] += s["text"]
    return single, pieces


def _check_group(p: int, r: dict, old: Sequence[str], new: Sequence[str]) -> None:
    kind, segs = r["kind"], r.get("segments")
    several = r.get("rights") if kind == "split" else r.get("lefts")
    single_key, other = ("left", "lefts") if kind == "split" else ("right", "rights")
    if (not isinstance(several, list) or len(several) < 2 or other in r or segs is None
            or several != list(range(several[0], several[0] + len(several)))
            or r["right" if kind == "split" else "left"] != several[0]
            or not isinstance(r[single_key], int)):
        raise LossError(f"row {p} {r} is not a well-formed {kind} row")
    if kind == "split":
        single, pieces = _rebuild(segs, "delete", "insert")
        ok = single == old[r["left"]] and pieces == [new[j] for j in several]
    else:
        single, pieces = _rebuild(segs, "insert", "delete")
        ok = single == new[r["right"]] and pieces == [old[i] for i in several]
    if not ok:
        raise LossError(f"row {p}: segments do not rebuild the paragraphs of the {kind} row")


def verify(old: Sequence[str], new: Sequence[str], diff: Diff, *, ignore_typography=False) -> None:
    """Check that `diff` is a lossless diff of `old` to `new`.

    Raises:
        LossError: naming the first rule broken.
    """
    key = normalise if ignore_typography else str
    rows = diff.rows
    rights = [j for r in rows for j in rights_of(r)]
    if rights != list(range(len(new))):
        raise LossError(f"right indexes in row order are {rights}, not 0..{len(new) - 1}")
    lefts = sorted(i for r in rows for i in lefts_of(r))
    if lefts != list(range(len(old))):
        raise LossError(f"left indexes are {lefts}, not each of 0..{len(old) - 1} once")
    in_order = [i for r in rows if r["kind"] != "moved" for i in lefts_of(r)]
    if in_order != sorted(in_order):
        raise LossError(f"left indexes of rows that did not move go back: {in_order}")
    moved = {r["left"] for r in rows if r["kind"] == "moved"}
    for p, r in enumerate(rows):
        kind, i, j = r["kind"], r["left"], r["right"]
        sides = {"added": (False, True), "removed": (True, False)}.get(kind, (True, True))
        if kind not in KINDS or ((i is not None), (j is not None)) != sides:
            raise LossError(f"row {p} {r} has the wrong kind or sides")
        if kind in ("split", "joined"):
            _check_group(p, r, old, new)
        elif "lefts" in r or "rights" in r:
            raise LossError(f"row {p}: only split and joined rows hold several paragraphs")
        elif "segments" in r:
            segs = r["segments"]
            was = "".join(s["text"] for s in segs if s["op"] in ("equal", "delete"))
            now = "".join(s["text"] for s in segs if s["op"] in ("equal", "insert"))
            if (kind not in ("changed", "moved") or was != old[i] or now != new[j]
                    or any(s["op"] not in ("equal", "insert", "delete") for s in segs)):
                raise LossError(f"row {p}: segments do not rebuild old[{i}] and new[{j}]")
        elif kind in ("unchanged", "moved") and key(old[i]) != key(new[j]):
            raise LossError(f"row {p}: old[{i}] and new[{j}] differ but carry no segments")
        elif kind == "changed":
            raise LossError(f"row {p}: a changed row without segments")
        if kind == "removed":
            k = i - 1
            while k in moved:
                k -= 1
            held = lefts_of(rows[p - 1]) if p else []
            before = held[-1] if held else None
            if (k >= 0 and (before != k or rows[p - 1]["kind"] == "moved")) or (k < 0 and p):
                raise LossError(f"row {p}: removed old[{i}] does not stand where it stood")
