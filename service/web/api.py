"""JSON API under /api: thin handlers that parse, call the store or the diff engine, and shape."""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, current_app, json, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from .. import json_shapes as shapes
from .. import versionspec
from ..diff import BadIgnore, Ignore, digest_of, ignore_label, parse_ignore
from ..ingest import parse_payload
from ..ingest.ninjs_out import MEDIA_TYPE as NINJS
from ..ingest.ninjs_out import to_ninjs
from ..store import validate_article_id
from . import openapi
from .http import (
    IMMUTABLE,
    REVALIDATE,
    commit_of,
    conditional,
    conditional_json,
    current_differ,
    current_store,
    page_cache,
    precondition,
)
from .problems import Problem, invalid_parameter

bp = Blueprint("api", __name__, url_prefix="/api")
health_bp = Blueprint("health", __name__)

MAX_PAGE = 200


def _refuse_on_a_replica() -> None:
    """Answer 403 `read-only` when this server may not write versions (before any other check)."""
    if current_app.config["READ_ONLY"]:
        raise Problem("read-only", "This server is a read-only replica (WRITETHRU_READ_ONLY): it "
                      "serves every read but saves no versions. Send versions to the primary "
                      "server, whose store this one mirrors.")
    if not current_store().writable():
        raise Problem("read-only", "This server cannot write to its article store (a read-only "
                      "file system, or no permission to write), so it serves reads only. Send "
                      "versions to the primary server.")


def _require_token() -> None:
    token = current_app.config["TOKEN"]
    if not token:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # compare_digest: the time taken must not tell how much of the token was right.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Problem("unauthorized", "Sending versions needs 'Authorization: Bearer <token>' with the "
                      "server's WRITETHRU_TOKEN.")


def parse_version(value: str, name: str, *, allow_zero: bool = False) -> int | str:
    """Parse a version parameter, or answer 400 naming it."""
    try:
        return versionspec.parse_version(value, allow_zero=allow_zero)
    except versionspec.BadVersion as exc:
        raise invalid_parameter(name, f"{name} {exc}.") from exc


def ignore_param() -> Ignore:
    """Parse the `ignore` parameter, or answer 400 naming it."""
    try:
        return parse_ignore(request.args.get("ignore"))
    except BadIgnore as exc:
        raise invalid_parameter("ignore", f"{exc}.") from exc


# <anytext:...> so that an id with a slash or newline reaches validation and gets its 400, not a bare 404.
@bp.post("/articles/<anytext:article_id>/versions")
def post_version(article_id: str):
    """Ingest a version of an article."""
    _refuse_on_a_replica()
    _require_token()
    validate_article_id(article_id)
    submission = parse_payload(read_body(), request.headers.get("Content-Type"),
                               max_paragraphs=current_app.config["MAX_PARAGRAPHS"],
                               extract=request.args.get("extract"))
    saved = current_store().save(article_id, submission)
    if saved.created:
        # One diff now, so the timeline and annotate of a long story never diff its history.
        current_differ().record(saved.article, saved.version, saved.commit)
        current_app.extensions["hooks"].version_created(saved.article, saved.version, saved.commit)
    body = {"article": saved.article, "version": saved.version, "commit": saved.commit,
            "created": saved.created}
    if submission.warnings:  # what was kept in source/ but not read (an unknown ninjs field...)
        body["warnings"] = list(submission.warnings)
    location = url_for("api.get_version", article_id=article_id, n=str(saved.version))
    return body, (201 if saved.created else 200), {"Location": location}


def read_body() -> bytes:
    """Read the request body; 413 when it is over the limit, chunked transfer included."""
    coding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if coding not in ("", "identity"):
        # RFC 7694: 415 with Accept-Encoding tells the client to send it uncompressed. Decoding
        # it here would let a small gzip body expand far past the body limit.
        raise Problem("unsupported-content-encoding",
                      f"Content-Encoding {coding!r} is not accepted; send the body uncompressed.",
                      headers={"Accept-Encoding": "identity"})
    body = request.get_data(cache=False)
    if len(body) > current_app.config["MAX_BODY"]:
        raise RequestEntityTooLarge()
    return body


@bp.get("/articles")
def list_articles():
    """List articles, most recently updated first, with cursor pagination."""
    raw_limit = request.args.get("limit", "50")
    if not (raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_PAGE):
        raise invalid_parameter("limit",
                                f"limit must be a number from 1 to {MAX_PAGE}, got {raw_limit!r}.")
    query = request.args.get("q") or None
    summaries, cursor = current_store().list_articles(
        limit=int(raw_limit), cursor=request.args.get("cursor") or None, query=query)
    next_url = None
    if cursor:
        next_url = url_for("api.list_articles", limit=raw_limit, cursor=cursor, q=query)
    body = {"articles": [shapes.article_summary(s) for s in summaries], "next": next_url}
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return conditional_json(body, cache_control=REVALIDATE, headers=headers)


@bp.get("/articles/<article_id>")
def get_article(article_id: str):
    """Return an article and its versions."""
    validate_article_id(article_id)
    store = current_store()
    early = precondition(lambda: store.head(article_id))
    if early:
        return early
    infos = store.versions(article_id)
    return conditional_json(shapes.article(article_id, infos), etag=infos[-1].commit,
                            cache_control=REVALIDATE)


@bp.get("/articles/<article_id>/versions/<n>")
def get_version(article_id: str, n: str):
    """Return one version: text, paragraphs, metadata; as ninjs 3.x when Accept asks for it."""
    validate_article_id(article_id)
    number = parse_version(n, "version")
    store = current_store()
    cache = REVALIDATE if number == "latest" else IMMUTABLE
    # Two representations of one version: each its own tag, and caches told to key on Accept.
    suffix = ".ninjs" if _wants_ninjs() else ""

    def tag() -> str | None:
        commit = _commit(article_id, number)
        return commit + suffix if commit else None

    early = precondition(tag, cache_control=cache)
    if early:
        early.vary.add("Accept")
        return early
    v = store.read(article_id, number)
    if suffix:
        resp = Response(json.dumps(to_ninjs(v)), mimetype=NINJS)
        answer = conditional(resp, etag=v.commit + suffix, cache_control=cache)
    else:
        answer = conditional_json(shapes.version(v), etag=v.commit, cache_control=cache)
    answer.vary.add("Accept")
    return answer


_NINJS_ACCEPTED = (NINJS, "application/vnd.iptc.ninjs+json")


def _wants_ninjs() -> bool:
    """True when Accept prefers ninjs to JSON (JSON stays the answer to */* and no Accept)."""
    best = request.accept_mimetypes.best_match(["application/json", *_NINJS_ACCEPTED])
    return best in _NINJS_ACCEPTED


@health_bp.get("/healthz")
def healthz():
    """Report liveness, whether the store can be read, damage a save found, and read-only."""
    store = current_store()
    store.check()
    damage = store.broken()  # one small file read: set by a save that found a commit missing
    if damage:
        raise Problem("store-damaged", f"A save found the latest version of {damage.get('article')!r}"
                      " missing from the store; nothing is built on it. The operator can see what "
                      "is wrong with 'writethru fsck', which clears this once the store is whole.",
                      headers={"Cache-Control": "no-store"})
    # Healthy: a replica serves reads, and POST answers 403. The two bodies are fixed bytes: a
    # probe answered several times a second should cost no JSON encoding.
    read_only = current_app.config["READ_ONLY"] or not store.writable()
    return Response(_HEALTHY_READ_ONLY if read_only else _HEALTHY, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


_HEALTHY = b'{"status":"ok"}\n'
_HEALTHY_READ_ONLY = b'{"read_only":true,"status":"ok"}\n'


def _commit(article_id: str, number: int | str) -> str | None:
    """Return the commit of a version without reading its text (None: no such version)."""
    store = current_store()
    if number == "latest":
        return store.head(article_id)
    return commit_of(store.versions(article_id), number)


def _promo_label() -> str:
    # Rows carry promo flags, which follow WRITETHRU_PROMO_PATTERN: a new pattern, a new tag.
    return hashlib.sha1((current_differ().promo_pattern or "").encode()).hexdigest()[:8]


def _diff_tag(old_commit: str | None, new_commit: str, ignore: Ignore) -> str:
    return f"{old_commit or 'empty'}..{new_commit}.{ignore_label(ignore) or 'exact'}.{_promo_label()}"


def _fixed(*versions) -> bool:
    """True when every version parameter names a number, so the answer can never change."""
    return all(v != "latest" for v in versions)


@bp.get("/articles/<article_id>/diff")
def get_diff(article_id: str):
    """Return the paragraph diff of two versions (default: the one before `to`, and `to`)."""
    validate_article_id(article_id)
    ignore = ignore_param()
    to = parse_version(request.args.get("to", "latest"), "to")
    start = None
    if "from" in request.args:
        start = parse_version(request.args["from"], "from", allow_zero=True)
    fixed = _fixed(to, start if start is not None else to)  # a defaulted `from` follows `to`
    cache = IMMUTABLE if fixed else REVALIDATE

    # The commits of both ends name the diff: one walk of the history (remembered), no text.
    infos = current_store().versions(article_id)
    new_commit = commit_of(infos, to)
    ends, tag = None, None
    if new_commit:
        b = to if isinstance(to, int) else len(infos)  # "latest"
        a = b - 1 if start is None else (start if isinstance(start, int) else len(infos))
        old_commit = commit_of(infos, a)
        if old_commit is not None:
            ends, tag = (a, b), _diff_tag(old_commit or None, new_commit, ignore)
    early = precondition(lambda: tag, cache_control=cache)
    if early:
        return early
    if ends is None:
        # Not there: the Differ's read raises the 404 naming how many versions there are. If
        # it does not, a save came in between: answer as the store is now, uncached.
        diff, old, new = current_differ().compare(article_id, start, to, ignore)
        return conditional_json(shapes.diff(article_id, old, new, diff, ignore,
                                            digest=digest_of(diff, old, new)),
                                etag=_diff_tag(old.commit if old else None, new.commit, ignore),
                                cache_control=cache)

    def build() -> bytes:
        # By number, from the history the tag names: a save meanwhile cannot change the body.
        diff, old, new = current_differ().compare(article_id, ends[0], ends[1], ignore)
        return json.dumps(shapes.diff(article_id, old, new, diff, ignore,
                                      digest=digest_of(diff, old, new))).encode()

    # The encoded body is kept by its tag: serialising a long diff cost more than the request.
    body = page_cache().get(("api-diff", article_id, tag), build)
    return conditional(Response(body, mimetype="application/json"), etag=tag,
                       cache_control=cache)


@bp.get("/articles/<article_id>/annotate")
def get_annotate(article_id: str):
    """Return, for every paragraph of a version, the version that brought it in and its last edit."""
    validate_article_id(article_id)
    number = parse_version(request.args.get("version", "latest"), "version")
    ignore = ignore_param()
    cache = IMMUTABLE if _fixed(number) else REVALIDATE

    def named() -> str | None:
        commit = _commit(article_id, number)
        return _annotate_tag(commit, ignore) if commit else None

    early = precondition(named, cache_control=cache)
    if early:
        return early
    paragraphs, target = current_differ().annotate(article_id, number, ignore)
    body = {"article": article_id, "version": target.version, "commit": target.commit,
            "paragraphs": paragraphs}
    return conditional_json(body, etag=_annotate_tag(target.commit, ignore), cache_control=cache)


def _annotate_tag(commit: str, ignore: Ignore) -> str:
    return f"{commit}.annotate.{ignore_label(ignore) or 'exact'}"


@bp.get("/openapi.json")
def get_openapi():
    """Return the OpenAPI 3.1 document of this API."""
    return conditional_json(openapi.document(), cache_control=REVALIDATE)
