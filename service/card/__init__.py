"""A shareable picture of a change: the headline, the versions, the digest's first change marked.

`card_of` says what the card shows (pure, from a diff and its digest); `layout` places it with
the shipped fonts; `render_png` (Pillow) and `render_svg` draw the same layout. No Flask here.
"""

from __future__ import annotations

from .content import Card, Run, card_of
from .layout import HEIGHT, WIDTH, layout
from .png import render_png
from .svg import render_svg

__all__ = ["HEIGHT", "WIDTH", "Card", "Run", "card_of", "layout", "render_png", "render_svg"]
