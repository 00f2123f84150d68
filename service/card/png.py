"""A card drawn as a PNG with Pillow (no browser): 1200 × 630, the size social sites show."""

from __future__ import annotations

import io

from .layout import HEIGHT, WIDTH, Piece, font

# Insertions on green, deletions on red and struck through: the compare page's colours.
MARKS = {"insert": ("#d7f5dd", "#0b5a1e"), "delete": ("#fde0df", "#8a1c17")}
BACKGROUND = "#ffffff"
RULE = "#6b1f7a"


def render_png(pieces: list[Piece]) -> bytes:
    """Return the PNG bytes of a laid-out card."""
    from PIL import Image, ImageDraw  # imported on the first card, not at start-up

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 8), fill=RULE)
    for piece in pieces:
        face = font(piece.weight, piece.size)
        colour = piece.colour
        if piece.op in MARKS:
            fill, colour = MARKS[piece.op]
            top = piece.y - piece.size * 0.95
            draw.rectangle((piece.x, top, piece.x + piece.width, piece.y + piece.size * 0.3),
                           fill=fill)
        draw.text((piece.x, piece.y), piece.text, font=face, fill=colour, anchor="ls")
        if piece.op == "delete":
            middle = piece.y - piece.size * 0.32
            draw.line((piece.x, middle, piece.x + piece.width, middle), fill=colour, width=2)
        elif piece.op == "insert":
            under = piece.y + piece.size * 0.18
            draw.line((piece.x, under, piece.x + piece.width, under), fill=colour, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
