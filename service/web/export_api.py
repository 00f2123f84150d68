"""`GET /api/export?article=ID&what=changes|versions`: one article's export, streamed as NDJSON.

Thin: the parameters are checked (400 and 404 as problems, before the first byte), then
service/export makes the records, one JSON line each, as the answer is sent.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from ..export import BadFilter, Export, json_line, selection
from ..store import validate_article_id
from .http import REVALIDATE, current_differ, current_store
from .problems import invalid_parameter

bp = Blueprint("export_api", __name__, url_prefix="/api")

NDJSON = "application/x-ndjson"
_WHATS = ("changes", "versions")


@bp.get("/export")
def get_export():
    """Stream one article's change (or version) records as newline-delimited JSON."""
    article_id = request.args.get("article", "")
    if not article_id:
        raise invalid_parameter("article", "article is required: the id of the article to export.")
    validate_article_id(article_id)  # 400 invalid-article-id
    what = request.args.get("what", "changes")
    if what not in _WHATS:
        raise invalid_parameter("what", f"what must be one of {', '.join(_WHATS)}, got {what!r}.")
    try:
        chosen = selection([article_id], request.args.get("since"), request.args.get("until"))
    except BadFilter as exc:
        raise invalid_parameter(exc.name, f"{exc}.") from exc
    store = current_store()
    store.versions(article_id)  # 404 article-not-found now, not in the middle of the stream
    job = Export(store, current_differ(), chosen, (what,))

    def lines():
        for _, record in job.records(article_id):
            yield json_line(record)

    response = Response(stream_with_context(lines()), mimetype=NDJSON)
    response.headers["Cache-Control"] = REVALIDATE
    return response
