"""Search across every version: GET /api/search (JSON) and /search (a page that needs no script).

Thin: `service.search` indexes and answers; this reads parameters, brings the index up to date
within a bounded time (the rest is indexed in the background and the answer says how much is
left), and adds the links to each hit.
"""

from __future__ import annotations

import sqlite3

from flask import Blueprint, current_app, render_template, request, url_for

from ..search import ALIASES, BadQuery, SearchIndex, parse_search, run
from .http import conditional_json, current_differ, current_store
from .problems import Problem, invalid_parameter

bp = Blueprint("search", __name__)

#: Seconds a search may spend indexing new versions before it answers from what is indexed.
SYNC_BUDGET = 1.0
#: The filters the page offers, with their names for people.
PAGE_FILTERS = (("headline", "Headline"), ("number", "Numbers"), ("quote", "Quotes"),
                ("removed", "Paragraphs removed"), ("correction", "Corrections"),
                ("killed", "Kills"), ("label", "Label"), ("lede", "New lede"))


def search_index() -> SearchIndex:
    """Return the app's search index (made on first use, in the process that uses it)."""
    index = current_app.extensions.get("search")
    if index is None:
        index = current_app.extensions["search"] = SearchIndex(current_store(), current_differ())
    return index


def _answer(args) -> tuple[list[dict], str | None, int]:
    try:
        search = parse_search(args)
    except BadQuery as exc:
        raise invalid_parameter(exc.parameter, str(exc), page_title="Not a search we can run") \
            from None
    index = search_index()
    try:
        pending = index.sync(budget=SYNC_BUDGET)
        if pending:
            index.catch_up_in_background()
        hits, cursor = run(index.conn(), search)
    except BadQuery as exc:
        raise invalid_parameter(exc.parameter, str(exc), page_title="Not a search we can run") \
            from None
    except (sqlite3.Error, OSError) as exc:
        # A read-only mount (a replica) or a full disk: the index is derived and cannot be
        # made or brought up to date here. The rest of the service still answers.
        current_app.logger.error("writethru: search index unusable: %s", exc)
        raise Problem("store-unavailable", "The search index cannot be built or read on this "
                      "server (a read-only or full disk?); everything else still answers.") \
            from None
    for hit in hits:
        hit["links"] = _links(hit)
    return hits, cursor, pending


def _links(hit: dict) -> dict:
    article, first, last = hit["article"], hit["from_version"], hit["to_version"]

    def compare(a: int, b: int) -> str:
        return url_for("views.compare", article_id=article, spec=f"{a}...{b}")

    if hit["match"] == "change":
        return {"compare": compare(first, last), "card": url_for(
            "cards.card", article_id=article, spec=f"{first}...{last}", ext="png")}
    return {
        "appeared": (url_for("views.version", article_id=article, n=1) if first == 1
                     else compare(first - 1, first)),
        "gone": compare(last, last + 1) if last < hit["versions"] else None,
        "version": url_for("views.version", article_id=article, n=last),
    }


@bp.get("/api/search")
def api_search():
    """Search every version's text and headline, or the versions with a kind of change."""
    hits, cursor, pending = _answer(request.args)
    values: dict = {**request.args.to_dict(), "cursor": cursor}
    next_url = url_for("search.api_search", **values) if cursor else None
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    # Revalidated on every use (no-cache): a new version anywhere may add a hit; the ETag is
    # of the answer's bytes, so an unchanged answer is still a 304.
    return conditional_json({"hits": hits, "next": next_url, "pending": pending},
                            cache_control="no-cache", headers=headers)


@bp.get("/search")
def page():
    """The search page: a form that works without script, and the hits with their links."""
    # The form's checkboxes send change=a&change=b; links and the API say changed=a,b.
    args = {k: v for k, v in request.args.items() if k != "change"}
    args["changed"] = ",".join(filter(None, [args.get("changed", ""),
                                             *request.args.getlist("change")]))
    asked = any(args.get(k) for k in ("q", "changed", "label", "since", "until"))
    hits: list[dict] = []
    stories: list = []
    cursor, pending = None, 0
    if asked:
        hits, cursor, pending = _answer(args)
        if args.get("q") and not args.get("cursor"):
            stories, _ = current_store().list_articles(limit=10, query=args["q"].strip()[:200])
    chosen = {ALIASES.get(x.strip().lower(), "") for x in args["changed"].split(",")}
    clean: dict = {k: v for k, v in args.items() if v}
    next_url = url_for("search.page", **{**clean, "cursor": cursor}) if cursor else None
    return render_template("views/search.html", hits=hits, next_url=next_url, pending=pending,
                           stories=stories, asked=asked, args=args, filters=PAGE_FILTERS,
                           chosen=chosen, query=args.get("q", ""))
