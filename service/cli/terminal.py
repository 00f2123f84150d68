"""How a diff and a history look in a terminal: coloured when asked, plain markers otherwise."""

from __future__ import annotations

import click

from ..diff import Fold, describe_change, digest_of, fold_rows
from ..diff.display import move_directions
from ..diff.meta import LABELS
from ..diff.splits import cut


def render_log(infos, changes) -> str:
    """Return the versions, newest first, one line each, like `git log --oneline`."""
    lines = []
    for info, stats in zip(infos, changes, strict=True):
        # Version 1 is all new: show it as added to the empty story.
        change = describe_change(stats if stats is not None else {"added": info.paragraphs})
        when = info.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        label = info.meta.get("label")
        lines.append(
            click.style(f"v{info.version:<3} {info.commit[:7]}", fg="yellow")
            + f"  {when}  {info.paragraphs:>3} paragraphs {info.words:>6} words  {change}"
            + (f"  [{label}]" if label else "")
        )
    return "\n".join(reversed(lines))


def render_diff(article_id: str, result, old, new, *, colour: bool, show_unchanged: bool) -> str:
    """Return the paragraph diff of old (None: the empty story) and new as terminal text."""
    stats = result.stats
    header = (f"{article_id} v{old.version if old else 0}..v{new.version}: "
              f"{describe_change(stats)}; {stats['unchanged']} unchanged, "
              f"+{stats['words_added']}/-{stats['words_removed']} words")
    lines = [click.style(header, bold=True)]
    lines += _render_meta(result.meta, colour)
    # The metadata lines above already show headline, label... with their word edits.
    shown = {c["field"] for c in result.meta}
    lines += render_digest([i for i in digest_of(result, old, new) if i["kind"] not in shown],
                           result.rows)
    lines += _render_rows(result.rows, old.paragraphs if old else [], new.paragraphs, colour,
                          show_unchanged)
    return "\n".join(lines)


def render_digest(items, rows) -> list[str]:
    """One line per digest item, '* ' first (no row starts so), with the paragraph it points at."""
    lines = []
    for item in items:
        where = ""
        if item["row"] is not None:
            row = rows[item["row"]]
            where = (f"¶{row['right'] + 1}" if row["right"] is not None
                     else f"old ¶{row['left'] + 1}")
            where = click.style(f"  ({where})", dim=True)
        lines.append(click.style("* ", fg="cyan", bold=True) + item["text"] + where)
    return lines


def _render_meta(changes, colour: bool) -> list[str]:
    """One line per changed metadata field: the headline's word edits, other fields old → new."""
    lines = []
    for change in changes:
        if change.get("segments"):
            text = _segments(change["segments"], colour)
        else:
            text = f"{_value(change['old'])} → {_value(change['new'])}"
        head = click.style(f"~ {LABELS.get(change['field'], change['field'])}:", fg="yellow")
        lines.append(f"{head} {text}{_punctuation(change)}")
    return lines


def _value(value) -> str:
    return "(none)" if value is None else str(value)


def _punctuation(item) -> str:
    """Mark an edit (a row or a metadata change) whose only differences are typographic."""
    return click.style(" (punctuation only)", dim=True) if item.get("typography") else ""


# Segment ops as the diff engine names them -> (plain marker open, close, colour).
_SEGMENT_STYLE = {
    "insert": ("{+", "+}", "green"),
    "delete": ("[-", "-]", "red"),
}


def _segments(segments, colour: bool) -> str:
    out = []
    for seg in segments:
        style = _SEGMENT_STYLE.get(seg["op"])
        if seg["op"] == "break":  # where joined paragraphs met: their own space, then ¶
            out.append(seg["text"] + (click.style("¶", fg="magenta", bold=True) if colour
                                      else "¶") + " ")
        elif style is None:
            out.append(seg["text"])
        elif colour:
            out.append(click.style(seg["text"], fg=style[2], bold=True, underline=True))
        else:
            out.append(f"{style[0]}{seg['text']}{style[1]}")
    return "".join(out)


def _render_group(row, colour: bool) -> list[str]:
    """A split: one line per new paragraph, each with its edits; a join: one line, ¶ where the
    old paragraphs met."""
    head = "/" if row["kind"] == "split" else "\\"
    if row["kind"] == "split":
        pieces = cut(row["segments"])
        k = len(pieces)
        return [click.style(f"{head} ¶{row['left'] + 1}->¶{j + 1}", fg="magenta")
                + f" {_segments(piece, colour)} (split {n}/{k})"
                for n, (j, piece) in enumerate(zip(row["rights"], pieces, strict=True), 1)]
    where = "+".join(f"¶{i + 1}" for i in row["lefts"])
    return [click.style(f"{head} {where}->¶{row['right'] + 1}", fg="magenta")
            + f" {_segments(row['segments'], colour)} (joined)"]


def _render_rows(rows, old, new, colour: bool, show_unchanged: bool) -> list[str]:
    lines: list[str] = []
    directions = move_directions(rows)
    # Promo lines stay visible here, tagged: a terminal cannot unfold them as a page can.
    for block in fold_rows(rows, show_unchanged, fold_promo=False):
        if isinstance(block, Fold):
            lines.append(click.style(f"  ... {block.label}", dim=True))
            continue
        row = block
        kind, left, right = row["kind"], row.get("left"), row.get("right")
        if kind == "unchanged":
            lines.append(f"  ¶{right + 1} {new[right]}")
        elif kind == "added":
            lines.append(click.style(f"+ ¶{right + 1} {new[right]}", fg="green"))
        elif kind == "removed":
            lines.append(click.style(f"- ¶{left + 1} {old[left]}", fg="red"))
        elif kind in ("split", "joined"):
            lines += _render_group(row, colour)
        else:
            mark = "~" if kind == "changed" else ">"
            where = f"¶{left + 1}->¶{right + 1}"
            text = _segments(row["segments"], colour) if row.get("segments") else new[right]
            head = click.style(f"{mark} {where}", fg="yellow" if kind == "changed" else "cyan")
            moved = f" (moved {directions[left]})" if kind == "moved" else ""
            lines.append(f"{head} {text}{moved}" + _punctuation(row))
        if row.get("promo"):
            lines[-1] += click.style("  [promo]", dim=True)
    return lines
