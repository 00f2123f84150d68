"""writethru: every version of a news story in git, and how it changed, paragraph by paragraph."""

from __future__ import annotations

from flask import Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app; the only wiring point."""
    app = Flask(__name__, static_folder=str(config.STATIC_DIR), static_url_path="/static")
    app.config.from_mapping(config.defaults())
    app.config.update(test_config if test_config is not None else config.from_env())
    config.check(app.config)
    # Flask answers 413 itself when Content-Length is over the limit. A chunked body has no
    # Content-Length: its stream is cut at this size instead, so one byte more lets the ingest
    # handler tell "exactly at the limit" from "over it" (see api.read_body).
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY"] + 1

    from . import api, errors, feeds, views
    from .http import AnyTextConverter, strip_trailing_slash
    from .store import GitStore

    app.extensions["store"] = GitStore(app.config["STORE_PATH"], durable=app.config["DURABLE"])
    app.url_map.converters["anytext"] = AnyTextConverter
    app.before_request(strip_trailing_slash)
    errors.register_error_handlers(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.health_bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(feeds.bp)
    return app
