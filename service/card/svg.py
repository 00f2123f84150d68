"""A card as SVG: the same layout as the PNG, every text escaped (it is the publisher's)."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from .layout import HEIGHT, WIDTH, Piece
from .png import BACKGROUND, MARKS, RULE

FAMILY = "'DejaVu Sans', Verdana, sans-serif"
# Characters XML 1.0 cannot hold at all, escaped or not; a story may carry them (a stray \x01).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_svg(pieces: list[Piece]) -> str:
    """Return the SVG document of a laid-out card."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family={quoteattr(FAMILY)}>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{BACKGROUND}"/>',
        f'<rect width="{WIDTH}" height="8" fill="{RULE}"/>',
    ]
    for p in pieces:
        colour = p.colour
        decoration = ""
        if p.op in MARKS:
            fill, colour = MARKS[p.op]
            top = p.y - p.size * 0.95
            out.append(f'<rect x="{p.x:.1f}" y="{top:.1f}" width="{p.width:.1f}" '
                       f'height="{p.size * 1.25:.1f}" fill="{fill}"/>')
            decoration = (' text-decoration="line-through"' if p.op == "delete"
                          else ' text-decoration="underline"')
        weight = ' font-weight="bold"' if p.weight == "bold" else ""
        # xml:space keeps the spaces between runs that the layout measured.
        out.append(f'<text x="{p.x:.1f}" y="{p.y:.1f}" font-size="{p.size}" fill="{colour}"'
                   f'{weight}{decoration} xml:space="preserve">{escape(_NOT_XML.sub("", p.text))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
