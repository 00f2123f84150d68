"""Where each piece of a card goes: text measured with the shipped fonts, wrapped into lines.

The PNG and the SVG are drawn from the same layout, so they show the same lines. The fonts are
DejaVu Sans and Sans Bold (Bitstream Vera licence, in fonts/LICENSE), shipped with the package
so a card looks the same on every machine; they have no CJK glyphs (see the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .content import Card, Run

WIDTH, HEIGHT = 1200, 630
MARGIN = 56
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}

# (weight, size, line height, lines at most) of each block.
HEADLINE = ("bold", 46, 58, 2)
SMALL = ("regular", 24, 32, 1)
HEADING = ("bold", 26, 36, 1)
CHANGE = ("regular", 34, 48, 5)  # lines: as many as fit above the footer, 5 at most
FOOTER_Y = HEIGHT - 40

_TOKEN = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Piece:
    """One run of text at a place: x and the baseline's y, its font and its op."""

    x: float
    y: float
    text: str
    weight: str
    size: int
    op: str = "equal"
    colour: str = "#1a1a1a"
    width: float = 0.0


@cache
def font(weight: str, size: int):
    """Return the shipped font of a weight at a size (loaded once per process)."""
    from PIL import ImageFont  # imported when the first card is drawn, not at start-up

    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[weight]), size)


def measure(text: str, weight: str, size: int) -> float:
    """Return the advance width of text in pixels."""
    return float(font(weight, size).getlength(text))


def layout(card: Card) -> list[Piece]:
    """Return every piece of text of the card, placed."""
    pieces: list[Piece] = []
    inner = WIDTH - 2 * MARGIN
    y: float = MARGIN + 22
    pieces.append(Piece(MARGIN, y, "writethru", "bold", 24, colour="#6b1f7a"))
    top = f"{card.article_id} \u00b7 {card.versions}"
    pieces.append(_right(top, y, "#555555"))
    y += 24
    y = _block(pieces, [Run("equal", card.headline)], HEADLINE, y, inner)
    y += 14
    pieces.append(Piece(MARGIN, y + 24, card.times, "regular", 24, colour="#555555"))
    y += 52
    y = _block(pieces, [Run("equal", card.heading.upper())], HEADING, y, inner, "#6b1f7a")
    y += 4
    weight, size, line_height, most = CHANGE
    room = int((FOOTER_Y - 36 - y) // line_height)
    _block(pieces, card.runs, (weight, size, line_height, max(1, min(most, room))), y, inner)
    if card.more:
        pieces.append(Piece(MARGIN, FOOTER_Y, card.more, "regular", 24, colour="#555555"))
    return pieces


def _right(text: str, y: float, colour: str) -> Piece:
    width = measure(text, "regular", 24)
    return Piece(WIDTH - MARGIN - width, y, text, "regular", 24, colour=colour, width=width)


def _block(pieces: list[Piece], runs: list[Run], style: tuple, y: float, inner: float,
           colour: str = "#1a1a1a") -> float:
    """Wrap runs into at most `style`'s lines below y; return the y under the block."""
    weight, size, line_height, max_lines = style
    lines = wrap(runs, weight, size, inner, max_lines)
    for line in lines:
        y += line_height
        x, last = float(MARGIN), "equal"
        for op, text in line:
            if last == "delete" and op == "insert":
                x += 6  # so "12" struck and "15" inserted do not read as "1215"
            last = op
            width = measure(text, weight, size)
            pieces.append(Piece(x, y, text, weight, size, op, colour, width))
            x += width
    return y + (line_height - size) / 2


def wrap(runs: list[Run], weight: str, size: int, width: float,
         max_lines: int) -> list[list[tuple[str, str]]]:
    """Return lines of (op, text) that fit `width`; the last kept line ends in an ellipsis."""
    tokens = [(run.op, tok) for run in runs for tok in _TOKEN.findall(run.text.replace("\n", " "))]
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for op, tok in tokens:
        for part in _fit(tok, weight, size, width):
            w = measure(part, weight, size)
            if used + measure(part.rstrip(), weight, size) > width and lines[-1]:
                lines.append([])
                used = 0.0
                part = part.lstrip() if op == "equal" else part
                w = measure(part, weight, size)
            lines[-1].append((op, part))
            used += w
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        _ellipsis(lines[-1], weight, size, width)
    return [_trimmed(_merged(line)) for line in lines if line]


def _fit(token: str, weight: str, size: int, width: float) -> list[str]:
    """Split a token wider than a line (CJK text, a URL) into pieces that fit."""
    if measure(token, weight, size) <= width:
        return [token]
    parts, current = [], ""
    for char in token:
        if current and measure(current + char, weight, size) > width:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def _ellipsis(line: list[tuple[str, str]], weight: str, size: int, width: float) -> None:
    """End a cut line with an ellipsis, dropping characters until it fits."""
    while line:
        total = sum(measure(t, weight, size) for _, t in line)
        if total + measure("\u2026", weight, size) <= width:
            break
        op, text = line[-1]
        if len(text) <= 1:
            line.pop()
        else:
            line[-1] = (op, text[:-1])
    if line:
        op, text = line[-1]
        line[-1] = (op, text.rstrip() + "\u2026")


def _trimmed(line: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the white space a line ends in, so no marked space hangs past the last word."""
    while line and not line[-1][1].rstrip():
        line.pop()
    if line:
        line[-1] = (line[-1][0], line[-1][1].rstrip())
    return line


def _merged(line: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join neighbouring pieces of the same op (fewer, longer draw calls; kerning kept)."""
    out: list[tuple[str, str]] = []
    for op, text in line:
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out
