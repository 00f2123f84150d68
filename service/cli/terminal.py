"""How a diff and a history look in a terminal: coloured when asked, plain markers otherwise."""

from __future__ import annotations

import shutil
import sys

import click

from ..diff import Fold, describe_change, digest_of, fold_rows
from ..diff.display import move_directions
from ..diff.meta import LABELS
from ..diff.splits import cut
from ..plural import plural

#: Lines are cut to this width when the output is not a terminal (a pipe, a file).
PIPE_WIDTH = 240
#: Each digest item in a log line is cut to this many characters, so a few fit.
ITEM_WIDTH = 48
_TIME = "%Y-%m-%d %H:%M:%S UTC"


def width() -> int:
    """Return the terminal's width, or PIPE_WIDTH when stdout is not a terminal."""
    return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns if sys.stdout.isatty() \
        else PIPE_WIDTH


def walk_digests(differ, store, article_id: str,
                 infos) -> tuple[list[dict | None], list[list[dict]]]:
    """Each version's diff stats (None for v1) and digest from the one before, in one walk."""
    stats: list[dict | None] = []
    digests: list[list[dict]] = []
    old = None
    # One walk of the chain, two versions held at a time; v1 is diffed with the empty story.
    for new in store.read_many(article_id, upto=infos[-1].commit):
        result = differ.diff_versions(old, new)
        stats.append(result.stats if old is not None else None)
        digests.append(digest_of(result, old, new))
        old = new
    return stats, digests


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:max(limit - 1, 0)].rstrip() + "\u2026"


def digest_line(digest) -> str:
    """The digest's highlights on one line, most important first; counts left to the change text
    (typography-only edits excepted: the change text calls them edits)."""
    return "; ".join(_cut(" ".join(item["text"].split()), ITEM_WIDTH) for item in digest
                     if item["kind"] != "count" or item.get("change") == "typography")


def render_log(infos, changes, digests=None, *, width: int = PIPE_WIDTH) -> str:
    """Return the versions, newest first, one line each, like `git log --oneline`.

    After the change text and label comes the digest's highlights, cut to fit `width`.
    """
    lines = []
    for k, (info, stats) in enumerate(zip(infos, changes, strict=True)):
        digest = digests[k] if digests else []
        # Version 1 is all new: show it as added to the empty story.
        change = describe_change(stats if stats is not None else {"added": info.paragraphs})
        label = info.meta.get("label")
        plain = (f"v{info.version:<3} {info.commit[:7]}  {info.created_at.strftime(_TIME)}  "
                 f"{_counted(info.paragraphs, 'paragraph', 3)} "
                 f"{_counted(info.words, 'word', 6)}  {change}"
                 + (f"  [{label}]" if label else ""))
        highlights = digest_line(digest)
        if highlights:
            plain += "  \u00b7 " + highlights
        plain = _cut(plain, max(width - 1, 60))
        head = f"v{info.version:<3} {info.commit[:7]}"
        lines.append(click.style(head, fg="yellow") + plain[len(head):])
    return "\n".join(reversed(lines))


def _counted(count: int, one: str, width: int) -> str:
    """Return plural(count, one) with the count right-aligned in width and the noun padded,
    so that log lines keep their columns."""
    noun = plural(count, one).partition(" ")[2]
    return f"{count:>{width}} {noun:<{len(one) + 1}}"


def render_list(summaries, *, width: int = PIPE_WIDTH) -> str:
    """Return articles one a line: id, versions, last update, headline (or first words)."""
    id_width = min(max(len(s.id) for s in summaries), 40)
    lines = []
    for s in summaries:
        title = " ".join((s.headline or s.fallback_title).split())
        plain = (f"{s.id:<{id_width}}  {s.versions:>4} v  {s.updated_at.strftime(_TIME)}  "
                 f"{title}")
        plain = _cut(plain, max(width - 1, 60))
        lines.append(click.style(plain[:len(s.id)], fg="yellow") + plain[len(s.id):])
    return "\n".join(lines)


def render_diff(article_id: str, result, old, new, *, colour: bool, show_unchanged: bool) -> str:
    """Return the paragraph diff of old (None: the empty story) and new as terminal text."""
    stats = result.stats
    header = (f"{article_id} v{old.version if old else 0}..v{new.version}: "
              f"{describe_change(stats)}; {stats['unchanged']} unchanged, "
              f"+{stats['words_added']}/-{stats['words_removed']} "
              f"{'word' if stats['words_added'] + stats['words_removed'] == 1 else 'words'}")
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
