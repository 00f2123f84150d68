"""HTML pages: the article list, a story's timeline, the compare view and an annotated version."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from . import charts, diffcache, diffing, pages, representations, versionspec
from .http import current_store
from .store import ArticleNotFound, InvalidArticleId, InvalidCursor, VersionNotFound
from .summary import describe_change

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
def _revalidate(response):
    """Let browsers revalidate pages cheaply: an ETag of the page, 304 when it has not changed.

    A page shows the store's latest state (new versions arrive at any time), so it is never
    cached without asking; the ETag saves sending a long compare page twice.
    """
    if request.method in ("GET", "HEAD") and response.status_code == 200 \
            and response.mimetype == "text/html":
        response.add_etag()
        response.headers.setdefault("Cache-Control", "no-cache")
        response = response.make_conditional(request)
    return response


def _compare_url(article_id: str, a: int | str, b: int | str, **args) -> str:
    return url_for("views.compare", article_id=article_id, spec=f"{a}...{b}", **args)


def _error_page(status: int, title: str, detail: str, **context):
    html = render_template("errors/error.html", status=status, title=title, detail=detail,
                           path=request.path, **context)
    return html, status


@bp.errorhandler(InvalidArticleId)
def _invalid_id(exc):
    article_id = (request.view_args or {}).get("article_id", "")
    return _error_page(400, "Not an article id",
                       f"“{article_id}” cannot be an article id: ids are 1 to 128 letters, digits, "
                       "dots, dashes and underscores, starting with a letter or digit.",
                       asked_id=article_id)


@bp.errorhandler(ArticleNotFound)
def _no_article(exc):
    article_id = (request.view_args or {}).get("article_id", "")
    return _error_page(404, "Article not found", f"There is no article with the id “{article_id}”.",
                       asked_id=article_id)


@bp.errorhandler(InvalidCursor)
def _bad_cursor(exc):
    return _error_page(400, "Page link not valid",
                       "This link to a further page of the list is not one this server made "
                       "(or the list was rebuilt since). Start again from the newest articles.")


@bp.errorhandler(VersionNotFound)
def _no_version(exc: VersionNotFound):
    article_id = (request.view_args or {}).get("article_id", "")
    detail = str(exc)
    if exc.latest is not None:
        count = f"{exc.latest} version{'s' if exc.latest != 1 else ''}"
        detail = f"Version {exc.asked} does not exist: “{article_id}” has {count}."
    return _error_page(404, "Version not found", detail, asked_id=article_id, known_article=True)


@bp.app_template_filter("when")
def _when(moment: datetime) -> Markup:
    """Render an aware datetime as a <time> element in UTC."""
    label = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Markup('<time datetime="{}">{}</time>').format(representations.iso(moment), label)


@bp.app_template_filter("thousands")
def _thousands(n: int) -> str:
    """Format a count with thousands separators."""
    return f"{n:,}"


@bp.get("/")
def index():
    """List articles, most recently updated first, with a filter and cursor pagination."""
    query = request.args.get("q", "").strip()
    cursor = request.args.get("cursor") or None
    if len(query) > MAX_QUERY:
        return _error_page(400, "Filter too long",
                           f"A filter can be at most {MAX_QUERY} characters long.")
    summaries, next_cursor = current_store().list_articles(limit=PAGE_SIZE, cursor=cursor,
                                                           query=query or None)
    items = []
    for s in summaries:
        # The index keeps the first words of the text, so the list reads no article.
        title, made_up = pages.headline({"headline": s.headline}, [s.fallback_title])
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
    promo = current_app.config.get("PROMO_PATTERN")
    cache = current_app.extensions.setdefault(_RENDERED, diffcache.LRU(RENDERED_TIMELINES))
    key = (head, promo, request.script_root)
    return cache.get(key, lambda: _render_timeline(store, article_id, head, promo))


def _render_timeline(store, article_id: str, head: str, promo: str | None) -> str:
    infos = store.versions(article_id, upto=head)
    latest = store.read(article_id, len(infos))
    changes = diffcache.change_stats(store, article_id, infos, promo)
    entries = []
    for prev, info, stats in zip([None, *infos[:-1]], infos, changes, strict=True):
        entries.append({
            "info": info,
            "change": describe_change(stats) if stats else "first version",
            "stats": stats,
            "words_delta": info.words - prev.words if prev else None,
            "compare": _compare_url(article_id, prev.version, info.version) if prev else None,
        })
    title, made_up = pages.headline(latest.meta, latest.paragraphs)
    chart = charts.growth_chart(
        [charts.Point(i.version, i.words, i.paragraphs) for i in infos],
        title if not made_up else "")
    return render_template("views/timeline.html", article_id=article_id, entries=entries,
                           latest=latest, title=title, made_up=made_up, chart=Markup(chart),
                           count=len(infos), source_url=pages.safe_link(latest.meta.get("url")))


_TOGGLES = {"ignore": "typography", "unchanged": "show"}
_LAYOUTS = ("side", "inline")


def _compare_options() -> dict:
    layout = request.args.get("layout", "")
    return {
        "ignore": request.args.get("ignore") == "typography",
        "unchanged": request.args.get("unchanged") == "show",
        "layout": layout if layout in _LAYOUTS else "auto",
    }


def _option_args(options: dict, **override) -> dict:
    merged = {**options, **override}
    args = {}
    if merged["ignore"]:
        args["ignore"] = "typography"
    if merged["unchanged"]:
        args["unchanged"] = "show"
    if merged["layout"] != "auto":
        args["layout"] = merged["layout"]
    return args


@bp.get("/articles/<article_id>/compare")
def compare_form(article_id: str):
    """Answer the compare form: redirect to the compare address of the chosen versions."""
    infos = current_store().versions(article_id)
    latest = len(infos)
    try:
        a = versionspec.parse_version(request.args.get("from") or str(max(latest - 1, 1)))
        b = versionspec.parse_version(request.args.get("to") or "latest")
    except versionspec.BadVersion as exc:
        return _error_page(400, "Not a version",
                           f"“{exc.value}” is not a version: use a number from 1 to {latest} "
                           "or “latest”.",
                           asked_id=article_id, known_article=True)
    options = _compare_options()
    return redirect(_compare_url(article_id, a, b, **_option_args(options)), code=303)


@bp.get("/articles/<article_id>/compare/<spec>")
def compare(article_id: str, spec: str):
    """Show two versions side by side (or inline), with the changes highlighted and anchored."""
    try:
        a, b = versionspec.parse_range(spec)
    except versionspec.BadVersion:
        return _error_page(400, "Not a compare address",
                           f"“{spec}” is not two versions joined by three dots; "
                           "a compare address looks like “1...2” or “1...latest”.",
                           asked_id=article_id)
    store = current_store()
    options = _compare_options()
    promo = current_app.config.get("PROMO_PATTERN")
    # The store says which versions exist (VersionNotFound: rendered by _no_version).
    diff, old, new = diffcache.cached_diff(store, article_id, a, b, options["ignore"], promo)
    infos = store.versions(article_id)
    latest = len(infos)
    na, nb = old.version, new.version
    rows = pages.build_rows(diffing.display_rows(diff), list(old.paragraphs), list(new.paragraphs))
    blocks = pages.fold_rows(rows, options["unchanged"])

    def here(**override):
        return url_for("views.compare", article_id=article_id, spec=spec,
                       **_option_args(options, **override))

    def pair(x, y):
        return _compare_url(article_id, x, y, **_option_args(options))

    title, made_up = pages.headline(new.meta, new.paragraphs)
    return render_template(
        "views/compare.html", article_id=article_id, infos=infos, old=old, new=new,
        stats=diff.stats, blocks=blocks, options=options, here=here, title=title,
        made_up=made_up, meta_changes=pages.meta_changes(old.meta, new.meta),
        prev_pair=pair(na - 1, nb - 1) if min(na, nb) > 1 else None,
        next_pair=pair(na + 1, nb + 1) if max(na, nb) < latest else None,
        change_count=sum(1 for r in rows if r.anchor),
    )


@bp.get("/articles/<article_id>/versions/<n>")
def version(article_id: str, n: str):
    """Show the text of one version with, in the margin, the update each paragraph came from."""
    try:
        number = versionspec.parse_version(n)
    except versionspec.BadVersion:
        return _error_page(400, "Not a version",
                           f"“{n}” is not a version: use a number from 1 or “latest”.",
                           asked_id=article_id, known_article=True)
    store = current_store()
    promo = current_app.config.get("PROMO_PATTERN")
    # The store says which versions exist (VersionNotFound: rendered by _no_version).
    annotation, current = diffcache.cached_annotate(store, article_id, number, promo_pattern=promo)
    infos = store.versions(article_id)
    latest = len(infos)
    here = current.version
    paragraphs = []
    for item in annotation:
        first, last = item["first_version"], item["last_changed_version"]
        paragraphs.append({
            "text": item["text"], "first": first, "last": last,
            "age": pages.age_bucket(first, here),
            "came_in": _compare_url(article_id, first - 1, first) if first > 1 else None,
            "edited_in": _compare_url(article_id, last - 1, last) if last != first else None,
        })
    legend = [{"version": k, "age": pages.age_bucket(k, here),
               "count": sum(1 for p in paragraphs if p["first"] == k)} for k in range(1, here + 1)]
    title, made_up = pages.headline(current.meta, current.paragraphs)
    return render_template("views/version.html", article_id=article_id, v=current, infos=infos,
                           paragraphs=paragraphs, legend=legend, title=title, made_up=made_up,
                           latest=latest, source_url=pages.safe_link(current.meta.get("url")))
