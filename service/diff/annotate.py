"""Annotate: for each paragraph of a version, the version it came in and the one that last edited it.

A version's provenance is, per paragraph, (first_version, last_changed_version). The provenance
of version v follows from that of v - 1 and their diff alone (`next_provenance`), so it can be
kept and carried forward one diff at a time (the Differ does, see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .engine import Diff, check_paragraphs, diff_paragraphs, lefts_of, rights_of
from .splits import cut

#: Per paragraph of a version: (first_version, last_changed_version), versions from 1.
Provenance = list[tuple[int, int]]


def next_provenance(history: Sequence[tuple[int, int]], diff: Diff | Mapping,
                    version: int) -> Provenance:
    """Return the provenance of `version` from that of the version before it and their diff.

    `history` is the older version's provenance ([] for the empty story before version 1);
    `diff` is the diff of the two (a `Diff` or its `to_dict()` form). Unchanged and moved rows
    carry a paragraph's history forward; changed rows and moved rows with segments also make
    this version its last change. A split gives each of its paragraphs the old one's first
    version (its last change: this version for a paragraph with inserted or deleted words); a
    joined paragraph takes the earliest first version of those joined, and the latest last
    change (this version if edited).

    Raises:
        ValueError: the diff's old side does not have len(history) paragraphs.
    """
    rows = diff.rows if isinstance(diff, Diff) else diff["rows"]
    lefts = sum(len(lefts_of(r)) for r in rows)
    if lefts != len(history):
        raise ValueError(f"diff {version - 1}->{version} has {lefts} old paragraphs, "
                         f"version {version - 1} has {len(history)}")
    v = version
    nxt: Provenance = [(v, v)] * sum(len(rights_of(r)) for r in rows)
    for r in rows:
        j, kind = r["right"], r["kind"]
        if j is None or kind == "added":
            continue
        if kind == "split":
            first, last = history[r["left"]]
            for k, piece in zip(r["rights"], cut(r["segments"]), strict=True):
                edited = any(s["op"] != "equal" for s in piece)
                nxt[k] = (first, v if edited else last)
            continue
        if kind == "joined":
            held = [history[i] for i in r["lefts"]]
            first, last = min(f for f, _ in held), max(x for _, x in held)
            edited = any(s["op"] in ("insert", "delete") for s in r["segments"])
        else:
            first, last = history[r["left"]]
            edited = kind == "changed" or "segments" in r
        nxt[j] = (first, v if edited else last)
    return nxt


def annotation(paragraphs: Sequence[str], history: Sequence[tuple[int, int]]) -> list[dict]:
    """Return the annotation of a version from its paragraphs and its provenance.

    Raises:
        ValueError: the provenance does not have one entry per paragraph.
    """
    if len(history) != len(paragraphs):
        raise ValueError(f"the diffs end with {len(history)} paragraphs, not {len(paragraphs)}")
    return [
        {"index": k, "text": text, "first_version": f, "last_changed_version": last}
        for k, (text, (f, last)) in enumerate(zip(paragraphs, history, strict=True))
    ]


def annotate_from_diffs(paragraphs: Sequence[str], diffs: Sequence[Diff | Mapping]) -> list[dict]:
    """Annotate the last version from the diffs between consecutive versions.

    Args:
        paragraphs: the last version's paragraphs (version len(diffs) + 1).
        diffs: diffs[k] is the diff of version k+1 to version k+2 (a `Diff` or its
            `to_dict()` form, e.g. from a cache keyed by commit ids).

    Returns one dict per paragraph: {"index", "text", "first_version", "last_changed_version"},
    versions counted from 1, carried from version to version by `next_provenance`.

    Raises:
        ValueError: the diffs do not chain (paragraph counts disagree).
    """
    check_paragraphs("paragraphs", paragraphs)
    if diffs:
        first = diffs[0].rows if isinstance(diffs[0], Diff) else diffs[0]["rows"]
        count = sum(len(lefts_of(r)) for r in first)
    else:
        count = len(paragraphs)
    history: Provenance = [(1, 1)] * count
    for v, diff in enumerate(diffs, start=2):
        history = next_provenance(history, diff, v)
    return annotation(paragraphs, history)


def annotate(versions: Sequence[Sequence[str]], *, ignore_typography: bool = False) -> list[dict]:
    """Annotate the last of `versions` (oldest first): where each paragraph came from.

    Raises:
        ValueError: `versions` is empty.
        TypeError: a version is not a sequence of str.
    """
    if not versions:
        raise ValueError("annotate needs at least one version")
    diffs = [
        diff_paragraphs(a, b, ignore_typography=ignore_typography)
        for a, b in zip(versions, versions[1:], strict=False)
    ]
    return annotate_from_diffs(versions[-1], diffs)
