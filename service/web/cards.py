"""The picture of a change: /articles/<id>/compare/<a>...<b>/card.png and card.svg.

Thin: the store and the Differ give the diff and its digest, `service.card` draws it. A card is
named by its two commits (and the mount prefix), so its ETag holds until either changes.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import versionspec
from ..card import card_of, layout, render_png, render_svg
from ..diff import digest_of
from .http import commit_of, conditional, current_differ, current_store, page_cache, page_tag, precondition
from .problems import invalid_parameter

bp = Blueprint("cards", __name__)

_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@bp.get("/articles/<article_id>/compare/<spec>/card.<any(png, svg):ext>")
def card(article_id: str, spec: str, ext: str):
    """Answer the card of a compare: the headline, the versions, the first change marked."""
    try:
        a, b = versionspec.parse_range(spec, allow_zero=True)
    except versionspec.BadVersion as exc:
        raise invalid_parameter(
            "spec", f"{spec!r} is not two versions joined by three dots, such as '1...2'.") from exc
    infos = current_store().versions(article_id)
    old_commit, new_commit = commit_of(infos, a), commit_of(infos, b)
    if old_commit is None or not new_commit:
        current_differ().compare(article_id, a, b)  # raises the 404 naming the count
        infos = current_store().versions(article_id)  # or a save came in between
        old_commit, new_commit = commit_of(infos, a), commit_of(infos, b)
    key = ("card", ext, article_id, old_commit, new_commit, request.script_root)
    tag = page_tag(*key)
    early = precondition(lambda: tag)
    if early:
        return early
    latest = len(infos)
    na = latest if a == "latest" else a
    nb = latest if b == "latest" else b

    def draw() -> bytes:
        diff, old, new = current_differ().compare(article_id, na, nb)
        pieces = layout(card_of(article_id, diff, old, new, digest_of(diff, old, new)))
        return render_png(pieces) if ext == "png" else render_svg(pieces).encode("utf-8")

    body = page_cache().get(key, draw)
    response = Response(body, mimetype=_TYPES[ext])
    if ext == "svg":
        # A card is a picture, never a document that runs script, even opened on its own.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return conditional(response, etag=tag)
