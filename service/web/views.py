"""HTML pages: the article list, a story's timeline, the compare view and an annotated version."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from .. import json_shapes, versionspec
from ..diff import BadIgnore, Ignore, describe_change, display_rows, fold_rows, parse_ignore
from ..lru import LRU
from ..plural import plural
from ..store import ArticleNotFound
from . import charts, page_rows
from .http import conditional, current_differ, current_store
from .problems import Problem, invalid_parameter

bp = Blueprint("views", __name__)

PAGE_SIZE = 50
MAX_QUERY = 200

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
])


@bp.after_app_request
def _security_headers(response):
    # App-wide, so the error pages of unmatched URLs get the same policy as ours.
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.after_request
def _revalidate(response: Response) -> Response:
    """Let browsers revalidate pages cheaply: an ETag of the page, 304 when it has not changed.

    A page shows the store's latest state (new versions arrive at any time), so it is never
    cached without asking; the ETag saves sending a long compare page twice.
    """
    if request.method in ("GET", "HEAD") and response.status_code == 200 \
            and response.mimetype == "text/html":
        response = conditional(response)
    return response


def _compare_url(article_id: str, a: int | str, b: int | str, **args) -> str:
    return url_for("views.compare", article_id=article_id, spec=f"{a}...{b}", **args)


def _not_a_version(value: str, article_id: str, latest: int | None = None) -> Problem:
    """Return the 400 for a version a page cannot use, worded for the page."""
    upto = f" to {latest}" if latest else ""
    return invalid_parameter(
        "version", f"{value!r} is not a version: use a number from 1{upto} or 'latest'.",
        page_title="Not a version",
        page_detail=f"“{value}” is not a version: use a number from 1{upto} or “latest”.",
        context={"asked_id": article_id, "known_article": True})


@bp.app_template_filter("when")
def _when(moment: datetime) -> Markup:
    """Render an aware datetime as a <time> element in UTC."""
    label = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Markup('<time datetime="{}">{}</time>').format(json_shapes.iso(moment), label)


@bp.app_template_filter("thousands")
def _thousands(n: int) -> str:
    """Format a count with thousands separators."""
    return f"{n:,}"


# "3 versions", "1 paragraph": the same rule as the feeds and the terminal.
bp.add_app_template_filter(plural, "plural")


@bp.get("/")
def index():
    """List articles, most recently updated first, with a filter and cursor pagination."""
    query = request.args.get("q", "").strip()
    cursor = request.args.get("cursor") or None
    if len(query) > MAX_QUERY:
        raise invalid_parameter("q", f"A filter can be at most {MAX_QUERY} characters long.",
                                page_title="Filter too long")
    summaries, next_cursor = current_store().list_articles(limit=PAGE_SIZE, cursor=cursor,
                                                           query=query or None)
    items = []
    for s in summaries:
        # The index keeps the first words of the text, so the list reads no article.
        title, made_up = page_rows.headline({"headline": s.headline}, [s.fallback_title])
        if s.versions > 1:
            latest = _compare_url(s.id, s.versions - 1, s.versions)
        else:
            latest = url_for("views.version", article_id=s.id, n=1)
        items.append({"summary": s, "title": title, "made_up": made_up, "latest_change": latest})
    next_url = url_for("views.index", q=query or None, cursor=next_cursor) if next_cursor else None
    return render_template("views/index.html", items=items, query=query, cursor=cursor,
                           next_url=next_url)


# Rendered timelines by head commit: a story with hundreds of versions takes tens of ms to render
# (a row, a link and a time per version), and the same head always renders the same page.
_RENDERED = "writethru.rendered_timelines"
RENDERED_TIMELINES = 32


@bp.get("/articles/<article_id>")
def timeline(article_id: str):
    """Show every version of a story with what it changed, a growth chart and a compare form."""
    store = current_store()
    head = store.head(article_id)
    if head is None:
        raise ArticleNotFound(f"no article {article_id!r}")
    cache = current_app.extensions.setdefault(_RENDERED, LRU(RENDERED_TIMELINES))
    key = (head, request.script_root)
    return cache.get(key, lambda: _render_timeline(store, article_id, head))


def _render_timeline(store, article_id: str, head: str) -> str:
    infos = store.versions(article_id, upto=head)
    latest = store.read(article_id, len(infos))
    changes = current_differ().change_stats(article_id, infos)
    entries = []
    for prev, info, stats in zip([None, *infos[:-1]], infos, changes, strict=True):
        entries.append({
            "info": info,
            "change": describe_change(stats) if stats else "first version",
            "stats": stats,
            "words_delta": info.words - prev.words if prev else None,
            "compare": _compare_url(article_id, prev.version, info.version) if prev else None,
        })
    title, made_up = page_rows.headline(latest.meta, latest.paragraphs)
    chart = charts.growth_chart(
        [charts.Point(i.version, i.words, i.paragraphs) for i in infos],
        title if not made_up else "")
    return render_template("views/timeline.html", article_id=article_id, entries=entries,
                           latest=latest, title=title, made_up=made_up, chart=Markup(chart),
                           count=len(infos), source_url=page_rows.safe_link(latest.meta.get("url")))


_LAYOUTS = ("side", "inline")


def _ignore() -> Ignore:
    try:
        return parse_ignore(request.args.get("ignore"))
    except BadIgnore as exc:
        raise invalid_parameter("ignore", f"{exc}.", page_title="Unknown option") from exc


def _compare_options() -> dict:
    layout = request.args.get("layout", "")
    return {
        "ignore": ",".join(sorted(_ignore())),
        "unchanged": request.args.get("unchanged") == "show",
        "layout": layout if layout in _LAYOUTS else "auto",
    }


def _option_args(options: dict, **override) -> dict:
    merged = {**options, **override}
    args = {}
    if merged["ignore"]:
        args["ignore"] = merged["ignore"]
    if merged["unchanged"]:
        args["unchanged"] = "show"
    if merged["layout"] != "auto":
        args["layout"] = merged["layout"]
    return args


@bp.get("/articles/<article_id>/compare")
def compare_form(article_id: str):
    """Answer the compare form: redirect to the compare address of the chosen versions."""
    latest = len(current_store().versions(article_id))
    try:
        a = versionspec.parse_version(request.args["from"], allow_zero=True) \
            if request.args.get("from") else None
        b = versionspec.parse_version(request.args.get("to") or "latest")
    except versionspec.BadVersion as exc:
        raise _not_a_version(exc.value, article_id, latest) from exc
    options = _compare_options()
    a, _new = current_differ().endpoints(article_id, a, b)
    return redirect(_compare_url(article_id, a, b, **_option_args(options)), code=303)


@bp.get("/articles/<article_id>/compare/<spec>")
def compare(article_id: str, spec: str):
    """Show two versions side by side (or inline), with the changes highlighted and anchored."""
    try:
        a, b = versionspec.parse_range(spec, allow_zero=True)
    except versionspec.BadVersion as exc:
        raise invalid_parameter(
            "spec", f"{spec!r} is not two versions joined by three dots, such as '1...2'.",
            page_title="Not a compare address",
            page_detail=f"“{spec}” is not two versions joined by three dots; a compare address "
                        "looks like “1...2” or “1...latest”.",
            context={"asked_id": article_id}) from exc
    options = _compare_options()
    # The store says which versions exist (VersionNotFound: a 404 naming how many there are).
    diff, old, new = current_differ().compare(article_id, a, b, parse_ignore(options["ignore"]))
    infos = current_store().versions(article_id)
    latest = len(infos)
    old = old or page_rows.EmptyStory()
    na, nb = old.version, new.version
    rows = page_rows.build_rows(display_rows(diff), list(old.paragraphs), list(new.paragraphs))
    blocks = fold_rows(rows, options["unchanged"], describe=page_rows.describe)

    def here(**override):
        return url_for("views.compare", article_id=article_id, spec=spec,
                       **_option_args(options, **override))

    def pair(x, y):
        return _compare_url(article_id, x, y, **_option_args(options))

    title, made_up = page_rows.headline(new.meta, new.paragraphs)
    return render_template(
        "views/compare.html", article_id=article_id, infos=infos, old=old, new=new,
        stats=diff.stats, blocks=blocks, options=options, here=here, title=title,
        made_up=made_up, meta_changes=page_rows.meta_rows(diff.meta),
        prev_pair=pair(na - 1, nb - 1) if min(na, nb) > 1 else None,
        next_pair=pair(na + 1, nb + 1) if max(na, nb) < latest else None,
        change_count=sum(1 for r in rows if r.anchor),
    )


@bp.get("/articles/<article_id>/versions/<n>")
def version(article_id: str, n: str):
    """Show the text of one version with, in the margin, the update each paragraph came from."""
    try:
        number = versionspec.parse_version(n)
    except versionspec.BadVersion as exc:
        raise _not_a_version(n, article_id) from exc
    # The store says which versions exist (VersionNotFound: a 404 naming how many there are).
    annotation, current = current_differ().annotate(article_id, number)
    infos = current_store().versions(article_id)
    latest = len(infos)
    here = current.version
    paragraphs = []
    for item in annotation:
        first, last = item["first_version"], item["last_changed_version"]
        paragraphs.append({
            "text": item["text"], "first": first, "last": last,
            "age": page_rows.age_bucket(first, here),
            "came_in": _compare_url(article_id, first - 1, first) if first > 1 else None,
            "edited_in": _compare_url(article_id, last - 1, last) if last != first else None,
        })
    legend = [{"version": k, "age": page_rows.age_bucket(k, here),
               "count": sum(1 for p in paragraphs if p["first"] == k)} for k in range(1, here + 1)]
    title, made_up = page_rows.headline(current.meta, current.paragraphs)
    return render_template("views/version.html", article_id=article_id, v=current, infos=infos,
                           paragraphs=paragraphs, legend=legend, title=title, made_up=made_up,
                           latest=latest, source_url=page_rows.safe_link(current.meta.get("url")))
