"""The Flask app: settings, services (store, Differ), blueprints and the one error path."""

from __future__ import annotations

from flask import Flask
from jinja2 import StrictUndefined

from .. import config
from ..diff import Differ
from ..hooks import Hooks
from ..store import GitStore


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app; the only wiring point."""
    app = Flask("service.web", static_folder=str(config.STATIC_DIR), static_url_path="/static")
    app.config.from_mapping(config.defaults())
    app.config.update(test_config if test_config is not None else config.from_env())
    config.check(app.config)
    # Flask answers 413 itself when Content-Length is over the limit. A chunked body has no
    # Content-Length: its stream is cut at this size instead, so one byte more lets the ingest
    # handler tell "exactly at the limit" from "over it" (see api.read_body).
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY"] + 1
    # A mistyped template variable fails a test instead of rendering as nothing.
    app.jinja_env.undefined = StrictUndefined

    from . import api, cards, cors, errors, export_api, feeds, hooks_api, search, views
    from .http import AnyTextConverter, new_page_cache, page_revision, strip_trailing_slash

    store = GitStore(app.config["STORE_PATH"], durable=app.config["DURABLE"],
                     history_cache_bytes=config.cache_bytes(app.config, "histories"),
                     object_cache_bytes=config.cache_bytes(app.config, "objects"))
    app.extensions["store"] = store
    app.extensions["asset_revision"] = page_revision(app)  # part of every page's ETag
    app.extensions["pages"] = new_page_cache(app.config)  # rendered pages and feeds, by bytes
    app.extensions["differ"] = Differ(
        store, app.config["PROMO_PATTERN"], facts=Differ.facts_beside(store.path),
        **{f"{name}_bytes": config.cache_bytes(app.config, name)
           for name in ("diffs", "stats", "annotations")})
    # Webhooks: a save only queues (one INSERT); delivery runs in each worker's thread (serve).
    app.extensions["hooks"] = Hooks(store.path, app.config["HOOKS_FILE"] or None,
                                    base_url=app.config["BASE_URL"])
    if not app.config["READ_ONLY"]:
        problem = store.owner_problem()
        if problem:
            # Logged, not refused: a server run as root by mistake should still serve reads.
            app.logger.error("writethru: %s; versions saved by this server would be written "
                             "as the wrong user", problem)
    app.url_map.converters["anytext"] = AnyTextConverter
    app.before_request(strip_trailing_slash)
    cors.register(app)  # its preflight answer and POST check go before the slash redirect
    errors.register_error_handlers(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.health_bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(cards.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(export_api.bp)
    app.register_blueprint(hooks_api.bp)
    return app
