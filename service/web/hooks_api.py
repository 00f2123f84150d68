"""Webhook subscriptions over HTTP: GET/POST /api/hooks, DELETE /api/hooks/<id>, and attempts.

Every route needs the server's bearer token; a server without WRITETHRU_TOKEN answers 403,
since anyone could otherwise send every new version to an address of their choosing. Thin:
`hooks.Registry` keeps the subscriptions, `hooks.Queue` the delivery attempts.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, request, url_for

from ..hooks import Hooks, HooksFileError
from ..hooks.registry import RegistryUnreadable, redacted
from .errors import answer
from .http import conditional_json
from .problems import Problem

bp = Blueprint("hooks_api", __name__, url_prefix="/api/hooks")


def _hooks() -> Hooks:
    return current_app.extensions["hooks"]


@bp.errorhandler(RegistryUnreadable)
def _unreadable(exc: RegistryUnreadable):
    current_app.logger.error("writethru: %s", exc)  # the path and the fault are for the log
    return answer(Problem("internal-error", "The server's file of webhook subscriptions made "
                          "over HTTP cannot be read; its log says why."))


@bp.before_request
def _authenticated() -> None:
    token = current_app.config["TOKEN"]
    if not token:
        raise Problem("forbidden", "Managing webhooks over HTTP needs the server's "
                      "WRITETHRU_TOKEN set; without it, list subscriptions in the hooks file.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # compare_digest: the time taken must not tell how much of the token was right.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.encode()):
        raise Problem("unauthorized", "Managing webhooks needs 'Authorization: Bearer <token>' "
                      "with the server's WRITETHRU_TOKEN.",
                      headers={"WWW-Authenticate": 'Bearer realm="writethru"'})


@bp.get("")
def list_hooks():
    """List the subscriptions: those made here (with ids) and the hooks file's (read-only)."""
    hooks = _hooks()
    made = [item.public() for item in hooks.registry.all()]
    from_file = [{"url": redacted(s.url), "articles": list(s.articles),
                  "description": s.description}
                 for s in hooks.file_subscriptions()]
    return conditional_json({"subscriptions": made, "from_file": from_file},
                            cache_control="no-store")


@bp.post("")
def add_hook():
    """Subscribe a URL: JSON {url, secret, articles?, description?}; the secret is never shown."""
    if request.mimetype != "application/json":
        raise Problem("unsupported-content-type", "Send the subscription as application/json.")
    doc = request.get_json(silent=True)
    hooks = _hooks()
    try:
        made = hooks.registry.add(doc, {s.url for s in hooks.file_subscriptions()})
    except RegistryUnreadable:
        raise
    except HooksFileError as exc:
        field = str(exc).split(":", 1)[0]
        raise Problem("unprocessable-payload", str(exc), field=field) from None
    location = url_for("hooks_api.delete_hook", hook_id=made.id)
    return made.public(), 201, {"Location": location, "Cache-Control": "no-store"}


@bp.delete("/<hook_id>")
def delete_hook(hook_id: str):
    """Delete a subscription made over the API (queued deliveries to it are dropped)."""
    if not _hooks().registry.remove(hook_id):
        raise Problem("not-found", f"No webhook subscription {hook_id!r} was made over the API "
                      "(the hooks file's are changed in the file).")
    return "", 204
