"""HTML pages: the article list, a story's timeline, the compare view and an annotated version."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from flask import Blueprint, Response, redirect, render_template, request, url_for
from markupsafe import Markup

from .. import json_shapes, versionspec
from ..diff import BadIgnore, Ignore, describe_change, digest_of, display_rows, fold_rows, parse_ignore
from ..diff.typography import normalise
from ..plural import plural
from . import charts, page_rows
from .feeds import absolute_url, publisher_time
from .http import (
    commit_of,
    conditional,
    current_differ,
    current_store,
    page_cache,
    page_tag,
    precondition,
)
from .problems import Problem, invalid_parameter

bp = Blueprint("views", __name__)

PAGE_SIZE = 50
MAX_QUERY = 200
#: Rows of a timeline page: a live blog has thousands of versions; one page is ~40 KB of HTML.
TIMELINE_ROWS = 100
#: Points of the growth chart at most: a long history is drawn from an even sample of it.
CHART_POINTS = 120
#: Versions a picker lists as a menu; past this, it is a number field (menus do not grow).
MENU_MAX = 30

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
])


@bp.after_app_request
def _security_headers(response):
    # App-wide, so the error pages of unmatched URLs get the same policy as ours. Not on a 304:
    # it has no body, and the browser keeps the headers of the page it already holds.
    if response.status_code != 304 and response.mimetype == "text/html":
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
            and response.mimetype == "text/html" and "ETag" not in response.headers:
        response = conditional(response)
    return response


def _cached_page(key: tuple, render) -> Response:
    """Answer a page that key names: 304 when the client has it, else from the page cache.

    key holds everything the page shows (commits, the head for its links and counts,
    parameters, the mount prefix), so one key always renders the same bytes.
    """
    key = (*key, request.script_root, _promo())
    tag = page_tag(*key)
    early = precondition(lambda: tag)
    if early:
        return early
    body = page_cache().get(key, lambda: render().encode("utf-8"))
    return conditional(Response(body, mimetype="text/html"), etag=tag)


def _promo() -> str:
    # Rows carry promo flags and folds: a new WRITETHRU_PROMO_PATTERN is a new page.
    return current_differ().promo_pattern or ""


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
    store, differ, cache, promo = current_store(), current_differ(), page_cache(), _promo()

    def digest_line(s) -> str:
        # The latest commit fixes its parent, so its line is cached by it: a warm list reads
        # no text. The page itself stays tagged by a hash of its body.
        def build() -> bytes:
            numbers = [s.versions - 1, s.versions] if s.versions > 1 else [1]
            *olds, new = store.read_many(s.id, numbers, upto=s.commit)
            digest = digest_of(differ.diff_versions(olds[0], new), olds[0], new) if olds else None
            return page_rows.home_line(new.version, new.meta.get("label"), digest).encode()
        return cache.get(("home-line", s.commit, promo), build).decode()

    items = []
    for s in summaries:
        # The index keeps the first words of the text, so the list reads no article.
        title, made_up = page_rows.headline({"headline": s.headline}, [s.fallback_title])
        if s.versions > 1:
            latest = _compare_url(s.id, s.versions - 1, s.versions)
        else:
            latest = url_for("views.version", article_id=s.id, n=1)
        items.append({"summary": s, "title": title, "made_up": made_up, "latest_change": latest,
                      "digest": digest_line(s)})
    next_url = url_for("views.index", q=query or None, cursor=next_cursor) if next_cursor else None
    return render_template("views/index.html", items=items, query=query, cursor=cursor,
                           next_url=next_url)


@bp.get("/articles/<article_id>")
def timeline(article_id: str):
    """Show a story's versions, newest first, a page at a time, with a growth chart and a form."""
    raw = request.args.get("before")
    before = None
    if raw is not None:
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 2):
            raise invalid_parameter("before", f"before must be a version number from 2, got "
                                    f"{raw!r}.", page_title="Not a version")
        before = int(raw)
    infos = current_store().versions(article_id)
    span = page_rows.window(len(infos), before, TIMELINE_ROWS)
    # Named by the head (the whole history) and the rows shown: the same pair, the same page.
    return _cached_page(("timeline", article_id, infos[-1].commit, span.first, span.last),
                        lambda: _render_timeline(article_id, infos, span))


def _render_timeline(article_id: str, infos: list, span: page_rows.Window) -> str:
    store = current_store()
    latest = store.read(article_id, len(infos))
    # The one before the page's oldest row is read too, as the base of that row's change.
    shown = infos[max(0, span.first - 2):span.last]
    changes = current_differ().change_stats(article_id, shown)
    if span.first > 1:
        shown, changes = shown[1:], changes[1:]
    entries = []
    for info, stats in zip(shown, changes, strict=True):
        prev = infos[info.version - 2] if info.version > 1 else None
        entries.append({
            "info": info,
            "change": describe_change(stats) if stats else "first version",
            "words_delta": info.words - prev.words if prev else None,
            "compare": _compare_url(article_id, prev.version, info.version) if prev else None,
            "updated": publisher_time(info.meta, "updated_at"),
            "published": publisher_time(info.meta, "published_at"),
            "headline_change": _headline_change(prev, info),
        })
    title, made_up = page_rows.headline(latest.meta, latest.paragraphs)
    sample = [infos[i] for i in page_rows.sample_evenly(len(infos), CHART_POINTS)]
    chart = charts.growth_chart([charts.Point(i.version, i.words, i.paragraphs) for i in sample],
                                title if not made_up else "")
    count = len(infos)

    def page(before: int | None) -> str:
        return url_for("views.timeline", article_id=article_id, before=before)

    return render_template(
        "views/timeline.html", article_id=article_id, entries=entries, latest=latest,
        latest_info=infos[-1], title=title, made_up=made_up, chart=Markup(chart),
        chart_sampled=len(sample) < count, chart_points=len(sample), count=count, span=span,
        newer_url=page(span.newer_before) if span.newer else None,
        older_url=page(span.older_before) if span.older_before else None,
        newest_url=page(None), oldest_url=page(min(count, TIMELINE_ROWS) + 1),
        latest_compare=_compare_url(article_id, count - 1, count) if count > 1 else None,
        menu=infos if count <= MENU_MAX else None,
        source_url=page_rows.safe_link(latest.meta.get("url")))


def _headline_change(prev, info) -> tuple[str, str] | None:
    """Return (old, new) when both versions carry a headline and it changed beyond typography."""
    old, new = (prev.meta.get("headline") if prev else None), info.meta.get("headline")
    if not old or not new or normalise(old) == normalise(new):
        return None
    return old, new


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
    infos = current_store().versions(article_id)
    old_commit, new_commit = commit_of(infos, a), commit_of(infos, b)
    if old_commit is None or not new_commit:
        # Not there: the Differ's read raises the 404 that names how many versions there are.
        current_differ().compare(article_id, a, b)
        # It did not: a save came in between. Name the page by the history as it is now.
        infos = current_store().versions(article_id)
        old_commit, new_commit = commit_of(infos, a), commit_of(infos, b)
    # The spec is part of the key: the page's own links keep "latest" when it was asked for.
    # The host too: the page names its card by an absolute address (Open Graph wants one).
    key = ("compare", article_id, spec, old_commit, new_commit, infos[-1].commit,
           options["ignore"], options["unchanged"], options["layout"], request.url_root)
    return _cached_page(key, lambda: _render_compare(article_id, spec, infos, a, b, options))


def _render_compare(article_id: str, spec: str, infos: list, a: int | str, b: int | str,
                    options: dict) -> str:
    latest = len(infos)
    # Numbers from the history the key names, so a save meanwhile cannot change the page.
    na = latest if a == "latest" else a
    nb = latest if b == "latest" else b
    diff, old, new = current_differ().compare(article_id, na, nb, parse_ignore(options["ignore"]))
    digest = digest_of(diff, old, new)  # before old becomes EmptyStory: None is "from nothing"
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
        "views/compare.html", article_id=article_id, count=latest,
        menu=infos if latest <= MENU_MAX else None, old=old, new=new,
        stats=diff.stats, blocks=blocks, options=options, here=here, title=title,
        made_up=made_up, meta_changes=page_rows.meta_rows(diff.meta),
        prev_pair=pair(na - 1, nb - 1) if min(na, nb) > 1 else None,
        next_pair=pair(na + 1, nb + 1) if max(na, nb) < latest else None,
        change_count=sum(1 for r in rows if r.anchor),
        digest=page_rows.digest_lines(digest, rows),
        card_url=absolute_url("cards.card", article_id=article_id, spec=f"{na}...{nb}", ext="png"),
        social_text="; ".join(item["text"] for item in digest if item["kind"] != "more")[:300],
    )


@bp.get("/articles/<article_id>/versions/<n>")
def version(article_id: str, n: str):
    """Show the text of one version with, in the margin, the update each paragraph came from."""
    try:
        number = versionspec.parse_version(n)
    except versionspec.BadVersion as exc:
        raise _not_a_version(n, article_id) from exc
    infos = current_store().versions(article_id)
    commit = commit_of(infos, number)
    if not commit:
        current_differ().annotate(article_id, number)  # raises the 404 naming the count
        infos = current_store().versions(article_id)  # or a save came in between
        commit = commit_of(infos, number)
    # The head too: the page says "version n of m" and links to the next one.
    return _cached_page(("version", article_id, commit, infos[-1].commit),
                        lambda: _render_version(article_id, infos, number))


def _render_version(article_id: str, infos: list, number: int | str) -> str:
    latest = len(infos)
    annotation, current = current_differ().annotate(
        article_id, latest if number == "latest" else number)
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
    counts = Counter(p["first"] for p in paragraphs)
    # Every version of a short history; of a long one, those that brought in a paragraph still
    # here (at most one per paragraph), so the legend does not grow with the history.
    shown = range(1, here + 1) if here <= MENU_MAX else sorted(counts)
    legend = [{"version": k, "age": page_rows.age_bucket(k, here), "count": counts[k]}
              for k in shown]
    title, made_up = page_rows.headline(current.meta, current.paragraphs)
    return render_template("views/version.html", article_id=article_id, v=current,
                           paragraphs=paragraphs, legend=legend, title=title, made_up=made_up,
                           latest=latest, source_url=page_rows.safe_link(current.meta.get("url")))
